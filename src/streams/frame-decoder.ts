/**
 * Incremental frame decoding: push chunks as they arrive, iterate complete frames
 * ({@link FrameDecoder}) or, for frames too large to hold, header / payload-piece / end events
 * ({@link FrameStreamDecoder}). Frames only: payloads are never looked into (fragmentation,
 * UTF-8 and close semantics are `MessageDecoder`'s). Layer 4.
 *
 * @module
 */

import { FIN_BIT, FrameReader, OPCODE_BITS, unmaskPayload } from './_frame-reader.ts';
import { BytePool, GrowingBuffer, growScratch, SCRATCH_KEEP } from './_growing-buffer.ts';
import type { DecodeOptions } from '../wire/check.ts';
import { MASKING_KEY_SIZE } from '../base/constants.ts';
import type { Frame } from '../wire/frame.ts';
import { decodeHeader, type FrameHeader } from '../wire/header.ts';
import { copyUnmasked, unmaskInPlace } from '../bytes/_copy.ts';

const RSV1_BIT = 0x40;
const RSV2_BIT = 0x20;
const RSV3_BIT = 0x10;

/** Options of {@link FrameDecoder} and {@link FrameStreamDecoder}. */
export interface FrameDecoderOptions extends DecodeOptions {
  /**
   * Unmask masked payloads inside the pushed chunks instead of copying them: saves a copy and
   * an allocation per frame, but mutates the chunks you push. Default false.
   */
  unmaskInPlace?: boolean;
}

/** The 4-byte masking key at `at`, copied (~3x faster than slice() on Node 20). */
function copyKey(bytes: Uint8Array, at: number, pool: BytePool): Uint8Array {
  const key = pool.take(MASKING_KEY_SIZE, bytes.length - at);
  key[0] = bytes[at];
  key[1] = bytes[at + 1];
  key[2] = bytes[at + 2];
  key[3] = bytes[at + 3];
  return key;
}

/**
 * A frame as {@link FrameDecoder.visit} shows it: one object, reused for every frame, whose
 * payload is `bytes[start..end)`, unmasked. Valid only during the visitor's call: after it
 * returns, the object describes the next frame and `bytes` may be overwritten.
 */
export interface FrameView {
  /** FIN: this is the last frame of its message. */
  readonly fin: boolean;
  /** RSV1 (permessage-deflate's "compressed" bit). */
  readonly rsv1: boolean;
  /** RSV2. */
  readonly rsv2: boolean;
  /** RSV3. */
  readonly rsv3: boolean;
  /** 0..15 as on the wire (see `Opcode`). */
  readonly opcode: number;
  /** Stream offset of the frame's first header byte, counted from the first byte ever pushed. */
  readonly offset: number;
  /**
   * Holds the unmasked payload at `[start, end)`: a pushed chunk (an unmasked frame, or a masked
   * one with `unmaskInPlace`) or an array the decoder owns and reuses. Read it, copy what you
   * keep; never write to it.
   */
  readonly bytes: Uint8Array;
  /** Index of the payload's first byte in `bytes`. */
  readonly start: number;
  /** Index after the payload's last byte in `bytes`. */
  readonly end: number;
}

/** What {@link FrameDecoder.visit} calls for each frame, in order. */
export type FrameVisitor = (frame: FrameView) => void;

/** The visitor's view, written by the decoder. */
type MutableFrameView = { -readonly [K in keyof FrameView]: FrameView[K] };

const EMPTY = new Uint8Array(0);

/** A frame yielded by {@link FrameDecoder}: a {@link Frame} and where it started. */
export interface DecodedFrame extends Frame {
  /** Stream offset of the frame's first header byte, counted from the first byte ever pushed. */
  offset: number;
}

/**
 * Decodes a stream of frames pushed in chunks of any size (1 byte, empty, many frames at once)
 * and yields each complete frame, in order, with the same result for any chunking and in time
 * linear in the bytes pushed. Headers are checked (`checkFrameHeader`, with the options) as soon
 * as their bytes are there, before any payload is buffered; nothing is allocated from a
 * declared length before its bytes arrive.
 *
 * Iterating yields every frame completed so far, then throws the `ProtocolError` of the first
 * violation, if any, with `offset` counted from the first byte ever pushed. A failed decoder
 * stays failed: every later `push` or iteration throws the same error object. `push` throws
 * `TypeError` for a chunk that is not a `Uint8Array`; the constructor throws `TypeError` /
 * `RangeError` for malformed options.
 *
 * Data ownership: a payload that lies unmasked inside one pushed chunk is a view into that
 * chunk; any other payload is one fresh copy, unmasked while copying, and yours. A copy of at
 * most 256 bytes (and a `maskingKey`) is a view of a block of up to 8 KiB that holds other
 * copies this decoder made from the same chunk, as Node's `Buffer` pool does: mind its
 * `.buffer`, and `slice()` a small payload you keep for long if the block should not stay
 * alive with it. Pushed chunks are never
 * modified unless `unmaskInPlace` is set; the decoder keeps a pushed chunk until it is iterated
 * and views of it until the frames using them are complete, so do not reuse a chunk's memory
 * after pushing it.
 *
 * @example
 * ```ts
 * import { FrameDecoder } from 'wsframe';
 * // RFC 6455 §5.7: a masked "Hello" from a client, then an unmasked ping "Hello", in 3 chunks
 * const bytes = new Uint8Array([
 *   0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
 *   0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f,
 * ]);
 * const decoder = new FrameDecoder();
 * decoder.push(bytes.subarray(0, 3)).push(bytes.subarray(3, 12)).push(bytes.subarray(12));
 * const [hello, ping] = decoder;
 * console.log(hello.opcode, hello.fin, new TextDecoder().decode(hello.payload), hello.offset); // 1 true Hello 0
 * console.log(ping.opcode, ping.maskingKey === undefined, new TextDecoder().decode(ping.payload), ping.offset); // 9 true Hello 11
 * ```
 */
export class FrameDecoder implements Iterable<DecodedFrame> {
  readonly #reader: FrameReader<DecodedFrame>;
  readonly #unmaskInPlace: boolean;
  readonly #pool = new BytePool();
  readonly #pieces = new GrowingBuffer();
  /** The payload when it lies unmasked inside one chunk: a view, handed out as it is. */
  #whole: Uint8Array | undefined = undefined;
  #header: FrameHeader | undefined = undefined;
  #headerOffset = 0;
  /** Set during {@link FrameDecoder.visit}: complete frames go to it instead of the queue. */
  #visitor: FrameVisitor | undefined = undefined;
  readonly #view: MutableFrameView = {
    fin: false, rsv1: false, rsv2: false, rsv3: false, opcode: 0, offset: 0, bytes: EMPTY, start: 0, end: 0,
  };
  #scratch: Uint8Array = EMPTY;
  readonly #key = new Uint8Array(MASKING_KEY_SIZE);

  /** See {@link FrameDecoderOptions}. */
  constructor(options: FrameDecoderOptions = {}) {
    this.#unmaskInPlace = options.unmaskInPlace === true;
    this.#reader = new FrameReader<DecodedFrame>(options, {
      onFrame: (b0, bytes, start, end, keyStart, offset) => this.#onFrame(b0, bytes, start, end, keyStart, offset),
      onHeader: (header, offset) => this.#onHeader(header, offset),
      onPayload: (bytes, start, end, maskingKey, payloadOffset, last) => this.#onPayload(bytes, start, end, maskingKey, payloadOffset, last),
      onEnd: () => this.#onEnd(),
      onChunkEnd: () => this.#pool.release(),
    });
  }

  /**
   * Feeds the next bytes of the stream and returns the decoder. The chunk is decoded lazily, as
   * the iteration asks for the next item (so one large push keeps one item alive at a time, not
   * all of them); bytes of an earlier chunk not iterated yet are decoded first, here. A violation
   * is thrown by the iteration after everything before it, and by every later `push`. Empty
   * chunks are fine. Throws `TypeError` when `chunk` is not a `Uint8Array`.
   */
  push(chunk: Uint8Array): this {
    this.#reader.push(chunk);
    return this;
  }

  /**
   * Yields everything decoded so far, in order, then throws the decoder's error if it failed
   * (the same error object every time).
   */
  [Symbol.iterator](): IterableIterator<DecodedFrame> {
    return this.#reader.iterator();
  }

  /**
   * Calls `visitor` for every frame pushed so far, in order, with a {@link FrameView}: the same
   * frames iteration would yield, and the same error, thrown after every frame before it; but
   * no object is made per frame. A frame that lies in one chunk costs no allocation: its payload
   * is shown in the chunk when unmasked (or with `unmaskInPlace`), else unmasked into an array
   * the decoder owns and reuses (kept up to 1 MiB); a frame split over chunks is
   * assembled once, as iteration does. The view and its bytes are valid only during the call.
   * A visitor that throws fails the decoder with its error, as a protocol violation does.
   * Visiting and iterating may be mixed; `TypeError` when `visitor` is not a function.
   *
   * @example
   * ```ts
   * import { FrameDecoder, type FrameView } from 'wsframe';
   * // RFC 6455 §5.7: a masked "Hello" from a client, then a masked empty ping
   * const bytes = new Uint8Array([
   *   0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
   *   0x89, 0x80, 0x01, 0x02, 0x03, 0x04,
   * ]);
   * const seen: string[] = [];
   * new FrameDecoder({ role: 'server' }).push(bytes).visit((frame: FrameView) => {
   *   // Valid during this call only: decode or copy (bytes.slice) what you keep.
   *   seen.push(`${frame.opcode}:${new TextDecoder().decode(frame.bytes.subarray(frame.start, frame.end))}`);
   * });
   * console.log(seen.join(' ')); // 1:Hello 9:
   * ```
   */
  visit(visitor: FrameVisitor): void {
    if (typeof visitor !== 'function') throw new TypeError('Cannot visit frames: visitor must be a function');
    const reader = this.#reader;
    for (let frame = reader.shift(); frame !== undefined; frame = reader.shift()) {
      this.#showFrame(visitor, frame, frame.payload, frame.offset);
    }
    this.#visitor = visitor;
    try {
      reader.decodeAll();
    } finally {
      this.#visitor = undefined;
    }
  }

  /** Hands the view of a frame with `flags` and all of `payload` to `visitor`. */
  #showFrame(visitor: FrameVisitor, flags: Omit<Frame, 'payload' | 'maskingKey'>, payload: Uint8Array, offset: number): void {
    const view = this.#view;
    view.fin = flags.fin;
    view.rsv1 = flags.rsv1;
    view.rsv2 = flags.rsv2;
    view.rsv3 = flags.rsv3;
    view.opcode = flags.opcode;
    this.#show(visitor, payload, 0, payload.length, offset);
  }

  /** Hands the view, its flags already set, to `visitor`. */
  #show(visitor: FrameVisitor, bytes: Uint8Array, start: number, end: number, offset: number): void {
    const view = this.#view;
    view.offset = offset;
    view.bytes = bytes;
    view.start = start;
    view.end = end;
    visitor(view);
    view.bytes = EMPTY;
  }

  #onFrame(b0: number, bytes: Uint8Array, start: number, end: number, keyStart: number, offset: number): void {
    const visitor = this.#visitor;
    if (visitor !== undefined) {
      const view = this.#view;
      view.fin = (b0 & FIN_BIT) !== 0;
      view.rsv1 = (b0 & RSV1_BIT) !== 0;
      view.rsv2 = (b0 & RSV2_BIT) !== 0;
      view.rsv3 = (b0 & RSV3_BIT) !== 0;
      view.opcode = b0 & OPCODE_BITS;
      if (keyStart < 0) {
        this.#show(visitor, bytes, start, end, offset);
        return;
      }
      const key = this.#key;
      key[0] = bytes[keyStart];
      key[1] = bytes[keyStart + 1];
      key[2] = bytes[keyStart + 2];
      key[3] = bytes[keyStart + 3];
      if (this.#unmaskInPlace) {
        unmaskInPlace(bytes, start, end, key, 0);
        this.#show(visitor, bytes, start, end, offset);
        return;
      }
      const length = end - start;
      const scratch = growScratch(this.#scratch, length);
      if (scratch.length <= SCRATCH_KEEP) this.#scratch = scratch;
      copyUnmasked(bytes, start, end, scratch, 0, key, 0);
      this.#show(visitor, scratch, 0, length, offset);
      return;
    }
    this.#reader.emit({
      fin: (b0 & FIN_BIT) !== 0,
      rsv1: (b0 & RSV1_BIT) !== 0,
      rsv2: (b0 & RSV2_BIT) !== 0,
      rsv3: (b0 & RSV3_BIT) !== 0,
      opcode: b0 & OPCODE_BITS,
      maskingKey: keyStart < 0 ? undefined : copyKey(bytes, keyStart, this.#pool),
      payload: unmaskPayload(bytes, start, end, keyStart, this.#pool, this.#unmaskInPlace),
      offset,
    });
  }

  #onHeader(header: FrameHeader, offset: number): void {
    this.#header = header;
    this.#headerOffset = offset;
  }

  #onPayload(
    bytes: Uint8Array, start: number, end: number, maskingKey: Uint8Array | undefined, payloadOffset: number, last: boolean,
  ): void {
    if (maskingKey !== undefined && this.#unmaskInPlace) {
      unmaskInPlace(bytes, start, end, maskingKey, payloadOffset);
      maskingKey = undefined;
    }
    if (maskingKey === undefined && payloadOffset === 0 && last) {
      this.#whole = bytes.subarray(start, end);
      return;
    }
    // One copy, unmasked while copying, into an array of the payload's exact length.
    this.#pieces.defer(bytes, start, end, maskingKey, payloadOffset, this.#header!.payloadLength);
  }

  #onEnd(): void {
    const header = this.#header!;
    const { maskingKey } = header;
    const payload = this.#whole ?? this.#pieces.take();
    this.#header = undefined;
    this.#whole = undefined;
    const visitor = this.#visitor;
    if (visitor !== undefined) {
      this.#showFrame(visitor, header, payload, this.#headerOffset);
      return;
    }
    this.#reader.emit({
      fin: header.fin, rsv1: header.rsv1, rsv2: header.rsv2, rsv3: header.rsv3, opcode: header.opcode, maskingKey,
      payload,
      offset: this.#headerOffset,
    });
  }
}

/**
 * What {@link FrameStreamDecoder} yields for each frame: one `header`, then `payload` pieces
 * (none for an empty payload) as their bytes arrive, already unmasked, then `end`.
 *
 * - `header`: the checked header (`maskingKey` a copy) and the stream offset of its first byte.
 * - `payload`: `data` (never empty) and `payloadOffset`, the position of `data[0]` in the
 *   payload. `data` is a view into a pushed chunk when the frame is not masked (or with
 *   `unmaskInPlace`), else a fresh unmasked copy.
 * - `end`: the frame is complete.
 */
export type FrameEvent =
  | { type: 'header'; header: FrameHeader; offset: number }
  | { type: 'payload'; data: Uint8Array; payloadOffset: number }
  | { type: 'end' };

const END: FrameEvent = Object.freeze({ type: 'end' });

/**
 * Like {@link FrameDecoder}, but yields each frame as it arrives instead of when it is complete:
 * a `header` event as soon as the header is there (and checked), a `payload` event for each
 * piece of payload as it arrives, unmasked, and an `end` event. A 1 GiB frame thus never needs
 * 1 GiB of memory: the decoder holds nothing but a partial header (at most 14 bytes). Raise
 * `maxPayloadLength` (default 64 MiB) to accept such frames. Same push, iteration, failure and
 * ownership rules as {@link FrameDecoder}; see {@link FrameEvent}.
 *
 * @example
 * ```ts
 * import { FrameStreamDecoder, type FrameEvent } from 'wsframe';
 * // RFC 6455 §5.7: masked "Hello", delivered in two chunks
 * const bytes = new Uint8Array([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
 * const decoder = new FrameStreamDecoder({ role: 'server' });
 * const describe = (event: FrameEvent) =>
 *   event.type === 'header' ? `header ${event.header.payloadLength}`
 *   : event.type === 'payload' ? `payload ${new TextDecoder().decode(event.data)}` : 'end';
 * console.log(Array.from(decoder.push(bytes.subarray(0, 8)), describe).join(', ')); // header 5, payload He
 * console.log(Array.from(decoder.push(bytes.subarray(8)), describe).join(', ')); // payload llo, end
 * ```
 */
export class FrameStreamDecoder implements Iterable<FrameEvent> {
  readonly #reader: FrameReader<FrameEvent>;
  readonly #unmaskInPlace: boolean;
  readonly #pool = new BytePool();

  /** See {@link FrameDecoderOptions}. */
  constructor(options: FrameDecoderOptions = {}) {
    this.#unmaskInPlace = options.unmaskInPlace === true;
    this.#reader = new FrameReader<FrameEvent>(options, {
      onFrame: (b0, bytes, start, end, keyStart, offset) => this.#onFrame(b0, bytes, start, end, keyStart, offset),
      onHeader: (header, offset) => this.#onHeader(header, offset),
      onPayload: (bytes, start, end, maskingKey, payloadOffset) => this.#onPayload(bytes, start, end, maskingKey, payloadOffset),
      onEnd: () => this.#onEnd(),
      onChunkEnd: () => this.#pool.release(),
    });
  }

  /**
   * Feeds the next bytes of the stream and returns the decoder. The chunk is decoded lazily, as
   * the iteration asks for the next item (so one large push keeps one item alive at a time, not
   * all of them); bytes of an earlier chunk not iterated yet are decoded first, here. A violation
   * is thrown by the iteration after everything before it, and by every later `push`. Empty
   * chunks are fine. Throws `TypeError` when `chunk` is not a `Uint8Array`.
   */
  push(chunk: Uint8Array): this {
    this.#reader.push(chunk);
    return this;
  }

  /**
   * Yields everything decoded so far, in order, then throws the decoder's error if it failed
   * (the same error object every time).
   */
  [Symbol.iterator](): IterableIterator<FrameEvent> {
    return this.#reader.iterator();
  }

  #onFrame(b0: number, bytes: Uint8Array, start: number, end: number, keyStart: number, offset: number): void {
    // Not the hot path: the header object is built by the parser itself.
    const header = decodeHeader(bytes, offset - this.#reader.chunkOffset)!;
    const reader = this.#reader;
    reader.emit({ type: 'header', header, offset });
    if (end > start) {
      reader.emit({ type: 'payload', data: unmaskPayload(bytes, start, end, keyStart, this.#pool, this.#unmaskInPlace), payloadOffset: 0 });
    }
    reader.emit(END);
  }

  #onHeader(header: FrameHeader, offset: number): void {
    this.#reader.emit({ type: 'header', header, offset });
  }

  #onPayload(
    bytes: Uint8Array, start: number, end: number, maskingKey: Uint8Array | undefined, payloadOffset: number,
  ): void {
    let data: Uint8Array;
    if (maskingKey === undefined) {
      data = bytes.subarray(start, end);
    } else if (this.#unmaskInPlace) {
      unmaskInPlace(bytes, start, end, maskingKey, payloadOffset);
      data = bytes.subarray(start, end);
    } else {
      data = this.#pool.take(end - start, bytes.length - start);
      copyUnmasked(bytes, start, end, data, 0, maskingKey, payloadOffset);
    }
    this.#reader.emit({ type: 'payload', data, payloadOffset });
  }

  #onEnd(): void {
    this.#reader.emit(END);
  }
}
