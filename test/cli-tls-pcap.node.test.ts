/**
 * `wsframe pcap` on real wss:// captures (test/fixtures/websocket-tls-captures.mjs): loopback
 * traffic recorded with dumpcap between a `ws` server on node:https and a `ws` client (TLS 1.3 and
 * 1.2 forced, AES-GCM and ChaCha20-Poly1305, with and without permessage-deflate), a Python
 * websockets client and Chromium, each with its key log; one capture carries its key log in a
 * pcapng Decryption Secrets Block. Every message must be what was sent; in the uncompressed ones
 * every frame must match tshark's decryption of the same file (`-o tls.keylog_file:…`), committed
 * as *.tshark.json and, where tshark is installed, run live. Then the ways decryption must not
 * happen: a missing key, a wrong key, a capture whose packets were cut short.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FrameRecord } from '../src/capture/analyze.ts';
import { CaptureReader } from '../src/capture/capture.ts';
import { analyzeCapture } from '../src/cli/pcap.ts';
import type { PcapRecord, StreamNote } from '../src/capture/websocket.ts';
import { DSB_TLS_KEY_LOG, KeyLog } from '../src/cli/tls/keylog.ts';
import { cli } from './_cli.ts';
import { requirePeer } from './_peers.ts';
import { asTshark, type TsharkFrame } from './_tshark.ts';
// @ts-expect-error: a plain .mjs script without types
import { tsharkFrames } from './fixtures/tshark-websocket.mjs';

const path = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
const keyLogText = (name: string) => readFileSync(path(`${name}.keys.log`), 'utf8');

/** `keys`: the key log's text; by default the capture's own *.keys.log; `null` for none. */
async function analyze(name: string, keys: string | null = keyLogText(name)) {
  const records: PcapRecord[] = [];
  const notes: StreamNote[] = [];
  const keyLog = new KeyLog();
  if (keys !== null) keyLog.addText(keys);
  await analyzeCapture([readFileSync(path(`${name}.pcapng`))], (record) => records.push(record), { keyLog, onNote: (note) => notes.push(note) });
  const messages = records.filter((r) => r.type === 'message');
  return {
    records,
    notes: notes.map((note) => note.message),
    connection: records.find((r) => r.type === 'connection'),
    problems: records.filter((r) => r.type === 'error' || r.type === 'gap' || (r.type === 'frame' && r.verdict !== 'valid')),
    described: messages.map((m) => m.type === 'message' && `${m.from} ${m.kind} ${m.length} ${m.compressed}`),
    texts: messages.flatMap((m) => (m.type === 'message' && m.kind === 'text' ? [m.text] : [])),
    binaries: messages.flatMap((m) => (m.type === 'message' && m.kind === 'binary' ? [m.base64] : [])),
    closes: messages.flatMap((m) => (m.type === 'message' && m.kind === 'close' ? [`${m.from} ${m.code} ${m.reason}`] : [])),
  };
}

const HELLO = 'Hello, κόσμε 😀';
const COUNTING_1024 = btoa(String.fromCharCode(...Uint8Array.from({ length: 1024 }, (_, i) => i & 0xff)));

/** What the `ws` client of websocket-tls-captures.mjs sent, and the server echoed. */
function expectWsClientSession(capture: Awaited<ReturnType<typeof analyze>>, compressed: boolean) {
  const c = String(compressed);
  expect(capture.described).toEqual([
    `client text 22 ${c}`, `server text 22 ${c}`, `client binary 1024 ${c}`, `server binary 1024 ${c}`,
    `client text 19 ${c}`, `server text 19 ${c}`, `client text 3000 ${c}`, `server text 3000 ${c}`,
    `client text 22 ${c}`, `server text 22 ${c}`, 'client ping 14 false', 'server pong 14 false',
    'client close 9 false', 'server close 9 false',
  ]);
  expect(capture.texts).toEqual([HELLO, HELLO, 'fragmented text ✓', 'fragmented text ✓', 'x'.repeat(3000), 'x'.repeat(3000), HELLO, HELLO]);
  expect(capture.binaries).toEqual([COUNTING_1024, COUNTING_1024]);
  expect(capture.closes).toEqual(['client 1000 bye ✓', 'server 1000 bye ✓']);
}

describe('wsframe pcap decrypts real wss:// captures with their key logs', () => {
  const cases = [
    { name: 'websocket-tls13-aes128-deflate', tls: { version: 'TLS 1.3', suite: 'TLS_AES_128_GCM_SHA256', alpn: null }, deflate: true },
    { name: 'websocket-tls13-chacha20-plain', tls: { version: 'TLS 1.3', suite: 'TLS_CHACHA20_POLY1305_SHA256', alpn: null }, deflate: false },
    { name: 'websocket-tls12-aes256-plain', tls: { version: 'TLS 1.2', suite: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', alpn: null }, deflate: false },
    { name: 'websocket-tls12-chacha20-deflate', tls: { version: 'TLS 1.2', suite: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', alpn: null }, deflate: true },
  ];
  for (const { name, tls, deflate } of cases) {
    it(`${name}: every message as the ws client sent it and the server echoed it`, async () => {
      const capture = await analyze(name);
      expect(capture.notes).toEqual([]);
      expect(capture.problems).toEqual([]);
      expect(capture.connection).toMatchObject({ type: 'connection', resource: '/node', status: 101, acceptValid: true, tls, extensions: deflate ? 'permessage-deflate' : null });
      expectWsClientSession(capture, deflate);
    });
  }

  it('websocket-tls13-aes256-dsb: the key log inside the capture (Decryption Secrets Block), no option needed', async () => {
    const capture = await analyze('websocket-tls13-aes256-dsb', null);
    expect(capture.notes).toEqual([]);
    expect(capture.problems).toEqual([]);
    expect(capture.connection).toMatchObject({ tls: { version: 'TLS 1.3', suite: 'TLS_AES_256_GCM_SHA384', alpn: null } });
    expectWsClientSession(capture, false);
  });

  it('websocket-tls-python-deflate: Python websockets over ssl (keylog_filename)', async () => {
    const capture = await analyze('websocket-tls-python-deflate');
    expect(capture.notes).toEqual([]);
    expect(capture.problems).toEqual([]);
    expect(capture.connection).toMatchObject({ resource: '/python', tls: { version: 'TLS 1.3', suite: 'TLS_AES_256_GCM_SHA384', alpn: null } });
    expect(capture.described).toEqual([
      'client text 22 true', 'server text 22 true', 'client binary 1024 true', 'server binary 1024 true',
      'client text 19 true', 'server text 19 true', 'client text 3000 true', 'server text 3000 true',
      'client text 22 true', 'server text 22 true', 'client ping 14 false', 'server pong 14 false',
      'client close 9 false', 'server close 9 false',
    ]);
    expect(capture.texts).toEqual([HELLO, HELLO, 'fragmented text ✓', 'fragmented text ✓', 'x'.repeat(3000), 'x'.repeat(3000), HELLO, HELLO]);
    expect(capture.binaries).toEqual([COUNTING_1024, COUNTING_1024]);
    expect(capture.closes).toEqual(['client 1000 bye ✓', 'server 1000 bye ✓']);
  });

  it('websocket-tls-chromium-deflate: Chromium (--ssl-key-log-file), ALPN http/1.1', async () => {
    const capture = await analyze('websocket-tls-chromium-deflate');
    expect(capture.notes).toEqual([]);
    expect(capture.problems).toEqual([]);
    expect(capture.connection).toMatchObject({ resource: '/chromium', tls: { version: 'TLS 1.3', suite: 'TLS_AES_256_GCM_SHA384', alpn: 'http/1.1' } });
    expect(capture.described).toEqual([
      'client text 22 true', 'server text 22 true', 'client binary 1024 true', 'server binary 1024 true',
      'client text 3000 true', 'server text 3000 true', 'client text 22 true', 'server text 22 true',
      'client close 23 false', 'server close 23 false',
    ]);
    expect(capture.texts).toEqual([HELLO, HELLO, 'x'.repeat(3000), 'x'.repeat(3000), HELLO, HELLO]);
    expect(capture.closes).toEqual(['client 4000 bye ✓ from chromium', 'server 4000 bye ✓ from chromium']);
  });
});

const withTshark = requirePeer('tshark');

describe('wsframe pcap agrees with tshark on decrypted wss:// captures, frame for frame', () => {
  for (const [name, keys] of [
    ['websocket-tls13-chacha20-plain', true], ['websocket-tls12-aes256-plain', true], ['websocket-tls13-aes256-dsb', false],
  ] as const) {
    const expected = () => JSON.parse(readFileSync(path(`${name}.tshark.json`), 'utf8')) as TsharkFrame[];

    it(`${name}: the same frames as tshark, field by field`, async () => {
      const frames = (await analyze(name, keys ? keyLogText(name) : null)).records.filter((r) => r.type === 'frame') as (FrameRecord & { from: string })[];
      const theirs = expected();
      expect(frames.length).toBe(theirs.length);
      for (const from of ['client', 'server']) {
        const want = theirs.filter((f) => f.from === from);
        const fragments: string[] = [];
        expect(frames.filter((f) => f.from === from).map((frame, i) => asTshark(frame, want[i], fragments))).toEqual(want);
      }
    });

    withTshark.it(`${name}: tshark run live still gives the committed output`, () => {
      expect(tsharkFrames(path(`${name}.pcapng`), keys ? path(`${name}.keys.log`) : undefined)).toEqual(expected());
    });
  }
});

describe('Decryption Secrets Blocks (pcapng §4.7) reach the key log through CaptureReader onSecrets', () => {
  const file = () => new Uint8Array(readFileSync(path('websocket-tls13-aes256-dsb.pcapng')));

  it('gives the TLS key log block that editcap --inject-secrets wrote', () => {
    const secrets: { type: number; text: string }[] = [];
    const reader = new CaptureReader({ onSecrets: (type, data) => secrets.push({ type, text: new TextDecoder().decode(data) }) });
    reader.push(file());
    reader.end();
    expect([...reader.packets()].length).toBeGreaterThan(20);
    expect(secrets.map((s) => s.type)).toEqual([DSB_TLS_KEY_LOG]);
    expect(secrets[0].text.trim().split('\n').map((line) => line.split(' ')[0])).toEqual([
      'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'EXPORTER_SECRET', 'SERVER_TRAFFIC_SECRET_0', 'CLIENT_TRAFFIC_SECRET_0',
    ]);
    expect(reader.stats.badBlocks).toBe(0);
  });

  it('counts a block whose secrets length overruns it as bad, and gives nothing', () => {
    const bytes = file();
    const view = new DataView(bytes.buffer);
    // The DSB follows the Section Header Block.
    const dsb = view.getUint32(4, true);
    expect(view.getUint32(dsb, true)).toBe(0x0a);
    view.setUint32(dsb + 12, view.getUint32(dsb + 4, true), true);
    const secrets: number[] = [];
    const reader = new CaptureReader({ onSecrets: (type) => secrets.push(type) });
    reader.push(bytes);
    reader.end();
    [...reader.packets()];
    expect(secrets).toEqual([]);
    expect(reader.stats.badBlocks).toBe(1);
  });
});

describe('wsframe pcap --keylog (the CLI)', () => {
  const name = 'websocket-tls13-chacha20-plain';
  const clientRandom = keyLogText(name).split('\n')[0].split(' ')[1];
  const tmp = mkdtempSync(join(tmpdir(), 'wsframe-keylog-'));

  it('decrypts with --keylog FILE and shows the TLS parameters on the connection line', async () => {
    const { code, stdout, stderr } = await cli(['pcap', path(`${name}.pcapng`), '--keylog', path(`${name}.keys.log`)]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toMatch(/^stream 0: 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:39518 GET \/node -> 101 protocol=- extensions=- tls=TLS1\.3\/TLS_CHACHA20_POLY1305_SHA256\/alpn=- accept valid$/);
    expect(stdout).toContain('client-> message text 19 bytes "fragmented text ✓"');
  });

  it('reads SSLKEYLOGFILE when --keylog is not given, and ndjson carries tls', async () => {
    const { code, stdout } = await cli(['pcap', path(`${name}.pcapng`), '--format', 'ndjson'], { env: { SSLKEYLOGFILE: path(`${name}.keys.log`) } });
    expect(code).toBe(0);
    expect(JSON.parse(stdout.split('\n')[0])).toMatchObject({ type: 'connection', tls: { version: 'TLS 1.3', suite: 'TLS_CHACHA20_POLY1305_SHA256', alpn: null } });
  });

  it('missing key: one line naming the client random, the connection skipped, exit status 2', async () => {
    const { code, stdout, stderr } = await cli(['pcap', path(`${name}.pcapng`), '--keylog', path('websocket-tls12-aes256-plain.keys.log')]);
    expect(stdout).toBe('');
    expect(stderr.split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^wsframe: stream 0 \\(127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.1:39518\\) not decoded: TLS 1\\.3 TLS_CHACHA20_POLY1305_SHA256: no key for this client random \\(${clientRandom}\\) in the key log$`)),
      'wsframe: no WebSocket connection in the capture',
      '',
    ]);
    expect(code).toBe(2);
  });

  it('wrong key: one line saying the key does not authenticate the first record, nothing decoded', async () => {
    const wrong = join(tmp, 'wrong.keys.log');
    writeFileSync(wrong, keyLogText(name).replace(/^(SERVER_HANDSHAKE_TRAFFIC_SECRET \S+ )(.)/m, (_, start: string, digit: string) => `${start}${digit === '0' ? '1' : '0'}`));
    const { code, stdout, stderr } = await cli(['pcap', path(`${name}.pcapng`), '--keylog', wrong]);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^wsframe: stream 0 \(127\.0\.0\.1:\d+ -> 127\.0\.0\.1:39518\) not decoded: TLS 1\.3 TLS_CHACHA20_POLY1305_SHA256: the key \(SERVER_HANDSHAKE_TRAFFIC_SECRET\) does not authenticate the first record from the server: wrong key or truncated capture\nwsframe: no WebSocket connection in the capture\n$/);
    expect(code).toBe(2);
  });

  it('no key log at all: the note says how to give one', async () => {
    const { code, stderr } = await cli(['pcap', path(`${name}.pcapng`)]);
    expect(stderr).toMatch(/not decoded: TLS 1\.3 TLS_CHACHA20_POLY1305_SHA256: no key log to decrypt it with: give the client's key log \(NSS format, as SSLKEYLOGFILE makes browsers, curl and Node write\) with --keylog FILE or SSLKEYLOGFILE\n/);
    expect(code).toBe(2);
  });

  it('truncated capture (packets cut at 300 bytes by the snapshot length): the gap is named and nothing is guessed', async () => {
    const { code, stdout, stderr } = await cli(['pcap', path('websocket-tls13-chacha20-snaplen300.pcapng'), '--keylog', path(`${name}.keys.log`)]);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^wsframe: stream 0 \(127\.0\.0\.1:\d+ -> 127\.0\.0\.1:39518\) not decoded: 5 bytes of the client side are missing from the capture before the WebSocket handshake completed\nwsframe: no WebSocket connection in the capture\n$/);
    expect(code).toBe(2);
  });

  it('an unreadable --keylog file is a usage error (exit status 2); an unreadable SSLKEYLOGFILE only a warning', async () => {
    const missing = join(tmp, 'nope.log');
    const given = await cli(['pcap', path(`${name}.pcapng`), '--keylog', missing]);
    expect(given.code).toBe(2);
    expect(given.stderr).toContain(`wsframe: cannot read ${missing}: ENOENT`);
    const fromEnv = await cli(['pcap', path('websocket-echo-python-plain.pcapng')], { env: { SSLKEYLOGFILE: missing } });
    expect(fromEnv.code).toBe(0);
    expect(fromEnv.stderr).toMatch(new RegExp(`^wsframe: cannot read SSLKEYLOGFILE ${missing}: ENOENT.*; TLS is not decrypted\n$`));
  });
});
