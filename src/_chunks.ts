/**
 * A byte accumulator for payloads and messages that arrive in pieces. Layer 4 (streams),
 * internal.
 *
 * Memory is the point: a hostile peer chooses the piece sizes (1-byte TCP segments, 1-byte
 * fragments), so keeping one view per piece would cost ~100 bytes of bookkeeping per byte of
 * data (ws#2331 measured ~15x for one Buffer per fragment). Large pieces are kept as views (no
 * copy); small pieces are coalesced into owned "tail" buffers that grow with the run of small
 * pieces. {@link ByteChunks.retainedBytes} counts what is held, bookkeeping included, so a
 * budget on it is a budget on memory.
 *
 * @internal
 * @module
 */

import { copyMasked } from './mask.ts';

/** A piece at least this long is kept as a view: its bookkeeping is then at most 1/8 of it. */
const VIEW_MIN = 2048;
/** First capacity of a tail buffer; later tails grow with the run of small pieces. */
const TAIL_MIN = 256;
/** Largest tail buffer: bounds the unused capacity of the open tail. */
const TAIL_MAX = 64 * 1024;
// Below this a byte loop beats TypedArray.prototype.set (measured on Node 20: ~3x at 1-8 B).
const SET_THRESHOLD = 16;

/**
 * Estimated heap cost of one retained piece besides its bytes: a typed-array object, its slot in
 * the list and, for an owned buffer, the ArrayBuffer object and its backing-store record. An
 * upper estimate; the amplification measurement (`scripts/memory.mjs`) checks it.
 */
export const PIECE_OVERHEAD = 256;

const EMPTY = new Uint8Array(0);

/** Collects bytes in order; {@link ByteChunks.take} returns them as one array. */
export class ByteChunks {
  /** Sealed pieces, in order; the open tail (if any) comes after them. */
  #pieces: Uint8Array[] = [];
  #tail: Uint8Array | undefined = undefined;
  #tailFill = 0;
  /** Bytes copied into tails since the last view: sizes the next tail. */
  #tailRun = 0;
  #length = 0;
  #retained = 0;

  /** Bytes appended since the last take. */
  get length(): number {
    return this.#length;
  }

  /** Bytes held: views' lengths plus tails' capacities plus {@link PIECE_OVERHEAD} per piece. */
  get retainedBytes(): number {
    return this.#retained;
  }

  /**
   * Appends `bytes` as they are. Kept as a view when long and when it covers at least half of
   * its buffer (a short view of a large chunk would pin the whole chunk); copied otherwise. The
   * caller must not modify `bytes` afterwards.
   */
  append(bytes: Uint8Array): void {
    const length = bytes.length;
    if (length === 0) return;
    this.#length += length;
    if (length >= VIEW_MIN && length * 2 >= bytes.buffer.byteLength) {
      this.#addPiece(bytes);
      return;
    }
    let from = 0;
    while (from < length) {
      const tail = this.#openTail(1, length - from);
      const fill = this.#tailFill;
      const count = Math.min(length - from, tail.length - fill);
      copyInto(bytes, from, count, tail, fill);
      this.#tailFill = fill + count;
      from += count;
    }
    this.#tailRun += length;
  }

  /**
   * Appends `bytes` XOR the masking key (`maskOffset`: position of `bytes[0]` in the payload)
   * and returns the unmasked copy, which stays owned by this accumulator. `bytes` is untouched.
   */
  appendMasked(bytes: Uint8Array, maskingKey: Uint8Array, maskOffset: number): Uint8Array {
    const length = bytes.length;
    if (length === 0) return EMPTY;
    this.#length += length;
    if (length >= VIEW_MIN) {
      const copy = new Uint8Array(length);
      copyMasked(bytes, copy, 0, maskingKey, maskOffset);
      this.#addPiece(copy);
      return copy;
    }
    // Contiguous, so the caller can validate the unmasked bytes as one view.
    const tail = this.#openTail(length, length);
    const fill = this.#tailFill;
    copyMasked(bytes, tail, fill, maskingKey, maskOffset);
    this.#tailFill = fill + length;
    this.#tailRun += length;
    return tail.subarray(fill, fill + length);
  }

  /**
   * Returns everything appended as one array and starts over. One piece comes back as it is (a
   * view when it was appended as one); several are copied into a fresh array of the exact
   * length, XORed with `maskingKey` when given (one copy, unmasking fused).
   */
  take(maskingKey?: Uint8Array): Uint8Array {
    this.#seal();
    const pieces = this.#pieces;
    let result: Uint8Array;
    if (pieces.length === 0) {
      result = EMPTY;
    } else if (pieces.length === 1 && maskingKey === undefined) {
      result = pieces[0];
    } else {
      result = new Uint8Array(this.#length);
      let at = 0;
      for (const piece of pieces) {
        if (maskingKey === undefined) result.set(piece, at);
        else copyMasked(piece, result, at, maskingKey, at);
        at += piece.length;
      }
    }
    this.#pieces = [];
    this.#tailRun = 0;
    this.#length = 0;
    this.#retained = 0;
    return result;
  }

  #addPiece(piece: Uint8Array): void {
    this.#seal();
    this.#tailRun = 0;
    this.#pieces.push(piece);
    this.#retained += piece.length + PIECE_OVERHEAD;
  }

  /**
   * The open tail with room for at least `room` bytes, sealing a fuller one first; `arrived`
   * bytes of the piece being appended are still to be copied.
   */
  #openTail(room: number, arrived: number): Uint8Array {
    const tail = this.#tail;
    if (tail !== undefined && tail.length - this.#tailFill >= room) return tail;
    this.#seal();
    // Grows with the run of small pieces (so a long run costs few tails) but never beyond what
    // has arrived: nothing is allocated from a length the peer merely declared. Counting the
    // piece in hand matters: a 64 KiB piece of a larger chunk otherwise went into 256 tails of
    // 256 bytes (measured: FrameDecoder 7x slower on 64 KiB frames).
    const capacity = Math.max(room, Math.min(TAIL_MAX, Math.max(TAIL_MIN, this.#tailRun + arrived)));
    const fresh = new Uint8Array(capacity);
    this.#tail = fresh;
    this.#tailFill = 0;
    this.#retained += capacity + PIECE_OVERHEAD;
    return fresh;
  }

  /** Closes the open tail; one that is less than 7/8 full is trimmed to what it holds. */
  #seal(): void {
    const tail = this.#tail;
    if (tail === undefined) return;
    const fill = this.#tailFill;
    this.#tail = undefined;
    this.#tailFill = 0;
    if (fill === 0) {
      this.#retained -= tail.length + PIECE_OVERHEAD;
      return;
    }
    if (fill * 8 < tail.length * 7) {
      this.#pieces.push(tail.slice(0, fill));
      this.#retained -= tail.length - fill;
    } else {
      this.#pieces.push(tail.subarray(0, fill));
    }
  }
}

function copyInto(source: Uint8Array, from: number, count: number, target: Uint8Array, at: number): void {
  if (count < SET_THRESHOLD) {
    for (let i = 0; i < count; i++) target[at + i] = source[from + i];
  } else {
    target.set(count === source.length ? source : source.subarray(from, from + count), at);
  }
}
