/**
 * The NSS key log format (what `SSLKEYLOGFILE` makes browsers, curl and Node write, Python's
 * `keylog_filename`, and what pcapng Decryption Secrets Blocks carry): one secret a line,
 * `<LABEL> <client random, 64 hex digits> <secret in hex>`, `#` comments. Pure.
 *
 * @module
 */

import { toHex } from '../../capture/bytes.ts';

/** The labels read: TLS 1.2 master secrets and TLS 1.3 traffic secrets. */
export const KEY_LOG_LABELS = [
  'CLIENT_RANDOM',
  'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
  'SERVER_HANDSHAKE_TRAFFIC_SECRET',
  'CLIENT_TRAFFIC_SECRET_0',
  'SERVER_TRAFFIC_SECRET_0',
] as const;

export type KeyLogLabel = (typeof KEY_LOG_LABELS)[number];

/** The secrets logged for one client random, by label. */
export type SessionSecrets = Partial<Record<KeyLogLabel, Uint8Array>>;

/** pcapng §4.7: the Decryption Secrets Block type of a TLS key log ("TLSK"). */
export const DSB_TLS_KEY_LOG = 0x544c534b;

const READ_LABELS = new Set<string>(KEY_LOG_LABELS);
// Labels that are valid but not needed to decrypt (exporters, 0-RTT) or not supported (RSA
// pre-master secrets): skipped without counting them as malformed.
const SKIPPED_LABELS = new Set(['EXPORTER_SECRET', 'EARLY_EXPORTER_SECRET', 'CLIENT_EARLY_TRAFFIC_SECRET', 'RSA']);
const RANDOM_HEX = /^[0-9a-fA-F]{64}$/;
// 48 bytes (a TLS 1.2 master secret) up to 64 (a SHA-512 traffic secret), in hex.
const SECRET_HEX = /^(?:[0-9a-fA-F]{2}){32,64}$/;
// RFC 5246 §8.1: a master secret is always 48 bytes.
const MASTER_SECRET_LENGTH = 48;

/**
 * The secrets of a key log, looked up by client random. Lines may come from several files and
 * Decryption Secrets Blocks; a later line for the same random and label wins.
 *
 * @example
 * ```ts
 * const log = new KeyLog();
 * log.addText(`CLIENT_RANDOM ${'ab'.repeat(32)} ${'01'.repeat(48)}\n# a comment\n`); // { secrets: 1, malformed: 0 }
 * log.find(new Uint8Array(32).fill(0xab))?.CLIENT_RANDOM?.length; // 48
 * ```
 */
export class KeyLog {
  readonly #byRandom = new Map<string, SessionSecrets>();

  /** Client randoms with at least one secret. */
  get size(): number {
    return this.#byRandom.size;
  }

  /**
   * Adds the lines of a key log. Returns how many secrets were read and how many lines were not
   * key log lines (comments, blank lines and labels not needed to decrypt are neither).
   */
  addText(text: string): { secrets: number; malformed: number } {
    let secrets = 0;
    let malformed = 0;
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const [label, random, secret, extra] = line.split(/\s+/);
      if (SKIPPED_LABELS.has(label)) continue;
      if (!READ_LABELS.has(label) || extra !== undefined || !RANDOM_HEX.test(random ?? '') || !SECRET_HEX.test(secret ?? '') ||
        (label === 'CLIENT_RANDOM' && secret.length !== 2 * MASTER_SECRET_LENGTH)) {
        malformed++;
        continue;
      }
      const key = random.toLowerCase();
      let entry = this.#byRandom.get(key);
      if (entry === undefined) this.#byRandom.set(key, (entry = {}));
      entry[label as KeyLogLabel] = Uint8Array.from(secret.match(/../g)!, (pair) => parseInt(pair, 16));
      secrets++;
    }
    return { secrets, malformed };
  }

  /** The secrets logged for a ClientHello's random, or `undefined` when there are none. */
  find(clientRandom: Uint8Array): SessionSecrets | undefined {
    return this.#byRandom.get(toHex(clientRandom, ''));
  }
}

/**
 * Adds the secrets of a pcapng Decryption Secrets Block (pcapng §4.7) to `keyLog` when they are
 * a TLS key log (type {@link DSB_TLS_KEY_LOG}, as `editcap --inject-secrets tls,keys.log` writes);
 * other secrets types (WireGuard, SSH, …) are ignored. Returns whether the block was a TLS key log.
 */
export function addSecretsBlock(keyLog: KeyLog, type: number, data: Uint8Array): boolean {
  if (type !== DSB_TLS_KEY_LOG) return false;
  keyLog.addText(new TextDecoder().decode(data));
  return true;
}
