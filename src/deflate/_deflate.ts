/**
 * A raw DEFLATE (RFC 1951) compressor for permessage-deflate (RFC 7692), written from the RFC.
 * Layer 5 (extensions), internal.
 *
 * - LZ77 over a hash-chain index of 3-byte strings, with lazy evaluation (a match is deferred by
 *   one byte when the next position matches longer) from effort level 4 up, greedy below.
 * - Each block is written as whichever of stored, fixed-Huffman or dynamic-Huffman is smallest,
 *   computed exactly before writing.
 * - Each message ends with a sync flush — an empty stored block — whose 00 00 ff ff is then
 *   removed (RFC 7692 §7.2.1), so every message ends on a byte boundary.
 * - The LZ77 window persists across messages (context takeover) until {@link Deflater.reset}.
 * - Distances stay below `2 ** windowBits`, so a peer that announced max_window_bits 8 can
 *   inflate what we send (zlib cannot compress with an 8-bit window and uses 9; we need not).
 *
 * @internal
 * @module
 */

import {
  CLEN_CODES, CLEN_ORDER, DIST_BASE, DIST_CODES, DIST_EXTRA, END_OF_BLOCK, FIXED_DIST_LENGTHS, FIXED_LITLEN_LENGTHS, LENGTH_BASE, LENGTH_EXTRA, LITLEN_CODES, MAX_CODE_BITS, MAX_MATCH, MAX_WINDOW_BITS, MIN_MATCH, MIN_WINDOW_BITS,
} from './_deflate-tables.ts';
import { canonicalCodes, FIXED_LITLEN_CODES, FIXED_DIST_CODES, buildLengths, BitWriter } from './_deflate-huffman.ts';

/** zlib's observation: a 3-byte match farther than this costs more bits than 3 literals. */
const TOO_FAR = 4096;
const HASH_BITS = 15;
const HASH_SIZE = 1 << HASH_BITS;
// Multiplicative hashing of the next 3 bytes (Knuth's golden-ratio constant): spreads similar
// strings over the whole table, fewer collisions than the shift-xor hash at the same size.
const HASH_MULTIPLIER = 0x9e3779b1;
/** Symbols per block: big enough to amortise a dynamic header, small enough to adapt. */
const BLOCK_SYMBOLS = 16 * 1024;
/** Largest stored block (RFC 1951 §3.2.4: LEN is 16 bits). */
const MAX_STORED = 0xffff;
/** Absolute positions are rebased before they could overflow an Int32Array. */
const REBASE_AT = 1 << 30;
const INITIAL_WINDOW = 64 * 1024;
const RELEASE_ABOVE = 256 * 1024;

/** RFC 1951 §3.2.7: code length codes are sent in 3 bits, so at most 7 bits long. */
const MAX_CLEN_BITS = 7;

/** Length 3..258 → its symbol 257..285. */
const LENGTH_SYMBOL = new Uint16Array(MAX_MATCH + 1);
/** Distance 1..32768 → its code 0..29. */
const DIST_CODE = new Uint8Array(32768 + 1);
for (let code = 0; code < LENGTH_BASE.length; code++) {
  const end = code === LENGTH_BASE.length - 1 ? MAX_MATCH + 1 : LENGTH_BASE[code + 1];
  // Length 258 has its own symbol 285 (RFC 1951 §3.2.5), not 284 with extra bits 31.
  for (let length = LENGTH_BASE[code]; length < end && length <= MAX_MATCH; length++) LENGTH_SYMBOL[length] = 257 + code;
}
LENGTH_SYMBOL[MAX_MATCH] = 285;
for (let code = 0; code < DIST_BASE.length; code++) {
  const end = DIST_BASE[code] + (1 << DIST_EXTRA[code]);
  for (let distance = DIST_BASE[code]; distance < end; distance++) DIST_CODE[distance] = code;
}

/**
 * Effort levels: `good` (a previous match this long cuts the chain search to a quarter), `lazy`
 * (lazy levels: a match this long is taken without looking one byte further; greedy levels: the
 * longest match whose every position is indexed), `nice` (stop searching at this length),
 * `chain` (most candidates examined), and whether matching is lazy. These are the knob settings
 * zlib documents for its levels 1-9, so ratios are comparable level for level.
 */
const LEVELS: readonly { good: number; lazy: number; nice: number; chain: number; lazyMatching: boolean }[] = [
  { good: 0, lazy: 0, nice: 0, chain: 0, lazyMatching: false },
  { good: 4, lazy: 4, nice: 8, chain: 4, lazyMatching: false },
  { good: 4, lazy: 5, nice: 16, chain: 8, lazyMatching: false },
  { good: 4, lazy: 6, nice: 32, chain: 32, lazyMatching: false },
  { good: 4, lazy: 4, nice: 16, chain: 16, lazyMatching: true },
  { good: 8, lazy: 16, nice: 32, chain: 32, lazyMatching: true },
  { good: 8, lazy: 16, nice: 128, chain: 128, lazyMatching: true },
  { good: 8, lazy: 32, nice: 128, chain: 256, lazyMatching: true },
  { good: 32, lazy: 128, nice: 258, chain: 1024, lazyMatching: true },
  { good: 32, lazy: 258, nice: 258, chain: 4096, lazyMatching: true },
];


/** Options of {@link Deflater}. */
export interface DeflaterOptions {
  /** Base-2 logarithm of the LZ77 window, 8..15 (RFC 7692 max_window_bits); default 15. */
  windowBits?: number;
  /** Effort 0 (stored only) to 9 (smallest output), as zlib's levels; default 6. */
  level?: number;
}

/**
 * A raw DEFLATE compressor for a sequence of messages sharing one LZ77 window. Each
 * {@link Deflater.compress} call returns one message's compressed payload, sync-flushed with the
 * 00 00 ff ff tail removed (RFC 7692 §7.2.1).
 */
export class Deflater {
  readonly windowBits: number;
  readonly level: number;
  private readonly maxDistance: number;
  private readonly windowMask: number;
  private readonly params: (typeof LEVELS)[number];

  // window[i] is the byte at absolute stream position base + i; window[0..fill) is filled.
  private window: Uint8Array = new Uint8Array(INITIAL_WINDOW);
  private fill = 0;
  private base = 0;
  /** No match may reach before this absolute position (the last reset). */
  private floor = 0;
  // Hash chains: head[hash] and prev[position & windowMask] hold absolute positions + 1, 0 for none.
  private readonly head = new Int32Array(HASH_SIZE);
  private readonly prev: Int32Array;

  private readonly symbols = new Uint32Array(BLOCK_SYMBOLS);
  private symbolCount = 0;
  private readonly litlenFreq = new Uint32Array(LITLEN_CODES);
  private readonly distFreq = new Uint32Array(DIST_CODES);
  private readonly writer = new BitWriter();

  // Scratch for dynamic blocks.
  private readonly litlenLengths = new Uint8Array(LITLEN_CODES);
  private readonly distLengths = new Uint8Array(DIST_CODES);
  private readonly litlenCodes = new Uint16Array(LITLEN_CODES);
  private readonly distCodes = new Uint16Array(DIST_CODES);
  private readonly clenFreq = new Uint32Array(CLEN_CODES);
  private readonly clenLengths = new Uint8Array(CLEN_CODES);
  private readonly clenCodes = new Uint16Array(CLEN_CODES);
  private readonly clenSymbols = new Uint16Array(LITLEN_CODES + DIST_CODES);
  private readonly lengthValue = new Int32Array(MAX_MATCH + 1);
  private readonly lengthBits = new Uint8Array(MAX_MATCH + 1);

  /** @throws {RangeError} When `windowBits` is not an integer in 8..15 or `level` in 0..9. */
  constructor(options: DeflaterOptions = {}) {
    const windowBits = options.windowBits ?? MAX_WINDOW_BITS;
    const level = options.level ?? 6;
    if (!Number.isInteger(windowBits) || windowBits < MIN_WINDOW_BITS || windowBits > MAX_WINDOW_BITS) {
      throw new RangeError(`Cannot create a deflater: windowBits must be an integer in 8..15, got ${windowBits}`);
    }
    if (!Number.isInteger(level) || level < 0 || level > 9) {
      throw new RangeError(`Cannot create a deflater: level must be an integer in 0..9, got ${level}`);
    }
    this.windowBits = windowBits;
    this.level = level;
    // The chain slot of the position exactly one window back is reused by the current
    // position, so matches reach at most windowSize - 1 back.
    this.maxDistance = (1 << windowBits) - 1;
    this.windowMask = (1 << windowBits) - 1;
    this.prev = new Int32Array(1 << windowBits);
    this.params = LEVELS[level];
  }

  /** Forgets the window: the next message is compressed without reference to earlier ones. */
  reset(): void {
    this.floor = this.base + this.fill;
  }

  /**
   * Compresses one message. Returns a fresh array: the DEFLATE blocks followed by an empty
   * stored block whose LEN/NLEN (00 00 ff ff) are removed, so it ends on a byte boundary; an
   * empty message gives the single byte 00. The input is not modified or retained.
   */
  compress(data: Uint8Array): Uint8Array {
    const writer = this.writer;
    writer.pos = 0;
    writer.bits = 0;
    writer.count = 0;
    writer.ensure(16);
    if (data.length > 0) {
      const start = this.append(data);
      if (this.level === 0) this.writeStored(start, this.fill, false);
      else this.matchAll(start, this.fill);
    }
    // RFC 7692 §7.2.1: end with an empty non-final stored block and drop its LEN/NLEN.
    writer.ensure(2);
    writer.write(0, 3);
    writer.align();
    const output = writer.bytes.slice(0, writer.pos);
    if (writer.bytes.length > RELEASE_ABOVE) writer.bytes = new Uint8Array(1024);
    this.trimWindow();
    return output;
  }

  /** Places `data` after the history in the window; returns its start index. */
  private append(data: Uint8Array): number {
    const windowSize = 1 << this.windowBits;
    if (this.base + this.fill + data.length >= REBASE_AT) this.rebase();
    if (this.fill + data.length > this.window.length) {
      const keep = Math.min(this.fill, windowSize);
      const from = this.fill - keep;
      if (keep + data.length > this.window.length) {
        const grown = new Uint8Array(Math.max(keep + data.length, 2 * this.window.length));
        grown.set(this.window.subarray(from, this.fill));
        this.window = grown;
      } else {
        this.window.copyWithin(0, from, this.fill);
      }
      this.base += from;
      this.fill = keep;
    }
    const start = this.fill;
    this.window.set(data, start);
    this.fill += data.length;
    return start;
  }

  /** Keeps only the last window of history after a large message, releasing its memory. */
  private trimWindow(): void {
    if (this.window.length <= RELEASE_ABOVE) return;
    const keep = Math.min(this.fill, 1 << this.windowBits);
    const window = new Uint8Array(INITIAL_WINDOW);
    window.set(this.window.subarray(this.fill - keep, this.fill));
    this.base += this.fill - keep;
    this.window = window;
    this.fill = keep;
  }

  /** Moves absolute positions down so they stay far from 2^31. */
  private rebase(): void {
    const delta = this.base;
    const head = this.head;
    const prev = this.prev;
    for (let i = 0; i < head.length; i++) head[i] = head[i] > delta ? head[i] - delta : 0;
    // prev is indexed by position & windowMask; delta is a multiple of the window size only
    // by luck, so re-index through a copy.
    const copy = prev.slice();
    const mask = this.windowMask;
    for (let i = 0; i < prev.length; i++) {
      const value = copy[(i + delta) & mask];
      prev[i] = value > delta ? value - delta : 0;
    }
    this.floor = Math.max(0, this.floor - delta);
    this.base = 0;
  }

  /** LZ77 over window[start..end), emitting blocks as the symbol buffer fills. */
  private matchAll(start: number, end: number): void {
    const window = this.window;
    const view = new DataView(window.buffer, window.byteOffset, window.length);
    const head = this.head;
    const prev = this.prev;
    const symbols = this.symbols;
    const litlenFreq = this.litlenFreq;
    const distFreq = this.distFreq;
    const windowMask = this.windowMask;
    const maxDistance = this.maxDistance;
    const { good, lazy, nice, chain, lazyMatching } = this.params;
    const base = this.base;
    const floorPlusOne = this.floor + 1;
    // Positions are window indices; chain entries are absolute + 1: entry = base + index + 1.
    const entryOffset = base + 1;
    let symbolCount = this.symbolCount;
    let blockStart = start;
    let pos = start;
    let prevLength = 0;
    let prevDistance = 0;
    let pending = false;
    const lastHashable = end - MIN_MATCH;

    while (pos < end) {
      let length = 0;
      let distance = 0;
      if (pos <= lastHashable) {
        const hash = Math.imul(window[pos] | (window[pos + 1] << 8) | (window[pos + 2] << 16), HASH_MULTIPLIER) >>> (32 - HASH_BITS);
        let candidate = head[hash];
        const self = pos + entryOffset;
        prev[(self - 1) & windowMask] = candidate;
        head[hash] = self;
        // Find the longest match, unless the previous one is already long enough (lazy levels).
        if (candidate !== 0 && (!lazyMatching || prevLength < lazy)) {
          const lowest = Math.max(floorPlusOne, self - maxDistance);
          const most = Math.min(MAX_MATCH, end - pos);
          let best = lazyMatching ? Math.max(prevLength, MIN_MATCH - 1) : MIN_MATCH - 1;
          let chainLeft = lazyMatching && prevLength >= good ? chain >> 2 : chain;
          const niceLength = Math.min(nice, most);
          while (candidate >= lowest && chainLeft-- > 0) {
            const from = candidate - entryOffset;
            if (window[from + best] === window[pos + best] && window[from] === window[pos] && window[from + 1] === window[pos + 1]) {
              let n = 2;
              // 4 bytes per step through unaligned DataView loads, which V8 compiles to single
              // loads: ~20% faster deflate on JSON (long matches) than a byte loop alone.
              while (n + 4 <= most && view.getUint32(from + n, true) === view.getUint32(pos + n, true)) n += 4;
              while (n < most && window[from + n] === window[pos + n]) n++;
              if (n > best) {
                best = n;
                distance = pos - from;
                if (n >= niceLength) break;
              }
            }
            const next = prev[(candidate - 1) & windowMask];
            if (next >= candidate) break;
            candidate = next;
          }
          if (distance !== 0) {
            length = best;
            if (length === MIN_MATCH && distance > TOO_FAR) length = 0;
          }
        }
      }

      if (!lazyMatching) {
        if (length >= MIN_MATCH) {
          symbols[symbolCount++] = (distance << 9) | length;
          litlenFreq[LENGTH_SYMBOL[length]]++;
          distFreq[DIST_CODE[distance]]++;
          // Index every position inside short matches; skip long ones (zlib's max_insert).
          if (length <= lazy) this.insertStrings(pos + 1, Math.min(pos + length, lastHashable + 1));
          pos += length;
        } else {
          symbols[symbolCount++] = window[pos];
          litlenFreq[window[pos]]++;
          pos++;
        }
      } else if (prevLength >= MIN_MATCH && length <= prevLength) {
        // The match found at pos - 1 is at least as long: take it.
        symbols[symbolCount++] = (prevDistance << 9) | prevLength;
        litlenFreq[LENGTH_SYMBOL[prevLength]]++;
        distFreq[DIST_CODE[prevDistance]]++;
        const matchEnd = pos - 1 + prevLength;
        this.insertStrings(pos + 1, Math.min(matchEnd, lastHashable + 1));
        pos = matchEnd;
        prevLength = 0;
        pending = false;
      } else {
        if (pending) {
          symbols[symbolCount++] = window[pos - 1];
          litlenFreq[window[pos - 1]]++;
        }
        pending = true;
        prevLength = length;
        prevDistance = distance;
        pos++;
      }

      if (symbolCount === BLOCK_SYMBOLS) {
        // The block covers the bytes of its symbols: all before pos, less a pending literal.
        const blockEnd = pending ? pos - 1 : pos;
        this.symbolCount = symbolCount;
        this.writeBlock(blockStart, blockEnd);
        symbolCount = 0;
        blockStart = blockEnd;
      }
    }
    if (pending) {
      symbols[symbolCount++] = window[end - 1];
      litlenFreq[window[end - 1]]++;
    }
    this.symbolCount = symbolCount;
    if (symbolCount > 0) this.writeBlock(blockStart, end);
  }

  /** Indexes the 3-byte strings starting at window[from..to) in the hash chains. */
  private insertStrings(from: number, to: number): void {
    const window = this.window;
    const head = this.head;
    const prev = this.prev;
    const windowMask = this.windowMask;
    const entryOffset = this.base + 1;
    for (let p = from; p < to; p++) {
      const hash = Math.imul(window[p] | (window[p + 1] << 8) | (window[p + 2] << 16), HASH_MULTIPLIER) >>> (32 - HASH_BITS);
      prev[(p + entryOffset - 1) & windowMask] = head[hash];
      head[hash] = p + entryOffset;
    }
  }

  /** Writes window[start..end) as stored blocks of at most 65535 bytes. */
  private writeStored(start: number, end: number, finalBlock: boolean): void {
    const writer = this.writer;
    for (let at = start; at < end || at === start; ) {
      const n = Math.min(MAX_STORED, end - at);
      writer.ensure(n + 6);
      writer.write(finalBlock && at + n === end ? 1 : 0, 3);
      writer.align();
      const bytes = writer.bytes;
      bytes[writer.pos++] = n & 0xff;
      bytes[writer.pos++] = n >>> 8;
      bytes[writer.pos++] = ~n & 0xff;
      bytes[writer.pos++] = (~n >>> 8) & 0xff;
      bytes.set(this.window.subarray(at, at + n), writer.pos);
      writer.pos += n;
      at += n;
      if (at === end) break;
    }
  }

  /**
   * Writes the buffered symbols, which encode window[start..end), as the smallest of a stored,
   * a fixed-Huffman and a dynamic-Huffman block, then clears the buffer and frequencies.
   */
  private writeBlock(start: number, end: number): void {
    const litlenFreq = this.litlenFreq;
    const distFreq = this.distFreq;
    litlenFreq[END_OF_BLOCK] = 1;

    // Bits every Huffman block spends on extra bits.
    let extraBits = 0;
    for (let s = 257; s < LITLEN_CODES; s++) extraBits += litlenFreq[s] * LENGTH_EXTRA[s - 257];
    for (let d = 0; d < DIST_CODES; d++) extraBits += distFreq[d] * DIST_EXTRA[d];

    let fixedBits = 3 + extraBits;
    for (let s = 0; s < LITLEN_CODES; s++) fixedBits += litlenFreq[s] * FIXED_LITLEN_LENGTHS[s];
    for (let d = 0; d < DIST_CODES; d++) fixedBits += distFreq[d] * 5;

    const litlenLengths = this.litlenLengths;
    const distLengths = this.distLengths;
    buildLengths(litlenFreq, LITLEN_CODES, MAX_CODE_BITS, litlenLengths);
    buildLengths(distFreq, DIST_CODES, MAX_CODE_BITS, distLengths);
    let litlenCount = LITLEN_CODES;
    while (litlenCount > 257 && litlenLengths[litlenCount - 1] === 0) litlenCount--;
    let distCount = DIST_CODES;
    while (distCount > 1 && distLengths[distCount - 1] === 0) distCount--;
    const clenSymbolCount = this.encodeCodeLengths(litlenCount, distCount);
    buildLengths(this.clenFreq, CLEN_CODES, MAX_CLEN_BITS, this.clenLengths);
    let clenCount = CLEN_CODES;
    while (clenCount > 4 && this.clenLengths[CLEN_ORDER[clenCount - 1]] === 0) clenCount--;
    let dynamicBits = 3 + 14 + 3 * clenCount + extraBits;
    for (let c = 0; c < CLEN_CODES; c++) dynamicBits += this.clenFreq[c] * this.clenLengths[c];
    dynamicBits += 2 * this.clenFreq[16] + 3 * this.clenFreq[17] + 7 * this.clenFreq[18];
    for (let s = 0; s < litlenCount; s++) dynamicBits += litlenFreq[s] * litlenLengths[s];
    for (let d = 0; d < distCount; d++) dynamicBits += distFreq[d] * distLengths[d];

    // A stored block: header, padding to a byte, LEN/NLEN, then the bytes (per 65535).
    const rawLength = end - start;
    const storedBits = rawLength * 8 + Math.max(1, Math.ceil(rawLength / MAX_STORED)) * 40 + 8;

    const writer = this.writer;
    if (storedBits <= fixedBits && storedBits <= dynamicBits) {
      this.writeStored(start, end, false);
    } else if (fixedBits <= dynamicBits) {
      writer.ensure((fixedBits >>> 3) + 8);
      writer.write(1 << 1, 3);
      this.writeSymbols(FIXED_LITLEN_LENGTHS, FIXED_LITLEN_CODES, FIXED_DIST_LENGTHS, FIXED_DIST_CODES);
    } else {
      writer.ensure((dynamicBits >>> 3) + 8);
      writer.write(2 << 1, 3);
      writer.write(litlenCount - 257, 5);
      writer.write(distCount - 1, 5);
      writer.write(clenCount - 4, 4);
      const clenLengths = this.clenLengths;
      const clenCodes = this.clenCodes;
      for (let i = 0; i < clenCount; i++) writer.write(clenLengths[CLEN_ORDER[i]], 3);
      canonicalCodes(clenLengths, CLEN_CODES, clenCodes);
      const clenSymbols = this.clenSymbols;
      for (let i = 0; i < clenSymbolCount; i++) {
        const item = clenSymbols[i];
        const symbol = item & 31;
        writer.write(clenCodes[symbol], clenLengths[symbol]);
        if (symbol === 16) writer.write(item >>> 5, 2);
        else if (symbol === 17) writer.write(item >>> 5, 3);
        else if (symbol === 18) writer.write(item >>> 5, 7);
      }
      canonicalCodes(litlenLengths, LITLEN_CODES, this.litlenCodes);
      canonicalCodes(distLengths, DIST_CODES, this.distCodes);
      this.writeSymbols(litlenLengths, this.litlenCodes, distLengths, this.distCodes);
    }
    this.symbolCount = 0;
    litlenFreq.fill(0);
    distFreq.fill(0);
  }

  /**
   * RFC 1951 §3.2.7: run-length codes the literal/length and distance code lengths as one
   * sequence into `clenSymbols` (symbol in bits 0-4, repeat extra above) and counts `clenFreq`.
   */
  private encodeCodeLengths(litlenCount: number, distCount: number): number {
    const total = litlenCount + distCount;
    const sequence = new Uint8Array(total);
    sequence.set(this.litlenLengths.subarray(0, litlenCount));
    sequence.set(this.distLengths.subarray(0, distCount), litlenCount);
    const out = this.clenSymbols;
    const freq = this.clenFreq;
    freq.fill(0);
    let n = 0;
    for (let i = 0; i < total; ) {
      const value = sequence[i];
      let run = 1;
      while (i + run < total && sequence[i + run] === value) run++;
      i += run;
      if (value === 0) {
        while (run >= 11) {
          const r = Math.min(run, 138);
          out[n++] = 18 | ((r - 11) << 5);
          freq[18]++;
          run -= r;
        }
        if (run >= 3) {
          out[n++] = 17 | ((run - 3) << 5);
          freq[17]++;
          run = 0;
        }
      } else {
        out[n++] = value;
        freq[value]++;
        run--;
        while (run >= 3) {
          const r = Math.min(run, 6);
          out[n++] = 16 | ((r - 3) << 5);
          freq[16]++;
          run -= r;
        }
      }
      while (run > 0) {
        out[n++] = value;
        freq[value]++;
        run--;
      }
    }
    return n;
  }

  /** Writes the buffered symbols and end-of-block with the given codes. */
  private writeSymbols(litlenLengths: Uint8Array, litlenCodes: Uint16Array, distLengths: Uint8Array, distCodes: Uint16Array): void {
    // Each length's code and extra bits as one value: one lookup per match instead of five.
    const lengthValue = this.lengthValue;
    const lengthBits = this.lengthBits;
    for (let length = MIN_MATCH; length <= MAX_MATCH; length++) {
      const symbol = LENGTH_SYMBOL[length];
      lengthValue[length] = litlenCodes[symbol] | ((length - LENGTH_BASE[symbol - 257]) << litlenLengths[symbol]);
      lengthBits[length] = litlenLengths[symbol] + LENGTH_EXTRA[symbol - 257];
    }
    const writer = this.writer;
    const bytes = writer.bytes;
    const symbols = this.symbols;
    const symbolCount = this.symbolCount;
    let pos = writer.pos;
    let bits = writer.bits;
    let count = writer.count;
    // count < 8 before each step and at most 15 + 5 bits go in, so the 32-bit accumulator never
    // overflows; two conditional byte writes flush it back below 8.
    for (let i = 0; i < symbolCount; i++) {
      const item = symbols[i];
      if (item < 256) {
        bits |= litlenCodes[item] << count;
        count += litlenLengths[item];
      } else {
        const length = item & 511;
        bits |= lengthValue[length] << count;
        count += lengthBits[length];
        if (count >= 16) {
          bytes[pos++] = bits;
          bytes[pos++] = bits >>> 8;
          bits >>>= 16;
          count -= 16;
        }
        if (count >= 8) {
          bytes[pos++] = bits;
          bits >>>= 8;
          count -= 8;
        }
        const distance = item >>> 9;
        const code = DIST_CODE[distance];
        bits |= distCodes[code] << count;
        count += distLengths[code];
        if (count >= 16) {
          bytes[pos++] = bits;
          bytes[pos++] = bits >>> 8;
          bits >>>= 16;
          count -= 16;
        }
        if (count >= 8) {
          bytes[pos++] = bits;
          bits >>>= 8;
          count -= 8;
        }
        bits |= (distance - DIST_BASE[code]) << count;
        count += DIST_EXTRA[code];
      }
      if (count >= 16) {
        bytes[pos++] = bits;
        bytes[pos++] = bits >>> 8;
        bits >>>= 16;
        count -= 16;
      }
      if (count >= 8) {
        bytes[pos++] = bits;
        bits >>>= 8;
        count -= 8;
      }
    }
    writer.pos = pos;
    writer.bits = bits;
    writer.count = count;
    writer.write(litlenCodes[END_OF_BLOCK], litlenLengths[END_OF_BLOCK]);
  }
}
