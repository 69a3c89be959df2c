/**
 * Statistics over the records of a capture (`wsframe pcap --stats`): per connection and overall,
 * messages and bytes per direction and kind, compressed against inflated bytes, close codes,
 * duration and ping→pong round trips. Portable (no `node:` import). Fields are added, never
 * renamed.
 */

import type { Direction } from './analyze.ts';
import type { PcapRecord } from './websocket.ts';

/** Messages of one kind and their bytes (a message's length: inflated when it was compressed). */
export interface KindStats {
  messages: number;
  bytes: number;
}

/** One direction of a connection, or of all of them. */
export interface DirectionStats {
  /** Per message kind: `text`, `binary`, `ping`, `pong`, `close`, and `compressed` (not inflated). */
  kinds: Record<string, KindStats>;
  messages: number;
  /** Message bytes (inflated when compressed). */
  bytes: number;
  frames: number;
  /** Payload bytes of all frames as sent. */
  frameBytes: number;
  /** Messages sent compressed and inflated: their payload bytes on the wire and inflated. */
  compressed: { messages: number; wireBytes: number; inflatedBytes: number };
  errors: number;
  gaps: number;
  /** Bytes missing from the capture. */
  gapBytes: number;
}

/** A close frame's status code and reason, with the side that sent it. */
export interface CloseStats {
  from: Direction;
  code: number | null;
  reason: string;
}

/** Pings answered by a pong with the same payload from the other side, and how long that took. */
export interface RoundTripStats {
  pings: number;
  answered: number;
  /** Milliseconds, null without an answered ping. */
  minMs: number | null;
  avgMs: number | null;
  maxMs: number | null;
}

/** The `{"type":"stats"}` record: one per connection, then one with `stream: null` for them all. */
export interface StatsRecord {
  type: 'stats';
  /** The connection's stream number; null for the overall record. */
  stream: number | null;
  /** Connections counted (1 for a connection's record). */
  connections: number;
  client?: string;
  server?: string;
  /** Capture time of the first and last record, in seconds. */
  start: number | null;
  end: number | null;
  /** Seconds from the first to the last record. */
  duration: number;
  directions: Record<Direction, DirectionStats>;
  closes: CloseStats[];
  roundTrips: RoundTripStats;
}

// Pings waiting for their pong, per connection and direction: enough for any real ping cadence.
const MAX_PENDING_PINGS = 64;

interface ConnectionStats {
  record: StatsRecord;
  // Data frame payload bytes of the message being received, per direction.
  pendingFrameBytes: Record<Direction, number>;
  pings: Record<Direction, { payload: string; time: number }[]>;
  roundTrips: RoundTripSum;
}

interface RoundTripSum {
  count: number;
  sum: number;
  min: number;
  max: number;
}

const noRoundTrips = (): RoundTripSum => ({ count: 0, sum: 0, min: Number.POSITIVE_INFINITY, max: 0 });

function emptyDirection(): DirectionStats {
  return { kinds: {}, messages: 0, bytes: 0, frames: 0, frameBytes: 0, compressed: { messages: 0, wireBytes: 0, inflatedBytes: 0 }, errors: 0, gaps: 0, gapBytes: 0 };
}

function emptyStats(stream: number | null): StatsRecord {
  return {
    type: 'stats', stream, connections: 0, start: null, end: null, duration: 0,
    directions: { client: emptyDirection(), server: emptyDirection() }, closes: [],
    roundTrips: { pings: 0, answered: 0, minMs: null, avgMs: null, maxMs: null },
  };
}

/**
 * Gathers statistics from records as they come; {@link TrafficStats.records} gives them.
 *
 * @example
 * ```ts
 * import { TrafficStats } from './stats.ts';
 * const stats = new TrafficStats();
 * stats.add({ type: 'message', kind: 'ping', length: 0, base64: '', compressed: false, stream: 0, from: 'client', time: 1 });
 * stats.add({ type: 'message', kind: 'pong', length: 0, base64: '', compressed: false, stream: 0, from: 'server', time: 1.002 });
 * console.log(stats.records()[0].roundTrips.answered); // 1
 * ```
 */
export class TrafficStats {
  readonly #connections = new Map<number, ConnectionStats>();

  add(record: PcapRecord): void {
    const connection = this.#connection(record.stream);
    const stats = connection.record;
    if (record.type === 'connection') {
      stats.client = record.client;
      stats.server = record.server;
      stats.connections = 1;
      this.#time(stats, record.time);
      return;
    }
    this.#time(stats, record.time);
    const direction = stats.directions[record.from];
    switch (record.type) {
      case 'frame': {
        const length = record['websocket.payload_length'];
        direction.frames++;
        direction.frameBytes += length;
        if (record['websocket.opcode'] <= 0x2) connection.pendingFrameBytes[record.from] += length;
        return;
      }
      case 'message': {
        const kind = record.kind === 'compressed' ? 'compressed' : record.kind;
        const counts = direction.kinds[kind] ??= { messages: 0, bytes: 0 };
        counts.messages++;
        counts.bytes += record.length;
        direction.messages++;
        direction.bytes += record.length;
        if (kind === 'text' || kind === 'binary' || kind === 'compressed') {
          const wire = connection.pendingFrameBytes[record.from];
          connection.pendingFrameBytes[record.from] = 0;
          if (record.compressed && kind !== 'compressed') {
            direction.compressed.messages++;
            direction.compressed.wireBytes += wire;
            direction.compressed.inflatedBytes += record.length;
          }
        }
        if (record.kind === 'close') stats.closes.push({ from: record.from, code: record.code, reason: record.reason });
        if (record.kind === 'ping') {
          stats.roundTrips.pings++;
          const pending = connection.pings[record.from];
          if (pending.length === MAX_PENDING_PINGS) pending.shift();
          pending.push({ payload: record.base64, time: record.time });
        }
        if (record.kind === 'pong') {
          // RFC 6455 §5.5.3: a pong answering a ping carries its payload.
          const pending = connection.pings[record.from === 'client' ? 'server' : 'client'];
          const index = pending.findIndex((ping) => ping.payload === record.base64);
          if (index >= 0) {
            addRoundTrip(connection.roundTrips, (record.time - pending[index].time) * 1000);
            pending.splice(0, index + 1);
          }
        }
        return;
      }
      case 'error':
        direction.errors++;
        return;
      case 'gap':
        direction.gaps++;
        direction.gapBytes += record.bytes;
        return;
      default:
        return;
    }
  }

  /** One record per connection in stream order, then the overall one. */
  records(): StatsRecord[] {
    const all = emptyStats(null);
    const out: StatsRecord[] = [];
    const times = noRoundTrips();
    for (const stream of [...this.#connections.keys()].sort((a, b) => a - b)) {
      const connection = this.#connections.get(stream)!;
      const record = connection.record;
      setRoundTrips(record.roundTrips, connection.roundTrips);
      times.count += connection.roundTrips.count;
      times.sum += connection.roundTrips.sum;
      times.min = Math.min(times.min, connection.roundTrips.min);
      times.max = Math.max(times.max, connection.roundTrips.max);
      out.push(record);
      all.connections += record.connections;
      if (record.start !== null) this.#time(all, record.start);
      if (record.end !== null) this.#time(all, record.end);
      all.closes.push(...record.closes);
      all.roundTrips.pings += record.roundTrips.pings;
      for (const side of ['client', 'server'] as const) addDirection(all.directions[side], record.directions[side]);
    }
    setRoundTrips(all.roundTrips, times);
    out.push(all);
    return out;
  }

  #connection(stream: number): ConnectionStats {
    let connection = this.#connections.get(stream);
    if (connection === undefined) {
      connection = { record: emptyStats(stream), pendingFrameBytes: { client: 0, server: 0 }, pings: { client: [], server: [] }, roundTrips: noRoundTrips() };
      this.#connections.set(stream, connection);
    }
    return connection;
  }

  #time(stats: StatsRecord, time: number): void {
    if (Number.isNaN(time)) return;
    if (stats.start === null || time < stats.start) stats.start = time;
    if (stats.end === null || time > stats.end) stats.end = time;
    stats.duration = stats.end - stats.start;
  }
}

function addRoundTrip(sum: RoundTripSum, ms: number): void {
  sum.count++;
  sum.sum += ms;
  sum.min = Math.min(sum.min, ms);
  sum.max = Math.max(sum.max, ms);
}

function setRoundTrips(stats: RoundTripStats, times: RoundTripSum): void {
  stats.answered = times.count;
  if (times.count === 0) return;
  stats.minMs = times.min;
  stats.maxMs = times.max;
  stats.avgMs = times.sum / times.count;
}

function addDirection(total: DirectionStats, part: DirectionStats): void {
  for (const [kind, counts] of Object.entries(part.kinds)) {
    const sum = total.kinds[kind] ??= { messages: 0, bytes: 0 };
    sum.messages += counts.messages;
    sum.bytes += counts.bytes;
  }
  total.messages += part.messages;
  total.bytes += part.bytes;
  total.frames += part.frames;
  total.frameBytes += part.frameBytes;
  total.compressed.messages += part.compressed.messages;
  total.compressed.wireBytes += part.compressed.wireBytes;
  total.compressed.inflatedBytes += part.compressed.inflatedBytes;
  total.errors += part.errors;
  total.gaps += part.gaps;
  total.gapBytes += part.gapBytes;
}
