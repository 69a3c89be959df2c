/**
 * Interop with `ws` (npm): `ws` as client against the example echo server, and as server against
 * the example echo client. Node-only: sockets. Both sides check what they received.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { EXCHANGE_CLOSE, exchangeMessages, runExchange } from '../examples/echo-client.ts';
import { cleanClose, digest, expectedDigests, startEchoServer, type PeerServerReport, type RunningEchoServer } from './_interop.ts';

const CLOSE_REASON = 'bye ✓ from ws';

function once<T>(emit: (resolve: (value: T) => void) => void, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    emit((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

function toBytes(data: RawData): Buffer {
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
}

describe('ws as client against the example echo server', () => {
  let server: RunningEchoServer;
  beforeAll(async () => {
    server = await startEchoServer();
  });
  afterAll(() => server.stop());

  it('gets every boundary-size, UTF-8 and fragmented message back exactly, a pong for its ping, and its close code echoed', async () => {
    // Uncompressed (ws offers permessage-deflate by default); interop-deflate covers compression.
    const ws = new WebSocket(`${server.url}/ws-client`, { maxPayload: 16 * 1024 * 1024, perMessageDeflate: false });
    await once<void>((resolve) => ws.once('open', () => resolve()));
    for (const message of exchangeMessages()) {
      const reply = once<{ data: Buffer; isBinary: boolean }>((resolve) =>
        ws.once('message', (data, isBinary) => resolve({ data: toBytes(data), isBinary })));
      const bytes = typeof message.data === 'string' ? Buffer.from(message.data) : Buffer.from(message.data);
      const binary = typeof message.data !== 'string';
      if (message.maxFrameLength === undefined) {
        ws.send(bytes, { binary });
      } else {
        // ws sends a fragment per send() with fin: false; text fragments may split a character.
        for (let at = 0; at < bytes.length; at += message.maxFrameLength) {
          ws.send(bytes.subarray(at, at + message.maxFrameLength), { binary, fin: at + message.maxFrameLength >= bytes.length });
        }
      }
      const { data, isBinary } = await reply;
      expect(isBinary, message.name).toBe(binary);
      expect(digest(data), message.name).toBe(digest(bytes));
      expect(data.equals(bytes), message.name).toBe(true);
    }
    const pong = once<Buffer>((resolve) => ws.once('pong', (data) => resolve(data)));
    ws.ping('ping ✓ from ws');
    expect((await pong).toString()).toBe('ping ✓ from ws');
    const closed = once<{ code: number; reason: string }>((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.close(4001, CLOSE_REASON);
    expect(await closed).toEqual({ code: 4001, reason: CLOSE_REASON });
    const [info] = await server.waitForCloses(1);
    expect(info).toMatchObject(cleanClose(4001, CLOSE_REASON));
  });

  it('is failed with 1007 and TCP closed when it sends invalid UTF-8 as text', async () => {
    const ws = new WebSocket(`${server.url}/bad-text`);
    await once<void>((resolve) => ws.once('open', () => resolve()));
    const closed = once<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.on('error', () => {});
    // ws does not validate outgoing text: these bytes go out as a text frame as they are.
    ws.send(Buffer.from([0x61, 0xce, 0x41]), { binary: false });
    expect(await closed).toBe(1007);
    const closes = await server.waitForCloses(2);
    expect(closes[1]).toMatchObject({ sent: 1007, clean: false, received: undefined });
  });
});

describe('ws as server against the example echo client', () => {
  it('echoes the whole exchange in fragments; both sides see exact messages, a pong and the close 4000', async () => {
    const report: PeerServerReport = { received: [], pong: null, close: { code: null, reason: '' } };
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 16 * 1024 * 1024 });
    await once<void>((resolve) => wss.once('listening', () => resolve()));
    const done = once<void>((resolve) => {
      wss.once('connection', (ws) => {
        ws.on('pong', (data) => (report.pong = data.toString()));
        ws.ping('ping ✓ from ws server');
        ws.on('message', (data, isBinary) => {
          const bytes = toBytes(data);
          report.received.push(`${isBinary ? 'binary' : 'text'} ${bytes.length} ${digest(bytes)}`);
          // Echo messages over 64 KiB in 16 KiB fragments: the client must reassemble them.
          const size = bytes.length > 65536 ? 16384 : Math.max(bytes.length, 1);
          for (let at = 0; at < bytes.length || at === 0; at += size) {
            ws.send(bytes.subarray(at, at + size), { binary: isBinary, fin: at + size >= bytes.length });
          }
        });
        ws.on('close', (code, reason) => {
          report.close = { code, reason: reason.toString() };
          resolve();
        });
      });
    }, 30_000);
    try {
      const { port } = wss.address() as { port: number };
      const result = await runExchange(`ws://127.0.0.1:${port}/echo`);
      await done;
      expect(result.steps.filter((step) => !step.ok)).toEqual([]);
      expect(result.ok).toBe(true);
      expect(result.close).toMatchObject({ clean: true, sent: EXCHANGE_CLOSE.code, received: EXCHANGE_CLOSE });
      expect(report).toEqual({ received: expectedDigests(), pong: 'ping ✓ from ws server', close: EXCHANGE_CLOSE });
    } finally {
      await new Promise((resolve) => wss.close(resolve));
    }
  });
});
