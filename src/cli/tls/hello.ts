/**
 * The handshake messages a decrypting reader needs: ClientHello (its random, the key log's index),
 * ServerHello (random, suite, version with `supported_versions`), and the ALPN choice (in the
 * ServerHello for TLS 1.2, in EncryptedExtensions for TLS 1.3). RFC 8446 §4.1–§4.3, RFC 7301.
 * Pure; malformed input throws {@link TlsFormatError}.
 *
 * @module
 */

import { TlsFormatError } from './records.ts';

/** Handshake message types used here (RFC 8446 §4). */
export const HANDSHAKE_TYPE = {
  CLIENT_HELLO: 1,
  SERVER_HELLO: 2,
  NEW_SESSION_TICKET: 4,
  END_OF_EARLY_DATA: 5,
  ENCRYPTED_EXTENSIONS: 8,
  FINISHED: 20,
  KEY_UPDATE: 24,
} as const;

const EXTENSION_ALPN = 16;
const EXTENSION_SUPPORTED_VERSIONS = 43;
const RANDOM_LENGTH = 32;
// RFC 8446 §4.1.3: a ServerHello with this random is a HelloRetryRequest (SHA-256 of the name).
const HELLO_RETRY_REQUEST_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';

export interface ClientHello {
  random: Uint8Array;
  /** ALPN protocols offered, in order (empty without the extension). */
  alpn: string[];
}

export interface ServerHello {
  random: Uint8Array;
  cipherSuite: number;
  /** The negotiated version: `supported_versions` when present (TLS 1.3), else the legacy field. */
  version: number;
  /** The ALPN protocol chosen, when the ServerHello carries it (TLS 1.2). */
  alpn: string | undefined;
  /** A HelloRetryRequest: the real ServerHello follows a second ClientHello. */
  helloRetryRequest: boolean;
}

/** A bounds-checked reader over a message body. */
class Cursor {
  #bytes: Uint8Array;
  #position = 0;
  readonly #what: string;

  constructor(bytes: Uint8Array, what: string) {
    this.#bytes = bytes;
    this.#what = what;
  }

  get remaining(): number {
    return this.#bytes.length - this.#position;
  }

  take(length: number): Uint8Array {
    if (length > this.remaining) throw new TlsFormatError(`${this.#what} is cut short`);
    return this.#bytes.subarray(this.#position, (this.#position += length));
  }

  uint8(): number {
    return this.take(1)[0];
  }

  uint16(): number {
    const bytes = this.take(2);
    return (bytes[0] << 8) | bytes[1];
  }

  /** A vector with a 1- or 2-byte length prefix, as a cursor of its own. */
  vector(lengthBytes: 1 | 2, what = this.#what): Cursor {
    return new Cursor(this.take(lengthBytes === 1 ? this.uint8() : this.uint16()), what);
  }
}

/** Each extension's type and data, in order; none when the optional block is absent. */
function readExtensions(cursor: Cursor, what: string): Map<number, Uint8Array> {
  const extensions = new Map<number, Uint8Array>();
  if (cursor.remaining === 0) return extensions;
  const block = cursor.vector(2, `the extensions of a ${what}`);
  while (block.remaining > 0) {
    const type = block.uint16();
    extensions.set(type, block.take(block.uint16()));
  }
  return extensions;
}

function readAlpnList(data: Uint8Array): string[] {
  const list = new Cursor(data, 'an ALPN extension').vector(2);
  const names: string[] = [];
  while (list.remaining > 0) names.push(String.fromCharCode(...list.take(list.uint8())));
  return names;
}

/** The random and offered ALPN protocols of a ClientHello body. */
export function parseClientHello(body: Uint8Array): ClientHello {
  const cursor = new Cursor(body, 'a ClientHello');
  cursor.uint16();
  const random = cursor.take(RANDOM_LENGTH);
  cursor.vector(1);
  cursor.vector(2);
  cursor.vector(1);
  const alpn = readExtensions(cursor, 'ClientHello').get(EXTENSION_ALPN);
  return { random: random.slice(), alpn: alpn === undefined ? [] : readAlpnList(alpn) };
}

/** The random, suite, version and ALPN choice of a ServerHello body. */
export function parseServerHello(body: Uint8Array): ServerHello {
  const cursor = new Cursor(body, 'a ServerHello');
  const legacyVersion = cursor.uint16();
  const random = cursor.take(RANDOM_LENGTH);
  cursor.vector(1);
  const cipherSuite = cursor.uint16();
  cursor.uint8();
  const extensions = readExtensions(cursor, 'ServerHello');
  const supported = extensions.get(EXTENSION_SUPPORTED_VERSIONS);
  const alpn = extensions.get(EXTENSION_ALPN);
  return {
    random: random.slice(),
    cipherSuite,
    version: supported === undefined ? legacyVersion : new Cursor(supported, 'a supported_versions extension').uint16(),
    alpn: alpn === undefined ? undefined : readAlpnList(alpn)[0],
    helloRetryRequest: Array.from(random, (b) => b.toString(16).padStart(2, '0')).join('') === HELLO_RETRY_REQUEST_RANDOM,
  };
}

/** The ALPN protocol an EncryptedExtensions body (TLS 1.3) selects, if any. */
export function parseEncryptedExtensions(body: Uint8Array): string | undefined {
  const alpn = readExtensions(new Cursor(body, 'an EncryptedExtensions'), 'EncryptedExtensions').get(EXTENSION_ALPN);
  return alpn === undefined ? undefined : readAlpnList(alpn)[0];
}
