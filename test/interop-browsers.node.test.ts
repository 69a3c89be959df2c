/**
 * Interop with the WebSocket API clients: Chromium's own `WebSocket` in a page (Debian's
 * /usr/bin/chromium driven headless by playwright-core) and Node's built-in `WebSocket`
 * (`node --experimental-websocket`), both against the example echo server. Node-only: a browser
 * and child processes. The WebSocket API can send neither pings nor fragments; what it can send
 * is checked on both sides.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchangeMessages } from '../examples/echo-client.ts';
import {
  cleanClose, expectedDigests, lastJson, runChromiumExchange, runProcess, startEchoServer, type RunningEchoServer,
} from './_interop.ts';
import { requirePeer } from './_peers.ts';
import type { BrowserExchangeReport } from './interop/browser-exchange.js';

// The unfragmented messages of the exchange (a WebSocket API client cannot send fragments).
const withChromium = requirePeer('chromium');
const EXPECTED = expectedDigests(exchangeMessages().filter((message) => message.maxFrameLength === undefined));

describe('the WebSocket API clients against the example echo server', () => {
  let server: RunningEchoServer;
  beforeAll(async () => {
    // Uncompressed: Chromium offers permessage-deflate, declined here (interop-deflate accepts it).
    server = await startEchoServer({ deflate: false });
  });
  afterAll(() => server.stop());

  withChromium.it("Chromium's WebSocket gets every boundary-size and UTF-8 message back exactly and its close code and reason echoed", async () => {
    const close = { code: 4004, reason: 'bye ✓ from chromium' };
    const report = await runChromiumExchange(`${server.url}/chromium`, close);
    expect(report.echoes.map((echo) => echo.digest)).toEqual(EXPECTED);
    expect(report.echoes.every((echo) => echo.ok)).toBe(true);
      expect(report.close).toEqual({ code: close.code, reason: close.reason, wasClean: true });
    const closes = await server.waitForCloses(1);
    expect(closes[closes.length - 1]).toMatchObject(cleanClose(close.code, close.reason));
  });

  it("Node's built-in WebSocket gets every boundary-size and UTF-8 message back exactly and its close code and reason echoed", async () => {
    const before = server.closes.length;
    const script = fileURLToPath(new URL('./interop/node-websocket-client.mjs', import.meta.url));
    const result = await runProcess(process.execPath, ['--experimental-websocket', script, `${server.url}/node`], { timeoutMs: 30_000 });
    expect(result.code, result.stderr).toBe(0);
    const report = lastJson<BrowserExchangeReport>(result);
    expect(report.echoes.map((echo) => echo.digest)).toEqual(EXPECTED);
    expect(report.echoes.every((echo) => echo.ok)).toBe(true);
    expect(report.close).toEqual({ code: 4003, reason: 'bye ✓ from node', wasClean: true });
    const closes = await server.waitForCloses(before + 1);
    expect(closes[before]).toMatchObject(cleanClose(4003, 'bye ✓ from node'));
  });
});
