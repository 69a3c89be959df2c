/**
 * `ws` (npm) as a peer of the example echo server and client, for the interop tests (Node-only):
 * the exchange run by a `ws` client, and a `ws` echo server, both with the `perMessageDeflate`
 * setting given (false: uncompressed).
 */
import { expect } from 'vitest';
import { WebSocket, WebSocketServer, type PerMessageDeflateOptions, type RawData } from 'ws';
import { exchangeMessages } from '../examples/echo-client.ts';
import { digest, type PeerServerReport } from './_interop.ts';

/** Resolves with what `emit` hands over; rejects after `timeoutMs`. */
export function once<T>(emit: (resolve: (value: T) => void) => void, timeoutMs = 10_000): Promise<T> {
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

/**
 * A `ws` client runs the exchange against `url`: each message (fragmented ones a fragment per
 * send) must come back exactly, its ping must be answered, and its close (`close`) echoed.
 * Returns the extensions `ws` negotiated (its `extensions` property).
 */
export async function runWsClientExchange(
  url: string, close: { code: number; reason: string }, perMessageDeflate: boolean | PerMessageDeflateOptions,
): Promise<string> {
  const ws = new WebSocket(url, { maxPayload: 16 * 1024 * 1024, perMessageDeflate });
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
  ws.close(close.code, close.reason);
  expect(await closed).toEqual({ code: close.code, reason: close.reason });
  return ws.extensions;
}

/** A `ws` echo server for one connection; `report` settles when that connection closes. */
export interface WsEchoServer {
  url: string;
  /** What it received, the pong to its ping, the close, and the extensions it negotiated. */
  report: Promise<PeerServerReport & { extensions: string }>;
  stop(): Promise<void>;
}

/**
 * Starts a `ws` server on 127.0.0.1 that pings its one client, echoes every message (over 64
 * KiB in 16 KiB fragments: the client must reassemble them) and records what it received.
 */
export async function startWsEchoServer(perMessageDeflate: boolean | PerMessageDeflateOptions): Promise<WsEchoServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 16 * 1024 * 1024, perMessageDeflate });
  await once<void>((resolve) => wss.once('listening', () => resolve()));
  const report = once<PeerServerReport & { extensions: string }>((resolve) => {
    wss.once('connection', (ws) => {
      const received: PeerServerReport = { received: [], pong: null, close: { code: null, reason: '' } };
      ws.on('pong', (data) => (received.pong = data.toString()));
      ws.ping('ping ✓ from ws server');
      ws.on('message', (data, isBinary) => {
        const bytes = toBytes(data);
        received.received.push(`${isBinary ? 'binary' : 'text'} ${bytes.length} ${digest(bytes)}`);
        const size = bytes.length > 65536 ? 16384 : Math.max(bytes.length, 1);
        for (let at = 0; at < bytes.length || at === 0; at += size) {
          ws.send(bytes.subarray(at, at + size), { binary: isBinary, fin: at + size >= bytes.length });
        }
      });
      ws.on('close', (code, reason) => {
        received.close = { code, reason: reason.toString() };
        resolve({ ...received, extensions: ws.extensions });
      });
    });
  }, 30_000);
  return {
    url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}`,
    report,
    stop: () => new Promise((resolve) => wss.close(() => resolve())),
  };
}
