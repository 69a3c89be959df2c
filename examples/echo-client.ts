/**
 * A WebSocket client on `node:net`, built on wsframe's public API only, in three modes:
 *
 * ```sh
 * npm run echo-client -- --url ws://127.0.0.1:9001/path              # send stdin lines, print replies
 * npm run echo-client -- --url ws://127.0.0.1:9001/path --exchange   # built-in exchange, checked
 * npm run echo-client -- --autobahn ws://127.0.0.1:9001 --agent wsframe   # Autobahn fuzzingserver
 * ```
 *
 * It offers permessage-deflate (RFC 7692) and compresses its messages when the server accepts;
 * `--no-deflate` leaves the offer out.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  CloseCode,
  HttpHeadReader,
  PerMessageDeflate,
  createClientHandshake,
  formatExtensions,
  parseWebSocketUrl,
  validateServerHandshake,
  type PerMessageDeflateOptions,
} from 'wsframe';
import { WebSocketConnection, type CloseInfo, type ConnectionOptions } from './connection.ts';

/** How long the TCP connect plus the opening handshake may take. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/** Options of {@link connect}: the connection's callbacks, and what to offer in the handshake. */
export interface ClientOptions extends Omit<ConnectionOptions, 'role' | 'head' | 'extensions'> {
  /** Subprotocols to offer. */
  protocols?: string[];
  /**
   * permessage-deflate: what to offer and how to compress (`PerMessageDeflate.offer` options;
   * e.g. `{ threshold: 0 }` compresses every message, `{ clientNoContextTakeover: true }`), or
   * `false` not to offer it. Default `{}`: offered, messages under 1024 bytes sent uncompressed.
   */
  deflate?: PerMessageDeflateOptions | false;
}

/**
 * Opens a WebSocket connection to a `ws:` URL: TCP connect, opening handshake (RFC 6455 §4.1),
 * answer validated (status 101, `Sec-WebSocket-Accept`, …). Resolves with the open connection;
 * rejects with a `HandshakeError` (or a socket error, or a timeout) and leaves no socket open.
 * `wss:` would need `tls.connect` in place of `net.connect`; this example speaks plain TCP only.
 */
export function connect(url: string, options: ClientOptions = {}): Promise<WebSocketConnection> {
  const target = parseWebSocketUrl(url);
  if (target.secure) return Promise.reject(new Error('This example client speaks ws: only, not wss:'));
  const { deflate = {} } = options;
  const offer = deflate === false ? undefined : formatExtensions([PerMessageDeflate.offer(deflate)]);
  const { request, key } = createClientHandshake({ url, protocols: options.protocols, extensions: offer });
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: target.host, port: target.port });
    socket.setNoDelay(true);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error(`No handshake answer from ${url} within ${HANDSHAKE_TIMEOUT_MS} ms`)), HANDSHAKE_TIMEOUT_MS);
    socket.once('error', fail);
    socket.once('close', () => fail(new Error(`The connection to ${url} closed during the handshake`)));
    socket.once('connect', () => socket.write(request));
    const reader = new HttpHeadReader();
    const onData = (chunk: Buffer): void => {
      let result;
      let extension;
      try {
        result = reader.push(chunk);
        if (result === undefined) return;
        // Throws HandshakeError unless the answer is a valid 101 for our key (RFC 6455 §4.1).
        const answer = validateServerHandshake(result.head, { key, protocols: options.protocols, extensions: offer });
        // RFC 7692 §7.1: the server may decline (no extension) or accept with parameters that
        // bind both sides (window sizes, no context takeover); a response breaking the RFC
        // throws HandshakeError and the connection fails.
        extension = deflate === false ? undefined : PerMessageDeflate.fromResponse(answer.extensions, deflate);
      } catch (error) {
        fail(error as Error);
        return;
      }
      clearTimeout(timer);
      socket.off('data', onData);
      socket.removeAllListeners('error');
      socket.removeAllListeners('close');
      // The server may send frames in the same segment as its answer: `rest` holds them.
      resolve(new WebSocketConnection(socket, {
        ...options, role: 'client', head: result.rest, extensions: extension === undefined ? [] : [extension],
      }));
    };
    socket.on('data', onData);
  });
}

/** A received message, pong, or the end of the connection, as the {@link Inbox} hands them out. */
export type InboxItem =
  | { type: 'text'; data: string }
  | { type: 'binary'; data: Uint8Array }
  | { type: 'pong'; data: Uint8Array }
  | { type: 'closed'; info: CloseInfo };

/** Turns the connection's callbacks into awaitable items, in arrival order. */
export class Inbox {
  readonly #items: InboxItem[] = [];
  readonly #waiters: Array<(item: InboxItem) => void> = [];

  /** The callbacks to pass to {@link connect}. */
  readonly callbacks: Pick<ConnectionOptions, 'onMessage' | 'onPong' | 'onClose'> = {
    onMessage: (data) => this.#put(typeof data === 'string' ? { type: 'text', data } : { type: 'binary', data: Uint8Array.from(data) }),
    onPong: (data) => this.#put({ type: 'pong', data: Uint8Array.from(data) }),
    onClose: (info) => this.#put({ type: 'closed', info }),
  };

  #put(item: InboxItem): void {
    const waiter = this.#waiters.shift();
    if (waiter === undefined) this.#items.push(item);
    else waiter(item);
  }

  /** The next item; rejects after `timeoutMs`. */
  next(timeoutMs: number): Promise<InboxItem> {
    const item = this.#items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`Nothing arrived within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (next: InboxItem): void => {
        clearTimeout(timer);
        resolve(next);
      };
      this.#waiters.push(waiter);
    });
  }
}

/** The boundary sizes of the built-in exchange: each length encoding's limits (RFC 6455 §5.2), and 1 MiB. */
export const EXCHANGE_SIZES = [0, 125, 126, 65535, 65536, 1024 * 1024] as const;

/** `length` bytes of a fixed pattern: byte i is (31 i + 7) mod 256. */
export function patternBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + 7) & 0xff;
  return bytes;
}

/** Text of exactly `length` UTF-8 bytes: "aé€😀" (1 + 2 + 3 + 4 bytes) repeated, then ASCII "a"s. */
export function patternText(length: number): string {
  return 'aé€😀'.repeat(Math.floor(length / 10)) + 'a'.repeat(length % 10);
}

/**
 * `length` pseudo-random bytes from `seed` (the LCG x = (1103515245 x + 12345) mod 2^31, byte =
 * bits 16..23): incompressible, and easy to make the same in the Python and browser peers.
 */
export function randomBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff;
    bytes[i] = state >>> 16;
  }
  return bytes;
}

/** `count` characters picked by {@link randomBytes} from 32 of 1 to 4 UTF-8 bytes. */
export function randomText(count: number, seed: number): string {
  const alphabet = Array.from('abcdefghijklmnopqrstuv éßκόσμε€😀');
  return Array.from(randomBytes(count, seed), (byte) => alphabet[byte % alphabet.length]).join('');
}

/** One message of the built-in exchange; `maxFrameLength` set: sent fragmented. */
export interface ExchangeMessage {
  name: string;
  data: string | Uint8Array;
  maxFrameLength?: number;
}

/** The unit of the exchange's repeated-message pair: two messages in a row with exactly this. */
export const REPEATED_LENGTH = 2000;

/**
 * The messages of the built-in exchange, in order: binary and text at every boundary size, then
 * a text fragmented mid-character (7-byte frames split 2-, 3- and 4-byte characters) and a
 * binary message in 65536-byte fragments. Then messages that matter once compressed
 * (RFC 7692): a random block repeated 40000 bytes later, beyond the largest window (32 KiB), and
 * a random text repeated inside it; the same random {@link REPEATED_LENGTH} bytes twice (with
 * context takeover the second copy compresses to a few bytes, without it to the full length);
 * five JSON texts in a row that share most of their words.
 */
export function exchangeMessages(): ExchangeMessage[] {
  const block = randomBytes(40_000, 1);
  const repeated = randomBytes(REPEATED_LENGTH, 3);
  return [
    ...EXCHANGE_SIZES.map((size) => ({ name: `binary ${size} bytes`, data: patternBytes(size) })),
    ...EXCHANGE_SIZES.map((size) => ({ name: `text ${size} bytes of UTF-8`, data: patternText(size) })),
    { name: 'text 1000 bytes in 7-byte fragments', data: patternText(1000), maxFrameLength: 7 },
    { name: 'binary 200000 bytes in 65536-byte fragments', data: patternBytes(200_000), maxFrameLength: 65536 },
    { name: 'binary 80000 bytes: 40000 random bytes twice', data: new Uint8Array([...block, ...block]) },
    { name: 'text: 8000 random characters three times', data: randomText(8000, 2).repeat(3) },
    { name: `binary ${REPEATED_LENGTH} random bytes`, data: repeated },
    { name: `binary ${REPEATED_LENGTH} random bytes again`, data: repeated },
    ...[1, 2, 3, 4, 5].map((seq) => ({ name: `text JSON ${seq} of 5`, data: jsonText(seq) })),
  ];
}

/** A small JSON text; consecutive ones differ in a few characters only. */
function jsonText(seq: number): string {
  const items = Array.from({ length: 8 }, (_, i) => ({ id: seq * 100 + i, name: `item ${i} κόσμε`, price: (i * 1.25).toFixed(2) }));
  return JSON.stringify({ seq, greeting: 'Hello, κόσμε 😀', items });
}

/** The ping payload of the exchange and the close it ends with. */
export const EXCHANGE_PING = 'ping ✓';
export const EXCHANGE_CLOSE = { code: 4000, reason: 'done ✓' } as const;

/** The outcome of {@link runExchange}: one line per step, and whether all passed. */
export interface ExchangeReport {
  ok: boolean;
  steps: Array<{ ok: boolean; step: string }>;
  close: CloseInfo | undefined;
  /** The permessage-deflate parameters agreed on, or undefined when it was not negotiated. */
  deflate: PerMessageDeflate['params'] | undefined;
}

/** Options of {@link runExchange}. */
export interface ExchangeOptions {
  /** How long to wait for each answer; default 10 s. */
  timeoutMs?: number;
  /** See {@link ClientOptions.deflate}. */
  deflate?: PerMessageDeflateOptions | false;
  /** Messages to send instead of {@link exchangeMessages}. */
  messages?: ExchangeMessage[];
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 16);
}

/**
 * Runs the built-in exchange against an echo server: sends each of {@link exchangeMessages} and
 * checks that exactly it comes back, pings and checks the pong, then closes with
 * {@link EXCHANGE_CLOSE} and checks that the answer echoes the code and that the close is clean.
 */
export async function runExchange(url: string, options: ExchangeOptions = {}): Promise<ExchangeReport> {
  const { timeoutMs = 10_000, messages = exchangeMessages() } = options;
  const inbox = new Inbox();
  const connection = await connect(url, { ...inbox.callbacks, deflate: options.deflate });
  const deflate = connection.extensions.find((extension) => extension instanceof PerMessageDeflate)?.params;
  const steps: ExchangeReport['steps'] = [];
  const check = (ok: boolean, step: string): boolean => (steps.push({ ok, step }), ok);
  let close: CloseInfo | undefined;
  try {
    for (const message of messages) {
      connection.send(message.data, { maxFrameLength: message.maxFrameLength });
      const item = await inbox.next(timeoutMs);
      const echoed = typeof message.data === 'string'
        ? item.type === 'text' && item.data === message.data
        : item.type === 'binary' && sameBytes(item.data, message.data);
      const got = item.type === 'text' || item.type === 'binary' ? `${item.type} sha256 ${sha256(item.data)}` : item.type;
      if (!check(echoed, `${message.name}: sent sha256 ${sha256(message.data)}, got ${got}`)) return { ok: false, steps, close, deflate };
    }
    connection.ping(EXCHANGE_PING);
    const pong = await inbox.next(timeoutMs);
    if (!check(pong.type === 'pong' && new TextDecoder().decode(pong.data) === EXCHANGE_PING, `ping ${JSON.stringify(EXCHANGE_PING)}: got ${pong.type}`)) {
      return { ok: false, steps, close, deflate };
    }
    connection.close(EXCHANGE_CLOSE.code, EXCHANGE_CLOSE.reason);
    const end = await inbox.next(timeoutMs);
    close = end.type === 'closed' ? end.info : undefined;
    check(
      close !== undefined && close.clean && close.received?.code === EXCHANGE_CLOSE.code,
      `close ${EXCHANGE_CLOSE.code}: answered with ${close?.received ? `close ${close.received.code} ${JSON.stringify(close.received.reason)}` : end.type}, ${close?.clean ? 'clean' : 'not clean'}`,
    );
  } finally {
    if (close === undefined) {
      connection.close(CloseCode.GoingAway);
      close = await connection.closed;
    }
  }
  return { ok: steps.every((step) => step.ok), steps, close, deflate };
}

/**
 * Autobahn testsuite fuzzingserver protocol: read the case count from `/getCaseCount`, run each
 * case at `/runCase?case=N&agent=…` by echoing every message until the server closes, then ask
 * for the reports at `/updateReports?agent=…`.
 */
export async function runAutobahn(
  base: string, agent: string, log: (line: string) => void = () => {}, deflate?: PerMessageDeflateOptions | false,
): Promise<number> {
  const root = base.replace(/\/+$/, '');
  const inbox = new Inbox();
  const counter = await connect(`${root}/getCaseCount`, { ...inbox.callbacks, deflate });
  const first = await inbox.next(HANDSHAKE_TIMEOUT_MS);
  const count = first.type === 'text' ? Number(first.data) : Number.NaN;
  await counter.closed;
  if (!Number.isInteger(count)) throw new Error('The fuzzing server sent no case count');
  const query = `agent=${encodeURIComponent(agent)}`;
  for (let n = 1; n <= count; n++) {
    try {
      const connection = await connect(`${root}/runCase?case=${n}&${query}`, { deflate, onMessage: (data, self) => self.send(data) });
      const info = await connection.closed;
      log(`case ${n}/${count}: ${info.clean ? 'clean close' : 'closed'} ${info.received?.code ?? ''}`);
    } catch (error) {
      log(`case ${n}/${count}: ${(error as Error).message}`);
    }
  }
  const reports = await connect(`${root}/updateReports?${query}`, { deflate });
  await reports.closed;
  return count;
}

function describe(item: InboxItem): string {
  switch (item.type) {
    case 'text':
      return `< text: ${item.data}`;
    case 'binary':
      return `< binary, ${item.data.length} bytes`;
    case 'pong':
      return `< pong, ${item.data.length} bytes`;
    case 'closed': {
      const { received, clean, error } = item.info;
      const what = received === undefined ? 'no close frame' : `close ${received.code ?? '(no code)'} ${JSON.stringify(received.reason)}`;
      return `closed (${clean ? 'clean' : 'not clean'}): ${what}${error === undefined ? '' : `; ${error.message}`}`;
    }
  }
}

/**
 * Sends every line of standard input as a text message and prints what comes back. At the end
 * of input it waits (at most `timeoutMs`) for as many messages as it sent, then closes: data
 * arriving after our close frame would be dropped.
 */
async function sendLines(url: string, deflate: PerMessageDeflateOptions | false, timeoutMs = 10_000): Promise<boolean> {
  let unanswered = 0;
  let answered = (): void => {};
  const print = (item: InboxItem): void => console.log(describe(item));
  const connection = await connect(url, {
    deflate,
    onMessage: (data) => {
      print(typeof data === 'string' ? { type: 'text', data } : { type: 'binary', data });
      if (--unanswered <= 0) answered();
    },
    onPong: (data) => print({ type: 'pong', data }),
  });
  console.log(`connected to ${url}${connection.extensions.length > 0 ? ' (permessage-deflate)' : ''}`);
  // Created once connected: readline drops lines that arrive before iteration starts.
  const lines = createInterface({ input: process.stdin });
  void connection.closed.then(() => lines.close());
  for await (const line of lines) {
    unanswered++;
    connection.send(line);
  }
  if (unanswered > 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      answered = () => (clearTimeout(timer), resolve());
      void connection.closed.then(answered);
    });
  }
  connection.close(CloseCode.NormalClosure);
  const info = await connection.closed;
  print({ type: 'closed', info });
  return info.clean;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      exchange: { type: 'boolean', default: false },
      autobahn: { type: 'string' },
      agent: { type: 'string', default: 'wsframe' },
      'no-deflate': { type: 'boolean', default: false },
    },
  });
  const deflate = values['no-deflate'] ? false : {};
  if (values.autobahn !== undefined) {
    await runAutobahn(values.autobahn, values.agent, console.log, deflate);
  } else if (values.url !== undefined && values.exchange) {
    const report = await runExchange(values.url, { deflate });
    console.log(report.deflate === undefined ? 'uncompressed' : `permessage-deflate ${JSON.stringify(report.deflate)}`);
    for (const { ok, step } of report.steps) console.log(`${ok ? 'ok  ' : 'FAIL'} ${step}`);
    process.exitCode = report.ok ? 0 : 1;
  } else if (values.url !== undefined) {
    process.exitCode = (await sendLines(values.url, deflate)) ? 0 : 1;
  } else {
    console.error('usage: echo-client [--no-deflate] --url ws://host:port/path [--exchange] | --autobahn ws://host:port [--agent name]');
    process.exitCode = 2;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
