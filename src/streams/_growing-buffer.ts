/**
 * One buffer for a payload or a message that arrives in pieces. Layer 4 (streams), internal.
 *
 * Each piece is copied once, unmasked while copying, to the end of one buffer, which is handed
 * out as it is when full. The buffer grows geometrically (each byte is copied again at most once
 * on average), but never from a length the peer merely declared: a new capacity is at most
 * max(2 × the bytes arrived, {@link MIN_CAPACITY}), and at most the caller's bound (the declared
 * length once the bytes are known to end there, so a payload in pieces ends in a buffer of its
 * exact length). A flood of 1-byte fragments thus retains at most 2 bytes per payload byte, and a
 * header declaring 2^52 bytes costs nothing until bytes come. {@link GrowingBuffer.retainedBytes}
 * counts capacity, not length, so a budget on it is a budget on memory.
 *
 * Large pieces that need no look now ({@link GrowingBuffer.defer}) are first kept as views of the
 * pushed chunks, still masked, as ws keeps its chunks: a payload that arrives in large pieces is
 * then copied once, at {@link GrowingBuffer.take}, into an array of its exact length (measured on
 * a 16 MiB frame in 64 KiB chunks: ~1.4x faster than growing, which allocates and copies 2x).
 *
 * @internal
 * @module
 */

import { copyUnmasked } from '../bytes/_copy.ts';
import { viewOf } from '../bytes/_bytes.ts';

/**
 * Smallest capacity the bound allows: what one unfinished frame or message may cost before 2 × its
 * arrived bytes exceed it. 16 KiB measured no faster on 64 KiB frames in 1 KiB chunks (fewer
 * regrowths, lost in the noise), so the smaller.
 */
export const MIN_CAPACITY = 4 * 1024;

/**
 * Estimated heap cost of the buffer besides its bytes (the typed-array and ArrayBuffer objects
 * and the backing-store record). An upper estimate; `scripts/memory.mjs` checks it.
 */
export const BUFFER_OVERHEAD = 256;

/** A deferred piece at least this long is kept as a view: its bookkeeping is at most 1/8 of it. */
const VIEW_MIN = 2048;

const EMPTY = new Uint8Array(0);

/**
 * A decoder-owned array of at least `length` bytes, reused while it is at most this long: a
 * visited frame or a decoded text message costs no allocation, and a connection that once saw
 * a large one keeps no more than this.
 */
export const SCRATCH_KEEP = 1024 * 1024;

/** Copies of at most this many bytes come from a {@link BytePool} block. */
export const POOLED_MAX = 256;
/** Largest {@link BytePool} block: what one retained small payload may pin at most. */
export const POOL_BLOCK = 8 * 1024;

/**
 * Memory for small copies a decoder hands out (payloads, masking keys), carved from blocks as
 * Node's `Buffer` pool does: one `ArrayBuffer` per block instead of one per copy. Deno takes
 * ~750 ns per `new Uint8Array(16)` against ~30 ns for a view of an existing buffer (Node ~40 ns
 * either way), so per-frame arrays made its decoders 10x slower than their allocation-free
 * paths. A block serves one pushed chunk: it is sized to what is left of the chunk (copies out
 * of a chunk never outgrow it), at most {@link POOL_BLOCK}, and let go when the chunk is done
 * ({@link BytePool.release}), so an idle decoder holds none. Ownership: each copy is the
 * caller's; the block behind its `.buffer` also holds other copies the same decoder made from
 * the same chunk (never another decoder's), and a retained copy keeps its block alive.
 */
export class BytePool {
  #block: ArrayBuffer | undefined = undefined;
  #used = 0;
  /** The block's size (0: none), kept as a number: reading `byteLength` per copy cost ~10%. */
  #size = 0;

  /**
   * A fresh, zeroed array of `length` bytes: a view of the current block when it is small.
   * `room`: how many bytes of the chunk are left from the copy's source on.
   */
  take(length: number, room: number): Uint8Array {
    if (length > POOLED_MAX) return new Uint8Array(length);
    let used = this.#used;
    if (used + length > this.#size || this.#block === undefined) {
      this.#size = Math.min(POOL_BLOCK, Math.max(length, room));
      this.#block = new ArrayBuffer(this.#size);
      used = 0;
    }
    const bytes = new Uint8Array(this.#block!, used, length);
    // 8-byte aligned, so that word-wise unmasking finds every copy aligned alike.
    this.#used = (used + length + 7) & ~7;
    return bytes;
  }

  /** Lets go of the current block (the chunk it served is done). */
  release(): void {
    this.#block = undefined;
    this.#size = 0;
  }
}

/** `scratch` when it holds `length` bytes, else a larger array (kept if within SCRATCH_KEEP). */
export function growScratch(scratch: Uint8Array, length: number): Uint8Array {
  if (length <= scratch.length) return scratch;
  // Grown from bytes that arrived (the frame lies in the chunk), never from a declared length.
  return new Uint8Array(Math.max(length, Math.min(2 * scratch.length, SCRATCH_KEEP)));
}


/** Collects bytes in order; {@link GrowingBuffer.take} returns them as one array. */
export class GrowingBuffer {
  #bytes: Uint8Array = EMPTY;
  #length = 0;
  /** Deferred pieces (views of pushed chunks, still masked) while no buffer is allocated. */
  #views: Uint8Array[] = [];
  #viewKeys: (Uint8Array | undefined)[] = [];
  #viewOffsets: number[] = [];
  #viewBytes = 0;

  /** Bytes appended since the last take. */
  get length(): number {
    return this.#length;
  }

  /** Bytes held: the capacity or the views' lengths, plus {@link BUFFER_OVERHEAD} per array. */
  get retainedBytes(): number {
    const capacity = this.#bytes.length;
    return (capacity === 0 ? 0 : capacity + BUFFER_OVERHEAD) + this.#viewBytes + this.#views.length * BUFFER_OVERHEAD;
  }

  /**
   * Like {@link GrowingBuffer.append} for a piece the caller need not see unmasked now: a long one
   * that covers at least half of its chunk's memory (a short view of a large chunk would pin the
   * whole chunk) is kept as a view until {@link GrowingBuffer.take}, so do not modify it. A view
   * that would take {@link GrowingBuffer.retainedBytes} past `budget` (views cost bookkeeping,
   * so more pieces retain more) is copied instead; the copy's capacity is within `bound`, so
   * with `bound + BUFFER_OVERHEAD <= budget` what is retained stays within `budget` for any
   * chunking.
   */
  defer(
    bytes: Uint8Array, start: number, end: number, maskingKey: Uint8Array | undefined, maskOffset: number, bound: number,
    budget = Number.POSITIVE_INFINITY,
  ): void {
    const length = end - start;
    if (
      this.#bytes.length > 0 || length < VIEW_MIN || length * 2 < bytes.buffer.byteLength ||
      this.retainedBytes + length + BUFFER_OVERHEAD > budget
    ) {
      this.#copy(bytes, start, end, maskingKey, maskOffset, bound);
      return;
    }
    this.#views.push(viewOf(bytes, start, end));
    this.#viewKeys.push(maskingKey);
    this.#viewOffsets.push(maskOffset);
    this.#viewBytes += length;
    this.#length += length;
  }

  /**
   * Copies `bytes[start..end)` to the end, XORed with `maskingKey` when given (`maskOffset`: the
   * position of `bytes[start]` in the payload), and returns the copy: a view owned by this
   * buffer, valid until the next call. `bound` is the most the buffer may hold before the next
   * take; the caller keeps `length + end - start` within it. `bytes` is untouched.
   */
  append(bytes: Uint8Array, start: number, end: number, maskingKey: Uint8Array | undefined, maskOffset: number, bound: number): Uint8Array {
    const at = this.#length;
    return this.#copy(bytes, start, end, maskingKey, maskOffset, bound).subarray(at, this.#length);
  }

  /** Appends the piece as {@link GrowingBuffer.append} does and returns the buffer. */
  #copy(bytes: Uint8Array, start: number, end: number, maskingKey: Uint8Array | undefined, maskOffset: number, bound: number): Uint8Array {
    const at = this.#length;
    const length = at + end - start;
    let target = this.#bytes;
    if (length > target.length) {
      target = new Uint8Array(Math.min(bound, Math.max(2 * length, MIN_CAPACITY)));
      if (this.#views.length > 0) this.#copyViews(target);
      else if (at > 0) target.set(this.#bytes.subarray(0, at));
      this.#bytes = target;
    }
    copyUnmasked(bytes, start, end, target, at, maskingKey, maskOffset);
    this.#length = length;
    return target;
  }

  /**
   * Returns everything appended as one array and starts over: the buffer itself when full
   * (always so when the bound was the final length), else trimmed to its length, by a copy when
   * less than 7/8 full (so a message never pins more than 8/7 of its bytes). Deferred pieces are
   * copied, unmasked, into a fresh array of the exact length, except one unmasked piece: that
   * comes back as the view it is.
   */
  take(): Uint8Array {
    let bytes = this.#bytes;
    const length = this.#length;
    this.#bytes = EMPTY;
    this.#length = 0;
    const views = this.#views;
    if (views.length === 1 && this.#viewKeys[0] === undefined) {
      bytes = views[0];
      this.#forgetViews();
    } else if (views.length > 0) {
      bytes = new Uint8Array(length);
      this.#copyViews(bytes);
    }
    if (length === bytes.length) return bytes;
    return length * 8 < bytes.length * 7 ? bytes.slice(0, length) : bytes.subarray(0, length);
  }

  /** Copies the deferred pieces, unmasked, to the start of `target` and forgets them. */
  #copyViews(target: Uint8Array): void {
    const views = this.#views;
    let at = 0;
    for (let i = 0; i < views.length; i++) {
      const view = views[i];
      copyUnmasked(view, 0, view.length, target, at, this.#viewKeys[i], this.#viewOffsets[i]);
      at += view.length;
    }
    this.#forgetViews();
  }

  #forgetViews(): void {
    this.#views = [];
    this.#viewKeys = [];
    this.#viewOffsets = [];
    this.#viewBytes = 0;
  }
}
