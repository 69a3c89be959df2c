/**
 * WebSocket connections in reassembled TCP: the HTTP Upgrade handshake, then one
 * {@link StreamAnalyzer} per direction (client frames must be masked, server frames must not).
 * Portable (no `node:` import): the CLI's `pcap` command and the learner's page both use it.
 */

import {
  HandshakeError, HttpHeadReader, decodeHeader, PerMessageDeflate, computeAcceptKey, parseClientHandshake, parseExtensions,
  validateServerHandshake, type ClientHandshake, type HttpHeadResult, type MessageExtension,
} from '../index.ts';
import { parseHead } from '../handshake/_http.ts';
import { copyBytes } from '../bytes/_bytes.ts';
import { StreamAnalyzer, type AnalyzerOptions, type Direction, type StreamRecord } from './analyze.ts';
import { PayloadBuffers } from './_payload-buffers.ts';
import { ResyncingAnalyzer, type LostRecord, type ResyncRecord } from './resync.ts';
import type { TcpEvent } from './tcp.ts';

/** What a decrypted connection negotiated: the connection record's `tls` field. */
export interface TlsInfo {
  /** `'TLS 1.3'` or `'TLS 1.2'`. */
  version: string;
  /** The IANA name of the cipher suite. */
  suite: string;
  /** The ALPN protocol the server chose (`'http/1.1'`, `'h2'`), or `null` without ALPN. */
  alpn: string | null;
}

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
  /** A wss:// connection decrypted with a key log: its TLS version, cipher suite and ALPN protocol. */
  tls?: TlsInfo;
  /** Wireshark's frame number (from 1) of the packet that completed the 101 response head. */
  'frame.number'?: number;
  /**
   * Set on a connection decoded without its handshake (`--decode-as`): the target it matched.
   * `resource` is then `''`, `status` 0, `acceptValid` false, `extensions` what `--extensions` gave.
   */
  decodeAs?: string;
}

/**
 * A stretch of one direction that the capture lacks, at `offset` in the direction's WebSocket
 * bytes. What it cut is reported as `lost`; decoding goes on where a `resync` record says.
 */
export interface GapRecord {
  type: 'gap';
  offset: number;
  bytes: number;
}

/**
 * Where a record of one direction belongs. `frame.number` is Wireshark's frame number (from 1,
 * every packet of the file counted) of the packet that completed it: the one holding a frame's or
 * message's last byte, once the bytes before it had arrived. Absent when no packet caused it (the
 * capture's end).
 */
export interface RecordTag {
  stream: number;
  from: Direction;
  time: number;
  'frame.number'?: number;
}

export type PcapRecord =
  | ConnectionRecord
  | ((StreamRecord | GapRecord | LostRecord | ResyncRecord) & RecordTag);

/** A `--decode-as [host:]port` target: connections with this endpoint are WebSocket, it is the server. */
export interface DecodeAsTarget {
  host?: string;
  port: number;
}

/** Makes permessage-deflate (or other) extensions for a negotiated Sec-WebSocket-Extensions value. */
export type ExtensionFactory = (negotiated: string, direction: Direction) => MessageExtension[];

export interface WebSocketTrackerOptions {
  maxMessageLength?: number;
  /** Most payload bytes shown in a frame or message record (`--max-payload`); lengths stay whole. */
  maxShownPayload?: number;
  /**
   * Large binary payloads' `base64` deferred, as {@link AnalyzerOptions.deferBase64} says: the
   * payload is read when `base64` is, so handle the records of an event before the next event.
   */
  deferBase64?: boolean;
  extensionsFor?: ExtensionFactory;
  /**
   * Most client bytes kept after an upgrade request while its answer has not been seen (default
   * 1 MiB): pipelined frames wait there for the 101. Past it the stream is reported as not a
   * WebSocket (a note) and dropped.
   */
  maxBacklogBytes?: number;
  /**
   * Gets the WebSocket bytes of each direction as they are analysed, after the handshake: the
   * records' `offset`s count from the first of them. A view: copy what you keep.
   */
  onBytes?: (stream: number, from: Direction, data: Uint8Array) => void;
  /** Gets a note for each TCP stream with payload that is not decoded as WebSocket, saying why. */
  onNote?: (note: StreamNote) => void;
  /**
   * Connections to decode without a handshake (Wireshark's decode-as): the endpoint that matches is
   * the server. Frame boundaries are found by the scan of `resync.ts`.
   */
  decodeAs?: readonly DecodeAsTarget[];
  /**
   * The Sec-WebSocket-Extensions answer to assume for `decodeAs` connections; without it,
   * compressed messages are reported as `kind: 'compressed'` (not inflated).
   */
  decodeAsExtensions?: string;
}

/** What a TCP stream that was not decoded looked like. */
export type StreamNoteKind =
  | 'tls' | 'http2' | 'http' | 'websocket-frames' | 'not-http'
  | 'unanswered' | 'backlog' | 'gap' | 'incomplete-request';

/** Why a TCP stream with payload was not decoded as WebSocket, and what to do about it. */
export interface StreamNote {
  stream: number;
  client: string;
  server: string;
  kind: StreamNoteKind;
  /** One sentence for a person, naming the option or tool to use where there is one. */
  message: string;
}

const GET = [0x47, 0x45, 0x54, 0x20];
const HTTP2_PREFACE = [...'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'].map((c) => c.charCodeAt(0));
const HTTP_RESPONSE = [...'HTTP/1.'].map((c) => c.charCodeAt(0));
const HTTP_REQUEST_START = /^(?:GET|HEAD|POST|PUT|DELETE|OPTIONS|PATCH|CONNECT|TRACE) [\x21-\x7e]/;
const DEFAULT_MAX_BACKLOG_BYTES = 1024 * 1024;
// RFC 8446 §5.1: a TLS record starts with its content type (22: handshake) and version 3.x.
const TLS_HANDSHAKE = 0x16;
const TLS_MAJOR_VERSION = 0x03;

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
  handshakeSeen: boolean;
  state: 'request' | 'response' | 'websocket';
  /** Created on the first client byte: a connection that never speaks costs only this record. */
  requestReader: HttpHeadReader | undefined;
  responseReader: HttpHeadReader | undefined;
  request: ClientHandshake | undefined;
  // Client bytes after its request but before the server's answer (pipelined frames).
  clientBacklog: { time: number; data: Uint8Array; packet: number | undefined }[];
  backlogBytes: number;
  /** The first bytes seen in each direction, to say what a stream that is not WebSocket looks like. */
  firstBytes: Record<Direction, Uint8Array | undefined>;
  analyzers: Record<Direction, ResyncingAnalyzer | undefined>;
  stopped: Record<Direction, boolean>;
  closed: number;
  /** The `--decode-as` target this connection matched. */
  decodeAs?: string;
  /** The reassembler's client is the `--decode-as` server: directions are swapped. */
  swapped?: boolean;
}

/**
 * Turns reassembled TCP events into WebSocket records. A connection's state is dropped as soon as
 * it cannot become a WebSocket one (its first client bytes are not a GET, its upgrade failed,
 * bytes before the handshake are missing, the request went unanswered past `maxBacklogBytes`) or
 * both directions have closed.
 */
export class WebSocketTracker {
  readonly #connections = new Map<number, Connection>();
  readonly #options: WebSocketTrackerOptions;
  readonly #maxBacklogBytes: number;
  // Where every connection's binary messages are assembled: arrays reused across connections.
  readonly #payloadBuffers = new PayloadBuffers();
  // The frame number of the packet whose event is being handled.
  #packet: number | undefined;

  constructor(options: WebSocketTrackerOptions = {}) {
    this.#options = options;
    this.#maxBacklogBytes = options.maxBacklogBytes ?? DEFAULT_MAX_BACKLOG_BYTES;
  }

  /** Connections whose state is held: open ones that may still be, or are, WebSocket. */
  get size(): number {
    return this.#connections.size;
  }

  /**
   * The records an event of the reassembler completes. `packet` is the frame number of the packet
   * that caused it (from 1), for the records' `frame.number`; undefined at the capture's end.
   * Keeps no view of `event.data` once it returns (the records' deferred payloads aside, valid
   * until the next call): the caller may reuse its memory.
   */
  handle(event: TcpEvent, packet?: number): PcapRecord[] {
    // The records of the last event are done with: the arrays their payloads showed are free.
    this.#payloadBuffers.reclaim();
    this.#packet = packet;
    if (event.type === 'open') {
      const target = this.#options.decodeAs === undefined ? undefined : matchDecodeAs(this.#options.decodeAs, event.client, event.server);
      const swapped = target?.side === 'client';
      this.#connections.set(event.stream, {
        decodeAs: target?.name, swapped,
        stream: event.stream, client: swapped ? event.server : event.client, server: swapped ? event.client : event.server, time: event.time,
        handshakeSeen: event.handshakeSeen, state: 'request', requestReader: undefined, responseReader: undefined,
        request: undefined, clientBacklog: [], backlogBytes: 0, firstBytes: { client: undefined, server: undefined },
        analyzers: { client: undefined, server: undefined }, stopped: { client: false, server: false }, closed: 0,
      });
      return [];
    }
    const connection = this.#connections.get(event.stream);
    if (connection === undefined) return [];
    if (connection.swapped === true) event = { ...event, from: event.from === 'client' ? 'server' : 'client' };
    const tag = this.#tag(event.stream, event.from, event.time, packet);
    if (event.type === 'gap') {
      if (connection.state !== 'websocket') {
        this.#drop(connection, 'gap', `${event.bytes} bytes of the ${event.from} side are missing from the capture before the WebSocket handshake completed`);
        return [];
      }
      const analyzer = connection.analyzers[event.from];
      if (connection.stopped[event.from] || analyzer === undefined) return [];
      const gap: PcapRecord = { type: 'gap', offset: analyzer.position, bytes: event.bytes, ...tag };
      return [gap, ...withTag(analyzer.gap(event.bytes), tag)];
    }
    if (event.type === 'close') return this.#close(connection, event.from, tag);
    // A copy (a Buffer's slice would be a view of the caller's memory).
    connection.firstBytes[event.from] ??= copyBytes(event.data, 0, Math.min(event.data.length, HTTP2_PREFACE.length));
    return this.#data(connection, event.from, event.time, event.data);
  }

  #tag(stream: number, from: Direction, time: number, packet: number | undefined): RecordTag {
    return packet === undefined ? { stream, from, time } : { stream, from, time, 'frame.number': packet };
  }

  #close(connection: Connection, from: Direction, tag: RecordTag): PcapRecord[] {
    const analyzer = connection.analyzers[from];
    let records: PcapRecord[] = [];
    if (analyzer !== undefined && !connection.stopped[from]) {
      connection.stopped[from] = true;
      records = withTag(analyzer.end(), tag);
    }
    if (++connection.closed === 2) {
      if (connection.state === 'websocket') this.#connections.delete(connection.stream);
      else this.#dropSilent(connection);
    }
    return records;
  }

  /** Forgets a connection that is not WebSocket and says why, if it carried payload. */
  #dropSilent(connection: Connection): void {
    if (connection.requestReader !== undefined) {
      this.#drop(connection, 'incomplete-request', 'an HTTP GET whose head does not end in the capture');
    } else if (connection.state === 'response') {
      this.#drop(connection, 'unanswered', `the WebSocket upgrade request (GET ${connection.request?.resource}) has no answer in the capture`);
    } else if (connection.firstBytes.client !== undefined || connection.firstBytes.server !== undefined) {
      const [kind, message] = describeStream(connection);
      this.#drop(connection, kind, message);
    } else {
      this.#connections.delete(connection.stream);
    }
  }

  #drop(connection: Connection, kind: StreamNoteKind, message: string): void {
    this.#connections.delete(connection.stream);
    this.#options.onNote?.({ stream: connection.stream, client: connection.client, server: connection.server, kind, message });
  }

  #data(connection: Connection, from: Direction, time: number, data: Uint8Array): PcapRecord[] {
    if (connection.state === 'websocket') return this.#frames(connection, from, time, data, this.#packet);
    if (connection.decodeAs !== undefined && connection.state === 'request' && connection.requestReader === undefined && !(from === 'client' && startsLike(data, GET))) {
      // No handshake in the capture: decoded as WebSocket, as --decode-as says.
      const record: ConnectionRecord = {
        type: 'connection', stream: connection.stream, client: connection.client, server: connection.server, time: connection.time,
        resource: '', protocol: null, extensions: this.#options.decodeAsExtensions ?? null, acceptValid: false, status: 0, decodeAs: connection.decodeAs,
      };
      if (this.#packet !== undefined) record['frame.number'] = this.#packet;
      this.#startWebSocket(connection, record.extensions, true);
      return [record, ...this.#frames(connection, from, time, data, this.#packet)];
    }
    if (from === 'client') {
      if (connection.state === 'response') {
        connection.backlogBytes += data.length;
        if (connection.backlogBytes > this.#maxBacklogBytes) {
          this.#drop(connection, 'backlog', `the client sent over ${this.#maxBacklogBytes} bytes after its upgrade request (GET ${connection.request?.resource}) with no answer from the server: not a WebSocket`);
          return [];
        }
        connection.clientBacklog.push({ time, data: new Uint8Array(data), packet: this.#packet });
        return [];
      }
      // Only an HTTP GET can be a WebSocket opening handshake (RFC 6455 §4.1).
      if (connection.requestReader === undefined) {
        if (!startsLike(data, GET)) {
          const [kind, message] = describeStream(connection);
          this.#drop(connection, kind, message);
          return [];
        }
        connection.requestReader = new HttpHeadReader();
      }
      const result = this.#readHead(connection, connection.requestReader, data);
      if (result === undefined) return [];
      try {
        connection.request = parseClientHandshake(result.head);
      } catch (error) {
        const reason = error instanceof HandshakeError ? `: ${error.message}` : '';
        this.#drop(connection, 'http', `an HTTP request that is not a WebSocket upgrade${reason}`);
        return [];
      }
      connection.requestReader = undefined;
      connection.state = 'response';
      if (result.rest.length > 0) {
        connection.clientBacklog.push({ time, data: new Uint8Array(result.rest), packet: this.#packet });
        connection.backlogBytes += result.rest.length;
      }
      return [];
    }
    if (connection.state !== 'response') {
      // The server spoke first (or alone): nothing a WebSocket client waits for.
      if (connection.requestReader === undefined) {
        const [kind, message] = describeStream(connection);
        this.#drop(connection, kind, message);
      }
      return [];
    }
    connection.responseReader ??= new HttpHeadReader();
    const result = this.#readHead(connection, connection.responseReader, data);
    if (result === undefined) return [];
    connection.responseReader = undefined;
    const record = this.#connectionRecord(connection, result.head);
    if (record.status !== 101) {
      this.#connections.delete(connection.stream);
      return [record];
    }
    this.#startWebSocket(connection, record.extensions, false);
    const records: PcapRecord[] = [record];
    for (const pending of connection.clientBacklog) records.push(...this.#frames(connection, 'client', pending.time, pending.data, pending.packet));
    connection.clientBacklog = [];
    if (result.rest.length > 0) records.push(...this.#frames(connection, 'server', time, result.rest, this.#packet));
    return records;
  }

  /**
   * Both directions decoded from here on, through analyzers that survive gaps. `scanFirst`: the
   * frame boundaries are not known yet (no handshake). After a gap, or without a handshake and
   * without extensions, compressed messages whose window may be lost are not inflated.
   */
  #startWebSocket(connection: Connection, extensions: string | null, scanFirst: boolean): void {
    connection.state = 'websocket';
    const make = (direction: Direction) => {
      const role = direction === 'client' ? 'server' : 'client';
      const extensionsFor = () => extensions === null ? [] : (this.#options.extensionsFor ?? negotiatedExtensions)(extensions, direction);
      const maxMessageLength = this.#options.maxMessageLength;
      return new ResyncingAnalyzer({
        scanFirst,
        chain: { role, rsv1: scanFirst || extensionsFor().some((e) => e.rsv.rsv1 === true), maxPayloadLength: maxMessageLength },
        analyzer: (afterGap) => {
          let negotiated = extensionsFor();
          const windowLost = afterGap && negotiated.some((e) => !(e instanceof PerMessageDeflate) ||
            !(direction === 'server' ? e.params.serverNoContextTakeover : e.params.clientNoContextTakeover));
          if (windowLost) negotiated = [];
          return new StreamAnalyzer({
            role, maxMessageLength, extensions: negotiated,
            compressedUnknown: windowLost || (scanFirst && extensions === null),
            maxShownPayload: this.#options.maxShownPayload, maxShownMessage: this.#options.maxShownPayload,
            deferBase64: this.#options.deferBase64, payloadBuffers: this.#payloadBuffers,
          });
        },
      });
    };
    connection.analyzers = { client: make('client'), server: make('server') };
  }

  /** The head once complete; a head that cannot be read means no WebSocket on this connection. */
  #readHead(connection: Connection, reader: HttpHeadReader, data: Uint8Array): HttpHeadResult | undefined {
    try {
      return reader.push(data);
    } catch (error) {
      const reason = error instanceof HandshakeError ? `: ${error.message}` : '';
      this.#drop(connection, 'http', `an HTTP head that cannot be read${reason}`);
      return undefined;
    }
  }

  #frames(connection: Connection, from: Direction, time: number, data: Uint8Array, packet: number | undefined): PcapRecord[] {
    const analyzer = connection.analyzers[from];
    if (analyzer === undefined || connection.stopped[from]) return [];
    const tag = this.#tag(connection.stream, from, time, packet);
    this.#options.onBytes?.(connection.stream, from, data);
    return withTag(analyzer.push(data), tag);
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
    if (this.#packet !== undefined) record['frame.number'] = this.#packet;
    try {
      validateServerHandshake(head, { key: request.key, protocols: request.protocols });
    } catch (error) {
      if (!(error instanceof HandshakeError)) throw error;
      record.handshakeError = { code: error.code, message: error.message };
    }
    return record;
  }
}

/**
 * The records with the tag's fields added, in place: a copy (`{ ...record, ...tag }`) would read
 * a deferred `base64` getter and build the string it defers.
 */
function withTag(records: (StreamRecord | LostRecord | ResyncRecord)[], tag: RecordTag): PcapRecord[] {
  for (const record of records) Object.assign(record, tag);
  return records as PcapRecord[];
}

function startsLike(data: Uint8Array, prefix: readonly number[]): boolean {
  for (let i = 0; i < prefix.length && i < data.length; i++) if (data[i] !== prefix[i]) return false;
  return data.length > 0;
}

/** Which side of a connection a `--decode-as` target names (that side is the server), if any. */
function matchDecodeAs(targets: readonly DecodeAsTarget[], client: string, server: string): { side: Direction; name: string } | undefined {
  for (const target of targets) {
    const name = target.host === undefined ? String(target.port) : `${target.host}:${target.port}`;
    for (const [side, endpoint] of [['server', server], ['client', client]] as const) {
      const cut = endpoint.lastIndexOf(':');
      const host = endpoint.slice(0, cut).replace(/^\[|\]$/g, '');
      if (endpoint.slice(cut + 1) === String(target.port) && (target.host === undefined || target.host === host)) return { side, name };
    }
  }
  return undefined;
}

function portOf(endpoint: string): string {
  return endpoint.slice(endpoint.lastIndexOf(':') + 1);
}

/** Whether `bytes` start with a plausible WebSocket frame header (either direction). */
function looksLikeFrame(bytes: Uint8Array): boolean {
  let header;
  try {
    header = decodeHeader(bytes);
  } catch {
    return false;
  }
  if (header === undefined) return bytes.length >= 2 && (bytes[0] & 0x30) === 0 && isKnownOpcode(bytes[0] & 0x0f);
  // RSV2 and RSV3 belong to no registered extension; RFC 6455 §5.5: control frames are short and final.
  const control = header.opcode >= 0x8;
  return isKnownOpcode(header.opcode) && !header.rsv2 && !header.rsv3 && (!control || (header.fin && header.payloadLength <= 125));
}

function isKnownOpcode(opcode: number): boolean {
  return opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xa);
}

/** What a stream that is not WebSocket looks like, from its first bytes, and what to do. */
function describeStream(connection: Connection): [StreamNoteKind, string] {
  const { client, server } = connection.firstBytes;
  const first = client ?? server!;
  const port = portOf(connection.server);
  // Mid-connection the first sender may be either side: a masked frame is a client's; else
  // servers usually have the lower port.
  const senderPort = portOf(client !== undefined ? connection.client : connection.server);
  const otherPort = portOf(client !== undefined ? connection.server : connection.client);
  const masked = first.length >= 2 && (first[1] & 0x80) !== 0;
  const serverPort = connection.handshakeSeen ? port
    : looksLikeFrame(first) ? (masked ? otherPort : senderPort)
    : String(Math.min(Number(port), Number(portOf(connection.client))));
  const midStream = connection.handshakeSeen ? '' : ' (the capture started mid-connection)';
  if (first.length >= 2 && first[0] === TLS_HANDSHAKE && first[1] === TLS_MAJOR_VERSION) {
    return ['tls', `TLS on port ${port}: if this is wss://, the frames are encrypted and wsframe cannot read them; decrypt the capture first (Wireshark with an SSLKEYLOGFILE key log, then export the plaintext)`];
  }
  if (client !== undefined && client.length >= 4 && startsLike(client, HTTP2_PREFACE)) {
    return ['http2', `HTTP/2 on port ${port}: WebSockets over HTTP/2 (RFC 8441) are not decoded by wsframe`];
  }
  if (startsLike(first, HTTP_RESPONSE) || HTTP_REQUEST_START.test(String.fromCharCode(...first))) {
    return ['http', `HTTP/1 on port ${port} without a WebSocket upgrade${midStream}`];
  }
  if (looksLikeFrame(first)) {
    return ['websocket-frames', `looks like WebSocket frames without their handshake${midStream}: decode them with --decode-as ${serverPort} (tshark: -d tcp.port==${serverPort},websocket)`];
  }
  const from: Direction = client !== undefined ? 'client' : 'server';
  const hint = connection.handshakeSeen ? '' : `; if it is WebSocket: --decode-as ${serverPort}`;
  return ['not-http', `not HTTP${midStream}: the ${from}'s first bytes are ${Array.from(first.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ')}${hint}`];
}
