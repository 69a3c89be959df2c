/**
 * TLS decryption as one layer of `wsframe pcap`: what `analyzeCapture` needs to decrypt wss://
 * connections with the least change to it. Between the TCP reassembler and the WebSocket tracker
 * `decrypt` turns each TLS connection's events into plaintext events (plain connections pass
 * unchanged); the capture reader gives it the key logs of Decryption Secrets Blocks through
 * `captureOptions`; `tag` adds what a decrypted connection negotiated to its connection record.
 * CLI only.
 *
 * @module
 */

import type { CaptureReaderOptions } from '../../capture/capture.ts';
import type { TcpEvent } from '../../capture/tcp.ts';
import { TlsDecryptor, type TlsInfo, type TlsNote } from './decryptor.ts';
import { addSecretsBlock, KeyLog } from './keylog.ts';

export interface TlsLayerOptions {
  /** Secrets from `--keylog` / `SSLKEYLOGFILE`; the capture's own secrets are added to it. */
  keyLog?: KeyLog;
  /** Gets one note per TLS connection that is not decrypted (and per cut-off record). */
  onNote?: (note: TlsNote) => void;
}

export interface TlsLayer {
  /** Options for the capture reader: Decryption Secrets Blocks feed the key log. */
  readonly captureOptions: CaptureReaderOptions;
  /** The events to pass on for the reassembler's `events`, in order. */
  decrypt(events: Iterable<TcpEvent>): TcpEvent[];
  /** Adds `tls: { version, suite, alpn }` to a connection record of a decrypted connection. */
  tag<R extends { type: string; stream: number }>(record: R): R & { tls?: TlsInfo };
}

/**
 * The TLS layer of a capture analysis.
 *
 * @example
 * ```ts
 * // Not run: how src/cli/pcap.ts uses it.
 * const tls = createTlsLayer({ keyLog, onNote });
 * for await (const packet of readCapture(source, tls.captureOptions)) {
 *   for (const event of tls.decrypt(reassembler.push(segment, packet.time))) emit(tls.tag(tracker.handle(event)));
 * }
 * ```
 */
export function createTlsLayer(options: TlsLayerOptions = {}): TlsLayer {
  const keyLog = options.keyLog ?? new KeyLog();
  const decryptor = new TlsDecryptor({ keyLog, onNote: options.onNote });
  return {
    captureOptions: { onSecrets: (type, data) => addSecretsBlock(keyLog, type, data) },
    decrypt(events) {
      const out: TcpEvent[] = [];
      for (const event of events) for (const each of decryptor.handle(event)) out.push(each);
      return out;
    },
    tag(record) {
      if (record.type !== 'connection') return record;
      const info = decryptor.info(record.stream);
      return info === undefined ? record : Object.assign(record, { tls: info });
    },
  };
}

/**
 * The key log `wsframe pcap` decrypts with: the file of `--keylog`, else the one `SSLKEYLOGFILE`
 * names (as tshark's `tls.keylog_file` preference). An unreadable `--keylog` file throws (the
 * CLI reports it, exit status 2); an unreadable `SSLKEYLOGFILE` only gets a warning, since it may
 * be set for other programs. A file without a single secret gets a warning too.
 */
export function readKeyLogOption(
  path: string | undefined,
  io: { env: Record<string, string | undefined>; readFile(path: string): Uint8Array; stderr: { write(text: string): unknown } },
): KeyLog {
  const keyLog = new KeyLog();
  const file = path ?? io.env.SSLKEYLOGFILE;
  if (file === undefined || file === '') return keyLog;
  let bytes: Uint8Array;
  try {
    bytes = io.readFile(file);
  } catch (error) {
    if (path !== undefined) throw error;
    io.stderr.write(`wsframe: cannot read SSLKEYLOGFILE ${file}: ${(error as Error).message}; TLS is not decrypted\n`);
    return keyLog;
  }
  const { secrets, malformed } = keyLog.addText(new TextDecoder().decode(bytes));
  if (secrets === 0) {
    io.stderr.write(`wsframe: no TLS secrets in the key log ${file}${malformed > 0 ? ` (${malformed} lines are not NSS key log lines)` : ''}\n`);
  }
  return keyLog;
}
