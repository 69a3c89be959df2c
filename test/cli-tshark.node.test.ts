/**
 * Real captures over loopback, recorded with dumpcap: Python `websockets` (Debian's
 * python3-websockets) talking to itself (test/fixtures/websocket-python-peers.py), and the
 * example echo server talking to a Python `websockets` client and to Chromium
 * (test/fixtures/websocket-echo-captures.mjs). In the uncompressed ones every frame wsframe finds
 * must match what tshark finds, field by field: direction, FIN, RSV, opcode, MASK, masking key,
 * length and the unmasked payload. The expected side is tshark's own output, committed as
 * *.tshark.json by test/fixtures/tshark-websocket.mjs; where tshark is installed it is also run
 * live on the same file. In the compressed ones every message must inflate to what was sent.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { analyzeCapture } from '../src/cli/pcap.ts';
import type { PcapRecord } from '../src/capture/websocket.ts';
import type { FrameRecord } from '../src/capture/analyze.ts';
import { requirePeer } from './_peers.ts';
import { asTshark, type TsharkFrame } from './_tshark.ts';
// @ts-expect-error: a plain .mjs script without types
import { tsharkFrames } from './fixtures/tshark-websocket.mjs';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

async function wsframeFrames(path: URL): Promise<(FrameRecord & { from: string })[]> {
  const records: PcapRecord[] = [];
  await analyzeCapture([readFileSync(path)], (record) => records.push(record));
  return records.filter((r): r is FrameRecord & { from: 'client' | 'server'; stream: number; time: number } => r.type === 'frame');
}


const withTshark = requirePeer('tshark');

describe('wsframe pcap agrees with tshark on real captures', () => {
  for (const name of ['websocket-python-plain.pcapng', 'websocket-echo-python-plain.pcapng']) {
    it(`finds the same frames as tshark in ${name}, field by field`, async () => {
      const expected: TsharkFrame[] = JSON.parse(readFileSync(fixture(name.replace('.pcapng', '.tshark.json')), 'utf8'));
      const ours = await wsframeFrames(fixture(name));
      expect(ours.length).toBe(expected.length);
      expect(ours.every((frame) => frame.verdict === 'valid')).toBe(true);
      for (const from of ['client', 'server'] as const) {
        const theirs = expected.filter((f) => f.from === from);
        const mine = ours.filter((f) => f.from === from);
        const fragments: string[] = [];
        expect(mine.map((frame, i) => asTshark(frame, theirs[i], fragments))).toEqual(theirs);
      }
    });

    withTshark.it(`tshark run live on ${name} still gives the committed output`, () => {
      const live = tsharkFrames(fixture(name).pathname);
      const committed = JSON.parse(readFileSync(fixture(name.replace('.pcapng', '.tshark.json')), 'utf8'));
      expect(live).toEqual(committed);
    });
  }
});

/** What a capture holds: its messages as `from kind length compressed`, texts, first binary, closes; errors; RSV on frames that may not have it. */
async function capturedMessages(name: string) {
  const records: PcapRecord[] = [];
  await analyzeCapture([readFileSync(fixture(name))], (record) => records.push(record));
  const messages = records.filter((r) => r.type === 'message');
  return {
    connection: records[0],
    errors: records.filter((r) => r.type === 'error'),
    // RFC 7692 §6.1: RSV1 only on the first frame of a compressed message.
    rsvOnOtherFrames: records.filter((r) => r.type === 'frame' && r['websocket.rsv'] !== 0 && (r['websocket.opcode'] === 0 || r['websocket.opcode'] >= 8)),
    described: messages.map((m) => m.type === 'message' && `${m.from} ${m.kind} ${m.length} ${m.compressed}`),
    texts: messages.flatMap((m) => (m.type === 'message' && m.kind === 'text' ? [m.text] : [])),
    binary: messages.find((m) => m.type === 'message' && m.kind === 'binary'),
    closes: messages.flatMap((m) => (m.type === 'message' && m.kind === 'close' ? [`${m.from} ${m.code} ${m.reason}`] : [])),
  };
}

/** base64 of bytes 0..255 repeated to `length` (the binary message of every capture). */
const countingBase64 = (length: number) => btoa(String.fromCharCode(...Uint8Array.from({ length }, (_, i) => i & 0xff)));

describe('wsframe pcap inflates permessage-deflate traffic', () => {
  it('reads every message of a compressed real capture (window bits 12, context takeover) as the peers sent it', async () => {
    const capture = await capturedMessages('websocket-python-deflate.pcapng');
    expect(capture.connection).toMatchObject({ type: 'connection', extensions: 'permessage-deflate; server_max_window_bits=12; client_max_window_bits=12' });
    expect(capture.errors).toEqual([]);
    expect(capture.rsvOnOtherFrames).toEqual([]);
    // websocket-python-peers.py: each message goes out and comes back; the ping is answered.
    expect(capture.described).toEqual([
      'client text 22 true', 'server text 22 true', 'client binary 1024 true', 'server binary 1024 true',
      'client text 15 true', 'server text 15 true', 'client ping 14 false', 'server pong 14 false',
      'client text 3000 true', 'server text 3000 true', 'client close 5 false', 'server close 5 false',
    ]);
    expect(capture.texts).toEqual(['Hello, κόσμε 😀', 'Hello, κόσμε 😀', 'fragmented text', 'fragmented text', 'x'.repeat(3000), 'x'.repeat(3000)]);
    expect(capture.binary).toMatchObject({ base64: countingBase64(1024) });
  });

  // The echo server's default threshold (1024 bytes, as ws) sends shorter echoes uncompressed:
  // uncompressed messages between compressed ones, on a connection with context takeover.
  it('reads the example echo server with a compressing Python websockets client: every message as sent, short echoes uncompressed', async () => {
    const capture = await capturedMessages('websocket-echo-python-deflate.pcapng');
    expect(capture.connection).toMatchObject({ type: 'connection', resource: '/python', extensions: 'permessage-deflate' });
    expect(capture.errors).toEqual([]);
    expect(capture.rsvOnOtherFrames).toEqual([]);
    // websocket-echo-python-client.py: five messages (the third in three fragments), a ping, a close.
    expect(capture.described).toEqual([
      'client text 22 true', 'server text 22 false', 'client binary 1024 true', 'server binary 1024 true',
      'client text 19 true', 'server text 19 false', 'client text 3000 true', 'server text 3000 true',
      'client text 22 true', 'server text 22 false', 'client ping 14 false', 'server pong 14 false',
      'client close 9 false', 'server close 9 false',
    ]);
    const hello = 'Hello, κόσμε 😀';
    expect(capture.texts).toEqual([hello, hello, 'fragmented text ✓', 'fragmented text ✓', 'x'.repeat(3000), 'x'.repeat(3000), hello, hello]);
    expect(capture.binary).toMatchObject({ base64: countingBase64(1024) });
    expect(capture.closes).toEqual(['client 1000 bye ✓', 'server 1000 bye ✓']);
  });

  it("reads Chromium's compressed messages to the example echo server and the echoes, each as sent", async () => {
    const capture = await capturedMessages('websocket-echo-chromium-deflate.pcapng');
    expect(capture.connection).toMatchObject({ type: 'connection', resource: '/chromium', extensions: 'permessage-deflate' });
    expect(capture.errors).toEqual([]);
    expect(capture.rsvOnOtherFrames).toEqual([]);
    expect(capture.described).toEqual([
      'client text 22 true', 'server text 22 false', 'client binary 1024 true', 'server binary 1024 true',
      'client text 3000 true', 'server text 3000 true', 'client text 22 true', 'server text 22 false',
      'client close 23 false', 'server close 23 false',
    ]);
    const hello = 'Hello, κόσμε 😀';
    expect(capture.texts).toEqual([hello, hello, 'x'.repeat(3000), 'x'.repeat(3000), hello, hello]);
    expect(capture.binary).toMatchObject({ base64: countingBase64(1024) });
    expect(capture.closes).toEqual(['client 4000 bye ✓ from chromium', 'server 4000 bye ✓ from chromium']);
  });
});
