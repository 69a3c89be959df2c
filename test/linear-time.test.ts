/**
 * Linear time under 1-byte chunking (after noble-hashes' test/slow-dos.test.ts): first show the
 * timing harness tells O(n) from O(n^2), then show that feeding the decoders a stream one byte
 * at a time costs 4x, not 16x, when the stream grows 4x. The box is noisy: medians of several
 * runs, and a threshold (8x) halfway between the two growth rates in log scale.
 */
import { describe, expect, it } from 'vitest';
import { FrameDecoder, MessageDecoder, decodeFrame, encodeFrame } from '../src/index.ts';
import { patternBytes } from './_bytes.ts';
import { concat } from './_streams.ts';
import { THRESHOLD, growth } from './_growth.ts';

/** A stream of about `size` bytes of masked frames: one large frame, fragments, small frames. */
function makeStream(size: number): Uint8Array {
  const key = new Uint8Array([1, 2, 3, 4]);
  const parts: Uint8Array[] = [encodeFrame({ opcode: 0x2, payload: patternBytes(size / 2), maskingKey: key })];
  let total = parts[0].length;
  for (let i = 0; total < size; i++) {
    const frame = encodeFrame({ opcode: i % 3 === 0 ? 0x9 : 0x2, payload: patternBytes(i % 120, i), maskingKey: key });
    parts.push(frame);
    total += frame.length;
  }
  return concat(...parts);
}

function feedBytewise(decoder: { push(chunk: Uint8Array): unknown } & Iterable<unknown>, stream: Uint8Array): number {
  let count = 0;
  for (let i = 0; i < stream.length; i++) {
    decoder.push(stream.subarray(i, i + 1));
    for (const _ of decoder) count++;
  }
  return count;
}

/**
 * The failure mode the decoders avoid: going over everything buffered so far on every push
 * (re-concatenating or re-scanning). One buffer is allocated up front and the scan is a plain
 * loop, so the per-push constant is tiny and the quadratic term shows on any runtime (with an
 * allocation per push, Deno measured only x4.3 at this size).
 */
function naiveDecoderBytewise(stream: Uint8Array): number {
  const buffer = new Uint8Array(stream.length);
  let length = 0;
  let count = 0;
  let checksum = 0;
  for (let i = 0; i < stream.length; i++) {
    buffer[length++] = stream[i];
    for (let j = 0; j < length; j++) checksum = (checksum + buffer[j]) | 0;
    const result = decodeFrame(buffer.subarray(0, length));
    if (result !== undefined) {
      buffer.copyWithin(0, result.bytesRead, length);
      length -= result.bytesRead;
      count++;
    }
  }
  return count + (checksum & 0);
}

describe('linear time', () => {
  it('the harness tells a quadratic decoder (re-scanning per push) from a linear one', () => {
    // One big frame, so the naive decoder's buffer keeps growing.
    const make = (n: number) => encodeFrame({ opcode: 0x2, payload: patternBytes(n) });
    const quadratic = growth(make, 12 * 1024, naiveDecoderBytewise, 3);
    const linear = growth(make, 64 * 1024, (stream) => feedBytewise(new FrameDecoder(), stream));
    console.log(`harness: naive ${quadratic.small.toFixed(1)} -> ${quadratic.large.toFixed(1)} ms (x${quadratic.ratio.toFixed(1)}), FrameDecoder ${linear.small.toFixed(1)} -> ${linear.large.toFixed(1)} ms (x${linear.ratio.toFixed(1)})`);
    expect(quadratic.ratio).toBeGreaterThan(THRESHOLD);
    expect(linear.ratio).toBeLessThan(THRESHOLD);
  });

  it('FrameDecoder fed 1 byte at a time: 1 MiB takes about 4x as long as 256 KiB', () => {
    const result = growth(makeStream, 256 * 1024, (stream) => feedBytewise(new FrameDecoder(), stream));
    console.log(`FrameDecoder 1-byte pushes: 256 KiB ${result.small.toFixed(1)} ms, 1 MiB ${result.large.toFixed(1)} ms (x${result.ratio.toFixed(2)})`);
    expect(result.ratio).toBeLessThan(THRESHOLD);
  });

  it('MessageDecoder fed 1 byte at a time: 1 MiB takes about 4x as long as 256 KiB', () => {
    const result = growth(makeStream, 256 * 1024, (stream) => feedBytewise(new MessageDecoder({ role: 'server' }), stream));
    console.log(`MessageDecoder 1-byte pushes: 256 KiB ${result.small.toFixed(1)} ms, 1 MiB ${result.large.toFixed(1)} ms (x${result.ratio.toFixed(2)})`);
    expect(result.ratio).toBeLessThan(THRESHOLD);
  });

  it('MessageDecoder assembling a text message from 1-byte fragments fed 1 byte at a time is linear', () => {
    const make = (n: number) => {
      const key = new Uint8Array([9, 8, 7, 6]);
      const count = Math.floor(n / 7);
      const stream = new Uint8Array(count * 7 + 6);
      for (let i = 0; i < count; i++) {
        stream.set(encodeFrame({ opcode: i === 0 ? 0x1 : 0x0, fin: false, payload: new Uint8Array([0x61 + (i % 26)]), maskingKey: key }), i * 7);
      }
      stream.set(encodeFrame({ opcode: 0x0, maskingKey: key }), count * 7);
      return stream;
    };
    const result = growth(make, 256 * 1024, (stream) => feedBytewise(new MessageDecoder({ role: 'server' }), stream));
    console.log(`MessageDecoder 1-byte fragments: 256 KiB ${result.small.toFixed(1)} ms, 1 MiB ${result.large.toFixed(1)} ms (x${result.ratio.toFixed(2)})`);
    expect(result.ratio).toBeLessThan(THRESHOLD);
  });
});
