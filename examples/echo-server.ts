/**
 * A WebSocket echo server on `node:net`, built on wsframe's public API only: every text and
 * binary message comes back exactly, every ping gets a pong with the same payload, in order;
 * a close is answered with a close; a protocol violation closes the connection with the error's
 * close code (1002, 1007, 1009, …). Messages up to 16 MiB; any number of connections.
 * permessage-deflate (RFC 7692) is accepted when a client offers it, so echoes go back
 * compressed; `--no-deflate` turns it off.
 *
 * ```sh
 * npm run echo-server -- --port 9001 [--host 127.0.0.1] [--no-deflate]
 * ```
 *
 * @module
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  CloseCode,
  HandshakeError,
  HttpHeadReader,
  PerMessageDeflate,
  createHandshakeRejection,
  createServerHandshake,
  formatExtensions,
  parseClientHandshake,
  type PerMessageDeflateOptions,
} from 'wsframe';
import { MAX_MESSAGE_LENGTH, WebSocketConnection, type CloseInfo } from './connection.ts';

/** How long a client may take to send its whole handshake (a slow-loris guard). */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/** Options of {@link createEchoServer}. */
export interface EchoServerOptions {
  /** Default {@link MAX_MESSAGE_LENGTH} (16 MiB). */
  maxMessageLength?: number;
  /**
   * permessage-deflate: how to answer a client's offer (`PerMessageDeflate.accept` options;
   * e.g. `{ threshold: 0 }` compresses every message, `{ serverNoContextTakeover: true }`), or
   * `false` to decline it. Default `{}`: accepted, messages under 1024 bytes sent uncompressed.
   */
  deflate?: PerMessageDeflateOptions | false;
  /** Called when a WebSocket connection ends, with the peer's address (`host:port`). */
  onClose?: (info: CloseInfo, peer: string) => void;
}

/** A running echo server. */
export interface EchoServer {
  /** The `node:net` server. */
  readonly server: Server;
  /** Starts listening (port 0: any free port) and resolves with the address bound. */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /**
   * Stops accepting, drops clients still in their handshake, closes open connections with 1001
   * Going Away, and resolves when every socket is closed (at most the close timeout later).
   */
  close(): Promise<void>;
}

/**
 * Creates an echo server; `listen` starts it.
 *
 * @example
 * ```ts
 * const echo = createEchoServer();
 * const { port } = await echo.listen(9001, '127.0.0.1');
 * // … later
 * await echo.close();
 * ```
 */
export function createEchoServer(options: EchoServerOptions = {}): EchoServer {
  const handshaking = new Set<Socket>();
  const connections = new Set<WebSocketConnection>();
  const server = createServer((socket) => acceptSocket(socket, options, handshaking, connections));
  return {
    server,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of handshaking) socket.destroy();
        for (const connection of connections) connection.close(CloseCode.GoingAway);
      }),
  };
}

/** Reads the opening handshake of one client, answers it, then echoes. */
function acceptSocket(
  socket: Socket, options: EchoServerOptions, handshaking: Set<Socket>, connections: Set<WebSocketConnection>,
): void {
  const peer = `${socket.remoteAddress}:${socket.remotePort}`;
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  handshaking.add(socket);
  const timer = setTimeout(() => socket.destroy(), HANDSHAKE_TIMEOUT_MS);
  socket.once('close', () => {
    clearTimeout(timer);
    handshaking.delete(socket);
  });
  const reader = new HttpHeadReader();

  const onData = (chunk: Buffer): void => {
    let request;
    let rest;
    try {
      const result = reader.push(chunk);
      if (result === undefined) return;
      rest = result.rest;
      request = parseClientHandshake(result.head);
    } catch (error) {
      // Not a valid upgrade request: answer with the error's status (400, 426, 431, …) and hang up.
      socket.off('data', onData);
      if (error instanceof HandshakeError) socket.end(createHandshakeRejection(error));
      else socket.destroy();
      return;
    }
    socket.off('data', onData);
    clearTimeout(timer);
    handshaking.delete(socket);
    // RFC 7692 §7.1: take the first permessage-deflate offer we can honour (offers come in the
    // client's order of preference) and say so in the response; none acceptable: answer without
    // it, and the connection is uncompressed. No subprotocol is agreed on.
    const deflate = options.deflate === false ? undefined : PerMessageDeflate.accept(request.extensions, options.deflate);
    socket.write(createServerHandshake(request, { extensions: deflate && formatExtensions([deflate.response]) }));
    // The client may send frames right after its request: `rest` holds any that came with it.
    const connection = new WebSocketConnection(socket, {
      role: 'server',
      head: rest,
      // A fresh extension per connection: with context takeover it carries this connection's
      // compression windows from message to message.
      extensions: deflate === undefined ? [] : [deflate.extension],
      maxMessageLength: options.maxMessageLength ?? MAX_MESSAGE_LENGTH,
      onMessage: (data, self) => self.send(data),
      onClose: (info) => {
        connections.delete(connection);
        options.onClose?.(info, peer);
      },
    });
    connections.add(connection);
  };
  socket.on('data', onData);
}

function describeClose(info: CloseInfo): string {
  const received = info.received === undefined ? 'no close frame' : `close ${info.received.code ?? '(no code)'} ${JSON.stringify(info.received.reason)}`;
  const error = info.error === undefined ? '' : `, failed: ${info.error.message}`;
  return `${info.clean ? 'clean' : 'not clean'}: received ${received}, sent ${info.sent === null ? 'no close' : `close ${info.sent ?? '(no code)'}`}${error}`;
}

/** The command line: `--port` (default 9001), `--host` (default 127.0.0.1), `--no-deflate`, `--quiet`. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '9001' },
      host: { type: 'string', default: '127.0.0.1' },
      'no-deflate': { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`--port ${values.port} is not a port number`);
  const echo = createEchoServer({
    deflate: values['no-deflate'] ? false : {},
    onClose: values.quiet ? undefined : (info, peer) => console.log(`${peer} ${describeClose(info)}`),
  });
  const address = await echo.listen(port, values.host);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  console.log(`echo server listening on ws://${host}:${address.port}/`);
  const stop = (): void => {
    void echo.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
