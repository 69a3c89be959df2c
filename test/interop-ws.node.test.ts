/**
 * Interop with `ws` (npm): `ws` as client against the example echo server, and as server against
 * the example echo client. Node-only: sockets. Both sides check what they received.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { EXCHANGE_CLOSE, runExchange } from '../examples/echo-client.ts';
import { cleanClose, expectedDigests, startEchoServer, type RunningEchoServer } from './_interop.ts';
import { once, runWsClientExchange, startWsEchoServer } from './_interop-ws.ts';

const CLOSE_REASON = 'bye ✓ from ws';

describe('ws as client against the example echo server', () => {
  let server: RunningEchoServer;
  beforeAll(async () => {
    server = await startEchoServer();
  });
  afterAll(() => server.stop());

  it('gets every boundary-size, UTF-8 and fragmented message back exactly, a pong for its ping, and its close code echoed', async () => {
    // Uncompressed (ws offers permessage-deflate by default); interop-deflate covers compression.
    await runWsClientExchange(`${server.url}/ws-client`, { code: 4001, reason: CLOSE_REASON }, false);
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
    expect(closes[1]).toMatchObject({ code: 1007, wasClean: false, error: { code: 'INVALID_UTF8' } });
  });
});

describe('ws as server against the example echo client', () => {
  it('echoes the whole exchange in fragments; both sides see exact messages, a pong and the close 4000', async () => {
    const peer = await startWsEchoServer(false);
    try {
      const result = await runExchange(`${peer.url}/echo`);
      expect(result.steps.filter((step) => !step.ok)).toEqual([]);
      expect(result.ok).toBe(true);
      expect(result.close).toMatchObject({ wasClean: true, ...EXCHANGE_CLOSE });
      expect(result.deflate).toBeUndefined();
      expect(await peer.report).toEqual({ received: expectedDigests(), pong: 'ping ✓ from ws server', close: EXCHANGE_CLOSE, extensions: '' });
    } finally {
      await peer.stop();
    }
  });
});
