/**
 * wsframe on Node sockets (Node, Bun, Deno's `node:` layer): `wsframe/node`.
 *
 * - {@link handleUpgrade}: an `http`/`https` server's `'upgrade'` event, as `ws` takes it;
 * - {@link handleSocket}: a raw `net.Socket` / `tls.TLSSocket`, HTTP head included;
 * - {@link connect}: a client over `node:net` (`ws:`) or `node:tls` (`wss:`).
 *
 * Each gives a {@link WebSocketConnection}. Defaults: servers ping every 30 s and drop a peer
 * that answers none within 30 s (1006); the handshake must complete within 10 s (408 on a
 * server), the closing handshake within 10 s; reading stops while over 64 KiB waits to be sent;
 * an ended socket is destroyed 1 s after our FIN if the peer keeps it open. A socket error
 * (ECONNRESET, EPIPE, a TLS failure) ends the connection with 1006 and is in `closeInfo.error`,
 * never an unhandled `'error'`.
 *
 * @example
 * ```ts
 * import { once } from 'node:events';
 * import { createServer } from 'node:http';
 * import { handleUpgrade, connect } from 'wsframe/node';
 * const server = createServer().listen(0, '127.0.0.1');
 * server.on('upgrade', (request, socket, head) =>
 *   handleUpgrade(request, socket, head, {}, (ws) => ws.on('message', (data) => ws.send(data))));
 * await once(server, 'listening');
 * const { port } = server.address() as { port: number };
 * const ws = connect(`ws://127.0.0.1:${port}/`);
 * const echoed = new Promise((resolve) => ws.on('message', resolve));
 * await ws.opened;
 * ws.send('Hello');
 * console.log(await echoed); // Hello
 * ws.close(1000, 'done');
 * const { code, reason, wasClean } = await ws.closed;
 * console.log(code, reason, wasClean); // 1000 done true
 * server.close();
 * ```
 *
 * @module
 */

import type { IncomingMessage } from 'node:http';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions as TlsOptions } from 'node:tls';
import type { ClientConnection } from '../connection/client.ts';
import type { ServerConnection } from '../connection/server.ts';
import { parseWebSocketUrl } from '../handshake/url.ts';
import {
  DEFAULT_HIGH_WATER_MARK,
  WebSocketConnection,
  type DialOptions,
  type ServeOptions,
} from '../adapters/_connection.ts';
import { createClientEngine, createServerEngine } from '../adapters/_engines.ts';

export * from '../adapters/_connection.ts';

/** Options of {@link connect}: the engine's, the adapter's, and `tls` for `wss:`. */
export interface ConnectOptions extends DialOptions {
  /** Passed to `tls.connect` for `wss:` (CA, client certificate, `rejectUnauthorized`, …). */
  tls?: TlsOptions;
}

/** Called with each connection once open (and the request, on a server). */
export type OpenCallback = (connection: WebSocketConnection) => void;

/**
 * Moves bytes, time and backpressure between `socket` and `engine`. The `Transport` below and
 * the one in `wsframe/streams` are the same five members in two dialects.
 */
function drive(socket: Duplex, engine: ServerConnection | ClientConnection, options: DialOptions | ServeOptions): WebSocketConnection {
  (socket as Socket).setNoDelay?.(true);
  // An http server's idle timeout no longer applies: the engine's deadlines do.
  (socket as Socket).setTimeout?.(0);
  const connection = new WebSocketConnection(engine, {
    write(chunks) {
      if (chunks.length > 1) socket.cork();
      for (const chunk of chunks) socket.write(chunk);
      if (chunks.length > 1) socket.uncork();
    },
    get bufferedAmount() {
      return socket.writableLength;
    },
    setReading: (reading) => (reading ? socket.resume() : socket.pause()),
    end: () => socket.end(),
    destroy: () => socket.destroy(),
  }, {
    ...options,
    // 'drain' comes only once the socket's own high-water mark was passed: never pause below it.
    highWaterMark: Math.max(options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK, socket.writableHighWaterMark),
  });
  socket.on('data', (chunk: Buffer) => connection.receive(chunk));
  socket.on('end', () => connection.receiveEnd());
  // Node destroys the socket after 'error'; 'close' follows.
  socket.on('error', (error) => connection.receiveEnd(error));
  socket.on('drain', () => connection.drained());
  socket.on('close', () => connection.transportClosed());
  if (socket.destroyed) connection.transportClosed();
  return connection;
}

/** `callback` once the connection opens (a refused or failed handshake never calls it). */
function onOpen(connection: WebSocketConnection, callback: OpenCallback | undefined): WebSocketConnection {
  if (callback !== undefined) connection.on('open', callback);
  return connection;
}

/**
 * Serves a WebSocket connection on a raw socket (`net.Server`'s `'connection'`, `tls.Server`'s
 * `'secureConnection'`): the engine reads the HTTP head from it, refuses an invalid one with its
 * status, asks `options.onRequest`, and answers.
 */
export function handleSocket(socket: Duplex, options: ServeOptions = {}, callback?: OpenCallback): WebSocketConnection {
  return onOpen(drive(socket, createServerEngine(options), options), callback);
}

/**
 * Serves a WebSocket connection from an `http`/`https` server's `'upgrade'` event. The request
 * was parsed by Node already; its head is rebuilt from `rawHeaders` (names and values as they
 * arrived, which Node's parser has checked) for the engine to validate, then `head` (the bytes
 * after it) follows. An invalid request is refused with its status (400, 403, 426, …).
 *
 * @example
 * ```ts
 * // Not run: a server (test/adapters-node.node.test.ts runs one).
 * import { createServer } from 'node:http';
 * import { handleUpgrade } from 'wsframe/node';
 * createServer().listen(8080).on('upgrade', (request, socket, head) =>
 *   handleUpgrade(request, socket, head, { origins: ['https://example.com'] }, (ws) => ws.on('message', (data) => ws.send(data))));
 * ```
 */
export function handleUpgrade(
  request: IncomingMessage, socket: Duplex, head: Uint8Array, options: ServeOptions = {}, callback?: OpenCallback,
): WebSocketConnection {
  const lines = [`${request.method} ${request.url} HTTP/${request.httpVersion}`];
  const raw = request.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) lines.push(`${raw[i]}: ${raw[i + 1]}`);
  const connection = handleSocket(socket, options, callback);
  connection.receive(Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'));
  if (head.length > 0) connection.receive(head);
  return connection;
}

/**
 * Opens a client connection to a `ws:` (TCP) or `wss:` (TLS, `options.tls` passed through)
 * URL. Returns at once: add listeners, then `await connection.opened` (it rejects with the
 * `HandshakeError`, or the socket's error, when the handshake fails).
 *
 * @throws {SyntaxError} For an invalid URL (as the engine's `ClientConnection`).
 */
export function connect(url: string, options: ConnectOptions = {}): WebSocketConnection {
  const engine = createClientEngine(url, options);
  const { secure, host, port } = parseWebSocketUrl(url);
  const socket = secure
    ? tlsConnect({ ...(isIP(host) === 0 ? { servername: host } : {}), ...options.tls, host, port })
    : netConnect({ host, port });
  return drive(socket, engine, options);
}
