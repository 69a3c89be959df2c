/**
 * The frame header: parse and build, syntax only. What a role or a negotiated extension allows
 * is checked separately (see `check.ts`). Layer 3.
 *
 * RFC 6455 §5.2, base framing protocol:
 *
 * ```text
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-------+-+-------------+-------------------------------+
 *  |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
 *  |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
 *  |N|V|V|V|       |S|             |   (if payload len==126/127)   |
 *  | |1|2|3|       |K|             |                               |
 *  +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
 *  |     Extended payload length continued, if payload len == 127  |
 *  + - - - - - - - - - - - - - - - +-------------------------------+
 *  |                               |Masking-key, if MASK set to 1  |
 *  +-------------------------------+-------------------------------+
 *  | Masking-key (continued)       |          Payload Data         |
 *  +-------------------------------- - - - - - - - - - - - - - - - +
 *  :                     Payload Data continued ...                :
 *  + - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - +
 *  |                     Payload Data continued ...                |
 *  +---------------------------------------------------------------+
 * ```
 *
 * @module
 */

import {
  LENGTH_16BIT_MARKER, LENGTH_64BIT_MARKER, MASKING_KEY_SIZE, MAX_16BIT_LENGTH, MAX_7BIT_LENGTH,
} from '../base/constants.ts';
import { ProtocolError } from '../base/errors.ts';
import { copyBytes } from '../bytes/_bytes.ts';

const FIN_BIT = 0x80;
const RSV1_BIT = 0x40;
const RSV2_BIT = 0x20;
const RSV3_BIT = 0x10;
const OPCODE_BITS = 0x0f;
const MASK_BIT = 0x80;
const LENGTH_BITS = 0x7f;
const TWO_POW_32 = 0x1_0000_0000;
// 2^53 - 1 = Number.MAX_SAFE_INTEGER: the high 32-bit word may be at most 0x1fffff.
const MAX_SAFE_HIGH_WORD = 0x1f_ffff;

/** A decoded frame header (RFC 6455 §5.2). */
export interface FrameHeader {
  /** FIN: this is the last frame of its message. */
  fin: boolean;
  /** RSV1: reserved for an extension (permessage-deflate's "compressed" bit). */
  rsv1: boolean;
  /** RSV2: reserved for an extension. */
  rsv2: boolean;
  /** RSV3: reserved for an extension. */
  rsv3: boolean;
  /** 0..15 as on the wire. */
  opcode: number;
  /** MASK: the payload is masked (a client's frames always are). */
  masked: boolean;
  /** 4 bytes (a copy) when masked. */
  maskingKey: Uint8Array | undefined;
  /** Up to `Number.MAX_SAFE_INTEGER`. */
  payloadLength: number;
  /** 2..14. */
  headerLength: number;
}

/** What {@link encodeHeader} needs: everything but `opcode` and `payloadLength` is optional. */
export interface HeaderInit {
  /** 0..15, written as given. */
  opcode: number;
  /** The payload length the header announces (the payload itself is not part of the header). */
  payloadLength: number;
  /** Default true. */
  fin?: boolean;
  /** Default false. */
  rsv1?: boolean;
  /** Default false. */
  rsv2?: boolean;
  /** Default false. */
  rsv3?: boolean;
  /** 4 bytes: sets the MASK bit and writes the key. */
  maskingKey?: Uint8Array;
}

/**
 * Parses the frame header at `bytes[offset]`. Returns `undefined` when the header is not complete
 * yet (never throws for lack of bytes). Checks syntax only: the length must be in its minimal
 * encoding and a 64-bit length must have its top bit clear (`ProtocolError` 1002,
 * `NON_MINIMAL_LENGTH` / `LENGTH_MSB_SET`); a length above 2^53-1 cannot be represented and
 * fails with 1009 `LENGTH_UNSAFE`. Each error is thrown as soon as the bytes that prove it are
 * there. Opcodes, RSV bits, control-frame rules and masking direction are checked by
 * {@link checkFrameHeader}.
 *
 * @example
 * ```ts
 * import { decodeHeader } from 'wsframe';
 * // RFC 6455 §5.7: a masked "Hello" from a client
 * const header = decodeHeader(new Uint8Array([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f]));
 * console.log(header?.fin, header?.opcode, header?.masked, header?.payloadLength, header?.headerLength); // true 1 true 5 6
 * console.log(decodeHeader(new Uint8Array([0x81]))); // undefined
 * ```
 */
export function decodeHeader(bytes: Uint8Array, offset = 0): FrameHeader | undefined {
  const available = bytes.length - offset;
  if (available < 2) return undefined;
  const b0 = bytes[offset];
  const b1 = bytes[offset + 1];
  let payloadLength = b1 & LENGTH_BITS;
  let headerLength = 2;
  if (payloadLength === LENGTH_16BIT_MARKER) {
    if (available < 4) return undefined;
    payloadLength = (bytes[offset + 2] << 8) | bytes[offset + 3];
    if (payloadLength <= MAX_7BIT_LENGTH) throw nonMinimal(16, payloadLength, offset);
    headerLength = 4;
  } else if (payloadLength === LENGTH_64BIT_MARKER) {
    if (available < 10) return undefined;
    const high = readUint32(bytes, offset + 2);
    const low = readUint32(bytes, offset + 6);
    if (high >= 0x8000_0000) {
      throw new ProtocolError(
        'LENGTH_MSB_SET',
        'Cannot decode frame: the most significant bit of a 64-bit payload length must be 0',
        offset + 2,
      );
    }
    if (high > MAX_SAFE_HIGH_WORD) {
      throw new ProtocolError(
        'LENGTH_UNSAFE',
        `Cannot decode frame: payload length 0x${high.toString(16)}${low.toString(16).padStart(8, '0')} exceeds 2^53-1`,
        offset + 2,
      );
    }
    payloadLength = high * TWO_POW_32 + low;
    if (payloadLength <= MAX_16BIT_LENGTH) throw nonMinimal(64, payloadLength, offset);
    headerLength = 10;
  }
  const masked = (b1 & MASK_BIT) !== 0;
  let maskingKey: Uint8Array | undefined;
  if (masked) {
    if (available < headerLength + MASKING_KEY_SIZE) return undefined;
    const keyStart = offset + headerLength;
    maskingKey = copyBytes(bytes, keyStart, keyStart + MASKING_KEY_SIZE);
    headerLength += MASKING_KEY_SIZE;
  }
  return {
    fin: (b0 & FIN_BIT) !== 0,
    rsv1: (b0 & RSV1_BIT) !== 0,
    rsv2: (b0 & RSV2_BIT) !== 0,
    rsv3: (b0 & RSV3_BIT) !== 0,
    opcode: b0 & OPCODE_BITS,
    masked,
    maskingKey,
    payloadLength,
    headerLength,
  };
}

function nonMinimal(bits: number, length: number, offset: number): ProtocolError {
  return new ProtocolError(
    'NON_MINIMAL_LENGTH',
    `Cannot decode frame: payload length ${length} must not use the ${bits}-bit form (RFC 6455 §5.2 requires the minimal encoding)`,
    offset + 1,
  );
}

function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

/** Header length for a payload length and masking, in the minimal encoding. */
export function headerLengthFor(payloadLength: number, masked: boolean): number {
  const base = payloadLength <= MAX_7BIT_LENGTH ? 2 : payloadLength <= MAX_16BIT_LENGTH ? 4 : 10;
  return masked ? base + MASKING_KEY_SIZE : base;
}

/** Throws `RangeError`/`TypeError` when `header` has an impossible shape. */
export function checkHeaderInit(header: HeaderInit): void {
  const { opcode, payloadLength, maskingKey } = header;
  if (!Number.isInteger(opcode) || opcode < 0 || opcode > OPCODE_BITS) {
    throw new RangeError(`Cannot encode frame: opcode ${String(opcode)} is not an integer from 0 to 15`);
  }
  if (!Number.isSafeInteger(payloadLength) || payloadLength < 0) {
    throw new RangeError(`Cannot encode frame: payload length ${String(payloadLength)} is not an integer from 0 to 2^53-1`);
  }
  if (maskingKey !== undefined && (!(maskingKey instanceof Uint8Array) || maskingKey.length !== MASKING_KEY_SIZE)) {
    throw new TypeError('Cannot encode frame: the masking key must be a Uint8Array of 4 bytes');
  }
}

/**
 * Writes the header for `header` into `target` at `offset` in the minimal length encoding and
 * returns the number of bytes written. `target` must have room ({@link headerLengthFor}).
 * Checks shapes only (opcode 0..15, a safe integer length, a 4-byte key): `RangeError` /
 * `TypeError`.
 */
export function writeHeader(target: Uint8Array, offset: number, header: HeaderInit): number {
  checkHeaderInit(header);
  return writeCheckedHeader(target, offset, header);
}

/** {@link writeHeader} for a header that already passed `checkHeaderInit`. */
export function writeCheckedHeader(target: Uint8Array, offset: number, header: HeaderInit): number {
  const { payloadLength, maskingKey } = header;
  target[offset] =
    (header.fin === false ? 0 : FIN_BIT) |
    (header.rsv1 === true ? RSV1_BIT : 0) |
    (header.rsv2 === true ? RSV2_BIT : 0) |
    (header.rsv3 === true ? RSV3_BIT : 0) |
    header.opcode;
  const maskBit = maskingKey === undefined ? 0 : MASK_BIT;
  let at = offset + 2;
  if (payloadLength <= MAX_7BIT_LENGTH) {
    target[offset + 1] = maskBit | payloadLength;
  } else if (payloadLength <= MAX_16BIT_LENGTH) {
    target[offset + 1] = maskBit | LENGTH_16BIT_MARKER;
    target[at] = payloadLength >>> 8;
    target[at + 1] = payloadLength & 0xff;
    at += 2;
  } else {
    target[offset + 1] = maskBit | LENGTH_64BIT_MARKER;
    const high = Math.floor(payloadLength / TWO_POW_32);
    const low = payloadLength >>> 0;
    target[at] = high >>> 24;
    target[at + 1] = (high >>> 16) & 0xff;
    target[at + 2] = (high >>> 8) & 0xff;
    target[at + 3] = high & 0xff;
    target[at + 4] = low >>> 24;
    target[at + 5] = (low >>> 16) & 0xff;
    target[at + 6] = (low >>> 8) & 0xff;
    target[at + 7] = low & 0xff;
    at += 8;
  }
  if (maskingKey !== undefined) {
    target.set(maskingKey, at);
    at += MASKING_KEY_SIZE;
  }
  return at - offset;
}

/**
 * Builds a frame header in the minimal length encoding. Checks shapes only: any opcode 0..15 and
 * RSV bits are written as given (to build test vectors); `encodeFrame` adds the RFC's rules.
 * `RangeError` for an opcode outside 0..15 or a length that is not a safe non-negative integer,
 * `TypeError` for a masking key that is not 4 bytes.
 *
 * @example
 * ```ts
 * import { encodeHeader } from 'wsframe';
 * // RFC 6455 §5.7: the header of a 256-byte unmasked binary frame
 * const header = encodeHeader({ opcode: 0x2, payloadLength: 256 });
 * console.log(Array.from(header, (b) => b.toString(16).padStart(2, '0')).join(' ')); // 82 7e 01 00
 * ```
 */
export function encodeHeader(header: HeaderInit): Uint8Array {
  checkHeaderInit(header);
  const target = new Uint8Array(headerLengthFor(header.payloadLength, header.maskingKey !== undefined));
  writeCheckedHeader(target, 0, header);
  return target;
}
