/**
 * --decode-as and gaps on real captures (test/fixtures/websocket-resync-captures.mjs: dumpcap on
 * loopback, the example echo server and a ws client), compared with tshark: the mid-connection
 * capture frame for frame with `tshark -d tcp.port==39518,websocket`; the capture with a dropped
 * segment against tshark's frames of the complete capture (what follows the gap must be there
 * unchanged, the message the gap cut must not appear); and a live capture, dumpcap -w - written
 * into a FIFO while the CLI reads it.
 */
import { describe, expect, it } from 'vitest';
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { FrameRecord } from '../src/capture/analyze.ts';
import type { PcapRecord } from '../src/capture/websocket.ts';
import { main, processIO } from '../src/cli/main.ts';
import { asTshark, type TsharkFrame } from './_tshark.ts';
import { requirePeer } from './_peers.ts';
import { cli } from './_cli.ts';
import { startEchoServer } from './_interop.ts';
// @ts-expect-error: a plain .mjs script without types
import { tsharkFrames } from './fixtures/tshark-websocket.mjs';
// @ts-expect-error: a plain .mjs script without types
import { session } from './fixtures/websocket-resync-captures.mjs';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
const expected = (name: string): TsharkFrame[] => JSON.parse(readFileSync(fixture(name.replace('.pcapng', '.tshark.json')), 'utf8'));
const withTshark = requirePeer('tshark');

async function ndjson(args: string[]): Promise<{ code: number; records: PcapRecord[] }> {
  const { code, stdout } = await cli(['pcap', ...args, '--format', 'ndjson', '--max-payload', '256']);
  return { code, records: stdout.trim().split('\n').map((line) => JSON.parse(line)) };
}

/** Our frames of one direction in tshark's shape (payloads compared where tshark's file keeps them). */
function shaped(ours: (FrameRecord & { from: string })[], theirs: TsharkFrame[]): TsharkFrame[] {
  const fragments: string[] = [];
  return ours.map((frame, i) => {
    const like = theirs[i] ?? theirs[0];
    const shape = asTshark(frame, like, fragments);
    if (like.payload === undefined) delete shape.payload;
    return shape;
  });
}

describe('real captures without a handshake and with a gap', () => {
  it('--decode-as on a capture started after the handshake: frame for frame what tshark -d tcp.port==39518,websocket finds', async () => {
    const name = 'websocket-midstream-plain.pcapng';
    const without = await cli(['pcap', fixture(name)]);
    expect(without.code).toBe(2);
    expect(without.stderr).toContain('decode them with --decode-as 39518 (tshark: -d tcp.port==39518,websocket)');
    const { code, records } = await ndjson([fixture(name), '--decode-as', '39518']);
    expect(code).toBe(0);
    expect(records[0]).toMatchObject({ type: 'connection', decodeAs: '39518', server: expect.stringMatching(/:39518$/) });
    expect(records.filter((r) => r.type === 'resync').map((r) => r.from).sort()).toEqual(['client', 'server']);
    const theirs = expected(name);
    const frames = records.filter((r): r is FrameRecord & PcapRecord & { from: 'client' } => r.type === 'frame');
    expect(frames.length).toBe(theirs.length);
    for (const from of ['client', 'server'] as const) {
      const list = theirs.filter((f) => f.from === from);
      expect(shaped(frames.filter((f) => f.from === from), list)).toEqual(list);
    }
  });

  it('a dropped segment: the gap with its size, the cut message lost, every later frame as tshark has it in the complete capture', async () => {
    const { code, records } = await ndjson([fixture('websocket-gap-plain.pcapng')]);
    expect(code).toBe(1);
    const server = records.filter((r) => r.type !== 'connection' && r.from === 'server');
    const gap = server.find((r) => r.type === 'gap');
    expect(gap).toMatchObject({ type: 'gap', bytes: 35840 });
    const lost = server.find((r) => r.type === 'lost');
    expect(lost).toMatchObject({ type: 'lost', what: 'frame' });
    const resync = server.find((r) => r.type === 'resync');
    expect(resync).toMatchObject({ type: 'resync', frames: 4 });
    // The 100 000-byte echo is never reported, whole or in part.
    expect(server.some((r) => r.type === 'message' && r.length === 100_000)).toBe(false);
    expect(server.some((r) => r.type === 'frame' && r['websocket.payload_length'] === 100_000)).toBe(false);
    // The server's frames are tshark's (complete capture) without the lost one, in order.
    const theirs = expected('websocket-gap-plain.pcapng').filter((f) => f.from === 'server' && f.length !== 100_000);
    const ours = server.filter((r): r is FrameRecord & PcapRecord & { from: 'server' } => r.type === 'frame');
    expect(shaped(ours, theirs)).toEqual(theirs);
    // The client's direction has no gap: all of its frames.
    expect(records.filter((r) => r.type === 'frame' && r.from === 'client').length).toBe(expected('websocket-gap-plain.pcapng').filter((f) => f.from === 'client').length);
  });

  withTshark.it('the committed tshark frames are what tshark gives today (decode-as)', () => {
    const live = tsharkFrames(fixture('websocket-midstream-plain.pcapng'), undefined, 'tcp.port==39518,websocket')
      .map((frame: TsharkFrame) => (frame.payload !== undefined && frame.payload.length > 512 ? { ...frame, payload: undefined } : frame));
    expect(JSON.parse(JSON.stringify(live))).toEqual(expected('websocket-midstream-plain.pcapng'));
  });
});

describe('live capture', () => {
  withTshark.it('dumpcap -w - into a FIFO while wsframe pcap reads it: messages are printed before the capture ends', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'wsframe-live-'));
    const fifo = join(folder, 'capture.fifo');
    execFileSync('mkfifo', [fifo]);
    const echo = await startEchoServer({ deflate: false });
    const port = new URL(echo.url).port;
    let stdout = '';
    let sawBeforeEnd = false;
    let captureEnded = false;
    const io = { ...processIO, stdout: { write: (text: string) => { stdout += text; if (!captureEnded && text.includes('"after four"')) sawBeforeEnd = true; return true; } }, stderr: { write: () => true } };
    const reading = main(['pcap', fifo, '--messages-only'], io);
    const dumpcap = spawn('dumpcap', ['-q', '-i', 'lo', '-f', `tcp port ${port}`, '-w', '-'], { stdio: ['ignore', 'pipe', 'ignore'] });
    dumpcap.stdout.pipe(createWriteStream(fifo));
    try {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const ws = new WebSocket(`${echo.url}/live`, { perMessageDeflate: false });
      await once(ws, 'open');
      await session(ws);
      for (let i = 0; i < 50 && !sawBeforeEnd; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      captureEnded = true;
      dumpcap.kill('SIGTERM');
      await echo.stop();
    }
    expect(await reading).toBe(0);
    expect(sawBeforeEnd).toBe(true);
    expect(stdout).toContain('GET /live -> 101');
    expect(stdout).toContain('message binary 100000 bytes');
    expect(stdout).toContain('message close code=1000 reason="done"');
  }, 30_000);
});
