/**
 * `wsframe pcap` and the analysis under it, on captures built in the test from synthetic TCP
 * segments: handshakes split across segments, frames in out-of-order and retransmitted
 * segments, both directions, non-WebSocket traffic, gaps and truncated files.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerMessageDeflate, computeAcceptKey, encodeFrame, encodeMessage } from '../src/index.ts';
import { analyzeCapture } from '../src/cli/pcap.ts';
import { WebSocketTracker, type PcapRecord, type StreamNote } from '../src/capture/websocket.ts';
import { TcpReassembler } from '../src/capture/tcp.ts';
import { decodeTcpPacket } from '../src/capture/packet.ts';
import { DEFERRED_BASE64_MIN, StreamAnalyzer, deferredPayload, type StreamRecord } from '../src/capture/analyze.ts';
import { KeyLog } from '../src/cli/tls/keylog.ts';
import { SYN, concat, ipv4, pcapFile, pcapngFile } from './_capture-builder.ts';
import { KEY, KEY_BYTES, REQUEST, RESPONSE, closeFromClient, closeFromServer, enc, hello, packets } from './_ws-capture.ts';
import { cli } from './_cli.ts';

async function analyze(file: Uint8Array, chunk = 333): Promise<PcapRecord[]> {
  const records: PcapRecord[] = [];
  const chunks = Array.from({ length: Math.ceil(file.length / chunk) }, (_, i) => file.subarray(i * chunk, (i + 1) * chunk));
  await analyzeCapture(chunks, (record) => records.push(record));
  return records;
}

const summary = (records: PcapRecord[]) => records.map((record) => {
  if (record.type === 'connection') return `connection ${record.resource} ${record.protocol} ${record.acceptValid}`;
  if (record.type === 'frame') return `${record.from} frame ${record['websocket.opcode']} ${record['websocket.payload_length']} ${record.verdict === 'valid' ? 'valid' : record.verdict.code}`;
  if (record.type === 'message') return `${record.from} ${record.kind} ${record.kind === 'text' ? record.text : record.kind === 'close' ? `${record.code} ${record.reason}` : record.base64}`;
  if (record.type === 'gap') return `${record.from} gap ${record.bytes}`;
  if (record.type === 'lost') return `${record.from} lost ${record.what} @${record.offset} ${record.bytes}`;
  if (record.type === 'resync') return `${record.from} resync @${record.offset} skipped ${record.skipped}`;
  return `${record.from} error ${record.closeCode} ${record.code}`;
});


describe('wsframe pcap analysis', () => {
  it('decodes a handshake split across segments and both directions in time order', async () => {
    const capture = pcapFile(packets({ client: ['10.0.0.1', 50312], server: ['10.0.0.2', 9001] }, [
      ['c', REQUEST.slice(0, 40)],
      ['c', REQUEST.slice(40)],
      ['s', concat(enc(RESPONSE), encodeMessage('Hi', { maxFrameLength: 1 }))],
      ['c', hello],
      ['c', closeFromClient],
      ['s', closeFromServer],
    ]), { linkType: 1 });
    const records = await analyze(capture);
    expect(summary(records)).toEqual([
      'connection /chat?room=1 chat true',
      'server frame 1 1 valid',
      'server frame 0 1 valid',
      'server text Hi',
      'client frame 1 5 valid',
      'client text Hello',
      'client frame 8 5 valid',
      'client close 1000 bye',
      'server frame 8 5 valid',
      'server close 1000 bye',
    ]);
    const connection = records[0];
    expect(connection).toMatchObject({ type: 'connection', stream: 0, client: '10.0.0.1:50312', server: '10.0.0.2:9001', extensions: null, status: 101 });
    expect(connection.time).toBeCloseTo(1763725500, 3);
    const frame = records.find((r) => r.type === 'frame' && r.from === 'client')!;
    expect(frame).toMatchObject({ 'websocket.masking_key': '37fa213d', 'websocket.payload': '48656c6c6f', offset: 0, payload_offset: 6, masking_key_offset: 2 });
  });

  it('reassembles frames from out-of-order and retransmitted segments', async () => {
    const message = encodeMessage(new Uint8Array(3000).fill(0x61), { mask: true, maxFrameLength: 1000 });
    const capture = pcapFile(packets({ client: ['10.0.0.1', 40000], server: ['10.0.0.2', 80] }, [
      ['c', REQUEST],
      ['s', RESPONSE],
      ['c', message.subarray(1500), { at: REQUEST.length + 1500 }], // arrives first
      ['c', message.subarray(0, 1500), { at: REQUEST.length }],
      ['c', message.subarray(1000, 2000), { at: REQUEST.length + 1000 }], // a retransmission
    ]), { linkType: 1 });
    const records = await analyze(capture, 97);
    const client = summary(records).filter((line) => line.startsWith('client'));
    expect(client).toEqual(['client frame 2 1000 valid', 'client frame 0 1000 valid', 'client frame 0 1000 valid', `client binary ${btoa('a'.repeat(3000))}`]);
  });

  it('reports the close code of a violation and stops decoding that direction', async () => {
    const capture = pcapFile(packets({ client: ['fe80::1', 50000], server: ['fe80::2', 9001], v6: true }, [
      ['c', REQUEST],
      ['s', RESPONSE],
      ['s', concat(encodeFrame({ opcode: 1, payload: enc('ok') }), encodeFrame({ opcode: 1, payload: enc('masked'), maskingKey: KEY_BYTES }), encodeFrame({ opcode: 1, payload: enc('later') }))],
      ['c', concat(hello, new Uint8Array([0x83, 0x80, 0, 0, 0, 0]))],
    ]), { linkType: 1 });
    const records = await analyze(capture);
    expect(summary(records)).toEqual([
      'connection /chat?room=1 chat true',
      'server frame 1 2 valid',
      'server text ok',
      'server error 1002 MASK_FORBIDDEN',
      'client frame 1 5 valid',
      'client text Hello',
      'client error 1002 RESERVED_OPCODE',
    ]);
    expect(records[0]).toMatchObject({ client: '[fe80::1]:50000', server: '[fe80::2]:9001' });
  });

  it('flags a wrong accept value and decodes the connection anyway', async () => {
    const badResponse = RESPONSE.replace(computeAcceptKey(KEY), 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=');
    const capture = pcapFile(packets({ client: ['10.0.0.1', 1], server: ['10.0.0.2', 2] }, [['c', REQUEST], ['s', badResponse], ['c', hello]]), { linkType: 1 });
    const records = await analyze(capture);
    expect(records[0]).toMatchObject({ type: 'connection', acceptValid: false, handshakeError: { code: 'INVALID_ACCEPT' } });
    expect(summary(records).at(-1)).toBe('client text Hello');
  });

  it('ignores connections that are not WebSocket upgrades and refused upgrades', async () => {
    const plain = packets({ client: ['10.0.0.1', 3], server: ['10.0.0.2', 80] }, [['c', 'GET / HTTP/1.1\r\nHost: a\r\n\r\n'], ['s', 'HTTP/1.1 200 OK\r\n\r\n']]);
    const refused = packets({ client: ['10.0.0.1', 4], server: ['10.0.0.2', 80] }, [['c', REQUEST], ['s', 'HTTP/1.1 403 Forbidden\r\n\r\n'], ['c', hello]]);
    const ssh = packets({ client: ['10.0.0.1', 5], server: ['10.0.0.2', 22] }, [['c', 'SSH-2.0-OpenSSH\r\n'], ['s', hello]]);
    const records = await analyze(pcapFile([...plain, ...refused, ...ssh], { linkType: 1 }));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ type: 'connection', stream: 1, status: 403 });
  });

  it('reports a gap in a direction and what it cut as lost, keeping the other direction', async () => {
    const capture = pcapFile(packets({ client: ['10.0.0.1', 6], server: ['10.0.0.2', 80] }, [
      ['c', REQUEST], ['s', RESPONSE],
      ['c', hello.subarray(0, 3)],
      ['c', hello.subarray(6), { at: REQUEST.length + 6 }], // bytes 3-5 never arrive
      ['s', encodeFrame({ opcode: 9 })],
    ]), { linkType: 1 });
    const records = await analyze(capture);
    // The 5 bytes after the gap chain to no frame: lost too, never decoded.
    expect(summary(records)).toEqual(['connection /chat?room=1 chat true', 'server frame 9 0 valid', 'server ping ', 'client gap 3', 'client lost frame @0 6', 'client lost bytes @6 5']);
  });

  it('reads the same conversation from pcapng', async () => {
    const list = packets({ client: ['10.0.0.1', 7], server: ['10.0.0.2', 80] }, [['c', REQUEST], ['s', RESPONSE], ['c', hello]]);
    const capture = pcapngFile([{ interfaces: [{ linkType: 1, tsresol: 9 }], blocks: list.map((p) => ({ kind: 'epb' as const, interfaceId: 0, units: BigInt(p.seconds) * 1_000_000_000n + BigInt((p.fraction ?? 0) * 1000), data: p.data })) }]);
    expect(summary(await analyze(capture))).toEqual(['connection /chat?room=1 chat true', 'client frame 1 5 valid', 'client text Hello']);
  });
});

async function notesOf(file: Uint8Array): Promise<{ records: PcapRecord[]; notes: StreamNote[] }> {
  const records: PcapRecord[] = [];
  const notes: StreamNote[] = [];
  await analyzeCapture([file], (record) => records.push(record), { onNote: (note) => notes.push(note) });
  return { records, notes };
}

describe('wsframe pcap: state is bounded and dropped when a stream cannot be WebSocket', () => {
  it('drops a GET never answered once the client sent over 1 MiB after it, with a note', async () => {
    // Regression: every client byte after an unanswered GET was kept (200 MB of client data:
    // 379 MiB held after GC).
    const tracker = new WebSocketTracker({ onNote: (note) => notes.push(note) });
    const notes: StreamNote[] = [];
    tracker.handle({ type: 'open', stream: 0, client: '10.0.0.1:5', server: '10.0.0.2:80', time: 0, handshakeSeen: true });
    tracker.handle({ type: 'data', stream: 0, from: 'client', time: 0, data: enc(REQUEST), offset: 0 });
    const chunk = new Uint8Array(64 * 1024);
    let offset = REQUEST.length;
    for (let i = 0; i < 16; i++, offset += chunk.length) {
      tracker.handle({ type: 'data', stream: 0, from: 'client', time: i, data: chunk, offset });
      expect(tracker.size).toBe(1);
    }
    expect(notes).toEqual([]);
    tracker.handle({ type: 'data', stream: 0, from: 'client', time: 17, data: new Uint8Array(1), offset });
    expect(tracker.size).toBe(0);
    expect(notes).toEqual([{
      stream: 0, client: '10.0.0.1:5', server: '10.0.0.2:80', kind: 'backlog',
      message: 'the client sent over 1048576 bytes after its upgrade request (GET /chat?room=1) with no answer from the server: not a WebSocket',
    }]);
    // What comes later, the answer included, is not looked at.
    expect(tracker.handle({ type: 'data', stream: 0, from: 'server', time: 18, data: enc(RESPONSE), offset: 0 })).toEqual([]);
  });

  it('keeps pipelined client frames up to the bound and decodes them once the 101 arrives', async () => {
    const capture = pcapFile(packets({ client: ['10.0.0.1', 9], server: ['10.0.0.2', 80] }, [['c', concat(enc(REQUEST), hello)], ['s', RESPONSE]]), { linkType: 1 });
    expect(summary((await notesOf(capture)).records)).toEqual(['connection /chat?room=1 chat true', 'client frame 1 5 valid', 'client text Hello']);
  });

  it('forgets a connection as soon as its first client bytes are not a GET, and after both directions close', async () => {
    const tracker = new WebSocketTracker();
    tracker.handle({ type: 'open', stream: 0, client: 'a:1', server: 'b:2', time: 0, handshakeSeen: true });
    tracker.handle({ type: 'open', stream: 1, client: 'a:3', server: 'b:2', time: 0, handshakeSeen: true });
    tracker.handle({ type: 'data', stream: 0, from: 'client', time: 0, data: enc('SSH-2.0-OpenSSH\r\n'), offset: 0 });
    expect(tracker.size).toBe(1);
    tracker.handle({ type: 'close', stream: 1, from: 'client', time: 1, reason: 'fin' });
    tracker.handle({ type: 'close', stream: 1, from: 'server', time: 1, reason: 'fin' });
    expect(tracker.size).toBe(0);
  });

  it('holds a bounded number of connections for 50 000 SYN-only connections', async () => {
    // Regression: 10^6 SYN-only connections (a 70 MB capture) held 1.7 GB until the end.
    const reassembler = new TcpReassembler();
    const tracker = new WebSocketTracker();
    let most = 0;
    let mostRetained = 0;
    for (let i = 0; i < 50_000; i++) {
      const packet = ipv4({ src: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, dst: '10.255.0.1', srcPort: 40000 + (i % 20000), dstPort: 80, seq: i, flags: SYN });
      for (const event of reassembler.push(decodeTcpPacket(101, packet)!, i / 1000)) tracker.handle(event);
      most = Math.max(most, reassembler.size, tracker.size);
      mostRetained = Math.max(mostRetained, reassembler.retainedRecords);
    }
    expect(most).toBeLessThanOrEqual(10_001);
    // Regression: the queue of quiet connections kept every forgotten one (925 MB for 10^6 SYNs).
    expect(mostRetained).toBeLessThanOrEqual(3 * 10_000 + 1024 + 2);
    expect(reassembler.stats.quietForgotten).toBe(40_000);
  });
});

describe('wsframe pcap: notes on streams that are not decoded', () => {
  const streams = (conversations: [number, [('c' | 's'), Uint8Array | string][]][]) =>
    pcapFile(conversations.flatMap(([port, segments], i) => packets({ client: ['10.0.0.1', 1000 + i], server: ['10.0.0.2', port] }, segments)), { linkType: 1 });

  it('says what each stream looks like and which option or tool to use', async () => {
    const tlsHello = new Uint8Array([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]);
    const { notes } = await notesOf(streams([
      [443, [['c', tlsHello], ['s', new Uint8Array([0x16, 0x03, 0x03, 0x00, 0x7a])]]],
      [8080, [['c', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n']]],
      [80, [['c', 'GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n'], ['s', 'HTTP/1.1 200 OK\r\n\r\n']]],
      [22, [['s', 'SSH-2.0-OpenSSH_9.6\r\n']]],
      [9001, [['c', REQUEST]]],
      [9002, [['c', REQUEST.slice(0, 30)]]],
    ]));
    expect(notes.map((note) => [note.stream, note.kind, note.message])).toEqual([
      // The TLS layer reads the stream (decrypting it needs --keylog): here both hellos are cut off.
      [0, 'tls', 'TLS: the capture ends inside the TLS handshake (a record from the client: 11 of 517 bytes)'],
      [1, 'http2', 'HTTP/2 on port 8080: WebSockets over HTTP/2 (RFC 8441) are not decoded by wsframe'],
      [2, 'http', 'an HTTP request that is not a WebSocket upgrade: Cannot accept handshake: the Upgrade header does not list websocket'],
      [3, 'not-http', "not HTTP: the server's first bytes are 53 53 48 2d 32 2e 30 2d"],
      [4, 'unanswered', 'the WebSocket upgrade request (GET /chat?room=1) has no answer in the capture'],
      [5, 'incomplete-request', 'an HTTP GET whose head does not end in the capture'],
    ]);
  });

  it('recognises WebSocket frames in a capture that starts after the handshake', async () => {
    // The handshake segments are cut from the capture: the first packet is a masked frame.
    const whole = packets({ client: ['10.0.0.1', 2000], server: ['10.0.0.2', 9001] }, [['c', REQUEST], ['s', RESPONSE], ['c', hello], ['s', encodeFrame({ opcode: 1, payload: enc('Hi') })]]);
    const { records, notes } = await notesOf(pcapFile(whole.slice(4), { linkType: 1 }));
    expect(records).toEqual([]);
    expect(notes).toEqual([{
      stream: 0, client: '10.0.0.1:2000', server: '10.0.0.2:9001', kind: 'websocket-frames',
      message: 'looks like WebSocket frames without their handshake (the capture started mid-connection): decode them with --decode-as 9001 (tshark: -d tcp.port==9001,websocket)',
    }]);
  });

  it('says nothing about connections that carried no payload', async () => {
    const { notes } = await notesOf(streams([[80, []]]));
    expect(notes).toEqual([]);
  });
});

describe('wsframe pcap command', () => {
  const folder = mkdtempSync(join(tmpdir(), 'wsframe-pcap-'));
  const list = packets({ client: ['10.0.0.1', 50312], server: ['10.0.0.2', 9001] }, [['c', REQUEST], ['s', RESPONSE], ['c', hello], ['s', encodeFrame({ opcode: 2, payload: new Uint8Array([1, 2, 3]) })], ['c', closeFromClient]]);
  const file = join(folder, 'chat.pcap');
  writeFileSync(file, pcapFile(list, { linkType: 1 }));

  it('writes one JSON object per line in the documented shape', async () => {
    const { code, stdout } = await cli(['pcap', file, '--format', 'ndjson']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines[0]).toEqual({
      type: 'connection', stream: 0, client: '10.0.0.1:50312', server: '10.0.0.2:9001', time: lines[0].time,
      resource: '/chat?room=1', protocol: 'chat', extensions: null, acceptValid: true, status: 101, 'frame.number': 4,
    });
    // Wireshark's frame numbers: SYN 1, SYN-ACK 2, request 3, response 4, then one packet per frame.
    expect(lines.slice(1).map((line) => `${line.type} ${line['frame.number']}`)).toEqual(['frame 5', 'message 5', 'frame 6', 'message 6', 'frame 7', 'message 7']);
    expect(lines[1]).toMatchObject({ type: 'frame', stream: 0, from: 'client', 'websocket.fin': true, 'websocket.rsv': 0, 'websocket.opcode': 1, 'websocket.mask': true, 'websocket.payload_length': 5, 'websocket.masking_key': '37fa213d', verdict: 'valid' });
    expect(lines[2]).toMatchObject({ type: 'message', stream: 0, from: 'client', kind: 'text', length: 5, text: 'Hello', compressed: false });
    expect(lines[4]).toMatchObject({ type: 'message', from: 'server', kind: 'binary', length: 3, base64: 'AQID' });
    expect(lines[6]).toMatchObject({ type: 'message', from: 'client', kind: 'close', code: 1000, reason: 'bye' });
    for (const line of lines.slice(1)) expect(typeof line.time).toBe('number');
  });

  it('client messages held until the 101 and decoded in one event keep their own bytes (payload arrays lent until the next event)', async () => {
    // Two 20,000-byte masked messages, each in two segments, both before the server's answer.
    const m1 = encodeMessage(new Uint8Array(20_000).fill(0x61), { mask: true });
    const m2 = encodeMessage(new Uint8Array(20_000).fill(0x62), { mask: true });
    const backlog = join(folder, 'backlog.pcap');
    writeFileSync(backlog, pcapFile(packets({ client: ['10.0.0.1', 5555], server: ['10.0.0.2', 80] }, [
      ['c', REQUEST], ['c', m1.subarray(0, 10_000)], ['c', m1.subarray(10_000)], ['c', m2.subarray(0, 10_000)], ['c', m2.subarray(10_000)], ['s', RESPONSE],
    ]), { linkType: 1 }));
    const { code, stdout } = await cli(['pcap', backlog, '--format', 'ndjson', '--messages-only']);
    expect(code).toBe(0);
    const messages = stdout.trim().split('\n').map((line) => JSON.parse(line)).filter((line) => line.type === 'message');
    expect(messages.map((message) => [message.length, message.base64])).toEqual([
      [20_000, Buffer.alloc(20_000, 0x61).toString('base64')],
      [20_000, Buffer.alloc(20_000, 0x62).toString('base64')],
    ]);
  });

  it('prints the text view, filters by stream and by messages', async () => {
    const text = await cli(['pcap', file]);
    expect(text.stdout.split('\n')[0]).toBe('stream 0: 10.0.0.1:50312 -> 10.0.0.2:9001 GET /chat?room=1 -> 101 protocol=chat extensions=- accept valid');
    expect(text.stdout).toContain('#0 client-> message text 5 bytes "Hello"');
    const messagesOnly = await cli(['pcap', file, '--messages-only', '--format', 'ndjson']);
    expect(messagesOnly.stdout).not.toContain('"type":"frame"');
    expect((await cli(['pcap', file, '--stream', '1'])).stdout).toBe('');
    const json = JSON.parse((await cli(['pcap', file, '--format', 'json'])).stdout);
    expect(json).toHaveLength(7);
  });

  it('prints what it decoded from a truncated capture, then the problem, and exits 1', async () => {
    const whole = pcapFile(list, { linkType: 1 });
    const cut = join(folder, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, whole.length - 10));
    const { code, stdout, stderr } = await cli(['pcap', cut, '--format', 'ndjson']);
    expect(code).toBe(1);
    expect(stdout).toContain('"text":"Hello"');
    expect(stderr).toMatch(/^wsframe: Cannot read capture: it ends inside .* at byte \d+/);
  });

  it('shows a progress line on a TTY for a capture over 4 MiB, and none otherwise', async () => {
    const big = encodeMessage(new Uint8Array(5 * 1024 * 1024), { mask: true, maxFrameLength: 1 << 20 });
    const segments: [('c' | 's'), Uint8Array][] = [['c', enc(REQUEST)], ['s', enc(RESPONSE)]];
    for (let at = 0; at < big.length; at += 60000) segments.push(['c', big.subarray(at, at + 60000)]);
    const path = join(folder, 'big.pcap');
    writeFileSync(path, pcapFile(packets({ client: ['10.0.0.1', 8], server: ['10.0.0.2', 80] }, segments), { linkType: 1 }));
    const tty = await cli(['pcap', path, '--messages-only', '--format', 'ndjson'], { stderrTTY: true });
    expect(tty.code).toBe(0);
    expect(tty.stderr).toMatch(/^\r {2}read \d+\.\d of 5\.\d MiB \(\d+%\)/);
    expect(tty.stderr.endsWith('\r\u001b[K')).toBe(true);
    expect(tty.stdout).toContain('"kind":"binary","length":5242880');
    expect((await cli(['pcap', path, '--messages-only'])).stderr).toBe('');
  });

  it('refuses a file that is not a capture and a missing file with exit status 2', async () => {
    const junk = join(folder, 'junk.bin');
    writeFileSync(junk, 'GIF89a this is not a capture');
    const notCapture = await cli(['pcap', junk]);
    expect(notCapture.code).toBe(2);
    expect(notCapture.stderr).toMatch(/^wsframe: .*pcap/i);
    const missing = await cli(['pcap', join(folder, 'missing.pcap')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^wsframe: cannot read/);
  });
});

/**
 * Every record of `file` as JSON, taken when emitted, then the notes; `reuse`: the chunks are
 * views of one buffer, overwritten with 0xee before each next read, as a file read into one
 * buffer does.
 */
async function recordsAsJson(file: Uint8Array, chunk: number, reuse: boolean, options: Parameters<typeof analyzeCapture>[2] = {}): Promise<string[]> {
  const json: string[] = [];
  async function* chunks() {
    const buffer = new Uint8Array(chunk);
    for (let at = 0; at < file.length; at += chunk) {
      if (!reuse) {
        yield file.slice(at, at + chunk);
        continue;
      }
      buffer.fill(0xee);
      const view = buffer.subarray(0, Math.min(chunk, file.length - at));
      view.set(file.subarray(at, at + view.length));
      yield view;
    }
    buffer.fill(0xee);
  }
  const notes: string[] = [];
  await analyzeCapture(chunks(), (record) => json.push(JSON.stringify(record)), {
    deferBase64: true, onNote: (note) => notes.push(`note ${JSON.stringify(note)}`), ...options,
  });
  return [...json, ...notes];
}

describe('analyzeCapture reading through one reused buffer', () => {
  const fixtures = new URL('./fixtures/', import.meta.url);
  const captures = readdirSync(fixtures).filter((name) => /\.pcap(ng)?$/.test(name));

  it.each(captures)('finds the same records and notes in %s as with fresh chunks', async (name) => {
    const file = readFileSync(new URL(name, fixtures));
    // Without its handshake, the midstream capture is decoded as its server port says.
    const decodeAs = name.includes('midstream') ? [{ port: 39518 }] : undefined;
    const keys = new URL(name.replace(/\.pcap(ng)?$/, '.keys.log'), fixtures);
    const keyLog = () => {
      const log = new KeyLog();
      if (existsSync(keys)) log.addText(readFileSync(keys, 'utf8'));
      return log;
    };
    const expected = await recordsAsJson(file, file.length, false, { keyLog: keyLog(), decodeAs });
    expect(expected.length).toBeGreaterThan(0);
    for (const chunk of [997, 65_536]) {
      expect(await recordsAsJson(file, chunk, true, { keyLog: keyLog(), decodeAs }), `chunks of ${chunk}`).toEqual(expected);
    }
  });

  it('keeps pipelined frames, large messages in pieces and a midstream decode right', async () => {
    const large = new Uint8Array(100_000).map((_, i) => (i * 7) & 0xff);
    const conversation = pcapFile(packets({ client: ['10.0.0.1', 9], server: ['10.0.0.2', 80] }, [
      // Pipelined: frames after the request, before the 101, wait in a backlog.
      ['c', concat(enc(REQUEST), hello)],
      ['c', encodeMessage(large.subarray(0, 20_000), { mask: true })],
      ['s', RESPONSE],
      ...Array.from({ length: 70 }, (_, i) => ['s', encodeMessage(large, { maxFrameLength: 30_000 }).subarray(i * 1448, (i + 1) * 1448)] as ['s', Uint8Array]),
      ['s', encodeMessage(enc('é'.repeat(30_000)))],
      ['c', closeFromClient],
      ['s', closeFromServer],
    ]), { linkType: 1 });
    const expected = await recordsAsJson(conversation, conversation.length, false);
    expect(expected.filter((json) => json.includes('"type":"message"')).map((json) => JSON.parse(json).length)).toEqual([5, 20_000, 100_000, 60_000, 5, 5]);
    for (const chunk of [600, 1500, 65_536]) {
      expect(await recordsAsJson(conversation, chunk, true), `chunks of ${chunk}`).toEqual(expected);
    }
    const midstream = await recordsAsJson(conversation, conversation.length, false, { decodeAs: [{ port: 80 }] });
    for (const chunk of [600, 65_536]) {
      expect(await recordsAsJson(conversation, chunk, true, { decodeAs: [{ port: 80 }] }), `decode-as, chunks of ${chunk}`).toEqual(midstream);
    }
  });
});

describe('StreamAnalyzer', () => {
  it('puts each message right after the frame that completed it, whatever the chunking', () => {
    const bytes = concat(encodeMessage('Hel', { maxFrameLength: 2 }), encodeFrame({ opcode: 9 }), encodeFrame({ opcode: 1, payload: enc('x') }));
    for (const size of [1, 2, 3, 5, bytes.length]) {
      const analyzer = new StreamAnalyzer({ role: 'client' });
      const records = [];
      for (let at = 0; at < bytes.length; at += size) records.push(...analyzer.push(bytes.subarray(at, at + size)));
      expect(records.map((r) => r.type === 'frame' ? `f${r['websocket.opcode']}` : r.type === 'message' ? `m-${r.kind}` : r.type)).toEqual(['f1', 'f0', 'm-text', 'f9', 'm-ping', 'f1', 'm-text']);
    }
  });

  it('marks the frame holding invalid UTF-8 and reports the error with its offset', () => {
    const analyzer = new StreamAnalyzer();
    const records = analyzer.push(new Uint8Array([0x81, 0x01, 0x41, 0x81, 0x02, 0xce, 0x41]));
    expect(records.map((r) => r.type)).toEqual(['frame', 'message', 'frame', 'error']);
    expect(records[2]).toMatchObject({ verdict: { closeCode: 1007, code: 'INVALID_UTF8' } });
    expect(records[3]).toMatchObject({ closeCode: 1007, code: 'INVALID_UTF8', offset: 6 });
    expect(analyzer.push(new Uint8Array([0x81, 0x00]))).toEqual([]);
  });

  it('keeps at most maxShownPayload bytes of a frame for display but delivers the whole message', () => {
    const analyzer = new StreamAnalyzer({ maxShownPayload: 4 });
    const records = analyzer.push(encodeFrame({ opcode: 2, payload: new Uint8Array(10).fill(1) }));
    expect(records[0]).toMatchObject({ 'websocket.payload': '01010101', payload_truncated: true, 'websocket.payload_length': 10 });
    expect(records[1]).toMatchObject({ kind: 'binary', length: 10 });
  });

  it('reports a stream that ends inside a frame', () => {
    const analyzer = new StreamAnalyzer();
    analyzer.push(new Uint8Array([0x82, 0x05, 1, 2]));
    expect(analyzer.end()).toEqual([{ type: 'error', closeCode: 1006, code: 'TRUNCATED', message: 'The stream ends inside a frame that started at byte 0', offset: 0 }]);
  });

  it('gives a message the same record whatever its pieces, with its base64 deferred or not', () => {
    for (const length of [DEFERRED_BASE64_MIN - 1, DEFERRED_BASE64_MIN, 70_000]) {
      const payload = new Uint8Array(length).map((_, i) => (i * 13) & 0xff);
      for (const [role, wire] of [['client', encodeMessage(payload, { maxFrameLength: 20_000 })], ['server', encodeMessage(payload, { mask: true })]] as const) {
        const plain = new StreamAnalyzer({ role }).push(wire);
        const expected = JSON.stringify(plain);
        expect(plain.at(-1)).toMatchObject({ type: 'message', kind: 'binary', length });
        for (const size of [1448, 7, wire.length]) {
          const analyzer = new StreamAnalyzer({ role, deferBase64: true });
          const json: string[] = [];
          for (let at = 0; at < wire.length; at += size) {
            const records = analyzer.push(wire.slice(at, at + size));
            json.push(...records.map((record) => JSON.stringify(record)));
            if (records.at(-1)?.type === 'message') {
              expect(deferredPayload(records.at(-1)!)?.length, `${length} bytes in pieces of ${size}`).toBe(length >= DEFERRED_BASE64_MIN ? length : undefined);
            }
          }
          expect(`[${json.join(',')}]`, `${role}: ${length} bytes in pieces of ${size}`).toBe(expected);
        }
      }
    }
  });

  it('defers only what is shown of a message cut by maxShownMessage, and marks it truncated', () => {
    const payload = new Uint8Array(50_000).fill(0x61);
    const analyzer = new StreamAnalyzer({ role: 'client', maxShownMessage: 20_000, deferBase64: true });
    const wire = encodeMessage(payload);
    const records = [...analyzer.push(wire.subarray(0, 30_000)), ...analyzer.push(wire.subarray(30_000))];
    const message = records.at(-1)!;
    expect(deferredPayload(message)?.length).toBe(20_000);
    expect(JSON.stringify(message)).toBe(JSON.stringify({ type: 'message', kind: 'binary', length: 50_000, base64: 'YWFh'.repeat(20_000 / 3) + 'YWE=', truncated: true, compressed: false }));
  });

  it('keeps no view of a pushed chunk: overwriting it after push changes no record, with or without extensions', () => {
    const text = 'Hello, compressed world! '.repeat(2000);
    // Bytes deflate cannot shrink: compressed pieces of over 2 KiB, which the message decoder
    // keeps as views of the pushed bytes until the message ends.
    let state = 1;
    const noise = new Uint8Array(20_000).map(() => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return state & 0xff;
    });
    const compress = (message: string | Uint8Array) => encodeMessage(message, { extensions: [new PerMessageDeflate({ role: 'server' })] });
    const cases: [string, () => StreamAnalyzer, Uint8Array][] = [
      ['plain', () => new StreamAnalyzer({ role: 'client' }), concat(encodeMessage(text, { maxFrameLength: 9000 }), encodeMessage(new Uint8Array(40_000).fill(3)))],
      ['permessage-deflate', () => new StreamAnalyzer({ role: 'client', extensions: [new PerMessageDeflate({ role: 'client' })] }),
        concat(compress(text), compress(noise), compress('again'))],
    ];
    for (const [name, make, wire] of cases) {
      const expected = make().push(wire);
      expect(expected.filter((record) => record.type === 'message').map((record) => record.type === 'message' && record.length)).toEqual(
        name === 'plain' ? [50_000, 40_000] : [50_000, 20_000, 5],
      );
      for (const size of [100, 3000]) {
        const analyzer = make();
        const records: StreamRecord[] = [];
        const buffer = new Uint8Array(size);
        for (let at = 0; at < wire.length; at += size) {
          const chunk = buffer.subarray(0, Math.min(size, wire.length - at));
          chunk.set(wire.subarray(at, at + chunk.length));
          records.push(...analyzer.push(chunk));
          buffer.fill(0xee);
        }
        expect(records, `${name} in chunks of ${size}`).toEqual(expected);
      }
    }
  });

  it('keeps the payload of a deferred record until the next push, though another message completes in the same push', () => {
    const first = new Uint8Array(20_000).fill(0x61);
    const second = new Uint8Array(20_000).fill(0x62);
    const wire = concat(encodeMessage(first, { maxFrameLength: 12_000 }), encodeMessage(second, { maxFrameLength: 12_000 }));
    const analyzer = new StreamAnalyzer({ role: 'client', deferBase64: true });
    analyzer.push(wire.subarray(0, 10_000));
    // The rest of the first message (assembled in an array) and all of the second, in pieces too.
    const records = analyzer.push(wire.subarray(10_000));
    const messages = records.filter((record) => record.type === 'message');
    expect(messages.map((message) => deferredPayload(message)?.length)).toEqual([20_000, 20_000]);
    expect(messages.map((message) => message.type === 'message' && 'base64' in message && message.base64.slice(0, 8))).toEqual(['YWFhYWFh', 'YmJiYmJi']);
  });

  it('counts a text message\'s length in UTF-8 bytes, whatever its pieces', () => {
    const text = 'aé€😀'.repeat(5000);
    const wire = encodeMessage(text, { maxFrameLength: 7001 });
    for (const size of [1000, wire.length]) {
      const analyzer = new StreamAnalyzer({ role: 'client' });
      const records: StreamRecord[] = [];
      for (let at = 0; at < wire.length; at += size) records.push(...analyzer.push(wire.subarray(at, at + size)));
      // 1 + 2 + 3 + 4 bytes, 5000 times.
      expect(records.at(-1), `pieces of ${size}`).toEqual({ type: 'message', kind: 'text', length: 50_000, text, compressed: false });
    }
  });
});
