/**
 * The fuzz target for the connection engine: one input drives a `ServerConnection` or a
 * `ClientConnection` through random bytes under random chunking, interleaved with the calls an
 * adapter or an application makes (`handleDeadline`, `receiveEnd`, `send`, `ping`, `close`,
 * `accept`, `reject`). Used by `fuzz/run.ts --target connection` and by `test/fuzz.test.ts`.
 *
 * An input is self-contained, so a finding's hex reproduces it alone:
 *
 *     byte 0      the setup: bit 0 role (0 server, 1 client), bit 1 keepalive pings,
 *                 bit 2 permessage-deflate enabled, bit 3 a small maxMessageLength
 *     bytes 1..4  the seed of the calls and the chunking (mulberry32, big-endian)
 *     bytes 5..   what the peer sends: a request or response head (valid, mutated or absent),
 *                 then frames (valid, mutated or random)
 *
 * The oracle (`checkConnectionInput` throws a plain `Error` naming the broken invariant):
 * - nothing the peer sends throws: `receive`, `receiveEnd` and `handleDeadline` never throw;
 *   `send`, `ping`, `close` with valid arguments throw only a `TypeError` and only before `open`;
 * - `close` is the last event and comes at most once; no event follows it;
 * - `state` moves only along `CONNECTION_TRANSITIONS` (through `'open'` when `open` is emitted);
 * - `transportShouldClose`, once true, stays true; after `'closed'` no byte is written;
 * - the bytes written, beyond what our own calls wrote, stay within `OUTPUT_FACTOR` times the
 *   bytes received plus `OUTPUT_SLACK` (pongs echo ping payloads; refusals and the close frame
 *   are bounded) plus one keepalive ping per `handleDeadline`.
 */
import { CONNECTION_TRANSITIONS, ClientConnection, type Connection, type ConnectionEvent, ServerConnection } from '../src/index.ts';
import { concatBytes } from '../src/bytes/_bytes.ts';
import { encodeFrame } from '../src/wire/frame.ts';
import { createRandom, nextInput } from './targets.ts';

/**
 * A client answers an unmasked empty ping (2 bytes) with a masked empty pong (6 bytes): three
 * times what it received, the worst ratio of any answer.
 */
export const OUTPUT_FACTOR = 3;
/** The request (client), the 101 or a refusal (server), a close frame: all well under 1 KiB. */
export const OUTPUT_SLACK = 1024;
/** The largest keepalive ping: a client's masked empty ping. */
const KEEPALIVE_PING = 6;

const SETUP_CLIENT = 1;
const SETUP_KEEPALIVE = 2;
const SETUP_DEFLATE = 4;
const SETUP_SMALL_MESSAGES = 8;
const HEADER_LENGTH = 5;

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';
const DEFLATE_HEADER = 'Sec-WebSocket-Extensions: permessage-deflate';
const REQUEST_LINES = ['GET /chat HTTP/1.1', 'Host: example.com', 'Upgrade: websocket', 'Connection: Upgrade',
  `Sec-WebSocket-Key: ${KEY}`, 'Sec-WebSocket-Version: 13'];
const RESPONSE_LINES = ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${ACCEPT}`];
const CLOSE_CODES = [undefined, 1000, 1001, 1002, 1003, 1007, 1008, 1009, 1011, 3000, 4999];
const fixedKey = (bytes: Uint8Array): Uint8Array => bytes.fill(0x5a);

const latin1 = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

/** Builds the next connection fuzz input (see the module doc for its layout). */
export function nextConnectionInput(random: () => number): Uint8Array {
  const int = (n: number) => Math.floor(random() * n);
  const setup = int(16);
  const client = (setup & SETUP_CLIENT) !== 0;
  const parts: Uint8Array[] = [Uint8Array.of(setup, int(256), int(256), int(256), int(256))];
  // The head: valid (the common case, so that frames are reached), mutated, random or none.
  const kind = int(10);
  if (kind < 8) {
    const lines = [...(client ? RESPONSE_LINES : REQUEST_LINES)];
    if (random() < ((setup & SETUP_DEFLATE) !== 0 ? 0.7 : 0.1)) lines.push(DEFLATE_HEADER + ['', '; client_max_window_bits', '; server_no_context_takeover', '; x=1'][int(4)]);
    const head = latin1([...lines, '', ''].join('\r\n'));
    if (kind >= 6) for (let flips = 1 + int(3); flips > 0; flips--) head[int(head.length)] = [0x0d, 0x0a, 0x3a, 0x20, 0x00, int(256)][int(6)];
    parts.push(kind === 7 ? head.subarray(0, int(head.length)) : head);
  } else if (kind === 8) {
    parts.push(Uint8Array.from({ length: int(64) }, () => int(256)));
  }
  // Frames: well-formed in the peer's role, or the wire fuzzer's mutated ones.
  for (let frames = int(8); frames > 0; frames--) {
    // The wire fuzzer's frames cut at 4 KiB: a declared 64 KiB frame still tests the limits,
    // and the input stays small enough for about 2,000 inputs a second.
    if (random() < 0.7) parts.push(peerFrame(random, client));
    else parts.push(nextInput(random).subarray(0, 4096));
  }
  return concatBytes(parts, parts.reduce((n, part) => n + part.length, 0));
}

/** A well-formed frame as the peer sends it (masked by a client), sometimes compressed-flagged or fragmented. */
function peerFrame(random: () => number, toClient: boolean): Uint8Array {
  const int = (n: number) => Math.floor(random() * n);
  const opcode = [0x0, 0x1, 0x1, 0x2, 0x2, 0x8, 0x9, 0x9, 0xa][int(9)];
  const control = opcode >= 0x8;
  const length = control ? [0, 1, 2, 5, 125][int(5)] : random() < 0.02 ? 70_000 : [0, 1, 5, 20, 100, 126, 1000][int(7)];
  // ASCII letters with a few random bytes among the first 64 (a random byte per position of a
  // 70,000-byte payload made generation 10x slower than the check).
  const payload = new Uint8Array(length).fill(0x61 + int(26));
  for (let i = 0; i < Math.min(length, 64); i++) if (random() < 0.1) payload[i] = int(256);
  if (opcode === 0x8 && length >= 2) {
    const code = [1000, 1001, 1005, 1006, 1014, 3000, 999, 5000][int(8)];
    payload[0] = code >> 8;
    payload[1] = code & 0xff;
  }
  return encodeFrame({
    opcode, payload, fin: control || random() < 0.8, rsv1: !control && random() < 0.15,
    maskingKey: toClient ? undefined : Uint8Array.from({ length: 4 }, () => int(256)),
  });
}

/** What one input did: role, final state, close code and error code. */
export type ConnectionOutcome = string;

/**
 * Runs one input (see the module doc) and checks the oracle; returns a short signature of what
 * happened, or throws a plain `Error` describing the finding.
 */
export function checkConnectionInput(input: Uint8Array): ConnectionOutcome {
  if (input.length < HEADER_LENGTH) return 'short';
  const setup = input[0];
  const random = createRandom(((input[1] << 24) | (input[2] << 16) | (input[3] << 8) | input[4]) >>> 0);
  const int = (n: number) => Math.floor(random() * n);
  const peer = input.subarray(HEADER_LENGTH);
  const options = {
    handshakeTimeout: 1000,
    closeTimeout: 1000,
    ...((setup & SETUP_KEEPALIVE) !== 0 ? { pingInterval: 300, pongTimeout: 500 } : {}),
    ...((setup & SETUP_DEFLATE) !== 0 ? { deflate: { threshold: 0 } } : {}),
    ...((setup & SETUP_SMALL_MESSAGES) !== 0 ? { maxMessageLength: 1000 } : {}),
  };
  const client = (setup & SETUP_CLIENT) !== 0;
  const connection: Connection = client
    ? new ClientConnection({ url: 'ws://example.com/chat', key: KEY, random: fixedKey, ...options })
    : new ServerConnection(options);
  const check = new Oracle(connection);
  let now = 0;
  connection.handleDeadline(now);
  check.after('construct', false);

  let at = 0;
  for (let step = 0; step < 64 && (at < peer.length || step < 8); step++) {
    const op = int(20);
    if (check.requestPending && random() < 0.7) {
      // An application answers a request promptly, mostly with accept.
      const server = connection as ServerConnection;
      check.answer(true, () => (random() < 0.9 ? server.accept() : server.reject(403)));
    } else if (op < 11 && at < peer.length) {
      // Mostly small pieces; sometimes everything left at once.
      const size = random() < 0.15 ? peer.length - at : 1 + int(random() < 0.5 ? 8 : 300);
      const piece = peer.subarray(at, Math.min(peer.length, at + size));
      at += piece.length;
      check.received += piece.length;
      check.peer('receive', () => connection.receive(piece));
    } else if (op < 14) {
      now += [0, 1, 1, 10, 50, 299, 300, 301, 499, 500, 999, 1000][int(12)];
      check.deadlines++;
      check.peer(`handleDeadline(${now})`, () => connection.handleDeadline(now));
    } else if (op === 14) {
      if (random() < 0.3) check.peer('receiveEnd', () => connection.receiveEnd());
    } else if (op === 15) {
      const data = random() < 0.5 ? 'x'.repeat(int(200)) : new Uint8Array(int(2000));
      check.caller('send', () => connection.send(data, random() < 0.3 ? { maxFrameLength: 1 + int(100) } : {}));
    } else if (op === 16) {
      check.caller('ping', () => connection.ping(new Uint8Array(int(126))));
    } else if (op === 17) {
      const code = CLOSE_CODES[int(CLOSE_CODES.length)];
      check.caller('close', () => connection.close(code, code === undefined ? '' : 'bye'));
    } else if (connection instanceof ServerConnection) {
      // accept or reject at any time: a TypeError unless a request is waiting for an answer.
      const waiting = check.requestPending;
      const answer = (): void => (op === 18 || int(4) > 0 ? connection.accept() : connection.reject(403));
      check.answer(waiting, answer);
    }
  }
  // The transport ends; the connection must end (or already have ended) once its deadlines pass.
  check.peer('receiveEnd', () => connection.receiveEnd());
  now += 10_000;
  check.peer(`handleDeadline(${now})`, () => connection.handleDeadline(now));
  if (check.closeEvent === undefined) throw new Error(`No close event after EOF and every deadline (state ${connection.state})`);
  if (connection.state !== 'closed' || !connection.transportShouldClose) {
    throw new Error(`State ${connection.state}, transportShouldClose ${connection.transportShouldClose} after EOF and every deadline`);
  }
  const close = check.closeEvent;
  return `${client ? 'client' : 'server'}:${close.code}:${close.error?.code ?? (close.wasClean ? 'clean' : '-')}:${close.timeout ?? ''}`;
}

/**
 * The invariants, checked after every call (see the module doc). Exported for its own tests:
 * it takes anything shaped like a `Connection`.
 */
export class Oracle {
  readonly connection: Connection;
  received = 0;
  deadlines = 0;
  #peerOutput = 0;
  #state: Connection['state'];
  #transportShouldClose = false;
  closeEvent: Extract<ConnectionEvent, { type: 'close' }> | undefined = undefined;
  requestPending = false;

  constructor(connection: Connection) {
    this.connection = connection;
    this.#state = connection.state;
  }

  /** A call the peer's input drives: it must not throw. */
  peer(what: string, call: () => void): void {
    try {
      call();
    } catch (error) {
      throw new Error(`${what} threw: ${String(error)}`);
    }
    this.after(what, false);
  }

  /** A call of ours with valid arguments: a TypeError before `open` only; what it writes is ours. */
  caller(what: string, call: () => void): void {
    const before = this.#state;
    try {
      call();
    } catch (error) {
      if (!(error instanceof TypeError) || before !== 'connecting') throw new Error(`${what} in state ${before} threw: ${String(error)}`);
    }
    this.after(what, true);
  }

  /** `accept` / `reject`: must succeed when a request waits for its answer, else be a TypeError. */
  answer(waiting: boolean, call: () => void): void {
    let threw: unknown;
    try {
      call();
    } catch (error) {
      threw = error;
    }
    if (waiting ? threw !== undefined : !(threw instanceof TypeError)) {
      throw new Error(`accept/reject with ${waiting ? 'a' : 'no'} request waiting ${threw === undefined ? 'succeeded' : `threw: ${String(threw)}`}`);
    }
    this.requestPending = false;
    this.after('accept/reject', true);
  }

  after(what: string, ours: boolean): void {
    const { connection } = this;
    const events = connection.events();
    let written = 0;
    for (const bytes of connection.takeOutput()) written += bytes.length;
    if (this.#state === 'closed' && written > 0) throw new Error(`${what} wrote ${written} bytes after 'closed'`);
    if (!ours) this.#peerOutput += written;
    const bound = OUTPUT_FACTOR * this.received + OUTPUT_SLACK + KEEPALIVE_PING * this.deadlines;
    if (this.#peerOutput > bound) throw new Error(`${this.#peerOutput} bytes written for ${this.received} received (bound ${bound})`);

    let path = this.#state;
    for (const event of events) {
      if (this.closeEvent !== undefined) throw new Error(`${what}: event ${event.type} after close`);
      if (event.type === 'close') {
        this.closeEvent = event;
        this.requestPending = false;
      }
      if (event.type === 'request') {
        if (this.requestPending || connection.role !== 'server') throw new Error(`${what}: unexpected request event`);
        this.requestPending = true;
      }
      if (event.type === 'open') {
        if (!CONNECTION_TRANSITIONS[path].includes('open')) throw new Error(`${what}: open event in state ${path}`);
        path = 'open';
      }
    }
    const state = connection.state;
    if (state !== path && !CONNECTION_TRANSITIONS[path].includes(state)) throw new Error(`${what}: state ${this.#state} -> ${state}`);
    if (this.closeEvent === undefined && state === 'closed') throw new Error(`${what}: closed without a close event`);
    if (this.#transportShouldClose && !connection.transportShouldClose) throw new Error(`${what}: transportShouldClose went back to false`);
    this.#state = state;
    this.#transportShouldClose = connection.transportShouldClose;
  }
}
