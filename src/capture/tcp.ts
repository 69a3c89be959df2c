/**
 * TCP reassembly for capture analysis: TCP segments in capture order become, per connection and
 * per direction, the byte stream each application read, in order, with the holes the capture
 * missed reported as gaps. Sans-I/O and pure; memory bounded per direction. Layer 6.
 *
 * @module
 */

import { formatEndpoint, TCP_FLAGS, type TcpSegment } from './packet.ts';
import { RangeSet } from './range-set.ts';

/** Which side sent the bytes: the one that opened the connection, or the one that accepted it. */
export type TcpDirection = 'client' | 'server';

/** A connection was seen for the first time. */
export interface TcpOpenEvent {
  type: 'open';
  /** Connection index in order of first appearance, from 0. */
  stream: number;
  /** `ip:port`, or `[ipv6]:port`, of the side that sent the SYN (else the first packet seen). */
  client: string;
  server: string;
  time: number;
  /** Whether the connection's SYN or SYN-ACK was seen (false: the capture began mid-stream). */
  handshakeSeen: boolean;
}

/** The next bytes of one direction's stream, in order, without overlap. */
export interface TcpDataEvent {
  type: 'data';
  stream: number;
  from: TcpDirection;
  /** Time of the packet whose arrival made these bytes deliverable. */
  time: number;
  /**
   * The bytes: a view into the segment's payload when it arrived in order, else a copy made when
   * it was buffered. Not written to afterwards.
   */
  data: Uint8Array;
  /** Position of `data[0]` in this direction's stream, counting gap bytes too. */
  offset: number;
}

/** Bytes of one direction that the capture does not contain; the stream goes on after them. */
export interface TcpGapEvent {
  type: 'gap';
  stream: number;
  from: TcpDirection;
  time: number;
  /** Stream position of the first missing byte. */
  offset: number;
  /** How many bytes are missing. */
  bytes: number;
}

/**
 * One direction ended: its FIN was reached, a RST was seen, the capture ended, or (`'idle'`) the
 * connection was forgotten before it carried any payload, to bound memory (see
 * `maxQuietConnections`).
 */
export interface TcpCloseEvent {
  type: 'close';
  stream: number;
  from: TcpDirection;
  time: number;
  reason: 'fin' | 'rst' | 'end' | 'idle';
}

/** What {@link TcpReassembler} reports. */
export type TcpEvent = TcpOpenEvent | TcpDataEvent | TcpGapEvent | TcpCloseEvent;

/** What {@link TcpReassembler} accepts. */
export interface TcpReassemblerOptions {
  /**
   * Most payload bytes buffered ahead of a hole, per direction (default 16 MiB). Past it the
   * hole is given up as a gap and the buffered bytes are delivered.
   */
  maxBufferedBytes?: number;
  /**
   * Most connections kept that have not carried a payload byte yet (default 10000): a SYN scan,
   * a SYN flood, or connections opened and left idle. Past it the oldest of them is forgotten
   * (its open directions close with reason `'idle'`); should it carry data later, it comes back
   * as a new stream whose handshake was not seen. Memory then does not grow with 10^6 SYNs.
   */
  maxQuietConnections?: number;
}

/** Counters about the segments seen. */
export interface TcpStats {
  connections: number;
  /** Payload bytes that repeated bytes already delivered or buffered (retransmissions, overlaps). */
  duplicateBytes: number;
  /** Segments that arrived ahead of a hole and were buffered. */
  outOfOrderSegments: number;
  gaps: number;
  gapBytes: number;
  /** Segments with payload that arrived after their direction had closed. */
  lateSegments: number;
  /** Connections forgotten before carrying any payload (see `maxQuietConnections`). */
  quietForgotten: number;
}

const DEFAULT_MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
const DEFAULT_MAX_QUIET_CONNECTIONS = 10_000;
const TWO_POW_32 = 0x1_0000_0000;
// How long a closed connection stays in the table so that its last ACKs and retransmissions are
// recognised instead of opening a new stream (twice the usual 30 s TIME-WAIT of Linux).
const CLOSED_LINGER_SECONDS = 60;
// Endpoint texts remembered: both ends of the last two connections seen.
const RECENT_ENDPOINTS = 4;

/** A buffered range of a direction's stream; `data` undefined: cut off by the snapshot length. */
interface Piece {
  start: number;
  end: number;
  data: Uint8Array | undefined;
}

interface Half {
  from: TcpDirection;
  /** Sequence number of stream offset 0, once known. */
  base: number | undefined;
  /** Bytes delivered (or given up as gaps) so far: the stream offset of the next byte. */
  offset: number;
  /** Out-of-order ranges beyond `offset`, not overlapping. */
  pending: RangeSet<Piece>;
  pendingBytes: number;
  /** Stream offset of the FIN, once seen. */
  finAt: number | undefined;
  /** Highest stream offset the peer has acknowledged. */
  ackedTo: number;
  closed: boolean;
}

interface Connection {
  stream: number;
  key: string;
  clientEndpoint: string;
  /** The client's initial sequence number, when its SYN was seen. */
  clientIsn: number | undefined;
  client: Half;
  server: Half;
  closed: boolean;
  /** No payload byte seen yet in either direction. */
  quiet: boolean;
}

function createHalf(from: TcpDirection): Half {
  return {
    from, base: undefined, offset: 0, pending: new RangeSet<Piece>(), pendingBytes: 0, finAt: undefined, ackedTo: 0, closed: false,
  };
}

/** Signed distance from sequence number `from` to `to`, modulo 2^32 (RFC 9293 §3.4). */
function sequenceDistance(from: number, to: number): number {
  return (to - from) | 0;
}

/** The stream offset that sequence number `seq` stands for, nearest to the current position. */
function streamOffset(half: Half, base: number, seq: number): number {
  const expected = (base + half.offset) % TWO_POW_32;
  return half.offset + sequenceDistance(expected, seq);
}

/**
 * Reassembles TCP connections from segments in capture order. Connections are keyed by their two
 * endpoints, so both directions land in one stream; the SYN's sender (or the receiver of a
 * SYN-ACK, else the first packet's sender) is the client. Per direction: bytes are delivered
 * once, in sequence order; a retransmission or overlap keeps the bytes that arrived first;
 * segments ahead of a hole wait, up to `maxBufferedBytes`; sequence numbers wrap at 2^32 and
 * streams may be longer than 4 GiB. A hole is given up as a `gap` event when the buffer is full,
 * when the peer acknowledges bytes beyond it (they were sent, but the capture dropped them), on
 * RST, and at `end()`; delivery then goes on after it.
 *
 * @example
 * ```ts
 * const segment = (seq: number, flags: number, text: string) => ({
 *   ipVersion: 4 as const, srcAddress: '127.0.0.1', dstAddress: '127.0.0.1', srcPort: 50000, dstPort: 80,
 *   seq, ack: 0, flags, payload: new TextEncoder().encode(text), payloadLength: text.length,
 * });
 * const show = (events: TcpEvent[]) => events.map((e) => (e.type === 'data' ? new TextDecoder().decode(e.data) : `${e.type}`));
 * const tcp = new TcpReassembler();
 * console.log(show(tcp.push(segment(99, 0x02, ''), 1))); // [ 'open' ]
 * console.log(show(tcp.push(segment(103, 0x10, 'def'), 2))); // []
 * console.log(show(tcp.push(segment(100, 0x10, 'abc'), 3))); // [ 'abc', 'def' ]
 * console.log(show(tcp.end())); // [ 'close', 'close' ]
 * ```
 */
export class TcpReassembler {
  /** Counters about the segments seen. */
  readonly stats: TcpStats = {
    connections: 0, duplicateBytes: 0, outOfOrderSegments: 0, gaps: 0, gapBytes: 0, lateSegments: 0, quietForgotten: 0,
  };
  private readonly maxBufferedBytes: number;
  private readonly maxQuietConnections: number;
  // Connections in order of opening, while they may still be quiet (stale entries are skipped).
  private quietQueue: Connection[] = [];
  private quietHead = 0;
  private quietCount = 0;
  private readonly connections = new Map<string, Connection>();
  private closedQueue: { connection: Connection; time: number }[] = [];
  private closedHead = 0;
  private lastTime = Number.NaN;
  // The endpoint texts and connection key of the last segments: consecutive segments mostly
  // belong to one connection, and three strings per segment were 3% of what `wsframe pcap`
  // allocated (sampling heap profile, Node 20).
  private readonly recentEndpoints: { address: string; port: number; text: string }[] = [];
  private recentKey = { a: '', b: '', key: '' };

  constructor(options: TcpReassemblerOptions = {}) {
    this.maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.maxQuietConnections = options.maxQuietConnections ?? DEFAULT_MAX_QUIET_CONNECTIONS;
  }

  /** Connections held: open ones, and closed ones lingering for their last segments. */
  get size(): number {
    return this.connections.size;
  }

  /**
   * References to connection records held, in the table and in the queues that expire them: what
   * memory grows with. At most about 3 * `maxQuietConnections` plus the connections that carried
   * payload and are open or closed less than a minute ago.
   */
  get retainedRecords(): number {
    return this.connections.size + this.quietQueue.length + this.closedQueue.length;
  }

  /** Feeds one segment captured at `time`; returns the events it causes, in order. */
  push(segment: TcpSegment, time: number): TcpEvent[] {
    const events: TcpEvent[] = [];
    if (!Number.isNaN(time)) this.lastTime = time;
    this.evictClosed(time);
    const source = this.endpoint(segment.srcAddress, segment.srcPort);
    const destination = this.endpoint(segment.dstAddress, segment.dstPort);
    const key = this.connectionKey(source, destination);
    const flags = segment.flags;
    const isSyn = (flags & TCP_FLAGS.SYN) !== 0;
    const hasAck = (flags & TCP_FLAGS.ACK) !== 0;
    let connection = this.connections.get(key);
    if (connection !== undefined && isSyn && !hasAck && source === connection.clientEndpoint
      && connection.clientIsn !== undefined && connection.clientIsn !== segment.seq) {
      // A new SYN with another initial sequence number: the 4-tuple is being reused.
      if (!connection.closed) this.finish(connection, time, 'end', events);
      connection = undefined;
    } else if (connection !== undefined && connection.closed) {
      if (!(isSyn && !hasAck)) {
        if (segment.payloadLength > 0) this.stats.lateSegments++;
        return events;
      }
      connection = undefined;
    }
    if (connection === undefined) {
      connection = this.open(key, source, destination, isSyn, hasAck, segment.seq, time, events);
    }
    const fromClient = source === connection.clientEndpoint;
    const half = fromClient ? connection.client : connection.server;
    const peer = fromClient ? connection.server : connection.client;
    if ((flags & TCP_FLAGS.RST) !== 0) {
      this.finish(connection, time, 'rst', events, half);
      this.forgetQuiet(time, events);
      return events;
    }
    if (isSyn && fromClient && connection.clientIsn === undefined) connection.clientIsn = segment.seq;
    // After its FIN a side still acknowledges the other side's bytes (a half-closed connection).
    if (!half.closed) this.receive(connection, half, segment, isSyn, time, events);
    else if (segment.payloadLength > 0) this.stats.lateSegments++;
    if (hasAck) this.acknowledge(connection, peer, segment.ack, time, events);
    if (connection.client.closed && connection.server.closed) this.markClosed(connection, time);
    // After the segment: a connection whose first segment carries payload is not quiet.
    this.forgetQuiet(time, events);
    return events;
  }

  /** `address:port`, as {@link formatEndpoint} writes it, from the last four if it is one of them. */
  private endpoint(address: string, port: number): string {
    const recent = this.recentEndpoints;
    for (const entry of recent) if (entry.port === port && entry.address === address) return entry.text;
    const text = formatEndpoint(address, port);
    if (recent.length === RECENT_ENDPOINTS) recent.pop();
    recent.unshift({ address, port, text });
    return text;
  }

  /** The key of the connection between two endpoints, whichever sent the segment. */
  private connectionKey(source: string, destination: string): string {
    const first = source < destination;
    const a = first ? source : destination;
    const b = first ? destination : source;
    const recent = this.recentKey;
    if (recent.a !== a || recent.b !== b) this.recentKey = { a, b, key: `${a} ${b}` };
    return this.recentKey.key;
  }

  /**
   * Says the capture is over: every connection still open gives up its holes as gaps, delivers
   * what it buffered and closes each open direction (`reason: 'fin'` if its FIN was seen, else
   * `'end'`). `time` defaults to the last packet's time.
   */
  end(time: number = this.lastTime): TcpEvent[] {
    const events: TcpEvent[] = [];
    const open = [...this.connections.values()].filter((connection) => !connection.closed);
    open.sort((a, b) => a.stream - b.stream);
    for (const connection of open) this.finish(connection, time, 'end', events);
    return events;
  }

  private open(
    key: string,
    source: string,
    destination: string,
    isSyn: boolean,
    hasAck: boolean,
    seq: number,
    time: number,
    events: TcpEvent[],
  ): Connection {
    // A SYN-ACK comes from the server; any other first packet is taken to come from the client.
    const senderIsServer = isSyn && hasAck;
    const client = senderIsServer ? destination : source;
    const server = senderIsServer ? source : destination;
    const connection: Connection = {
      stream: this.stats.connections++,
      key,
      clientEndpoint: client,
      clientIsn: isSyn && !hasAck ? seq : undefined,
      client: createHalf('client'),
      server: createHalf('server'),
      closed: false,
      quiet: true,
    };
    this.connections.set(key, connection);
    this.quietQueue.push(connection);
    this.quietCount++;
    events.push({ type: 'open', stream: connection.stream, client, server, time, handshakeSeen: isSyn });
    return connection;
  }

  private receive(
    connection: Connection,
    half: Half,
    segment: TcpSegment,
    isSyn: boolean,
    time: number,
    events: TcpEvent[],
  ): void {
    // RFC 9293 §3.4: the SYN takes one sequence number; data (TCP Fast Open) starts after it.
    const dataSeq = isSyn ? (segment.seq + 1) % TWO_POW_32 : segment.seq;
    if (half.base === undefined) half.base = dataSeq;
    const start = streamOffset(half, half.base, dataSeq);
    const wireLength = Math.max(segment.payloadLength, 0);
    const end = start + wireLength;
    if (wireLength > 0) this.markSpoken(connection);
    if ((segment.flags & TCP_FLAGS.FIN) !== 0 && half.finAt === undefined) half.finAt = end;
    if (wireLength > 0) {
      const captured = Math.min(segment.payload.length, wireLength);
      if (end <= half.offset) {
        this.stats.duplicateBytes += wireLength;
      } else if (start === half.offset && captured === wireLength && half.pending.size === 0) {
        // The next bytes, whole, with nothing waiting: delivered as they are, as deliver() would
        // after insert() (in-order segments are most of a capture).
        const data = captured === segment.payload.length ? segment.payload : segment.payload.subarray(0, captured);
        events.push({ type: 'data', stream: connection.stream, from: half.from, time, data, offset: half.offset });
        half.offset = end;
      } else {
        const added = this.insert(half, start, start + captured, segment.payload.subarray(0, captured))
          + this.insert(half, start + captured, end, undefined);
        this.stats.duplicateBytes += wireLength - added;
        if (added > 0 && start > half.offset) this.stats.outOfOrderSegments++;
      }
    }
    this.deliver(connection, half, time, events);
    while (half.pendingBytes > this.maxBufferedBytes) this.skipHole(connection, half, time, events);
    this.closeIfFinished(connection, half, time, events);
  }

  /**
   * Adds the parts of [start, end) not yet delivered or buffered (first arrival wins); copies
   * data that has to wait, so a buffered piece does not keep a whole capture chunk alive.
   * Returns how many bytes were new.
   */
  private insert(half: Half, start: number, end: number, data: Uint8Array | undefined): number {
    return half.pending.fill(Math.max(start, half.offset), end, (from, to) => {
      let bytes: Uint8Array | undefined;
      if (data !== undefined) {
        bytes = data.subarray(from - start, to - start);
        // A real copy (Buffer.slice would be a view), so a waiting piece does not pin its read chunk.
        if (from > half.offset) bytes = new Uint8Array(bytes);
        half.pendingBytes += bytes.length;
      }
      return { start: from, end: to, data: bytes };
    });
  }

  /** Delivers the pending pieces that start at the current offset. */
  private deliver(connection: Connection, half: Half, time: number, events: TcpEvent[]): void {
    const pending = half.pending;
    for (let piece = pending.first(); piece !== undefined && piece.start <= half.offset; piece = pending.first()) {
      pending.shift();
      if (piece.end <= half.offset) continue;
      if (piece.data === undefined) {
        this.gap(connection, half, piece.end - half.offset, time, events);
        continue;
      }
      half.pendingBytes -= piece.data.length;
      events.push({
        type: 'data', stream: connection.stream, from: half.from, time, data: piece.data, offset: half.offset,
      });
      half.offset = piece.end;
    }
  }

  private gap(connection: Connection, half: Half, bytes: number, time: number, events: TcpEvent[]): void {
    events.push({ type: 'gap', stream: connection.stream, from: half.from, time, offset: half.offset, bytes });
    half.offset += bytes;
    this.stats.gaps++;
    this.stats.gapBytes += bytes;
  }

  /** Gives up the hole before the first pending piece and delivers what follows it. */
  private skipHole(connection: Connection, half: Half, time: number, events: TcpEvent[]): void {
    const first = half.pending.first()!;
    if (first.start > half.offset) this.gap(connection, half, first.start - half.offset, time, events);
    this.deliver(connection, half, time, events);
  }

  /**
   * The peer acknowledged `ack`: every byte of `half` before it was sent, so a hole there that
   * has data buffered beyond it will not be filled by this capture.
   */
  private acknowledge(connection: Connection, half: Half, ack: number, time: number, events: TcpEvent[]): void {
    if (half.base === undefined || half.closed) return;
    let acked = streamOffset(half, half.base, ack);
    // The FIN takes one sequence number but is no stream byte.
    if (half.finAt !== undefined) acked = Math.min(acked, half.finAt);
    if (acked > half.ackedTo) half.ackedTo = acked;
    let skipped = false;
    for (let first = half.pending.first(); first !== undefined && first.start <= acked; first = half.pending.first()) {
      this.skipHole(connection, half, time, events);
      skipped = true;
    }
    if (skipped) this.closeIfFinished(connection, half, time, events);
  }

  private closeIfFinished(connection: Connection, half: Half, time: number, events: TcpEvent[]): void {
    if (half.finAt === undefined || half.offset < half.finAt || half.closed) return;
    half.closed = true;
    events.push({ type: 'close', stream: connection.stream, from: half.from, time, reason: 'fin' });
  }

  /**
   * Ends a connection: each open direction gives up its holes (including acknowledged bytes that
   * were never seen, and bytes before a seen FIN) and closes. A RST closes its sender first.
   */
  private finish(
    connection: Connection,
    time: number,
    reason: 'rst' | 'end',
    events: TcpEvent[],
    first?: Half,
  ): void {
    const halves = first === connection.server ? [connection.server, connection.client] : [connection.client, connection.server];
    for (const half of halves) {
      if (half.closed) continue;
      while (half.pending.size > 0) this.skipHole(connection, half, time, events);
      const end = Math.max(half.ackedTo, half.finAt ?? 0);
      if (end > half.offset) this.gap(connection, half, end - half.offset, time, events);
      half.closed = true;
      const finReached = reason === 'end' && half.finAt !== undefined;
      events.push({ type: 'close', stream: connection.stream, from: half.from, time, reason: finReached ? 'fin' : reason });
    }
    this.markClosed(connection, time);
  }

  private markClosed(connection: Connection, time: number): void {
    if (connection.closed) return;
    connection.closed = true;
    this.closedQueue.push({ connection, time });
  }

  /** Forgets connections closed long enough ago; keeps the table from growing with the capture. */
  private evictClosed(now: number): void {
    const queue = this.closedQueue;
    while (this.closedHead < queue.length && queue[this.closedHead].time + CLOSED_LINGER_SECONDS < now) {
      const { connection } = queue[this.closedHead++];
      if (this.connections.get(connection.key) === connection) this.connections.delete(connection.key);
      this.markSpoken(connection);
    }
    if (this.closedHead > 1024 && this.closedHead * 2 > queue.length) {
      this.closedQueue = queue.slice(this.closedHead);
      this.closedHead = 0;
    }
  }

  /** The connection carried payload, or is gone: it no longer counts as quiet. */
  private markSpoken(connection: Connection): void {
    if (!connection.quiet) return;
    connection.quiet = false;
    this.quietCount--;
  }

  /** Forgets the oldest quiet connections while there are more than `maxQuietConnections`. */
  private forgetQuiet(time: number, events: TcpEvent[]): void {
    const queue = this.quietQueue;
    while (this.quietCount > this.maxQuietConnections && this.quietHead < queue.length) {
      const connection = queue[this.quietHead++];
      if (!connection.quiet) continue;
      this.markSpoken(connection);
      this.stats.quietForgotten++;
      if (this.connections.get(connection.key) === connection) this.connections.delete(connection.key);
      if (connection.closed) continue;
      connection.closed = true;
      for (const half of [connection.client, connection.server]) {
        if (half.closed) continue;
        half.closed = true;
        events.push({ type: 'close', stream: connection.stream, from: half.from, time, reason: 'idle' });
      }
    }
    // Forgotten entries before the head, and entries of connections that spoke, stay in the array
    // until here: drop them once they are most of it, so it holds O(quiet connections) entries
    // (amortised O(1) per connection).
    if (queue.length > 2 * this.quietCount + 1024) {
      this.quietQueue = queue.slice(this.quietHead).filter((connection) => connection.quiet);
      this.quietHead = 0;
    }
  }
}
