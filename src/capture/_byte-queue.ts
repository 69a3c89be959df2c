/**
 * The capture reader's input queue: pushed chunks read front to back without re-concatenation.
 * Layer capture, internal.
 *
 * @internal
 * @module
 */

import { copyBytes } from '../bytes/_bytes.ts';

const EMPTY = new Uint8Array(0);

/**
 * A FIFO of pushed chunks with a read position: taking bytes is linear in the bytes taken, never
 * in the bytes buffered (no re-concatenation on push). A chunk is released as soon as its last
 * byte is taken, so the queue holds the unread bytes plus the read part of the first chunk.
 */
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  private head = 0;
  private position = 0;
  /** Bytes buffered and not yet taken. */
  length = 0;
  /** Bytes taken since the start: the file offset of the next byte. */
  consumed = 0;

  /** Bytes of the chunks still referenced: the unread bytes and the read part of the first chunk. */
  get retainedBytes(): number {
    let total = 0;
    for (const chunk of this.chunks) total += chunk.length;
    return total;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /**
   * Replaces the queue's view of the last pushed chunk by a copy of its unread bytes, so the
   * pusher may reuse that chunk's memory. Earlier chunks still queued were copied by earlier
   * calls (each byte is copied at most once, so a long record arriving over many chunks costs
   * linear time); with no unread bytes nothing is copied.
   */
  detach(): void {
    const last = this.chunks.length - 1;
    if (last < this.head) return;
    const from = last === this.head ? this.position : 0;
    this.chunks[last] = copyBytes(this.chunks[last], from, this.chunks[last].length);
    if (last === this.head) this.position = 0;
  }

  /** `n` bytes from the front without taking them; `n` must be at most `length`. */
  peek(n: number): Uint8Array {
    const first = this.chunks[this.head];
    if (first !== undefined && first.length - this.position >= n) {
      return first.subarray(this.position, this.position + n);
    }
    const out = new Uint8Array(n);
    let filled = 0;
    let index = this.head;
    let position = this.position;
    while (filled < n) {
      const chunk = this.chunks[index++];
      const part = Math.min(chunk.length - position, n - filled);
      out.set(chunk.subarray(position, position + part), filled);
      filled += part;
      position = 0;
    }
    return out;
  }

  /** Takes `n` bytes (at most `length`): a view when they lie in one chunk, else a copy. */
  take(n: number): Uint8Array {
    const bytes = this.peek(n);
    this.skip(n);
    return bytes;
  }

  skip(n: number): void {
    this.length -= n;
    this.consumed += n;
    let left = n;
    while (left > 0) {
      const available = this.chunks[this.head].length - this.position;
      if (left < available) {
        this.position += left;
        break;
      }
      left -= available;
      this.position = 0;
      // Release the chunk now: a skip ending inside the next chunk must not keep this one alive.
      this.chunks[this.head++] = EMPTY;
    }
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > this.chunks.length) {
      // Drop the released slots in bulk so the array does not grow with the file (amortised O(1)).
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}
