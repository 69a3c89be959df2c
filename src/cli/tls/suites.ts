/**
 * The TLS cipher suites wsframe decrypts: the AEAD ones (AES-GCM and ChaCha20-Poly1305) of TLS 1.3
 * and TLS 1.2. CLI only.
 *
 * @module
 */

/** The AEAD algorithm, by its `node:crypto` name. */
export type AeadName = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';

/** The hash of a suite's HKDF (TLS 1.3) or PRF (TLS 1.2), by its `node:crypto` name. */
export type HashName = 'sha256' | 'sha384';

/** One cipher suite: its IANA number and name, its AEAD and its hash. */
export interface CipherSuite {
  id: number;
  /** The IANA name, as Wireshark and OpenSSL's `-ciphersuites` list show it. */
  name: string;
  aead: AeadName;
  hash: HashName;
  keyLength: number;
  /** 13: a TLS 1.3 suite; 12: a TLS 1.2 one. */
  version: 12 | 13;
}

/** TLS versions as the protocol numbers them (RFC 8446 §4.2.1, RFC 5246 §6.2.1). */
export const TLS_VERSIONS = { 0x0301: 'TLS 1.0', 0x0302: 'TLS 1.1', 0x0303: 'TLS 1.2', 0x0304: 'TLS 1.3' } as const;

const suite = (id: number, name: string, aead: AeadName, hash: HashName, version: 12 | 13): CipherSuite => ({
  id, name, aead, hash, keyLength: aead === 'aes-128-gcm' ? 16 : 32, version,
});

// RFC 8446 §B.4; RFC 5288, RFC 5289 (GCM with ECDHE), RFC 7905 (ChaCha20-Poly1305).
const SUITES: readonly CipherSuite[] = [
  suite(0x1301, 'TLS_AES_128_GCM_SHA256', 'aes-128-gcm', 'sha256', 13),
  suite(0x1302, 'TLS_AES_256_GCM_SHA384', 'aes-256-gcm', 'sha384', 13),
  suite(0x1303, 'TLS_CHACHA20_POLY1305_SHA256', 'chacha20-poly1305', 'sha256', 13),
  suite(0xc02b, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'aes-128-gcm', 'sha256', 12),
  suite(0xc02c, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'aes-256-gcm', 'sha384', 12),
  suite(0xc02f, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'aes-128-gcm', 'sha256', 12),
  suite(0xc030, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'aes-256-gcm', 'sha384', 12),
  suite(0xcca8, 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'chacha20-poly1305', 'sha256', 12),
  suite(0xcca9, 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'chacha20-poly1305', 'sha256', 12),
  suite(0xccaa, 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'chacha20-poly1305', 'sha256', 12),
  suite(0x009c, 'TLS_RSA_WITH_AES_128_GCM_SHA256', 'aes-128-gcm', 'sha256', 12),
  suite(0x009d, 'TLS_RSA_WITH_AES_256_GCM_SHA384', 'aes-256-gcm', 'sha384', 12),
  suite(0x009e, 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'aes-128-gcm', 'sha256', 12),
  suite(0x009f, 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384', 'aes-256-gcm', 'sha384', 12),
];

const BY_ID = new Map(SUITES.map((entry) => [entry.id, entry]));

/**
 * The suite with IANA number `id`, or `undefined` when wsframe does not decrypt it (CBC, CCM,
 * NULL and export suites, or an unknown number).
 *
 * @example
 * ```ts
 * findCipherSuite(0x1301)?.name; // 'TLS_AES_128_GCM_SHA256'
 * findCipherSuite(0xc013);       // undefined (TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA)
 * ```
 */
export function findCipherSuite(id: number): CipherSuite | undefined {
  return BY_ID.get(id);
}

/** `TLS 1.2`, `TLS 1.3`, or `0x7f1c` for a version TLS does not name. */
export function versionName(version: number): string {
  return TLS_VERSIONS[version as keyof typeof TLS_VERSIONS] ?? `0x${version.toString(16).padStart(4, '0')}`;
}

/** `0x1304` style, for a suite wsframe does not know. */
export function suiteNumber(id: number): string {
  return `0x${id.toString(16).padStart(4, '0')}`;
}
