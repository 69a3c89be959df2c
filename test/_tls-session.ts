/**
 * A real TLS session between `node:tls` peers on loopback, recorded byte for byte by a TCP relay
 * between them, with the client's key log (`tlsSocket.on('keylog')`): TLS 1.2 and 1.3 vectors for
 * the CLI's decryption made by OpenSSL, not by the code under test. Node only.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createConnection, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { connect, createServer, type ConnectionOptions, type TlsOptions } from 'node:tls';
import type { TcpEvent } from '../src/capture/tcp.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/tls/${name}`, import.meta.url));

/** The test-only certificates of test/fixtures/tls (self-signed, CN=localhost). */
export const CERTIFICATES = {
  ecdsa: { key: fixture('ecdsa-key.pem'), cert: fixture('ecdsa-cert.pem') },
  rsa: { key: fixture('rsa-key.pem'), cert: fixture('rsa-cert.pem') },
};

export interface RecordedSession {
  /** What went over TCP, in order, each chunk tagged with its sender. */
  chunks: { from: 'client' | 'server'; data: Uint8Array }[];
  /** The client's NSS key log lines. */
  keyLog: string;
  /** The cipher suite and version the client saw. */
  cipher: { name: string; standardName: string; version: string };
  alpn: string | false;
}

/**
 * Runs one TLS connection: the client sends each of `messages` and waits for the server's echo
 * (the server echoes everything, uppercased so the two directions differ), then both close.
 */
export async function recordTlsSession(
  messages: Uint8Array[],
  options: { server?: TlsOptions; client?: ConnectionOptions; certificate?: keyof typeof CERTIFICATES } = {},
): Promise<RecordedSession> {
  const server = createServer({ ...CERTIFICATES[options.certificate ?? 'ecdsa'], ...options.server }, (socket) => {
    socket.on('data', (data: Buffer) => socket.write(Buffer.from(data.toString('latin1').toUpperCase(), 'latin1')));
    socket.on('end', () => socket.end());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const chunks: RecordedSession['chunks'] = [];
  const relay = createTcpServer((inbound: Socket) => {
    const outbound = createConnection((server.address() as AddressInfo).port, '127.0.0.1');
    inbound.on('data', (data: Buffer) => {
      chunks.push({ from: 'client', data: new Uint8Array(data) });
      outbound.write(data);
    });
    outbound.on('data', (data: Buffer) => {
      chunks.push({ from: 'server', data: new Uint8Array(data) });
      inbound.write(data);
    });
    inbound.on('end', () => outbound.end());
    outbound.on('end', () => inbound.end());
  });
  relay.listen(0, '127.0.0.1');
  await once(relay, 'listening');
  let keyLog = '';
  const client = connect({
    port: (relay.address() as AddressInfo).port, host: '127.0.0.1', ca: [CERTIFICATES.ecdsa.cert, CERTIFICATES.rsa.cert],
    servername: 'localhost', ...options.client,
  });
  client.on('keylog', (line: Buffer) => (keyLog += line.toString('latin1')));
  await once(client, 'secureConnect');
  const cipher = client.getCipher();
  const alpn = client.alpnProtocol ?? false;
  for (const message of messages) {
    client.write(message);
    let received = 0;
    while (received < message.length) received += ((await once(client, 'data'))[0] as Buffer).length;
  }
  client.end();
  await once(client, 'close');
  server.close();
  relay.close();
  return { chunks, keyLog, cipher: { name: cipher.name, standardName: cipher.standardName, version: cipher.version }, alpn };
}

/** The recorded session as the TCP reassembler would report it (stream 0). */
export function sessionEvents(session: Pick<RecordedSession, 'chunks'>): TcpEvent[] {
  const offsets = { client: 0, server: 0 };
  const events: TcpEvent[] = [{ type: 'open', stream: 0, client: '127.0.0.1:50000', server: '127.0.0.1:443', time: 0, handshakeSeen: true }];
  session.chunks.forEach(({ from, data }, i) => {
    events.push({ type: 'data', stream: 0, from, time: i, data, offset: offsets[from] });
    offsets[from] += data.length;
  });
  for (const from of ['client', 'server'] as const) events.push({ type: 'close', stream: 0, from, time: session.chunks.length, reason: 'fin' });
  return events;
}
