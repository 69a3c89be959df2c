/**
 * A WebSocket echo server for Deno, on `Deno.listen` and `wsframe/streams`: each TCP connection
 * is a `{ readable, writable }` byte-stream pair that `handleStream` serves. Everything else —
 * the handshake, pings, closes, timeouts, keepalive, permessage-deflate — is the engine's.
 *
 * ```sh
 * deno run --allow-net examples/deno-echo-server.ts [--port 9002] [--host 127.0.0.1]
 * ```
 *
 * @module
 */
import { handleStream } from 'wsframe/streams';

declare const Deno: {
  args: string[];
  listen(options: { hostname: string; port: number }): AsyncIterable<{ readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> }> & {
    addr: { hostname: string; port: number };
  };
};

const option = (name: string, fallback: string): string => {
  const at = Deno.args.indexOf(`--${name}`);
  return at === -1 ? fallback : Deno.args[at + 1];
};

const listener = Deno.listen({ hostname: option('host', '127.0.0.1'), port: Number(option('port', '9002')) });
console.log(`echo server listening on ws://${listener.addr.hostname}:${listener.addr.port}/`);
for await (const conn of listener) {
  handleStream(conn, { deflate: {} }, (ws) => ws.on('message', (data) => ws.send(data)));
}
