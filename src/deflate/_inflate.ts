/**
 * A streaming raw DEFLATE (RFC 1951) decompressor, written from the RFC for permessage-deflate
 * (RFC 7692). Layer 5 (extensions), internal.
 *
 * - Input is pushed in pieces of any size (a message's payload may arrive in several frames);
 *   decoding suspends between symbols when a piece runs out and resumes with the next one.
 * - Output goes into one buffer that holds the LZ77 window followed by the current message, so a
 *   back-reference is a copy inside one array. The buffer grows with the output actually
 *   produced (never from a length the stream claims) and never past the message limit: a bomb
 *   fails with 1009 after producing at most `maxOutput` bytes.
 * - The window survives {@link Inflater.finish} (context takeover) unless {@link Inflater.reset}
 *   is called; distances beyond `2 ** windowBits` or beyond the data produced so far fail.
 * - Huffman codes decode through a 10-bit (literal/length) or 8-bit (distance) primary table
 *   with second-level tables for longer codes: one or two array reads per symbol. A primary
 *   literal/length entry whose 10 bits hold two whole literal codes gives both at once.
 *
 * Every failure is a {@link ProtocolError}: `DEFLATE_*` codes (close code 1007) for a corrupt
 * stream, `MESSAGE_TOO_LARGE` (1009) past the output limit.
 *
 * @internal
 * @module
 */

import {
  CLEN_CODES, CLEN_ORDER, DIST_CODES, END_OF_BLOCK, LITLEN_CODES, MAX_MATCH, MAX_WINDOW_BITS, MIN_WINDOW_BITS, SYNC_TAIL,
} from './_deflate-tables.ts';
import {
  CLEN_ROOT, DIST_ROOT, DIST_TABLE_SIZE, KIND_BASE, KIND_END, KIND_SHIFT, LINK_MIN, LITERAL_END, LITLEN_ROOT, LITLEN_TABLE_SIZE, VALUE_SHIFT, buildTable, fixedTables, resolve,
} from './_inflate-tables.ts';
import { ProtocolError, type ProtocolErrorCode } from '../base/errors.ts';

// Decoder states: where decoding resumes when the next piece of input arrives.
const MODE_HEADER = 0;
const MODE_STORED_LENGTH = 1;
const MODE_STORED_COPY = 2;
const MODE_TABLE_COUNTS = 3;
const MODE_CLEN_LENGTHS = 4;
const MODE_CODE_LENGTHS = 5;
const MODE_CODES = 6;
const MODE_DIST = 7;
const MODE_DIST_EXTRA = 8;
const MODE_DONE = 9;

/** Initial output buffer beyond the window; it grows with the output actually produced. */
const INITIAL_OUTPUT = 16 * 1024;
// The fast loop reads at most 10 input bytes per iteration (three 4-byte loads, each at most
// 3 bytes after the previous one); DataView loads past the end would throw.
const FAST_INPUT_MARGIN = 16;
// The fast loop's match copy goes in steps of 8 bytes and may write up to 7 bytes past the match
// (later overwritten), and a literal writes a second byte even when the entry has one: room kept
// beyond MAX_MATCH so those writes stay inside the buffer (a DataView store past it would throw).
const COPY_SLACK = 8;

function fail(code: ProtocolErrorCode, problem: string): never {
  throw new ProtocolError(code, `Cannot inflate message: ${problem}`);
}

/** Options of {@link Inflater}. */
export interface InflaterOptions {
  /** Base-2 logarithm of the LZ77 window the sender may use (RFC 7692 max_window_bits), 8..15; default 15. */
  windowBits?: number;
}

/**
 * A raw DEFLATE decompressor for a sequence of messages sharing one LZ77 window. Per message:
 * {@link Inflater.push} each piece of the compressed payload, then {@link Inflater.finish}.
 * After a failure the inflater is unusable: every later call throws the same error.
 */
export class Inflater {
  /** The window size: the farthest a distance may reach. */
  readonly windowSize: number;

  // The window followed by the current message: buffer[0..messageStart) is history (at most
  // windowSize bytes), buffer[messageStart..outPos) this message's output so far.
  private buffer: Uint8Array;
  private messageStart = 0;
  private outPos = 0;
  private limit = Number.MAX_SAFE_INTEGER;

  private bitBuffer = 0;
  private bitCount = 0;
  private mode = MODE_HEADER;
  private finalBlock = false;
  private failure: ProtocolError | undefined = undefined;

  // Current block.
  private litlen: Int32Array;
  private dist: Int32Array;
  private readonly dynamicLitlen = new Int32Array(LITLEN_TABLE_SIZE);
  private readonly dynamicDist = new Int32Array(DIST_TABLE_SIZE);
  private readonly clenTable = new Int32Array(1 << CLEN_ROOT);
  private readonly lengths = new Uint8Array(LITLEN_CODES + DIST_CODES + 2 + 32);
  private storedLeft = 0;
  private litlenCount = 0;
  private distCount = 0;
  private clenCount = 0;
  private lengthIndex = 0;
  private matchLength = 0;
  private distEntry = 0;

  /** @throws {RangeError} When `windowBits` is not an integer in 8..15. */
  constructor(options: InflaterOptions = {}) {
    const windowBits = options.windowBits ?? MAX_WINDOW_BITS;
    if (!Number.isInteger(windowBits) || windowBits < MIN_WINDOW_BITS || windowBits > MAX_WINDOW_BITS) {
      throw new RangeError(`Cannot create an inflater: windowBits must be an integer in 8..15, got ${windowBits}`);
    }
    this.windowSize = 1 << windowBits;
    this.buffer = new Uint8Array(this.windowSize + INITIAL_OUTPUT);
    [this.litlen, this.dist] = fixedTables();
  }

  /** Bytes the output buffer holds (window plus current message capacity): bounded by the limit. */
  get retainedBytes(): number {
    return this.buffer.length;
  }

  /** Bytes of output the current message has produced so far. */
  get produced(): number {
    return this.outPos - this.messageStart;
  }

  /**
   * Inflates one piece of the current message's compressed payload. `maxOutput` bounds the
   * message's total output: going past it throws `MESSAGE_TOO_LARGE` (1009) with at most
   * `maxOutput` bytes produced. The input is read, never modified or retained.
   *
   * @throws {ProtocolError} `DEFLATE_*` (1007) for a corrupt stream, `MESSAGE_TOO_LARGE` (1009).
   */
  push(input: Uint8Array, maxOutput: number = Number.MAX_SAFE_INTEGER): void {
    if (this.failure !== undefined) throw this.failure;
    this.limit = maxOutput;
    // Size the buffer for a typical ratio of the bytes actually received (up to the limit)
    // rather than doubling through the message: saves the copies of every doubling.
    const wanted = Math.min(this.outPos + input.length * 4, this.messageStart + maxOutput + MAX_MATCH);
    if (wanted > this.buffer.length) this.grow(wanted);
    try {
      this.inflate(input);
    } catch (error) {
      if (error instanceof ProtocolError) this.failure = error;
      throw error;
    }
  }

  /**
   * Ends the current message (RFC 7692 §7.2.2: appends 00 00 ff ff and inflates it) and returns
   * its output: a fresh copy, or for a large message a view of a buffer the inflater has let go. The window is kept for the next message; call
   * {@link Inflater.reset} for no context takeover.
   *
   * @throws {ProtocolError} `DEFLATE_TRUNCATED` (1007) when the message ends inside a block, and
   *   as {@link Inflater.push}.
   */
  finish(maxOutput: number = Number.MAX_SAFE_INTEGER): Uint8Array {
    this.push(SYNC_TAIL, maxOutput);
    if (this.mode === MODE_DONE) {
      // RFC 7692 §7.2.3.4: a message may end with a final block; what follows it in the
      // message (the appended tail at least) is not data, and the next message starts a new
      // DEFLATE stream over the same window.
      this.mode = MODE_HEADER;
      this.bitBuffer = 0;
      this.bitCount = 0;
    } else if (this.mode !== MODE_HEADER || this.bitCount !== 0) {
      this.failure = new ProtocolError(
        'DEFLATE_TRUNCATED',
        'Cannot inflate message: the compressed data ends inside a block (no sync flush at the end of the message)',
      );
      throw this.failure;
    }
    // A message filling most of a large buffer is returned as a view: keepWindow then moves
    // the window to a fresh buffer, so the view is never written again.
    const length = this.outPos - this.messageStart;
    const large = this.buffer.length > this.windowSize + INITIAL_OUTPUT;
    const output = large && length * 2 >= this.buffer.length
      ? this.buffer.subarray(this.messageStart, this.outPos)
      : this.buffer.slice(this.messageStart, this.outPos);
    this.keepWindow();
    return output;
  }

  /** Forgets the window (no context takeover) and any partial message. Clears a failure. */
  reset(): void {
    if (this.buffer.length > this.windowSize + INITIAL_OUTPUT) {
      this.buffer = new Uint8Array(this.windowSize + INITIAL_OUTPUT);
    }
    this.messageStart = 0;
    this.outPos = 0;
    this.bitBuffer = 0;
    this.bitCount = 0;
    this.mode = MODE_HEADER;
    this.failure = undefined;
  }

  private keepWindow(): void {
    const keep = Math.min(this.outPos, this.windowSize);
    const from = this.outPos - keep;
    if (this.buffer.length > this.windowSize + INITIAL_OUTPUT) {
      // Release the memory of a large message.
      const buffer = new Uint8Array(this.windowSize + INITIAL_OUTPUT);
      buffer.set(this.buffer.subarray(from, this.outPos));
      this.buffer = buffer;
    } else if (from > 0) {
      this.buffer.copyWithin(0, from, this.outPos);
    }
    this.messageStart = keep;
    this.outPos = keep;
  }

  /** Makes room for `needed` more output bytes, within the message limit. */
  private reserve(outPos: number, needed: number): Uint8Array {
    if (outPos - this.messageStart + needed > this.limit) {
      fail('MESSAGE_TOO_LARGE', `the message inflates to more than ${this.limit} bytes`);
    }
    if (outPos + needed > this.buffer.length) {
      const most = this.messageStart + this.limit + MAX_MATCH;
      this.outPos = outPos;
      this.grow(Math.min(Math.max(this.buffer.length * 2, outPos + needed), most));
    }
    return this.buffer;
  }

  private grow(size: number): void {
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.outPos));
    this.buffer = grown;
  }

  private inflate(input: Uint8Array): void {
    const inLength = input.length;
    let inPos = 0;
    let bits = this.bitBuffer;
    let count = this.bitCount;
    let mode = this.mode;
    let outPos = this.outPos;
    try {
      for (;;) {
        switch (mode) {
          case MODE_HEADER: {
            while (count < 3 && inPos < inLength) {
              bits |= input[inPos++] << count;
              count += 8;
            }
            if (count < 3) return;
            this.finalBlock = (bits & 1) !== 0;
            const type = (bits >>> 1) & 3;
            bits >>>= 3;
            count -= 3;
            if (type === 0) {
              // RFC 1951 §3.2.4: a stored block starts at the next byte boundary.
              bits >>>= count & 7;
              count -= count & 7;
              mode = MODE_STORED_LENGTH;
            } else if (type === 1) {
              [this.litlen, this.dist] = fixedTables();
              mode = MODE_CODES;
            } else if (type === 2) {
              mode = MODE_TABLE_COUNTS;
            } else {
              fail('DEFLATE_BLOCK_TYPE', 'block type 3 is reserved');
            }
            break;
          }
          case MODE_STORED_LENGTH: {
            // count is a multiple of 8 here, at most 32: LEN and NLEN are the next 4 bytes.
            while (count < 32 && inPos < inLength) {
              bits |= input[inPos++] << count;
              count += 8;
            }
            if (count < 32) return;
            const length = bits & 0xffff;
            const complement = bits >>> 16;
            if ((length ^ 0xffff) !== complement) {
              fail('DEFLATE_STORED_LENGTH', `stored block LEN ${length} does not match NLEN ${complement}`);
            }
            bits = 0;
            count = 0;
            this.storedLeft = length;
            mode = MODE_STORED_COPY;
            break;
          }
          case MODE_STORED_COPY: {
            let left = this.storedLeft;
            if (left > 0) {
              const n = Math.min(left, inLength - inPos);
              if (n === 0) return;
              const buffer = this.reserve(outPos, n);
              buffer.set(input.subarray(inPos, inPos + n), outPos);
              outPos += n;
              inPos += n;
              left -= n;
              this.storedLeft = left;
              if (left > 0) return;
            }
            mode = this.finalBlock ? MODE_DONE : MODE_HEADER;
            break;
          }
          case MODE_TABLE_COUNTS: {
            while (count < 14 && inPos < inLength) {
              bits |= input[inPos++] << count;
              count += 8;
            }
            if (count < 14) return;
            this.litlenCount = (bits & 31) + 257;
            this.distCount = ((bits >>> 5) & 31) + 1;
            this.clenCount = ((bits >>> 10) & 15) + 4;
            bits >>>= 14;
            count -= 14;
            // RFC 1951 §3.2.7: HLIT is 257..286 and HDIST 1..30 in use (zlib rejects more).
            if (this.litlenCount > LITLEN_CODES || this.distCount > DIST_CODES) {
              fail(
                'DEFLATE_HUFFMAN_TABLE',
                `a dynamic block declares ${this.litlenCount} literal/length and ${this.distCount} distance codes (at most 286 and 30)`,
              );
            }
            this.lengths.fill(0, 0, CLEN_CODES);
            this.lengthIndex = 0;
            mode = MODE_CLEN_LENGTHS;
            break;
          }
          case MODE_CLEN_LENGTHS: {
            const lengths = this.lengths;
            let index = this.lengthIndex;
            const total = this.clenCount;
            while (index < total) {
              if (count < 3) {
                if (inPos >= inLength) break;
                bits |= input[inPos++] << count;
                count += 8;
              }
              lengths[CLEN_ORDER[index++]] = bits & 7;
              bits >>>= 3;
              count -= 3;
            }
            this.lengthIndex = index;
            if (index < total) return;
            if (!buildTable(this.clenTable, lengths, 0, CLEN_CODES, CLEN_ROOT, 'clen')) {
              fail('DEFLATE_HUFFMAN_TABLE', 'the code length code is over-subscribed or incomplete');
            }
            this.lengths.fill(0, 0, this.litlenCount + this.distCount);
            this.lengthIndex = 0;
            mode = MODE_CODE_LENGTHS;
            break;
          }
          case MODE_CODE_LENGTHS: {
            const lengths = this.lengths;
            const table = this.clenTable;
            const total = this.litlenCount + this.distCount;
            let index = this.lengthIndex;
            while (index < total) {
              while (count < 14 && inPos < inLength) {
                bits |= input[inPos++] << count;
                count += 8;
              }
              const code = table[bits & 127];
              const length = code & 0xff;
              const symbol = code >>> VALUE_SHIFT;
              if (code >= LITERAL_END) {
                if (count < length) break;
                fail('DEFLATE_HUFFMAN_TABLE', 'a code length is coded with an unused code');
              }
              if (symbol < 16) {
                if (count < length) break;
                bits >>>= length;
                count -= length;
                lengths[index++] = symbol;
                continue;
              }
              // RFC 1951 §3.2.7: 16 repeats the previous length 3-6 times, 17 zero 3-10 times,
              // 18 zero 11-138 times.
              const extra = symbol === 16 ? 2 : symbol === 17 ? 3 : 7;
              if (count < length + extra) break;
              bits >>>= length;
              const repeat = (bits & ((1 << extra) - 1)) + (symbol === 16 ? 3 : symbol === 17 ? 3 : 11);
              bits >>>= extra;
              count -= length + extra;
              let value = 0;
              if (symbol === 16) {
                if (index === 0) fail('DEFLATE_HUFFMAN_TABLE', 'code length 16 repeats a length before the first one');
                value = lengths[index - 1];
              }
              if (index + repeat > total) {
                fail('DEFLATE_HUFFMAN_TABLE', 'repeated code lengths run past the declared number of codes');
              }
              lengths.fill(value, index, index + repeat);
              index += repeat;
            }
            this.lengthIndex = index;
            if (index < total) return;
            if (lengths[END_OF_BLOCK] === 0) {
              fail('DEFLATE_HUFFMAN_TABLE', 'the literal/length code has no end-of-block code');
            }
            if (!buildTable(this.dynamicLitlen, lengths, 0, this.litlenCount, LITLEN_ROOT, 'litlen')) {
              fail('DEFLATE_HUFFMAN_TABLE', 'the literal/length code is over-subscribed or incomplete');
            }
            if (!buildTable(this.dynamicDist, lengths, this.litlenCount, this.distCount, DIST_ROOT, 'dist')) {
              fail('DEFLATE_HUFFMAN_TABLE', 'the distance code is over-subscribed or incomplete');
            }
            this.litlen = this.dynamicLitlen;
            this.dist = this.dynamicDist;
            mode = MODE_CODES;
            break;
          }
          case MODE_CODES: {
            if (inLength - inPos > FAST_INPUT_MARGIN) {
              this.bitBuffer = bits;
              this.bitCount = count;
              this.outPos = outPos;
              inPos = this.decodeFast(input, inPos);
              bits = this.bitBuffer;
              count = this.bitCount;
              outPos = this.outPos;
              mode = this.mode;
              if (mode !== MODE_CODES) break;
            }
            // One symbol at a time, consuming bits only once the whole symbol is there.
            while (count <= 24 && inPos < inLength) {
              bits |= input[inPos++] << count;
              count += 8;
            }
            const table = this.litlen;
            let code = table[bits & ((1 << LITLEN_ROOT) - 1)];
            if (code >= LINK_MIN) code = resolve(table, code, bits, LITLEN_ROOT);
            const length = code & 0xff;
            if (code < LITERAL_END) {
              // A pair entry (see pairLiterals) gives one literal when only its first code is there.
              const first = (code >>> 8) & 15;
              if (count < length) {
                if (first === 0 || count < first) return;
                bits >>>= first;
                count -= first;
                const buffer = this.reserve(outPos, 1);
                buffer[outPos++] = code >>> VALUE_SHIFT;
                break;
              }
              bits >>>= length;
              count -= length;
              let buffer = this.reserve(outPos, 1);
              buffer[outPos++] = code >>> VALUE_SHIFT;
              if (first !== 0) {
                buffer = this.reserve(outPos, 1);
                buffer[outPos++] = code >>> (VALUE_SHIFT + 8);
              }
              break;
            }
            const kind = code >>> KIND_SHIFT;
            if (kind === KIND_BASE) {
              const extra = (code >>> 8) & 15;
              if (count < length + extra) return;
              bits >>>= length;
              this.matchLength = ((code >>> VALUE_SHIFT) & 0xffff) + (bits & ((1 << extra) - 1));
              bits >>>= extra;
              count -= length + extra;
              mode = MODE_DIST;
              break;
            }
            if (count < length) return;
            if (kind === KIND_END) {
              bits >>>= length;
              count -= length;
              mode = this.finalBlock ? MODE_DONE : MODE_HEADER;
              break;
            }
            fail('DEFLATE_INVALID_CODE', 'a literal/length code is unused or invalid (286, 287)');
          }
          case MODE_DIST: {
            while (count <= 24 && inPos < inLength) {
              bits |= input[inPos++] << count;
              count += 8;
            }
            const table = this.dist;
            let code = table[bits & ((1 << DIST_ROOT) - 1)];
            if (code >= LINK_MIN) code = resolve(table, code, bits, DIST_ROOT);
            const length = code & 0xff;
            if (count < length) return;
            if (code >>> KIND_SHIFT !== KIND_BASE) {
              fail('DEFLATE_INVALID_CODE', 'a distance code is unused or invalid (30, 31)');
            }
            bits >>>= length;
            count -= length;
            this.distEntry = code;
            mode = MODE_DIST_EXTRA;
            break;
          }
          case MODE_DIST_EXTRA: {
            const code = this.distEntry;
            const extra = (code >>> 8) & 15;
            while (count < extra && inPos < inLength) {
              bits |= input[inPos++] << count;
              count += 8;
            }
            if (count < extra) return;
            const distance = ((code >>> VALUE_SHIFT) & 0xffff) + (bits & ((1 << extra) - 1));
            bits >>>= extra;
            count -= extra;
            if (distance > outPos || distance > this.windowSize) this.distanceTooFar(distance, outPos);
            const length = this.matchLength;
            const buffer = this.reserve(outPos, length);
            for (let from = outPos - distance, end = outPos + length; outPos < end; ) buffer[outPos++] = buffer[from++];
            mode = MODE_CODES;
            break;
          }
          default: {
            // MODE_DONE: what follows a final block is not data (see finish).
            inPos = inLength;
            return;
          }
        }
      }
    } finally {
      this.bitBuffer = bits;
      this.bitCount = count;
      this.mode = mode;
      this.outPos = outPos;
    }
  }

  private distanceTooFar(distance: number, outPos: number): never {
    if (distance > this.windowSize) {
      fail('DEFLATE_DISTANCE_TOO_FAR', `a distance of ${distance} reaches beyond the ${this.windowSize}-byte window`);
    }
    fail('DEFLATE_DISTANCE_TOO_FAR', `a distance of ${distance} reaches before the first of the ${outPos} bytes produced`);
  }

  /**
   * Decodes literal/length and distance codes while at least {@link FAST_INPUT_MARGIN} input
   * bytes and {@link MAX_MATCH} + {@link COPY_SLACK} bytes of output room remain, with no
   * per-bit availability checks. Returns the new input position; leaves state in the fields.
   * Entered with at most 31 bits held (every careful-path symbol consumes at least 1 of the at
   * most 32 it loads), as the refill needs.
   */
  private decodeFast(input: Uint8Array, inPos: number): number {
    const inEnd = input.length - FAST_INPUT_MARGIN;
    // 4-byte loads and stores through DataViews: one bounds check and one memory access
    // instead of four.
    const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
    let bits = this.bitBuffer;
    let count = this.bitCount;
    let outPos = this.outPos;
    const litlen = this.litlen;
    const dist = this.dist;
    const windowSize = this.windowSize;
    const litMask = (1 << LITLEN_ROOT) - 1;
    const distMask = (1 << DIST_ROOT) - 1;
    let buffer = this.buffer;
    let outView = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    // Output positions up to outEnd leave room for a longest match and the copy's slack inside
    // both the buffer and the message limit.
    let outEnd = Math.min(buffer.length, this.messageStart + this.limit) - MAX_MATCH - COPY_SLACK;
    let mode = MODE_CODES;
    while (inPos < inEnd) {
      if (outPos > outEnd) {
        // Near the limit the careful path takes over; otherwise the buffer grows so that
        // outPos <= outEnd again (reserve never grows past the limit + MAX_MATCH).
        if (outPos - this.messageStart + MAX_MATCH + COPY_SLACK > this.limit) break;
        buffer = this.reserve(outPos, MAX_MATCH + COPY_SLACK);
        outView = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
        outEnd = Math.min(buffer.length, this.messageStart + this.limit) - MAX_MATCH - COPY_SLACK;
      }
      // Branchless refill to 24..31 bits: one 4-byte load shifted above the bits held (what
      // does not fit falls off the top and is loaded again, to the same place, next time),
      // advancing by the whole bytes that fit (measured: 1.12x inflate on text, 1.08x on JSON,
      // over a 2-byte refill when fewer than 15 bits remain). `>>> 0` keeps bits unsigned, one
      // number type for the JIT.
      bits = (bits | (view.getUint32(inPos, true) << count)) >>> 0;
      inPos += (31 - count) >>> 3;
      count |= 24;
      let code = litlen[bits & litMask];
      if (code >= LINK_MIN) code = resolve(litlen, code, bits, LITLEN_ROOT);
      let n = code & 0xff;
      bits >>>= n;
      count -= n;
      if (code < LITERAL_END) {
        // One or two literals (a pair entry, see pairLiterals): the second byte is written
        // either way (into the slack when there is no second) and kept when the entry is a pair.
        buffer[outPos] = code >>> VALUE_SHIFT;
        buffer[outPos + 1] = code >>> (VALUE_SHIFT + 8);
        outPos += 1 + ((((code >>> 8) & 15) + 15) >>> 4);
        continue;
      }
      const kind = code >>> KIND_SHIFT;
      if (kind !== KIND_BASE) {
        if (kind === KIND_END) {
          mode = this.finalBlock ? MODE_DONE : MODE_HEADER;
          break;
        }
        fail('DEFLATE_INVALID_CODE', 'a literal/length code is unused or invalid (286, 287)');
      }
      // A length code (≤ 15 bits) and its extra bits (≤ 5) fit in the 24 refilled bits.
      n = (code >>> 8) & 15;
      const length = ((code >>> VALUE_SHIFT) & 0xffff) + (bits & ((1 << n) - 1));
      bits >>>= n;
      count -= n;
      bits = (bits | (view.getUint32(inPos, true) << count)) >>> 0;
      inPos += (31 - count) >>> 3;
      count |= 24;
      code = dist[bits & distMask];
      if (code >= LINK_MIN) code = resolve(dist, code, bits, DIST_ROOT);
      if (code >>> KIND_SHIFT !== KIND_BASE) {
        fail('DEFLATE_INVALID_CODE', 'a distance code is unused or invalid (30, 31)');
      }
      n = code & 0xff;
      bits >>>= n;
      count -= n;
      n = (code >>> 8) & 15;
      if (count < n) {
        bits = (bits | (view.getUint32(inPos, true) << count)) >>> 0;
        inPos += (31 - count) >>> 3;
        count |= 24;
      }
      const distance = ((code >>> VALUE_SHIFT) & 0xffff) + (bits & ((1 << n) - 1));
      bits >>>= n;
      count -= n;
      if (distance > outPos || distance > windowSize) this.distanceTooFar(distance, outPos);
      let from = outPos - distance;
      const end = outPos + length;
      if (distance >= length && length > 64) {
        // Non-overlapping long copies: copyWithin is a memmove, its call cost paid back above
        // 64 bytes (measured against 32: 1.10x inflate on JSON; 128: 0.91x).
        buffer.copyWithin(outPos, from, from + length);
        outPos = end;
      } else if (distance >= 4) {
        // 8 bytes a step as two 4-byte words, overshooting the end into the slack instead of a
        // byte loop for the rest (the branch a short match mispredicts): each word reads bytes
        // already written when the distance is at least 4, so an overlapping copy repeats
        // correctly. Measured: 1.21x inflate on text, 1.13x on JSON over the byte steps below.
        do {
          outView.setUint32(outPos, outView.getUint32(from, true), true);
          outView.setUint32(outPos + 4, outView.getUint32(from + 4, true), true);
          outPos += 8;
          from += 8;
        } while (outPos < end);
        outPos = end;
      } else {
        // Distances 1..3 (runs): in order byte by byte, in steps of 8 overshooting into the slack
        // (measured: 1.21x inflate on text over an unrolled loop with a byte-loop tail).
        do {
          buffer[outPos] = buffer[from];
          buffer[outPos + 1] = buffer[from + 1];
          buffer[outPos + 2] = buffer[from + 2];
          buffer[outPos + 3] = buffer[from + 3];
          buffer[outPos + 4] = buffer[from + 4];
          buffer[outPos + 5] = buffer[from + 5];
          buffer[outPos + 6] = buffer[from + 6];
          buffer[outPos + 7] = buffer[from + 7];
          outPos += 8;
          from += 8;
        } while (outPos < end);
        outPos = end;
      }
    }
    // Bits above count may hold input bytes not yet consumed (see the refill): clear them.
    bits &= (1 << count) - 1;
    this.bitBuffer = bits;
    this.bitCount = count;
    this.outPos = outPos;
    this.mode = mode;
    return inPos;
  }
}
