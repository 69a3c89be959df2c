/**
 * Helpers for the connection engine's tests: a valid client request, connections opened in
 * memory, and a pump that moves bytes between two of them until nothing moves.
 */
import { expect } from 'vitest';
import {
  ClientConnection,
  ServerConnection,
  type ClientConnectionOptions,
  type Connection,
  type ConnectionEvent,
  type ServerConnectionOptions,
} from '../src/index.ts';
import { concatBytes } from '../src/bytes/_bytes.ts';

export const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
export const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';
export const encoder = new TextEncoder();
export const latin1 = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
export const textOf = (bytes: Uint8Array): string => String.fromCharCode(...bytes);

/** A valid client request head, with extra header lines. */
export function requestHead(extra: string[] = [], target = '/chat'): string {
  return [
    `GET ${target} HTTP/1.1`, 'Host: example.com', 'Upgrade: websocket', 'Connection: Upgrade',
    `Sec-WebSocket-Key: ${KEY}`, 'Sec-WebSocket-Version: 13', ...extra, '', '',
  ].join('\r\n');
}

/** The 101 answer to {@link requestHead}, with extra header lines. */
export function responseHead(extra: string[] = []): string {
  return [
    'HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${ACCEPT}`, ...extra, '', '',
  ].join('\r\n');
}

/** A fixed masking-key source (deterministic output); tests only. */
export const fixedRandom = (bytes: Uint8Array): Uint8Array => bytes.fill(0x5a);

/** All bytes taken from a connection's output, in one array. */
export function outputOf(connection: Connection): Uint8Array {
  const chunks = connection.takeOutput();
  return concatBytes(chunks, chunks.reduce((n, c) => n + c.length, 0));
}

/** A server that has accepted {@link requestHead}; its 101 and events taken. Clock at 0. */
export function openServer(options: ServerConnectionOptions = {}, extra: string[] = []): ServerConnection {
  const server = new ServerConnection(options);
  server.handleDeadline(0);
  server.receive(latin1(requestHead(extra)));
  expect(server.events().map((e) => e.type)).toEqual(['request']);
  server.accept();
  expect(textOf(outputOf(server))).toMatch(/^HTTP\/1\.1 101 /);
  expect(server.events().map((e) => e.type)).toEqual(['open']);
  return server;
}

/** A client that has received {@link responseHead}; its request and events taken. Clock at 0. */
export function openClient(options: Partial<ClientConnectionOptions> = {}): ClientConnection {
  const client = new ClientConnection({ url: 'ws://example.com/chat', key: KEY, random: fixedRandom, ...options });
  client.handleDeadline(0);
  expect(textOf(outputOf(client))).toMatch(/^GET \/chat HTTP\/1\.1\r\n/);
  client.receive(latin1(responseHead()));
  expect(client.events().map((e) => e.type)).toEqual(['open']);
  return client;
}

/**
 * Moves each side's output to the other until neither writes; `split` chooses how a chunk is
 * cut before it is received (default: whole). Returns the events each side produced.
 */
export function pump(
  a: Connection,
  b: Connection,
  split: (bytes: Uint8Array) => Uint8Array[] = (bytes) => [bytes],
): { a: ConnectionEvent[]; b: ConnectionEvent[] } {
  const events = { a: [] as ConnectionEvent[], b: [] as ConnectionEvent[] };
  for (let round = 0; round < 1000; round++) {
    const fromA = outputOf(a);
    const fromB = outputOf(b);
    if (fromA.length === 0 && fromB.length === 0) break;
    for (const piece of split(fromA)) b.receive(piece);
    for (const piece of split(fromB)) a.receive(piece);
    events.a.push(...a.events());
    events.b.push(...b.events());
  }
  events.a.push(...a.events());
  events.b.push(...b.events());
  return events;
}

/** The close event among `events`, asserting it is the last and the only one. */
export function closeEventOf(events: readonly ConnectionEvent[]): Extract<ConnectionEvent, { type: 'close' }> {
  const closes = events.filter((e) => e.type === 'close');
  expect(closes.length).toBe(1);
  expect(events[events.length - 1]).toBe(closes[0]);
  return closes[0] as Extract<ConnectionEvent, { type: 'close' }>;
}
