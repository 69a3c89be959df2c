/**
 * Helpers of the interop tests (Node-only): the example echo server in-process on an ephemeral
 * port with a record of how each connection closed, the messages every peer exchanges, digests
 * to compare them across languages, and child processes with a bounded lifetime.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import type { CloseInfo } from 'wsframe/node';
import { createEchoServer, type EchoServerOptions } from '../examples/echo-server.ts';
import { exchangeMessages, type ExchangeMessage } from '../examples/echo-client.ts';
import { browserExchange, type BrowserExchangeReport } from './interop/browser-exchange.js';
import { CHROMIUM } from './_peers.ts';

export { PYTHON } from './_peers.ts';

/** The example echo server on 127.0.0.1, on a port the system picks. */
export interface RunningEchoServer {
  url: string;
  /** How each connection ended, in the order they ended. */
  closes: CloseInfo[];
  /** Resolves once `count` connections have ended (at most `timeoutMs`). */
  waitForCloses(count: number, timeoutMs?: number): Promise<CloseInfo[]>;
  stop(): Promise<void>;
}

/** `deflate`: see {@link EchoServerOptions.deflate} (default: permessage-deflate accepted). */
export async function startEchoServer(options: Pick<EchoServerOptions, 'deflate'> = {}): Promise<RunningEchoServer> {
  const closes: CloseInfo[] = [];
  const waiters: Array<() => void> = [];
  const echo = createEchoServer({
    ...options,
    onClose: (info) => {
      closes.push(info);
      for (const wake of waiters.splice(0)) wake();
    },
  });
  const { port } = await echo.listen(0, '127.0.0.1');
  return {
    url: `ws://127.0.0.1:${port}`,
    closes,
    waitForCloses: async (count, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (closes.length < count) {
        if (Date.now() > deadline) throw new Error(`${closes.length} of ${count} connections closed within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
      return closes;
    },
    stop: () => echo.close(),
  };
}

/** The first 16 hex digits of SHA-256: how peers in other languages report what they received. */
export function digest(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 16);
}

/** What a peer should receive: `kind length digest` of each exchange message, in order. */
export function expectedDigests(messages: ExchangeMessage[] = exchangeMessages()): string[] {
  return messages.map(({ data }) =>
    `${typeof data === 'string' ? 'text' : 'binary'} ${typeof data === 'string' ? Buffer.byteLength(data) : data.length} ${digest(data)}`);
}

/** The output of a finished child process. */
export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to its end, killed (SIGKILL) after `timeoutMs`. With `onLine`, stdout lines are
 * handed over as they arrive (e.g. to learn the port a peer server listens on); `onStart` gets
 * the child (e.g. to signal it).
 */
export function runProcess(
  command: string,
  args: string[],
  options: { timeoutMs?: number; input?: string; onLine?: (line: string) => void; onStart?: (child: ChildProcess) => void } = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    options.onStart?.(child);
    let stdout = '';
    let stderr = '';
    let pending = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      pending += text;
      let newline;
      while ((newline = pending.indexOf('\n')) !== -1) {
        options.onLine?.(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** The last line of `stdout` parsed as JSON: the report a peer script prints when it is done. */
export function lastJson<T>(result: ProcessResult): T {
  const lines = result.stdout.trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1]) as T;
  } catch {
    throw new Error(`No JSON report (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
}

/** The report of a peer server (ws, Python websockets) that echoed the example client. */
export interface PeerServerReport {
  /** `kind length digest` of each message received, in order. */
  received: string[];
  /** The payload of the pong that answered the server's ping, or null. */
  pong: string | null;
  close: { code: number | null; reason: string };
}

/** A clean close as the example echo server records it, after a peer sent `code` and `reason`. */
export function cleanClose(code: number, reason: string): Partial<CloseInfo> {
  return { code, reason, wasClean: true };
}

/**
 * Runs `browserExchange` (test/interop/browser-exchange.js) against `url` in a page of Debian's
 * Chromium (or `CHROMIUM_PATH`), headless, driven by playwright-core. The page is loaded from a
 * throwaway http://127.0.0.1 server: a secure context (crypto.subtle), which about:blank is not.
 */
export async function runChromiumExchange(url: string, close: { code: number; reason: string }): Promise<BrowserExchangeReport> {
  const http = createServer((_, response) => response.end('<!doctype html><title>wsframe interop</title>'));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      timeout: 30_000,
      // playwright-core itself adds a fresh temporary --user-data-dir (and refuses one given here).
      args: [
        '--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    });
    const page = await browser.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`);
    return await page.evaluate<BrowserExchangeReport>(`(${browserExchange.toString()})(${JSON.stringify(url)}, ${JSON.stringify(close)})`);
  } finally {
    await browser?.close();
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  }
}
