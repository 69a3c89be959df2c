/**
 * Close frame payloads (RFC 6455 §5.5.1, §7.4): a 2-byte status code and a UTF-8 reason.
 * Layer 3.
 *
 * @module
 */

import { MAX_CLOSE_REASON, MAX_CONTROL_PAYLOAD } from '../base/constants.ts';
import { ProtocolError } from '../base/errors.ts';
import { decodeUtf8, encodeUtf8 } from '../base/_host.ts';
import { Utf8Validator } from '../bytes/utf8.ts';

/**
 * Whether `code` may appear in a close frame on the wire (RFC 6455 §7.4.1, §7.4.2): 1000–1003,
 * 1007–1014 and 3000–4999. 1004–1006 and 1015 are reserved or for APIs only; 1016–2999 are
 * unassigned or reserved for future protocol use; below 1000 is unused.
 *
 * @example
 * ```ts
 * import { isValidCloseCode } from 'wsframe';
 * console.log(isValidCloseCode(1000), isValidCloseCode(1005), isValidCloseCode(4000)); // true false true
 * ```
 */
export function isValidCloseCode(code: number): boolean {
  return (
    Number.isInteger(code) &&
    ((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999))
  );
}

/**
 * Builds a close payload. No code: an empty payload (then `reason` must be empty). `RangeError`
 * for a code that may not be sent (see {@link isValidCloseCode}) or a reason over 123 UTF-8
 * bytes; `TypeError` for a reason with lone surrogates (not representable in UTF-8) or a reason
 * without a code.
 *
 * @example
 * ```ts
 * import { encodeClosePayload } from 'wsframe';
 * console.log(Array.from(encodeClosePayload(1000, 'bye')).join(' ')); // 3 232 98 121 101
 * console.log(encodeClosePayload().length); // 0
 * ```
 */
export function encodeClosePayload(code?: number, reason = ''): Uint8Array {
  if (typeof reason !== 'string') throw new TypeError('Cannot encode close payload: reason must be a string');
  if (code === undefined) {
    if (reason !== '') throw new TypeError('Cannot encode close payload: a reason needs a status code');
    return new Uint8Array(0);
  }
  if (!isValidCloseCode(code)) {
    throw new RangeError(`Cannot encode close payload: status code ${String(code)} may not be sent (allowed: 1000-1003, 1007-1014, 3000-4999)`);
  }
  if (hasLoneSurrogate(reason)) {
    throw new TypeError('Cannot encode close payload: reason contains a lone surrogate, which UTF-8 cannot represent');
  }
  const reasonBytes = encodeUtf8(reason);
  if (reasonBytes.length > MAX_CLOSE_REASON) {
    throw new RangeError(`Cannot encode close payload: reason is ${reasonBytes.length} bytes of UTF-8, at most 123 allowed`);
  }
  const payload = new Uint8Array(2 + reasonBytes.length);
  payload[0] = code >>> 8;
  payload[1] = code & 0xff;
  payload.set(reasonBytes, 2);
  return payload;
}

function hasLoneSurrogate(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return true;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return true;
    }
  }
  return false;
}

/**
 * Reads a received close payload. Empty: `{ code: undefined, reason: '' }` (RFC 6455 §7.1.5:
 * the API reports 1005). `ProtocolError` 1002 for a 1-byte payload (`CLOSE_PAYLOAD_TOO_SHORT`),
 * a payload over 125 bytes (`CONTROL_PAYLOAD_TOO_LONG`) or a code that may not appear on the
 * wire (`INVALID_CLOSE_CODE`); 1007 `INVALID_UTF8` for a reason that is not UTF-8.
 *
 * @example
 * ```ts
 * import { decodeClosePayload } from 'wsframe';
 * const { code, reason } = decodeClosePayload(new Uint8Array([0x03, 0xe8, 0x62, 0x79, 0x65]));
 * console.log(code, reason); // 1000 bye
 * ```
 */
export function decodeClosePayload(payload: Uint8Array): { code: number | undefined; reason: string } {
  const length = payload.length;
  if (length === 0) return { code: undefined, reason: '' };
  if (length === 1) {
    throw new ProtocolError('CLOSE_PAYLOAD_TOO_SHORT', 'Cannot decode close payload: 1 byte is too short for a status code', 0);
  }
  if (length > MAX_CONTROL_PAYLOAD) {
    throw new ProtocolError('CONTROL_PAYLOAD_TOO_LONG', `Cannot decode close payload: ${length} bytes exceeds the 125-byte limit`, 0);
  }
  const code = (payload[0] << 8) | payload[1];
  if (!isValidCloseCode(code)) {
    throw new ProtocolError('INVALID_CLOSE_CODE', `Cannot decode close payload: status code ${code} may not appear on the wire`, 0);
  }
  const reasonBytes = payload.subarray(2);
  const validator = new Utf8Validator();
  if (!validator.push(reasonBytes) || !validator.end()) {
    throw new ProtocolError(
      'INVALID_UTF8',
      `Cannot decode close payload: reason is not valid UTF-8 at byte ${2 + validator.errorOffset}`,
      2 + validator.errorOffset,
    );
  }
  return { code, reason: decodeUtf8(reasonBytes) };
}
