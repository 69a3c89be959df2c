/** TrafficStats: what --stats counts, from records built by hand. */
import { describe, expect, it } from 'vitest';
import { TrafficStats } from '../src/capture/stats.ts';
import type { PcapRecord } from '../src/capture/websocket.ts';

const at = (from: 'client' | 'server', time: number, stream = 0) => ({ stream, from, time });
const frame = (length: number, opcode: number, from: 'client' | 'server', time: number) => ({
  type: 'frame', offset: 0, 'websocket.fin': true, 'websocket.rsv': 4, 'websocket.opcode': opcode, 'websocket.mask': from === 'client',
  'websocket.payload_length': length, 'websocket.payload_length_64': String(length), 'websocket.payload': '', header_offset: 0, payload_offset: 2,
  verdict: 'valid', ...at(from, time),
}) as PcapRecord;

describe('TrafficStats', () => {
  it('counts messages and bytes per direction and kind, compressed bytes sent against inflated, closes and round trips', () => {
    const stats = new TrafficStats();
    const records: PcapRecord[] = [
      { type: 'connection', stream: 0, client: 'a:1', server: 'b:2', time: 10, resource: '/', protocol: null, extensions: 'permessage-deflate', acceptValid: true, status: 101 },
      frame(7, 1, 'client', 10.5),
      { type: 'message', kind: 'text', length: 5, text: 'Hello', compressed: true, ...at('client', 10.5) },
      { type: 'message', kind: 'ping', length: 1, base64: 'AQ==', compressed: false, ...at('client', 11) },
      { type: 'message', kind: 'ping', length: 1, base64: 'Ag==', compressed: false, ...at('client', 11.5) },
      // Answers the second ping only: the first goes unanswered.
      { type: 'message', kind: 'pong', length: 1, base64: 'Ag==', compressed: false, ...at('server', 11.503) },
      { type: 'message', kind: 'close', length: 5, code: 1000, reason: 'bye', compressed: false, ...at('server', 12) },
      { type: 'gap', offset: 9, bytes: 100, ...at('server', 12.5) },
    ];
    for (const record of records) stats.add(record);
    const [connection, all] = stats.records();
    expect(connection).toMatchObject({
      stream: 0, connections: 1, client: 'a:1', server: 'b:2', start: 10, end: 12.5, duration: 2.5,
      closes: [{ from: 'server', code: 1000, reason: 'bye' }],
      roundTrips: { pings: 2, answered: 1 },
    });
    expect(connection.roundTrips.avgMs).toBeCloseTo(3, 6);
    expect(connection.directions.client).toMatchObject({
      messages: 3, bytes: 7, frames: 1, frameBytes: 7,
      kinds: { text: { messages: 1, bytes: 5 }, ping: { messages: 2, bytes: 2 } },
      compressed: { messages: 1, wireBytes: 7, inflatedBytes: 5 },
    });
    expect(connection.directions.server).toMatchObject({ messages: 2, gaps: 1, gapBytes: 100, kinds: { pong: { messages: 1 }, close: { messages: 1 } } });
    expect(all).toMatchObject({ stream: null, connections: 1, duration: 2.5, roundTrips: { pings: 2, answered: 1 } });
  });

  it('sums connections in the overall record', () => {
    const stats = new TrafficStats();
    for (const stream of [3, 1]) {
      stats.add({ type: 'connection', stream, client: 'a:1', server: 'b:2', time: stream, resource: '/', protocol: null, extensions: null, acceptValid: true, status: 101 });
      stats.add({ type: 'message', kind: 'binary', length: 10, base64: '', compressed: false, ...at('server', stream + 1, stream) });
    }
    const records = stats.records();
    expect(records.map((r) => r.stream)).toEqual([1, 3, null]);
    expect(records[2]).toMatchObject({ connections: 2, start: 1, end: 4, directions: { server: { messages: 2, bytes: 20, kinds: { binary: { messages: 2, bytes: 20 } } } } });
  });
});
