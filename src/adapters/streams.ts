/**
 * wsframe on a WHATWG byte-stream pair `{ readable, writable }`: `wsframe/streams`. That is what
 * Deno's `Deno.connect` / `Deno.listen` / `Deno.connectTls`, Cloudflare's `connect()` and
 * browsers' Direct Sockets give, and it runs in every runtime (no `node:` import).
 *
 * - {@link handleStream}: serves a connection whose first bytes are the client's HTTP head;
 * - {@link connectStream}: a client on a stream already connected (TCP or TLS) to the server.
 *
 * The same {@link WebSocketConnection} and defaults as `wsframe/node` (servers ping every 30 s,
 * 10 s handshake and close timeouts, reading stops while over 64 KiB waits to be sent). A read
 * or write that fails ends the connection with 1006 and the error in `closeInfo.error`.
 *
 * @example
 * ```ts
 * // Not run: a Deno server (examples/deno-echo-server.ts is run by test/deno-echo.node.test.ts).
 * import { handleStream } from 'wsframe/streams';
 * for await (const conn of Deno.listen({ port: 8080 })) {
 *   handleStream(conn, {}, (ws) => ws.on('message', (data) => ws.send(data)));
 * }
 * ```
 *
 * @module
 */

import type { ClientConnection } from '../connection/client.ts';
import type { ServerConnection } from '../connection/server.ts';
import {
  WebSocketConnection,
  type DialOptions,
  type ServeOptions,
} from './_connection.ts';
import { createClientEngine, createServerEngine } from './_engines.ts';

export * from './_connection.ts';

const toError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/** A duplex byte stream, as Deno's `Conn`, Cloudflare's `Socket` and Direct Sockets' `opened` give it. */
export interface ByteStreamPair {
  /** The bytes the peer sends. */
  readable: ReadableStream<Uint8Array>;
  /** Where the bytes for the peer go. */
  writable: WritableStream<Uint8Array>;
}

/** Called with each connection once open. */
export type OpenCallback = (connection: WebSocketConnection) => void;


/**
 * Moves bytes, time and backpressure between `stream` and `engine`. The `Transport` below and
 * the one in `wsframe/node` are the same six lines in two dialects; streams have no 'close'
 * event, so the transport is closed once reading has ended and our writing has.
 */
function drive(stream: ByteStreamPair, engine: ServerConnection | ClientConnection, options: DialOptions | ServeOptions): WebSocketConnection {
  const reader = stream.readable.getReader();
  const writer = stream.writable.getWriter();
  let buffered = 0;
  let reading = true;
  let resume: (() => void) | undefined;
  let readDone = false;
  let writeDone = false;
  let closed = false;
  const settle = (): void => {
    if (closed || !readDone || !writeDone) return;
    closed = true;
    connection.transportClosed();
  };
  const destroy = (): void => {
    void reader.cancel().catch(() => {});
    void writer.abort().catch(() => {});
    readDone = writeDone = true;
    resume?.();
    settle();
  };
  const fail = (error: unknown): void => {
    connection.receiveEnd(toError(error));
    destroy();
  };
  const connection: WebSocketConnection = new WebSocketConnection(engine, {
    write(chunks) {
      for (const chunk of chunks) {
        buffered += chunk.length;
        writer.write(chunk).then(() => {
          buffered -= chunk.length;
          connection.drained();
        }, fail);
      }
    },
    get bufferedAmount() {
      return buffered;
    },
    setReading(on) {
      reading = on;
      if (on) resume?.();
    },
    end: () => void writer.close().catch(() => {}).finally(() => ((writeDone = true), settle())),
    destroy,
  }, options);
  void (async () => {
    try {
      for (;;) {
        if (!reading) await new Promise<void>((wake) => (resume = wake));
        resume = undefined;
        const { done, value } = await reader.read();
        if (done) break;
        connection.receive(value);
      }
      connection.receiveEnd();
    } catch (error) {
      connection.receiveEnd(toError(error));
    }
    readDone = true;
    settle();
  })();
  return connection;
}

/**
 * Serves a WebSocket connection on `stream` (e.g. each `Deno.Conn` of `Deno.listen`): the engine
 * reads the HTTP head, refuses an invalid one with its status, asks `options.onRequest`, answers.
 */
export function handleStream(stream: ByteStreamPair, options: ServeOptions = {}, callback?: OpenCallback): WebSocketConnection {
  const connection = drive(stream, createServerEngine(options), options);
  if (callback !== undefined) connection.on('open', callback);
  return connection;
}

/**
 * A client connection to `url` over `stream`, already connected to the server (TCP for `ws:`,
 * TLS for `wss:`: the URL only names the resource and Host). Returns at once: add listeners,
 * then `await connection.opened`.
 *
 * @throws {SyntaxError} For an invalid URL.
 */
export function connectStream(stream: ByteStreamPair, url: string, options: DialOptions = {}): WebSocketConnection {
  return drive(stream, createClientEngine(url, options), options);
}
