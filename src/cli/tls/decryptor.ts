/**
 * TLS decryption of reassembled TCP streams from a key log, as Wireshark does it: a filter between
 * the TCP reassembler and the WebSocket tracker that passes plain streams through unchanged and
 * turns a TLS stream's application data into plaintext data events, for TLS 1.3 (handshake and
 * application traffic secrets, KeyUpdate) and TLS 1.2 (master secrets), AES-GCM and
 * ChaCha20-Poly1305. Every record's tag is verified; a connection whose keys are missing or
 * wrong gets one note saying so and passes no bytes on. CLI only.
 *
 * @module
 */

import type { TlsInfo } from '../../capture/websocket.ts';
import type { TcpDataEvent, TcpEvent } from '../../capture/tcp.ts';
import { CONTENT_TYPE, RecordDecrypter } from './aead.ts';
import { HANDSHAKE_TYPE, parseClientHello, parseEncryptedExtensions, parseServerHello, type ServerHello } from './hello.ts';
import { deriveTls12Keys, deriveTls13Keys, nextTrafficSecret } from './keys.ts';
import type { KeyLog, KeyLogLabel, SessionSecrets } from './keylog.ts';
import { HandshakeReader, looksLikeTlsRecord, TlsFormatError, TlsRecordReader, type TlsRecord } from './records.ts';
import { findCipherSuite, suiteNumber, versionName, type CipherSuite } from './suites.ts';

type Direction = 'client' | 'server';

export type { TlsInfo } from '../../capture/websocket.ts';

/** Why a TLS connection (or part of it) was not decrypted; the shape of the tracker's notes. */
export interface TlsNote {
  stream: number;
  client: string;
  server: string;
  kind: 'tls' | 'http2';
  message: string;
}

export interface TlsDecryptorOptions {
  /** The secrets to decrypt with; lines may be added while the capture is read (pcapng DSBs). */
  keyLog: KeyLog;
  /** Gets at most one note per connection: why it is skipped, or where the capture cut it off. */
  onNote?: (note: TlsNote) => void;
}

const TLS_1_2 = 0x0303;
const TLS_1_3 = 0x0304;
const HTTP2_ALPN = 'h2';
const MAX_HELD_EVENTS = 64;

interface Half {
  readonly records: TlsRecordReader;
  readonly handshake: HandshakeReader;
  decrypter: RecordDecrypter | undefined;
  /** Records of this direction are protected: after the ServerHello (1.3) or its ChangeCipherSpec (1.2). */
  encrypted: boolean;
  /** TLS 1.3: the traffic secret in use, the base of the next KeyUpdate. */
  secret: Uint8Array | undefined;
  /** The key log line the current key comes from, for messages. */
  keyName: string;
  keyUpdates: number;
  /** Records opened in this direction, under any key. */
  opened: number;
  /** Plaintext application bytes passed on: the offset of the next data event. */
  offset: number;
  /** A gap or a close ended this direction. */
  done: boolean;
}

interface Session {
  stream: number;
  client: string;
  server: string;
  mode: 'undecided' | 'plain' | 'tls' | 'skipped';
  /** Events held until the first bytes tell whether the connection is TLS. */
  held: Exclude<TcpEvent, { type: 'open' }>[];
  clientRandom: Uint8Array | undefined;
  hello: ServerHello | undefined;
  suite: CipherSuite | undefined;
  alpn: string | null;
  secrets: SessionSecrets | undefined;
  halves: Record<Direction, Half>;
  closed: number;
  /** A note was given: later reasons are consequences of the first. */
  noted: boolean;
}

/** A reason to stop decrypting a connection: its message becomes the connection's note. */
class Skip extends Error {
  readonly kind: TlsNote['kind'];

  constructor(message: string, kind: TlsNote['kind'] = 'tls') {
    super(message);
    this.kind = kind;
  }
}

/**
 * Plain or TLS, from the first three bytes of the first direction that sends any (a record
 * header's type and version); `undefined` while fewer have come and they could still be TLS.
 */
function decideMode(held: Exclude<TcpEvent, { type: 'open' }>[]): 'plain' | 'tls' | undefined {
  // The other side talking at length before the first three bytes arrive is not TLS either.
  if (held.length > MAX_HELD_EVENTS) return 'plain';
  const first = held.find((event) => event.type === 'data');
  if (first === undefined) return held.some((event) => event.type !== 'data') ? 'plain' : undefined;
  const prefix: number[] = [];
  for (const event of held) {
    if (event.type === 'data' && event.from === first.from) prefix.push(...event.data.subarray(0, 3 - prefix.length));
    if (prefix.length === 3) break;
  }
  if (prefix.length === 3) return looksLikeTlsRecord(Uint8Array.from(prefix)) ? 'tls' : 'plain';
  if (!looksLikeTlsRecord(Uint8Array.from([...prefix, 3, 3].slice(0, 3))) || held.at(-1)!.type !== 'data') return 'plain';
  return undefined;
}

function createHalf(): Half {
  return {
    records: new TlsRecordReader(), handshake: new HandshakeReader(), decrypter: undefined, encrypted: false,
    secret: undefined, keyName: '', keyUpdates: 0, opened: 0, offset: 0, done: false,
  };
}

/**
 * Decrypts the TLS connections among {@link TcpEvent}s. `handle` returns the events to pass on:
 * the same event for a plain connection; for a TLS one, a data event per application data record
 * (plaintext, with offsets counted in plaintext bytes), gaps and closes as they come.
 *
 * @example
 * ```ts
 * // Not run: a fragment of a capture analysis (see src/cli/tls/capture-layer.ts).
 * const keyLog = new KeyLog();
 * keyLog.addText(readFileSync('keys.log', 'utf8'));
 * const tls = new TlsDecryptor({ keyLog, onNote: (note) => console.error(note.message) });
 * for (const event of reassembler.push(segment, time)) for (const plain of tls.handle(event)) tracker.handle(plain);
 * ```
 */
export class TlsDecryptor {
  readonly #sessions = new Map<number, Session>();
  readonly #keyLog: KeyLog;
  readonly #onNote: ((note: TlsNote) => void) | undefined;

  constructor(options: TlsDecryptorOptions) {
    this.#keyLog = options.keyLog;
    this.#onNote = options.onNote;
  }

  /** What the TLS connection `stream` negotiated, once its ServerHello is read; else `undefined`. */
  info(stream: number): TlsInfo | undefined {
    const session = this.#sessions.get(stream);
    if (session?.suite === undefined || session.hello === undefined) return undefined;
    return { version: versionName(session.hello.version), suite: session.suite.name, alpn: session.alpn };
  }

  handle(event: TcpEvent): TcpEvent[] {
    if (event.type === 'open') {
      this.#sessions.set(event.stream, {
        stream: event.stream, client: event.client, server: event.server, mode: 'undecided', held: [], clientRandom: undefined,
        hello: undefined, suite: undefined, alpn: null, secrets: undefined, halves: { client: createHalf(), server: createHalf() }, closed: 0, noted: false,
      });
      return [event];
    }
    const session = this.#sessions.get(event.stream);
    if (session === undefined) return [event];
    if (session.mode === 'undecided') {
      // Held past this call: a copy, so the caller may reuse the event's memory.
      session.held.push(event.type === 'data' ? { ...event, data: new Uint8Array(event.data) } : event);
      const mode = decideMode(session.held);
      if (mode === undefined) return [];
      session.mode = mode;
      const held = session.held;
      session.held = [];
      return held.flatMap((each) => this.#handleDecided(session, each));
    }
    return this.#handleDecided(session, event);
  }

  #handleDecided(session: Session, event: Exclude<TcpEvent, { type: 'open' }>): TcpEvent[] {
    if (event.type === 'close') {
      const half = session.halves[event.from];
      if (session.mode === 'tls' && !half.done && half.records.pending > 0) {
        const total = half.records.pendingRecordLength;
        const record = `${half.records.pending}${total === undefined ? '' : ` of ${total}`} bytes`;
        const decrypted = session.halves.client.offset + session.halves.server.offset > 0;
        this.#note(session, 'tls', decrypted
          ? `the capture ends inside a TLS record from the ${event.from} (${record}): the rest of that direction is missing`
          : `${this.#describe(session)}the capture ends inside the TLS handshake (a record from the ${event.from}: ${record})`);
      }
      half.done = true;
      if (++session.closed === 2) this.#sessions.delete(session.stream);
      return [event];
    }
    if (session.mode === 'plain') return [event];
    if (session.mode === 'skipped') return [];
    const half = session.halves[event.from];
    if (half.done) return [];
    if (event.type === 'gap') {
      // Neither the record boundaries nor the sequence number can be found again after a hole.
      // Before any application data the connection cannot be read at all: the WebSocket tracker
      // gets the gap (and says so), and nothing more.
      half.done = true;
      if (half.offset === 0) session.mode = 'skipped';
      return [{ ...event, offset: half.offset }];
    }
    try {
      return this.#data(session, half, event);
    } catch (error) {
      if (!(error instanceof Skip || error instanceof TlsFormatError)) throw error;
      session.mode = 'skipped';
      if (error instanceof Skip) this.#note(session, error.kind, `${this.#describe(session)}${error.message}`);
      else this.#note(session, 'tls', `not TLS after all: ${error.message}`);
      return [];
    }
  }

  /** Says why a connection is not (wholly) decrypted: once per connection, the first reason. */
  #note(session: Session, kind: TlsNote['kind'], message: string): void {
    if (session.noted) return;
    session.noted = true;
    this.#onNote?.({ stream: session.stream, client: session.client, server: session.server, kind, message });
  }

  /** `TLS 1.3 TLS_AES_128_GCM_SHA256: `, as far as it is known. */
  #describe(session: Session): string {
    if (session.hello === undefined) return 'TLS: ';
    return `${versionName(session.hello.version)} ${session.suite?.name ?? `cipher suite ${suiteNumber(session.hello.cipherSuite)}`}: `;
  }

  #data(session: Session, half: Half, event: TcpDataEvent): TcpEvent[] {
    const out: TcpEvent[] = [];
    for (const record of half.records.push(event.data)) {
      const content = this.#record(session, half, event.from, record);
      if (content === undefined || content.length === 0) continue;
      out.push({ ...event, data: content, offset: half.offset });
      half.offset += content.length;
    }
    return out;
  }

  /** Handles one record; returns application data to pass on, if it carries some. */
  #record(session: Session, half: Half, from: Direction, record: TlsRecord): Uint8Array | undefined {
    if (record.type === CONTENT_TYPE.CHANGE_CIPHER_SPEC) {
      // RFC 8446 §5: in TLS 1.3 a ChangeCipherSpec is only for middleboxes and changes nothing.
      if (session.hello?.version === TLS_1_2) {
        half.encrypted = true;
        half.decrypter = undefined;
      }
      return undefined;
    }
    if (!half.encrypted) {
      if (record.type === CONTENT_TYPE.HANDSHAKE) {
        for (const message of half.handshake.push(record.fragment)) this.#plainHandshake(session, from, message.type, message.body);
      } else if (record.type === CONTENT_TYPE.APPLICATION_DATA) {
        throw new Skip(session.clientRandom === undefined
          ? 'no ClientHello in the capture (it started mid-connection), so no client random to find the key by'
          : `application data from the ${from} before its keys are known (0-RTT early data is not decrypted)`);
      }
      return undefined;
    }
    half.decrypter ??= this.#decrypter(session, half, from);
    const opened = half.decrypter.open(record.type, record.version, record.fragment);
    if (opened === undefined) {
      throw new Skip(half.decrypter.sequence === 0
        ? `the key (${half.keyName}) does not authenticate the first record from the ${from}: wrong key or truncated capture`
        : `record ${half.opened + 1} from the ${from} (stream offset ${record.offset}) does not authenticate: the capture is damaged; decryption of this connection stops`);
    }
    half.opened++;
    if (opened.type === CONTENT_TYPE.HANDSHAKE) {
      for (const message of half.handshake.push(opened.content)) this.#protectedHandshake(session, half, from, message.type, message.body);
      return undefined;
    }
    if (opened.type !== CONTENT_TYPE.APPLICATION_DATA) return undefined;
    if (session.alpn === HTTP2_ALPN) {
      throw new Skip(`ALPN ${HTTP2_ALPN}: HTTP/2, whose WebSockets (RFC 8441) wsframe does not decode`, 'http2');
    }
    return opened.content;
  }

  #plainHandshake(session: Session, from: Direction, type: number, body: Uint8Array): void {
    if (from === 'client' && type === HANDSHAKE_TYPE.CLIENT_HELLO) {
      // RFC 8446 §4.1.2: a second ClientHello (after a HelloRetryRequest) repeats the random.
      session.clientRandom ??= parseClientHello(body).random;
      return;
    }
    if (from !== 'server' || type !== HANDSHAKE_TYPE.SERVER_HELLO) return;
    const hello = parseServerHello(body);
    if (hello.helloRetryRequest) return;
    session.hello = hello;
    session.alpn = hello.alpn ?? null;
    if (session.clientRandom === undefined) throw new Skip('no ClientHello in the capture (it started mid-connection), so no client random to find the key by');
    if (hello.version !== TLS_1_2 && hello.version !== TLS_1_3) throw new Skip('not decrypted (wsframe decrypts TLS 1.2 and TLS 1.3)');
    session.suite = findCipherSuite(hello.cipherSuite);
    if (session.suite === undefined || session.suite.version !== (hello.version === TLS_1_3 ? 13 : 12)) {
      session.suite = undefined;
      throw new Skip('not decrypted (wsframe decrypts the AES-GCM and ChaCha20-Poly1305 suites)');
    }
    if (hello.version === TLS_1_3) {
      // RFC 8446 §2: everything after the ServerHello is protected, in both directions.
      session.halves.client.encrypted = true;
      session.halves.server.encrypted = true;
    }
  }

  #protectedHandshake(session: Session, half: Half, from: Direction, type: number, body: Uint8Array): void {
    if (session.hello?.version !== TLS_1_3) return;
    const suite = session.suite!;
    if (type === HANDSHAKE_TYPE.ENCRYPTED_EXTENSIONS && from === 'server') {
      session.alpn = parseEncryptedExtensions(body) ?? null;
    } else if (type === HANDSHAKE_TYPE.FINISHED && half.secret === undefined) {
      // RFC 8446 §7.1: after its Finished, each side sends under its application traffic secret.
      half.keyName = from === 'client' ? 'CLIENT_TRAFFIC_SECRET_0' : 'SERVER_TRAFFIC_SECRET_0';
      half.secret = this.#secret(session, half.keyName);
      half.decrypter = new RecordDecrypter(suite, deriveTls13Keys(suite, half.secret), 13);
    } else if (type === HANDSHAKE_TYPE.KEY_UPDATE && half.secret !== undefined) {
      // RFC 8446 §4.6.3: the sender's next records use the next generation of its secret.
      half.keyName = `${from.toUpperCase()}_TRAFFIC_SECRET_${++half.keyUpdates} (derived by KeyUpdate)`;
      half.secret = nextTrafficSecret(suite, half.secret);
      half.decrypter = new RecordDecrypter(suite, deriveTls13Keys(suite, half.secret), 13);
    }
  }

  /** The first decrypter of `from`'s protected records: its handshake traffic secret (1.3) or the key block (1.2). */
  #decrypter(session: Session, half: Half, from: Direction): RecordDecrypter {
    const suite = session.suite!;
    if (session.hello!.version === TLS_1_3) {
      half.keyName = from === 'client' ? 'CLIENT_HANDSHAKE_TRAFFIC_SECRET' : 'SERVER_HANDSHAKE_TRAFFIC_SECRET';
      return new RecordDecrypter(suite, deriveTls13Keys(suite, this.#secret(session, half.keyName)), 13);
    }
    half.keyName = 'CLIENT_RANDOM';
    const keys = deriveTls12Keys(suite, this.#secret(session, 'CLIENT_RANDOM'), session.clientRandom!, session.hello!.random);
    return new RecordDecrypter(suite, keys[from], 12);
  }

  #secret(session: Session, label: string): Uint8Array {
    session.secrets ??= this.#keyLog.find(session.clientRandom!);
    const secret = session.secrets?.[label as KeyLogLabel];
    if (secret !== undefined) return secret;
    const random = Array.from(session.clientRandom!, (b) => b.toString(16).padStart(2, '0')).join('');
    if (this.#keyLog.size === 0) {
      throw new Skip('no key log to decrypt it with: give the client\'s key log (NSS format, as SSLKEYLOGFILE makes browsers, curl and Node write) with --keylog FILE or SSLKEYLOGFILE');
    }
    if (session.secrets === undefined) throw new Skip(`no key for this client random (${random}) in the key log`);
    throw new Skip(`the key log has no ${label} line for this client random (${random})`);
  }
}
