/**
 * `wsframe har`: the _webSocketMessages of a HAR file. A HAR recorded from Chromium against the
 * example echo server with playwright-core's recordHar (re-recorded here when Chromium is there;
 * the committed copy test/fixtures/websocket-echo-chromium.har, written by
 * `UPDATE_GOLDEN=1 npx vitest run test/cli-har.node.test.ts`, has golden outputs), and hand-made
 * entries for every verdict, in Chrome DevTools' form (times in seconds).
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, requirePeer } from './_peers.ts';
import { startEchoServer } from './_interop.ts';
import { cli } from './_cli.ts';
import { expectGolden } from './_golden.ts';

const folder = mkdtempSync(join(tmpdir(), 'wsframe-har-'));
const FIXTURE = new URL('./fixtures/websocket-echo-chromium.har', import.meta.url).pathname;

/** Chromium's WebSocket against the echo server, recorded with recordHar into `path`. */
async function recordHar(path: string): Promise<void> {
  const echo = await startEchoServer();
  const http = createServer((_, response) => response.end('<!doctype html><title>wsframe har</title>'));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({
    executablePath: CHROMIUM, timeout: 30_000,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const context = await browser.newContext({ recordHar: { path, content: 'embed' } });
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`);
    await page.evaluate(async (target) => {
      const ws = new WebSocket(target);
      ws.binaryType = 'arraybuffer';
      await new Promise((resolve) => (ws.onopen = resolve));
      for (const message of ['Hello, κόσμε 😀', new Uint8Array(16).map((_, i) => i), 'x'.repeat(300)]) {
        ws.send(message);
        await new Promise((resolve) => (ws.onmessage = resolve));
      }
      ws.close(4000, 'bye ✓ from chromium');
      await new Promise((resolve) => (ws.onclose = resolve));
    }, `${echo.url}/har`);
    await context.close();
  } finally {
    await browser.close();
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
    await echo.stop();
  }
}

const chromiumPeer = requirePeer('chromium');

describe('wsframe har', () => {
  chromiumPeer.it('reads a HAR that Chromium recorded through Playwright: every message, in order, each way', async () => {
    const path = process.env.UPDATE_GOLDEN === '1' ? FIXTURE : join(folder, 'recorded.har');
    await recordHar(path);
    const { code, stdout } = await cli(['har', path, '--format', 'ndjson']);
    expect(code).toBe(0);
    const records = stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(records[0]).toMatchObject({ type: 'connection', stream: 0, resource: '/har', status: 101, extensions: 'permessage-deflate', acceptValid: true });
    expect(records.slice(1).map((r) => `${r.from} ${r.kind} ${r.length}`)).toEqual([
      'client text 22', 'server text 22', 'client binary 16', 'server binary 16', 'client text 300', 'server text 300',
    ]);
  }, 60_000);

  it('the committed Chromium HAR: text, JSON and --stats goldens', async () => {
    const text = await cli(['har', FIXTURE]);
    expect(text.code).toBe(0);
    expectGolden('har-chromium.txt', text.stdout);
    expectGolden('har-chromium.json', (await cli(['har', FIXTURE, '--format', 'json'])).stdout);
    expectGolden('har-chromium-stats.txt', (await cli(['har', FIXTURE, '--stats'])).stdout);
  });

  const entry = (messages: object[], headers = { key: 'dGhlIHNhbXBsZSBub25jZQ==', accept: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=' }) => ({
    startedDateTime: '2025-01-01T00:00:00.000Z', _resourceType: 'websocket',
    request: { method: 'GET', url: 'wss://example.com/feed?x=1', headers: [{ name: 'Sec-WebSocket-Key', value: headers.key }] },
    response: { status: 101, headers: [{ name: 'Sec-WebSocket-Accept', value: headers.accept }, { name: 'Sec-WebSocket-Protocol', value: 'chat' }] },
    _webSocketMessages: messages,
  });
  const harFile = (name: string, entries: object[]) => {
    const path = join(folder, name);
    writeFileSync(path, JSON.stringify({ log: { version: '1.2', entries: [{ request: { url: 'https://example.com/' }, response: { status: 200 } }, ...entries] } }));
    return path;
  };

  it('gives each message the verdict a message allows (Chrome DevTools form: times in seconds)', async () => {
    const path = harFile('verdicts.har', [entry([
      { type: 'send', time: 1735689600.25, opcode: 1, data: 'ok' },
      { type: 'receive', time: 1735689600.5, opcode: 1, data: 'lone \ud800 surrogate' },
      { type: 'receive', time: 1735689600.75, opcode: 9, data: btoa('p'.repeat(126)) },
      { type: 'send', time: 1735689601, opcode: 8, data: btoa('\x03\xed') },
      { type: 'send', time: 1735689601, opcode: 2, data: 'not base64!' },
      { type: 'send', time: 1735689601, opcode: 3, data: '' },
      { type: 'receive', time: 1735689601.5, opcode: 8, data: btoa('\x03\xe8bye') },
    ])]);
    const { code, stdout } = await cli(['har', path, '--format', 'ndjson']);
    expect(code).toBe(1);
    const records = stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(records[0]).toMatchObject({ type: 'connection', stream: 0, server: 'example.com:443', resource: '/feed?x=1', protocol: 'chat', acceptValid: true, url: 'wss://example.com/feed?x=1', time: 1735689600 });
    expect(records.slice(1).map((r) => r.type === 'error' ? `${r.from} error ${r.closeCode} ${r.code}` : `${r.from} ${r.kind} ${r.time}`)).toEqual([
      'client text 1735689600.25',
      'server text 1735689600.5', 'server error 1007 INVALID_UTF8',
      'server ping 1735689600.75', 'server error 1002 CONTROL_PAYLOAD_TOO_LONG',
      'client close 1735689601', 'client error 1002 INVALID_CLOSE_CODE',
      'client error 0 INVALID_HAR_DATA',
      'client error 1002 RESERVED_OPCODE',
      'server close 1735689601.5',
    ]);
    expect(records.at(-1)).toMatchObject({ code: 1000, reason: 'bye' });
  });

  it('flags a wrong accept value, reads several entries as streams, and refuses what is not a HAR', async () => {
    const path = harFile('two.har', [entry([], { key: 'dGhlIHNhbXBsZSBub25jZQ==', accept: 'AAAA' }), entry([{ type: 'send', time: 1, opcode: 1, data: 'hi' }])]);
    const result = await cli(['har', path]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('stream 0: browser -> example.com:443 GET /feed?x=1 -> 101 protocol=chat extensions=- accept INVALID');
    expect((await cli(['har', path, '--stream', '1'])).code).toBe(0);
    expect(await cli(['har', harFile('none.har', [])])).toMatchObject({ code: 2, stderr: 'wsframe: no WebSocket entry in the HAR file\n' });
    const notJson = join(folder, 'x.har');
    writeFileSync(notJson, '{"log":');
    expect((await cli(['har', notJson])).code).toBe(2);
    writeFileSync(notJson, '{"entries":[]}');
    expect(await cli(['har', notJson])).toMatchObject({ code: 2, stderr: 'wsframe: not a HAR file: no log.entries\n' });
  });
});
