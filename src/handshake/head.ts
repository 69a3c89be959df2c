/**
 * Finds the end of an HTTP head in a byte stream, across any number of pushes, and hands back
 * the bytes after it (a client's first frames may share a TCP segment with its request). Layer 4
 * (handshake).
 *
 * @module
 */

import type { HandshakeError } from '../base/errors.ts';
import { handshakeError } from './_http.ts';

/**
 * Default {@link HttpHeadReaderOptions.maxHeadLength}: 16 KiB, more than any browser sends.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_HEAD_LENGTH } from 'wsframe';
 * console.log(DEFAULT_MAX_HEAD_LENGTH); // 16384
 * ```
 */
export const DEFAULT_MAX_HEAD_LENGTH = 16 * 1024;

/** Options of an {@link HttpHeadReader}. */
export interface HttpHeadReaderOptions {
  /**
   * The longest head accepted, in bytes, its final empty line included; default
   * {@link DEFAULT_MAX_HEAD_LENGTH}. Past it the reader fails with status 431.
   */
  maxHeadLength?: number;
}

/** A complete head and what followed it in the same push. */
export interface HttpHeadResult {
  /**
   * The head up to and including the CRLF CRLF that ends it: a view into the last chunk pushed
   * when the whole head arrived in that one push, else a view of a new array of the reader's.
   */
  head: Uint8Array;
  /** The bytes after the head in the last chunk pushed: a view into that chunk, maybe empty. */
  rest: Uint8Array;
}

const CR = 0x0d;
// First allocation for an unfinished head: most requests fit, so most readers allocate once.
const MIN_CAPACITY = 1024;
const LF = 0x0a;
// The head ends at the first CR LF CR LF (RFC 7230 §3: the empty line after the header fields).
const END_OF_HEAD = [CR, LF, CR, LF] as const;

/**
 * An incremental reader for one HTTP head (request or response). Push bytes as they arrive;
 * `push` returns `undefined` until the head is complete, then `{ head, rest }` once. Every byte
 * is looked at once, whatever the chunking, and no more than `maxHeadLength` bytes are kept.
 * The reader only finds the end of the head; parse it with `parseClientHandshake` or
 * `validateServerHandshake`.
 *
 * Data ownership: bytes of an unfinished head are copied, so the caller may reuse its buffers;
 * the result may be a view into the last chunk (see {@link HttpHeadResult}).
 *
 * @example
 * ```ts
 * import { HttpHeadReader } from 'wsframe';
 * const reader = new HttpHeadReader();
 * const encoder = new TextEncoder();
 * console.log(reader.push(encoder.encode('GET / HTTP/1.1\r\nHost: a\r\n\r'))); // undefined
 * const result = reader.push(new Uint8Array([0x0a, 0x81, 0x80]));
 * console.log(result?.head.length, result?.rest.length); // 27 2
 * ```
 */
export class HttpHeadReader {
  readonly #maxHeadLength: number;
  // The unfinished head, copied: one buffer that doubles as needed, so a head pushed in tiny
  // chunks costs amortized O(1) per byte and no per-push allocation.
  #buffer = new Uint8Array(0);
  #length = 0;
  #matched = 0;
  #done = false;
  #error: HandshakeError | undefined = undefined;

  /**
   * A reader waiting for the first byte of a head.
   *
   * @param options - See {@link HttpHeadReaderOptions}.
   * @throws {RangeError} When `maxHeadLength` is not a positive integer (or `Infinity`).
   */
  constructor(options: HttpHeadReaderOptions = {}) {
    const max = options.maxHeadLength ?? DEFAULT_MAX_HEAD_LENGTH;
    if (!(max === Number.POSITIVE_INFINITY || (Number.isInteger(max) && max > 0))) {
      throw new RangeError(`Cannot create HttpHeadReader: maxHeadLength ${max} is not a positive integer`);
    }
    this.#maxHeadLength = max;
  }

  /**
   * Feeds the next bytes of the stream.
   *
   * @param chunk - The next bytes; not modified.
   * @returns `undefined` while the head is incomplete, then `{ head, rest }`.
   * @throws {HandshakeError} Status 431, code `HEAD_TOO_LARGE`, when `maxHeadLength` bytes have
   *   arrived without the end of the head; a failed reader throws the same error on every push.
   * @throws {TypeError} When `chunk` is not a `Uint8Array`, or the head was already returned.
   *
   * @example
   * ```ts
   * import { HttpHeadReader, HandshakeError } from 'wsframe';
   * const reader = new HttpHeadReader({ maxHeadLength: 8 });
   * try {
   *   reader.push(new TextEncoder().encode('GET / HTTP/1.1\r\n'));
   * } catch (error) {
   *   if (error instanceof HandshakeError) console.log(error.status, error.code); // 431 HEAD_TOO_LARGE
   * }
   * ```
   */
  push(chunk: Uint8Array): HttpHeadResult | undefined {
    if (this.#error !== undefined) throw this.#error;
    if (this.#done) {
      throw new TypeError('Cannot push to HttpHeadReader: the head is complete and was already returned');
    }
    if (!(chunk instanceof Uint8Array)) {
      throw new TypeError(`Cannot push to HttpHeadReader: expected a Uint8Array, got ${typeof chunk}`);
    }
    let matched = this.#matched;
    const scanEnd = Math.min(chunk.length, this.#maxHeadLength - this.#length);
    for (let i = 0; i < scanEnd; i++) {
      const c = chunk[i];
      if (c === END_OF_HEAD[matched]) {
        if (++matched === END_OF_HEAD.length) return this.#finish(chunk, i + 1);
      } else {
        // No proper prefix of CR LF CR LF ends in CR but "CR", so a mismatch restarts at 0 or 1.
        matched = c === CR ? 1 : 0;
      }
    }
    this.#matched = matched;
    if (this.#length + scanEnd >= this.#maxHeadLength) {
      this.#buffer = new Uint8Array(0);
      this.#error = handshakeError(
        'HEAD_TOO_LARGE',
        `Cannot read head: no end of head within the first ${this.#maxHeadLength} bytes`,
      );
      throw this.#error;
    }
    this.#append(chunk, scanEnd);
    return undefined;
  }

  #append(chunk: Uint8Array, count: number): void {
    const length = this.#length + count;
    if (length > this.#buffer.length) {
      const grown = new Uint8Array(Math.min(Math.max(length, 2 * this.#buffer.length, MIN_CAPACITY), this.#maxHeadLength));
      grown.set(this.#buffer.subarray(0, this.#length));
      this.#buffer = grown;
    }
    this.#buffer.set(chunk.subarray(0, count), this.#length);
    this.#length = length;
  }

  #finish(chunk: Uint8Array, end: number): HttpHeadResult {
    this.#done = true;
    const rest = chunk.subarray(end);
    if (this.#length === 0) return { head: chunk.subarray(0, end), rest };
    this.#append(chunk, end);
    const head = this.#buffer.subarray(0, this.#length);
    this.#buffer = new Uint8Array(0);
    return { head, rest };
  }
}
