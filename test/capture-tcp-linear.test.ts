/**
 * TCP reassembly in O(n log n) whatever the order of the segments: first show the timing harness
 * (test/_growth.ts) tells the old sorted-array insertion (a splice per out-of-order segment,
 * O(n^2) in reverse order) from a linear loop, then that the reassembler fed 4x more one-byte
 * segments in reverse order takes about 4x as long, not 16x. Regression: 80k reversed one-byte
 * segments took 3.4 s, 160k took 17.5 s, a 23 MB capture of 320k reversed segments 131 s.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TcpReassembler } from '../src/capture/tcp.ts';
import { RangeSet, type Range } from '../src/capture/range-set.ts';
import type { TcpSegment } from '../src/capture/packet.ts';
import { THRESHOLD, growth } from './_growth.ts';

const SYN = 0x02;
const ACK = 0x10;

function segment(seq: number, flags: number, payload: Uint8Array): TcpSegment {
  return {
    ipVersion: 4, srcAddress: '10.0.0.1', dstAddress: '10.0.0.2', srcPort: 40000, dstPort: 80,
    seq, ack: 0, flags, payload, payloadLength: payload.length,
  };
}

/** A SYN, then `n` one-byte segments from the last to the first. */
function reversedSegments(n: number): TcpSegment[] {
  const segments = [segment(99, SYN, new Uint8Array(0))];
  for (let i = n - 1; i >= 0; i--) segments.push(segment(100 + i, ACK, new Uint8Array([i & 0xff])));
  return segments;
}

function reassemble(segments: TcpSegment[]): number {
  const tcp = new TcpReassembler();
  let delivered = 0;
  for (const [i, item] of segments.entries()) {
    for (const event of tcp.push(item, i)) if (event.type === 'data') delivered += event.data.length;
  }
  return delivered;
}

/** The insertion the reassembler used before: binary search, then splice into a sorted array. */
function sortedArrayInsertion(starts: number[]): number {
  const pending: Range[] = [];
  for (const start of starts) {
    let low = 0;
    let high = pending.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (pending[middle].end <= start) low = middle + 1;
      else high = middle;
    }
    pending.splice(low, 0, { start, end: start + 1 });
  }
  return pending.length;
}

const reversed = (n: number) => Array.from({ length: n }, (_, i) => n - 1 - i);

describe('TCP reassembly time', () => {
  it('the harness tells the old sorted-array insertion (quadratic in reverse order) from RangeSet', () => {
    const quadratic = growth(reversed, 4 * 1024, sortedArrayInsertion, 3);
    const linear = growth(reversed, 16 * 1024, (starts) => {
      const set = new RangeSet<Range>();
      for (const start of starts) set.fill(start, start + 1, (from, to) => ({ start: from, end: to }));
      return set.size;
    });
    console.log(`harness: sorted array x${quadratic.ratio.toFixed(1)} (${quadratic.small.toFixed(1)} -> ${quadratic.large.toFixed(1)} ms), RangeSet x${linear.ratio.toFixed(1)} (${linear.small.toFixed(1)} -> ${linear.large.toFixed(1)} ms)`);
    expect(quadratic.ratio).toBeGreaterThan(THRESHOLD);
    expect(linear.ratio).toBeLessThan(THRESHOLD);
  });

  it('TcpReassembler: 64k one-byte segments in reverse order take about 4x as long as 16k', () => {
    expect(reassemble(reversedSegments(1000))).toBe(1000);
    const result = growth(reversedSegments, 16 * 1024, reassemble);
    console.log(`TcpReassembler reversed segments: 16k ${result.small.toFixed(1)} ms, 64k ${result.large.toFixed(1)} ms (x${result.ratio.toFixed(2)})`);
    expect(result.ratio).toBeLessThan(THRESHOLD);
  }, 60_000);
});

describe('RangeSet', () => {
  it('holds the same ranges as a plain first-arrival-wins list for any sequence of fills and shifts', () => {
    const operation = fc.oneof(
      fc.record({ start: fc.integer({ min: 0, max: 200 }), length: fc.integer({ min: 0, max: 40 }) }),
      fc.constant('shift' as const),
    );
    fc.assert(fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
      const set = new RangeSet<Range & { id: number }>();
      // Reference: which fill claimed each position.
      const owner = new Map<number, number>();
      let id = 0;
      for (const op of operations) {
        if (op === 'shift') {
          const first = set.shift();
          const firstOwned = Math.min(...owner.keys());
          if (first === undefined) expect(owner.size).toBe(0);
          else {
            expect(first.start).toBe(firstOwned);
            for (let at = first.start; at < first.end; at++) owner.delete(at);
          }
          continue;
        }
        id++;
        let expectedAdded = 0;
        for (let at = op.start; at < op.start + op.length; at++) {
          if (!owner.has(at)) {
            owner.set(at, id);
            expectedAdded++;
          }
        }
        const fillId = id;
        expect(set.fill(op.start, op.start + op.length, (start, end) => ({ start, end, id: fillId }))).toBe(expectedAdded);
      }
      const ranges: (Range & { id: number })[] = [];
      for (let range = set.shift(); range !== undefined; range = set.shift()) ranges.push(range);
      const positions = ranges.flatMap((range) => Array.from({ length: range.end - range.start }, (_, i) => [range.start + i, range.id]));
      expect(positions).toEqual([...owner.entries()].sort((a, b) => a[0] - b[0]));
      for (let i = 1; i < ranges.length; i++) expect(ranges[i].start).toBeGreaterThanOrEqual(ranges[i - 1].end);
    }), { numRuns: 300 });
  });
});
