/**
 * Message encoding: a text or binary message as one or more frames, masked for a client, and
 * builders for ping, pong and close frames. Layer 4.
 *
 * @module
 */

import { copyUnmasked, copyXorSmall } from '../bytes/_copy.ts';
import { encodeUtf8, getRandomValues } from '../base/_host.ts';
import { encodeClosePayload } from '../wire/close.ts';
import { MASKING_KEY_SIZE, MAX_7BIT_LENGTH, MAX_CONTROL_PAYLOAD, Opcode } from '../base/constants.ts';
import { headerLengthFor, writeCheckedHeader, type HeaderInit } from '../wire/header.ts';

/** Options of the control-frame builders ({@link encodePing}, {@link encodePong}, {@link encodeClose}). */
export interface EncodeOptions {
  /** Mask the frame with a fresh random key (RFC 6455 §5.3: a client masks every frame). Default false. */
  mask?: boolean;
  /**
   * Where masking keys come from: fills and returns the 4-byte array it is given. Default: the
   * platform's `crypto.getRandomValues`. Inject a fixed source in tests only; RFC 6455 §10.3
   * requires keys a proxy cannot predict.
   */
  random?: (bytes: Uint8Array) => Uint8Array;
}

/**
 * A negotiated per-message extension on the sending side (RFC 6455 §9, RFC 7692 §6), such as
 * `PerMessageDeflate`: transforms the payload of a text or binary message and says which RSV
 * bits to set on the message's first frame (never on continuations).
 */
export interface MessageEncodeExtension {
  /** Extension name, for error messages, e.g. `'permessage-deflate'`. */
  readonly name: string;
  /** Returns the payload to frame and the RSV bits to set; must not modify `payload`. */
  encodeMessage(payload: Uint8Array, message: { opcode: number }): {
    payload: Uint8Array; rsv1?: boolean; rsv2?: boolean; rsv3?: boolean;
  };
}

/** Options of {@link encodeMessage}. */
export interface EncodeMessageOptions extends EncodeOptions {
  /**
   * Fragment the message into frames of at most this many payload bytes (RFC 6455 §5.4).
   * A positive integer or Infinity; default Infinity (one frame).
   */
  maxFrameLength?: number;
  /**
   * Negotiated per-message extensions, applied in negotiation order (RFC 6455 §9.1), e.g. a
   * `PerMessageDeflate`: the message is compressed and its first frame gets RSV1.
   */
  extensions?: readonly MessageEncodeExtension[];
}

const RSV1_BIT = 0x40;
const RSV2_BIT = 0x20;
const RSV3_BIT = 0x10;

const EMPTY = new Uint8Array(0);

// Keys are drawn from a pool refilled by one getRandomValues call: one call per frame costs
// more than the rest of encoding a 16-byte frame (measured on Node 20: ~250 ns vs ~60 ns).
// 16 KiB: 0.9 ns of refilling per key, against 2.1 ns with 4 KiB and 29 ns with 256 B (Node 20).
const RANDOM_POOL_SIZE = 16 * 1024;
let randomPool: Uint8Array | undefined;
let randomPoolPosition = RANDOM_POOL_SIZE;

const maskingKey = new Uint8Array(MASKING_KEY_SIZE);
// Reused for every header written: encoding allocates nothing but its output.
const header: HeaderInit = { opcode: 0, payloadLength: 0, fin: true };
const MASK_BIT = 0x80;
const FIN_BIT = 0x80;

/** Writes 4 fresh random bytes into `target` at `at` (and into the module's `maskingKey`). */
function writeMaskingKey(target: Uint8Array, at: number, random: EncodeOptions['random']): void {
  if (random !== undefined) {
    const key = random(maskingKey);
    if (key !== maskingKey) maskingKey.set(key.subarray(0, MASKING_KEY_SIZE));
  } else {
    if (randomPoolPosition + MASKING_KEY_SIZE > RANDOM_POOL_SIZE) {
      randomPool ??= new Uint8Array(RANDOM_POOL_SIZE);
      getRandomValues(randomPool);
      randomPoolPosition = 0;
    }
    const pool = randomPool!;
    const from = randomPoolPosition;
    maskingKey[0] = pool[from];
    maskingKey[1] = pool[from + 1];
    maskingKey[2] = pool[from + 2];
    maskingKey[3] = pool[from + 3];
    // Used key bytes are wiped: no key is handed out twice, none lingers in the pool.
    pool[from] = pool[from + 1] = pool[from + 2] = pool[from + 3] = 0;
    randomPoolPosition = from + MASKING_KEY_SIZE;
  }
  target[at] = maskingKey[0];
  target[at + 1] = maskingKey[1];
  target[at + 2] = maskingKey[2];
  target[at + 3] = maskingKey[3];
}

function checkEncodeOptions(options: EncodeOptions): boolean {
  const { mask = false, random } = options;
  if (typeof mask !== 'boolean') throw new TypeError('Cannot encode: mask must be a boolean');
  if (random !== undefined && typeof random !== 'function') throw new TypeError('Cannot encode: random must be a function');
  return mask;
}

/** Encodes `payload` as frames of `opcode` (then continuations), fragmenting at `maxFrameLength`. */
function encodeFrames(opcode: number, payload: Uint8Array, mask: boolean, maxFrameLength: number, random: EncodeOptions['random'], rsv = 0): Uint8Array {
  const length = payload.length;
  if (length <= MAX_7BIT_LENGTH && length <= maxFrameLength) return encodeSmallFrame(opcode, payload, mask, random, rsv);
  // An empty message is one empty frame (RFC 6455 §5.6); maxFrameLength may be Infinity.
  const frameCount = length <= maxFrameLength ? 1 : Math.ceil(length / maxFrameLength);
  const lastLength = frameCount === 1 ? length : length - (frameCount - 1) * maxFrameLength;
  const size = length + (frameCount - 1) * headerLengthFor(maxFrameLength, mask) + headerLengthFor(lastLength, mask);
  const out = new Uint8Array(size);
  let at = 0;
  let from = 0;
  for (let i = 0; i < frameCount; i++) {
    const frameLength = i === frameCount - 1 ? lastLength : maxFrameLength;
    header.opcode = i === 0 ? opcode : Opcode.Continuation;
    header.fin = i === frameCount - 1;
    // RFC 7692 §6.1: an extension's RSV bits go on the first frame of the message only.
    header.rsv1 = i === 0 && (rsv & RSV1_BIT) !== 0;
    header.rsv2 = i === 0 && (rsv & RSV2_BIT) !== 0;
    header.rsv3 = i === 0 && (rsv & RSV3_BIT) !== 0;
    header.payloadLength = frameLength;
    const start = at;
    // The key is written here rather than by writeCheckedHeader: it comes straight from the pool.
    at += writeCheckedHeader(out, at, header);
    if (mask) {
      out[start + 1] |= MASK_BIT;
      writeMaskingKey(out, at, random);
      at += MASKING_KEY_SIZE;
    }
    if (!mask) {
      out.set(frameLength === length ? payload : payload.subarray(from, from + frameLength), at);
    } else {
      // The decoders' copy-and-mask: a fused loop when short, the SIMD kernel from 4 KiB (64 KiB
      // masked message: ~1.4x the native copy then the JS word loop, Node 20).
      copyUnmasked(payload, from, from + frameLength, out, at, maskingKey, 0);
    }
    at += frameLength;
    from += frameLength;
  }
  return out;
}

/**
 * {@link encodeFrames} for one frame of at most 125 bytes: the 2-byte header written inline,
 * without the header object (16-byte masked message: ~1.2x, Node 20).
 */
function encodeSmallFrame(opcode: number, payload: Uint8Array, mask: boolean, random: EncodeOptions['random'], rsv: number): Uint8Array {
  const length = payload.length;
  const out = new Uint8Array((mask ? 2 + MASKING_KEY_SIZE : 2) + length);
  out[0] = FIN_BIT | rsv | opcode;
  if (!mask) {
    out[1] = length;
    out.set(payload, 2);
    return out;
  }
  out[1] = MASK_BIT | length;
  writeMaskingKey(out, 2, random);
  copyXorSmall(payload, 0, length, out, 2 + MASKING_KEY_SIZE, maskingKey[0], maskingKey[1], maskingKey[2], maskingKey[3]);
  return out;
}

function toBytes(data: string | Uint8Array, what: string): Uint8Array {
  if (typeof data === 'string') return encodeUtf8(data);
  if (data instanceof Uint8Array) return data;
  throw new TypeError(`Cannot encode ${what}: data must be a string or a Uint8Array`);
}

/**
 * Encodes a message as frames, concatenated: a string as a text message (UTF-8; lone
 * surrogates become U+FFFD, as `WebSocket.send()` does), a `Uint8Array` as a binary message.
 * With `maxFrameLength` the payload is split into frames of at most that length (the first
 * carries the opcode, the rest are continuations; FIN on the last); an empty message is one
 * empty frame. With `mask` every frame gets a fresh random masking key. Never mutates `data`.
 * Returns a fresh array. `TypeError` for data that is neither string nor `Uint8Array` or a
 * non-boolean `mask`; `RangeError` for a `maxFrameLength` that is not a positive integer or
 * Infinity.
 *
 * @example
 * ```ts
 * import { encodeMessage } from 'wsframe';
 * const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
 * console.log(hex(encodeMessage('Hello'))); // 81 05 48 65 6c 6c 6f
 * // RFC 6455 §5.7: a fragmented unmasked text message
 * console.log(hex(encodeMessage('Hello', { maxFrameLength: 3 }))); // 01 03 48 65 6c 80 02 6c 6f
 * // RFC 6455 §5.7: masked with 37 fa 21 3d (a fixed key for the example only)
 * const random = (bytes: Uint8Array) => (bytes.set([0x37, 0xfa, 0x21, 0x3d]), bytes);
 * console.log(hex(encodeMessage('Hello', { mask: true, random }))); // 81 85 37 fa 21 3d 7f 9f 4d 51 58
 * console.log(encodeMessage(new Uint8Array(256), { mask: true }).length); // 264
 * ```
 */
export function encodeMessage(data: string | Uint8Array, options: EncodeMessageOptions = {}): Uint8Array {
  const payload = toBytes(data, 'message');
  const mask = checkEncodeOptions(options);
  const { maxFrameLength = Number.POSITIVE_INFINITY } = options;
  if (!((Number.isSafeInteger(maxFrameLength) && maxFrameLength >= 1) || maxFrameLength === Number.POSITIVE_INFINITY)) {
    throw new RangeError(`Cannot encode message: maxFrameLength ${String(maxFrameLength)} is not a positive integer or Infinity`);
  }
  const opcode = typeof data === 'string' ? Opcode.Text : Opcode.Binary;
  if (options.extensions === undefined || options.extensions.length === 0) {
    return encodeFrames(opcode, payload, mask, maxFrameLength, options.random);
  }
  let bytes = payload;
  let rsv = 0;
  for (const extension of options.extensions) {
    const result = extension.encodeMessage(bytes, { opcode });
    if (!(result?.payload instanceof Uint8Array)) {
      throw new TypeError(`Extension ${extension.name}: encodeMessage must return { payload: Uint8Array }`);
    }
    bytes = result.payload;
    rsv |= (result.rsv1 === true ? RSV1_BIT : 0) | (result.rsv2 === true ? RSV2_BIT : 0) | (result.rsv3 === true ? RSV3_BIT : 0);
  }
  return encodeFrames(opcode, bytes, mask, maxFrameLength, options.random, rsv);
}

function encodeControl(opcode: number, payload: Uint8Array, options: EncodeOptions): Uint8Array {
  const mask = checkEncodeOptions(options);
  return encodeFrames(opcode, payload, mask, MAX_CONTROL_PAYLOAD, options.random);
}

function controlPayload(payload: string | Uint8Array, what: string): Uint8Array {
  const bytes = toBytes(payload, what);
  if (bytes.length > MAX_CONTROL_PAYLOAD) {
    throw new RangeError(`Cannot encode ${what}: payload is ${bytes.length} bytes, at most 125 allowed (RFC 6455 §5.5)`);
  }
  return bytes;
}

/**
 * Encodes a ping frame (RFC 6455 §5.5.2) with an optional payload of at most 125 bytes (a
 * string is UTF-8 encoded). `RangeError` for a longer payload; `TypeError` as
 * {@link encodeMessage}. Never mutates `payload`.
 *
 * @example
 * ```ts
 * import { encodePing } from 'wsframe';
 * const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
 * console.log(hex(encodePing('Hello'))); // 89 05 48 65 6c 6c 6f
 * console.log(hex(encodePing())); // 89 00
 * ```
 */
export function encodePing(payload: string | Uint8Array = EMPTY, options: EncodeOptions = {}): Uint8Array {
  return encodeControl(Opcode.Ping, controlPayload(payload, 'ping'), options);
}

/**
 * Encodes a pong frame (RFC 6455 §5.5.3): the answer to a ping carries the ping's payload. Same
 * rules as {@link encodePing}.
 *
 * @example
 * ```ts
 * import { encodePong } from 'wsframe';
 * const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
 * console.log(hex(encodePong('Hello'))); // 8a 05 48 65 6c 6c 6f
 * ```
 */
export function encodePong(payload: string | Uint8Array = EMPTY, options: EncodeOptions = {}): Uint8Array {
  return encodeControl(Opcode.Pong, controlPayload(payload, 'pong'), options);
}

/**
 * Encodes a close frame (RFC 6455 §5.5.1) with an optional status code and reason (see
 * `encodeClosePayload`): `RangeError` for a code that may not be sent or a reason over 123 bytes
 * of UTF-8, `TypeError` for a reason without a code or with a lone surrogate.
 *
 * @example
 * ```ts
 * import { encodeClose } from 'wsframe';
 * const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
 * console.log(hex(encodeClose(1000, 'bye'))); // 88 05 03 e8 62 79 65
 * console.log(hex(encodeClose())); // 88 00
 * try {
 *   encodeClose(1005);
 * } catch (error) {
 *   console.log((error as Error).name); // RangeError
 * }
 * ```
 */
export function encodeClose(code?: number, reason = '', options: EncodeOptions = {}): Uint8Array {
  return encodeControl(Opcode.Close, encodeClosePayload(code, reason), options);
}
