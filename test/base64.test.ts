import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeBase64, encodeBase64 } from '../src/bytes/base64.ts';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);
const toBinaryString = (bytes: Uint8Array): string => Array.from(bytes, (b) => String.fromCharCode(b)).join('');

// RFC 4648 §10 test vectors.
const RFC4648_VECTORS: Array<[string, string]> = [
  ['', ''],
  ['f', 'Zg=='],
  ['fo', 'Zm8='],
  ['foo', 'Zm9v'],
  ['foob', 'Zm9vYg=='],
  ['fooba', 'Zm9vYmE='],
  ['foobar', 'Zm9vYmFy'],
];

describe('encodeBase64', () => {
  for (const [plain, encoded] of RFC4648_VECTORS) {
    it(`encodes "${plain}" as the RFC 4648 §10 vector "${encoded}"`, () => {
      expect(encodeBase64(ascii(plain))).toBe(encoded);
    });
  }

  it('agrees with btoa on random bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(encodeBase64(bytes)).toBe(btoa(toBinaryString(bytes)));
      }),
    );
  });

  it('agrees with btoa on inputs longer than one string piece (100 KB and every remainder)', () => {
    for (const length of [100_000, 100_001, 100_002, 6144 * 2]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 7919) & 0xff);
      expect(encodeBase64(bytes)).toBe(btoa(toBinaryString(bytes)));
    }
  });

  it('agrees with btoa on every 20-byte input it is given: the SHA-1 digest fast path (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), (bytes) => {
        expect(encodeBase64(bytes)).toBe(btoa(toBinaryString(bytes)));
      }),
      { numRuns: 500 },
    );
    expect(encodeBase64(new Uint8Array(20).fill(0xff))).toBe('//////////////////////////8=');
  });

  it('uses + and / for the last two alphabet entries', () => {
    expect(encodeBase64(new Uint8Array([0xfb, 0xff, 0xbf]))).toBe('+/+/');
  });
});

describe('decodeBase64', () => {
  for (const [plain, encoded] of RFC4648_VECTORS) {
    it(`decodes the RFC 4648 §10 vector "${encoded}" to "${plain}"`, () => {
      expect(decodeBase64(encoded)).toEqual(ascii(plain));
    });
  }

  it('inverts encodeBase64 on random bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(decodeBase64(encodeBase64(bytes))).toEqual(bytes);
      }),
    );
  });

  it('accepts only canonical text: whatever decodes re-encodes to the same text (property)', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n'.split('');
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 24 }), (chars) => {
        const text = chars.join('');
        const bytes = decodeBase64(text);
        if (bytes !== undefined) expect(encodeBase64(bytes)).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  const REJECTED: Array<[string, string]> = [
    ['Zm8', 'missing padding'],
    ['Zm9vYh==', 'non-zero unused bits before "=="'],
    ['Zm9=', 'non-zero unused bits before "="'],
    ['Zg=a', 'padding in the middle of the last quantum'],
    ['=Zg=', 'padding at the start'],
    ['Zg===', 'a length that is not a multiple of 4'],
    ['====', 'padding only'],
    ['A===', 'three padding characters'],
    ['Zm9v\n', 'a trailing newline'],
    ['Zm 9v', 'a space'],
    ['Zm-_', 'the URL-safe alphabet'],
    ['Zm9\u00e9', 'a non-ASCII character'],
    ['Zm9\u0100', 'a character above U+00FF'],
    ['Zm9vZm9v====', 'extra padding quanta'],
  ];
  for (const [text, why] of REJECTED) {
    it(`returns undefined for ${why} (${JSON.stringify(text)})`, () => {
      expect(decodeBase64(text)).toBeUndefined();
    });
  }
});
