import { expect } from 'vitest';
import { ProtocolError } from '../src/base/errors.ts';

/** Asserts two byte arrays are equal; fast on large inputs (vitest's deep equality is not). */
export function expectBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  expect(actual).toBeInstanceOf(Uint8Array);
  const a = actual!;
  expect(a.length).toBe(expected.length);
  let firstDifference = -1;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== expected[i]) {
      firstDifference = i;
      break;
    }
  }
  expect(firstDifference, `first differing byte at ${firstDifference}`).toBe(-1);
}

/** What `fn` throws, or undefined when it returns. */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Runs `fn`, asserts it throws a ProtocolError with this close code and stable code, returns it. */
export function expectProtocolError(fn: () => unknown, closeCode: number, code: string): ProtocolError {
  const caught = thrownBy(fn);
  expect(caught).toBeInstanceOf(ProtocolError);
  const error = caught as ProtocolError;
  expect({ closeCode: error.closeCode, code: error.code }).toEqual({ closeCode, code });
  return error;
}

/** Deterministic pseudo-random bytes (xorshift32), for test payloads. */
export function patternBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** The bytes of `parts` one after another, in a new array. */
export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
