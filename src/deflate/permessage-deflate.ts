/**
 * The permessage-deflate extension (RFC 7692): negotiation on both sides of the opening
 * handshake, and per-message compression with a synchronous, zero-dependency DEFLATE (or any
 * {@link PerMessageCodec} you plug in). Layer 5 (extensions).
 *
 * @module
 */

import { Deflater } from './_deflate.ts';
import { MAX_WINDOW_BITS, MIN_WINDOW_BITS } from './_deflate-tables.ts';
import { handshakeError } from '../handshake/_http.ts';
import { Inflater } from './_inflate.ts';
import { Opcode } from '../base/constants.ts';
import type { Extension } from '../handshake/extensions.ts';
import type { ExtensionMessage, MessageExtension } from '../streams/message-types.ts';
import type { MessageEncodeExtension } from '../streams/message-encoder.ts';

const NAME = 'permessage-deflate';
/** RFC 7692 §7.1.2: a window-bits value is a decimal integer 8..15, nothing else. */
const WINDOW_BITS_VALUE = /^(?:[89]|1[0-5])$/;
/** See {@link PerMessageDeflateOptions.level}. */
const DEFAULT_LEVEL = 5;
/** Status of a client-side failure: the server's response is at fault. */
const BAD_RESPONSE_STATUS = 502;

/** The parameters both sides agreed on (RFC 7692 §7.1); absent ones take their defaults. */
export interface PerMessageDeflateParams {
  /** The server resets its compression window after each message (§7.1.1.1). Default false. */
  serverNoContextTakeover: boolean;
  /** The client resets its compression window after each message (§7.1.1.2). Default false. */
  clientNoContextTakeover: boolean;
  /** The window the server compresses with, 8..15 (§7.1.2.1). Default 15 (32 KiB). */
  serverMaxWindowBits: number;
  /** The window the client compresses with, 8..15 (§7.1.2.2). Default 15 (32 KiB). */
  clientMaxWindowBits: number;
}

/** What a {@link PerMessageCodec} is set up with. */
export interface PerMessageCodecConfig {
  /** Window of our compressor (our role's `*MaxWindowBits`), 8..15. */
  compressWindowBits: number;
  /** Reset our compressor after each message. */
  compressNoContextTakeover: boolean;
  /** Window the peer compresses with; a distance beyond it is corrupt data. */
  decompressWindowBits: number;
  /** The peer resets its window after each message, so we reset ours too. */
  decompressNoContextTakeover: boolean;
  /** Compression effort 0..9 (zlib's scale). */
  level: number;
}

/**
 * A DEFLATE engine for {@link PerMessageDeflate}, one per connection: the built-in one
 * ({@link createDeflateCodec}) by default, or an adapter such as the node:zlib one in the CLI.
 */
export interface PerMessageCodec {
  /** One message's raw DEFLATE data, ending in a sync flush with 00 00 ff ff removed (RFC 7692 §7.2.1). */
  compress(data: Uint8Array): Uint8Array;
  /**
   * One message inflated from its payload (RFC 7692 §7.2.2: the codec appends 00 00 ff ff).
   * Throws `ProtocolError` 1009 `MESSAGE_TOO_LARGE` past `maxLength` bytes, checked while
   * inflating, and 1007 for corrupt data.
   */
  decompress(payload: Uint8Array, maxLength: number): Uint8Array;
}

/** Makes the codec of one connection. */
export type PerMessageCodecFactory = (config: PerMessageCodecConfig) => PerMessageCodec;

/**
 * The built-in {@link PerMessageCodec}: pure TypeScript DEFLATE, synchronous, in every runtime.
 * Corrupt data fails with `ProtocolError` close code 1007 and a `DEFLATE_*` code; a message
 * inflating past `maxLength` fails with 1009 `MESSAGE_TOO_LARGE` having produced at most
 * `maxLength` bytes.
 *
 * @example
 * ```ts
 * import { createDeflateCodec } from 'wsframe';
 * const config = { compressWindowBits: 15, compressNoContextTakeover: false, decompressWindowBits: 15, decompressNoContextTakeover: false, level: 6 };
 * const sender = createDeflateCodec(config);
 * const receiver = createDeflateCodec(config);
 * const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
 * const payload = sender.compress(new TextEncoder().encode('Hello'));
 * console.log(hex(payload)); // f2 48 cd c9 c9 07 00
 * console.log(new TextDecoder().decode(receiver.decompress(payload, 1024))); // Hello
 * ```
 */
export function createDeflateCodec(config: PerMessageCodecConfig): PerMessageCodec {
  const deflater = new Deflater({ windowBits: config.compressWindowBits, level: config.level });
  const inflater = new Inflater({ windowBits: config.decompressWindowBits });
  return {
    compress(data) {
      const payload = deflater.compress(data);
      if (config.compressNoContextTakeover) deflater.reset();
      return payload;
    },
    decompress(payload, maxLength) {
      inflater.push(payload, maxLength);
      const data = inflater.finish(maxLength);
      if (config.decompressNoContextTakeover) inflater.reset();
      return data;
    },
  };
}

/** Options of {@link PerMessageDeflate}: negotiation preferences and compression settings. */
export interface PerMessageDeflateOptions {
  /**
   * Client: ask the server to reset its window per message. Server: reset it anyway and say so.
   * Default false.
   */
  serverNoContextTakeover?: boolean;
  /**
   * Client: offer to reset our window per message (we then always do). Server: require the
   * client to reset; when unset, the server accepts the client's own offer of it (so it can
   * reset its inflater too); `false` ignores that offer. Default unset.
   */
  clientNoContextTakeover?: boolean;
  /**
   * Client: ask the server to compress with at most this window (8..15). Server: compress with
   * at most this window, and say so. Default unset (15).
   */
  serverMaxWindowBits?: number;
  /**
   * Client: `true` (default) offers the bare parameter, telling the server it may limit our
   * window; a number offers that limit and compresses with it; `false` leaves it out. Server: a
   * number asks the client to compress with at most that window, declining offers that do not
   * allow it.
   */
  clientMaxWindowBits?: number | boolean;
  /** Messages shorter than this (in bytes) are sent uncompressed. Default 1024, as `ws`. */
  threshold?: number;
  /**
   * Compression effort 0 (stored) to 9 (smallest), zlib's scale. Default 5: on text and JSON
   * within 5% of the size zlib's level 6 gives, at about 1.5x the speed of our level 6.
   */
  level?: number;
  /** The DEFLATE engine; default {@link createDeflateCodec}. */
  codec?: PerMessageCodecFactory;
}

/** The result of {@link PerMessageDeflate.encodeMessage}: the payload to frame and its RSV1 bit. */
export interface DeflatedMessage {
  /** The compressed payload, or the message's own when `rsv1` is false (a control frame, or under `threshold`). */
  payload: Uint8Array;
  /** RFC 7692 §6.1: set on the first frame of a compressed message. */
  rsv1: boolean;
}

function checkWindowBits(value: unknown, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || (value as number) < MIN_WINDOW_BITS || (value as number) > MAX_WINDOW_BITS) {
    throw new RangeError(`Invalid permessage-deflate options: ${what} must be an integer in 8..15, got ${String(value)}`);
  }
  return value as number;
}

/** The parameters of one offer or response, as sent. */
interface ReadParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits?: number;
  /** `true`: in an offer, the bare parameter. */
  clientMaxWindowBits?: number | true;
}

/** An offer or response's parameters, checked against RFC 7692 §7.1; a string says what is wrong. */
function readParams(params: Record<string, string | true>, side: 'offer' | 'response'): ReadParams | string {
  const read: ReadParams = { serverNoContextTakeover: false, clientNoContextTakeover: false };
  for (const name of Object.keys(params)) {
    const value = params[name];
    switch (name) {
      case 'server_no_context_takeover':
      case 'client_no_context_takeover':
        // RFC 7692 §7.1.1: these parameters have no value.
        if (value !== true) return `${name} has a value (${value})`;
        if (name === 'server_no_context_takeover') read.serverNoContextTakeover = true;
        else read.clientNoContextTakeover = true;
        break;
      case 'server_max_window_bits':
      case 'client_max_window_bits': {
        // RFC 7692 §7.1.2.2: only an offer's client_max_window_bits may come without a value.
        if (value === true && name === 'client_max_window_bits' && side === 'offer') {
          read.clientMaxWindowBits = true;
          break;
        }
        if (value === true || !WINDOW_BITS_VALUE.test(value)) {
          return value === true ? `${name} has no value` : `${name}=${value} is not an integer in 8..15`;
        }
        if (name === 'server_max_window_bits') read.serverMaxWindowBits = Number(value);
        else read.clientMaxWindowBits = Number(value);
        break;
      }
      default:
        return `unknown parameter ${name}`;
    }
  }
  return read;
}

/**
 * The permessage-deflate extension of one connection (RFC 7692): it owns RSV1, inflates
 * received compressed messages (as a `MessageDecoder` extension) and compresses messages to
 * send (as an `encodeMessage` extension). Negotiate it with {@link PerMessageDeflate.offer} and
 * {@link PerMessageDeflate.fromResponse} (client) or {@link PerMessageDeflate.accept} (server).
 *
 * Failures: received data that does not inflate is a `ProtocolError` with close code 1007
 * (codes `DEFLATE_*`); a message inflating past the decoder's `maxMessageLength` is 1009
 * `MESSAGE_TOO_LARGE`, raised while inflating, never after allocating the whole. RSV1 on a
 * control or continuation frame is 1002, checked by `MessageDecoder`.
 *
 * @example
 * ```ts
 * import { MessageDecoder, PerMessageDeflate, encodeMessage } from 'wsframe';
 * // Both ends of one connection, parameters as negotiated (defaults here).
 * const client = new PerMessageDeflate({ role: 'client', threshold: 0 });
 * const server = new PerMessageDeflate({ role: 'server' });
 * const bytes = encodeMessage('Hello', { mask: true, extensions: [client] });
 * console.log(bytes[0].toString(16), bytes[1] & 0x7f); // c1 7
 * const [message] = new MessageDecoder({ role: 'server', extensions: [server] }).push(bytes);
 * console.log(message); // { type: 'text', data: 'Hello' }
 * ```
 */
export class PerMessageDeflate implements MessageExtension, MessageEncodeExtension {
  /** The extension token (RFC 7692 §7). */
  static readonly extensionName: 'permessage-deflate' = NAME;
  /** The extension token, as `MessageDecoder` and `encodeMessage` name their extensions. */
  readonly name: 'permessage-deflate' = NAME;
  /** RFC 7692 §6: the "Per-Message Compressed" bit is RSV1. */
  readonly rsv: { readonly rsv1: true } = { rsv1: true } as const;
  /** Which end of the connection this is. */
  readonly role: 'client' | 'server';
  /** The negotiated parameters. */
  readonly params: Readonly<PerMessageDeflateParams>;
  /** Messages shorter than this are sent uncompressed. */
  readonly threshold: number;
  readonly #codec: PerMessageCodec;

  /**
   * Sets up one connection's compression. Usually made for you by {@link PerMessageDeflate.accept}
   * or {@link PerMessageDeflate.fromResponse}.
   *
   * @throws {RangeError} For window bits outside 8..15, a negative threshold or a level outside 0..9.
   */
  constructor(init: {
    role: 'client' | 'server';
    params?: Partial<PerMessageDeflateParams>;
    threshold?: number;
    level?: number;
    codec?: PerMessageCodecFactory;
  }) {
    const { role, params = {}, threshold = 1024, level = DEFAULT_LEVEL, codec = createDeflateCodec } = init;
    if (role !== 'client' && role !== 'server') {
      throw new TypeError(`Invalid permessage-deflate options: role must be 'client' or 'server', got ${String(role)}`);
    }
    if (!(threshold >= 0)) throw new RangeError(`Invalid permessage-deflate options: threshold must be >= 0, got ${threshold}`);
    if (!Number.isInteger(level) || level < 0 || level > 9) {
      throw new RangeError(`Invalid permessage-deflate options: level must be an integer in 0..9, got ${level}`);
    }
    this.role = role;
    this.threshold = threshold;
    this.params = Object.freeze({
      serverNoContextTakeover: params.serverNoContextTakeover === true,
      clientNoContextTakeover: params.clientNoContextTakeover === true,
      serverMaxWindowBits: checkWindowBits(params.serverMaxWindowBits, 'serverMaxWindowBits') ?? MAX_WINDOW_BITS,
      clientMaxWindowBits: checkWindowBits(params.clientMaxWindowBits, 'clientMaxWindowBits') ?? MAX_WINDOW_BITS,
    });
    const ours = role === 'server' ? 'server' : 'client';
    const theirs = role === 'server' ? 'client' : 'server';
    this.#codec = codec({
      compressWindowBits: this.params[`${ours}MaxWindowBits`],
      compressNoContextTakeover: this.params[`${ours}NoContextTakeover`],
      decompressWindowBits: this.params[`${theirs}MaxWindowBits`],
      decompressNoContextTakeover: this.params[`${theirs}NoContextTakeover`],
      level,
    });
  }

  /**
   * The client's offer (RFC 7692 §7.1), for `formatExtensions` and `createClientHandshake`.
   *
   * @example
   * ```ts
   * import { PerMessageDeflate, formatExtensions } from 'wsframe';
   * console.log(formatExtensions([PerMessageDeflate.offer()])); // permessage-deflate; client_max_window_bits
   * console.log(formatExtensions([PerMessageDeflate.offer({ serverNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: false })])); // permessage-deflate; server_no_context_takeover; server_max_window_bits=10
   * ```
   */
  static offer(options: PerMessageDeflateOptions = {}): Extension {
    const serverMaxWindowBits = checkWindowBits(options.serverMaxWindowBits, 'serverMaxWindowBits');
    const clientMaxWindowBits = options.clientMaxWindowBits ?? true;
    if (typeof clientMaxWindowBits === 'number') checkWindowBits(clientMaxWindowBits, 'clientMaxWindowBits');
    const params: Record<string, string | true> = {};
    if (options.serverNoContextTakeover === true) params.server_no_context_takeover = true;
    if (options.clientNoContextTakeover === true) params.client_no_context_takeover = true;
    if (serverMaxWindowBits !== undefined) params.server_max_window_bits = String(serverMaxWindowBits);
    if (clientMaxWindowBits !== false) params.client_max_window_bits = clientMaxWindowBits === true ? true : String(clientMaxWindowBits);
    return { name: NAME, params };
  }

  /**
   * Server side: picks the first acceptable permessage-deflate offer (RFC 7692 §7.1; offers
   * are in the client's order of preference) and returns the response to send in
   * `Sec-WebSocket-Extensions` with the extension for the connection, or undefined when no
   * offer is acceptable (then answer without it). An offer with an unknown parameter, a
   * parameter with an invalid value, or a `client_max_window_bits` requirement the client did
   * not allow is declined, as §7 says: the next offer is tried. (A parameter repeated inside one
   * offer already fails `parseExtensions`.)
   *
   * @example
   * ```ts
   * import { PerMessageDeflate, formatExtensions, parseExtensions } from 'wsframe';
   * const offers = parseExtensions('permessage-deflate; server_max_window_bits=10; client_max_window_bits, permessage-deflate');
   * const accepted = PerMessageDeflate.accept(offers, { clientMaxWindowBits: 12 });
   * console.log(formatExtensions([accepted!.response])); // permessage-deflate; server_max_window_bits=10; client_max_window_bits=12
   * console.log(accepted!.extension.params.serverMaxWindowBits); // 10
   * console.log(PerMessageDeflate.accept(parseExtensions('permessage-deflate; x=1'))); // undefined
   * ```
   */
  static accept(
    offers: readonly Extension[],
    options: PerMessageDeflateOptions = {},
  ): { response: Extension; extension: PerMessageDeflate } | undefined {
    const ourServerBits = checkWindowBits(options.serverMaxWindowBits, 'serverMaxWindowBits');
    const ourClientBits = typeof options.clientMaxWindowBits === 'number'
      ? checkWindowBits(options.clientMaxWindowBits, 'clientMaxWindowBits')
      : undefined;
    for (const offer of offers) {
      if (offer.name.toLowerCase() !== NAME) continue;
      // RFC 7692 §7: decline an offer with multiple parameters of the same name.
      if (offer.repeated !== undefined && offer.repeated.length > 0) continue;
      const read = readParams(offer.params, 'offer');
      if (typeof read === 'string') continue;
      // RFC 7692 §7.1.2.2: without client_max_window_bits in the offer the response may not
      // limit the client's window, so a server that needs a limit declines.
      if (ourClientBits !== undefined && read.clientMaxWindowBits === undefined) continue;
      const params: PerMessageDeflateParams = {
        serverNoContextTakeover: read.serverNoContextTakeover || options.serverNoContextTakeover === true,
        clientNoContextTakeover: options.clientNoContextTakeover === true ||
          (read.clientNoContextTakeover && options.clientNoContextTakeover !== false),
        // RFC 7692 §7.1.2.1: accept a requested server window with the same or a smaller one.
        serverMaxWindowBits: Math.min(read.serverMaxWindowBits ?? MAX_WINDOW_BITS, ourServerBits ?? MAX_WINDOW_BITS),
        clientMaxWindowBits: Math.min(
          typeof read.clientMaxWindowBits === 'number' ? read.clientMaxWindowBits : MAX_WINDOW_BITS,
          ourClientBits ?? MAX_WINDOW_BITS,
        ),
      };
      const response: Extension = { name: NAME, params: {} };
      if (params.serverNoContextTakeover) response.params.server_no_context_takeover = true;
      if (params.clientNoContextTakeover) response.params.client_no_context_takeover = true;
      if (read.serverMaxWindowBits !== undefined || ourServerBits !== undefined) {
        response.params.server_max_window_bits = String(params.serverMaxWindowBits);
      }
      if (typeof read.clientMaxWindowBits === 'number' || ourClientBits !== undefined) {
        response.params.client_max_window_bits = String(params.clientMaxWindowBits);
      }
      const extension = new PerMessageDeflate({
        role: 'server', params, threshold: options.threshold, level: options.level, codec: options.codec,
      });
      return { response, extension };
    }
    return undefined;
  }

  /**
   * Client side: reads the server's answer to our {@link PerMessageDeflate.offer} (made with the
   * same `options`) from the extensions `validateServerHandshake` returned. Returns the
   * extension for the connection, or undefined when the server did not accept it.
   *
   * @throws {HandshakeError} Status 502, code `INVALID_EXTENSIONS`, when the response breaks
   *   RFC 7692 §7.1 (the client must then fail the connection): permessage-deflate accepted
   *   twice, an unknown parameter, an invalid value, `client_max_window_bits` without a value
   *   or not offered, a window larger than requested, or a requested
   *   `server_no_context_takeover` / `server_max_window_bits` left out.
   *
   * @example
   * ```ts
   * import { PerMessageDeflate, parseExtensions } from 'wsframe';
   * const extension = PerMessageDeflate.fromResponse(parseExtensions('permessage-deflate; client_max_window_bits=10'));
   * console.log(extension!.params.clientMaxWindowBits, extension!.params.serverMaxWindowBits); // 10 15
   * try {
   *   PerMessageDeflate.fromResponse(parseExtensions('permessage-deflate; server_max_window_bits=16'));
   * } catch (error) {
   *   console.log((error as Error).message); // Cannot accept the permessage-deflate response: server_max_window_bits=16 is not an integer in 8..15
   * }
   * ```
   */
  static fromResponse(response: readonly Extension[], options: PerMessageDeflateOptions = {}): PerMessageDeflate | undefined {
    const accepted = response.filter((extension) => extension.name.toLowerCase() === NAME);
    if (accepted.length === 0) return undefined;
    const fail = (problem: string) =>
      handshakeError('INVALID_EXTENSIONS', `Cannot accept the permessage-deflate response: ${problem}`, BAD_RESPONSE_STATUS);
    if (accepted.length > 1) throw fail('the server accepted it more than once');
    // RFC 7692 §7.1: a response with multiple parameters of the same name fails the connection.
    if (accepted[0].repeated !== undefined && accepted[0].repeated.length > 0) throw fail(`${accepted[0].repeated[0]} is repeated`);
    const read = readParams(accepted[0].params, 'response');
    if (typeof read === 'string') throw fail(read);
    const offeredServerBits = checkWindowBits(options.serverMaxWindowBits, 'serverMaxWindowBits');
    const offeredClientBits = options.clientMaxWindowBits ?? true;
    if (options.serverNoContextTakeover === true && !read.serverNoContextTakeover) {
      throw fail('server_no_context_takeover was requested and left out');
    }
    if (offeredServerBits !== undefined) {
      // RFC 7692 §7.1.2.1: accepting a requested server window means answering with one as small.
      if (read.serverMaxWindowBits === undefined) throw fail('server_max_window_bits was requested and left out');
      if (read.serverMaxWindowBits > offeredServerBits) {
        throw fail(`server_max_window_bits=${read.serverMaxWindowBits} is larger than the ${offeredServerBits} requested`);
      }
    }
    if (read.clientMaxWindowBits !== undefined) {
      if (offeredClientBits === false) throw fail('client_max_window_bits was not offered');
      if (typeof offeredClientBits === 'number' && (read.clientMaxWindowBits as number) > offeredClientBits) {
        throw fail(`client_max_window_bits=${read.clientMaxWindowBits} is larger than the ${offeredClientBits} offered`);
      }
    }
    const clientBits = typeof read.clientMaxWindowBits === 'number'
      ? read.clientMaxWindowBits
      : typeof offeredClientBits === 'number' ? offeredClientBits : undefined;
    return new PerMessageDeflate({
      role: 'client',
      params: {
        serverNoContextTakeover: read.serverNoContextTakeover,
        // We offered it: we keep to it even if the server did not echo it.
        clientNoContextTakeover: read.clientNoContextTakeover || options.clientNoContextTakeover === true,
        serverMaxWindowBits: read.serverMaxWindowBits,
        clientMaxWindowBits: clientBits,
      },
      threshold: options.threshold,
      level: options.level,
      codec: options.codec,
    });
  }

  /**
   * `MessageDecoder` hook: inflates a message whose first frame had RSV1 set, at most
   * `message.maxLength` bytes (RFC 7692 §6.2).
   *
   * @throws {ProtocolError} 1007 `DEFLATE_*` for corrupt data; 1009 `MESSAGE_TOO_LARGE`.
   */
  decodeMessage(payload: Uint8Array, message: ExtensionMessage): Uint8Array {
    if (!message.rsv1) return payload;
    return this.#codec.decompress(payload, message.maxLength);
  }

  /**
   * `encodeMessage` hook: compresses a text or binary message of at least `threshold` bytes
   * (RFC 7692 §6.1) and says whether to set RSV1 on its first frame. Control frames are never
   * compressed. The input is not modified.
   */
  encodeMessage(payload: Uint8Array, message: { opcode: number }): DeflatedMessage {
    if (message.opcode !== Opcode.Text && message.opcode !== Opcode.Binary) return { payload, rsv1: false };
    if (payload.length < this.threshold) return { payload, rsv1: false };
    return { payload: this.#codec.compress(payload), rsv1: true };
  }

  /** Compresses one message whatever its size (RFC 7692 §7.2.1); see {@link PerMessageDeflate.encodeMessage}. */
  compress(data: Uint8Array): Uint8Array {
    return this.#codec.compress(data);
  }

  /** Inflates one compressed message's payload (RFC 7692 §7.2.2); see {@link PerMessageDeflate.decodeMessage}. */
  decompress(payload: Uint8Array, maxLength: number = Number.MAX_SAFE_INTEGER): Uint8Array {
    return this.#codec.decompress(payload, maxLength);
  }
}
