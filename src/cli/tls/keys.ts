/**
 * TLS key derivation for decryption from a key log: the TLS 1.3 key schedule from traffic secrets
 * (RFC 8446 §7.1–§7.3, HKDF-Expand-Label over RFC 5869 HKDF-Expand) and the TLS 1.2 key block from
 * a master secret (RFC 5246 §5 PRF, §6.3). CLI only (`node:crypto`).
 *
 * @module
 */

import { createHmac } from 'node:crypto';
import type { CipherSuite, HashName } from './suites.ts';

/** A write key and IV for one direction. */
export interface TrafficKeys {
  key: Uint8Array;
  iv: Uint8Array;
}

const HASH_LENGTH: Record<HashName, number> = { sha256: 32, sha384: 48 };
// RFC 8446 §5.3: the per-record nonce is as long as the AEAD's (12 bytes for every suite here).
const TLS13_IV_LENGTH = 12;
// RFC 5288 §3: the GCM salt (implicit nonce part) is 4 bytes; RFC 7905 §2: ChaCha20's IV is 12.
const TLS12_GCM_SALT_LENGTH = 4;
const TLS12_CHACHA_IV_LENGTH = 12;
const ASCII = new TextEncoder();

function hmac(hash: HashName, key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const mac = createHmac(hash, key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** RFC 5869 §2.3 HKDF-Expand: `length` bytes from the pseudorandom key `prk` and `info`. */
export function hkdfExpand(hash: HashName, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let previous: Uint8Array = new Uint8Array(0);
  for (let filled = 0, counter = 1; filled < length; counter++) {
    previous = hmac(hash, prk, previous, info, Uint8Array.of(counter));
    out.set(previous.subarray(0, length - filled), filled);
    filled += previous.length;
  }
  return out;
}

/**
 * RFC 8446 §7.1 HKDF-Expand-Label: HKDF-Expand with `HkdfLabel = length (2 bytes) ||
 * "tls13 " + label (1-byte length) || context (1-byte length)`.
 *
 * @example
 * ```ts
 * // RFC 8448 §3: the server handshake key from the server handshake traffic secret.
 * const hex = (text: string) => Uint8Array.from(text.match(/../g)!, (byte) => parseInt(byte, 16));
 * const secret = hex('b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38');
 * const key = hkdfExpandLabel('sha256', secret, 'key', new Uint8Array(0), 16);
 * console.log(Buffer.from(key).toString('hex')); // 3fce516009c21727d0f2e4e86ee403bc
 * ```
 */
export function hkdfExpandLabel(hash: HashName, secret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
  const fullLabel = ASCII.encode(`tls13 ${label}`);
  const info = new Uint8Array(2 + 1 + fullLabel.length + 1 + context.length);
  info[0] = length >>> 8;
  info[1] = length & 0xff;
  info[2] = fullLabel.length;
  info.set(fullLabel, 3);
  info[3 + fullLabel.length] = context.length;
  info.set(context, 4 + fullLabel.length);
  return hkdfExpand(hash, secret, info, length);
}

/** RFC 8446 §7.3: the write key and IV of a TLS 1.3 traffic secret. */
export function deriveTls13Keys(suite: CipherSuite, secret: Uint8Array): TrafficKeys {
  const empty = new Uint8Array(0);
  return {
    key: hkdfExpandLabel(suite.hash, secret, 'key', empty, suite.keyLength),
    iv: hkdfExpandLabel(suite.hash, secret, 'iv', empty, TLS13_IV_LENGTH),
  };
}

/** RFC 8446 §7.2: the traffic secret after a KeyUpdate, `application_traffic_secret_N+1`. */
export function nextTrafficSecret(suite: CipherSuite, secret: Uint8Array): Uint8Array {
  return hkdfExpandLabel(suite.hash, secret, 'traffic upd', new Uint8Array(0), HASH_LENGTH[suite.hash]);
}

/**
 * RFC 5246 §5: the TLS 1.2 PRF, `P_hash(secret, label + seed)` cut to `length` bytes.
 *
 * @example
 * ```ts
 * // The SHA-256 vector of the TLS working group's list (also `openssl kdf TLS1-PRF`).
 * const hex = (text: string) => Uint8Array.from(text.match(/../g)!, (byte) => parseInt(byte, 16));
 * const out = prf12('sha256', hex('9bbe436ba940f017b17652849a71db35'), 'test label', hex('a0ba9f936cda311827a6f796ffd5198c'), 100);
 * console.log(out.length, Buffer.from(out.subarray(0, 4)).toString('hex')); // 100 e3f229ba
 * ```
 */
export function prf12(hash: HashName, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Uint8Array {
  const labelSeed = new Uint8Array([...ASCII.encode(label), ...seed]);
  const out = new Uint8Array(length);
  let a: Uint8Array = labelSeed;
  for (let filled = 0; filled < length;) {
    a = hmac(hash, secret, a);
    const block = hmac(hash, secret, a, labelSeed);
    out.set(block.subarray(0, length - filled), filled);
    filled += block.length;
  }
  return out;
}

/**
 * RFC 5246 §6.3: the TLS 1.2 key block of an AEAD suite (no MAC keys), split into each side's write
 * key and implicit IV (4-byte GCM salt, RFC 5288 §3; 12-byte ChaCha20 IV, RFC 7905 §2).
 */
export function deriveTls12Keys(
  suite: CipherSuite, masterSecret: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array,
): { client: TrafficKeys; server: TrafficKeys } {
  const ivLength = suite.aead === 'chacha20-poly1305' ? TLS12_CHACHA_IV_LENGTH : TLS12_GCM_SALT_LENGTH;
  const seed = new Uint8Array([...serverRandom, ...clientRandom]);
  const block = prf12(suite.hash, masterSecret, 'key expansion', seed, 2 * (suite.keyLength + ivLength));
  const k = suite.keyLength;
  return {
    client: { key: block.subarray(0, k), iv: block.subarray(2 * k, 2 * k + ivLength) },
    server: { key: block.subarray(k, 2 * k), iv: block.subarray(2 * k + ivLength, 2 * k + 2 * ivLength) },
  };
}
