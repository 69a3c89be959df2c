/**
 * TLS decryption for `wsframe pcap` (src/cli/tls): key derivation and record protection against
 * RFC 8448's TLS 1.3 trace and the TLS 1.2 PRF vectors, then whole sessions through
 * TlsDecryptor: RFC 8448's records, and real TLS 1.2/1.3 sessions of node:tls (OpenSSL) with
 * every supported suite, recorded by a relay with the client's key log. Node only: node:crypto.
 */
import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TcpEvent } from '../src/capture/tcp.ts';
import { RecordDecrypter, type OpenedRecord } from '../src/cli/tls/aead.ts';
import { TlsDecryptor, type TlsNote } from '../src/cli/tls/decryptor.ts';
import { parseClientHello, parseServerHello } from '../src/cli/tls/hello.ts';
import { deriveTls12Keys, deriveTls13Keys, hkdfExpandLabel, nextTrafficSecret, prf12 } from '../src/cli/tls/keys.ts';
import { KeyLog } from '../src/cli/tls/keylog.ts';
import { HandshakeReader, TlsFormatError, TlsRecordReader } from '../src/cli/tls/records.ts';
import { findCipherSuite, type CipherSuite } from '../src/cli/tls/suites.ts';
import { recordTlsSession, sessionEvents } from './_tls-session.ts';
import { CLIENT_TRAFFIC_SECRET_1, RFC8448, TLS12_PRF } from './vectors/tls.ts';

const hex = (text: string) => Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const AES_128_GCM_SHA256 = findCipherSuite(0x1301)!;
const cat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

/** A key log with RFC 8448's four traffic secrets (optionally changed). */
function rfc8448KeyLog(change: Partial<Record<keyof typeof RFC8448.secrets, string>> = {}): string {
  return Object.entries({ ...RFC8448.secrets, ...change }).map(([label, secret]) => `${label} ${RFC8448.clientRandom} ${secret}\n`).join('');
}

/** RFC 8448's connection as TCP events: the client's records, then the server's, interleaved as on the wire. */
function rfc8448Events(split: (from: 'client' | 'server', bytes: Uint8Array) => Uint8Array[] = (_, bytes) => [bytes]): TcpEvent[] {
  const [hello, finished, data, alert] = RFC8448.records.client.map(hex);
  const [serverHello, flight, ticket, serverData, serverAlert] = RFC8448.records.server.map(hex);
  return sessionEvents({
    chunks: [
      ...split('client', hello).map((d) => ({ from: 'client' as const, data: d })),
      ...split('server', cat(serverHello, flight)).map((d) => ({ from: 'server' as const, data: d })),
      ...split('client', cat(finished, data, alert)).map((d) => ({ from: 'client' as const, data: d })),
      ...split('server', cat(ticket, serverData, serverAlert)).map((d) => ({ from: 'server' as const, data: d })),
    ],
  });
}

/** Runs events through a decryptor; returns the plaintext per direction, the other events and the notes. */
function decrypt(events: TcpEvent[], keyLogText: string) {
  const keyLog = new KeyLog();
  keyLog.addText(keyLogText);
  const notes: TlsNote[] = [];
  const decryptor = new TlsDecryptor({ keyLog, onNote: (note) => notes.push(note) });
  const plain = { client: [] as Uint8Array[], server: [] as Uint8Array[] };
  const passed: TcpEvent[] = [];
  let info;
  for (const event of events) {
    for (const out of decryptor.handle(event)) {
      passed.push(out);
      if (out.type === 'data') {
        expect(out.offset).toBe(plain[out.from].reduce((n, d) => n + d.length, 0));
        plain[out.from].push(out.data);
      }
    }
    info ??= decryptor.info(0);
  }
  return { client: cat(...plain.client), server: cat(...plain.server), passed, notes: notes.map((n) => n.message), kinds: notes.map((n) => n.kind), info };
}

describe('TLS 1.3 key schedule (RFC 8446 §7) against RFC 8448 §3', () => {
  for (const [label, expected] of Object.entries(RFC8448.keys)) {
    it(`derives the write key and IV of ${label}`, () => {
      const keys = deriveTls13Keys(AES_128_GCM_SHA256, hex(RFC8448.secrets[label as keyof typeof RFC8448.secrets]));
      expect({ key: toHex(keys.key), iv: toHex(keys.iv) }).toEqual(expected);
    });
  }

  it('hkdfExpandLabel gives the RFC 8448 "tls13 key" output for a 16-byte key', () => {
    expect(toHex(hkdfExpandLabel('sha256', hex(RFC8448.secrets.SERVER_HANDSHAKE_TRAFFIC_SECRET), 'key', new Uint8Array(0), 16))).toBe('3fce516009c21727d0f2e4e86ee403bc');
  });

  it('nextTrafficSecret ("traffic upd", RFC 8446 §7.2) agrees with OpenSSL\'s TLS13-KDF', () => {
    expect(toHex(nextTrafficSecret(AES_128_GCM_SHA256, hex(RFC8448.secrets.CLIENT_TRAFFIC_SECRET_0)))).toBe(CLIENT_TRAFFIC_SECRET_1);
  });
});

describe('TLS 1.2 PRF (RFC 5246 §5)', () => {
  for (const vector of TLS12_PRF) {
    it(`P_${vector.hash.toUpperCase()} gives the published ${vector.output.length / 2} bytes`, () => {
      expect(toHex(prf12(vector.hash, hex(vector.secret), vector.label, hex(vector.seed), vector.output.length / 2))).toBe(vector.output);
    });
  }

  it('the key block is PRF(master, "key expansion", server random + client random), split key, key, IV, IV', () => {
    const master = hex('11'.repeat(48));
    const [client, server] = [hex('aa'.repeat(32)), hex('bb'.repeat(32))];
    const block = prf12('sha256', master, 'key expansion', cat(server, client), 40);
    const keys = deriveTls12Keys(findCipherSuite(0xc02f)!, master, client, server);
    expect([keys.client.key, keys.server.key, keys.client.iv, keys.server.iv].map(toHex)).toEqual(
      [block.subarray(0, 16), block.subarray(16, 32), block.subarray(32, 36), block.subarray(36, 40)].map(toHex),
    );
    const chacha = deriveTls12Keys(findCipherSuite(0xcca8)!, master, client, server);
    expect([chacha.client.key.length, chacha.client.iv.length]).toEqual([32, 12]);
  });
});

describe('RecordDecrypter (RFC 8446 §5.2–5.4) on RFC 8448 records', () => {
  const header = (record: Uint8Array) => [record[0], (record[1] << 8) | record[2], record.subarray(5)] as const;
  const shown = (record: OpenedRecord | undefined) => record && { type: record.type, content: toHex(record.content) };
  const clientKeys = () => deriveTls13Keys(AES_128_GCM_SHA256, hex(RFC8448.secrets.CLIENT_TRAFFIC_SECRET_0));

  it("opens the client's application data (sequence 0) and close_notify (sequence 1)", () => {
    const opener = new RecordDecrypter(AES_128_GCM_SHA256, clientKeys(), 13);
    expect(shown(opener.open(...header(hex(RFC8448.records.client[2]))))).toEqual({ type: 23, content: toHex(Uint8Array.from(RFC8448.applicationData)) });
    expect(shown(opener.open(...header(hex(RFC8448.records.client[3]))))).toEqual({ type: 21, content: '0100' });
    expect(opener.sequence).toBe(2);
  });

  it('refuses a record with any one bit flipped (header, ciphertext or tag) and keeps its sequence number', () => {
    const record = hex(RFC8448.records.client[2]);
    for (let i = 0; i < record.length; i++) {
      if (i === 3 || i === 4) continue; // the length: a different fragment, covered below
      const opener = new RecordDecrypter(AES_128_GCM_SHA256, clientKeys(), 13);
      const changed = record.slice();
      changed[i] ^= 0x01;
      expect(opener.open(...header(changed)), `byte ${i}`).toBeUndefined();
      expect(opener.sequence).toBe(0);
    }
    const opener = new RecordDecrypter(AES_128_GCM_SHA256, clientKeys(), 13);
    expect(opener.open(23, 0x0303, record.subarray(5, record.length - 1))).toBeUndefined();
    expect(opener.open(23, 0x0303, new Uint8Array(16))).toBeUndefined();
  });

  it('refuses a record opened with the wrong sequence number (the nonce carries it)', () => {
    const opener = new RecordDecrypter(AES_128_GCM_SHA256, clientKeys(), 13);
    opener.sequence = 1;
    expect(opener.open(...header(hex(RFC8448.records.client[2])))).toBeUndefined();
  });

  it('builds the nonce from a sequence number above 2^32 (RFC 8446 §5.3: 64 bits, left-padded)', () => {
    const suite = findCipherSuite(0x1303)!;
    const keys = { key: hex('42'.repeat(32)), iv: hex('0102030405060708090a0b0c') };
    const sequence = 2 ** 40 + 7;
    // Sealed with node:crypto directly: nonce = IV XOR 00000000 || 64-bit sequence.
    const nonce = hex('0102030405060708090a0b0c');
    const seqBytes = Buffer.alloc(8);
    seqBytes.writeBigUInt64BE(BigInt(sequence));
    for (let i = 0; i < 8; i++) nonce[4 + i] ^= seqBytes[i];
    const inner = Uint8Array.of(0x68, 0x69, 23, 0, 0);
    const aad = Uint8Array.of(23, 3, 3, 0, inner.length + 16);
    const cipher = createCipheriv('chacha20-poly1305', keys.key, nonce, { authTagLength: 16 });
    cipher.setAAD(aad, { plaintextLength: inner.length });
    const sealed = cat(cipher.update(inner), cipher.final(), cipher.getAuthTag());
    const opener = new RecordDecrypter(suite, keys, 13);
    opener.sequence = sequence;
    expect(shown(opener.open(23, 0x0303, sealed))).toEqual({ type: 23, content: '6869' });
  });
});

describe('TlsRecordReader and HandshakeReader', () => {
  const stream = cat(...RFC8448.records.server.map(hex));

  it('gives the same records for every split of a stream into two pushes', () => {
    const whole = new TlsRecordReader().push(stream).map((r) => [r.type, r.offset, toHex(r.fragment)]);
    expect(whole.length).toBe(5);
    for (let cut = 0; cut <= stream.length; cut++) {
      const reader = new TlsRecordReader();
      const records = [...reader.push(stream.subarray(0, cut)), ...reader.push(stream.subarray(cut))];
      expect(records.map((r) => [r.type, r.offset, toHex(r.fragment)])).toEqual(whole);
      expect(reader.pending).toBe(0);
    }
  });

  it('gives the same records in one-byte pushes', () => {
    const reader = new TlsRecordReader();
    const records = Array.from(stream, (byte) => reader.push(Uint8Array.of(byte))).flat();
    expect(records.map((r) => r.offset)).toEqual([0, 95, 774, 1001, 1073]);
  });

  it('fails on bytes that are not a record header, and stays failed', () => {
    const reader = new TlsRecordReader();
    expect(() => reader.push(new TextEncoder().encode('GET / HTTP/1.1\r\n'))).toThrow(new TlsFormatError('bytes 47 45 54 at offset 0 are not a TLS record header'));
    expect(() => reader.push(Uint8Array.of(0x17, 3, 3, 0, 1, 0))).toThrow(TlsFormatError);
  });

  it('refuses a record longer than 2^14 + 2048 bytes before buffering it', () => {
    expect(() => new TlsRecordReader().push(Uint8Array.of(0x17, 3, 3, 0x48, 0x01))).toThrow('a TLS record at offset 0 claims 18433 bytes (at most 18432)');
  });

  it('reassembles handshake messages across records and splits several in one record', () => {
    const reader = new HandshakeReader();
    expect(reader.push(Uint8Array.of(8, 0, 0, 2, 0xaa))).toEqual([]);
    expect(reader.push(Uint8Array.of(0xbb, 20, 0, 0, 1, 0xcc, 24))).toEqual([
      { type: 8, body: Uint8Array.of(0xaa, 0xbb) }, { type: 20, body: Uint8Array.of(0xcc) },
    ]);
    expect(reader.pending).toBe(1);
  });

  it('parses RFC 8448\'s hellos: random, suite, supported_versions', () => {
    const clientHello = hex(RFC8448.records.client[0]).subarray(9);
    expect(toHex(parseClientHello(clientHello).random)).toBe(RFC8448.clientRandom);
    const serverHello = parseServerHello(hex(RFC8448.records.server[0]).subarray(9));
    expect({ ...serverHello, random: toHex(serverHello.random) }).toEqual({
      random: RFC8448.serverRandom, cipherSuite: 0x1301, version: 0x0304, alpn: undefined, helloRetryRequest: false,
    });
  });

  it('reports a cut-short ClientHello as a TlsFormatError', () => {
    const clientHello = hex(RFC8448.records.client[0]).subarray(9);
    for (const length of [0, 10, 40, 60]) expect(() => parseClientHello(clientHello.subarray(0, length))).toThrow(new TlsFormatError('a ClientHello is cut short'));
  });
});

describe('KeyLog (NSS key log format)', () => {
  it('reads the five labels, skips comments, exporters and RSA lines, counts malformed lines', () => {
    const log = new KeyLog();
    const random = 'AB'.repeat(32);
    const result = log.addText([
      '# SSL/TLS secrets log file, generated by NSS',
      `CLIENT_RANDOM ${random} ${'01'.repeat(48)}`,
      `SERVER_HANDSHAKE_TRAFFIC_SECRET ${random} ${'02'.repeat(32)}`,
      `EXPORTER_SECRET ${random} ${'03'.repeat(32)}`,
      `RSA ${'04'.repeat(8)} ${'05'.repeat(48)}`,
      `CLIENT_RANDOM ${random} ${'01'.repeat(47)}`,
      `CLIENT_RANDOM ${random.slice(2)} ${'01'.repeat(48)}`,
      `CLIENT_TRAFFIC_SECRET_0 ${random} ${'0g'.repeat(32)}`,
      'garbage',
      '',
    ].join('\r\n'));
    expect(result).toEqual({ secrets: 2, malformed: 4 });
    const secrets = log.find(hex(random.toLowerCase()))!;
    expect(Object.keys(secrets).sort()).toEqual(['CLIENT_RANDOM', 'SERVER_HANDSHAKE_TRAFFIC_SECRET']);
    expect(log.find(new Uint8Array(32))).toBeUndefined();
  });
});

describe('TlsDecryptor on RFC 8448 §3', () => {
  it("gives each side's application data, and the suite", () => {
    const result = decrypt(rfc8448Events(), rfc8448KeyLog());
    expect(result.notes).toEqual([]);
    expect([...result.client]).toEqual(RFC8448.applicationData);
    expect([...result.server]).toEqual(RFC8448.applicationData);
    expect(result.info).toEqual({ version: 'TLS 1.3', suite: 'TLS_AES_128_GCM_SHA256', alpn: null });
    expect(result.passed.map((e) => e.type)).toEqual(['open', 'data', 'data', 'close', 'close']);
  });

  it('gives the same bytes however the TCP stream is cut into segments', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 20 }), (sizes) => {
      let index = 0;
      const split = (_: string, bytes: Uint8Array) => {
        const parts: Uint8Array[] = [];
        for (let at = 0; at < bytes.length;) {
          const size = sizes[index++ % sizes.length];
          parts.push(bytes.subarray(at, at + size));
          at += size;
        }
        return parts;
      };
      const result = decrypt(rfc8448Events(split), rfc8448KeyLog());
      expect(result.notes).toEqual([]);
      expect([...result.client]).toEqual(RFC8448.applicationData);
      expect([...result.server]).toEqual(RFC8448.applicationData);
    }), { numRuns: 50 });
  });

  it('missing key: one note naming the client random, and nothing passed on', () => {
    const result = decrypt(rfc8448Events(), `CLIENT_RANDOM ${'00'.repeat(32)} ${'00'.repeat(48)}\n`);
    expect(result.notes).toEqual([`TLS 1.3 TLS_AES_128_GCM_SHA256: no key for this client random (${RFC8448.clientRandom}) in the key log`]);
    expect(result.passed.filter((e) => e.type === 'data')).toEqual([]);
  });

  it('no key log at all: one note saying how to give one', () => {
    expect(decrypt(rfc8448Events(), '').notes).toEqual([
      "TLS 1.3 TLS_AES_128_GCM_SHA256: no key log to decrypt it with: give the client's key log (NSS format, as SSLKEYLOGFILE makes browsers, curl and Node write) with --keylog FILE or SSLKEYLOGFILE",
    ]);
  });

  it('wrong key: the first record does not authenticate; one note, nothing passed on', () => {
    const result = decrypt(rfc8448Events(), rfc8448KeyLog({ SERVER_HANDSHAKE_TRAFFIC_SECRET: RFC8448.secrets.CLIENT_HANDSHAKE_TRAFFIC_SECRET }));
    expect(result.notes).toEqual(['TLS 1.3 TLS_AES_128_GCM_SHA256: the key (SERVER_HANDSHAKE_TRAFFIC_SECRET) does not authenticate the first record from the server: wrong key or truncated capture']);
    expect(result.passed.filter((e) => e.type === 'data')).toEqual([]);
  });

  it('a wrong application secret fails at the first record under it, never decodes garbage', () => {
    const result = decrypt(rfc8448Events(), rfc8448KeyLog({ CLIENT_TRAFFIC_SECRET_0: RFC8448.secrets.SERVER_TRAFFIC_SECRET_0 }));
    expect(result.notes).toEqual(['TLS 1.3 TLS_AES_128_GCM_SHA256: the key (CLIENT_TRAFFIC_SECRET_0) does not authenticate the first record from the client: wrong key or truncated capture']);
    expect([...result.server]).toEqual([]);
    expect([...result.client]).toEqual([]);
  });

  it('a missing traffic secret line is named', () => {
    const log = rfc8448KeyLog().split('\n').filter((line) => !line.startsWith('SERVER_TRAFFIC_SECRET_0')).join('\n');
    expect(decrypt(rfc8448Events(), log).notes).toEqual([`TLS 1.3 TLS_AES_128_GCM_SHA256: the key log has no SERVER_TRAFFIC_SECRET_0 line for this client random (${RFC8448.clientRandom})`]);
  });

  it('a damaged later record stops the connection with its number and offset', () => {
    const events = rfc8448Events();
    const last = events.findLast((e) => e.type === 'data' && e.from === 'server') as Extract<TcpEvent, { type: 'data' }>;
    last.data = last.data.slice();
    last.data[250] ^= 0x80;
    const result = decrypt(events, rfc8448KeyLog());
    expect(result.notes).toEqual(['TLS 1.3 TLS_AES_128_GCM_SHA256: record 3 from the server (stream offset 1001) does not authenticate: the capture is damaged; decryption of this connection stops']);
  });

  it('truncated capture (it ends inside a record): a note with the bytes held, after what was decrypted', () => {
    const events = rfc8448Events().filter((e) => !(e.type === 'data' && e.from === 'server' && e.offset > 0));
    events.splice(events.length - 2, 0, { type: 'data', stream: 0, from: 'server', time: 9, offset: 1073, data: hex(RFC8448.records.server[2]).subarray(0, 100) });
    const result = decrypt(events, rfc8448KeyLog());
    expect(result.notes).toEqual(['the capture ends inside a TLS record from the server (100 of 227 bytes): the rest of that direction is missing']);
    expect([...result.client]).toEqual(RFC8448.applicationData);
  });

  it('a gap stops the direction and passes the gap on at the plaintext offset', () => {
    const events = rfc8448Events();
    const at = events.findLastIndex((e) => e.type === 'data' && e.from === 'server');
    events.splice(at, 0, { type: 'gap', stream: 0, from: 'server', time: 5, offset: 774, bytes: 1460 });
    const result = decrypt(events, rfc8448KeyLog());
    expect(result.passed.filter((e) => e.type === 'gap')).toEqual([{ type: 'gap', stream: 0, from: 'server', time: 5, offset: 0, bytes: 1460 }]);
    expect([...result.server]).toEqual([]);
    expect([...result.client]).toEqual(RFC8448.applicationData);
  });

  it('a capture that starts mid-connection: one note, no key can be looked up', () => {
    const events = rfc8448Events().filter((e) => !(e.type === 'data' && e.offset === 0));
    expect(decrypt(events, rfc8448KeyLog()).notes).toEqual(['TLS: no ClientHello in the capture (it started mid-connection), so no client random to find the key by']);
  });

  it('passes a plain stream through untouched', () => {
    const data = new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n');
    const events = sessionEvents({ chunks: [{ from: 'client', data }] });
    expect(decrypt(events, '').passed).toEqual(events);
  });

  it('copies the first bytes it holds while TLS or not is undecided: the caller may reuse their memory', () => {
    // 0x16 0x03 could start a TLS record: held until the third byte, 0x09, says it does not.
    const decryptor = new TlsDecryptor({ keyLog: new KeyLog() });
    const open: TcpEvent = { type: 'open', stream: 0, client: '10.0.0.1:5000', server: '10.0.0.2:443', time: 1, handshakeSeen: true };
    const reused = Uint8Array.of(0x16, 0x03);
    const passed = [...decryptor.handle(open), ...decryptor.handle({ type: 'data', stream: 0, from: 'client', time: 2, data: reused, offset: 0 })];
    reused.fill(0xee);
    passed.push(...decryptor.handle({ type: 'data', stream: 0, from: 'client', time: 3, data: Uint8Array.of(0x09), offset: 2 }));
    expect(passed.map((event) => (event.type === 'data' ? [...event.data] : event.type))).toEqual(['open', [0x16, 0x03], [0x09]]);
  });

  it('follows a KeyUpdate (RFC 8446 §4.6.3): records after it open under the next secret', () => {
    const suite = AES_128_GCM_SHA256;
    const seal = (secret: Uint8Array, sequence: number, inner: Uint8Array) => {
      const { key, iv } = deriveTls13Keys(suite, secret);
      const nonce = iv.slice();
      nonce[11] ^= sequence;
      const header = Uint8Array.of(23, 3, 3, 0, inner.length + 16);
      const cipher = createCipheriv('aes-128-gcm', key, nonce, { authTagLength: 16 });
      cipher.setAAD(header);
      return cat(header, cipher.update(inner), cipher.final(), cipher.getAuthTag());
    };
    const keyUpdate = seal(hex(RFC8448.secrets.CLIENT_TRAFFIC_SECRET_0), 1, Uint8Array.of(24, 0, 0, 1, 0, 22));
    const after = seal(hex(CLIENT_TRAFFIC_SECRET_1), 0, Uint8Array.of(0x41, 0x42, 23));
    const events = rfc8448Events();
    const clientData = events.find((e) => e.type === 'data' && e.from === 'client' && e.offset > 0) as Extract<TcpEvent, { type: 'data' }>;
    // Finished, application data (sequence 0), then KeyUpdate (1) and data under the next secret.
    clientData.data = cat(hex(RFC8448.records.client[1]), hex(RFC8448.records.client[2]), keyUpdate, after);
    const result = decrypt(events, rfc8448KeyLog());
    expect(result.notes).toEqual([]);
    expect([...result.client]).toEqual([...RFC8448.applicationData, 0x41, 0x42]);
  });
});

/** Bytes 0, 1, … 255, 0, … of `length`, and text: the messages of the node:tls sessions. */
const MESSAGES = [new TextEncoder().encode('hello, tls'), Uint8Array.from({ length: 40000 }, (_, i) => 0x61 + (i % 26))];
const upper = (bytes: Uint8Array) => new TextEncoder().encode(new TextDecoder().decode(bytes).toUpperCase());

describe('TlsDecryptor on real node:tls sessions (OpenSSL) with the client\'s key log', () => {
  const cases: { version: 'TLSv1.2' | 'TLSv1.3'; suite: string; openssl: string; certificate: 'ecdsa' | 'rsa' }[] = [
    { version: 'TLSv1.3', suite: 'TLS_AES_128_GCM_SHA256', openssl: 'TLS_AES_128_GCM_SHA256', certificate: 'ecdsa' },
    { version: 'TLSv1.3', suite: 'TLS_AES_256_GCM_SHA384', openssl: 'TLS_AES_256_GCM_SHA384', certificate: 'rsa' },
    { version: 'TLSv1.3', suite: 'TLS_CHACHA20_POLY1305_SHA256', openssl: 'TLS_CHACHA20_POLY1305_SHA256', certificate: 'ecdsa' },
    { version: 'TLSv1.2', suite: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', openssl: 'ECDHE-ECDSA-AES128-GCM-SHA256', certificate: 'ecdsa' },
    { version: 'TLSv1.2', suite: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', openssl: 'ECDHE-RSA-AES256-GCM-SHA384', certificate: 'rsa' },
    { version: 'TLSv1.2', suite: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', openssl: 'ECDHE-RSA-CHACHA20-POLY1305', certificate: 'rsa' },
    { version: 'TLSv1.2', suite: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', openssl: 'ECDHE-ECDSA-CHACHA20-POLY1305', certificate: 'ecdsa' },
  ];
  for (const { version, suite, openssl, certificate } of cases) {
    it(`${version} ${suite}: every byte each side sent`, async () => {
      const client = version === 'TLSv1.3'
        ? { maxVersion: version, minVersion: version, ciphers: openssl, ALPNProtocols: ['http/1.1'] }
        : { maxVersion: version, ciphers: openssl, ALPNProtocols: ['http/1.1'] };
      const session = await recordTlsSession(MESSAGES, { certificate, client, server: { ALPNProtocols: ['http/1.1'] } });
      expect(session.cipher.standardName).toBe(suite);
      const result = decrypt(sessionEvents(session), session.keyLog);
      expect(result.notes).toEqual([]);
      expect(toHex(result.client)).toBe(toHex(cat(...MESSAGES)));
      expect(toHex(result.server)).toBe(toHex(upper(cat(...MESSAGES))));
      expect(result.info).toEqual({ version: version === 'TLSv1.3' ? 'TLS 1.3' : 'TLS 1.2', suite, alpn: 'http/1.1' });
    });
  }

  it('TLS 1.2 wrong master secret: the first record (the client Finished) does not authenticate', async () => {
    const session = await recordTlsSession(MESSAGES.slice(0, 1), { client: { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' } });
    const wrong = session.keyLog.replace(/^(CLIENT_RANDOM \S+ )(..)/m, (_, start: string, first: string) => `${start}${first === '00' ? '01' : '00'}`);
    expect(decrypt(sessionEvents(session), wrong).notes).toEqual([
      'TLS 1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: the key (CLIENT_RANDOM) does not authenticate the first record from the client: wrong key or truncated capture',
    ]);
  });

  it('ALPN h2: reported as HTTP/2, not decoded', async () => {
    const session = await recordTlsSession(MESSAGES.slice(0, 1), { client: { ALPNProtocols: ['h2'] }, server: { ALPNProtocols: ['h2'] } });
    const result = decrypt(sessionEvents(session), session.keyLog);
    expect(result.kinds).toEqual(['http2']);
    expect(result.notes).toEqual(['TLS 1.3 TLS_AES_256_GCM_SHA384: ALPN h2: HTTP/2, whose WebSockets (RFC 8441) wsframe does not decode']);
    expect(result.info).toMatchObject({ alpn: 'h2' });
  });

  it('a TLS 1.2 suite that is not AEAD is named and skipped', async () => {
    const session = await recordTlsSession(MESSAGES.slice(0, 1), { client: { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA256' } });
    expect(decrypt(sessionEvents(session), session.keyLog).notes).toEqual(['TLS 1.2 cipher suite 0xc023: not decrypted (wsframe decrypts the AES-GCM and ChaCha20-Poly1305 suites)']);
  });
});
