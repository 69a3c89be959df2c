/**
 * SHA-1 (FIPS 180-4 §6.1), synchronous and in plain TypeScript, for the one place WebSocket
 * needs it: the `Sec-WebSocket-Accept` key (RFC 6455 §4.2.2). SHA-1 is broken for collision
 * resistance; the handshake uses it only to prove the server read the client's key, which
 * collisions do not affect (RFC 6455 §10.3). Layer 2: imports only the host module.
 *
 * @module
 */

import { getSubtleDigest } from './_host.ts';

/** Length of a SHA-1 digest in bytes. */
export const SHA1_DIGEST_LENGTH = 20;

const BLOCK_LENGTH = 64;
// FIPS 180-4 §4.2.1: the four round constants.
const K0 = 0x5a827999;
const K1 = 0x6ed9eba1;
const K2 = 0x8f1bbcdc | 0;
const K3 = 0xca62c1d6 | 0;

// Reused across calls (sha1 is synchronous, so never shared by two calls at once): hashing a
// 60-byte accept-key input then allocates only the 20-byte digest.
const SCHEDULE = new Int32Array(80);
const TAIL = new Uint8Array(2 * BLOCK_LENGTH);
const STATE = new Int32Array(5);

function compress(state: Int32Array, bytes: Uint8Array, offset: number): void {
  const w = SCHEDULE;
  for (let i = 0; i < 16; i++, offset += 4) {
    w[i] = (bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3];
  }
  for (let i = 16; i < 80; i++) {
    const x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16];
    w[i] = (x << 1) | (x >>> 31);
  }
  let a = state[0];
  let b = state[1];
  let c = state[2];
  let d = state[3];
  let e = state[4];
  // Four loops of 20, each with its round function inlined, keep the hot loops branch-free.
  for (let i = 0; i < 20; i++) {
    const t = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + K0 + w[i]) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  for (let i = 20; i < 40; i++) {
    const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + K1 + w[i]) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  for (let i = 40; i < 60; i++) {
    const t = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + K2 + w[i]) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  for (let i = 60; i < 80; i++) {
    const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + K3 + w[i]) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  state[0] = (state[0] + a) | 0;
  state[1] = (state[1] + b) | 0;
  state[2] = (state[2] + c) | 0;
  state[3] = (state[3] + d) | 0;
  state[4] = (state[4] + e) | 0;
}

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
  // FIPS 180-4 §5.3.1: the initial hash value.
  state[0] = 0x67452301;
  state[1] = 0xefcdab89 | 0;
  state[2] = 0x98badcfe | 0;
  state[3] = 0x10325476;
  state[4] = 0xc3d2e1f0 | 0;
  const length = bytes.length;
  const fullEnd = length - (length % BLOCK_LENGTH);
  for (let offset = 0; offset < fullEnd; offset += BLOCK_LENGTH) compress(state, bytes, offset);

  // FIPS 180-4 §5.1.1: append 0x80, zeros, then the bit length as a 64-bit big-endian number.
  const tail = TAIL;
  const left = length - fullEnd;
  const tailLength = left < BLOCK_LENGTH - 8 ? BLOCK_LENGTH : 2 * BLOCK_LENGTH;
  tail.set(bytes.subarray(fullEnd));
  tail[left] = 0x80;
  tail.fill(0, left + 1, tailLength - 8);
  const highBits = Math.floor(length / 0x20000000); // length * 8 / 2**32 without overflow
  const lowBits = (length << 3) >>> 0;
  const end = tailLength;
  tail[end - 8] = highBits >>> 24;
  tail[end - 7] = highBits >>> 16;
  tail[end - 6] = highBits >>> 8;
  tail[end - 5] = highBits;
  tail[end - 4] = lowBits >>> 24;
  tail[end - 3] = lowBits >>> 16;
  tail[end - 2] = lowBits >>> 8;
  tail[end - 1] = lowBits;
  compress(state, tail, 0);
  if (tailLength > BLOCK_LENGTH) compress(state, tail, BLOCK_LENGTH);

  const digest = new Uint8Array(SHA1_DIGEST_LENGTH);
  for (let i = 0, o = 0; i < 5; i++, o += 4) {
    const word = state[i];
    digest[o] = word >>> 24;
    digest[o + 1] = word >>> 16;
    digest[o + 2] = word >>> 8;
    digest[o + 3] = word;
  }
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
