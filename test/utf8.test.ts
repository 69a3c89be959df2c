import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Utf8Validator, findInvalidUtf8, isValidUtf8 } from '../src/bytes/utf8.ts';

const fatal = new TextDecoder('utf-8', { fatal: true });
function platformSaysValid(bytes: Uint8Array): boolean {
  try {
    fatal.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

const b = (...bytes: number[]) => new Uint8Array(bytes);

/** Bytes that are mostly interesting for UTF-8: leads, continuations and the edges of ranges. */
const utf8ishBytes = fc.uint8Array({ maxLength: 40 }).chain((random) =>
  fc.array(
    fc.oneof(
      fc.constantFrom(0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xf8, 0xfc, 0xfe, 0xff),
      fc.integer({ min: 0, max: 255 }),
    ),
    { maxLength: 40 },
  ).map((picked) => new Uint8Array([...random.subarray(0, 4), ...picked])),
);

const validUtf8 = fc.string({ unit: 'grapheme', maxLength: 60 }).map((text) => new TextEncoder().encode(text));

describe('isValidUtf8', () => {
  it('accepts ASCII, 2-, 3- and 4-byte sequences at their boundaries', () => {
    for (const text of ['', 'Hello', '\u0000', '\u007f', '\u0080', '\u07ff', '\u0800', '\ud7ff', '\ue000', '\ufffd', '\ufeff', '\uffff', '\u{10000}', '\u{10ffff}', 'κόσμε', '한국어 😀']) {
      expect(isValidUtf8(new TextEncoder().encode(text)), text).toBe(true);
    }
  });

  it.each([
    ['an overlong 2-byte "/"', b(0xc0, 0xaf)],
    ['an overlong C1 lead', b(0xc1, 0xbf)],
    ['an overlong 3-byte form', b(0xe0, 0x80, 0xaf)],
    ['an overlong 4-byte form', b(0xf0, 0x80, 0x80, 0xaf)],
    ['a high surrogate U+D800', b(0xed, 0xa0, 0x80)],
    ['a low surrogate U+DFFF', b(0xed, 0xbf, 0xbf)],
    ['a surrogate pair in CESU-8', b(0xed, 0xa0, 0x80, 0xed, 0xb0, 0x80)],
    ['a code point above U+10FFFF', b(0xf4, 0x90, 0x80, 0x80)],
    ['an F5 lead', b(0xf5, 0x80, 0x80, 0x80)],
    ['a 5-byte form', b(0xf8, 0x88, 0x80, 0x80, 0x80)],
    ['a 6-byte form', b(0xfc, 0x84, 0x80, 0x80, 0x80, 0x80)],
    ['a stray continuation byte', b(0x41, 0x80)],
    ['FE', b(0xfe)],
    ['FF', b(0xff)],
    ['a truncated 2-byte sequence', b(0xc2)],
    ['a truncated 4-byte sequence', b(0xf0, 0x9f, 0x98)],
    ['a lead followed by ASCII', b(0xe2, 0x41, 0x41)],
  ])('rejects %s', (_name, bytes) => {
    expect(isValidUtf8(bytes)).toBe(false);
    expect(platformSaysValid(bytes)).toBe(false);
  });

  it('agrees with TextDecoder({ fatal: true }) on random bytes', () => {
    fc.assert(fc.property(utf8ishBytes, (bytes) => {
      expect(isValidUtf8(bytes)).toBe(platformSaysValid(bytes));
    }), { numRuns: 5000 });
  });

  it('accepts every string the platform encodes', () => {
    fc.assert(fc.property(validUtf8, (bytes) => {
      expect(isValidUtf8(bytes)).toBe(true);
    }));
  });
});

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y);
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const end of [...points, bytes.length]) {
    pieces.push(bytes.subarray(start, end));
    start = end;
  }
  return pieces;
}

describe('Utf8Validator', () => {
  it('agrees with TextDecoder({ fatal: true }) over random pieces and fails at the first impossible byte', () => {
    fc.assert(
      fc.property(fc.oneof(utf8ishBytes, validUtf8), fc.array(fc.nat(60), { maxLength: 6 }), (bytes, cuts) => {
        const validator = new Utf8Validator();
        let failedInPiece = -1;
        let seen = 0;
        for (const piece of splitAt(bytes, cuts)) {
          if (!validator.push(piece) && failedInPiece < 0) failedInPiece = seen;
          seen += piece.length;
        }
        const ok = validator.end();
        expect(ok).toBe(platformSaysValid(bytes));
        if (!ok) {
          // The error offset is the first prefix that cannot be extended to valid UTF-8.
          const at = validator.errorOffset;
          expect(at).toBeGreaterThanOrEqual(0);
          if (failedInPiece >= 0) {
            expect(isPrefixOfValid(bytes.subarray(0, at))).toBe(true);
            expect(isPrefixOfValid(bytes.subarray(0, at + 1))).toBe(false);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('fails in the push that delivers the impossible byte, not later', () => {
    const validator = new Utf8Validator();
    expect(validator.push(b(0x48, 0x65))).toBe(true);
    expect(validator.push(b(0x6c, 0xf0, 0x9f))).toBe(true);
    expect(validator.push(b(0x98, 0x41))).toBe(false);
    expect(validator.errorOffset).toBe(6);
    expect(validator.failed).toBe(true);
    expect(validator.push(b(0x41))).toBe(false);
    expect(validator.end()).toBe(false);
  });

  it('accepts a sequence cut at every piece boundary until the end', () => {
    const bytes = new TextEncoder().encode('a😀b€c');
    for (let cut = 0; cut <= bytes.length; cut++) {
      const validator = new Utf8Validator();
      expect(validator.push(bytes.subarray(0, cut))).toBe(true);
      expect(validator.push(bytes.subarray(cut))).toBe(true);
      expect(validator.end()).toBe(true);
    }
  });

  it('end() fails on a truncated tail and points at its lead byte', () => {
    const validator = new Utf8Validator();
    expect(validator.push(b(0x41, 0x42, 0xf0))).toBe(true);
    expect(validator.push(b(0x9f, 0x98))).toBe(true);
    expect(validator.pending).toBe(3);
    expect(validator.end()).toBe(false);
    expect(validator.errorOffset).toBe(2);
  });

  it('pending counts the bytes of an unfinished sequence, also across 1-byte pieces', () => {
    const validator = new Utf8Validator();
    const bytes = new TextEncoder().encode('x😀');
    const pendings = Array.from(bytes, (byte) => {
      validator.push(b(byte));
      return validator.pending;
    });
    expect(pendings).toEqual([0, 1, 2, 3, 0]);
    expect(validator.position).toBe(5);
  });

  it('reset() forgets a failure', () => {
    const validator = new Utf8Validator();
    validator.push(b(0xff));
    validator.reset();
    expect(validator.failed).toBe(false);
    expect(validator.errorOffset).toBe(-1);
    expect(validator.push(b(0x41))).toBe(true);
    expect(validator.end()).toBe(true);
  });

  it('accepts empty pieces in the middle of a sequence', () => {
    const validator = new Utf8Validator();
    expect(validator.push(b(0xe2))).toBe(true);
    expect(validator.push(b())).toBe(true);
    expect(validator.pending).toBe(1);
    expect(validator.push(b(0x82, 0xac))).toBe(true);
    expect(validator.end()).toBe(true);
  });
});

/** Whether some continuation could make `bytes` valid UTF-8 (reference via TextDecoder). */
function isPrefixOfValid(bytes: Uint8Array): boolean {
  if (platformSaysValid(bytes)) return true;
  const tails = [[0x80], [0x80, 0x80], [0x80, 0x80, 0x80], [0x90, 0x80, 0x80], [0xa0, 0x80], [0x9f, 0x80], [0x8f, 0x80, 0x80], [0x90, 0x80], [0x80, 0x80]];
  return tails.some((tail) => platformSaysValid(new Uint8Array([...bytes, ...tail])));
}

describe('findInvalidUtf8', () => {
  it('agrees with the fatal TextDecoder and with Utf8Validator on where any range of any bytes fails', () => {
    const fatal = new TextDecoder('utf-8', { fatal: true });
    const bytesArbitrary = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }).map((text) => new TextEncoder().encode(text)),
    );
    fc.assert(
      fc.property(bytesArbitrary, fc.nat(), fc.nat(), (bytes, a, b) => {
        const start = bytes.length === 0 ? 0 : a % (bytes.length + 1);
        const end = start + (b % (bytes.length - start + 1));
        const range = bytes.subarray(start, end);
        let valid = true;
        try { fatal.decode(range); } catch { valid = false; }
        const validator = new Utf8Validator();
        validator.push(range);
        validator.end();
        const at = findInvalidUtf8(bytes, start, end);
        expect(at === -1).toBe(valid);
        expect(at === -1 ? -1 : at - start).toBe(validator.errorOffset);
      }),
      { numRuns: 2000 },
    );
  });
});
