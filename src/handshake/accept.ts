/**
 * The handshake's proof of receipt (RFC 6455 §1.3, §4.2.2): the client sends a random
 * `Sec-WebSocket-Key`, the server answers with base64(SHA-1(key + GUID)) in
 * `Sec-WebSocket-Accept`. Layer 4 (handshake).
 *
 * @module
 */

import { encodeUtf8, getRandomValues } from '../base/_host.ts';
import { decodeBase64, encodeBase64 } from '../bytes/base64.ts';
import { applyRounds, expandSchedule, initState, writeDigest } from '../bytes/_sha1.ts';
import { SHA1_DIGEST_LENGTH, sha1, sha1Async } from '../bytes/sha1.ts';

/**
 * RFC 6455 §1.3: the globally unique identifier the server appends to the client's key before
 * hashing, so that only a WebSocket server can produce the accept value.
 *
 * @example
 * ```ts
 * import { WEBSOCKET_GUID } from 'wsframe';
 * console.log(WEBSOCKET_GUID); // 258EAFA5-E914-47DA-95CA-C5AB0DC85B11
 * ```
 */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** RFC 6455 §4.1: the key is base64 of 16 random bytes, which is 24 characters. */
const KEY_BYTES = 16;
const KEY_CHARS = 24;
const ASCII_MAX = 0x7f;

// The accept path of a 24-character key: key + GUID is 60 bytes, so SHA-1 hashes one block of
// key, GUID, 0x80 and zeros, then a block of zeros and the bit length (480) that is the same for
// every key: its message schedule is expanded once, here. Together with no allocation but the
// result string this makes computeAcceptKey about 1.5x faster than with sha1() (Node 20).
const BLOCK_LENGTH = 64;
const ACCEPT_INPUT_BITS = (KEY_CHARS + WEBSOCKET_GUID.length) * 8;
const ACCEPT_BLOCK = new Uint8Array(BLOCK_LENGTH);
for (let i = 0; i < WEBSOCKET_GUID.length; i++) ACCEPT_BLOCK[KEY_CHARS + i] = WEBSOCKET_GUID.charCodeAt(i);
ACCEPT_BLOCK[KEY_CHARS + WEBSOCKET_GUID.length] = 0x80;
const PADDING_SCHEDULE = new Int32Array(80);
const paddingBlock = new Uint8Array(BLOCK_LENGTH);
paddingBlock[BLOCK_LENGTH - 2] = ACCEPT_INPUT_BITS >>> 8;
paddingBlock[BLOCK_LENGTH - 1] = ACCEPT_INPUT_BITS & 0xff;
expandSchedule(PADDING_SCHEDULE, paddingBlock, 0);
const ACCEPT_SCHEDULE = new Int32Array(80);
const ACCEPT_STATE = new Int32Array(5);
const ACCEPT_DIGEST = new Uint8Array(SHA1_DIGEST_LENGTH);

/** The accept value of a 24-character ASCII key with the built-in SHA-1, else undefined. */
function fastAcceptKey(key: string): string | undefined {
  const block = ACCEPT_BLOCK;
  for (let i = 0; i < KEY_CHARS; i++) {
    const code = key.charCodeAt(i);
    if (code > ASCII_MAX) return undefined;
    block[i] = code;
  }
  const state = ACCEPT_STATE;
  initState(state);
  expandSchedule(ACCEPT_SCHEDULE, block, 0);
  applyRounds(state, ACCEPT_SCHEDULE);
  applyRounds(state, PADDING_SCHEDULE);
  writeDigest(state, ACCEPT_DIGEST);
  return encodeBase64(ACCEPT_DIGEST);
}

/** The bytes key + GUID, in a new array. */
function acceptInput(key: string): Uint8Array {
  if (typeof key !== 'string') {
    throw new TypeError(`Cannot compute accept key: the key must be a string, got ${typeof key}`);
  }
  return encodeUtf8(key + WEBSOCKET_GUID);
}

/**
 * Computes `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key` (RFC 6455 §4.2.2 item 5.4):
 * base64(SHA-1(key + {@link WEBSOCKET_GUID})). The key is used as given (no trimming, no
 * validation: see {@link isValidKey}); non-ASCII characters are hashed as UTF-8.
 *
 * @param key - The client's `Sec-WebSocket-Key`, e.g. from {@link generateKey}.
 * @param hash - A SHA-1 function returning 20 bytes; default {@link sha1}. A `node:crypto`
 *   adapter (`(bytes) => createHash('sha1').update(bytes).digest()`) or a noble-hashes style
 *   `sha1` plug in unchanged. It receives a fresh `Uint8Array` it may keep.
 * @returns The 28-character base64 accept value.
 * @throws {TypeError} When `key` is not a string, or `hash` does not return a 20-byte `Uint8Array`.
 *
 * @example
 * ```ts
 * import { computeAcceptKey } from 'wsframe';
 * console.log(computeAcceptKey('dGhlIHNhbXBsZSBub25jZQ==')); // s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
 * ```
 */
export function computeAcceptKey(key: string, hash: (bytes: Uint8Array) => Uint8Array = sha1): string {
  if (hash === sha1) {
    const fast = typeof key === 'string' && key.length === KEY_CHARS ? fastAcceptKey(key) : undefined;
    return fast ?? encodeBase64(sha1(acceptInput(key)));
  }
  if (typeof hash !== 'function') {
    throw new TypeError(`Cannot compute accept key: hash must be a function, got ${typeof hash}`);
  }
  const digest = hash(acceptInput(key));
  if (!(digest instanceof Uint8Array) || digest.length !== SHA1_DIGEST_LENGTH) {
    const got = digest instanceof Uint8Array ? `${digest.length} bytes` : typeof digest;
    throw new TypeError(`Cannot compute accept key: hash returned ${got}, expected a 20-byte SHA-1 digest`);
  }
  return encodeBase64(digest);
}

/**
 * Computes `Sec-WebSocket-Accept` like {@link computeAcceptKey}, hashing with the platform's
 * WebCrypto (`crypto.subtle.digest('SHA-1', …)`).
 *
 * @param key - The client's `Sec-WebSocket-Key`.
 * @returns A promise of the 28-character base64 accept value.
 * @throws {TypeError} (as a rejected promise) When `key` is not a string or the host has no
 *   `crypto.subtle`.
 *
 * @example
 * ```ts
 * import { computeAcceptKeyAsync } from 'wsframe';
 * console.log(await computeAcceptKeyAsync('x3JJHMbDL1EzLkh9GBhXDw==')); // HSmrc0sMlYUkAGmm5OPpG2HaGWk=
 * ```
 */
export async function computeAcceptKeyAsync(key: string): Promise<string> {
  return encodeBase64(await sha1Async(acceptInput(key)));
}

/**
 * Generates a `Sec-WebSocket-Key`: 16 bytes from the platform's cryptographic random source,
 * base64-encoded (RFC 6455 §4.1 item 7: a nonce randomly selected for each connection).
 *
 * @param random - Fills and returns the given bytes; default `crypto.getRandomValues`. Only for
 *   tests that need a fixed key.
 * @returns A 24-character base64 key.
 * @throws {TypeError} When the host has no `crypto.getRandomValues`.
 *
 * @example
 * ```ts
 * import { generateKey, isValidKey } from 'wsframe';
 * const key = generateKey();
 * console.log(key.length, isValidKey(key)); // 24 true
 * ```
 */
export function generateKey(random: (bytes: Uint8Array) => Uint8Array = getRandomValues): string {
  const bytes = new Uint8Array(KEY_BYTES);
  random(bytes);
  return encodeBase64(bytes);
}

/**
 * Whether `key` is a valid `Sec-WebSocket-Key`: canonical base64 that decodes to exactly 16
 * bytes (RFC 6455 §4.1 item 7, §4.2.1 item 5). Whitespace is not trimmed.
 *
 * @param key - The key to check.
 * @returns `true` for a valid key; never throws.
 *
 * @example
 * ```ts
 * import { isValidKey } from 'wsframe';
 * console.log(isValidKey('dGhlIHNhbXBsZSBub25jZQ==')); // true
 * console.log(isValidKey('dGhlIHNhbXBsZSBub25jZQ')); // false
 * ```
 */
export function isValidKey(key: string): boolean {
  return typeof key === 'string' && key.length === KEY_CHARS && decodeBase64(key)?.length === KEY_BYTES;
}
