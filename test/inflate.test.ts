import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Deflater } from '../src/deflate/_deflate.ts';
import { Inflater } from '../src/deflate/_inflate.ts';
import { ProtocolError } from '../src/base/errors.ts';
import { expectBytes, expectProtocolError, patternBytes } from './_bytes.ts';
import {
  BitWriter, concat, fixedSymbol, fromHex, fromUtf8, loadZlib, sampleJson, samples, utf8, zlibDeflate, zlibDeflateMessages,
} from './_deflate-data.ts';
import { describeNodeBuiltins } from './_runtime.ts';

/** Inflates one message's payload, pushed in the given pieces. */
function inflate(payload: Uint8Array, options: { windowBits?: number; maxOutput?: number; pieces?: number[] } = {}): Uint8Array {
  const inflater = new Inflater({ windowBits: options.windowBits });
  return inflateWith(inflater, payload, options.maxOutput, options.pieces);
}

function inflateWith(inflater: Inflater, payload: Uint8Array, maxOutput?: number, pieces: number[] = []): Uint8Array {
  let at = 0;
  for (const size of pieces) {
    inflater.push(payload.subarray(at, Math.min(payload.length, at + size)), maxOutput);
    at = Math.min(payload.length, at + size);
  }
  inflater.push(payload.subarray(at), maxOutput);
  return inflater.finish(maxOutput);
}

/** Canonical Huffman codes (RFC 1951 §3.2.2), most significant bit first, for crafted blocks. */
function canonical(lengths: readonly number[]): number[] {
  const perLength = new Array<number>(16).fill(0);
  for (const length of lengths) if (length > 0) perLength[length]++;
  const next = new Array<number>(16).fill(0);
  let code = 0;
  for (let length = 1; length < 16; length++) {
    code = (code + perLength[length - 1]) << 1;
    next[length] = code;
  }
  return lengths.map((length) => (length === 0 ? 0 : next[length]++));
}

/**
 * Starts a dynamic block (RFC 1951 §3.2.7) with these code lengths. The code length code gives
 * symbols 0..15 four bits each (a complete code), so each length is sent as itself in 4 bits.
 */
function dynamicBlock(litlen: readonly number[], dist: readonly number[], options: { final?: boolean; clen?: number[] } = {}): BitWriter {
  const writer = new BitWriter().bitsLsb(options.final ? 1 : 0, 1).bitsLsb(2, 2);
  writer.bitsLsb(litlen.length - 257, 5).bitsLsb(dist.length - 1, 5).bitsLsb(19 - 4, 4);
  const order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
  const clen = options.clen ?? Array.from({ length: 19 }, (_, symbol) => (symbol < 16 ? 4 : 0));
  for (const symbol of order) writer.bitsLsb(clen[symbol], 3);
  const codes = canonical(clen);
  for (const length of [...litlen, ...dist]) writer.code(codes[length], clen[length]);
  return writer;
}

/** Literal/length code lengths: the given symbols at the given lengths, the rest unused. */
function lengthsOf(count: number, entries: Record<number, number>): number[] {
  return Array.from({ length: count }, (_, symbol) => entries[symbol] ?? 0);
}

const HELLO = utf8('Hello');

describe('RFC 7692 §7.2.3 examples', () => {
  it('inflates the compressed "Hello" of §7.2.3.1', () => {
    expectBytes(inflate(fromHex('f2 48 cd c9 c9 07 00')), HELLO);
  });

  it('inflates the second "Hello" of §7.2.3.2, which refers back into the first message', () => {
    const inflater = new Inflater();
    expectBytes(inflateWith(inflater, fromHex('f2 48 cd c9 c9 07 00')), HELLO);
    expectBytes(inflateWith(inflater, fromHex('f2 00 11 00 00')), HELLO);
  });

  it('rejects the §7.2.3.2 back-reference once the window is reset (no context takeover)', () => {
    const inflater = new Inflater();
    inflateWith(inflater, fromHex('f2 48 cd c9 c9 07 00'));
    inflater.reset();
    expectProtocolError(() => inflateWith(inflater, fromHex('f2 00 11 00 00')), 1007, 'DEFLATE_DISTANCE_TOO_FAR');
  });

  it('inflates the no-compression block of §7.2.3.3', () => {
    expectBytes(inflate(fromHex('00 05 00 fa ff 48 65 6c 6c 6f 00')), HELLO);
  });

  it('inflates the BFINAL block of §7.2.3.4 and starts the next message as a new stream over the same window', () => {
    const inflater = new Inflater();
    expectBytes(inflateWith(inflater, fromHex('f3 48 cd c9 c9 07 00')), HELLO);
    expectBytes(inflateWith(inflater, fromHex('f2 00 11 00 00')), HELLO);
  });

  it('inflates the two blocks of §7.2.3.5, a sync flush inside the message', () => {
    expectBytes(inflate(fromHex('f2 48 05 00 00 00 ff ff ca c9 c9 07 00')), HELLO);
  });

  it('inflates the §7.2.3.6 empty message (an empty stored block, tail removed)', () => {
    expectBytes(inflate(fromHex('00')), new Uint8Array(0));
  });
});

describe('Inflater decodes every block type', () => {
  it('decodes a fixed-Huffman block with literals, a 258-byte match and end-of-block', () => {
    const writer = new BitWriter().bitsLsb(0, 1).bitsLsb(1, 2);
    fixedSymbol(writer, 0x61);
    fixedSymbol(writer, 0x62);
    fixedSymbol(writer, 285); // length 258
    writer.code(1, 5); // distance code 1: distance 2
    fixedSymbol(writer, 256);
    const payload = concat(writer.bitsLsb(0, 3).align().finish());
    const expected = new Uint8Array(260).map((_, i) => (i % 2 === 0 ? 0x61 : 0x62));
    expectBytes(inflate(payload), expected);
  });

  it('decodes a dynamic block whose distance code has a single code (the one incomplete code allowed)', () => {
    const litlen = lengthsOf(286, { 0x41: 1, 256: 2, 257: 2 });
    const writer = dynamicBlock(litlen, [1]);
    const codes = canonical(litlen);
    writer.code(codes[0x41], 1).code(codes[257], 2).code(0, 1).code(codes[256], 2);
    const payload = writer.bitsLsb(0, 3).align().finish();
    expectBytes(inflate(payload), utf8('AAAA'));
  });

  it('decodes stored data split across pushes at every byte', () => {
    const data = patternBytes(300, 5);
    const payload = concat(new Uint8Array([0x00, 44, 1, ~44 & 0xff, ~1 & 0xff]), data, new Uint8Array([0x00]));
    expectBytes(inflate(payload, { pieces: Array.from({ length: payload.length }, () => 1) }), data);
  });

  it('decodes codes longer than the 10-bit primary table through second-level tables', () => {
    // Lengths 1, 2, …, 14, 15, 15: a complete code reaching 15 bits.
    const symbols = [0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 256, 0x4f];
    const entries: Record<number, number> = {};
    symbols.forEach((symbol, i) => (entries[symbol] = Math.min(i + 1, 15)));
    const litlen = lengthsOf(286, entries);
    const codes = canonical(litlen);
    const writer = dynamicBlock(litlen, [1]);
    const text = 'ONMLKJIHGFEDCBAO';
    for (const char of text) writer.code(codes[char.charCodeAt(0)], litlen[char.charCodeAt(0)]);
    writer.code(codes[256], 15);
    expectBytes(inflate(writer.bitsLsb(0, 3).align().finish()), utf8(text));
  });
});

describe('Inflater rejects corrupt streams with 1007 and a stable code', () => {
  it('rejects block type 3', () => {
    expectProtocolError(() => inflate(fromHex('06')), 1007, 'DEFLATE_BLOCK_TYPE');
  });

  it('rejects a stored block whose NLEN is not the complement of LEN', () => {
    expectProtocolError(() => inflate(fromHex('00 05 00 fa fe 48 65 6c 6c 6f 00')), 1007, 'DEFLATE_STORED_LENGTH');
  });

  it('rejects a message that ends inside a stored block', () => {
    expectProtocolError(() => inflate(fromHex('00 64 00 9b ff 41 42 43')), 1007, 'DEFLATE_TRUNCATED');
  });

  it('rejects an empty compressed payload (the appended tail alone is a truncated stored block)', () => {
    expectProtocolError(() => inflate(new Uint8Array(0)), 1007, 'DEFLATE_TRUNCATED');
  });

  it('rejects the fixed-code literal/length symbols 286 and 287', () => {
    for (const symbol of [286, 287]) {
      const writer = new BitWriter().bitsLsb(0, 1).bitsLsb(1, 2);
      fixedSymbol(writer, symbol);
      expectProtocolError(() => inflate(writer.align().finish()), 1007, 'DEFLATE_INVALID_CODE');
    }
  });

  it('rejects the fixed-code distance codes 30 and 31', () => {
    for (const code of [30, 31]) {
      const writer = new BitWriter().bitsLsb(0, 1).bitsLsb(1, 2);
      fixedSymbol(writer, 0x61);
      fixedSymbol(writer, 257);
      writer.code(code, 5);
      expectProtocolError(() => inflate(writer.align().finish()), 1007, 'DEFLATE_INVALID_CODE');
    }
  });

  it('rejects a distance reaching before the first byte produced', () => {
    const writer = new BitWriter().bitsLsb(0, 1).bitsLsb(1, 2);
    fixedSymbol(writer, 0x61);
    fixedSymbol(writer, 257);
    writer.code(1, 5); // distance 2, one byte produced
    const error = expectProtocolError(() => inflate(writer.align().finish()), 1007, 'DEFLATE_DISTANCE_TOO_FAR');
    expect(error.message).toBe('Cannot inflate message: a distance of 2 reaches before the first of the 1 bytes produced');
  });

  it('rejects a distance beyond a 256-byte window (max_window_bits 8) that a 32 KiB window accepts', () => {
    const data = concat(patternBytes(300, 3), patternBytes(20, 3));
    const writer = new BitWriter().bitsLsb(0, 1).bitsLsb(0, 2).align();
    writer.raw(300 & 0xff, 300 >>> 8, ~300 & 0xff, (~300 >>> 8) & 0xff, ...data.subarray(0, 300));
    writer.bitsLsb(0, 1).bitsLsb(1, 2);
    fixedSymbol(writer, 265); // length 11 (+1 extra bit)
    writer.bitsLsb(0, 1);
    writer.code(16, 5).bitsLsb(300 - 257, 7); // distance code 16: 257 + 7 extra bits
    fixedSymbol(writer, 256);
    const payload = writer.bitsLsb(0, 3).align().finish();
    expectBytes(inflate(payload), concat(data.subarray(0, 300), data.subarray(0, 11)));
    const error = expectProtocolError(() => inflate(payload, { windowBits: 8 }), 1007, 'DEFLATE_DISTANCE_TOO_FAR');
    expect(error.message).toBe('Cannot inflate message: a distance of 300 reaches beyond the 256-byte window');
  });

  it('rejects an over-subscribed code length code', () => {
    const clen = Array.from({ length: 19 }, () => 1);
    expectProtocolError(() => inflate(dynamicBlock(lengthsOf(257, { 256: 1 }), [1], { clen }).finish()), 1007, 'DEFLATE_HUFFMAN_TABLE');
  });

  it('rejects an incomplete code length code, even a single 1-bit code', () => {
    const clen = Array.from({ length: 19 }, (_, symbol) => (symbol === 0 ? 1 : 0));
    expectProtocolError(() => inflate(dynamicBlock(lengthsOf(257, {}), [0], { clen }).finish()), 1007, 'DEFLATE_HUFFMAN_TABLE');
  });

  it('rejects an over-subscribed literal/length code', () => {
    const block = dynamicBlock(lengthsOf(286, { 0x41: 1, 0x42: 1, 256: 1 }), [1]);
    const error = expectProtocolError(() => inflate(block.finish()), 1007, 'DEFLATE_HUFFMAN_TABLE');
    expect(error.message).toBe('Cannot inflate message: the literal/length code is over-subscribed or incomplete');
  });

  it('rejects an incomplete literal/length code of more than one code', () => {
    const block = dynamicBlock(lengthsOf(286, { 0x41: 2, 256: 2 }), [1]);
    expectProtocolError(() => inflate(block.finish()), 1007, 'DEFLATE_HUFFMAN_TABLE');
  });

  it('rejects a literal/length code without end-of-block', () => {
    const block = dynamicBlock(lengthsOf(286, { 0x41: 1, 0x42: 1 }), [1]);
    const error = expectProtocolError(() => inflate(block.finish()), 1007, 'DEFLATE_HUFFMAN_TABLE');
    expect(error.message).toBe('Cannot inflate message: the literal/length code has no end-of-block code');
  });

  it('rejects an incomplete distance code of more than one code', () => {
    const block = dynamicBlock(lengthsOf(286, { 0x41: 1, 256: 1 }), [2, 2]);
    const error = expectProtocolError(() => inflate(block.finish()), 1007, 'DEFLATE_HUFFMAN_TABLE');
    expect(error.message).toBe('Cannot inflate message: the distance code is over-subscribed or incomplete');
  });

  it('rejects more than 286 literal/length codes or 30 distance codes', () => {
    const tooMany = new BitWriter().bitsLsb(0, 1).bitsLsb(2, 2).bitsLsb(30, 5).bitsLsb(0, 5).bitsLsb(0, 4).finish();
    expectProtocolError(() => inflate(tooMany), 1007, 'DEFLATE_HUFFMAN_TABLE');
    const tooFar = new BitWriter().bitsLsb(0, 1).bitsLsb(2, 2).bitsLsb(0, 5).bitsLsb(30, 5).bitsLsb(0, 4).finish();
    expectProtocolError(() => inflate(tooFar), 1007, 'DEFLATE_HUFFMAN_TABLE');
  });

  it('rejects the repeat code 16 before any length, and repeats past the declared count', () => {
    const clen = Array.from({ length: 19 }, (_, symbol) => (symbol < 16 ? 5 : symbol === 16 || symbol === 18 ? 2 : 0));
    // Lengths 5 for 0..15 and 2 for 16 and 18: 16·2^-5 + 2·2^-2 = 1, complete.
    const codes = canonical(clen);
    const start = () => {
      const writer = new BitWriter().bitsLsb(0, 1).bitsLsb(2, 2).bitsLsb(0, 5).bitsLsb(0, 5).bitsLsb(15, 4);
      for (const symbol of [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]) writer.bitsLsb(clen[symbol], 3);
      return writer;
    };
    const first = start().code(codes[16], 2).bitsLsb(0, 2).finish();
    expect(expectProtocolError(() => inflate(first), 1007, 'DEFLATE_HUFFMAN_TABLE').message).toBe(
      'Cannot inflate message: code length 16 repeats a length before the first one',
    );
    // 258 lengths declared: 2 × 138 zeros is 276.
    const past = start().code(codes[18], 2).bitsLsb(127, 7).code(codes[18], 2).bitsLsb(127, 7).finish();
    expect(expectProtocolError(() => inflate(past), 1007, 'DEFLATE_HUFFMAN_TABLE').message).toBe(
      'Cannot inflate message: repeated code lengths run past the declared number of codes',
    );
  });

  it('stays failed: every later push or finish throws the same error', () => {
    const inflater = new Inflater();
    const error = expectProtocolError(() => inflater.push(fromHex('06')), 1007, 'DEFLATE_BLOCK_TYPE');
    expect(() => inflater.push(fromHex('f2 48 cd c9 c9 07 00'))).toThrow(error);
    expect(() => inflater.finish()).toThrow(error);
  });

  it('fails every corruption of a compressed message with a ProtocolError, never another exception or a hang', () => {
    const payload = fromHex('f2 48 cd c9 c9 07 00');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 }), fc.nat(), (noise, seed) => {
        const corrupt = concat(payload.subarray(0, seed % (payload.length + 1)), noise);
        try {
          inflate(corrupt, { maxOutput: 1 << 16 });
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
          expect([1007, 1009]).toContain((error as ProtocolError).closeCode);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('Inflater enforces the output limit while inflating', () => {
  /**
   * A dynamic block where a 258-byte match costs 2 bits: 285 and distance code 0 are 1-bit
   * codes. 1 MiB of zero bytes after the header would inflate to about 1 GiB.
   */
  function bomb(): Uint8Array {
    const litlen = lengthsOf(286, { 0: 2, 256: 2, 285: 1 });
    const codes = canonical(litlen);
    const header = dynamicBlock(litlen, [1]).code(codes[0], 2).finish();
    return concat(header, new Uint8Array(1 << 20));
  }

  it('stops a 1 MiB message that would inflate to 1 GiB with 1009 after at most the limit', () => {
    const limit = 1 << 20;
    const inflater = new Inflater();
    const started = performance.now();
    expectProtocolError(() => inflater.push(bomb(), limit), 1009, 'MESSAGE_TOO_LARGE');
    expect(inflater.produced).toBeLessThanOrEqual(limit);
    expect(inflater.produced).toBeGreaterThan(limit - 258);
    expect(inflater.retainedBytes).toBeLessThanOrEqual(inflater.windowSize + limit + 258);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('stops the bomb at the same point whatever the pieces it arrives in', () => {
    const payload = bomb().subarray(0, 20_000);
    for (const size of [1, 7, 4096]) {
      const inflater = new Inflater();
      let error: unknown;
      try {
        for (let at = 0; at < payload.length; at += size) inflater.push(payload.subarray(at, at + size), 100_000);
      } catch (caught) {
        error = caught;
      }
      expect((error as ProtocolError).code).toBe('MESSAGE_TOO_LARGE');
      expect(inflater.produced).toBeLessThanOrEqual(100_000);
    }
  });

  it('accepts a message of exactly the limit and rejects one byte more', () => {
    const data = patternBytes(5000, 11);
    const payload = concat(new Uint8Array([0x00, 5000 & 0xff, 5000 >>> 8, ~5000 & 0xff, (~5000 >>> 8) & 0xff]), data, new Uint8Array([0x00]));
    expectBytes(inflate(payload, { maxOutput: 5000 }), data);
    expectProtocolError(() => inflate(payload, { maxOutput: 4999 }), 1009, 'MESSAGE_TOO_LARGE');
  });

  it('grows its buffer with the output produced, not with what the stream claims', () => {
    const inflater = new Inflater();
    inflater.push(fromHex('00 ff ff 00 00 41'));
    expect(inflater.retainedBytes).toBeLessThan(64 * 1024);
  });
});

describe('Inflater fast path (whole pieces) agrees with the careful path (pieces of at most 16 bytes)', () => {
  // Pieces of at most 16 bytes never enter the fast loop (it needs more than 16 bytes of input
  // left), so they decode every symbol through the careful path: the reference version.
  const data = fc.array(
    fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 40 }),
      fc.uint8Array({ minLength: 1, maxLength: 4 }).chain((unit) =>
        fc.integer({ min: 1, max: 300 }).map((times) => {
          const run = new Uint8Array(unit.length * times);
          for (let i = 0; i < run.length; i++) run[i] = unit[i % unit.length];
          return run;
        }),
      ),
      fc.constantFrom(...['the ', 'compression ', '{"id":', '"tags":["alpha"]}, '].map(utf8)),
      // Few distinct literals get short codes: two fit in one table entry (a pair entry).
      fc.uint8Array({ minLength: 1, maxLength: 400 }).map((bytes) => bytes.map((byte) => 97 + (byte & 3))),
    ),
    { maxLength: 120 },
  ).map((parts) => concat(...parts));

  it('takes one literal of a pair entry when a piece ends inside the second code', () => {
    // 4 distinct literals: 2-bit codes, pair entries everywhere; 1-byte pieces end inside pairs.
    let seed = 1;
    const input = new Uint8Array(3000).map(() => 97 + (((seed = (seed * 1103515245 + 12345) >>> 0) >>> 28) & 3));
    const payload = new Deflater().compress(input);
    expect(inflate(payload, { pieces: Array.from({ length: payload.length }, () => 1) })).toEqual(input);
    expect(inflate(payload)).toEqual(input);
  });

  it('keeps the fast copy inside the buffer whatever room the last message left (context takeover)', () => {
    // Regression: the buffer kept after one message once left the fast loop between MAX_MATCH
    // and MAX_MATCH + COPY_SLACK bytes of room, and a 4-byte copy ran past its end.
    const pattern = (size: number) => Uint8Array.from({ length: size }, (_, i) => (i * 31 + 7) & 0xff);
    const messages = [0, 1, 125, 126, 1000, 65535, 65536, 70000, 200000, 1 << 20].map(pattern);
    for (const windowBits of [8, 12, 15]) {
      const deflater = new Deflater({ windowBits });
      const inflater = new Inflater({ windowBits });
      for (const message of messages) expect(inflateWith(inflater, deflater.compress(message))).toEqual(message);
    }
  });

  it('gives the same output and the same limit errors for random data at random chunkings and window sizes', () => {
    fc.assert(
      fc.property(
        data,
        fc.integer({ min: 8, max: 15 }),
        fc.array(fc.integer({ min: 0, max: 600 }), { maxLength: 8 }),
        fc.nat({ max: 20_000 }),
        (input, windowBits, pieces, limit) => {
          const payload = new Deflater({ windowBits }).compress(input);
          const careful = Array.from({ length: Math.ceil(payload.length / 16) }, (_, i) => (i % 16) + 1);
          const run = (chunks: number[], maxOutput?: number) => {
            try {
              return inflate(payload, { windowBits, pieces: chunks, maxOutput });
            } catch (error) {
              return (error as ProtocolError).code;
            }
          };
          expect(run([])).toEqual(input);
          expect(run(pieces)).toEqual(input);
          expect(run(careful)).toEqual(input);
          const limited = run([], limit);
          expect(limited).toEqual(input.length <= limit ? input : 'MESSAGE_TOO_LARGE');
          expect(run(careful, limit)).toEqual(limited);
          expect(run(pieces, limit)).toEqual(limited);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describeNodeBuiltins('Inflater against node:zlib', () => {
  // Skipped in the browser: a page has no node:zlib.
  it('inflates what zlib deflates, for every window size 8..15 and every sample', async () => {
    const zlib = await loadZlib();
    for (let windowBits = 8; windowBits <= 15; windowBits++) {
      for (const { name, data } of samples(40_000)) {
        for (const level of [1, 6, 9]) {
          const payload = zlibDeflate(zlib, data, windowBits, level);
          const output = inflate(payload, { windowBits });
          expect(output.length, `${name}, windowBits ${windowBits}, level ${level}`).toBe(data.length);
          expectBytes(output, data);
        }
      }
    }
  });

  it('inflates messages zlib compressed with context takeover, for every window size', async () => {
    const zlib = await loadZlib();
    const messages = [utf8('Hello'), utf8('Hello'), ...samples(5000).map((s) => s.data), utf8('Hello, Hello, Hello')];
    for (let windowBits = 8; windowBits <= 15; windowBits++) {
      const payloads = await zlibDeflateMessages(zlib, messages, windowBits);
      const inflater = new Inflater({ windowBits });
      payloads.forEach((payload, i) => expectBytes(inflateWith(inflater, payload), messages[i]));
    }
  });

  it('inflates 1 MiB of text in pieces with the same result as in one piece', async () => {
    const zlib = await loadZlib();
    const data = utf8(sampleTextMiB());
    const payload = zlibDeflate(zlib, data, 15);
    expectBytes(inflate(payload), data);
    expectBytes(inflate(payload, { pieces: [1, 2, 3, 1000, 13, 65536] }), data);
  });

  it('gives the same output for any chunking of the compressed input', async () => {
    const zlib = await loadZlib();
    const data = samples(3000).find((sample) => sample.name === 'JSON')!.data;
    const payload = zlibDeflate(zlib, data, 15);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 64 }), { maxLength: 40 }), (pieces) => {
        expectBytes(inflate(payload, { pieces }), data);
      }),
      { numRuns: 200 },
    );
  });

  it('fails truncations of a zlib message with 1007 DEFLATE errors, never another exception', async () => {
    const zlib = await loadZlib();
    const data = utf8(sampleJson(2000));
    const payload = zlibDeflate(zlib, data, 15);
    const codes = new Set<string>();
    for (let cut = 0; cut < payload.length - 1; cut++) {
      try {
        inflate(payload.subarray(0, cut));
        codes.add('none');
      } catch (error) {
        expect(error).toBeInstanceOf(ProtocolError);
        expect((error as ProtocolError).closeCode).toBe(1007);
        codes.add((error as ProtocolError).code);
      }
    }
    // The appended tail is read as Huffman data after a cut, so most cuts end inside a block.
    expect(codes.has('DEFLATE_TRUNCATED')).toBe(true);
    expect([...codes].every((code) => code.startsWith('DEFLATE_'))).toBe(true);
  });
});

function sampleTextMiB(): string {
  return fromUtf8(samples(1 << 20)[2].data);
}
