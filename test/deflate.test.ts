import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Deflater } from '../src/deflate/_deflate.ts';
import { Inflater } from '../src/deflate/_inflate.ts';
import { expectBytes, patternBytes } from './_bytes.ts';
import { concat, fromHex, hex, loadZlib, sampleText, samples, utf8, zlibDeflate, zlibInflate } from './_deflate-data.ts';
import { describeNodeBuiltins } from './_runtime.ts';

function roundTrip(deflater: Deflater, inflater: Inflater, data: Uint8Array): Uint8Array {
  inflater.push(deflater.compress(data));
  return inflater.finish();
}

describe('RFC 7692 §7.2.3 examples, compressed byte for byte', () => {
  it('compresses "Hello" to f2 48 cd c9 c9 07 00 (§7.2.3.1)', () => {
    expect(hex(new Deflater().compress(utf8('Hello')))).toBe('f2 48 cd c9 c9 07 00');
  });

  it('compresses a second "Hello" to one back-reference with context takeover (§7.2.3.2)', () => {
    // The RFC's f2 00 11 00 00 is zlib's output: a literal "H", then length 4 at distance 5.
    // We find the whole 5-byte match: length 5 (symbol 259), distance 5 (code 4, extra bit 0).
    const deflater = new Deflater();
    deflater.compress(utf8('Hello'));
    const second = deflater.compress(utf8('Hello'));
    expect(hex(second)).toBe('02 13 00 00');
    const inflater = new Inflater();
    inflater.push(fromHex('f2 48 cd c9 c9 07 00'));
    inflater.finish();
    inflater.push(second);
    expectBytes(inflater.finish(), utf8('Hello'));
  });

  it('compresses the second "Hello" on its own again after reset (no context takeover)', () => {
    const deflater = new Deflater();
    deflater.compress(utf8('Hello'));
    deflater.reset();
    expect(hex(deflater.compress(utf8('Hello')))).toBe('f2 48 cd c9 c9 07 00');
  });

  it('writes the no-compression block of §7.2.3.3 at level 0', () => {
    expect(hex(new Deflater({ level: 0 }).compress(utf8('Hello')))).toBe('00 05 00 fa ff 48 65 6c 6c 6f 00');
  });

  it('compresses an empty message to the single byte 00 (§7.2.3.6)', () => {
    expect(hex(new Deflater().compress(new Uint8Array(0)))).toBe('00');
  });
});

describe('Deflater output', () => {
  it('round-trips every sample through the inflater at every level and window size', () => {
    for (let windowBits = 8; windowBits <= 15; windowBits++) {
      for (const level of [0, 1, 4, 6, 9]) {
        for (const { name, data } of samples(20_000)) {
          const output = roundTrip(new Deflater({ windowBits, level }), new Inflater({ windowBits }), data);
          expect(output.length, `${name}, windowBits ${windowBits}, level ${level}`).toBe(data.length);
          expectBytes(output, data);
        }
      }
    }
  });

  it('keeps every distance inside a 256-byte window at windowBits 8', () => {
    // Repeats at distance 300 only: matches would need a wider window.
    const unit = patternBytes(300, 17);
    const data = concat(unit, unit, unit);
    const inflater = new Inflater({ windowBits: 8 });
    expectBytes(roundTrip(new Deflater({ windowBits: 8 }), inflater, data), data);
    // The same data compresses far better with a window that reaches back 300 bytes.
    expect(new Deflater({ windowBits: 9 }).compress(data).length).toBeLessThan(new Deflater({ windowBits: 8 }).compress(data).length / 2);
  });

  it('shares the window across messages and can forget it', () => {
    const message = utf8(sampleText(2000));
    const deflater = new Deflater();
    const inflater = new Inflater();
    const first = deflater.compress(message);
    const second = deflater.compress(message);
    expect(second.length).toBeLessThan(first.length / 10);
    inflater.push(first);
    expectBytes(inflater.finish(), message);
    inflater.push(second);
    expectBytes(inflater.finish(), message);
    deflater.reset();
    inflater.reset();
    const third = deflater.compress(message);
    expect(third.length).toBe(first.length);
    inflater.push(third);
    expectBytes(inflater.finish(), message);
  });

  it('sends incompressible data as stored blocks with at most 5 bytes of overhead per 64 KiB', () => {
    const data = patternBytes(200_000, 23);
    const output = new Deflater().compress(data);
    expect(output.length).toBeLessThanOrEqual(data.length + 5 * Math.ceil(data.length / 16384) + 1);
    expectBytes(roundTrip(new Deflater(), new Inflater(), data), data);
  });

  it('compresses long runs to about 1/1000 of their size', () => {
    expect(new Deflater().compress(new Uint8Array(1 << 20)).length).toBeLessThan(1100);
  });

  it('ends every message on a byte boundary with the empty stored block header, tail removed', () => {
    for (const { data } of samples(3000)) {
      const output = new Deflater().compress(data);
      // The inflater accepts the message only if it ends exactly after that header byte.
      const inflater = new Inflater();
      inflater.push(output);
      expectBytes(inflater.finish(), data);
      expect(output[output.length - 1] & 0x80).toBe(0);
    }
  });

  it('rejects a window size outside 8..15 and a level outside 0..9 with RangeError', () => {
    expect(() => new Deflater({ windowBits: 7 })).toThrow(RangeError);
    expect(() => new Deflater({ windowBits: 16 })).toThrow(RangeError);
    expect(() => new Deflater({ level: 10 })).toThrow(RangeError);
    expect(() => new Deflater({ level: 1.5 })).toThrow(RangeError);
    expect(() => new Inflater({ windowBits: 7 })).toThrow(RangeError);
  });

  it('round-trips random messages with context takeover through the inflater (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 2000 }), fc.string({ maxLength: 500 }).map(utf8)), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 8, max: 15 }),
        fc.integer({ min: 1, max: 9 }),
        (messages, windowBits, level) => {
          const deflater = new Deflater({ windowBits, level });
          const inflater = new Inflater({ windowBits });
          for (const message of messages) expectBytes(roundTrip(deflater, inflater, message), message);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('round-trips messages built from repeated fragments, where matches abound (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 8, max: 15 }),
        (fragments, picks, windowBits) => {
          const data = concat(...picks.map((pick) => fragments[pick % fragments.length]));
          expectBytes(roundTrip(new Deflater({ windowBits }), new Inflater({ windowBits }), data), data);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describeNodeBuiltins('Deflater against node:zlib', () => {
  // Skipped in the browser: a page has no node:zlib.
  it('produces what zlib inflates, for every window size 8..15, level and sample', async () => {
    const zlib = await loadZlib();
    for (let windowBits = 8; windowBits <= 15; windowBits++) {
      for (const level of [0, 1, 6, 9]) {
        for (const { name, data } of samples(30_000)) {
          const output = zlibInflate(zlib, [new Deflater({ windowBits, level }).compress(data)], windowBits);
          expect(output.length, `${name}, windowBits ${windowBits}, level ${level}`).toBe(data.length);
          expectBytes(output, data);
        }
      }
    }
  });

  it('produces messages zlib inflates through one shared window (context takeover)', async () => {
    const zlib = await loadZlib();
    const messages = [utf8('Hello'), utf8('Hello'), ...samples(8000).map((s) => s.data), utf8(sampleText(50_000, 3))];
    for (let windowBits = 8; windowBits <= 15; windowBits++) {
      const deflater = new Deflater({ windowBits });
      const payloads = messages.map((message) => deflater.compress(message));
      expectBytes(zlibInflate(zlib, payloads, windowBits), concat(...messages));
    }
  });

  it('compresses text and JSON within 10% of zlib level 6', async () => {
    const zlib = await loadZlib();
    for (const { name, data } of samples(256 * 1024).filter((s) => s.name === 'text' || s.name === 'JSON')) {
      const ours = new Deflater({ level: 6 }).compress(data).length;
      const theirs = zlibDeflate(zlib, data, 15, 6).length;
      expect(ours, `${name}: ${ours} vs zlib ${theirs}`).toBeLessThanOrEqual(theirs * 1.1);
    }
  });

  it('agrees with zlib on the RFC 7692 "Hello" and its empty-message form, and zlib reads our back-reference', async () => {
    const zlib = await loadZlib();
    expectBytes(zlibInflate(zlib, [fromHex('f2 48 cd c9 c9 07 00'), fromHex('02 13 00 00')], 15), utf8('HelloHello'));
    expectBytes(new Deflater().compress(utf8('Hello')), zlibDeflate(zlib, utf8('Hello'), 15));
    expectBytes(new Deflater().compress(new Uint8Array(0)), fromHex('00'));
    expectBytes(zlibDeflate(zlib, new Uint8Array(0), 15), fromHex('00'));
  });
});
