/**
 * The connection engine's vocabulary: its states, the events it produces and its options, with
 * their documented defaults and the checks that turn a malformed option into a `TypeError` or
 * `RangeError` at construction. Layer 6 (connection).
 *
 * @module
 */

import type { HandshakeError, ProtocolError } from '../base/errors.ts';
import type { PerMessageDeflateOptions } from '../deflate/permessage-deflate.ts';
import type { Extension } from '../handshake/extensions.ts';
import type { ClientHandshake } from '../handshake/server.ts';

/**
 * Where a connection is in its life (RFC 6455 §4, §7):
 * - `'connecting'`: the opening handshake is under way;
 * - `'open'`: messages flow both ways;
 * - `'closing'`: a close frame was sent and the peer's answer (or, for a client that completed
 *   the closing handshake, the server's end of TCP) is awaited;
 * - `'closed'`: nothing more happens; the transport should be (or is) closed.
 */
export type ConnectionState = 'connecting' | 'open' | 'closing' | 'closed';

/** The last event of every connection, emitted exactly once. */
export interface ConnectionCloseEvent {
  /** Always `'close'`. */
  type: 'close';
  /**
   * The status code of the peer's close frame (1005 when it carried none), the error's close
   * code when we failed the connection (1002, 1007, 1009, …), or 1006 when the transport ended,
   * a timeout fired or the handshake failed.
   */
  code: number;
  /** The reason in the peer's close frame; `''` otherwise. */
  reason: string;
  /** True when both close frames were exchanged (RFC 6455 §7.1.4). */
  wasClean: boolean;
  /** Why we failed the connection, when we did: the peer's violation or the failed handshake. */
  error?: ProtocolError | HandshakeError;
  /** Which deadline ended the connection, when one did. */
  timeout?: 'handshake' | 'pong' | 'close';
}

/**
 * What a connection reports, in order, through `events()`. `close` is always the last one.
 * Binary, ping and pong `data` may be a view into bytes passed to `receive`: do not modify those
 * bytes after passing them.
 */
export type ConnectionEvent =
  | { type: 'request'; request: ClientHandshake }
  | { type: 'open'; protocol: string | undefined; extensions: Extension[] }
  | { type: 'text'; data: string }
  | { type: 'binary'; data: Uint8Array }
  | { type: 'ping'; data: Uint8Array }
  | { type: 'pong'; data: Uint8Array }
  | ConnectionCloseEvent;

/** Default `maxMessageLength` of a connection: 16 MiB. */
export const DEFAULT_CONNECTION_MAX_MESSAGE_LENGTH = 16 * 1024 * 1024;
/** Default `handshakeTimeout`: 10 s for the whole opening handshake. */
export const DEFAULT_HANDSHAKE_TIMEOUT = 10_000;
/** Default `closeTimeout`: 10 s for the peer's half of the closing handshake. */
export const DEFAULT_CLOSE_TIMEOUT = 10_000;

/** Options both roles take. Times are milliseconds on the caller's clock. */
export interface ConnectionOptions {
  /**
   * A message (or a frame) longer than this fails the connection with 1009. Default
   * {@link DEFAULT_CONNECTION_MAX_MESSAGE_LENGTH} (16 MiB).
   */
  maxMessageLength?: number;
  /** The longest opening-handshake head accepted, in bytes. Default 16 KiB (431 / 502 past it). */
  maxHeadLength?: number;
  /** Fragment each sent message into frames of at most this payload length. Default: one frame. */
  maxFrameLength?: number;
  /**
   * permessage-deflate (RFC 7692): options to offer (client) or accept an offer with (server);
   * `false` or omitted: no compression. Default off: compression costs memory per connection
   * and mixes secrets with attacker-chosen text in one window (CRIME/BREACH).
   */
  deflate?: PerMessageDeflateOptions | false;
  /** Send a ping this often once open. Default: off. */
  pingInterval?: number;
  /**
   * A peer that answers none of our pings (no pong at all) within this long ends the connection
   * with 1006 and `transportShouldClose`. Any pong counts, an unsolicited one too (as in ws): it
   * shows the peer alive. Default: `pingInterval`.
   */
  pongTimeout?: number;
  /**
   * How long to wait for the peer's close frame after ours, and (client) for the server to end
   * TCP after the closing handshake. Default {@link DEFAULT_CLOSE_TIMEOUT}; `Infinity`: forever.
   */
  closeTimeout?: number;
  /**
   * The whole opening handshake must complete within this long after the clock is first set,
   * however slowly its bytes arrive (and, on a server, including the wait for `accept`). Default
   * {@link DEFAULT_HANDSHAKE_TIMEOUT}; `Infinity`: forever.
   */
  handshakeTimeout?: number;
  /** Where masking keys come from (client). Default the platform's CSPRNG; inject in tests only. */
  random?: (bytes: Uint8Array) => Uint8Array;
  /**
   * Unmask received payloads inside the bytes given to `receive` instead of copying them (see
   * `MessageDecoderOptions.unmaskInPlace`): binary, ping and pong data in one frame of one
   * chunk are then views into that chunk. `receive` then modifies what it is given: only for
   * callers that own those bytes and do not read them again (the adapters' socket reads).
   * Default false.
   */
  unmaskInPlace?: boolean;
}

/** Options of a `ServerConnection`. */
export interface ServerConnectionOptions extends ConnectionOptions {
  /**
   * Which `Origin`s may connect (RFC 6455 §10.2; the defence against cross-site WebSocket
   * hijacking): a list of exact origins (compared ASCII case-insensitively; a request without an
   * `Origin` is then refused, since every browser sends one), or a predicate. Anything else is
   * refused with 403 before a `request` event. Default: every origin.
   */
  origins?: readonly string[] | ((origin: string | undefined, request: ClientHandshake) => boolean);
  /**
   * Supported subprotocols, most preferred first: the first of these that the client offers is
   * selected, unless `accept` names another (or `null` for none). Default: none.
   */
  protocols?: readonly string[];
}

/** Options of a `ClientConnection`. */
export interface ClientConnectionOptions extends ConnectionOptions {
  /** The `ws:` or `wss:` URL (the adapter opens the transport; this writes the request). */
  url: string;
  /** Subprotocols to offer, most preferred first. */
  protocols?: string[];
  /** The `Origin` header. */
  origin?: string;
  /** Extra request headers, e.g. `Authorization`. */
  headers?: Record<string, string>;
  /** A fixed `Sec-WebSocket-Key`; default a fresh random one. */
  key?: string;
}

/** The options every connection runs with, defaults applied (see {@link ConnectionOptions}). */
export interface ResolvedConnectionOptions {
  /** See {@link ConnectionOptions.maxMessageLength}. */
  maxMessageLength: number;
  /** See {@link ConnectionOptions.maxHeadLength}; undefined: the reader's default. */
  maxHeadLength: number | undefined;
  /** See {@link ConnectionOptions.maxFrameLength}; undefined: one frame per message. */
  maxFrameLength: number | undefined;
  /** See {@link ConnectionOptions.deflate}; undefined: off. */
  deflate: PerMessageDeflateOptions | undefined;
  /** See {@link ConnectionOptions.pingInterval}; undefined: off. */
  pingInterval: number | undefined;
  /** See {@link ConnectionOptions.pongTimeout}. */
  pongTimeout: number;
  /** See {@link ConnectionOptions.closeTimeout}. */
  closeTimeout: number;
  /** See {@link ConnectionOptions.handshakeTimeout}. */
  handshakeTimeout: number;
  /** See {@link ConnectionOptions.random}; undefined: the platform's CSPRNG. */
  random: ((bytes: Uint8Array) => Uint8Array) | undefined;
  /** See {@link ConnectionOptions.unmaskInPlace}. */
  unmaskInPlace: boolean;
}

const where = 'Invalid connection options';

function checkDuration(name: string, value: unknown, allowInfinity: boolean): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw new TypeError(`${where}: ${name} must be a number of milliseconds, got ${typeof value}`);
  if (!(value > 0) || (!allowInfinity && !Number.isFinite(value))) {
    throw new RangeError(`${where}: ${name} must be a positive number of milliseconds${allowInfinity ? ' or Infinity' : ''}, got ${value}`);
  }
  return value;
}

const WINDOW_BITS_MIN = 8;
const WINDOW_BITS_MAX = 15;
const LEVEL_MAX = 9;

/** The permessage-deflate options, checked at construction (never first on a peer's request). */
function checkDeflateOptions(deflate: PerMessageDeflateOptions): void {
  const bits = (name: string, value: unknown, booleanAllowed: boolean): void => {
    if (value === undefined || (booleanAllowed && typeof value === 'boolean')) return;
    if (!Number.isInteger(value) || (value as number) < WINDOW_BITS_MIN || (value as number) > WINDOW_BITS_MAX) {
      throw new RangeError(`${where}: deflate.${name} must be an integer in 8..15, got ${String(value)}`);
    }
  };
  bits('serverMaxWindowBits', deflate.serverMaxWindowBits, false);
  bits('clientMaxWindowBits', deflate.clientMaxWindowBits, true);
  const { level, threshold, codec } = deflate;
  if (level !== undefined && !(Number.isInteger(level) && level >= 0 && level <= LEVEL_MAX)) {
    throw new RangeError(`${where}: deflate.level must be an integer in 0..9, got ${String(level)}`);
  }
  if (threshold !== undefined && !(typeof threshold === 'number' && threshold >= 0)) {
    throw new RangeError(`${where}: deflate.threshold must be a number >= 0, got ${String(threshold)}`);
  }
  if (codec !== undefined && typeof codec !== 'function') throw new TypeError(`${where}: deflate.codec must be a function`);
}

/** Applies the defaults; `TypeError` / `RangeError` for a malformed option. */
export function resolveConnectionOptions(options: ConnectionOptions): ResolvedConnectionOptions {
  if (options === null || typeof options !== 'object') throw new TypeError(`${where}: options must be an object`);
  const { maxMessageLength = DEFAULT_CONNECTION_MAX_MESSAGE_LENGTH, deflate, random } = options;
  if (!(Number.isSafeInteger(maxMessageLength) && maxMessageLength >= 0) && maxMessageLength !== Number.POSITIVE_INFINITY) {
    throw new RangeError(`${where}: maxMessageLength must be a non-negative integer or Infinity, got ${String(maxMessageLength)}`);
  }
  if (deflate !== undefined && deflate !== false) {
    if (deflate === null || typeof deflate !== 'object') throw new TypeError(`${where}: deflate must be permessage-deflate options or false`);
    checkDeflateOptions(deflate);
  }
  const { maxHeadLength } = options;
  if (maxHeadLength !== undefined && !((Number.isSafeInteger(maxHeadLength) && maxHeadLength > 0) || maxHeadLength === Number.POSITIVE_INFINITY)) {
    throw new RangeError(`${where}: maxHeadLength must be a positive integer or Infinity, got ${String(maxHeadLength)}`);
  }
  if (random !== undefined && typeof random !== 'function') throw new TypeError(`${where}: random must be a function`);
  const pingInterval = checkDuration('pingInterval', options.pingInterval, false);
  const { maxFrameLength } = options;
  if (maxFrameLength !== undefined && !(Number.isSafeInteger(maxFrameLength) && maxFrameLength >= 1) && maxFrameLength !== Number.POSITIVE_INFINITY) {
    throw new RangeError(`${where}: maxFrameLength must be a positive integer or Infinity, got ${String(maxFrameLength)}`);
  }
  return {
    maxMessageLength,
    maxHeadLength,
    maxFrameLength,
    deflate: deflate === false ? undefined : deflate,
    pingInterval,
    pongTimeout: checkDuration('pongTimeout', options.pongTimeout, false) ?? pingInterval ?? Number.POSITIVE_INFINITY,
    closeTimeout: checkDuration('closeTimeout', options.closeTimeout, true) ?? DEFAULT_CLOSE_TIMEOUT,
    handshakeTimeout: checkDuration('handshakeTimeout', options.handshakeTimeout, true) ?? DEFAULT_HANDSHAKE_TIMEOUT,
    random,
    unmaskInPlace: options.unmaskInPlace === true,
  };
}
