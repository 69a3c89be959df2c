/**
 * Real captures: Python `websockets` (Debian's python3-websockets) talking to itself over
 * loopback, recorded with dumpcap (test/fixtures/websocket-python-peers.py). Every frame wsframe
 * finds must match what tshark finds, field by field: direction, FIN, RSV, opcode, MASK, masking
 * key, length and the unmasked payload. The expected side is tshark's own output, committed as
 * *.tshark.json by test/fixtures/tshark-websocket.mjs; where tshark is installed it is also run
 * live on the same file.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { analyzeCapture, type PcapRecord } from '../src/cli/pcap.ts';
import type { FrameRecord } from '../src/cli/analyze.ts';
// @ts-expect-error: a plain .mjs script without types
import { tsharkFrames } from './fixtures/tshark-websocket.mjs';

interface TsharkFrame {
  from: 'client' | 'server';
  fin: boolean;
  rsv: number;
  opcode: number;
  mask: boolean;
  maskingKey: string | null;
  length: number;
  text?: string;
  payload?: string;
  closeCode?: number;
  reason?: string;
}

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

async function wsframeFrames(path: URL): Promise<(FrameRecord & { from: string })[]> {
  const records: PcapRecord[] = [];
  await analyzeCapture([readFileSync(path)], (record) => records.push(record));
  return records.filter((r): r is FrameRecord & { from: 'client' | 'server'; stream: number; time: number } => r.type === 'frame');
}


/** Our frame in tshark's normalised shape, with the payload shown as tshark shows it. */
function asTshark(frame: FrameRecord & { from: string }, like: TsharkFrame): TsharkFrame {
  const ours: TsharkFrame = {
    from: frame.from as 'client' | 'server',
    fin: frame['websocket.fin'],
    rsv: frame['websocket.rsv'],
    opcode: frame['websocket.opcode'],
    mask: frame['websocket.mask'],
    maskingKey: frame['websocket.masking_key'] ?? null,
    length: frame['websocket.payload_length'],
  };
  if (like.text !== undefined) ours.text = new TextDecoder().decode(Uint8Array.from(frame['websocket.payload'].match(/../g) ?? [], (h) => parseInt(h, 16)));
  if (like.payload !== undefined) ours.payload = frame['websocket.payload'];
  if (like.closeCode !== undefined) {
    ours.closeCode = frame['websocket.payload.close.status_code'];
    ours.reason = frame['websocket.payload.close.reason'];
  }
  return ours;
}

function hasTshark(): boolean {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('wsframe pcap agrees with tshark on real captures', () => {
  for (const name of ['websocket-python-plain.pcapng']) {
    it(`finds the same frames as tshark in ${name}, field by field`, async () => {
      const expected: TsharkFrame[] = JSON.parse(readFileSync(fixture(name.replace('.pcapng', '.tshark.json')), 'utf8'));
      const ours = await wsframeFrames(fixture(name));
      expect(ours.length).toBe(expected.length);
      expect(ours.every((frame) => frame.verdict === 'valid')).toBe(true);
      for (const from of ['client', 'server'] as const) {
        const theirs = expected.filter((f) => f.from === from);
        const mine = ours.filter((f) => f.from === from);
        expect(mine.map((frame, i) => asTshark(frame, theirs[i]))).toEqual(theirs);
      }
    });

    it.runIf(hasTshark())(`tshark run live on ${name} still gives the committed output`, () => {
      const live = tsharkFrames(fixture(name).pathname);
      const committed = JSON.parse(readFileSync(fixture(name.replace('.pcapng', '.tshark.json')), 'utf8'));
      expect(live).toEqual(committed);
    });
  }
});

describe('wsframe pcap inflates permessage-deflate traffic', () => {
  it('reads every message of a compressed real capture (window bits 12, context takeover) as the peers sent it', async () => {
    const records: PcapRecord[] = [];
    await analyzeCapture([readFileSync(fixture('websocket-python-deflate.pcapng'))], (record) => records.push(record));
    expect(records[0]).toMatchObject({ type: 'connection', extensions: 'permessage-deflate; server_max_window_bits=12; client_max_window_bits=12' });
    expect(records.some((r) => r.type === 'error')).toBe(false);
    const messages = records.filter((r) => r.type === 'message');
    const described = messages.map((m) => m.type === 'message' && `${m.from} ${m.kind} ${m.length} ${m.compressed}`);
    // websocket-python-peers.py: each message goes out and comes back; the ping is answered.
    expect(described).toEqual([
      'client text 22 true', 'server text 22 true', 'client binary 1024 true', 'server binary 1024 true',
      'client text 15 true', 'server text 15 true', 'client ping 14 false', 'server pong 14 false',
      'client text 3000 true', 'server text 3000 true', 'client close 5 false', 'server close 5 false',
    ]);
    const texts = messages.flatMap((m) => (m.type === 'message' && m.kind === 'text' ? [m.text] : []));
    expect(texts).toEqual(['Hello, κόσμε 😀', 'Hello, κόσμε 😀', 'fragmented text', 'fragmented text', 'x'.repeat(3000), 'x'.repeat(3000)]);
    const binary = messages.find((m) => m.type === 'message' && m.kind === 'binary');
    const expected = Uint8Array.from({ length: 1024 }, (_, i) => i & 0xff);
    expect(binary).toMatchObject({ base64: btoa(String.fromCharCode(...expected)) });
  });
});
