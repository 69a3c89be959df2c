/**
 * The engine under the stream decoders: takes pushed chunks, finds frame headers, checks them
 * and hands payload bytes to a subclass as they arrive; queues what the subclass produces and
 * implements the push/iterate/fail-once contract of DESIGN.md "Streams". Layer 4, internal.
 *
 * Nothing is buffered here but a header split across chunks (at most 14 bytes, in a scratch
 * array): every byte is handed on in the push that delivers it, so the work per push is
 * proportional to the chunk, whatever the chunking.
 *
 * @internal
 * @module
 */

import {
  LENGTH_16BIT_MARKER, LENGTH_64BIT_MARKER, MASKING_KEY_SIZE, MAX_16BIT_LENGTH, MAX_7BIT_LENGTH, MAX_CONTROL_PAYLOAD,
  MAX_HEADER_SIZE, Opcode,
} from '../base/constants.ts';
import { checkFrameHeader, resolveDecodeOptions, type DecodeOptions, type ResolvedDecodeOptions } from '../wire/check.ts';
import { ProtocolError } from '../base/errors.ts';
import { decodeHeader, type FrameHeader } from '../wire/header.ts';
import { applyMask } from '../bytes/mask.ts';
import { copyXorSmall, FUSED_UNMASK_MAX } from '../bytes/_copy.ts';
import { copyXorSimd, SIMD_MIN } from '../bytes/_simd.ts';
import { viewOf } from '../bytes/_bytes.ts';
import type { BytePool } from './_growing-buffer.ts';

/** First header byte: FIN bit. */
export const FIN_BIT = 0x80;
/** First header byte: RSV1..RSV3 bits. */
export const RSV_BITS = 0x70;
/** First header byte: opcode bits. */
export const OPCODE_BITS = 0x0f;
const MASK_BIT = 0x80;
const LENGTH_BITS = 0x7f;
const NOT_IN_PAYLOAD = -1;
/** Queue slots kept once the queue is empty (iterated lazily it holds one item at a time). */
const QUEUE_KEEP = 16;

/** The error thrown again at another base offset (the same code and message). */
export function rebaseError(error: unknown, delta: number): unknown {
  if (error instanceof ProtocolError && error.offset !== undefined) {
    return new ProtocolError(error.code, error.message, error.offset + delta);
  }
  return error;
}

/**
 * The unmasked payload `bytes[start..end)` whose masking key starts at `keyStart` (-1: not
 * masked): a view when not masked, else a fresh unmasked copy from `pool` (or, with `inPlace`,
 * the view unmasked in place).
 */
export function unmaskPayload(bytes: Uint8Array, start: number, end: number, keyStart: number, pool: BytePool, inPlace = false): Uint8Array {
  if (keyStart < 0) return bytes.subarray(start, end);
  const length = end - start;
  if (length <= FUSED_UNMASK_MAX) {
    const target = inPlace ? bytes.subarray(start, end) : pool.take(length, bytes.length - start);
    copyXorSmall(bytes, start, length, target, 0, bytes[keyStart], bytes[keyStart + 1], bytes[keyStart + 2], bytes[keyStart + 3]);
    return target;
  }
  const maskingKey = viewOf(bytes, keyStart, keyStart + MASKING_KEY_SIZE);
  const target = inPlace ? bytes.subarray(start, end) : pool.take(length, bytes.length - start);
  if (length < SIMD_MIN || !copyXorSimd(bytes, start, end, target, 0, maskingKey, 0)) {
    if (!inPlace) target.set(viewOf(bytes, start, end));
    applyMask(target, maskingKey);
  }
  return target;
}

function decodeHeaderAt(bytes: Uint8Array, at: number, streamOffset: number): FrameHeader | undefined {
  try {
    return decodeHeader(bytes, at);
  } catch (error) {
    throw rebaseError(error, streamOffset - at);
  }
}

/**
 * What a {@link FrameReader} hands each frame to: the decoder that owns it. It receives each
 * frame either whole (`onFrame`, when header and payload lie in one chunk: the hot path, no
 * header object) or as `onHeader`, `onPayload` pieces and `onEnd`, and pushes what it produces
 * through the reader's `emit`. A handler may throw: the decoder then fails (see `push`).
 */
export interface FrameSink {
  /**
   * A whole frame inside one chunk: first header byte `b0`, payload `bytes[start..end)` still
   * masked, masking key at `keyStart` (-1: not masked), header at stream offset `offset`.
   */
  onFrame(b0: number, bytes: Uint8Array, start: number, end: number, keyStart: number, offset: number): void;
  /** A checked header whose payload is still to come (`onPayload` pieces, then `onEnd`). */
  onHeader(header: FrameHeader, offset: number): void;
  /**
   * Payload piece `bytes[start..end)`, still masked with `maskingKey`; `payloadOffset` is its
   * position in the payload; `last` when it completes the payload. Never empty.
   */
  onPayload(bytes: Uint8Array, start: number, end: number, maskingKey: Uint8Array | undefined, payloadOffset: number, last: boolean): void;
  /** The frame announced by `onHeader` is complete. */
  onEnd(): void;
  /** Bytes after `stopped` was set (never empty); `offset` is their stream offset. Default: ignored. */
  onTrailing?(bytes: Uint8Array, offset: number): void;
  /** A pushed chunk has been read to its end (or decoding failed in it). */
  onChunkEnd?(): void;
}

/**
 * Push/iterate engine under the stream decoders, which own one each (a member, not a base
 * class, so that it stays out of their public types) and receive its frames as its
 * {@link FrameSink}.
 */
export class FrameReader<T> {
  /** Resolved decode options. */
  readonly options: ResolvedDecodeOptions;
  /** Produced items not yet iterated: `#queue[#head..#tail)`. */
  readonly #queue: T[] = [];
  #tail = 0;
  /** Stream offset of the first byte of the chunk being read. */
  chunkOffset = 0;
  /** Set by the sink when the stream is over (a close frame): later bytes go to `onTrailing`. */
  stopped = false;
  readonly #sink: FrameSink;
  #head = 0;
  #failed = false;
  #error: unknown = undefined;
  /** The pushed chunk not yet fully decoded, and where decoding stopped in it. */
  #pending: Uint8Array | undefined = undefined;
  #position = 0;
  /** MASK bit value that the role forbids: 0 (server), 0x80 (client), -1 (neither). */
  readonly #forbiddenMaskBit: number;
  readonly #scratch = new Uint8Array(MAX_HEADER_SIZE);
  #scratchFill = 0;
  #remaining = NOT_IN_PAYLOAD;
  #maskingKey: Uint8Array | undefined = undefined;
  #payloadOffset = 0;
  readonly #iterator: IterableIterator<T>;

  constructor(options: DecodeOptions | undefined, sink: FrameSink) {
    this.options = resolveDecodeOptions(options);
    this.#sink = sink;
    const { role } = this.options;
    this.#forbiddenMaskBit = role === 'server' ? 0 : role === 'client' ? MASK_BIT : -1;
    this.#iterator = {
      next: () => this.#next(),
      [Symbol.iterator]() {
        return this;
      },
    };
  }

  /**
   * See the decoders' `push`. The chunk is only stored: iteration decodes it (lazily, one item
   * at a time). Bytes an earlier push left undecoded are decoded first, into the queue, so that
   * a violation in them makes this push throw, as the contract says.
   */
  push(chunk: Uint8Array): void {
    if (this.#failed) throw this.#error;
    if (!(chunk instanceof Uint8Array)) throw new TypeError('Cannot push: chunk must be a Uint8Array');
    if (this.#pending !== undefined) {
      this.#decode(false);
      if (this.#failed) throw this.#error;
    }
    if (chunk.length === 0) return;
    this.#pending = chunk;
    this.#position = 0;
  }

  /** The next queued item, without decoding anything; undefined when none is queued. */
  shift(): T | undefined {
    const head = this.#head;
    if (head === this.#tail) return undefined;
    const queue = this.#queue;
    const value = queue[head];
    queue[head] = undefined as T;
    if (head + 1 === this.#tail) {
      this.#head = 0;
      this.#tail = 0;
      // Pushes left uniterated queue many items at once: that much room is not kept.
      if (queue.length > QUEUE_KEEP) queue.length = 0;
    } else {
      this.#head = head + 1;
    }
    return value;
  }

  /**
   * Decodes everything pushed so far (what the sink produces is queued, or handed on by the
   * sink itself), then throws the decoder's error if it failed.
   */
  decodeAll(): void {
    if (this.#pending !== undefined) this.#decode(false);
    if (this.#failed) throw this.#error;
  }

  /** Queues an item for iteration (what the sink produced). */
  emit(item: T): void {
    this.#queue[this.#tail++] = item;
  }

  /** See the decoders' `[Symbol.iterator]`. */
  iterator(): IterableIterator<T> {
    return this.#iterator;
  }

  #next(): IteratorResult<T> {
    // Slots are cleared, never shrunk: `length = 0` would free the backing store and the next
    // item allocate one again.
    if (this.#head < this.#tail) return { value: this.shift() as T, done: false };
    if (this.#pending !== undefined) {
      // GC was 58% of the time when one push decoded 10,000 frames into the queue at once (all
      // alive together, so all promoted): decoding here, until one item is produced, lets each
      // die young.
      this.#decode(true);
      if (this.#tail > 0) return this.#next();
    }
    if (this.#failed) throw this.#error;
    // Everything pushed is iterated: an idle decoder keeps no queue storage (once per push, not
    // per item, as emptying it per item would cost an allocation per item).
    this.#queue.length = 0;
    return { value: undefined, done: true };
  }

  /** Decodes the pending chunk: until the sink produced an item (`lazy`), or all of it. */
  #decode(lazy: boolean): void {
    const chunk = this.#pending!;
    let p = this.#position;
    try {
      p = this.#read(chunk, p, lazy);
    } catch (error) {
      this.#failed = true;
      this.#error = error;
      p = chunk.length;
    }
    if (p < chunk.length) {
      this.#position = p;
    } else {
      this.#pending = undefined;
      this.chunkOffset += chunk.length;
      this.#sink.onChunkEnd?.();
    }
  }

  /**
   * Reads `chunk` from `p` and returns where it stopped: the end, or with `lazy`, right after
   * the frame event that made the sink produce an item.
   */
  #read(chunk: Uint8Array, p: number, lazy: boolean): number {
    const length = chunk.length;
    const { allowedRsvBits, maxPayloadLength } = this.options;
    const forbiddenMaskBit = this.#forbiddenMaskBit;
    while (p < length) {
      if (lazy && this.#tail !== 0) return p;
      if (this.stopped) {
        this.#sink.onTrailing?.(chunk.subarray(p), this.chunkOffset + p);
        return length;
      }
      const remaining = this.#remaining;
      if (remaining !== NOT_IN_PAYLOAD) {
        if (length - p < remaining) {
          this.#sink.onPayload(chunk, p, length, this.#maskingKey, this.#payloadOffset, false);
          this.#remaining = remaining - (length - p);
          this.#payloadOffset += length - p;
          return length;
        }
        const end = p + remaining;
        this.#remaining = NOT_IN_PAYLOAD;
        this.#sink.onPayload(chunk, p, end, this.#maskingKey, this.#payloadOffset, true);
        this.#sink.onEnd();
        p = end;
        continue;
      }
      if (this.#scratchFill === 0 && length - p >= 2) {
        // Hot path: the whole frame in this chunk, header parsed inline (no header object);
        // anything else goes through decodeHeader below.
        const b0 = chunk[p];
        const b1 = chunk[p + 1];
        let payloadLength = b1 & LENGTH_BITS;
        let headerLength = 2;
        if (payloadLength === LENGTH_16BIT_MARKER) {
          // Only a complete, minimal length stays here; -1 sends the rest (incomplete,
          // non-minimal, over 2^32) to the general path, which also rejects what is invalid.
          const long = p + 4 <= length ? (chunk[p + 2] << 8) | chunk[p + 3] : -1;
          payloadLength = long > MAX_7BIT_LENGTH ? long : -1;
          headerLength = 4;
        } else if (payloadLength === LENGTH_64BIT_MARKER) {
          const long = p + 10 <= length && (chunk[p + 2] | chunk[p + 3] | chunk[p + 4] | chunk[p + 5]) === 0
            ? ((chunk[p + 6] << 24) | (chunk[p + 7] << 16) | (chunk[p + 8] << 8) | chunk[p + 9]) >>> 0
            : -1;
          payloadLength = long > MAX_16BIT_LENGTH ? long : -1;
          headerLength = 10;
        }
        if (payloadLength >= 0 && headerLength + payloadLength <= length - p) {
          let keyStart = -1;
          if ((b1 & MASK_BIT) !== 0) {
            keyStart = p + headerLength;
            headerLength += MASKING_KEY_SIZE;
          }
          const start = p + headerLength;
          const end = start + payloadLength;
          if (end <= length) {
            const opcode = b0 & OPCODE_BITS;
            // A cheap filter for checkFrameHeader, which stays the one authority on the rules.
            if (
              (b0 & RSV_BITS & ~allowedRsvBits) !== 0 ||
              (b1 & MASK_BIT) === forbiddenMaskBit ||
              payloadLength > maxPayloadLength ||
              (opcode > Opcode.Binary &&
                (opcode < Opcode.Close || opcode > Opcode.Pong || payloadLength > MAX_CONTROL_PAYLOAD || (b0 & FIN_BIT) === 0))
            ) {
              checkFrameHeader(decodeHeaderAt(chunk, p, this.chunkOffset + p)!, this.options, this.chunkOffset + p);
            }
            this.#sink.onFrame(b0, chunk, start, end, keyStart, this.chunkOffset + p);
            p = end;
            continue;
          }
        }
      }
      p = this.#readHeader(chunk, p);
    }
    return p;
  }

  /** Reads a header that is split, long, or followed by a partial payload; returns the new position. */
  #readHeader(chunk: Uint8Array, p: number): number {
    const length = chunk.length;
    const fill = this.#scratchFill;
    const headerOffset = this.chunkOffset + p - fill;
    let header: FrameHeader | undefined;
    if (fill === 0) {
      header = decodeHeaderAt(chunk, p, headerOffset);
      if (header === undefined) {
        // Fewer than 14 bytes are left, or decodeHeader would have found a header.
        this.#scratch.set(chunk.subarray(p), 0);
        this.#scratchFill = length - p;
        return length;
      }
      p += header.headerLength;
    } else {
      const count = Math.min(MAX_HEADER_SIZE - fill, length - p);
      this.#scratch.set(chunk.subarray(p, p + count), fill);
      header = decodeHeaderAt(this.#scratch.subarray(0, fill + count), 0, headerOffset);
      if (header === undefined) {
        this.#scratchFill = fill + count;
        return length;
      }
      this.#scratchFill = 0;
      p += header.headerLength - fill;
    }
    checkFrameHeader(header, this.options, headerOffset);
    this.#sink.onHeader(header, headerOffset);
    if (header.payloadLength === 0) {
      this.#sink.onEnd();
    } else {
      this.#remaining = header.payloadLength;
      this.#maskingKey = header.maskingKey;
      this.#payloadOffset = 0;
    }
    return p;
  }
}
