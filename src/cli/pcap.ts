/**
 * `wsframe pcap`: finds WebSocket connections in a capture and decodes both directions. The
 * capture is streamed: packets → TCP reassembly per direction → the HTTP Upgrade handshake →
 * one {@link StreamAnalyzer} per direction (client frames must be masked, server frames must
 * not). Memory is bounded by the largest message and the reassembly window, not by the file.
 */

import {
  HandshakeError, HttpHeadReader, PerMessageDeflate, computeAcceptKey, parseClientHandshake, parseExtensions,
  validateServerHandshake, type ClientHandshake, type HttpHeadResult, type MessageExtension,
} from '../index.ts';
import { parseHead } from '../handshake/_http.ts';
import { StreamAnalyzer, type Direction, type StreamRecord } from './analyze.ts';
import { readCapture, type CapturedPacket, type CaptureStats } from './capture.ts';
import { createPacketCounts, decodeTcpPacket } from './packet.ts';
import { TcpReassembler, type TcpEvent } from './tcp.ts';

/** The connection record of the `--format ndjson` contract (DESIGN.md). */
export interface ConnectionRecord {
  type: 'connection';
  stream: number;
  client: string;
  server: string;
  time: number;
  resource: string;
  protocol: string | null;
  extensions: string | null;
  acceptValid: boolean;
  /** HTTP status of the response: 101 when the connection was upgraded. */
  status: number;
  /** Why the response is not a valid handshake for the request, when it is not. */
  handshakeError?: { code: string; message: string };
}

/** A stretch of one direction that the capture lacks: decoding of that direction stops. */
export interface GapRecord {
  type: 'gap';
  offset: number;
  bytes: number;
}

export type PcapRecord =
  | ConnectionRecord
  | ((StreamRecord | GapRecord) & { stream: number; from: Direction; time: number });

/** Makes permessage-deflate (or other) extensions for a negotiated Sec-WebSocket-Extensions value. */
export type ExtensionFactory = (negotiated: string, direction: Direction) => MessageExtension[];

export interface PcapOptions {
  maxMessageLength?: number;
  extensionsFor?: ExtensionFactory;
}

const GET = [0x47, 0x45, 0x54, 0x20];

/**
 * permessage-deflate as the handshake negotiated it, for reading one direction: the client's
 * messages are inflated as the server inflates them (client window and context takeover), the
 * server's as the client does. An unusable response gives no extension: RSV1 frames then fail.
 */
export const negotiatedExtensions: ExtensionFactory = (negotiated, direction) => {
  let client: PerMessageDeflate | undefined;
  try {
    client = PerMessageDeflate.fromResponse(parseExtensions(negotiated));
  } catch {
    return [];
  }
  if (client === undefined) return [];
  return [direction === 'server' ? client : new PerMessageDeflate({ role: 'server', params: client.params })];
};

interface Connection {
  stream: number;
  client: string;
  server: string;
  time: number;
  state: 'request' | 'response' | 'websocket' | 'ignored';
  requestReader: HttpHeadReader;
  requestStarted: boolean;
  responseReader: HttpHeadReader;
  request: ClientHandshake | undefined;
  // Client bytes after its request but before the server's answer (pipelined frames).
  clientBacklog: { time: number; data: Uint8Array }[];
  analyzers: Record<Direction, StreamAnalyzer | undefined>;
  stopped: Record<Direction, boolean>;
}

/** Turns reassembled TCP events into WebSocket records. */
export class WebSocketTracker {
  readonly #connections = new Map<number, Connection>();
  readonly #options: PcapOptions;

  constructor(options: PcapOptions = {}) {
    this.#options = options;
  }

  handle(event: TcpEvent): PcapRecord[] {
    if (event.type === 'open') {
      this.#connections.set(event.stream, {
        stream: event.stream, client: event.client, server: event.server, time: event.time, state: 'request',
        requestReader: new HttpHeadReader(), requestStarted: false, responseReader: new HttpHeadReader(), request: undefined,
        clientBacklog: [], analyzers: { client: undefined, server: undefined }, stopped: { client: false, server: false },
      });
      return [];
    }
    const connection = this.#connections.get(event.stream);
    if (connection === undefined || connection.state === 'ignored') return [];
    const tag = { stream: event.stream, from: event.from, time: event.time };
    if (event.type === 'gap') {
      if (connection.state !== 'websocket') {
        connection.state = 'ignored';
        return [];
      }
      if (connection.stopped[event.from]) return [];
      connection.stopped[event.from] = true;
      return [{ type: 'gap', offset: event.offset, bytes: event.bytes, ...tag }];
    }
    if (event.type === 'close') {
      const analyzer = connection.analyzers[event.from];
      if (analyzer === undefined || connection.stopped[event.from]) return [];
      connection.stopped[event.from] = true;
      return analyzer.end().map((record) => ({ ...record, ...tag }));
    }
    return this.#data(connection, event.from, event.time, event.data);
  }

  #data(connection: Connection, from: Direction, time: number, data: Uint8Array): PcapRecord[] {
    if (connection.state === 'websocket') return this.#frames(connection, from, time, data);
    if (from === 'client') {
      if (connection.state === 'response') {
        connection.clientBacklog.push({ time, data: new Uint8Array(data) });
        return [];
      }
      // Only an HTTP GET can be a WebSocket opening handshake (RFC 6455 §4.1).
      if (!connection.requestStarted && !startsLike(data, GET)) {
        connection.state = 'ignored';
        return [];
      }
      connection.requestStarted = true;
      const result = readHead(connection, connection.requestReader, data);
      if (result === undefined) return [];
      try {
        connection.request = parseClientHandshake(result.head);
      } catch {
        connection.state = 'ignored';
        return [];
      }
      connection.state = 'response';
      if (result.rest.length > 0) connection.clientBacklog.push({ time, data: new Uint8Array(result.rest) });
      return [];
    }
    if (connection.state !== 'response') return [];
    const result = readHead(connection, connection.responseReader, data);
    if (result === undefined) return [];
    const record = this.#connectionRecord(connection, result.head);
    if (record.status !== 101) {
      connection.state = 'ignored';
      return [record];
    }
    connection.state = 'websocket';
    const make = (direction: Direction) => new StreamAnalyzer({
      role: direction === 'client' ? 'server' : 'client',
      maxMessageLength: this.#options.maxMessageLength,
      extensions: record.extensions === null ? [] : (this.#options.extensionsFor ?? negotiatedExtensions)(record.extensions, direction),
    });
    connection.analyzers = { client: make('client'), server: make('server') };
    const records: PcapRecord[] = [record];
    for (const pending of connection.clientBacklog) records.push(...this.#frames(connection, 'client', pending.time, pending.data));
    connection.clientBacklog = [];
    if (result.rest.length > 0) records.push(...this.#frames(connection, 'server', time, result.rest));
    return records;
  }

  #frames(connection: Connection, from: Direction, time: number, data: Uint8Array): PcapRecord[] {
    const analyzer = connection.analyzers[from];
    if (analyzer === undefined || connection.stopped[from]) return [];
    const tag = { stream: connection.stream, from, time };
    return analyzer.push(data).map((record) => ({ ...record, ...tag }));
  }

  #connectionRecord(connection: Connection, head: Uint8Array): ConnectionRecord {
    const request = connection.request!;
    let status = 0;
    let headers = new Map<string, string>();
    try {
      const parsed = parseHead(head, 'server handshake', 'INVALID_STATUS_LINE', new Set());
      headers = parsed.headers;
      status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(parsed.startLine)?.[1] ?? 0);
    } catch {
      // Reported through handshakeError below.
    }
    const record: ConnectionRecord = {
      type: 'connection',
      stream: connection.stream,
      client: connection.client,
      server: connection.server,
      time: connection.time,
      resource: request.resource,
      protocol: headers.get('sec-websocket-protocol') ?? null,
      extensions: headers.get('sec-websocket-extensions') ?? null,
      acceptValid: headers.get('sec-websocket-accept') === computeAcceptKey(request.key),
      status,
    };
    try {
      validateServerHandshake(head, { key: request.key, protocols: request.protocols });
    } catch (error) {
      if (!(error instanceof HandshakeError)) throw error;
      record.handshakeError = { code: error.code, message: error.message };
    }
    return record;
  }
}

/** The head once complete; a head that cannot be read means no WebSocket on this connection. */
function readHead(connection: Connection, reader: HttpHeadReader, data: Uint8Array): HttpHeadResult | undefined {
  try {
    return reader.push(data);
  } catch {
    connection.state = 'ignored';
    return undefined;
  }
}

function startsLike(data: Uint8Array, prefix: readonly number[]): boolean {
  for (let i = 0; i < prefix.length && i < data.length; i++) if (data[i] !== prefix[i]) return false;
  return data.length > 0;
}

/** Streams a capture into records; `emit` gets each record as soon as it is known. */
export async function analyzeCapture(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  emit: (record: PcapRecord) => void,
  options: PcapOptions = {},
): Promise<{ packets: number; stats: CaptureStats | undefined; skipped: number }> {
  const reassembler = new TcpReassembler();
  const tracker = new WebSocketTracker(options);
  const counts = createPacketCounts();
  let packets = 0;
  let skipped = 0;
  const capture = readCapture(source);
  let next = await capture.next();
  for (; next.done !== true; next = await capture.next()) {
    const packet: CapturedPacket = next.value;
    packets++;
    const segment = decodeTcpPacket(packet.linkType, packet.data, counts);
    if (segment === undefined) {
      skipped++;
      continue;
    }
    for (const event of reassembler.push(segment, packet.time)) for (const record of tracker.handle(event)) emit(record);
  }
  for (const event of reassembler.end()) for (const record of tracker.handle(event)) emit(record);
  return { packets, stats: next.value, skipped };
}
