import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { copyXorSimd, hasSimd, setInstantiate, SIMD_MIN, type Instantiate } from '../src/bytes/_simd.ts';
import { instantiateWasm } from '../src/base/_host.ts';
import { applyMaskReference } from '../src/bytes/mask.ts';
import { encodeFrame } from '../src/wire/frame.ts';
import { FrameDecoder, FrameStreamDecoder } from '../src/streams/frame-decoder.ts';
import { MessageDecoder } from '../src/streams/message-decoder.ts';
import { expectBytes, patternBytes } from './_bytes.ts';

const WINDOW = 64 * 1024;
const KEY = new Uint8Array([0x01, 0x80, 0xfe, 0x5a]);
const LENGTHS = [
  0, 1, 63, 64, 65, SIMD_MIN - 1, SIMD_MIN, SIMD_MIN + 1, WINDOW - 1, WINDOW, WINDOW + 1, 2 * WINDOW + 3, 300_001,
];

afterEach(() => setInstantiate(instantiateWasm));

/** `source[from..from+length)` unmasked by the byte-loop reference, starting at payload position `offset`. */
function reference(source: Uint8Array, from: number, length: number, key: Uint8Array, offset: number): Uint8Array {
  const bytes = source.slice(from, from + length);
  applyMaskReference(bytes, key, offset);
  return bytes;
}

function maskedFrame(payload: Uint8Array, maskingKey: Uint8Array): Uint8Array {
  return encodeFrame({ opcode: 0x2, payload, maskingKey });
}

/** Payloads FrameDecoder, FrameDecoder with unmaskInPlace, FrameStreamDecoder and MessageDecoder give for `frame` fed in chunks of `chunkSize`. */
function decodeAll(frame: Uint8Array, chunkSize: number): Uint8Array[] {
  const options = { role: 'server' as const, maxPayloadLength: 1 << 30 };
  const results: Uint8Array[] = [];
  for (const decoder of [new FrameDecoder(options), new FrameDecoder({ ...options, unmaskInPlace: true })]) {
    const bytes = frame.slice();
    for (let at = 0; at < bytes.length; at += chunkSize) decoder.push(bytes.subarray(at, at + chunkSize));
    results.push(...Array.from(decoder, (decoded) => decoded.payload));
  }
  const stream = new FrameStreamDecoder(options);
  const messages = new MessageDecoder({ ...options, maxMessageLength: 1 << 30 });
  const pieces: Uint8Array[] = [];
  const bytes = frame.slice();
  for (let at = 0; at < bytes.length; at += chunkSize) {
    stream.push(bytes.subarray(at, at + chunkSize));
    messages.push(bytes.subarray(at, at + chunkSize));
  }
  for (const event of stream) if (event.type === 'payload') pieces.push(event.data);
  const joined = new Uint8Array(pieces.reduce((sum, piece) => sum + piece.length, 0));
  let at = 0;
  for (const piece of pieces) {
    joined.set(piece, at);
    at += piece.length;
  }
  results.push(joined);
  for (const event of messages) if (event.type === 'binary') results.push(event.data);
  return results;
}

describe('copyXorSimd', () => {
  it('is available on this host (Node, Deno, Bun and Chromium all run wasm SIMD)', () => {
    expect(hasSimd()).toBe(true);
  });

  it('equals the reference around the threshold and the window size at every offset 0..3 and byteOffset 0..3', () => {
    for (const length of LENGTHS) {
      for (let offset = 0; offset < 4; offset++) {
        for (let byteOffset = 0; byteOffset < 4; byteOffset++) {
          const source = patternBytes(byteOffset + length + 3, length + offset);
          const target = new Uint8Array(length + 8).fill(0xcc);
          const at = 3 - byteOffset;
          expect(copyXorSimd(source, byteOffset, byteOffset + length, target, at, KEY, offset)).toBe(true);
          expectBytes(target.subarray(at, at + length), reference(source, byteOffset, length, KEY, offset));
          // Bytes around the destination stay as they were.
          expect(target.subarray(0, at).every((byte) => byte === 0xcc)).toBe(true);
          expect(target.subarray(at + length).every((byte) => byte === 0xcc)).toBe(true);
        }
      }
    }
  });

  it('unmasks in place when target is source at the same position', () => {
    for (const length of [SIMD_MIN, WINDOW + 5, 3 * WINDOW + 1]) {
      for (let offset = 0; offset < 4; offset++) {
        const bytes = patternBytes(length + 2, length);
        const expected = reference(bytes, 2, length, KEY, offset);
        copyXorSimd(bytes, 2, 2 + length, bytes, 2, KEY, offset);
        expectBytes(bytes.subarray(2), expected);
      }
    }
  });

  it('equals the reference on random large inputs, keys, offsets and alignments', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: SIMD_MIN - 70, max: 3 * WINDOW }), fc.uint8Array({ minLength: 4, maxLength: 4 }),
        (sourceOffset, targetOffset, offset, length, key) => {
          const source = patternBytes(sourceOffset + length, length ^ offset);
          const target = new Uint8Array(targetOffset + length);
          copyXorSimd(source, sourceOffset, sourceOffset + length, target, targetOffset, key, offset);
          expectBytes(target.subarray(targetOffset), reference(source, sourceOffset, length, key, offset));
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('the stream decoders with the SIMD kernel', () => {
  it('instantiate it on first large masked payload only, once', () => {
    let calls = 0;
    const counting: Instantiate = (bytes) => {
      calls++;
      return instantiateWasm(bytes);
    };
    setInstantiate(counting);
    const small = patternBytes(SIMD_MIN - 1, 7);
    for (const payload of decodeAll(maskedFrame(small, KEY), 1 << 20)) expectBytes(payload, small);
    expect(calls).toBe(0);
    const large = patternBytes(2 * WINDOW + 7, 9);
    for (const payload of decodeAll(maskedFrame(large, KEY), 1 << 20)) expectBytes(payload, large);
    for (const payload of decodeAll(maskedFrame(large, KEY), 5000)) expectBytes(payload, large);
    expect(calls).toBe(1);
  });

  it('give the unmasked payload for any length and chunking', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 * WINDOW }), fc.integer({ min: 1, max: 70_000 }), fc.uint8Array({ minLength: 4, maxLength: 4 }),
        (length, chunkSize, key) => {
          const payload = patternBytes(length, chunkSize);
          const results = decodeAll(maskedFrame(payload, key), chunkSize);
          expect(results).toHaveLength(4);
          for (const result of results) expectBytes(result, payload);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('the JS fallback', () => {
  it('is used where the kernel cannot be instantiated, with the same results', () => {
    let calls = 0;
    setInstantiate(() => {
      calls++;
      return undefined;
    });
    expect(hasSimd()).toBe(false);
    const source = patternBytes(WINDOW + 3, 1);
    const target = new Uint8Array(WINDOW + 3);
    expect(copyXorSimd(source, 0, source.length, target, 0, KEY, 1)).toBe(false);
    expect(target.every((byte) => byte === 0)).toBe(true);
    for (const length of [SIMD_MIN, WINDOW + 1, 200_003]) {
      const payload = patternBytes(length, length);
      for (const chunkSize of [1 << 20, 4099]) {
        for (const result of decodeAll(maskedFrame(payload, KEY), chunkSize)) expectBytes(result, payload);
      }
    }
    // Tried once, then remembered as unavailable.
    expect(calls).toBe(1);
  });

  it('instantiateWasm returns undefined for a module the host rejects', () => {
    expect(instantiateWasm(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0xff]))).toBeUndefined();
  });
});
