/**
 * Payload masking (RFC 6455 §5.3): XOR with a 4-byte key, repeating. Masking and unmasking are
 * the same operation. Layer 2: imports only constants.
 *
 * @module
 */

import { MASKING_KEY_SIZE } from '../base/constants.ts';

// Below this many bytes a byte loop beats building a Uint32Array view (measured on Node 20:
// the 4x-unrolled byte loop wins at 16 B, the word loop from ~64 B up).
const WORD_LOOP_THRESHOLD = 64;

// Uint32Array reads in platform byte order; the key word must be laid out to match.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Throws `TypeError` for bytes or a key of the wrong shape, `RangeError` for a bad offset. */
export function checkMaskArguments(bytes: Uint8Array, maskingKey: Uint8Array, offset: number): void {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError('Cannot apply mask: bytes must be a Uint8Array');
  }
  if (!(maskingKey instanceof Uint8Array) || maskingKey.length !== MASKING_KEY_SIZE) {
    throw new TypeError('Cannot apply mask: the masking key must be a Uint8Array of 4 bytes');
  }
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new RangeError(`Cannot apply mask: offset ${offset} is not a non-negative integer`);
  }
}

/**
 * XORs `bytes` in place with the repeating 4-byte `maskingKey`. `offset` is the position of
 * `bytes[0]` inside the payload, so a payload can be masked in pieces: masking `[0, n)` at once
 * equals masking `[0, k)` with offset 0 and `[k, n)` with offset `k`. Works on any view (any
 * `byteOffset`, subarrays of a larger or shared buffer). Mutates `bytes`, nothing else.
 *
 * Throws `TypeError` when the key is not 4 bytes, `RangeError` for a negative offset.
 *
 * @example
 * ```ts
 * import { applyMask } from 'wsframe';
 * // RFC 6455 §5.7: "Hello" masked with 37 fa 21 3d
 * const bytes = new Uint8Array([0x7f, 0x9f, 0x4d, 0x51, 0x58]);
 * applyMask(bytes, new Uint8Array([0x37, 0xfa, 0x21, 0x3d]));
 * console.log(new TextDecoder().decode(bytes)); // Hello
 * ```
 */
export function applyMask(bytes: Uint8Array, maskingKey: Uint8Array, offset = 0): void {
  checkMaskArguments(bytes, maskingKey, offset);
  const length = bytes.length;
  const phase = offset & 3;
  const k0 = maskingKey[phase];
  const k1 = maskingKey[(phase + 1) & 3];
  const k2 = maskingKey[(phase + 2) & 3];
  const k3 = maskingKey[(phase + 3) & 3];
  if (length < WORD_LOOP_THRESHOLD) {
    maskBytes(bytes, 0, length, k0, k1, k2, k3);
    return;
  }
  // Byte-wise head until the view is 4-byte aligned, then rotate the key for the new phase.
  const head = (4 - (bytes.byteOffset & 3)) & 3;
  maskBytes(bytes, 0, head, k0, k1, k2, k3);
  const keys = [k0, k1, k2, k3];
  const w0 = keys[head & 3];
  const w1 = keys[(head + 1) & 3];
  const w2 = keys[(head + 2) & 3];
  const w3 = keys[(head + 3) & 3];
  const keyWord = LITTLE_ENDIAN
    ? (w0 | (w1 << 8) | (w2 << 16) | (w3 << 24)) >>> 0
    : ((w0 << 24) | (w1 << 16) | (w2 << 8) | w3) >>> 0;
  const wordCount = (length - head) >>> 2;
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset + head, wordCount);
  let i = 0;
  // Unrolled x8: about 2.7x the plain word loop on Node 20 (0.19x vs 0.07x memcpy).
  const unrolledEnd = wordCount - (wordCount & 7);
  for (; i < unrolledEnd; i += 8) {
    words[i] ^= keyWord;
    words[i + 1] ^= keyWord;
    words[i + 2] ^= keyWord;
    words[i + 3] ^= keyWord;
    words[i + 4] ^= keyWord;
    words[i + 5] ^= keyWord;
    words[i + 6] ^= keyWord;
    words[i + 7] ^= keyWord;
  }
  for (; i < wordCount; i++) words[i] ^= keyWord;
  // The tail starts at a multiple of 4 after the head, so its phase is the head's phase.
  maskBytes(bytes, head + wordCount * 4, length, w0, w1, w2, w3);
}

/** XORs `bytes[start..end)` with the key bytes k0..k3, k0 applying at `start`. */
function maskBytes(
  bytes: Uint8Array, start: number, end: number,
  k0: number, k1: number, k2: number, k3: number,
): void {
  let i = start;
  const unrolledEnd = end - ((end - start) & 3);
  for (; i < unrolledEnd; i += 4) {
    bytes[i] ^= k0;
    bytes[i + 1] ^= k1;
    bytes[i + 2] ^= k2;
    bytes[i + 3] ^= k3;
  }
  if (i < end) bytes[i++] ^= k0;
  if (i < end) bytes[i++] ^= k1;
  if (i < end) bytes[i] ^= k2;
}

/**
 * The plain byte-loop definition of {@link applyMask}, kept beside the fast path so property
 * tests can prove they agree. Same arguments, same result, slower.
 *
 * @example
 * ```ts
 * import { applyMaskReference } from 'wsframe';
 * const bytes = new Uint8Array([1, 2, 3]);
 * applyMaskReference(bytes, new Uint8Array([1, 2, 3, 4]));
 * console.log(Array.from(bytes).join(',')); // 0,0,0
 * ```
 */
export function applyMaskReference(bytes: Uint8Array, maskingKey: Uint8Array, offset = 0): void {
  checkMaskArguments(bytes, maskingKey, offset);
  for (let i = 0; i < bytes.length; i++) bytes[i] ^= maskingKey[(offset + i) & 3];
}
