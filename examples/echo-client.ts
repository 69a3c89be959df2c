/**
 * A WebSocket client on `wsframe/node`, in three modes:
 *
 * ```sh
 * npm run echo-client -- --url ws://127.0.0.1:9001/path              # send stdin lines, print replies
 * npm run echo-client -- --url ws://127.0.0.1:9001/path --exchange   # built-in exchange, checked
 * npm run echo-client -- --autobahn ws://127.0.0.1:9001 --agent wsframe   # Autobahn fuzzingserver
 * ```
 *
 * It offers permessage-deflate (RFC 7692) and compresses its messages when the server accepts;
 * `--no-deflate` leaves the offer out. `wss:` URLs work too (`connect` speaks TLS for them).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CloseCode, PerMessageDeflate, type PerMessageDeflateOptions, type PerMessageDeflateParams } from 'wsframe';
import { connect, type CloseInfo, type ConnectOptions, type WebSocketConnection } from 'wsframe/node';

/** Resolves with `promise`, or rejects after `timeoutMs`. */
function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`No ${what} within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
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
  deflate: PerMessageDeflateParams | undefined;
}

/** Options of {@link runExchange}. */
export interface ExchangeOptions {
  /** How long to wait for each answer; default 10 s. */
  timeoutMs?: number;
  /** permessage-deflate options to offer, or `false` not to offer it. Default `{}`. */
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
  const { timeoutMs = 10_000, messages = exchangeMessages(), deflate = {} } = options;
  const connection = connect(url, { deflate });
  const received = connection[Symbol.asyncIterator]();
  const pong = new Promise<Uint8Array>((resolve) => connection.on('pong', resolve));
  await connection.opened;
  const agreed = deflate === false || connection.extensions.length === 0 ? undefined : PerMessageDeflate.fromResponse(connection.extensions, deflate)?.params;
  const steps: ExchangeReport['steps'] = [];
  const check = (ok: boolean, step: string): boolean => (steps.push({ ok, step }), ok);
  try {
    for (const message of messages) {
      connection.send(message.data, { maxFrameLength: message.maxFrameLength });
      const { value } = await within(received.next(), timeoutMs, 'echo');
      const echoed = typeof message.data === 'string' ? value === message.data : value instanceof Uint8Array && sameBytes(value, message.data);
      const got = value === undefined ? 'the end' : `${typeof value === 'string' ? 'text' : 'binary'} sha256 ${sha256(value)}`;
      if (!check(echoed, `${message.name}: sent sha256 ${sha256(message.data)}, got ${got}`)) return { ok: false, steps, close: undefined, deflate: agreed };
    }
    connection.ping(EXCHANGE_PING);
    const payload = new TextDecoder().decode(await within(pong, timeoutMs, 'pong'));
    if (!check(payload === EXCHANGE_PING, `ping ${JSON.stringify(EXCHANGE_PING)}: got pong ${JSON.stringify(payload)}`)) {
      return { ok: false, steps, close: undefined, deflate: agreed };
    }
    connection.close(EXCHANGE_CLOSE.code, EXCHANGE_CLOSE.reason);
    const close = await within(connection.closed, timeoutMs, 'close');
    check(close.wasClean && close.code === EXCHANGE_CLOSE.code, `close ${EXCHANGE_CLOSE.code}: answered with ${describeClose(close)}`);
    return { ok: steps.every((step) => step.ok), steps, close, deflate: agreed };
  } finally {
    if (connection.readyState === 'open') connection.close(CloseCode.GoingAway);
  }
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
  const counter = connect(`${root}/getCaseCount`, { deflate });
  const first = await within(counter[Symbol.asyncIterator]().next(), 10_000, 'case count');
  const count = typeof first.value === 'string' ? Number(first.value) : Number.NaN;
  await counter.closed;
  if (!Number.isInteger(count)) throw new Error('The fuzzing server sent no case count');
  const query = `agent=${encodeURIComponent(agent)}`;
  for (let n = 1; n <= count; n++) {
    const connection = connect(`${root}/runCase?case=${n}&${query}`, { deflate });
    connection.on('message', (data) => connection.send(data));
    log(`case ${n}/${count}: ${describeClose(await connection.closed)}`);
  }
  await connect(`${root}/updateReports?${query}`, { deflate }).closed;
  return count;
}

/** `closed 1000 "bye" (clean)`, and the error when there was one. */
function describeClose(info: CloseInfo): string {
  const why = info.error === undefined ? '' : `; ${info.error.message}`;
  return `close ${info.code} ${JSON.stringify(info.reason)} (${info.wasClean ? 'clean' : 'not clean'})${why}`;
}

/**
 * Sends every line of standard input as a text message and prints what comes back. At the end
 * of input it waits (at most `timeoutMs`) for as many messages as it sent, then closes: data
 * arriving after our close frame would be dropped.
 */
async function sendLines(url: string, deflate: PerMessageDeflateOptions | false, timeoutMs = 10_000): Promise<boolean> {
  let unanswered = 0;
  let answered = (): void => {};
  const connection = connect(url, { deflate });
  connection.on('message', (data) => {
    console.log(typeof data === 'string' ? `< text: ${data}` : `< binary, ${data.length} bytes`);
    if (--unanswered <= 0) answered();
  });
  connection.on('pong', (data) => console.log(`< pong, ${data.length} bytes`));
  await connection.opened;
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
  console.log(`closed (${info.wasClean ? 'clean' : 'not clean'}): ${describeClose(info)}`);
  return info.wasClean;
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
