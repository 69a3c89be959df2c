/**
 * The TLS record layer over one direction of a reassembled TCP stream (RFC 8446 §5.1, RFC 5246
 * §6.2): records split across segments and several records in one segment, and the handshake
 * messages inside handshake records, which may also span records. Pure, no `node:` imports.
 *
 * @module
 */

/** One record: its header fields and its fragment (the bytes after the 5-byte header). */
export interface TlsRecord {
  type: number;
  version: number;
  /** A view into the pushed bytes when the record lay inside one push, else a copy. */
  fragment: Uint8Array;
  /** Position of the record header in the direction's stream. */
  offset: number;
}

/** One handshake message (RFC 8446 §4): its type and body. */
export interface HandshakeMessage {
  type: number;
  body: Uint8Array;
}

/** The bytes cannot be TLS records (or the handshake messages inside them are malformed). */
export class TlsFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TlsFormatError';
  }
}

export const RECORD_HEADER_LENGTH = 5;
// RFC 5246 §6.2.3: a TLSCiphertext fragment is at most 2^14 + 2048 bytes (RFC 8446 §5.2 allows
// 2^14 + 256); anything longer is not TLS, and is refused before buffering it.
const MAX_FRAGMENT_LENGTH = 16384 + 2048;
const HANDSHAKE_HEADER_LENGTH = 4;
// Certificate chains are the largest messages; beyond this a length field is taken as garbage.
const MAX_HANDSHAKE_LENGTH = 1024 * 1024;
const MIN_CONTENT_TYPE = 20;
const MAX_CONTENT_TYPE = 24;
const TLS_MAJOR_VERSION = 3;

/**
 * Whether `bytes` start like a TLS record header: a content type from 20 to 24 and version 3.x.
 * Used to recognise TLS in a stream's first bytes.
 */
export function looksLikeTlsRecord(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] >= MIN_CONTENT_TYPE && bytes[0] <= MAX_CONTENT_TYPE &&
    bytes[1] === TLS_MAJOR_VERSION && bytes[2] <= 4;
}

/**
 * Splits a byte stream into TLS records whatever its chunking. Memory holds at most one
 * incomplete record. After a {@link TlsFormatError} it stays failed.
 *
 * @example
 * ```ts
 * const reader = new TlsRecordReader();
 * reader.push(Uint8Array.of(0x17, 0x03, 0x03, 0x00));          // []
 * reader.push(Uint8Array.of(0x02, 0xaa, 0xbb, 0x15, 0x03));    // [{ type: 23, version: 0x0303, fragment: aa bb, offset: 0 }]
 * reader.pending;                                              // 2: a header has started
 * ```
 */
export class TlsRecordReader {
  #header = new Uint8Array(RECORD_HEADER_LENGTH);
  #headerFilled = 0;
  #fragment: Uint8Array | undefined;
  #fragmentFilled = 0;
  #offset = 0;
  #failure: TlsFormatError | undefined;

  /** Bytes of an incomplete record held, waiting for the rest. */
  get pending(): number {
    return this.#headerFilled + this.#fragmentFilled;
  }

  /** The length the incomplete record will have, once its header is known (else `undefined`). */
  get pendingRecordLength(): number | undefined {
    return this.#fragment === undefined ? undefined : RECORD_HEADER_LENGTH + this.#fragment.length;
  }

  /** The complete records `data` finishes, in order. Throws {@link TlsFormatError}. */
  push(data: Uint8Array): TlsRecord[] {
    if (this.#failure !== undefined) throw this.#failure;
    const records: TlsRecord[] = [];
    let position = 0;
    while (position < data.length) {
      if (this.#fragment === undefined && this.#headerFilled === 0 && data.length - position >= RECORD_HEADER_LENGTH) {
        // The common case: a whole header in this push; a whole record becomes a view, no copy.
        const length = this.#checkHeader(data[position], data[position + 1], data[position + 2], (data[position + 3] << 8) | data[position + 4]);
        const start = position + RECORD_HEADER_LENGTH;
        if (data.length - start >= length) {
          records.push({ type: data[position], version: (data[position + 1] << 8) | data[position + 2], fragment: data.subarray(start, start + length), offset: this.#offset });
          this.#offset += RECORD_HEADER_LENGTH + length;
          position = start + length;
          continue;
        }
      }
      position = this.#buffer(data, position, records);
    }
    return records;
  }

  /** Copies what belongs to the current record from `data[position…]`; returns the new position. */
  #buffer(data: Uint8Array, position: number, records: TlsRecord[]): number {
    if (this.#fragment === undefined) {
      const take = Math.min(RECORD_HEADER_LENGTH - this.#headerFilled, data.length - position);
      this.#header.set(data.subarray(position, position + take), this.#headerFilled);
      this.#headerFilled += take;
      position += take;
      if (this.#headerFilled < RECORD_HEADER_LENGTH) return position;
      const h = this.#header;
      this.#fragment = new Uint8Array(this.#checkHeader(h[0], h[1], h[2], (h[3] << 8) | h[4]));
      this.#fragmentFilled = 0;
    }
    const fragment = this.#fragment;
    const take = Math.min(fragment.length - this.#fragmentFilled, data.length - position);
    fragment.set(data.subarray(position, position + take), this.#fragmentFilled);
    this.#fragmentFilled += take;
    position += take;
    if (this.#fragmentFilled === fragment.length) {
      const h = this.#header;
      records.push({ type: h[0], version: (h[1] << 8) | h[2], fragment, offset: this.#offset });
      this.#offset += RECORD_HEADER_LENGTH + fragment.length;
      this.#fragment = undefined;
      this.#fragmentFilled = 0;
      this.#headerFilled = 0;
    }
    return position;
  }

  #checkHeader(type: number, major: number, minor: number, length: number): number {
    if (type < MIN_CONTENT_TYPE || type > MAX_CONTENT_TYPE || major !== TLS_MAJOR_VERSION) {
      this.#fail(`bytes ${hex(type)} ${hex(major)} ${hex(minor)} at offset ${this.#offset} are not a TLS record header`);
    }
    if (length > MAX_FRAGMENT_LENGTH) {
      this.#fail(`a TLS record at offset ${this.#offset} claims ${length} bytes (at most ${MAX_FRAGMENT_LENGTH})`);
    }
    return length;
  }

  #fail(message: string): never {
    this.#failure = new TlsFormatError(message);
    throw this.#failure;
  }
}

/**
 * Reassembles handshake messages from the content of consecutive handshake records (RFC 8446
 * §5.1: a message may span records, and a record may hold several). Throws
 * {@link TlsFormatError} for a message longer than 1 MiB.
 */
export class HandshakeReader {
  #buffer = new Uint8Array(0);

  /** Bytes of an incomplete message held. */
  get pending(): number {
    return this.#buffer.length;
  }

  push(content: Uint8Array): HandshakeMessage[] {
    let data = content;
    if (this.#buffer.length > 0) {
      data = new Uint8Array(this.#buffer.length + content.length);
      data.set(this.#buffer);
      data.set(content, this.#buffer.length);
    }
    const messages: HandshakeMessage[] = [];
    let position = 0;
    while (data.length - position >= HANDSHAKE_HEADER_LENGTH) {
      const length = (data[position + 1] << 16) | (data[position + 2] << 8) | data[position + 3];
      if (length > MAX_HANDSHAKE_LENGTH) throw new TlsFormatError(`a handshake message claims ${length} bytes (at most ${MAX_HANDSHAKE_LENGTH})`);
      const end = position + HANDSHAKE_HEADER_LENGTH + length;
      if (end > data.length) break;
      messages.push({ type: data[position], body: data.subarray(position + HANDSHAKE_HEADER_LENGTH, end) });
      position = end;
    }
    this.#buffer = data.slice(position);
    return messages;
  }
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
