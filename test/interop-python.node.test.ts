/**
 * Interop with Python `websockets` (Debian's python3-websockets, run with /usr/bin/python3) as
 * client against the example echo server and as server against the example echo client.
 * Node-only: sockets and child processes. Both sides check what they received.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EXCHANGE_CLOSE, exchangeMessages, runExchange } from '../examples/echo-client.ts';
import {
  cleanClose, expectedDigests, lastJson, PYTHON, runProcess, startEchoServer, type PeerServerReport, type RunningEchoServer,
} from './_interop.ts';
import { requirePeer } from './_peers.ts';

const PEER = fileURLToPath(new URL('./interop/websockets_peer.py', import.meta.url));
const { describe } = requirePeer('python3-websockets');

describe('Python websockets as client against the example echo server', () => {
  let server: RunningEchoServer;
  beforeAll(async () => {
    server = await startEchoServer();
  });
  afterAll(() => server.stop());

  it('gets every boundary-size, UTF-8 and fragmented message back exactly, a pong, and its close code and reason echoed', async () => {
    const result = await runProcess(PYTHON, [PEER, 'client', `${server.url}/python`], { timeoutMs: 30_000 });
    const report = lastJson<{
      echoes: Array<{ name: string; ok: boolean; digest: string }>;
      pong: boolean;
      close: { code: number; reason: string };
    }>(result);
    expect(result.code).toBe(0);
    expect(report.echoes.map((echo) => echo.digest)).toEqual(expectedDigests());
    expect(report.echoes.every((echo) => echo.ok)).toBe(true);
    expect(report.echoes).toHaveLength(exchangeMessages().length);
    expect(report.pong).toBe(true);
      expect(report.close).toEqual({ code: 4002, reason: 'bye ✓ from python' });
    const [info] = await server.waitForCloses(1);
    expect(info).toMatchObject(cleanClose(4002, 'bye ✓ from python'));
  });
});

describe('Python websockets as server against the example echo client', () => {
  it('echoes the exchange (big messages fragmented); both sides see exact messages, a pong and the close 4000', async () => {
    let exchange: ReturnType<typeof runExchange> | undefined;
    const peer = runProcess(PYTHON, [PEER, 'server'], {
      timeoutMs: 30_000,
      onLine: (line) => {
        const port = /^listening (\d+)$/.exec(line)?.[1];
        if (port !== undefined) exchange = runExchange(`ws://127.0.0.1:${port}/echo`);
      },
    });
    const result = await peer;
    expect(exchange, result.stderr).toBeDefined();
    const client = await exchange!;
    expect(client.steps.filter((step) => !step.ok)).toEqual([]);
    expect(client.close).toMatchObject({ wasClean: true, ...EXCHANGE_CLOSE });
    expect(result.code, result.stderr).toBe(0);
    expect(lastJson<PeerServerReport>(result)).toEqual({
      received: expectedDigests(), pong: 'ping ✓ from python server', close: EXCHANGE_CLOSE,
    });
  });
});
