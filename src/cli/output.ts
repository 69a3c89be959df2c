/**
 * Streamed output of the CLI: text is gathered into blocks of at most 64 KiB and written block by
 * block, waiting for `drain` when the stream asks to, so memory does not grow with the output
 * (4 MiB of empty pings is two million records). Between blocks the event loop runs, so a closed
 * standard output (`wsframe pcap x | head -1`) is noticed while the command is still working.
 * A record with a long string (a 1 MiB text message) or a deferred base64 payload is written in
 * pieces of at most 48 KiB, never as one string of the whole record.
 */

import { deferredPayload } from '../capture/analyze.ts';

/** Where output goes: `process.stdout`, or a string collector in the tests. */
export interface TextSink {
  write(text: string): unknown;
  /** Present on Node streams: `write` returned false, wait for `'drain'`. */
  once?(event: 'drain', listener: () => void): unknown;
  /** Present on Node streams: false once the `'drain'` a full write asked for has come. */
  readonly writableNeedDrain?: boolean;
}

/** Characters gathered before a write. */
const BLOCK_LENGTH = 64 * 1024;

/** Buffers text into blocks; `await flushIfFull()` in loops, `await flush()` at the end. */
export class Output {
  readonly #sink: TextSink;
  #parts: string[] = [];
  #length = 0;
  /** A write between flushes (a piece of a long record) found the stream full: wait for `drain`. */
  #mustDrain = false;

  constructor(sink: TextSink) {
    this.#sink = sink;
  }

  write(text: string): void {
    this.#parts.push(text);
    this.#length += text.length;
  }

  /** Whether a block is gathered and should be written, or the stream asked to wait. */
  get full(): boolean {
    return this.#length >= BLOCK_LENGTH || this.#mustDrain;
  }

  /** Writes the gathered text once it reaches a block. */
  async flushIfFull(): Promise<void> {
    if (this.full) await this.flush();
  }

  /**
   * Writes a piece of a long record: gathered with the text before it while they fit in a block,
   * else written at once, after that text, without waiting (so the record never sits in memory
   * whole, nor is a piece copied into a block: the stream may still queue them while its reader
   * is slow, and the `flush` after the record waits for that).
   */
  writePiece(text: string): void {
    if (this.#length + text.length < BLOCK_LENGTH) {
      this.write(text);
      return;
    }
    if (this.#length > 0 && this.#writeGathered() === false) this.#mustDrain = true;
    if (this.#sink.write(text) === false) this.#mustDrain = true;
  }

  /** Writes everything gathered, then lets pending events (a stream error, `drain`) run. */
  async flush(): Promise<void> {
    let wait = this.#mustDrain;
    this.#mustDrain = false;
    if (this.#length > 0 && this.#writeGathered() === false) wait = true;
    // A piece's write may have found the stream full long before this flush: by now its 'drain'
    // may have come and gone, and waiting for another would never end.
    if (wait && this.#sink.once !== undefined && this.#sink.writableNeedDrain !== false) {
      await new Promise<void>((resolve) => this.#sink.once!('drain', resolve));
      return;
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Writes the gathered text as one block; returns what the sink's `write` returned. */
  #writeGathered(): unknown {
    const text = this.#parts.length === 1 ? this.#parts[0] : this.#parts.join('');
    this.#parts = [];
    this.#length = 0;
    return this.#sink.write(text);
  }
}

/** Strings at least this long are written in pieces (and pieces are at most this long). */
const PIECE_LENGTH = 48 * 1024;
/** Payload bytes per base64 piece: 36 KiB, 48 KiB of base64 (a multiple of 3: whole groups). */
const BASE64_PIECE_BYTES = (PIECE_LENGTH / 4) * 3;
/** `JSON.stringify`'s indent in the CLI's JSON. */
const GAP = '  ';

/**
 * Whether `value` is a record to write in pieces: a deferred base64 payload, or a string value of
 * at least {@link PIECE_LENGTH} characters. Arrays and non-objects never are.
 */
function isLong(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if (deferredPayload(value) !== undefined) return true;
  for (const key in value) {
    const field = (value as Record<string, unknown>)[key];
    if (typeof field === 'string' && field.length >= PIECE_LENGTH) return true;
  }
  return false;
}

/**
 * Writes a record as `JSON.stringify(record)` (`indent` undefined) or as
 * `JSON.stringify(record, null, 2)` would print it at `indent` (every line after the first
 * indented by it), byte for byte, but long strings and a deferred base64 in pieces.
 */
function writeRecordInPieces(output: Output, record: Record<string, unknown>, indent: string | undefined): void {
  const payload = deferredPayload(record);
  const keys = Object.keys(record);
  const memberIndent = indent === undefined ? '' : `\n${indent}${GAP}`;
  let members = 0;
  for (const key of keys) {
    const lead = `${members === 0 ? '{' : ','}${memberIndent}${JSON.stringify(key)}${indent === undefined ? ':' : ': '}`;
    if (key === 'base64' && payload !== undefined) {
      // Not read: the getter would build the whole string.
      output.write(`${lead}"`);
      writeBase64(output, payload);
      output.write('"');
      members++;
      continue;
    }
    const value = record[key];
    if (typeof value === 'string' && value.length >= PIECE_LENGTH) {
      output.write(`${lead}"`);
      writeEscaped(output, value);
      output.write('"');
    } else {
      const text = indent === undefined || typeof value !== 'object' || value === null
        ? JSON.stringify(value)
        : JSON.stringify(value, null, 2)?.replace(/\n/g, `\n${indent}${GAP}`);
      // JSON.stringify leaves out members whose value it cannot print (undefined, functions, symbols).
      if (text === undefined) continue;
      output.write(`${lead}${text}`);
    }
    members++;
  }
  output.write(members === 0 ? '{}' : indent === undefined ? '}' : `\n${indent}}`);
}

/**
 * The base64 of `bytes`, in pieces of whole 3-byte groups (Node's encoder: one string per piece of
 * output, so only the last can end in padding).
 */
function writeBase64(output: Output, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; at += BASE64_PIECE_BYTES) {
    const length = Math.min(BASE64_PIECE_BYTES, bytes.length - at);
    output.writePiece(Buffer.from(bytes.buffer, bytes.byteOffset + at, length).toString('base64'));
  }
}

/**
 * A string's JSON escape, without its quotes, in pieces. A piece never ends between the two
 * halves of a surrogate pair: JSON.stringify escapes a lone half as `\udXXX`, a pair it keeps.
 */
function writeEscaped(output: Output, text: string): void {
  for (let at = 0; at < text.length;) {
    let end = Math.min(at + PIECE_LENGTH, text.length);
    if (end < text.length && (text.charCodeAt(end - 1) & 0xfc00) === 0xd800 && (text.charCodeAt(end) & 0xfc00) === 0xdc00) end--;
    output.writePiece(JSON.stringify(text.slice(at, end)).slice(1, -1));
    at = end;
  }
}

/** One NDJSON line: `JSON.stringify(value)` and a newline; a long record is written in pieces. */
export function writeJsonLine(output: Output, value: unknown): void {
  if (isLong(value)) {
    writeRecordInPieces(output, value, undefined);
    output.write('\n');
  } else {
    output.write(`${JSON.stringify(value)}\n`);
  }
}

/**
 * A JSON array written element by element, byte for byte what `JSON.stringify(array, null, 2)`
 * prints for the whole array, without holding it.
 */
export class JsonArrayWriter {
  readonly #output: Output;
  #count = 0;

  constructor(output: Output) {
    this.#output = output;
  }

  item(value: unknown): void {
    const lead = `${this.#count++ === 0 ? '[\n' : ',\n'}${GAP}`;
    if (isLong(value)) {
      this.#output.write(lead);
      writeRecordInPieces(this.#output, value, GAP);
      return;
    }
    // JSON strings escape newlines, so every newline is between lines of the structure.
    const text = JSON.stringify(value, null, 2).replace(/\n/g, `\n${GAP}`);
    this.#output.write(`${lead}${text}`);
  }

  end(): void {
    this.#output.write(this.#count === 0 ? '[]\n' : '\n]\n');
  }
}
