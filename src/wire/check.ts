/**
 * What a decoded header may be, given the endpoint's role and the negotiated extensions: the
 * semantic checks that come after parsing. Pure; throws `ProtocolError`. Layer 3.
 *
 * @module
 */

import { DEFAULT_MAX_PAYLOAD_LENGTH, MAX_CONTROL_PAYLOAD, isControlOpcode, isKnownOpcode } from '../base/constants.ts';
import { ProtocolError } from '../base/errors.ts';
import type { FrameHeader } from './header.ts';

/** Options of every decoder. */
export interface DecodeOptions {
  /**
   * `'server'`: we read a client's frames, which must be masked (else 1002 `MASK_REQUIRED`);
   * `'client'`: we read a server's frames, which must not be masked (else 1002 `MASK_FORBIDDEN`);
   * omitted: either is accepted (captured traffic).
   */
  role?: 'server' | 'client';
  /** Frames declaring a longer payload fail with 1009 `PAYLOAD_TOO_LARGE`. Default 64 MiB. */
  maxPayloadLength?: number;
  /** RSV bits a negotiated extension owns; any other set bit fails with 1002 `RESERVED_BITS`. */
  allowedRsv?: { rsv1?: boolean; rsv2?: boolean; rsv3?: boolean };
}

/** {@link DecodeOptions} with defaults applied and shapes checked, ready for the hot path. */
export interface ResolvedDecodeOptions {
  /** See {@link DecodeOptions.role}. */
  role: 'server' | 'client' | undefined;
  /** See {@link DecodeOptions.maxPayloadLength}; the default applied. */
  maxPayloadLength: number;
  /** RSV bits as they sit in the first header byte (0x40, 0x20, 0x10) that are allowed. */
  allowedRsvBits: number;
}

/**
 * Applies defaults to `options` and checks their shapes: `TypeError` for an unknown role,
 * `RangeError` for a `maxPayloadLength` that is not a non-negative safe integer.
 */
export function resolveDecodeOptions(options: DecodeOptions = {}): ResolvedDecodeOptions {
  const { role, maxPayloadLength = DEFAULT_MAX_PAYLOAD_LENGTH, allowedRsv } = options;
  if (role !== undefined && role !== 'server' && role !== 'client') {
    throw new TypeError(`Invalid decode options: role must be 'server', 'client' or undefined, not ${String(role)}`);
  }
  if (!Number.isSafeInteger(maxPayloadLength) || maxPayloadLength < 0) {
    throw new RangeError(`Invalid decode options: maxPayloadLength ${String(maxPayloadLength)} is not a non-negative integer`);
  }
  const allowedRsvBits =
    (allowedRsv?.rsv1 === true ? 0x40 : 0) | (allowedRsv?.rsv2 === true ? 0x20 : 0) | (allowedRsv?.rsv3 === true ? 0x10 : 0);
  return { role, maxPayloadLength, allowedRsvBits };
}

const OPCODE_NAMES: Record<number, string> = { 0x0: 'continuation', 0x1: 'text', 0x2: 'binary', 0x8: 'close', 0x9: 'ping', 0xa: 'pong' };

/** A human name for an opcode: "text", "ping", … or "0x3". */
export function opcodeName(opcode: number): string {
  return OPCODE_NAMES[opcode] ?? `0x${opcode.toString(16)}`;
}

/**
 * Checks a decoded header against RFC 6455 and `options` (already resolved). Throws
 * `ProtocolError`: 1002 `RESERVED_OPCODE` (3–7, 11–15), `RESERVED_BITS` (RSV bits no
 * extension owns), `CONTROL_FRAME_FRAGMENTED`, `CONTROL_PAYLOAD_TOO_LONG` (over 125 bytes),
 * `MASK_REQUIRED` / `MASK_FORBIDDEN` (masking contrary to the role); 1009 `PAYLOAD_TOO_LARGE`.
 * `offset` is the position of the header in the input, for the error.
 *
 * @example
 * ```ts
 * import { checkFrameHeader, decodeHeader, resolveDecodeOptions } from 'wsframe';
 * const header = decodeHeader(new Uint8Array([0x81, 0x05]))!;
 * try {
 *   checkFrameHeader(header, resolveDecodeOptions({ role: 'server' }));
 * } catch (error) {
 *   console.log((error as { code: string }).code); // MASK_REQUIRED
 * }
 * ```
 */
export function checkFrameHeader(header: FrameHeader, options: ResolvedDecodeOptions, offset = 0): void {
  const { opcode } = header;
  if (!isKnownOpcode(opcode)) {
    throw new ProtocolError('RESERVED_OPCODE', `Cannot decode frame: opcode 0x${opcode.toString(16)} is reserved`, offset);
  }
  const rsvBits = (header.rsv1 ? 0x40 : 0) | (header.rsv2 ? 0x20 : 0) | (header.rsv3 ? 0x10 : 0);
  if ((rsvBits & ~options.allowedRsvBits) !== 0) {
    const names = [header.rsv1 && 'RSV1', header.rsv2 && 'RSV2', header.rsv3 && 'RSV3'].filter(Boolean).join(', ');
    throw new ProtocolError(
      'RESERVED_BITS',
      `Cannot decode frame: ${names} set but no negotiated extension defines ${rsvBits & (rsvBits - 1) ? 'them' : 'it'}`,
      offset,
    );
  }
  if (isControlOpcode(opcode)) {
    if (!header.fin) {
      throw new ProtocolError('CONTROL_FRAME_FRAGMENTED', `Cannot decode frame: ${opcodeName(opcode)} frame has FIN clear; control frames must not be fragmented`, offset);
    }
    if (header.payloadLength > MAX_CONTROL_PAYLOAD) {
      throw new ProtocolError(
        'CONTROL_PAYLOAD_TOO_LONG',
        `Cannot decode frame: ${opcodeName(opcode)} payload of ${header.payloadLength} bytes exceeds the 125-byte limit for control frames`,
        offset + 1,
      );
    }
  }
  if (options.role === 'server' && !header.masked) {
    throw new ProtocolError('MASK_REQUIRED', 'Cannot decode frame: a client-to-server frame must be masked', offset + 1);
  }
  if (options.role === 'client' && header.masked) {
    throw new ProtocolError('MASK_FORBIDDEN', 'Cannot decode frame: a server-to-client frame must not be masked', offset + 1);
  }
  if (header.payloadLength > options.maxPayloadLength) {
    throw new ProtocolError(
      'PAYLOAD_TOO_LARGE',
      `Cannot decode frame: payload of ${header.payloadLength} bytes exceeds maxPayloadLength ${options.maxPayloadLength}`,
      offset + 1,
    );
  }
}
