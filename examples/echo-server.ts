/**
 * A WebSocket echo server on `node:net` and `wsframe/node`: every text and binary message comes
 * back exactly, in order; the engine answers pings, echoes close codes, fails a protocol
 * violation with the error's close code (1002, 1007, 1009, …), drops a slow handshake (408
 * after 10 s) and a peer that answers no ping (every 30 s). Messages up to 16 MiB; any number of
 * connections. permessage-deflate (RFC 7692) is accepted when a client offers it; `--no-deflate`
 * turns it off.
 *
 * ```sh
 * npm run echo-server -- --port 9001 [--host 127.0.0.1] [--no-deflate] [--quiet]
 * ```
 *
 * @module
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CloseCode, type PerMessageDeflateOptions } from 'wsframe';
import { handleSocket, type CloseInfo, type ServeOptions, type WebSocketConnection } from 'wsframe/node';

/** The largest message accepted: 16 MiB (a larger one fails the connection with 1009). */
export const MAX_MESSAGE_LENGTH = 16 * 1024 * 1024;

/** Options of {@link createEchoServer}: the adapter's (timeouts, `pingInterval`, …) and these. */
export interface EchoServerOptions extends Omit<ServeOptions, 'deflate'> {
  /**
   * permessage-deflate: how to answer a client's offer (e.g. `{ threshold: 0 }` compresses
   * every message), or `false` to decline it. Default `{}`: accepted, messages under 1024 bytes
   * sent uncompressed.
   */
  deflate?: PerMessageDeflateOptions | false;
  /** Called when an opened WebSocket connection ends, with the peer's address (`host:port`). */
  onClose?: (info: CloseInfo, peer: string) => void;
}

/** A running echo server. */
export interface EchoServer {
  /** The `node:net` server. */
  readonly server: Server;
  /** Starts listening (port 0: any free port) and resolves with the address bound. */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Stops accepting, closes open connections with 1001 Going Away, resolves when every socket is closed. */
  close(): Promise<void>;
}

/** Creates an echo server; `listen` starts it. */
export function createEchoServer(options: EchoServerOptions = {}): EchoServer {
  const { onClose, ...serve } = options;
  const connections = new Set<WebSocketConnection>();
  const server = createServer((socket) => {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    const connection = handleSocket(socket, { maxMessageLength: MAX_MESSAGE_LENGTH, ...serve, deflate: serve.deflate ?? {} }, (ws) => {
      ws.on('message', (data) => ws.send(data));
      ws.on('close', (info) => onClose?.(info, peer));
    });
    connections.add(connection);
    void connection.closed.then(() => connections.delete(connection));
  });
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
        for (const connection of connections) connection.close(CloseCode.GoingAway);
      }),
  };
}

/** `closed 1000 "bye" (clean)`, and why we failed it when we did. */
export function describeClose(info: CloseInfo): string {
  const why = info.error === undefined ? '' : `: ${info.error.message}`;
  return `closed ${info.code} ${JSON.stringify(info.reason)} (${info.wasClean ? 'clean' : 'not clean'})${why}`;
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
