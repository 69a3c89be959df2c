/**
 * examples/deno-echo-server.ts under Deno (node_modules/.bin/deno): `wsframe/streams` on
 * `Deno.listen`, answering `ws` (the whole exchange, fragments and a ping included) and
 * Chromium's WebSocket. Node-only: child processes and a browser.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchangeMessages } from '../examples/echo-client.ts';
import { expectedDigests, runChromiumExchange, runProcess } from './_interop.ts';
import { runWsClientExchange } from './_interop-ws.ts';
import { requirePeer } from './_peers.ts';

const DENO = fileURLToPath(new URL('../node_modules/.bin/deno', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../examples/deno-echo-server.ts', import.meta.url));
const withChromium = requirePeer('chromium');

describe('the Deno echo server (wsframe/streams on Deno.listen)', () => {
  let child: ChildProcess | undefined;
  let exited: Promise<unknown>;
  let url: string;
  beforeAll(async () => {
    url = await new Promise<string>((resolve, reject) => {
      exited = runProcess(DENO, ['run', '--allow-net', '--allow-read', '--allow-env', EXAMPLE, '--port', '0'], {
        timeoutMs: 120_000,
        onStart: (started) => (child = started),
        onLine: (line) => {
          const found = /listening on (ws:\/\/\S+?)\/?$/.exec(line)?.[1];
          if (found !== undefined) resolve(found);
        },
      }).then((result) => reject(new Error(`deno exited early (${result.code}): ${result.stderr}`)));
    });
  }, 120_000);
  afterAll(async () => {
    child?.kill('SIGTERM');
    await exited.catch(() => {});
  });

  it('echoes the whole exchange to ws (boundary sizes, UTF-8, fragments, compressed), answers its ping and echoes its close code', async () => {
    const extensions = await runWsClientExchange(`${url}/ws`, { code: 4001, reason: 'bye ✓ from ws' }, { threshold: 0 });
    expect(extensions).toBe('permessage-deflate');
  });

  withChromium.it("echoes Chromium's WebSocket exactly and closes cleanly with its code", async () => {
    const report = await runChromiumExchange(`${url}/chromium`, { code: 4004, reason: 'bye' });
    expect(report.echoes.map((echo) => echo.digest)).toEqual(expectedDigests(exchangeMessages().filter((message) => message.maxFrameLength === undefined)));
    expect(report.echoes.every((echo) => echo.ok)).toBe(true);
    expect(report.close).toEqual({ code: 4004, reason: 'bye', wasClean: true });
  });
});
