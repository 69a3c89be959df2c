/**
 * Interop with permessage-deflate (RFC 7692): the example echo server and client, compressing,
 * against `ws` (client and server), Python `websockets` (client and server) and Chromium, with
 * context takeover and without it. Every connection goes through a relay (test/_wire-tap.ts)
 * that checks, independently of both ends, what crossed the wire: permessage-deflate agreed in
 * the handshake, RSV1 on the first frame of every data message and on no other frame, each
 * direction's messages inflating (within the negotiated window) to exactly the exchange, and
 * context takeover visible in the sizes: the second of two identical 2000-byte random messages
 * compresses to a few bytes with it and to the full length without it. The peers check what
 * they received too. Node-only: sockets, child processes, a browser.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EXCHANGE_CLOSE, REPEATED_LENGTH, exchangeMessages, randomBytes, runExchange, type ExchangeOptions,
} from '../examples/echo-client.ts';
import {
  cleanClose, digest, expectedDigests, lastJson, runChromiumExchange, PYTHON, runProcess, startEchoServer,
  type PeerServerReport, type RunningEchoServer,
} from './_interop.ts';
import { runWsClientExchange, startWsEchoServer } from './_interop-ws.ts';
import { requirePeer } from './_peers.ts';
import { startWireTap, type WireConnection, type WireDirection, type WireTap } from './_wire-tap.ts';

const PEER = fileURLToPath(new URL('./interop/websockets_peer.py', import.meta.url));
const withPython = requirePeer('python3-websockets');
const withChromium = requirePeer('chromium');
/** The example's deflate settings here: compress every message, however small. */
const COMPRESS_ALL = { threshold: 0 } as const;
const REPEATED = `binary ${REPEATED_LENGTH} ${digest(randomBytes(REPEATED_LENGTH, 3))}`;
const WINDOW_TEXT = expectedDigests(exchangeMessages().filter((message) => message.name.startsWith('text: 8000 random')))[0];

/**
 * What one direction carried, as the relay saw it: the exchange's messages (`expected`), each
 * compressed (RSV1 on its first frame only), control frames never; with `takeover` the second
 * of the repeated pair costs under a tenth of the first, without it at least 90% of its length
 * (random bytes do not compress on their own); with a 32 KiB window, a text repeated 11 KB later
 * costs well under half its length.
 */
function expectCompressed(direction: WireDirection, expected: string[], takeover: boolean, windowBits: number): void {
  expect(direction.error).toBeUndefined();
  expect(direction.messages.map((message) => message.digest)).toEqual(expected);
  expect(direction.messages.filter((message) => !message.rsv1)).toEqual([]);
  const laterFrames = direction.frames.filter((frame) => frame.opcode === 0 || frame.opcode >= 8);
  expect(laterFrames.filter((frame) => frame.rsv1)).toEqual([]);
  const first = direction.messages.findIndex((message) => message.digest === REPEATED);
  const [once, again] = direction.messages.slice(first, first + 2);
  expect(again.digest).toBe(REPEATED);
  expect(once.wireLength).toBeGreaterThan(REPEATED_LENGTH * 0.9);
  if (takeover) expect(again.wireLength).toBeLessThan(REPEATED_LENGTH / 10);
  else expect(again.wireLength).toBeGreaterThan(REPEATED_LENGTH * 0.9);
  if (windowBits === 15) {
    const text = direction.messages.find((message) => message.digest === WINDOW_TEXT)!;
    expect(text.wireLength).toBeLessThan(Number(WINDOW_TEXT.split(' ')[1]) / 4);
  }
}

/** Both directions of an echoed exchange: each carried `expected`, compressed. */
function expectCompressedEcho(connection: WireConnection, expected: string[], takeover: { client: boolean; server: boolean }): void {
  expect(connection.offered).toMatch(/^permessage-deflate\b/);
  expect(connection.accepted).toMatch(/^permessage-deflate\b/);
  const params = connection.deflate!;
  expect({ client: !params.clientNoContextTakeover, server: !params.serverNoContextTakeover }).toEqual(takeover);
  expectCompressed(connection.client, expected, takeover.client, params.clientMaxWindowBits);
  expectCompressed(connection.server, expected, takeover.server, params.serverMaxWindowBits);
}

describe('compressing peers against the example echo server (permessage-deflate accepted, every message compressed)', () => {
  let server: RunningEchoServer;
  let tap: WireTap;
  let relayed = 0;
  beforeAll(async () => {
    server = await startEchoServer({ deflate: COMPRESS_ALL });
    tap = await startWireTap(server.url);
  });
  afterAll(async () => {
    await tap.stop();
    await server.stop();
  });
  /** The next connection the relay saw, and the echo server's record of its close. */
  const nextConnection = async () => {
    relayed++;
    const connections = await tap.connections(relayed);
    const closes = await server.waitForCloses(relayed);
    return { wire: connections[relayed - 1], close: closes[relayed - 1] };
  };

  it('ws (perMessageDeflate, threshold 0), with context takeover', async () => {
    const close = { code: 4001, reason: 'bye ✓ from ws' };
    const negotiated = await runWsClientExchange(`${tap.url}/ws`, close, { threshold: 0 });
    expect(negotiated).toBe('permessage-deflate');
    const { wire, close: info } = await nextConnection();
    expect(info).toMatchObject(cleanClose(close.code, close.reason));
    expectCompressedEcho(wire, expectedDigests(), { client: true, server: true });
  });

  it('ws asking for server_no_context_takeover and client_no_context_takeover', async () => {
    const close = { code: 4001, reason: 'bye ✓ from ws' };
    await runWsClientExchange(`${tap.url}/ws`, close, { threshold: 0, serverNoContextTakeover: true, clientNoContextTakeover: true });
    const { wire, close: info } = await nextConnection();
    expect(info).toMatchObject(cleanClose(close.code, close.reason));
    expect(wire.accepted).toBe('permessage-deflate; server_no_context_takeover; client_no_context_takeover');
    expectCompressedEcho(wire, expectedDigests(), { client: false, server: false });
  });

  for (const mode of ['deflate', 'no-context-takeover'] as const) {
    withPython.it(`Python websockets (${mode === 'deflate' ? 'its default compression' : 'asking for no context takeover both ways'})`, async () => {
      const result = await runProcess(PYTHON, [PEER, 'client', `${tap.url}/python`, mode], { timeoutMs: 60_000 });
      const report = lastJson<{ echoes: Array<{ ok: boolean; digest: string }>; pong: boolean; close: object; extensions: string }>(result);
      expect(result.code, result.stderr).toBe(0);
      expect(report.echoes.map((echo) => echo.digest)).toEqual(expectedDigests());
      expect(report.echoes.every((echo) => echo.ok)).toBe(true);
      expect(report.pong).toBe(true);
          expect(report.close).toEqual({ code: 4002, reason: 'bye ✓ from python' });
      expect(report.extensions).toMatch(/^permessage-deflate\b/);
      const { wire, close } = await nextConnection();
      expect(close).toMatchObject(cleanClose(4002, 'bye ✓ from python'));
      const takeover = mode === 'deflate';
      expectCompressedEcho(wire, expectedDigests(), { client: takeover, server: takeover });
    });
  }

  withChromium.it("Chromium's WebSocket (offers permessage-deflate; client_max_window_bits)", async () => {
    const close = { code: 4004, reason: 'bye ✓ from chromium' };
    const report = await runChromiumExchange(`${tap.url}/chromium`, close);
    const expected = expectedDigests(exchangeMessages().filter((message) => message.maxFrameLength === undefined));
    expect(report.echoes.map((echo) => echo.digest)).toEqual(expected);
    expect(report.echoes.every((echo) => echo.ok)).toBe(true);
      expect(report.close).toEqual({ code: close.code, reason: close.reason, wasClean: true });
    const { wire, close: info } = await nextConnection();
    expect(info).toMatchObject(cleanClose(close.code, close.reason));
    expect(wire.offered).toBe('permessage-deflate; client_max_window_bits');
    expectCompressedEcho(wire, expected, { client: true, server: true });
  });
});

describe('the example echo client (offering permessage-deflate, compressing every message) against compressing servers', () => {
  /** Runs the exchange through a relay to `url`; checks our side and returns the relay's record. */
  async function exchangeThrough(url: string, deflate: ExchangeOptions['deflate']): Promise<{ wire: WireConnection; params: object }> {
    const tap = await startWireTap(url);
    try {
      const result = await runExchange(`${tap.url}/echo`, { deflate, timeoutMs: 20_000 });
      expect(result.steps.filter((step) => !step.ok)).toEqual([]);
      expect(result.close).toMatchObject({ wasClean: true, ...EXCHANGE_CLOSE });
      expect(result.deflate).toBeDefined();
      const [wire] = await tap.connections(1);
      return { wire, params: result.deflate! };
    } finally {
      await tap.stop();
    }
  }
  const received = (report: PeerServerReport) => ({ received: report.received, close: report.close });

  it('ws server (perMessageDeflate, threshold 0), with context takeover', async () => {
    const peer = await startWsEchoServer({ threshold: 0 });
    try {
      const { wire } = await exchangeThrough(peer.url, COMPRESS_ALL);
      const report = await peer.report;
      expect(report).toMatchObject({ received: expectedDigests(), pong: 'ping ✓ from ws server', close: EXCHANGE_CLOSE });
      expect(report.extensions).toBe('permessage-deflate');
      expectCompressedEcho(wire, expectedDigests(), { client: true, server: true });
    } finally {
      await peer.stop();
    }
  });

  it('ws server requiring server_no_context_takeover and client_no_context_takeover', async () => {
    const peer = await startWsEchoServer({ threshold: 0, serverNoContextTakeover: true, clientNoContextTakeover: true });
    try {
      const { wire, params } = await exchangeThrough(peer.url, COMPRESS_ALL);
      expect(params).toMatchObject({ serverNoContextTakeover: true, clientNoContextTakeover: true });
      expect(received(await peer.report)).toEqual({ received: expectedDigests(), close: EXCHANGE_CLOSE });
      expectCompressedEcho(wire, expectedDigests(), { client: false, server: false });
    } finally {
      await peer.stop();
    }
  });

  for (const mode of ['deflate', 'no-context-takeover'] as const) {
    withPython.it(`Python websockets server (${mode === 'deflate' ? 'its default: windows of 12 bits' : 'requiring no context takeover both ways'})`, async () => {
      let exchange: ReturnType<typeof exchangeThrough> | undefined;
      const peer = runProcess(PYTHON, [PEER, 'server', mode], {
        timeoutMs: 60_000,
        onLine: (line) => {
          const port = /^listening (\d+)$/.exec(line)?.[1];
          if (port !== undefined) exchange = exchangeThrough(`ws://127.0.0.1:${port}`, COMPRESS_ALL);
        },
      });
      const result = await peer;
      expect(exchange, result.stderr).toBeDefined();
      const { wire, params } = await exchange!;
      expect(result.code, result.stderr).toBe(0);
      const report = lastJson<PeerServerReport & { extensions: string }>(result);
      expect(report).toMatchObject({ received: expectedDigests(), pong: 'ping ✓ from python server', close: EXCHANGE_CLOSE });
      expect(report.extensions).toMatch(/^permessage-deflate\b/);
      if (mode === 'deflate') expect(params).toMatchObject({ serverMaxWindowBits: 12, clientMaxWindowBits: 12 });
      const takeover = mode === 'deflate';
      expectCompressedEcho(wire, expectedDigests(), { client: takeover, server: takeover });
    });
  }
});
