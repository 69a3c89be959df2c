/**
 * wsframe/node (src/node/index.ts) on real sockets: http upgrades, raw sockets and clients, `wss`
 * with `ws` as the peer both ways, and hostile peers — a frame trickled one byte at a time, 2,000
 * idle connections, a reset mid-frame, a peer that never reads, a slow-loris handshake, a peer
 * that never answers pings. The process survives each and each ends with the documented code.
 * Timeouts are shortened through the options. Node-only: sockets.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect as netConnect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { createClientHandshake, encodeFrame, HandshakeError } from '../src/index.ts';
import { connect, handleSocket, handleUpgrade, type CloseInfo, type ServeOptions, type WebSocketConnection } from '../src/node/index.ts';
import { makeSelfSignedCertificate, type SelfSignedCertificate } from './_tls-cert.ts';

const KEY = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const listening = (server: Server | HttpServer) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

/** A raw-socket echo server on handleSocket; records how each connection ended. */
async function startServer(options: ServeOptions = {}) {
  const closes: CloseInfo[] = [];
  const connections: WebSocketConnection[] = [];
  const server = createServer((socket) => {
    const connection = handleSocket(socket, options, (ws) => ws.on('message', (data) => ws.send(data)));
    connections.push(connection);
    void connection.closed.then((info) => closes.push(info));
  });
  const port = await listening(server);
  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    closes,
    connections,
    async waitForCloses(count: number, timeoutMs = 10_000): Promise<CloseInfo[]> {
      const deadline = Date.now() + timeoutMs;
      while (closes.length < count) {
        if (Date.now() > deadline) throw new Error(`${closes.length} of ${count} connections closed within ${timeoutMs} ms`);
        await sleep(10);
      }
      return closes;
    },
    stop: () => new Promise<void>((resolve) => {
      for (const connection of connections) if (connection.readyState === 'open') connection.close(1001);
      server.close(() => resolve());
    }),
  };
}

/** A raw TCP client that has sent a valid handshake and read the 101. */
async function rawUpgraded(port: number): Promise<{ socket: Socket; received: Buffer[]; ended: Promise<void> }> {
  const socket = netConnect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  const received: Buffer[] = [];
  const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  await new Promise<void>((resolve) => {
    socket.on('data', (chunk) => {
      received.push(chunk);
      if (Buffer.concat(received).includes('\r\n\r\n')) resolve();
    });
    socket.write(createClientHandshake({ url: `ws://127.0.0.1:${port}/raw` }).request);
  });
  return { socket, received, ended };
}

describe('wsframe/node handleUpgrade on an http server', () => {
  let http: HttpServer;
  let url: string;
  const closes: CloseInfo[] = [];
  beforeAll(async () => {
    http = createHttpServer((_, response) => response.end('not a websocket\n'));
    http.on('upgrade', (request, socket, head) => {
      const connection = handleUpgrade(request, socket, head, {
        origins: (origin) => origin !== 'https://evil.example',
        protocols: ['chat'],
        onRequest: (handshake) => (handshake.resource === '/private' ? { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } } : undefined),
      }, (ws) => ws.on('message', (data) => ws.send(data)));
      void connection.closed.then((info) => closes.push(info));
    });
    url = `ws://127.0.0.1:${await listening(http)}`;
  });
  afterAll(() => new Promise<void>((resolve) => http.close(() => resolve())));

  it('echoes ws messages with the subprotocol agreed, and ends cleanly with the client code', async () => {
    const ws = new WebSocket(`${url}/chat`, ['chat']);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    expect(ws.protocol).toBe('chat');
    const echoed = new Promise<string>((resolve) => ws.once('message', (data) => resolve(String(data))));
    ws.send('hé ✓');
    expect(await echoed).toBe('hé ✓');
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.close(4001, 'bye');
    expect(await closed).toBe(4001);
    await sleep(50);
    expect(closes.at(-1)).toEqual({ code: 4001, reason: 'bye', wasClean: true });
  });

  it('refuses with the right status: 403 for a refused origin, 401 from onRequest, 426 for version 8', async () => {
    const status = (options: ConstructorParameters<typeof WebSocket>[2], path = '/') => new Promise<number>((resolve) => {
      const ws = new WebSocket(`${url}${path}`, options);
      ws.on('unexpected-response', (_, response) => resolve(response.statusCode ?? 0));
      ws.on('error', () => {});
    });
    expect(await status({ origin: 'https://evil.example' })).toBe(403);
    expect(await status({}, '/private')).toBe(401);
    expect(await status({ protocolVersion: 8 })).toBe(426);
  });

  it('our client: refused with 403, opened rejects with the HandshakeError and closes with 1006', async () => {
    const client = connect(`${url}/`, { origin: 'https://evil.example' });
    const error = await client.opened.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HandshakeError);
    expect((error as HandshakeError).status).toBe(403);
    expect((await client.closed).code).toBe(1006);
  });
});

describe('application mistakes never escape into the socket callbacks (review findings)', () => {
  it('handleUpgrade with an onRequest naming a subprotocol the client did not offer: 500, and a throwing listener: 1011', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    const closes: CloseInfo[] = [];
    const http = createHttpServer();
    http.on('upgrade', (request, socket, head) => {
      const path = request.url ?? '/';
      const connection = handleUpgrade(request, socket, head, {
        onRequest: () => (path === '/bad-answer' ? { protocol: 'chat' } : undefined),
      }, (ws) => ws.on('message', () => {
        throw new Error('listener boom');
      }));
      void connection.closed.then((info) => closes.push(info));
    });
    const url = `ws://127.0.0.1:${await listening(http)}`;
    try {
      const refused = connect(`${url}/bad-answer`);
      expect(((await refused.opened.catch((error: unknown) => error)) as HandshakeError).status).toBe(500);
      const client = connect(`${url}/throws`);
      await client.opened;
      client.send('hi');
      expect(await client.closed).toMatchObject({ code: 1011, wasClean: true });
      await sleep(50);
      expect(closes.map((info) => info.code).sort()).toEqual([1006, 1011]);
      expect(closes.find((info) => info.code === 1006)?.error).toBeInstanceOf(RangeError);
      expect(closes.find((info) => info.code === 1011)?.error?.message).toBe('listener boom');
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  });
});

describe('wss with ws as the peer, both directions (a self-signed certificate made with openssl)', () => {
  let certificate: SelfSignedCertificate;
  beforeAll(() => {
    certificate = makeSelfSignedCertificate();
  });

  it('ws client → our https server through handleUpgrade', async () => {
    const https = createHttpsServer(certificate);
    https.on('upgrade', (request, socket, head) => handleUpgrade(request, socket, head, {}, (ws) => ws.on('message', (data) => ws.send(data))));
    const port = await listening(https);
    try {
      const ws = new WebSocket(`wss://localhost:${port}/`, { ca: certificate.cert });
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      const echoed = new Promise<Buffer>((resolve) => ws.once('message', (data) => resolve(data as Buffer)));
      ws.send(Buffer.alloc(100_000, 7));
      expect((await echoed).equals(Buffer.alloc(100_000, 7))).toBe(true);
      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      ws.close(1000);
      expect(await closed).toBe(1000);
    } finally {
      https.closeAllConnections();
      await new Promise((resolve) => https.close(resolve));
    }
  });

  it('our client → ws server on https, TLS options passed through; an untrusted certificate ends with 1006 and the TLS error', async () => {
    const https = createHttpsServer(certificate);
    const wss = new WebSocketServer({ server: https });
    wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
    const port = await listening(https);
    try {
      const client = connect(`wss://localhost:${port}/`, { tls: { ca: certificate.cert } });
      const got = new Promise<string | Uint8Array>((resolve) => client.on('message', resolve));
      await client.opened;
      client.send('over TLS ✓');
      expect(await got).toBe('over TLS ✓');
      client.close(1000);
      expect(await client.closed).toMatchObject({ code: 1000, wasClean: true });

      const untrusted = connect(`wss://localhost:${port}/`);
      const info = await untrusted.closed;
      expect(info.code).toBe(1006);
      expect((info.error as NodeJS.ErrnoException).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
      await expect(untrusted.opened).rejects.toBe(info.error);
    } finally {
      wss.close();
      https.closeAllConnections();
      await new Promise((resolve) => https.close(resolve));
    }
  });
});

describe('hostile peers against handleSocket (short timeouts)', () => {
  it('a frame trickled one byte at a time after the upgrade: dropped by keepalive (1006, pong), the process lives', async () => {
    const server = await startServer({ pingInterval: 150, pongTimeout: 150 });
    const { socket, ended } = await rawUpgraded(server.port);
    const frame = encodeFrame({ opcode: 0x1, payload: new Uint8Array(100).fill(0x61), maskingKey: KEY });
    let sent = 0;
    const trickle = setInterval(() => {
      if (sent < frame.length && !socket.destroyed) socket.write(frame.subarray(sent, ++sent));
    }, 20);
    try {
      const [info] = await server.waitForCloses(1, 5_000);
      expect(info).toMatchObject({ code: 1006, wasClean: false, timeout: 'pong' });
      await ended;
      expect(sent).toBeLessThan(frame.length);
    } finally {
      clearInterval(trickle);
      await server.stop();
    }
  });

  it('a slow-loris handshake (one byte every 20 ms): 408 after handshakeTimeout, close 1006 "handshake"', async () => {
    const server = await startServer({ handshakeTimeout: 300 });
    const socket = netConnect({ host: '127.0.0.1', port: server.port });
    socket.on('error', () => {});
    const received: Buffer[] = [];
    socket.on('data', (chunk) => received.push(chunk));
    const ended = new Promise((resolve) => socket.on('close', resolve));
    const request = createClientHandshake({ url: `${server.url}/` }).request;
    let sent = 0;
    const trickle = setInterval(() => {
      if (sent < request.length && !socket.destroyed) socket.write(request.subarray(sent, ++sent));
    }, 20);
    try {
      const [info] = await server.waitForCloses(1, 5_000);
      expect(info).toMatchObject({ code: 1006, wasClean: false, timeout: 'handshake' });
      expect((info.error as HandshakeError).status).toBe(408);
      await ended;
      expect(Buffer.concat(received).toString('latin1')).toMatch(/^HTTP\/1\.1 408 /);
      expect(sent).toBeLessThan(request.length);
    } finally {
      clearInterval(trickle);
      await server.stop();
    }
  });

  it('a peer that never answers pings: 1006 "pong" after pingInterval + pongTimeout, TCP closed', async () => {
    const server = await startServer({ pingInterval: 100, pongTimeout: 100 });
    const { received, ended } = await rawUpgraded(server.port);
    const started = Date.now();
    const [info] = await server.waitForCloses(1, 5_000);
    expect(info).toMatchObject({ code: 1006, timeout: 'pong' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    await ended;
    // After the 101: the ping (0x89 0x00) and no close frame (the peer is gone: RFC 6455 §7.1.1 closes TCP).
    const after = Buffer.concat(received);
    expect(after.subarray(after.indexOf('\r\n\r\n') + 4)).toEqual(Buffer.from([0x89, 0x00]));
    await server.stop();
  });

  it('a client that resets mid-frame: 1006 with ECONNRESET in closeInfo.error, never an unhandled error', async () => {
    const server = await startServer();
    const { socket } = await rawUpgraded(server.port);
    const frame = encodeFrame({ opcode: 0x2, payload: new Uint8Array(1000), maskingKey: KEY });
    socket.write(frame.subarray(0, 500));
    await sleep(20);
    socket.resetAndDestroy();
    const [info] = await server.waitForCloses(1);
    // On loopback the RST arrives while the server still reads: read(2) fails with ECONNRESET.
    expect(info).toMatchObject({ code: 1006, wasClean: false, reason: '' });
    expect((info.error as NodeJS.ErrnoException | undefined)?.code).toBe('ECONNRESET');
    await server.stop();
  });

  it('2,000 idle upgraded connections are all dropped by keepalive (1006 "pong") and their sockets closed', async () => {
    const COUNT = 2000;
    const server = await startServer({ pingInterval: 300, pongTimeout: 300 });
    const sockets: Socket[] = [];
    // In batches of 200: a loopback SYN backlog of 2,000 at once overflows the listen queue.
    for (let batch = 0; batch < COUNT; batch += 200) {
      const opened = await Promise.all(Array.from({ length: 200 }, () => rawUpgraded(server.port)));
      sockets.push(...opened.map((peer) => peer.socket));
    }
    expect(sockets.length).toBe(COUNT);
    const closes = await server.waitForCloses(COUNT, 20_000);
    expect(closes.every((info) => info.code === 1006 && info.timeout === 'pong')).toBe(true);
    await sleep(100);
    expect(sockets.every((socket) => socket.destroyed || socket.readableEnded)).toBe(true);
    for (const socket of sockets) socket.destroy();
    await server.stop();
  }, 60_000);

  it('a peer that never reads: the server stops reading at the high-water mark, its buffer stays bounded', async () => {
    const HIGH_WATER_MARK = 64 * 1024;
    const MESSAGE = 16 * 1024;
    const server = await startServer({ highWaterMark: HIGH_WATER_MARK, pingInterval: Number.POSITIVE_INFINITY });
    const { socket } = await rawUpgraded(server.port);
    socket.pause();
    const frame = encodeFrame({ opcode: 0x2, payload: new Uint8Array(MESSAGE), maskingKey: KEY });
    let written = 0;
    let peak = 0;
    const connection = server.connections[0];
    // Write (respecting our own socket's backpressure) until nothing more goes through for 500 ms.
    for (let idle = 0; idle < 50;) {
      if (socket.writableLength < 1024 * 1024) {
        socket.write(frame);
        written += frame.length;
        idle = 0;
      } else {
        idle++;
        await sleep(10);
      }
      peak = Math.max(peak, connection.bufferedAmount);
      if (written > 256 * 1024 * 1024) break;
    }
    // The server's userland buffer: at most the mark plus one echoed message (the rest is in kernel buffers).
    expect(peak).toBeLessThanOrEqual(HIGH_WATER_MARK + MESSAGE + 64);
    expect(written).toBeLessThan(256 * 1024 * 1024);
    console.log(`never-reading peer: wrote ${(written / 1024 / 1024).toFixed(1)} MiB before the server stopped reading; server buffered peak ${(peak / 1024).toFixed(1)} KiB (mark ${HIGH_WATER_MARK / 1024} KiB)`);
    socket.destroy();
    const [info] = await server.waitForCloses(1);
    expect(info.code).toBe(1006);
    await server.stop();
  });
});
