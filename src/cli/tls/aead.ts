/**
 * Opening protected TLS records with AES-GCM and ChaCha20-Poly1305 (`node:crypto`), for TLS 1.3
 * (RFC 8446 §5.2–§5.4) and TLS 1.2 (RFC 5246 §6.2.3.3 with RFC 5288 and RFC 7905). The tag is
 * always verified: a record that does not authenticate gives `undefined`, never bytes.
 *
 * @module
 */

import { createDecipheriv, type CipherGCMTypes } from 'node:crypto';
import type { TrafficKeys } from './keys.ts';
import type { CipherSuite } from './suites.ts';

/** A record's content type (RFC 8446 §5.1). */
export const CONTENT_TYPE = {
  CHANGE_CIPHER_SPEC: 20,
  ALERT: 21,
  HANDSHAKE: 22,
  APPLICATION_DATA: 23,
} as const;

/** What an opened record holds: its (inner, for TLS 1.3) content type and its plaintext. */
export interface OpenedRecord {
  type: number;
  /** A fresh buffer owned by the caller. */
  content: Uint8Array;
}

const TAG_LENGTH = 16;
// RFC 5288 §3: the explicit part of a TLS 1.2 GCM nonce travels first in each record.
const GCM_EXPLICIT_NONCE_LENGTH = 8;
const NONCE_LENGTH = 12;
const TWO_POW_32 = 0x1_0000_0000;

/**
 * Opens one direction's records in order with one key: the record sequence number starts at 0
 * and counts every record opened (RFC 8446 §5.3, RFC 5246 §6.1). A new key (a KeyUpdate, the end
 * of the handshake) needs a new decrypter.
 *
 * @example
 * ```ts
 * // Not run: a fragment (test/cli-tls.node.test.ts runs it on RFC 8448's records).
 * // RFC 8448 §3: the client's first application data record.
 * const opener = new RecordDecrypter(suite, deriveTls13Keys(suite, clientTrafficSecret0), 13);
 * opener.open(0x17, 0x0303, fragment); // { type: 23, content: 00 01 02 … 31 }
 * ```
 */
export class RecordDecrypter {
  /** Records opened so far: the sequence number of the next one. */
  sequence = 0;
  readonly #suite: CipherSuite;
  readonly #key: Uint8Array;
  readonly #iv: Uint8Array;
  readonly #version: 12 | 13;
  readonly #nonce = new Uint8Array(NONCE_LENGTH);
  readonly #sequenceBytes = new Uint8Array(8);

  constructor(suite: CipherSuite, keys: TrafficKeys, version: 12 | 13) {
    this.#suite = suite;
    this.#key = keys.key;
    this.#iv = keys.iv;
    this.#version = version;
  }

  /**
   * The plaintext of the next record, given its header's type and version and its fragment (the
   * bytes after the 5-byte header), or `undefined` when it does not authenticate (the sequence
   * number then stays where it was).
   */
  open(type: number, version: number, fragment: Uint8Array): OpenedRecord | undefined {
    return this.#version === 13 ? this.#open13(type, version, fragment) : this.#open12(type, version, fragment);
  }

  #open13(type: number, version: number, fragment: Uint8Array): OpenedRecord | undefined {
    if (fragment.length < TAG_LENGTH + 1) return undefined;
    // RFC 8446 §5.2: the additional data is the record header itself.
    const aad = Uint8Array.of(type, version >>> 8, version & 0xff, fragment.length >>> 8, fragment.length & 0xff);
    const plain = this.#decrypt(this.#sequenceNonce(), aad, fragment);
    if (plain === undefined) return undefined;
    // RFC 8446 §5.4: the inner type is the last non-zero byte; zeros after it are padding.
    let end = plain.length - 1;
    while (end >= 0 && plain[end] === 0) end--;
    if (end < 0) return undefined;
    return { type: plain[end], content: plain.subarray(0, end) };
  }

  #open12(type: number, version: number, fragment: Uint8Array): OpenedRecord | undefined {
    let nonce: Uint8Array;
    let sealed: Uint8Array;
    if (this.#suite.aead === 'chacha20-poly1305') {
      // RFC 7905 §2: the nonce is the 12-byte IV XOR the padded sequence number, as in TLS 1.3.
      nonce = this.#sequenceNonce();
      sealed = fragment;
    } else {
      // RFC 5288 §3: nonce = 4-byte salt from the key block || 8 explicit bytes from the record.
      if (fragment.length < GCM_EXPLICIT_NONCE_LENGTH) return undefined;
      nonce = this.#nonce;
      nonce.set(this.#iv.subarray(0, 4), 0);
      nonce.set(fragment.subarray(0, GCM_EXPLICIT_NONCE_LENGTH), 4);
      sealed = fragment.subarray(GCM_EXPLICIT_NONCE_LENGTH);
    }
    if (sealed.length < TAG_LENGTH) return undefined;
    const length = sealed.length - TAG_LENGTH;
    // RFC 5246 §6.2.3.3: additional data = seq_num || type || version || plaintext length.
    const aad = new Uint8Array(13);
    writeSequence(aad, 0, this.sequence);
    aad[8] = type;
    aad[9] = version >>> 8;
    aad[10] = version & 0xff;
    aad[11] = length >>> 8;
    aad[12] = length & 0xff;
    const plain = this.#decrypt(nonce, aad, sealed);
    return plain === undefined ? undefined : { type, content: plain };
  }

  /** RFC 8446 §5.3: the IV XOR the 64-bit sequence number, left-padded to the IV's length. */
  #sequenceNonce(): Uint8Array {
    const nonce = this.#nonce;
    nonce.set(this.#iv);
    const sequence = this.#sequenceBytes;
    writeSequence(sequence, 0, this.sequence);
    for (let i = 0; i < 8; i++) nonce[4 + i] ^= sequence[i];
    return nonce;
  }

  #decrypt(nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
    const length = sealed.length - TAG_LENGTH;
    // The cast picks one overload: ChaCha20-Poly1305 deciphers have the same setAAD/setAuthTag API.
    const decipher = createDecipheriv(this.#suite.aead as CipherGCMTypes, this.#key, nonce, { authTagLength: TAG_LENGTH });
    decipher.setAAD(aad, { plaintextLength: length });
    decipher.setAuthTag(sealed.subarray(length));
    const plain = decipher.update(sealed.subarray(0, length));
    try {
      decipher.final();
    } catch {
      return undefined;
    }
    this.sequence++;
    return plain;
  }
}

/** The 64-bit big-endian sequence number at `out[at…at + 8]` (RFC 5246 §6.1 seq_num). */
function writeSequence(out: Uint8Array, at: number, sequence: number): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(at, Math.floor(sequence / TWO_POW_32));
  view.setUint32(at + 4, sequence >>> 0);
}
