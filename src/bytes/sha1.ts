/**
 * SHA-1 (FIPS 180-4 §6.1), synchronous and in plain TypeScript, for the one place WebSocket
 * needs it: the `Sec-WebSocket-Accept` key (RFC 6455 §4.2.2). SHA-1 is broken for collision
 * resistance; the handshake uses it only to prove the server read the client's key, which
 * collisions do not affect (RFC 6455 §10.3). Layer 2: imports the host module and the
 * compression function.
 *
 * @module
 */

import { getSubtleDigest } from '../base/_host.ts';
import { applyRounds, expandSchedule, initState, writeDigest } from './_sha1.ts';

/**
 * Length of a SHA-1 digest in bytes (FIPS 180-4 §1: a 160-bit message digest).
 *
 * @example
 * ```ts
 * import { sha1, SHA1_DIGEST_LENGTH } from 'wsframe';
 * console.log(SHA1_DIGEST_LENGTH, sha1(new Uint8Array(0)).length); // 20 20
 * ```
 */
export const SHA1_DIGEST_LENGTH = 20;

const BLOCK_LENGTH = 64;
// FIPS 180-4 §5.1.1: the message length is appended as a 64-bit big-endian number.
const LENGTH_FIELD = 8;

// Reused across calls (sha1 is synchronous, so never shared by two calls at once).
const SCHEDULE = new Int32Array(80);
const TAIL = new Uint8Array(2 * BLOCK_LENGTH);
const STATE = new Int32Array(5);

/**
 * Computes the SHA-1 digest of `bytes` (FIPS 180-4), synchronously, in plain TypeScript.
 *
 * @param bytes - The message; not modified.
 * @returns A new 20-byte `Uint8Array`.
 * @throws {TypeError} When `bytes` is not a `Uint8Array`.
 *
 * @example
 * ```ts
 * import { sha1, encodeBase64 } from 'wsframe';
 * console.log(encodeBase64(sha1(new TextEncoder().encode('abc')))); // qZk+NkcGgWq6PiVxeFDCbJzQ2J0=
 * ```
 */
export function sha1(bytes: Uint8Array): Uint8Array {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`Cannot compute SHA-1: expected a Uint8Array, got ${typeof bytes}`);
  }
  const state = STATE;
  const w = SCHEDULE;
  initState(state);
  const length = bytes.length;
  const fullEnd = length - (length % BLOCK_LENGTH);
  for (let offset = 0; offset < fullEnd; offset += BLOCK_LENGTH) {
    expandSchedule(w, bytes, offset);
    applyRounds(state, w);
  }

  // FIPS 180-4 §5.1.1: append 0x80, zeros, then the bit length as a 64-bit big-endian number.
  const tail = TAIL;
  const left = length - fullEnd;
  const end = left < BLOCK_LENGTH - LENGTH_FIELD ? BLOCK_LENGTH : 2 * BLOCK_LENGTH;
  tail.set(bytes.subarray(fullEnd));
  tail[left] = 0x80;
  tail.fill(0, left + 1, end - LENGTH_FIELD);
  const highBits = Math.floor(length / 0x20000000); // length * 8 / 2**32 without overflow
  const lowBits = (length << 3) >>> 0;
  tail[end - 8] = highBits >>> 24;
  tail[end - 7] = highBits >>> 16;
  tail[end - 6] = highBits >>> 8;
  tail[end - 5] = highBits;
  tail[end - 4] = lowBits >>> 24;
  tail[end - 3] = lowBits >>> 16;
  tail[end - 2] = lowBits >>> 8;
  tail[end - 1] = lowBits;
  for (let offset = 0; offset < end; offset += BLOCK_LENGTH) {
    expandSchedule(w, tail, offset);
    applyRounds(state, w);
  }

  const digest = new Uint8Array(SHA1_DIGEST_LENGTH);
  writeDigest(state, digest);
  return digest;
}

/**
 * Computes the SHA-1 digest of `bytes` with the platform's WebCrypto
 * (`crypto.subtle.digest('SHA-1', …)`), for callers who prefer the host's implementation.
 *
 * @param bytes - The message; not modified.
 * @returns A promise of a new 20-byte `Uint8Array`.
 * @throws {TypeError} (as a rejected promise) When the host has no `crypto.subtle`, e.g. a
 *   browser page served over plain HTTP; use {@link sha1} there.
 *
 * @example
 * ```ts
 * import { sha1Async, encodeBase64 } from 'wsframe';
 * const digest = await sha1Async(new TextEncoder().encode('abc'));
 * console.log(encodeBase64(digest)); // qZk+NkcGgWq6PiVxeFDCbJzQ2J0=
 * ```
 */
export async function sha1Async(bytes: Uint8Array): Promise<Uint8Array> {
  const digest = getSubtleDigest();
  if (digest === undefined) {
    throw new TypeError('Cannot compute SHA-1 with WebCrypto: globalThis.crypto.subtle is missing');
  }
  return new Uint8Array(await digest('SHA-1', bytes));
}
