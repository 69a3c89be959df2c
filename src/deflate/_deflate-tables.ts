/**
 * The constant tables of the DEFLATE format (RFC 1951), shared by the inflater and the deflater.
 * Layer 5 (extensions), internal.
 *
 * @internal
 * @module
 */

/** RFC 1951 §3.2.5: the longest match. */
export const MAX_MATCH = 258;
/** RFC 1951 §3.2.5: the shortest match. */
export const MIN_MATCH = 3;
/** RFC 1951 §3.2.7: no Huffman code is longer than 15 bits. */
export const MAX_CODE_BITS = 15;
/** RFC 1951 §3.2.5: the literal/length symbol that ends a block. */
export const END_OF_BLOCK = 256;
/** RFC 1951 §3.2.5: literal/length symbols in use (286 and 287 never occur). */
export const LITLEN_CODES = 286;
/** RFC 1951 §3.2.5: distance codes in use (30 and 31 never occur). */
export const DIST_CODES = 30;
/** RFC 1951 §3.2.7: symbols of the code length code. */
export const CLEN_CODES = 19;
/** RFC 7692 §7.1.2: max_window_bits ranges over 8..15. */
export const MIN_WINDOW_BITS = 8;
export const MAX_WINDOW_BITS = 15;
/** RFC 7692 §7.2.2: the tail the receiver appends to each message before inflating. */
export const SYNC_TAIL = new Uint8Array([0x00, 0x00, 0xff, 0xff]);

/** RFC 1951 §3.2.5: base length of symbols 257..285. */
export const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
/** RFC 1951 §3.2.5: extra bits of symbols 257..285. */
export const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
/** RFC 1951 §3.2.5: base distance of codes 0..29. */
export const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
/** RFC 1951 §3.2.5: extra bits of distance codes 0..29. */
export const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
/** RFC 1951 §3.2.7: the order in which the code length code lengths are sent. */
export const CLEN_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** RFC 1951 §3.2.6: the fixed literal/length code lengths (288 symbols). */
export const FIXED_LITLEN_LENGTHS = new Uint8Array(288);
FIXED_LITLEN_LENGTHS.fill(8, 0, 144);
FIXED_LITLEN_LENGTHS.fill(9, 144, 256);
FIXED_LITLEN_LENGTHS.fill(7, 256, 280);
FIXED_LITLEN_LENGTHS.fill(8, 280, 288);
/** RFC 1951 §3.2.6: the fixed distance code lengths (32 codes, all 5 bits). */
export const FIXED_DIST_LENGTHS = new Uint8Array(32).fill(5);

/** Reverses the low `length` bits of `code` (Huffman codes are packed most significant bit first). */
export function reverseBits(code: number, length: number): number {
  let reversed = 0;
  for (let i = 0; i < length; i++) {
    reversed = (reversed << 1) | (code & 1);
    code >>>= 1;
  }
  return reversed;
}

/** RFC 1951 §3.2.2: the first canonical code of each length, given the lengths in use. */
export function firstCodes(lengths: Uint8Array, offset: number, count: number): Int32Array {
  const perLength = new Int32Array(MAX_CODE_BITS + 1);
  for (let i = 0; i < count; i++) perLength[lengths[offset + i]]++;
  perLength[0] = 0;
  const next = new Int32Array(MAX_CODE_BITS + 1);
  let code = 0;
  for (let length = 1; length <= MAX_CODE_BITS; length++) {
    code = (code + perLength[length - 1]) << 1;
    next[length] = code;
  }
  return next;
}
