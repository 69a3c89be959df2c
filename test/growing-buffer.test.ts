import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUFFER_OVERHEAD, GrowingBuffer, MIN_CAPACITY } from '../src/streams/_growing-buffer.ts';
import { applyMaskReference, encodeFrame, FrameDecoder, MessageDecoder } from '../src/index.ts';
import { expectBytes, patternBytes } from './_bytes.ts';
import { chop, concat } from './_streams.ts';

const KEY = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);

/** `bytes` XOR the key from payload position `offset`, as a fresh array. */
function masked(bytes: Uint8Array, offset = 0): Uint8Array {
  const copy = bytes.slice();
  applyMaskReference(copy, KEY, offset);
  return copy;
}

describe('GrowingBuffer', () => {
  it('never holds more than max(2 x the bytes arrived, MIN_CAPACITY), nor more than the bound', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 60 }), fc.boolean(), fc.boolean(),
      (sizes, bounded, defer) => {
        const total = sizes.reduce((a, b) => a + b, 0);
        const payload = patternBytes(total, sizes.length);
        const wire = masked(payload);
        const bound = bounded ? total : Number.POSITIVE_INFINITY;
        const buffer = new GrowingBuffer();
        let at = 0;
        for (const size of sizes) {
          // Each piece in its own chunk, as socket reads deliver them.
          const chunk = wire.slice(at, at + size);
          if (defer) buffer.defer(chunk, 0, size, KEY, at, bound);
          else expectBytes(buffer.append(chunk, 0, size, KEY, at, bound), payload.subarray(at, at + size));
          at += size;
          expect(buffer.length).toBe(at);
          const held = buffer.retainedBytes;
          expect(held).toBeLessThanOrEqual(Math.min(bound, Math.max(2 * at, MIN_CAPACITY)) + BUFFER_OVERHEAD * sizes.length);
        }
        const result = buffer.take();
        expectBytes(result, payload);
        if (bounded) expect(result.buffer.byteLength).toBe(total);
        expect(buffer.length).toBe(0);
        expect(buffer.retainedBytes).toBe(0);
      },
    ), { numRuns: 200 });
  });

  it('grows by doubling: a 16 MiB payload in 1 KiB pieces costs log2(16 MiB / MIN_CAPACITY) + 1 allocations and ends at its exact length', () => {
    const size = 16 << 20;
    const piece = new Uint8Array(1024);
    const buffer = new GrowingBuffer();
    let capacities = 0;
    let last = 0;
    for (let at = 0; at < size; at += piece.length) {
      buffer.append(piece, 0, piece.length, undefined, 0, size);
      if (buffer.retainedBytes !== last) {
        capacities++;
        last = buffer.retainedBytes;
        expect(last - BUFFER_OVERHEAD).toBeLessThanOrEqual(Math.max(2 * (at + piece.length), MIN_CAPACITY));
      }
    }
    expect(capacities).toBeLessThanOrEqual(Math.ceil(Math.log2(size / MIN_CAPACITY)) + 1);
    expect(buffer.take().buffer.byteLength).toBe(size);
  });

  it('keeps large deferred pieces as views and copies them once, unmasked, leaving the chunks untouched', () => {
    const payload = patternBytes(3 * 4096, 5);
    const wire = masked(payload);
    const chunks = chop(wire, 4096).map((chunk) => chunk.slice());
    const before = chunks.map((c) => c.slice());
    const buffer = new GrowingBuffer();
    chunks.forEach((chunk, i) => buffer.defer(chunk, 0, chunk.length, KEY, i * 4096, payload.length));
    // Three views, no buffer yet: nothing allocated.
    expect(buffer.retainedBytes).toBe(payload.length + 3 * BUFFER_OVERHEAD);
    const result = buffer.take();
    expectBytes(result, payload);
    expect(result.buffer.byteLength).toBe(payload.length);
    chunks.forEach((chunk, i) => expectBytes(chunk, before[i]));
  });

  it('copies deferred views into the buffer, in order, when a small piece follows them', () => {
    const payload = patternBytes(5000, 9);
    const wire = masked(payload);
    const buffer = new GrowingBuffer();
    buffer.defer(wire.slice(0, 4000), 0, 4000, KEY, 0, Number.POSITIVE_INFINITY);
    expectBytes(buffer.append(wire.slice(4000), 0, 1000, KEY, 4000, Number.POSITIVE_INFINITY), payload.subarray(4000));
    expect(buffer.retainedBytes).toBe(Math.max(2 * 5000, MIN_CAPACITY) + BUFFER_OVERHEAD);
    expectBytes(buffer.take(), payload);
  });

  it('trims a buffer less than 7/8 full when taken, so a message pins at most 8/7 of its bytes', () => {
    const buffer = new GrowingBuffer();
    buffer.append(patternBytes(100), 0, 100, undefined, 0, Number.POSITIVE_INFINITY);
    const result = buffer.take();
    expectBytes(result, patternBytes(100));
    expect(result.buffer.byteLength).toBe(100);
  });
});

describe('payloads that span chunks', () => {
  it('a 1 KiB masked frame split 600 / 424 payload bytes becomes one array of exactly 1 KiB', () => {
    const payload = patternBytes(1024, 3);
    const frame = encodeFrame({ opcode: 0x2, payload, maskingKey: KEY });
    const header = frame.length - payload.length;
    for (const decoder of [new FrameDecoder(), new MessageDecoder()]) {
      decoder.push(frame.slice(0, header + 600)).push(frame.slice(header + 600));
      const [item] = decoder as Iterable<{ payload?: Uint8Array; data?: unknown }>;
      const bytes = (item.payload ?? item.data) as Uint8Array;
      expectBytes(bytes, payload);
      expect(bytes.buffer.byteLength).toBe(1024);
    }
  });

  it('MessageDecoder assembles a fragmented message into one array of its exact length, unmasked once', () => {
    const payload = patternBytes(50_000, 4);
    const frames = [0, 20_000, 30_000].map((at, i, all) => encodeFrame({
      opcode: i === 0 ? 0x2 : 0x0, fin: i === all.length - 1, maskingKey: KEY,
      payload: payload.subarray(at, all[i + 1] ?? payload.length),
    }));
    const decoder = new MessageDecoder({ role: 'server' });
    for (const chunk of chop(concat(...frames), 1000)) decoder.push(chunk);
    const [event] = decoder;
    expect(event.type).toBe('binary');
    const data = event.type === 'binary' ? event.data : new Uint8Array(0);
    expectBytes(data, payload);
    expect(data.buffer.byteLength).toBeLessThanOrEqual(payload.length * 8 / 7);
  });

  it('defer copies instead of keeping a view that would take what is retained past the budget', () => {
    const payload = patternBytes(40_960, 5);
    const frame = encodeFrame({ opcode: 0x2, payload, maskingKey: KEY });
    const wire = frame.subarray(frame.length - payload.length);
    const budget = payload.length + BUFFER_OVERHEAD;
    const buffer = new GrowingBuffer();
    let most = 0;
    for (let at = 0; at < wire.length; at += 4096) {
      buffer.defer(wire.slice(at, at + 4096), 0, Math.min(4096, wire.length - at), KEY, at, payload.length, budget);
      most = Math.max(most, buffer.retainedBytes);
    }
    expect(most).toBeLessThanOrEqual(budget);
    expectBytes(buffer.take(), payload);
    // Without a budget every piece stays a view, each with its bookkeeping.
    const unbounded = new GrowingBuffer();
    for (let at = 0; at < wire.length; at += 4096) unbounded.defer(wire.slice(at, at + 4096), 0, 4096, KEY, at, payload.length);
    expect(unbounded.retainedBytes).toBe(payload.length + 10 * BUFFER_OVERHEAD);
  });

  it('MessageDecoder counts capacity against maxBufferedBytes and never allocates past it', () => {
    // 3000 bytes in 1-byte fragments fit a 4 KiB budget although the first capacity would be 16 KiB.
    const decoder = new MessageDecoder({ role: 'server', maxBufferedBytes: 4096 });
    const fragment = (i: number, fin: boolean) => encodeFrame({ opcode: i === 0 ? 0x2 : 0x0, fin, payload: new Uint8Array([i & 0xff]), maskingKey: KEY });
    for (let i = 0; i < 3000; i++) decoder.push(fragment(i, i === 2999));
    const [event] = decoder;
    expect(event.type === 'binary' && event.data.length).toBe(3000);
  });
});
