/**
 * The capture reader, packet decoder and TCP reassembler on real captures. The fixtures were
 * recorded with dumpcap 4 on Linux loopback while test/fixtures/capture-traffic.mjs ran, and each
 * reassembled stream below was checked against `tshark -r <file> -q -z follow,tcp,raw,0` (same
 * bytes both ways) and each timestamp against `tshark -T fields -e frame.time_epoch`:
 * - capture-lo-ipv4-ethernet.pcapng: `-i lo`, pcapng, Ethernet, if_tsresol 9 (nanoseconds);
 * - capture-lo-ipv6-ethernet.pcap: `-i lo -P`, libpcap microsecond, Ethernet, over ::1;
 * - capture-any-ipv4-sll.pcapng: `-i any`, pcapng, Linux cooked capture (SLL), nanoseconds.
 * Node-only: reads files with node:fs.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readCaptureFile } from '../src/cli/capture-file.ts';
import { CaptureError } from '../src/capture/capture.ts';
import { createPacketCounts, decodeTcpPacket } from '../src/capture/packet.ts';
import { TcpReassembler, type TcpEvent } from '../src/capture/tcp.ts';
import { bytesOf, concat } from './_capture-builder.ts';

function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

function hex(text: string): Uint8Array {
  return new Uint8Array(text.split(' ').map((byte) => parseInt(byte, 16)));
}

// What capture-traffic.mjs writes, one write per entry.
const big = new Uint8Array(2000).map((_, i) => ((i * 7) & 0xff) ^ [1, 2, 3, 4][i % 4]);
const clientWrites = [
  bytesOf('GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n'),
  bytesOf('Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'),
  hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'),
  hex('89 85 37 fa 21 3d 7f 9f 4d 51 58'),
  concat(hex('82 fe 07 d0 01 02 03 04'), big.subarray(0, 700)),
  big.subarray(700),
  // The client's own close frame was written after the server's FIN had ended the socket.
];
const serverWrites = [
  bytesOf('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'),
  bytesOf('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n'),
  hex('81 05 48 65 6c 6c 6f'),
  hex('01 03 48 65 6c'),
  hex('80 02 6c 6f'),
  hex('88 02 03 e8'),
];

async function reassemble(path: string, chunkSize?: number) {
  const counts = createPacketCounts();
  const tcp = new TcpReassembler();
  const events: TcpEvent[] = [];
  let packets = 0;
  for await (const packet of readCaptureFile(path, { chunkSize })) {
    packets++;
    const segment = decodeTcpPacket(packet.linkType, packet.data, counts);
    if (segment !== undefined) events.push(...tcp.push(segment, packet.time));
  }
  events.push(...tcp.end());
  return { counts, events, packets, stats: tcp.stats };
}

/** The data events of one direction as [offset, bytes] pairs. */
function writes(events: TcpEvent[], from: 'client' | 'server') {
  return events.flatMap((event) => (event.type === 'data' && event.from === from ? [[event.offset, [...event.data]]] : []));
}

function expectedWrites(list: Uint8Array[]) {
  let offset = 0;
  return list.map((bytes) => {
    const pair = [offset, [...bytes]];
    offset += bytes.length;
    return pair;
  });
}

const fixtures = [
  { name: 'capture-lo-ipv4-ethernet.pcapng', client: '127.0.0.1:55194', server: '127.0.0.1:9187', first: 1_795_269_282 + 389_700_822 / 1e9, clientFin: 1_795_269_283 + 117_767_503 / 1e9 },
  { name: 'capture-lo-ipv6-ethernet.pcap', client: '[::1]:39246', server: '[::1]:9188', first: 1_795_269_296 + 73_253 / 1e6, clientFin: 1_795_269_296 + 788_872 / 1e6 },
  { name: 'capture-any-ipv4-sll.pcapng', client: '127.0.0.1:34322', server: '127.0.0.1:9189', first: 1_795_269_296 + 99_412_637 / 1e9, clientFin: 1_795_269_296 + 817_844_169 / 1e9 },
];

describe('reading captures recorded by dumpcap', () => {
  for (const { name, client, server, first, clientFin } of fixtures) {
    it(`reassembles both directions of ${name} write by write, as tshark follows them`, async () => {
      const { counts, events, packets, stats } = await reassemble(fixture(name));
      expect(packets).toBe(26);
      expect(counts).toEqual({ ...createPacketCounts(), tcp: 26 });
      expect(events[0]).toEqual({ type: 'open', stream: 0, client, server, time: first, handshakeSeen: true });
      expect(writes(events, 'client')).toEqual(expectedWrites(clientWrites));
      expect(writes(events, 'server')).toEqual(expectedWrites(serverWrites));
      expect(events.filter((event) => event.type === 'close').map((event) => [event.from, event.reason]))
        .toEqual([['server', 'fin'], ['client', 'fin']]);
      // The client's close comes with its FIN packet (tshark -Y tcp.flags.fin==1).
      expect(events.at(-1)).toEqual({ type: 'close', stream: 0, from: 'client', time: clientFin, reason: 'fin' });
      expect(stats).toMatchObject({ connections: 1, gaps: 0, duplicateBytes: 0 });
    });
  }

  it('gives the same events when the file is read 100 bytes at a time', async () => {
    const path = fixture('capture-lo-ipv4-ethernet.pcapng');
    const plain = (events: TcpEvent[]) => events.map((event) => (event.type === 'data' ? { ...event, data: [...event.data] } : event));
    const whole = await reassemble(path);
    const small = await reassemble(path, 100);
    expect(plain(small.events)).toEqual(plain(whole.events));
  });

  it('reports progress up to the file size', async () => {
    const seen: [number, number][] = [];
    for await (const packet of readCaptureFile(fixture('capture-lo-ipv6-ethernet.pcap'), {
      chunkSize: 2048,
      onProgress: (bytesRead, totalBytes) => seen.push([bytesRead, totalBytes]),
    })) void packet;
    expect(seen).toEqual([[2048, 5032], [4096, 5032], [5032, 5032]]);
  });

  it('throws the file system error for a missing file', async () => {
    await expect(readCaptureFile(fixture('no-such-capture.pcap')).next()).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('throws UNKNOWN_FORMAT for a file that is not a capture', async () => {
    const packets = readCaptureFile(fixture('capture-traffic.mjs'));
    await expect(packets.next()).rejects.toBeInstanceOf(CaptureError);
    await expect(readCaptureFile(fixture('capture-traffic.mjs')).next()).rejects.toMatchObject({ code: 'UNKNOWN_FORMAT' });
  });
});
