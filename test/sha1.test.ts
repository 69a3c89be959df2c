import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha1, sha1Async, SHA1_DIGEST_LENGTH } from '../src/bytes/sha1.ts';
import { importNode, itNode, itNodeBuiltins } from './_runtime.ts';
import { patternBytes } from './_bytes.ts';

type NodeCrypto = typeof import('node:crypto');

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);
const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

// FIPS 180-2 Appendix A and the NIST SHA examples (SHA1.pdf), plus the empty message.
const FIPS_VECTORS: Array<[name: string, input: () => Uint8Array, digest: string]> = [
  ['the empty message', () => new Uint8Array(0), 'da39a3ee5e6b4b0d3255bfef95601890afd80709'],
  ['"abc" (one block)', () => ascii('abc'), 'a9993e364706816aba3e25717850c26c9cd0d89d'],
  [
    'the 448-bit message (two blocks)',
    () => ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'),
    '84983e441c3bd26ebaae4aa1f95129e5e54670f1',
  ],
  [
    'the 896-bit message',
    () =>
      ascii(
        'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu',
      ),
    'a49b2446a02c645bf419f995b67091253a04a259',
  ],
  ['one million "a" (1 MB)', () => new Uint8Array(1_000_000).fill(0x61), '34aa973cd4c4daa4f61eeb2bdbad27316534016f'],
  ['"The quick brown fox jumps over the lazy dog"', () => ascii('The quick brown fox jumps over the lazy dog'), '2fd4e1c67a2d28fced849ee1bb76e7391b93eb12'],
];

async function webCryptoSha1(bytes: Uint8Array): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest('SHA-1', new Uint8Array(bytes))));
}

describe('sha1', () => {
  for (const [name, input, digest] of FIPS_VECTORS) {
    it(`hashes ${name} to the FIPS 180 digest`, () => {
      expect(hex(sha1(input()))).toBe(digest);
    });
  }

  it('returns a new 20-byte Uint8Array each call', () => {
    const a = sha1(ascii('abc'));
    const b = sha1(ascii('abc'));
    expect(a).toBeInstanceOf(Uint8Array);
    expect(a.length).toBe(SHA1_DIGEST_LENGTH);
    expect(a).not.toBe(b);
    expect(hex(a)).toBe(hex(b));
  });

  it('agrees with WebCrypto for every length 0..200, all padding boundaries included', async () => {
    const source = patternBytes(200, 7);
    for (let length = 0; length <= 200; length++) {
      const input = source.subarray(0, length);
      expect(hex(sha1(input)), `length ${length}`).toBe(await webCryptoSha1(input));
    }
  });

  it('agrees with WebCrypto on a 1 MiB patterned input', async () => {
    const input = patternBytes(1024 * 1024, 3);
    expect(hex(sha1(input))).toBe(await webCryptoSha1(input));
  });

  it('hashes a view at a non-zero byteOffset by its own bytes, and leaves the input unchanged', () => {
    const backing = patternBytes(300, 11);
    const copy = backing.slice();
    const view = backing.subarray(37, 37 + 130);
    expect(hex(sha1(view))).toBe(hex(sha1(view.slice())));
    expect(hex(backing)).toBe(hex(copy));
  });

  itNodeBuiltins('agrees with node:crypto createHash("sha1") on random inputs (property)', async () => {
    const { createHash } = await importNode<NodeCrypto>('node:crypto');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1000 }), (input) => {
        expect(hex(sha1(input))).toBe(createHash('sha1').update(input).digest('hex'));
      }),
      { numRuns: 500 },
    );
  });

  itNodeBuiltins('agrees with node:crypto on every length 0..200 of random bytes', async () => {
    const { createHash, randomBytes } = await importNode<NodeCrypto>('node:crypto');
    for (let length = 0; length <= 200; length++) {
      const input = new Uint8Array(randomBytes(length));
      expect(hex(sha1(input)), `length ${length}`).toBe(createHash('sha1').update(input).digest('hex'));
    }
  });

  it('rejects a non-Uint8Array input with a TypeError', () => {
    expect(() => sha1('abc' as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => sha1([1, 2, 3] as unknown as Uint8Array)).toThrow(/Cannot compute SHA-1: expected a Uint8Array/);
  });
});

describe('sha1Async', () => {
  for (const [name, input, digest] of FIPS_VECTORS.slice(0, 4)) {
    it(`hashes ${name} with WebCrypto to the FIPS 180 digest`, async () => {
      expect(hex(await sha1Async(input()))).toBe(digest);
    });
  }

  itNode('rejects with a TypeError when the host has no crypto.subtle', async () => {
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
    expect(descriptor?.configurable).toBe(true);
    Object.defineProperty(globalThis, 'crypto', { value: undefined, configurable: true, writable: true });
    try {
      await expect(sha1Async(ascii('abc'))).rejects.toThrow(TypeError);
      await expect(sha1Async(ascii('abc'))).rejects.toThrow(/crypto\.subtle is missing/);
    } finally {
      Object.defineProperty(globalThis, 'crypto', descriptor!);
    }
    expect(hex(await sha1Async(ascii('abc')))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
  });
});
