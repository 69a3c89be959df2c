/**
 * The WHATWG streams adapter (src/adapters/streams.ts) on in-memory stream pairs, in every
 * runtime: a server and a client back to back, refusals, keepalive, backpressure and transport
 * failures. Timings are short real timers (the adapter's clock is the host's).
 */
import { describe, expect, it } from 'vitest';
import { HandshakeError } from '../src/index.ts';
import {
  connectStream,
  handleStream,
  type ByteStreamPair,
  type CloseInfo,
  type WebSocketConnection,
} from '../src/adapters/streams.ts';

const utf8 = (text: string) => new TextEncoder().encode(text);

/** Two ends of an in-memory duplex byte stream: what one writes, the other reads. */
function streamPair(): [ByteStreamPair, ByteStreamPair] {
  const ab = new TransformStream<Uint8Array, Uint8Array>();
  const ba = new TransformStream<Uint8Array, Uint8Array>();
  return [{ readable: ba.readable, writable: ab.writable }, { readable: ab.readable, writable: ba.writable }];
}

/** A raw peer end: everything written to it, and a way to write bytes or end. */
function rawPeer(end: ByteStreamPair) {
  const received: Uint8Array[] = [];
  let ended = false;
  let errored = false;
  void (async () => {
    const reader = end.readable.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received.push(value);
      }
    } catch {
      // The other end aborted its writable (what the adapter's destroy does).
      errored = true;
    }
    ended = true;
  })();
  const writer = end.writable.getWriter();
  return {
    received,
    /** The readable ended: closed, or errored (then `errored`). */
    get ended() {
      return ended;
    },
    get errored() {
      return errored;
    },
    // Byte for character (TextDecoder's 'latin1' is windows-1252, which moves 0x80..0x9f).
    text: () => received.map((chunk) => String.fromCharCode(...chunk)).join(''),
    write: (bytes: Uint8Array) => writer.write(bytes),
    close: () => writer.close(),
    abort: (reason: unknown) => writer.abort(reason),
  };
}

const REQUEST = 'GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** A server and a client connected back to back; the server echoes. */
function echoPair(serverOptions = {}, clientOptions = {}) {
  const [serverEnd, clientEnd] = streamPair();
  let server: WebSocketConnection | undefined;
  const serverConnection = handleStream(serverEnd, serverOptions, (ws) => {
    server = ws;
    ws.on('message', (data) => ws.send(data));
  });
  const client = connectStream(clientEnd, 'ws://example.com/echo', clientOptions);
  return { serverConnection, client, server: () => server };
}

describe('wsframe/streams: a server and a client on an in-memory stream pair', () => {
  it('opens, echoes text and binary in order, answers a ping, and closes cleanly both sides with the code', async () => {
    const { client, serverConnection } = echoPair();
    const got: Array<string | Uint8Array> = [];
    const pongs: Uint8Array[] = [];
    client.on('message', (data) => got.push(data));
    client.on('pong', (data) => pongs.push(data));
    await client.opened;
    expect(client.readyState).toBe('open');
    expect(serverConnection.request?.resource).toBe('/echo');
    expect(client.send('hé')).toBe(true);
    client.send(Uint8Array.of(1, 2, 3));
    client.ping('p');
    await until(() => got.length === 2 && pongs.length === 1, 'two echoes and a pong');
    expect(got).toEqual(['hé', Uint8Array.of(1, 2, 3)]);
    expect(pongs).toEqual([utf8('p')]);
    client.close(4001, 'bye');
    const [clientClose, serverClose] = await Promise.all([client.closed, serverConnection.closed]);
    expect(clientClose).toEqual({ code: 4001, reason: 'bye', wasClean: true });
    expect(serverClose).toEqual({ code: 4001, reason: 'bye', wasClean: true });
    // RFC 6455 §7.1.1: the client waits for the server to end the stream.
    await until(() => client.readyState === 'closed', 'the server to end the stream');
  });

  it('iterates received messages asynchronously; nothing is lost between open and the first consumer', async () => {
    const { client } = echoPair();
    await client.opened;
    for (const n of [1, 2, 3]) client.send(`m${n}`);
    await sleep(20);
    const seen: Array<string | Uint8Array> = [];
    for await (const message of client) {
      seen.push(message);
      if (seen.length === 3) client.close(1000);
    }
    expect(seen).toEqual(['m1', 'm2', 'm3']);
    expect((await client.closed).code).toBe(1000);
  });

  it('refuses a disallowed origin with 403 (no open callback), and onRequest may refuse with its own status', async () => {
    let opened = 0;
    const [serverEnd, clientEnd] = streamPair();
    handleStream(serverEnd, { origins: ['https://good.example'] }, () => opened++);
    const client = connectStream(clientEnd, 'ws://example.com/', { origin: 'https://evil.example' });
    const error = await client.opened.then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(HandshakeError);
    expect((error as HandshakeError).status).toBe(403);
    expect((await client.closed).code).toBe(1006);

    const [serverEnd2, clientEnd2] = streamPair();
    handleStream(serverEnd2, { onRequest: async (request) => (request.resource === '/secret' ? { status: 401 } : undefined) }, () => opened++);
    const refused = connectStream(clientEnd2, 'ws://example.com/secret');
    expect(((await refused.opened.catch((caught: unknown) => caught)) as HandshakeError).status).toBe(401);
    expect(opened).toBe(0);
  });

  it('an onRequest answer the engine refuses (a subprotocol not offered) refuses the request with 500; nothing throws', async () => {
    const { client, serverConnection } = echoPair({ onRequest: () => ({ protocol: 'chat' }) });
    const [clientClose, serverClose] = await Promise.all([client.closed, serverConnection.closed]);
    expect(clientClose.code).toBe(1006);
    expect((clientClose.error as HandshakeError).status).toBe(500);
    expect(serverClose.code).toBe(1006);
    expect(serverClose.error).toBeInstanceOf(RangeError);
    // The same through a thenable that is not a Promise.
    const thenable = { then: (resolve: (value: unknown) => void) => resolve({ headers: { 'X-A': 'a\r\nb' } }) };
    const other = echoPair({ onRequest: () => thenable });
    expect(((await other.client.closed).error as HandshakeError).status).toBe(500);
    expect((await other.serverConnection.closed).error).toBeInstanceOf(TypeError);
  });

  it('a listener that throws closes the connection with 1011 and the error, in this adapter as in wsframe/node', async () => {
    const [serverEnd, clientEnd] = streamPair();
    const boom = new Error('listener boom');
    const serverConnection = handleStream(serverEnd, {}, (ws) => ws.on('message', () => {
      throw boom;
    }));
    const client = connectStream(clientEnd, 'ws://example.com/');
    await client.opened;
    client.send('hi');
    const [clientClose, serverClose] = await Promise.all([client.closed, serverConnection.closed]);
    expect(clientClose).toMatchObject({ code: 1011, wasClean: true });
    expect(serverClose).toMatchObject({ code: 1011, wasClean: true });
    expect(serverClose.error).toBe(boom);
  });

  it('a request awaiting onRequest: the client leaving is ENDED_BEFORE_ANSWER; the server dropping it with close() says so', async () => {
    // The client ends its side while the server's decision is pending.
    const [serverEnd, clientEnd] = streamPair();
    const peer = rawPeer(clientEnd);
    const pending = new Promise<undefined>(() => {});
    const left = handleStream(serverEnd, { onRequest: () => pending });
    await peer.write(utf8(`${REQUEST}\r\n`));
    await sleep(20);
    await peer.close();
    const leftInfo = await left.closed;
    expect(leftInfo).toMatchObject({ code: 1006, wasClean: false });
    expect(leftInfo.error).toMatchObject({ code: 'ENDED_BEFORE_ANSWER', status: 400 });
    expect(peer.text()).toBe('');
    // The server's application drops the connection before answering.
    const [serverEnd2, clientEnd2] = streamPair();
    const peer2 = rawPeer(clientEnd2);
    const dropped = handleStream(serverEnd2, { onRequest: () => pending });
    await peer2.write(utf8(`${REQUEST}\r\n`));
    await sleep(20);
    dropped.close();
    const droppedInfo = await dropped.closed;
    expect(droppedInfo).toMatchObject({ code: 1006, wasClean: false });
    expect(droppedInfo.error?.message).toBe('close() was called before the opening handshake completed: the connection was dropped');
    await until(() => peer2.ended, 'the transport to end');
    // Dropped, not closed: the server aborted its side of the stream.
    expect(peer2.errored).toBe(true);
    expect(peer2.text()).toBe('');
  });

  it('accepts with the subprotocol onRequest names', async () => {
    const { client } = echoPair({ onRequest: () => ({ protocol: 'b' }) }, { protocols: ['a', 'b'] });
    await client.opened;
    expect(client.protocol).toBe('b');
    client.close(1000);
    await client.closed;
  });

  it('drops a peer that answers no ping: 1006 with timeout "pong", the transport closed', async () => {
    const [serverEnd, peerEnd] = streamPair();
    const peer = rawPeer(peerEnd);
    const server = handleStream(serverEnd, { pingInterval: 30, pongTimeout: 30 });
    await peer.write(utf8(`${REQUEST}\r\n`));
    const info = await server.closed;
    expect(info).toMatchObject({ code: 1006, wasClean: false, timeout: 'pong' });
    // The 101, then at least one ping (0x89 0x00).
    expect(peer.text()).toMatch(/^HTTP\/1\.1 101 [^]*\r\n\r\n\x89\x00/);
    await until(() => peer.ended, 'the server to end the stream');
  });

  it('refuses a handshake that trickles in too slowly with 408 (handshakeTimeout covers the whole head)', async () => {
    const [serverEnd, peerEnd] = streamPair();
    const peer = rawPeer(peerEnd);
    const server = handleStream(serverEnd, { handshakeTimeout: 100 });
    for (const byte of utf8(REQUEST).subarray(0, 8)) {
      await peer.write(Uint8Array.of(byte));
      await sleep(15);
    }
    const info = await server.closed;
    expect(info).toMatchObject({ code: 1006, timeout: 'handshake' });
    expect((info.error as HandshakeError).status).toBe(408);
    await until(() => peer.ended, 'the server to end the stream');
    expect(peer.text()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('ends with 1006 and the error when the transport fails mid-frame', async () => {
    const [serverEnd, peerEnd] = streamPair();
    const peer = rawPeer(peerEnd);
    const server = handleStream(serverEnd);
    await peer.write(utf8(`${REQUEST}\r\n`));
    await peer.write(Uint8Array.of(0x81, 0x85, 0x37, 0xfa));
    void peer.abort(new Error('connection reset'));
    const info: CloseInfo = await server.closed;
    expect(info.code).toBe(1006);
    expect(info.wasClean).toBe(false);
    expect(info.error?.message).toBe('connection reset');
  });

  it('stops reading while more than highWaterMark bytes wait, and send reports it', async () => {
    // A writable that takes one chunk and never finishes writing it: a peer that never reads.
    let reads = 0;
    // The client's head, then a masked empty binary frame per read, one per millisecond.
    const readable = new ReadableStream<Uint8Array>({
      async pull(controller) {
        reads++;
        if (reads > 1) await sleep(1);
        controller.enqueue(reads === 1 ? utf8(`${REQUEST}\r\n`) : Uint8Array.of(0x82, 0x80, 1, 2, 3, 4));
      },
    }, { highWaterMark: 0 });
    const writable = new WritableStream<Uint8Array>({ write: () => new Promise(() => {}) }, { highWaterMark: 1 });
    let server: WebSocketConnection | undefined;
    handleStream({ readable, writable }, { highWaterMark: 1000, pingInterval: Number.POSITIVE_INFINITY }, (ws) => {
      server = ws;
      ws.on('message', () => {});
    });
    await until(() => server !== undefined, 'open');
    await sleep(20);
    // Reading goes on while nothing waits to be sent.
    expect(reads).toBeGreaterThan(3);
    expect(server!.send(new Uint8Array(500))).toBe(true);
    expect(server!.send(new Uint8Array(600))).toBe(false);
    expect(server!.bufferedAmount).toBeGreaterThan(1000);
    const before = reads;
    await sleep(50);
    // At most the read already pending when the mark was passed.
    expect(reads - before).toBeLessThanOrEqual(1);
    server!.close(1001);
  });
});
