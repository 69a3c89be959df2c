import { describe, expect, it } from 'vitest';
import { toHex } from '../src/capture/bytes.ts';

/** The plain version the fast one must agree with. */
const referenceHex = (bytes: Uint8Array, separator = ' ') => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(separator);

describe('toHex', () => {
  it('agrees with the plain version for every length 0..64 at every offset 0..3, with each separator', () => {
    const source = Uint8Array.from({ length: 80 }, (_, i) => (i * 37 + 11) & 0xff);
    for (const separator of [undefined, '', ':', ' - ']) {
      for (let offset = 0; offset <= 3; offset++) {
        for (let length = 0; length <= 64; length++) {
          const bytes = source.subarray(offset, offset + length);
          expect(toHex(bytes, separator), `${length} bytes at ${offset}, separator ${JSON.stringify(separator)}`).toBe(referenceHex(bytes, separator));
        }
      }
    }
  });

  it('prints every byte value, and a payload longer than the array it reuses, twice', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(toHex(all, '')).toBe(referenceHex(all, ''));
    expect(toHex(Uint8Array.of(0x00, 0x0f, 0xf0, 0xff))).toBe('00 0f f0 ff');
    const long = new Uint8Array(100_000).map((_, i) => i & 0xff);
    expect(toHex(long)).toBe(referenceHex(long));
    expect(toHex(long, '')).toBe(referenceHex(long, ''));
    expect(toHex(all.subarray(0, 2), '')).toBe('0001');
  });
});
