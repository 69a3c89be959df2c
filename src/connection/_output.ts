/**
 * Storage for the frames a connection writes: views into shared 64 KiB slabs handed out front to
 * back and never reused, so a frame costs a view and a copy instead of a fresh zero-filled array
 * (a 4 KiB echo: the allocation was half the engine's time per message, Node 20). Like Node's
 * Buffer pool, a slab lives while any frame in it does; frames over a quarter slab get their own
 * array. Layer 6 (connection), internal.
 *
 * @internal
 * @module
 */

const SLAB_SIZE = 64 * 1024;
const OWN_ARRAY_ABOVE = SLAB_SIZE / 4;
// Views start on 8-byte boundaries (aligned word access for whoever reads them).
const ALIGN_MASK = 7;

let slab = new Uint8Array(0);
let used = 0;

/** `length` bytes the caller may fill: a view into a slab, or an array of its own when large. */
export function outputBytes(length: number): Uint8Array {
  if (length > OWN_ARRAY_ABOVE) return new Uint8Array(length);
  if (used + length > slab.length) {
    slab = new Uint8Array(SLAB_SIZE);
    used = 0;
  }
  const bytes = slab.subarray(used, used + length);
  used = (used + length + ALIGN_MASK) & ~ALIGN_MASK;
  return bytes;
}
