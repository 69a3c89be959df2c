/**
 * The deflater's Huffman coding (RFC 1951 §3.2.2, §3.2.7): length-limited code lengths from
 * symbol frequencies, canonical codes from lengths, and the little-endian bit writer blocks are
 * written with. Layer 5 (extensions), internal; `_deflate.ts` compresses with them.
 *
 * @internal
 * @module
 */

import { FIXED_DIST_LENGTHS, FIXED_LITLEN_LENGTHS, firstCodes, reverseBits } from './_deflate-tables.ts';

/**
 * RFC 1951 §3.2.2: the canonical codes for `lengths`, bit-reversed because DEFLATE packs a
 * Huffman code starting from its most significant bit into the least significant free bit.
 */
export function canonicalCodes(lengths: Uint8Array, count: number, codes: Uint16Array): void {
  const next = firstCodes(lengths, 0, count);
  for (let i = 0; i < count; i++) {
    const length = lengths[i];
    codes[i] = length === 0 ? 0 : reverseBits(next[length]++, length);
  }
}

export const FIXED_LITLEN_CODES = new Uint16Array(288);
export const FIXED_DIST_CODES = new Uint16Array(32);
canonicalCodes(FIXED_LITLEN_LENGTHS, 288, FIXED_LITLEN_CODES);
canonicalCodes(FIXED_DIST_LENGTHS, 32, FIXED_DIST_CODES);

/**
 * Huffman code lengths for `freq[0..count)`, none longer than `maxBits`, written to `lengths`.
 * Builds the optimal tree with the two-queue method over the symbols sorted by frequency; when
 * it is too deep, halves the frequencies (keeping every used symbol at least 1) and rebuilds,
 * which flattens the tree and converges in a few rounds. The result is always a complete code;
 * with a single used symbol a second one gets length 1 too, because a one-code tree is complete
 * only by a special rule not every inflater applies.
 */
export function buildLengths(freq: Uint32Array, count: number, maxBits: number, lengths: Uint8Array): void {
  lengths.fill(0, 0, count);
  const symbols: number[] = [];
  for (let i = 0; i < count; i++) if (freq[i] !== 0) symbols.push(i);
  if (symbols.length < 2) {
    const used = symbols.length === 1 ? symbols[0] : 0;
    lengths[used] = 1;
    lengths[used === 0 ? 1 : 0] = 1;
    return;
  }
  const m = symbols.length;
  const weights = new Float64Array(m);
  for (let i = 0; i < m; i++) weights[i] = freq[symbols[i]];
  const parent = new Int32Array(2 * m - 1);
  const nodeWeight = new Float64Array(m - 1);
  const depth = new Uint8Array(2 * m - 1);
  for (;;) {
    const order = symbols.map((_, i) => i).sort((a, b) => weights[a] - weights[b] || symbols[a] - symbols[b]);
    let leaf = 0;
    let internal = 0;
    for (let node = 0; node < m - 1; node++) {
      let total = 0;
      for (let pick = 0; pick < 2; pick++) {
        let child: number;
        if (leaf < m && (internal >= node || weights[order[leaf]] <= nodeWeight[internal])) {
          child = order[leaf++];
          total += weights[child];
        } else {
          total += nodeWeight[internal];
          child = m + internal++;
        }
        parent[child] = m + node;
      }
      nodeWeight[node] = total;
    }
    const root = 2 * m - 2;
    depth[root] = 0;
    let deepest = 0;
    for (let node = root - 1; node >= m; node--) depth[node] = depth[parent[node]] + 1;
    for (let i = 0; i < m; i++) {
      depth[i] = depth[parent[i]] + 1;
      if (depth[i] > deepest) deepest = depth[i];
    }
    if (deepest <= maxBits) {
      for (let i = 0; i < m; i++) lengths[symbols[i]] = depth[i];
      return;
    }
    for (let i = 0; i < m; i++) weights[i] = Math.floor(weights[i] / 2) + 1;
  }
}

/** Appends bits least significant first (RFC 1951 §3.1.1) to a growing byte array. */
export class BitWriter {
  bytes: Uint8Array = new Uint8Array(1024);
  pos = 0;
  bits = 0;
  count = 0;

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n + 8 > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.pos + n + 8));
      grown.set(this.bytes.subarray(0, this.pos));
      this.bytes = grown;
    }
  }

  /** Writes `n` ≤ 24 bits; room must have been ensured. */
  write(value: number, n: number): void {
    let bits = this.bits | (value << this.count);
    let count = this.count + n;
    while (count >= 8) {
      this.bytes[this.pos++] = bits;
      bits >>>= 8;
      count -= 8;
    }
    this.bits = bits;
    this.count = count;
  }

  /** Pads with zero bits to the next byte boundary. */
  align(): void {
    if (this.count > 0) this.bytes[this.pos++] = this.bits;
    this.bits = 0;
    this.count = 0;
  }
}
