import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CaptureReader } from '../src/capture/capture.ts';
import { decodeTcpPacket, type TcpSegment } from '../src/capture/packet.ts';
import { TcpReassembler, type TcpEvent } from '../src/capture/tcp.ts';
import {
  ACK, bytesOf, ethernet, FIN, ip, nullLoopback, pcapFile, pcapngFile, PSH, RST, SYN, sll, sll2, type SegmentInit,
} from './_capture-builder.ts';

// TCP reassembly is portable (src/capture): tested in every runtime.

const CLIENT = { address: '127.0.0.1', port: 50312 };
const SERVER = { address: '127.0.0.1', port: 9001 };
const CLIENT_ISN = 1000;
const SERVER_ISN = 5000;

/** A segment from the client (`c`) or the server (`s`); `seq` relative to that side's ISN + 1. */
function segment(from: 'c' | 's', seq: number, flags: number, payload: Uint8Array | string = ''): TcpSegment {
  const [src, dst] = from === 'c' ? [CLIENT, SERVER] : [SERVER, CLIENT];
  const bytes = bytesOf(payload);
  const isn = from === 'c' ? CLIENT_ISN : SERVER_ISN;
  return {
    ipVersion: 4,
    srcAddress: src.address,
    dstAddress: dst.address,
    srcPort: src.port,
    dstPort: dst.port,
    seq: (isn + 1 + seq) >>> 0,
    ack: 0,
    flags,
    payload: bytes,
    payloadLength: bytes.length,
  };
}

const syn = segment('c', -1, SYN);
const synAck = segment('s', -1, SYN | ACK);
const handshakeAck = segment('c', 0, ACK);

/** Events with data as text, for readable exact assertions. */
function readable(events: TcpEvent[]) {
  return events.map((event) => (event.type === 'data' ? { ...event, data: new TextDecoder().decode(event.data) } : event));
}

function run(segments: TcpSegment[], options = {}): TcpEvent[] {
  const tcp = new TcpReassembler(options);
  const events: TcpEvent[] = [];
  segments.forEach((item, i) => events.push(...tcp.push(item, i + 1)));
  events.push(...tcp.end(100));
  return events;
}

/** The concatenated data of one direction; gaps as one '?' per missing byte. */
function streamText(events: TcpEvent[], from: 'client' | 'server', stream = 0): string {
  let text = '';
  for (const event of events) {
    if (event.stream !== stream || !('from' in event) || event.from !== from) continue;
    if (event.type === 'data') {
      expect(event.offset).toBe(text.length);
      text += new TextDecoder().decode(event.data);
    } else if (event.type === 'gap') {
      expect(event.offset).toBe(text.length);
      text += '?'.repeat(event.bytes);
    }
  }
  return text;
}

describe('TcpReassembler on ordinary connections', () => {
  it('reports open, each direction in order with offsets and times, and a close per FIN', () => {
    const events = run([
      syn, synAck, handshakeAck,
      segment('c', 0, PSH | ACK, 'GET / HTTP/1.1\r\n\r\n'),
      segment('s', 0, PSH | ACK, 'HTTP/1.1 101 OK\r\n\r\n'),
      segment('c', 18, FIN | ACK),
      segment('s', 19, FIN | ACK),
      segment('c', 19, ACK),
    ]);
    expect(readable(events)).toEqual([
      { type: 'open', stream: 0, client: '127.0.0.1:50312', server: '127.0.0.1:9001', time: 1, handshakeSeen: true },
      { type: 'data', stream: 0, from: 'client', time: 4, data: 'GET / HTTP/1.1\r\n\r\n', offset: 0 },
      { type: 'data', stream: 0, from: 'server', time: 5, data: 'HTTP/1.1 101 OK\r\n\r\n', offset: 0 },
      { type: 'close', stream: 0, from: 'client', time: 6, reason: 'fin' },
      { type: 'close', stream: 0, from: 'server', time: 7, reason: 'fin' },
    ]);
  });

  it('delivers an HTTP head split across several segments as consecutive data events', () => {
    const events = run([
      syn, synAck, handshakeAck,
      segment('c', 0, ACK, 'GET /chat HTTP/1.1\r\nHo'),
      segment('c', 22, ACK, 'st: x\r\nUpgrade: websocket'),
      segment('c', 47, PSH | ACK, '\r\n\r\n'),
    ]);
    expect(events.filter((event) => event.type === 'data').map((event) => (event as { offset: number }).offset)).toEqual([0, 22, 47]);
    expect(streamText(events, 'client')).toBe('GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n');
  });

  it('takes the receiver of a SYN-ACK seen first as the client', () => {
    const [open] = run([synAck, handshakeAck]);
    expect(open).toEqual({ type: 'open', stream: 0, client: '127.0.0.1:50312', server: '127.0.0.1:9001', time: 1, handshakeSeen: true });
  });

  it('takes the sender of the first packet as the client when the capture starts mid-stream', () => {
    const events = run([segment('s', 100, ACK, 'late'), segment('s', 104, ACK, ' start')]);
    expect(events[0]).toEqual({ type: 'open', stream: 0, client: '127.0.0.1:9001', server: '127.0.0.1:50312', time: 1, handshakeSeen: false });
    expect(streamText(events, 'client')).toBe('late start');
  });

  it('writes IPv6 endpoints as [address]:port in canonical form', () => {
    const v6: TcpSegment = {
      ...syn, ipVersion: 6, srcAddress: '2001:db8::1', dstAddress: '2001:db8::2', srcPort: 40000, dstPort: 443,
    };
    expect(run([v6])[0]).toMatchObject({ client: '[2001:db8::1]:40000', server: '[2001:db8::2]:443' });
  });

  it('numbers interleaved connections in order of first appearance', () => {
    const other = (from: 'c' | 's', seq: number, flags: number, payload = '') => ({
      ...segment(from, seq, flags, payload),
      ...(from === 'c' ? { srcPort: 50313 } : { dstPort: 50313 }),
    });
    const events = run([syn, other('c', -1, SYN), synAck, other('s', -1, SYN | ACK), other('c', 0, ACK, 'two'), segment('c', 0, ACK, 'one')]);
    expect(events.filter((event) => event.type === 'open').map((event) => (event as { client: string }).client))
      .toEqual(['127.0.0.1:50312', '127.0.0.1:50313']);
    expect(streamText(events, 'client', 0)).toBe('one');
    expect(streamText(events, 'client', 1)).toBe('two');
  });

  it('delivers data carried in the SYN (TCP Fast Open) after the SYN\'s sequence number', () => {
    const events = run([segment('c', -1, SYN, 'early'), synAck, segment('c', 5, ACK, ' data')]);
    expect(streamText(events, 'client')).toBe('early data');
  });

  it('closes both directions with reason rst on a reset, and ignores what follows', () => {
    const events = run([syn, synAck, segment('c', 0, ACK, 'abc'), segment('s', 0, RST | ACK), segment('c', 3, ACK, 'late')]);
    expect(readable(events.slice(2))).toEqual([
      { type: 'close', stream: 0, from: 'server', time: 4, reason: 'rst' },
      { type: 'close', stream: 0, from: 'client', time: 4, reason: 'rst' },
    ]);
  });

  it('opens a new stream for a new SYN on the same ports after a close, but not for a late ACK', () => {
    const tcp = new TcpReassembler();
    const events = [syn, synAck, segment('c', 0, FIN | ACK), segment('s', 0, FIN | ACK), segment('c', 1, ACK)]
      .flatMap((item, i) => tcp.push(item, i));
    expect(events.filter((event) => event.type === 'open')).toHaveLength(1);
    const reuse = { ...segment('c', -1, SYN), seq: 777 };
    const reopened = tcp.push(reuse, 10);
    expect(reopened).toEqual([{ type: 'open', stream: 1, client: '127.0.0.1:50312', server: '127.0.0.1:9001', time: 10, handshakeSeen: true }]);
  });

  it('closes the old stream and opens a new one for a SYN with a new ISN on a connection never closed', () => {
    const tcp = new TcpReassembler();
    tcp.push(syn, 1);
    tcp.push(segment('c', 0, ACK, 'x'), 2);
    const events = tcp.push({ ...syn, seq: 99 }, 3);
    expect(events.map((event) => `${event.type} ${event.stream}`)).toEqual(['close 0', 'close 0', 'open 1']);
  });
});

describe('TcpReassembler memory', () => {
  const synFrom = (port: number) => ({ ...syn, srcPort: port, seq: port });

  it('forgets the oldest connection that carried no payload past maxQuietConnections, closing it as idle', () => {
    const tcp = new TcpReassembler({ maxQuietConnections: 2 });
    const events = [tcp.push(synFrom(1), 1), tcp.push({ ...segment('c', 0, ACK, 'hi'), srcPort: 2, seq: 3 }, 2), tcp.push(synFrom(3), 3), tcp.push(synFrom(4), 4)].flat();
    // Port 2 spoke, so it is not quiet; port 1 is the oldest quiet one when port 4 opens.
    expect(events.filter((event) => event.type === 'close')).toEqual([
      { type: 'close', stream: 0, from: 'client', time: 4, reason: 'idle' },
      { type: 'close', stream: 0, from: 'server', time: 4, reason: 'idle' },
    ]);
    expect(tcp.size).toBe(3);
    expect(tcp.stats.quietForgotten).toBe(1);
    // Should it speak later, it comes back as a new stream whose handshake was not seen.
    const back = tcp.push({ ...segment('c', 0, ACK, 'GET'), srcPort: 1, seq: 2 }, 5);
    expect(back[0]).toMatchObject({ type: 'open', stream: 4, client: '127.0.0.1:1', handshakeSeen: false });
    expect(back.filter((event) => event.type === 'close')).toEqual([]);
  });

  it('never forgets a connection that carried payload, however many there are', () => {
    const tcp = new TcpReassembler({ maxQuietConnections: 10 });
    for (let port = 1; port <= 20_000; port++) {
      tcp.push(synFrom(port), port);
      tcp.push({ ...segment('c', 0, ACK, 'x'), srcPort: port, seq: port + 1 }, port);
    }
    expect(tcp.size).toBe(20_000);
    expect(tcp.stats.quietForgotten).toBe(0);
  });
});

describe('TcpReassembler on reordered and repeated segments', () => {
  it('buffers segments that arrive early and delivers them, in order, when the hole is filled', () => {
    const events = run([
      syn, synAck, handshakeAck,
      segment('c', 6, ACK, 'world'),
      segment('c', 11, ACK, '!'),
      segment('c', 0, ACK, 'hello '),
    ]);
    expect(readable(events.slice(1))).toEqual([
      { type: 'data', stream: 0, from: 'client', time: 6, data: 'hello ', offset: 0 },
      { type: 'data', stream: 0, from: 'client', time: 6, data: 'world', offset: 6 },
      { type: 'data', stream: 0, from: 'client', time: 6, data: '!', offset: 11 },
      { type: 'close', stream: 0, from: 'client', time: 100, reason: 'end' },
      { type: 'close', stream: 0, from: 'server', time: 100, reason: 'end' },
    ]);
  });

  it('delivers a retransmitted segment once and counts its bytes as duplicates', () => {
    const tcp = new TcpReassembler();
    const events = [syn, synAck, segment('c', 0, ACK, 'abc'), segment('c', 0, ACK, 'abc'), segment('c', 3, ACK, 'def')]
      .flatMap((item, i) => tcp.push(item, i));
    expect(streamText(events, 'client')).toBe('abcdef');
    expect(tcp.stats.duplicateBytes).toBe(3);
  });

  it('trims the delivered part of an overlapping segment and keeps the first bytes seen', () => {
    const events = run([syn, synAck, segment('c', 0, ACK, 'abcd'), segment('c', 2, ACK, 'XXef')]);
    expect(readable(events.filter((event) => event.type === 'data'))).toEqual([
      { type: 'data', stream: 0, from: 'client', time: 3, data: 'abcd', offset: 0 },
      { type: 'data', stream: 0, from: 'client', time: 4, data: 'ef', offset: 4 },
    ]);
  });

  it('keeps the first-arrived bytes where buffered segments overlap each other', () => {
    const events = run([
      syn, synAck,
      segment('c', 4, ACK, 'EFGH'),
      segment('c', 2, ACK, 'cdXXXXij'),
      segment('c', 0, ACK, 'ab'),
    ]);
    expect(streamText(events, 'client')).toBe('abcdEFGHij');
  });

  it('hands in-order bytes out as views of the payload and copies bytes it has to buffer', () => {
    const tcp = new TcpReassembler();
    tcp.push(syn, 1);
    const inOrder = segment('c', 0, ACK, 'ab');
    const early = segment('c', 4, ACK, 'ef');
    const [first] = tcp.push(inOrder, 2) as { data: Uint8Array }[];
    expect(first.data.buffer).toBe(inOrder.payload.buffer);
    expect(tcp.push(early, 3)).toEqual([]);
    early.payload.fill(0x21);
    const later = tcp.push(segment('c', 2, ACK, 'cd'), 4);
    expect(readable(later).map((event) => (event as { data: string }).data)).toEqual(['cd', 'ef']);
  });

  it('follows the sequence numbers across the 2^32 wrap, in and out of order', () => {
    const base = (0x1_0000_0000 - 5) >>> 0;
    const at = (offset: number, flags: number, text = ''): TcpSegment => ({ ...segment('c', 0, flags, text), seq: (base + 1 + offset) >>> 0 });
    const events = run([
      { ...segment('c', 0, SYN), seq: base },
      at(0, ACK, '012'),
      at(7, ACK, '789'),
      at(3, ACK, '3456'),
      at(10, FIN | ACK),
    ]);
    expect(at(7, ACK).seq).toBe(3);
    expect(streamText(events, 'client')).toBe('0123456789');
    expect(events.at(-2)).toEqual({ type: 'close', stream: 0, from: 'client', time: 5, reason: 'fin' });
  });

  it('reassembles any order of the segments, with repeats, into the original bytes', () => {
    const text = 'The quick brown fox jumps over the lazy dog, again and again and again.';
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 30 }),
      fc.array(fc.nat(1000), { minLength: 80, maxLength: 80 }),
      fc.nat(5),
      (cuts, order, repeats) => {
        const pieces: TcpSegment[] = [];
        for (let start = 0, i = 0; start < text.length; i++) {
          const end = Math.min(text.length, start + cuts[i % cuts.length]);
          pieces.push(segment('c', start, ACK, text.slice(start, end)));
          start = end;
        }
        for (let i = 0; i < repeats; i++) pieces.push(pieces[order[i] % pieces.length]);
        const shuffled = pieces.map((piece, i) => ({ piece, key: order[i % order.length] })).sort((a, b) => a.key - b.key);
        const events = run([syn, ...shuffled.map((item) => item.piece)]);
        expect(streamText(events, 'client')).toBe(text);
        expect(events.some((event) => event.type === 'gap')).toBe(false);
      },
    ), { numRuns: 300 });
  });
});

describe('TcpReassembler on missing bytes', () => {
  it('reports bytes never captured as a gap at the end, then the buffered data, then the close', () => {
    const events = run([syn, synAck, segment('c', 0, ACK, 'aa'), segment('c', 5, ACK, 'ff')]);
    expect(readable(events.slice(2))).toEqual([
      { type: 'gap', stream: 0, from: 'client', time: 100, offset: 2, bytes: 3 },
      { type: 'data', stream: 0, from: 'client', time: 100, data: 'ff', offset: 5 },
      { type: 'close', stream: 0, from: 'client', time: 100, reason: 'end' },
      { type: 'close', stream: 0, from: 'server', time: 100, reason: 'end' },
    ]);
  });

  it('reports a gap as soon as the peer acknowledges bytes beyond the hole', () => {
    const ackFromServer = { ...segment('s', 0, ACK), ack: CLIENT_ISN + 1 + 8 };
    const events = run([syn, synAck, segment('c', 0, ACK, 'abc'), segment('c', 6, ACK, 'gh'), ackFromServer]);
    expect(readable(events.slice(2, 4))).toEqual([
      { type: 'gap', stream: 0, from: 'client', time: 5, offset: 3, bytes: 3 },
      { type: 'data', stream: 0, from: 'client', time: 5, data: 'gh', offset: 6 },
    ]);
  });

  it('gives up a hole when the bytes buffered beyond it exceed maxBufferedBytes, and goes on', () => {
    const tcp = new TcpReassembler({ maxBufferedBytes: 8 });
    const events = [
      syn, synAck, segment('c', 0, ACK, 'ab'),
      segment('c', 10, ACK, 'kl'),
      segment('c', 12, ACK, 'mnop'),
      segment('c', 20, ACK, 'uvw'),
      segment('c', 16, ACK, 'qrst'),
    ].flatMap((item, i) => tcp.push(item, i));
    expect(readable(events.slice(2))).toEqual([
      { type: 'gap', stream: 0, from: 'client', time: 5, offset: 2, bytes: 8 },
      { type: 'data', stream: 0, from: 'client', time: 5, data: 'kl', offset: 10 },
      { type: 'data', stream: 0, from: 'client', time: 5, data: 'mnop', offset: 12 },
      // 'uvw' waits for 'qrst' again: only the hole that overflowed the buffer is given up.
      { type: 'data', stream: 0, from: 'client', time: 6, data: 'qrst', offset: 16 },
      { type: 'data', stream: 0, from: 'client', time: 6, data: 'uvw', offset: 20 },
    ]);
    expect(tcp.stats).toMatchObject({ gaps: 1, gapBytes: 8, outOfOrderSegments: 3 });
    // The late bytes of the hole are now old: dropped.
    expect(tcp.push(segment('c', 2, ACK, 'cdefghij'), 9)).toEqual([]);
  });

  it('reports the bytes missing before a FIN as a gap and closes with reason fin at the end', () => {
    const events = run([syn, synAck, segment('c', 0, ACK, 'ab'), segment('c', 4, FIN | ACK, 'ef')]);
    expect(streamText(events, 'client')).toBe('ab??ef');
    expect(events.find((event) => event.type === 'close' && event.from === 'client')).toMatchObject({ reason: 'fin', time: 100 });
  });

  it('reports the uncaptured tail of a snapshot-length-cut segment as a gap right after its data', () => {
    const cut = { ...segment('c', 0, ACK, 'abcdefgh'), payload: bytesOf('abc') };
    const events = run([syn, synAck, cut, segment('c', 8, ACK, 'ij')]);
    expect(readable(events.slice(1, 4))).toEqual([
      { type: 'data', stream: 0, from: 'client', time: 3, data: 'abc', offset: 0 },
      { type: 'gap', stream: 0, from: 'client', time: 3, offset: 3, bytes: 5 },
      { type: 'data', stream: 0, from: 'client', time: 4, data: 'ij', offset: 8 },
    ]);
  });

  it('reports acknowledged bytes that were never captured as a gap at the end', () => {
    const ackFromServer = { ...segment('s', 0, ACK), ack: CLIENT_ISN + 1 + 10 };
    const events = run([syn, synAck, segment('c', 0, ACK, 'abcd'), ackFromServer]);
    expect(streamText(events, 'client')).toBe('abcd??????');
  });
});

describe('TcpReassembler behind CaptureReader and decodeTcpPacket', () => {
  const client = { src: '10.1.1.1', dst: '10.2.2.2', srcPort: 40000, dstPort: 80 };
  const server = { src: '10.2.2.2', dst: '10.1.1.1', srcPort: 80, dstPort: 40000 };
  const inits: SegmentInit[] = [
    { ...client, seq: 100, flags: SYN },
    { ...server, seq: 900, ack: 101, flags: SYN | ACK },
    { ...client, seq: 101, ack: 901, flags: ACK },
    { ...client, seq: 117, ack: 901, flags: ACK, payload: 'Upgrade: websocket\r\n\r\n' },
    { ...client, seq: 101, ack: 901, flags: ACK, payload: 'GET / HTTP' },
    { ...client, seq: 107, ack: 901, flags: ACK, payload: 'HTTP/1.1\r\n' },
    { ...client, seq: 101, ack: 901, flags: ACK, payload: 'GET / HTTP' },
    { ...server, seq: 901, ack: 139, flags: PSH | ACK, payload: 'HTTP/1.1 101 Switching Protocols\r\n\r\n' },
  ];

  function streams(file: Uint8Array) {
    const reader = new CaptureReader();
    reader.push(file);
    reader.end();
    const tcp = new TcpReassembler();
    const events: TcpEvent[] = [];
    for (const packet of reader.packets()) {
      const tcpSegment = decodeTcpPacket(packet.linkType, packet.data);
      if (tcpSegment) events.push(...tcp.push(tcpSegment, packet.time));
    }
    events.push(...tcp.end());
    return { client: streamText(events, 'client'), server: streamText(events, 'server'), open: events[0], last: events.at(-1) };
  }

  const expectedStreams = {
    client: 'GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n',
    server: 'HTTP/1.1 101 Switching Protocols\r\n\r\n',
  };

  it('reassembles both directions of a pcap capture on Ethernet with out-of-order and overlapping segments', () => {
    const file = pcapFile(inits.map((init, i) => ({ seconds: 10 + i, data: ethernet(ip(init)) })), { linkType: 1 });
    const result = streams(file);
    expect({ client: result.client, server: result.server }).toEqual(expectedStreams);
    expect(result.open).toMatchObject({ client: '10.1.1.1:40000', server: '10.2.2.2:80', time: 10 });
    expect(result.last).toMatchObject({ type: 'close', time: 17, reason: 'end' });
  });

  it('reassembles the same connection from a big-endian pcapng capture across two interfaces', () => {
    const file = pcapngFile([{
      bigEndian: true,
      interfaces: [{ linkType: 113, tsresol: 9 }, { linkType: 276 }],
      blocks: inits.map((init, i) => (i % 2 === 0
        ? { kind: 'epb' as const, interfaceId: 0, units: BigInt(10 + i) * 1_000_000_000n, data: sll(ip(init)) }
        : { kind: 'epb' as const, interfaceId: 1, units: BigInt(10 + i) * 1_000_000n, data: sll2(ip(init)) })),
    }]);
    expect(streams(file)).toMatchObject(expectedStreams);
  });

  it('reassembles the connection over IPv6 on a NULL loopback capture', () => {
    const v6 = inits.map((init) => ({
      ...init, src: init.src === '10.1.1.1' ? '::1' : 'fe80::1:2', dst: init.dst === '10.1.1.1' ? '::1' : 'fe80::1:2',
    }));
    const file = pcapFile(v6.map((init, i) => ({ seconds: 10 + i, data: nullLoopback(ip(init), 30, true) })), { linkType: 0, nanosecond: true });
    const result = streams(file);
    expect(result).toMatchObject(expectedStreams);
    expect(result.open).toMatchObject({ client: '[::1]:40000', server: '[fe80::1:2]:80' });
  });
});
