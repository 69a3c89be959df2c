/**
 * Arrays that message payloads are assembled in, reused from one message to the next. Layer 6
 * (capture), internal: the stream analyzers of one capture share one set.
 *
 * @internal
 * @module
 */

/** Smallest array made: what a message's first pieces cost before they show it is long. */
const MIN_CAPACITY = 4 * 1024;

/** Free arrays kept, at most, in bytes (default): a few large messages' worth. */
export const DEFAULT_KEEP_BYTES = 4 * 1024 * 1024;
/**
 * Free arrays kept, at most: the two largest. A message takes the largest, so the smaller arrays
 * a first large message grew through would only wait (about as many bytes again).
 */
const MAX_FREE_ARRAYS = 2;

/**
 * Arrays for payloads that arrive in pieces. A fresh array per message is garbage as soon as the
 * message is shown, and V8 collects array memory late (it counts little against its heap): 1 MiB
 * messages assembled in fresh arrays left tens of MiB of it waiting (`wsframe pcap` benchmark,
 * Node 20). Here an array goes back once its message is done ({@link PayloadBuffers.give}) and the
 * next message takes it; an array a record still shows is lent ({@link PayloadBuffers.lend}) until
 * its owner says the records are done ({@link PayloadBuffers.reclaim}).
 *
 * Growth is geometric from the bytes that arrived, never from a declared length. The two largest
 * free arrays are kept, up to `keepBytes` in all, so what is kept stays bounded whatever the
 * messages.
 *
 * @example
 * ```ts
 * const buffers = new PayloadBuffers();
 * const first = buffers.grow(undefined, 0, 10);
 * first.set([1, 2, 3]);
 * buffers.give(first);
 * console.log(buffers.grow(undefined, 0, 10) === first); // true
 * ```
 */
export class PayloadBuffers {
  readonly #keepBytes: number;
  #free: Uint8Array[] = [];
  #freeBytes = 0;
  #lent: Uint8Array[] = [];

  constructor(keepBytes = DEFAULT_KEEP_BYTES) {
    this.#keepBytes = keepBytes;
  }

  /** Bytes of the free arrays kept for reuse. */
  get freeBytes(): number {
    return this.#freeBytes;
  }

  /**
   * An array of at least `needed` bytes holding the first `length` bytes of `current` (given
   * back): `current` itself when it is long enough, else the largest free array (a message that
   * grows once tends to grow on), or a new one of twice `needed` — but no longer than `limit` (the
   * largest message allowed) when that is at least `needed`.
   */
  grow(current: Uint8Array | undefined, length: number, needed: number, limit = Number.POSITIVE_INFINITY): Uint8Array {
    if (current !== undefined && current.length >= needed) return current;
    let next = this.#takeLargest(needed);
    next ??= new Uint8Array(Math.max(needed, Math.min(Math.max(MIN_CAPACITY, 2 * needed), limit)));
    if (current !== undefined) {
      if (length > 0) next.set(current.subarray(0, length));
      this.give(current);
    }
    return next;
  }

  /** `array` is not used any more: it is kept for the next message, if there is room. */
  give(array: Uint8Array): void {
    const free = this.#free;
    // Sorted by length, largest first: the arrays kept are the most useful ones.
    let at = free.length;
    while (at > 0 && free[at - 1].length < array.length) at--;
    free.splice(at, 0, array);
    this.#freeBytes += array.length;
    while (this.#freeBytes > this.#keepBytes || free.length > MAX_FREE_ARRAYS) this.#freeBytes -= free.pop()!.length;
  }

  /** `array` is shown by a record that was handed out: free again at {@link PayloadBuffers.reclaim}. */
  lend(array: Uint8Array): void {
    this.#lent.push(array);
  }

  /** The records handed out so far are done with: lent arrays are free again. */
  reclaim(): void {
    if (this.#lent.length === 0) return;
    const lent = this.#lent;
    this.#lent = [];
    for (const array of lent) this.give(array);
  }

  #takeLargest(needed: number): Uint8Array | undefined {
    const largest = this.#free[0];
    if (largest === undefined || largest.length < needed) return undefined;
    this.#free.shift();
    this.#freeBytes -= largest.length;
    return largest;
  }
}
