/**
 * The example echo server and client (examples/) on their own: raw bytes against the server
 * (violations, limits, ordering, bad handshakes, many connections), both programs as processes
 * the way `npm run echo-server` / `echo-client` start them, and the client's Autobahn mode
 * against a stand-in fuzzing server. Node-only: sockets and child processes.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { runAutobahn } from '../examples/echo-client.ts';
import { createClientHandshake, encodeFrame, MessageDecoder, ProtocolError, type MessageEvent } from '../src/index.ts';
import { runProcess, startEchoServer, type RunningEchoServer } from './_interop.ts';

const KEY = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);
const masked = (opcode: number, payload: Uint8Array | string, fin = true): Uint8Array =>
  encodeFrame({ opcode, payload: typeof payload === 'string' ? new TextEncoder().encode(payload) : payload, fin, maskingKey: KEY });

/** Sends `bytes` after a valid handshake and returns everything the server sent until it closed TCP. */
function exchangeRaw(url: string, bytes: Uint8Array[], handshake = true): Promise<{ head: string; events: MessageEvent[]; error?: string }> {
  return new Promise((resolve, reject) => {
    const { port } = new URL(url);
    const socket = netConnect({ host: '127.0.0.1', port: Number(port) });
    const received: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('the server did not close the connection within 10 s'));
    }, 10_000);
    socket.on('data', (chunk) => received.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(received);
      const end = all.indexOf('\r\n\r\n') + 4;
      const decoder = new MessageDecoder({ role: 'client' });
      const events: MessageEvent[] = [];
      try {
        for (const event of decoder.push(Uint8Array.from(all.subarray(end)))) events.push(event);
      } catch (error) {
        resolve({ head: all.subarray(0, end).toString('latin1'), events, error: (error as ProtocolError).code });
        return;
      }
      resolve({ head: all.subarray(0, end).toString('latin1'), events });
    });
    socket.on('connect', () => {
      if (handshake) socket.write(createClientHandshake({ url: `${url}/raw` }).request);
      for (const part of bytes) socket.write(part);
    });
  });
}

describe('the example echo server on raw bytes', () => {
  let server: RunningEchoServer;
  beforeAll(async () => {
    server = await startEchoServer();
  });
  afterAll(() => server.stop());

  it('fails an unmasked client frame with close 1002 and closes TCP', async () => {
    const { head, events } = await exchangeRaw(server.url, [Uint8Array.of(0x81, 0x02, 0x68, 0x69)]);
    expect(head).toMatch(/^HTTP\/1\.1 101 /);
    expect(events).toEqual([{ type: 'close', code: 1002, reason: '' }]);
  });

  // The engine answers the ping while it reads the segment; the failure's close frame waits for
  // the echo the server sends in answer to the message before it.
  it('echoes a completed message and answers a ping before failing on a reserved opcode in the same segment', async () => {
    const segment = Buffer.concat([masked(0x1, 'hé'), masked(0x9, 'p'), Uint8Array.of(0x83, 0x80, ...KEY)]);
    const { events } = await exchangeRaw(server.url, [segment]);
    expect(events).toEqual([
      { type: 'pong', data: new TextEncoder().encode('p') },
      { type: 'text', data: 'hé' },
      { type: 'close', code: 1002, reason: '' },
    ]);
  });

  it('fails invalid UTF-8 with 1007 at the bad byte, before the rest of the frame arrives', async () => {
    // A 10-byte text frame whose second byte is impossible (0xff); only 3 payload bytes are sent.
    const frame = masked(0x1, Uint8Array.of(0x61, 0xff, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61, 0x61));
    const { events } = await exchangeRaw(server.url, [frame.subarray(0, 2 + 4 + 3)]);
    expect(events).toEqual([{ type: 'close', code: 1007, reason: '' }]);
  });

  it('fails a message over 16 MiB with 1009 as soon as the frame header announces it', async () => {
    const header = Uint8Array.of(0x82, 0xff, 0, 0, 0, 0, 0x01, 0, 0, 0x01, ...KEY);
    const { events } = await exchangeRaw(server.url, [header]);
    expect(events).toEqual([{ type: 'close', code: 1009, reason: '' }]);
  });

  it('fails a fragmented message that grows past 16 MiB with 1009 MESSAGE_TOO_LARGE', async () => {
    const first = masked(0x2, new Uint8Array(8 * 1024 * 1024), false);
    const second = Uint8Array.of(0x80, 0xff, 0, 0, 0, 0, 0, 0x80, 0, 0x01, ...KEY);
    const { events } = await exchangeRaw(server.url, [first, second]);
    expect(events).toEqual([{ type: 'close', code: 1009, reason: '' }]);
  });

  it('answers a close without a code with an empty close, and drops data after its own close', async () => {
    const { events, error } = await exchangeRaw(server.url, [masked(0x8, ''), masked(0x1, 'late')]);
    expect(events).toEqual([{ type: 'close', code: undefined, reason: '' }]);
    expect(error).toBeUndefined();
  });

  it('refuses a handshake with version 8 with 426 and Sec-WebSocket-Version: 13, and one that is not HTTP with 400', async () => {
    const request = new TextDecoder().decode(createClientHandshake({ url: `${server.url}/` }).request).replace('Version: 13', 'Version: 8');
    const version = await exchangeRaw(server.url, [new TextEncoder().encode(request)], false);
    expect(version.head).toMatch(/^HTTP\/1\.1 426 Upgrade Required\r\n/);
    expect(version.head).toContain('Sec-WebSocket-Version: 13\r\n');
    const garbage = await exchangeRaw(server.url, [new TextEncoder().encode('\x16\x03\x01 hello\r\n\r\n')], false);
    expect(garbage.head).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('serves 200 connections at once, each echoed in order and closed cleanly', async () => {
    const before = server.closes.length;
    const clients = Array.from({ length: 200 }, (_, i) => new Promise<string[]>((resolve, reject) => {
      const ws = new WebSocket(`${server.url}/many`);
      const got: string[] = [];
      ws.on('open', () => {
        for (let n = 0; n < 5; n++) ws.send(`client ${i} message ${n}`);
      });
      ws.on('message', (data) => {
        got.push(String(data));
        if (got.length === 5) ws.close(1000);
      });
      ws.on('close', () => resolve(got));
      ws.on('error', reject);
    }));
    const results = await Promise.all(clients);
    results.forEach((got, i) => expect(got).toEqual([0, 1, 2, 3, 4].map((n) => `client ${i} message ${n}`)));
    const closes = await server.waitForCloses(before + 200);
    expect(closes.slice(before).every((info) => info.wasClean && info.code === 1000)).toBe(true);
  });
});

describe('the example programs as processes', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wsframe-examples-'));
    // As `npm run echo-server` does: bundle with esbuild, 'wsframe' resolved through the
    // package's own exports map to dist/.
    await build({
      entryPoints: ['echo-server.ts', 'echo-client.ts'].map((name) => fileURLToPath(new URL(`../examples/${name}`, import.meta.url))),
      bundle: true, platform: 'node', format: 'esm', outdir: dir, outExtension: { '.js': '.mjs' }, logLevel: 'warning',
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  let server$: ChildProcess | undefined;
  it('echo-server on an ephemeral port echoes the lines echo-client sends from stdin, and stops on SIGTERM', async () => {
    let client: Promise<Awaited<ReturnType<typeof runProcess>>> | undefined;
    const server = runProcess(process.execPath, [join(dir, 'echo-server.mjs'), '--port', '0'], {
      timeoutMs: 30_000,
      onStart: (child) => {
        server$ = child;
      },
      onLine: (line) => {
        const url = /listening on (ws:\/\/\S+)$/.exec(line)?.[1];
        if (url === undefined) return;
        client = runProcess(process.execPath, [join(dir, 'echo-client.mjs'), '--url', `${url}lines`], {
          input: 'hello\nwörld ✓\n', timeoutMs: 20_000,
        });
        void client.finally(() => server$?.kill('SIGTERM'));
      },
    });
    const serverResult = await server;
    const clientResult = await client!;
    expect(clientResult.code, clientResult.stderr).toBe(0);
    expect(clientResult.stdout).toContain('< text: hello\n< text: wörld ✓\nclosed (clean): close 1000 ""');
    expect(serverResult.code).toBe(0);
    expect(serverResult.stdout).toMatch(/closed 1000 "" \(clean\)/);
  });
});

describe('echo client in Autobahn fuzzingserver mode', () => {
  it('reads the case count, echoes every message of each case until closed, then asks for the reports', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => wss.once('listening', resolve));
    const seen: string[] = [];
    wss.on('connection', (ws, request) => {
      const path = request.url ?? '';
      seen.push(path);
      if (path === '/getCaseCount') {
        ws.send('2');
        ws.close(1000);
      } else if (path.startsWith('/runCase')) {
        const echoes: string[] = [];
        ws.on('message', (data, isBinary) => {
          echoes.push(`${isBinary ? 'binary' : 'text'}:${String(data)}`);
          if (echoes.length === 2) {
            seen.push(`${path} echoed ${echoes.join(' ')}`);
            ws.close(1000);
          }
        });
        ws.send('case ✓');
        ws.send(Buffer.from('bin'), { binary: true });
      } else {
        ws.close(1000);
      }
    });
    try {
      const { port } = wss.address() as { port: number };
      expect(await runAutobahn(`ws://127.0.0.1:${port}/`, 'wsframe')).toBe(2);
      expect(seen).toEqual([
        '/getCaseCount',
        '/runCase?case=1&agent=wsframe', '/runCase?case=1&agent=wsframe echoed text:case ✓ binary:bin',
        '/runCase?case=2&agent=wsframe', '/runCase?case=2&agent=wsframe echoed text:case ✓ binary:bin',
        '/updateReports?agent=wsframe',
      ]);
    } finally {
      await new Promise((resolve) => wss.close(resolve));
    }
  });
});
