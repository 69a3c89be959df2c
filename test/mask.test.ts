import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { applyMask, applyMaskReference } from '../src/bytes/mask.ts';
import { copyMasked } from '../src/bytes/_copy.ts';
import { expectBytes, patternBytes } from './_bytes.ts';

const KEY = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);

describe('applyMask', () => {
  it('unmasks the RFC 6455 §5.7 masked "Hello"', () => {
    const bytes = new Uint8Array([0x7f, 0x9f, 0x4d, 0x51, 0x58]);
    applyMask(bytes, KEY);
    expect(new TextDecoder().decode(bytes)).toBe('Hello');
  });

  it('equals the reference for every length 0..64 x offset 0..3 x view byteOffset 0..3', () => {
    const key = new Uint8Array([0x01, 0x80, 0xfe, 0x5a]);
    for (let byteOffset = 0; byteOffset < 4; byteOffset++) {
      for (let offset = 0; offset < 4; offset++) {
        for (let length = 0; length <= 64; length++) {
          const source = patternBytes(byteOffset + length + 3, length + 1);
          const fast = source.slice().subarray(byteOffset, byteOffset + length);
          const reference = source.slice().subarray(byteOffset, byteOffset + length);
          applyMask(fast, key, offset);
          applyMaskReference(reference, key, offset);
          expectBytes(fast, reference);
        }
      }
    }
  });

  it('equals the reference on the word path for lengths past the threshold at every alignment', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 64, max: 3000 }),
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        (byteOffset, offset, length, key) => {
          const source = patternBytes(byteOffset + length + 5, length);
          const fast = source.slice().subarray(byteOffset, byteOffset + length);
          const reference = source.slice().subarray(byteOffset, byteOffset + length);
          applyMask(fast, key, offset);
          applyMaskReference(reference, key, offset);
          expectBytes(fast, reference);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never touches the bytes around the view', () => {
    const buffer = patternBytes(300, 3);
    const before = buffer.slice();
    applyMask(buffer.subarray(5, 290), KEY, 2);
    expectBytes(buffer.subarray(0, 5), before.subarray(0, 5));
    expectBytes(buffer.subarray(290), before.subarray(290));
  });

  it('masking twice restores the input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 500 }), fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.nat(7), (data, key, offset) => {
        const bytes = data.slice();
        applyMask(bytes, key, offset);
        applyMask(bytes, key, offset);
        expectBytes(bytes, data);
      }),
    );
  });

  it('masking in random pieces equals masking at once', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }), fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.array(fc.nat(600), { maxLength: 8 }),
        (data, key, cuts) => {
          const whole = data.slice();
          applyMask(whole, key);
          const pieces = data.slice();
          const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
          let start = 0;
          for (const end of [...points, data.length]) {
            applyMask(pieces.subarray(start, end), key, start);
            start = end;
          }
          expectBytes(pieces, whole);
        },
      ),
    );
  });

  it('works on a view of a SharedArrayBuffer', () => {
    const shared = new Uint8Array(new SharedArrayBuffer(200));
    shared.set(patternBytes(200, 9));
    const copy = shared.slice();
    applyMask(shared.subarray(1), KEY, 1);
    applyMaskReference(copy.subarray(1), KEY, 1);
    expectBytes(shared, copy);
  });

  it('rejects a masking key that is not 4 bytes and a negative offset', () => {
    expect(() => applyMask(new Uint8Array(4), new Uint8Array(5))).toThrow(TypeError);
    expect(() => applyMask(new Uint8Array(4), new Uint8Array(3))).toThrow(TypeError);
    expect(() => applyMask([1, 2] as unknown as Uint8Array, KEY)).toThrow(TypeError);
    expect(() => applyMask(new Uint8Array(4), KEY, -1)).toThrow(RangeError);
    expect(() => applyMaskReference(new Uint8Array(4), KEY, 0.5)).toThrow(RangeError);
  });
});

describe('copyMasked', () => {
  it('copies and unmasks lengths on every internal path (fused loop, word XOR, SIMD) like the reference', () => {
    for (const length of [0, 5, 63, 64, 65, 127, 128, 129, 4095, 4096, 70000]) {
      const data = patternBytes(length, length + 3);
      const target = new Uint8Array(length + 3);
      copyMasked(data, target, 3, KEY, 1);
      const expected = data.slice();
      applyMaskReference(expected, KEY, 1);
      expectBytes(target.subarray(3), expected);
    }
  });

  it('rejects a target without room, a bad key and a bad offset', () => {
    expect(() => copyMasked(new Uint8Array(4), new Uint8Array(5), 2, KEY)).toThrow(RangeError);
    expect(() => copyMasked(new Uint8Array(4), new Uint8Array(8), -1, KEY)).toThrow(RangeError);
    expect(() => copyMasked(new Uint8Array(4), new Uint8Array(8), 0, new Uint8Array(3))).toThrow(TypeError);
    expect(() => copyMasked(new Uint8Array(4), new Uint8Array(8), 0, KEY, -2)).toThrow(RangeError);
  });

  it('copies and unmasks into the target without touching the source', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat(10), fc.nat(9), (data, targetOffset, offset) => {
        const source = data.slice();
        const target = new Uint8Array(targetOffset + data.length + 2);
        copyMasked(source, target, targetOffset, KEY, offset);
        expectBytes(source, data);
        const expected = data.slice();
        applyMaskReference(expected, KEY, offset);
        expectBytes(target.subarray(targetOffset, targetOffset + data.length), expected);
        expect(target[targetOffset + data.length]).toBe(0);
      }),
    );
  });
});
