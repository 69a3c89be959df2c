/**
 * Byte helpers of the core. Layer 2: imports nothing.
 *
 * @internal
 * @module
 */

/**
 * A fresh copy of `bytes[start..end)`. Never `bytes.slice()`: on a Node `Buffer` (a `Uint8Array`
 * subclass) `slice` returns a view, so unmasking "the copy" would write into the caller's bytes.
 */
export function copyBytes(bytes: Uint8Array, start: number, end: number): Uint8Array {
  const copy = new Uint8Array(end - start);
  copy.set(bytes.subarray(start, end));
  return copy;
}

/** The bytes of `chunks` in one array: the only chunk itself, else a fresh copy of `length` bytes. */
export function concatBytes(chunks: readonly Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}
