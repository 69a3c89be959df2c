/**
 * Interop with the WebSocket API clients: Chromium's own `WebSocket` in a page (Debian's
 * /usr/bin/chromium driven headless by playwright-core) and Node's built-in `WebSocket`
 * (`node --experimental-websocket`), both against the example echo server. Node-only: a browser
 * and child processes. The WebSocket API can send neither pings nor fragments; what it can send
 * is checked on both sides.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXCHANGE_SIZES } from '../examples/echo-client.ts';
import { cleanClose, expectedDigests, lastJson, runProcess, startEchoServer, type RunningEchoServer } from './_interop.ts';
import { browserExchange, type BrowserExchangeReport } from './interop/browser-exchange.js';

// The unfragmented messages of the exchange: binary then text at each boundary size.
const EXPECTED = expectedDigests().slice(0, 2 * EXCHANGE_SIZES.length);

describe('the WebSocket API clients against the example echo server', () => {
  let server: RunningEchoServer;
  let http: Server;
  let pageUrl: string;
  beforeAll(async () => {
    server = await startEchoServer();
    http = createServer((_, response) => response.end('<!doctype html><title>wsframe interop</title>'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    pageUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
    await server.stop();
  });

  it("Chromium's WebSocket gets every boundary-size and UTF-8 message back exactly and its close code and reason echoed", async () => {
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({
        executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
        timeout: 30_000,
        // playwright-core itself adds a fresh temporary --user-data-dir (and refuses one given here).
        args: [
          '--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run',
          '--disable-background-networking', '--disable-component-update', '--disable-sync',
        ],
      });
      const page = await browser.newPage();
      page.setDefaultTimeout(20_000);
      // A page from http://127.0.0.1 is a secure context (crypto.subtle); about:blank is not.
      await page.goto(pageUrl);
      const close = { code: 4004, reason: 'bye ✓ from chromium' };
      const call = `(${browserExchange.toString()})(${JSON.stringify(`${server.url}/chromium`)}, ${JSON.stringify(close)})`;
      const report = await page.evaluate<BrowserExchangeReport>(call);
      expect(report.echoes.map((echo) => echo.digest)).toEqual(EXPECTED);
      expect(report.echoes.every((echo) => echo.ok)).toBe(true);
      expect(report.close).toEqual({ ...close, wasClean: true });
      const closes = await server.waitForCloses(1);
      expect(closes[closes.length - 1]).toMatchObject(cleanClose(close.code, close.reason));
    } finally {
      await browser?.close();
    }
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
