import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  computeAcceptKey,
  computeAcceptKeyAsync,
  generateKey,
  isValidKey,
  WEBSOCKET_GUID,
} from '../src/handshake/accept.ts';
import { sha1 } from '../src/bytes/sha1.ts';
import { decodeBase64, encodeBase64 } from '../src/bytes/base64.ts';
import { importNode, itNodeBuiltins } from './_runtime.ts';

type NodeCrypto = typeof import('node:crypto');

// RFC 6455 §1.3, and the key from the Autobahn / ws test suites.
const ACCEPT_VECTORS: Array<[key: string, accept: string]> = [
  ['dGhlIHNhbXBsZSBub25jZQ==', 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='],
  ['x3JJHMbDL1EzLkh9GBhXDw==', 'HSmrc0sMlYUkAGmm5OPpG2HaGWk='],
];

describe('computeAcceptKey', () => {
  for (const [key, accept] of ACCEPT_VECTORS) {
    it(`computes ${accept} for the key ${key}`, () => {
      expect(computeAcceptKey(key)).toBe(accept);
    });
  }

  it('uses the RFC 6455 §1.3 GUID', () => {
    expect(WEBSOCKET_GUID).toBe('258EAFA5-E914-47DA-95CA-C5AB0DC85B11');
  });

  itNodeBuiltins('accepts a node:crypto adapter as the hash and gets the same answers', async () => {
    const { createHash } = await importNode<NodeCrypto>('node:crypto');
    const nodeSha1 = (bytes: Uint8Array): Uint8Array => createHash('sha1').update(bytes).digest();
    for (const [key, accept] of ACCEPT_VECTORS) expect(computeAcceptKey(key, nodeSha1)).toBe(accept);
  });

  it('accepts a noble-hashes style sha1 function and hands it a fresh copy of key + GUID', () => {
    const inputs: Uint8Array[] = [];
    const nobleStyle = (bytes: Uint8Array): Uint8Array => {
      inputs.push(bytes);
      return sha1(bytes);
    };
    expect(computeAcceptKey(ACCEPT_VECTORS[0][0], nobleStyle)).toBe(ACCEPT_VECTORS[0][1]);
    expect(computeAcceptKey(ACCEPT_VECTORS[1][0], nobleStyle)).toBe(ACCEPT_VECTORS[1][1]);
    expect(inputs[0]).not.toBe(inputs[1]);
    expect(new TextDecoder().decode(inputs[0])).toBe(ACCEPT_VECTORS[0][0] + WEBSOCKET_GUID);
  });

  it('rejects a hash that returns a digest of the wrong length with a TypeError', () => {
    const short = (bytes: Uint8Array): Uint8Array => sha1(bytes).subarray(0, 19);
    const long = (): Uint8Array => new Uint8Array(32);
    expect(() => computeAcceptKey(ACCEPT_VECTORS[0][0], short)).toThrow(TypeError);
    expect(() => computeAcceptKey(ACCEPT_VECTORS[0][0], short)).toThrow(/hash returned 19 bytes, expected a 20-byte/);
    expect(() => computeAcceptKey(ACCEPT_VECTORS[0][0], long)).toThrow(/hash returned 32 bytes/);
  });

  it('rejects a hash that returns something other than a Uint8Array, and a non-function hash', () => {
    const wrong = (): Uint8Array => 'a'.repeat(20) as unknown as Uint8Array;
    expect(() => computeAcceptKey(ACCEPT_VECTORS[0][0], wrong)).toThrow(TypeError);
    expect(() => computeAcceptKey(ACCEPT_VECTORS[0][0], 'sha1' as never)).toThrow(/hash must be a function/);
  });

  it('rejects a key that is not a string with a TypeError', () => {
    expect(() => computeAcceptKey(undefined as unknown as string)).toThrow(TypeError);
    expect(() => computeAcceptKey(new Uint8Array(16) as unknown as string)).toThrow(/key must be a string/);
  });

  it('hashes keys of any length and non-ASCII keys as UTF-8 (no validation)', () => {
    const utf8 = (text: string) => encodeBase64(sha1(new TextEncoder().encode(text + WEBSOCKET_GUID)));
    for (const key of ['', 'short', 'x'.repeat(100), 'dGhlIHNhbXBsZSBub25jZQ=\u00e9', '\u00e9'.repeat(24)]) {
      expect(computeAcceptKey(key), JSON.stringify(key)).toBe(utf8(key));
    }
  });

  it('gives the same answer after a non-ASCII 24-character key used the shared buffer', () => {
    computeAcceptKey('\u00e9'.repeat(24));
    expect(computeAcceptKey(ACCEPT_VECTORS[0][0])).toBe(ACCEPT_VECTORS[0][1]);
  });

  it('gives the same answer on its fast 24-character path as through a plugged-in sha1 (property)', () => {
    const viaPlugin = (bytes: Uint8Array): Uint8Array => sha1(bytes);
    const char = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
    fc.assert(
      fc.property(fc.array(char, { minLength: 24, maxLength: 24 }), (chars) => {
        const key = chars.join('');
        expect(computeAcceptKey(key)).toBe(computeAcceptKey(key, viaPlugin));
      }),
    );
  });

  itNodeBuiltins('agrees with node:crypto for random keys (property)', async () => {
    const { createHash } = await importNode<NodeCrypto>('node:crypto');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const key = encodeBase64(bytes);
        expect(computeAcceptKey(key)).toBe(createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64'));
      }),
    );
  });
});

describe('computeAcceptKeyAsync', () => {
  for (const [key, accept] of ACCEPT_VECTORS) {
    it(`computes ${accept} for the key ${key} with WebCrypto`, async () => {
      expect(await computeAcceptKeyAsync(key)).toBe(accept);
    });
  }

  it('agrees with computeAcceptKey for random keys', async () => {
    for (let i = 0; i < 50; i++) {
      const key = generateKey();
      expect(await computeAcceptKeyAsync(key)).toBe(computeAcceptKey(key));
    }
  });

  it('rejects a key that is not a string with a TypeError', async () => {
    await expect(computeAcceptKeyAsync(42 as unknown as string)).rejects.toThrow(TypeError);
  });
});

describe('generateKey', () => {
  it('returns base64 of 16 bytes', () => {
    const key = generateKey();
    expect(key).toHaveLength(24);
    expect(decodeBase64(key)?.length).toBe(16);
    expect(isValidKey(key)).toBe(true);
  });

  it('returns a different key each call', () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateKey()));
    expect(keys.size).toBe(200);
  });

  it('encodes the bytes of an injected random source', () => {
    const counting = (bytes: Uint8Array): Uint8Array => {
      for (let i = 0; i < bytes.length; i++) bytes[i] = i;
      return bytes;
    };
    expect(generateKey(counting)).toBe(encodeBase64(Uint8Array.from({ length: 16 }, (_, i) => i)));
  });
});

describe('isValidKey', () => {
  it('accepts the RFC 6455 §1.3 key', () => {
    expect(isValidKey('dGhlIHNhbXBsZSBub25jZQ==')).toBe(true);
  });

  const REJECTED: Array<[string, string]> = [
    ['', 'the empty string'],
    ['dGhlIHNhbXBsZSBub25jZQ', 'a key without its padding'],
    ['dGhlIHNhbXBsZSBub25jZR==', 'a non-canonical key (unused bits set)'],
    [encodeBase64(new Uint8Array(15)), 'base64 of 15 bytes'],
    [encodeBase64(new Uint8Array(17)), 'base64 of 17 bytes'],
    [' dGhlIHNhbXBsZSBub25jZQ==', 'a key with leading whitespace'],
    ['dGhlIHNhbXBsZSBub25jZQ-_', 'a URL-safe key'],
  ];
  for (const [key, why] of REJECTED) {
    it(`rejects ${why}`, () => {
      expect(isValidKey(key)).toBe(false);
    });
  }

  it('rejects a value that is not a string', () => {
    expect(isValidKey(undefined as unknown as string)).toBe(false);
  });
});
