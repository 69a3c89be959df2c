/**
 * Turns one direction of a WebSocket byte stream into records for the CLI and the page: every frame (with
 * Wireshark's field names and byte offsets), every message, and the first violation. Built on
 * the public streaming decoders: frames from `FrameStreamDecoder`, messages from
 * `MessageDecoder`, fed the same bytes.
 */

import {
  FrameStreamDecoder, MessageDecoder, ProtocolError, decodeClosePayload, encodeBase64, isValidUtf8,
  type FrameHeader, type MessageExtension,
} from '../index.ts';
import { decodeUtf8, encodeUtf8 } from '../base/_host.ts';
import { copyBytes } from '../bytes/_bytes.ts';
import { PayloadBuffers } from './_payload-buffers.ts';
import { toHex } from './bytes.ts';

export type Direction = 'client' | 'server';
export type Verdict = 'valid' | { closeCode: number; code: string; message: string };

/** A frame, with Wireshark's names (`websocket.*`) for the header fields. */
export interface FrameRecord {
  type: 'frame';
  offset: number;
  'websocket.fin': boolean;
  'websocket.rsv': number;
  'websocket.opcode': number;
  'websocket.mask': boolean;
  'websocket.payload_length': number;
  /** The full 64-bit length field as a decimal string. */
  'websocket.payload_length_64': string;
  /** Wireshark's name for the 16-bit extended length, present when the 7-bit field said 126. */
  'websocket.payload_length_ext_16'?: number;
  /** Wireshark's name for the 64-bit extended length, present when the 7-bit field said 127. */
  'websocket.payload_length_ext_64'?: number;
  'websocket.masking_key'?: string;
  /** Unmasked payload as hex, cut at the display limit (see `payload_truncated`). */
  'websocket.payload': string;
  'websocket.payload.text'?: string;
  'websocket.payload.close.status_code'?: number;
  'websocket.payload.close.reason'?: string;
  header_offset: number;
  masking_key_offset?: number;
  payload_offset: number;
  payload_truncated?: true;
  verdict: Verdict;
}

/**
 * A complete message. `length` is always the whole length; `truncated` is set when `text` or
 * `base64` hold only the first `maxShownMessage` bytes.
 */
export type MessageRecord =
  | { type: 'message'; kind: 'text'; length: number; text: string; compressed: boolean; truncated?: true }
  | BytesMessageRecord
  | { type: 'message'; kind: 'close'; length: number; code: number | null; reason: string; compressed: false }
  | CompressedMessageRecord;

/** A binary, ping or pong message: its payload (as far as shown) in base64. */
export interface BytesMessageRecord {
  type: 'message';
  kind: 'binary' | 'ping' | 'pong';
  length: number;
  base64: string;
  compressed: boolean;
  truncated?: true;
}

/**
 * A compressed message that could not be inflated: the permessage-deflate parameters are not known
 * (`--decode-as` without `--extensions`) or the compression window was lost in a gap. `length` and
 * `base64` are the compressed payload's; `messageKind` is what it inflates to.
 */
export interface CompressedMessageRecord {
  type: 'message';
  kind: 'compressed';
  messageKind: 'text' | 'binary';
  length: number;
  base64: string;
  compressed: true;
  inflated: false;
  truncated?: true;
}

export interface ErrorRecord {
  type: 'error';
  closeCode: number;
  code: string;
  message: string;
  offset?: number;
}

export type StreamRecord = FrameRecord | MessageRecord | ErrorRecord;

export interface AnalyzerOptions {
  /** `'server'`: the bytes are a client's (must be masked); `'client'`: a server's; undefined: either. */
  role?: 'server' | 'client';
  /** Negotiated extensions (permessage-deflate) for the message layer. */
  extensions?: readonly MessageExtension[];
  /** Most payload bytes kept per frame for display (default 4096). */
  maxShownPayload?: number;
  /** Most bytes of a message's payload put in its record (default: all of it). */
  maxShownMessage?: number;
  /** Largest message accepted (default 64 MiB); memory is bounded by it, not by the stream. */
  maxMessageLength?: number;
  /**
   * RSV1 is allowed on a message's first frame but the compression is unknown (no `extensions`):
   * such messages are reported as `kind: 'compressed'`, not inflated and not checked.
   */
  compressedUnknown?: boolean;
  /**
   * Give a message record whose shown payload is at least {@link DEFERRED_BASE64_MIN} bytes its
   * `base64` as a getter over the payload ({@link deferredPayload}) instead of a string built at
   * once: a writer can then encode it in pieces, never holding the whole string (a 1 MiB binary
   * message is a 1.4 MiB string). The payload is a view into the pushed chunk or into an array
   * the analyzer reuses: valid until the next `push` or `end` (with `payloadBuffers`: until its
   * owner's next `reclaim()`). Default false.
   */
  deferBase64?: boolean;
  /**
   * Where payloads that arrive in pieces are assembled, shared by the analyzers of one capture;
   * its owner calls `reclaim()` once the records handed out are done with. Default: the
   * analyzer's own, reclaimed at each `push` and `end`.
   */
  payloadBuffers?: PayloadBuffers;
}

/** Shown payloads of at least this many bytes get a deferred `base64` with `deferBase64`. */
export const DEFERRED_BASE64_MIN = 16 * 1024;

const PAYLOAD = Symbol('wsframe.payload');

/**
 * The payload behind a message record's deferred `base64` (see
 * {@link AnalyzerOptions.deferBase64}): the bytes `base64` encodes, a view the caller must not
 * write to, valid as long as the record's `base64` is. `undefined` when the record's `base64` is
 * a plain string, or it has none.
 *
 * @example
 * ```ts
 * const analyzer = new StreamAnalyzer({ role: 'client', deferBase64: true });
 * const bytes = new Uint8Array(4 + 20_000).fill(0x61);
 * bytes.set([0x82, 0x7e, 0x4e, 0x20]); // an unmasked binary frame of 20,000 bytes
 * const message = analyzer.push(bytes.subarray(0, 10_000)).concat(analyzer.push(bytes.subarray(10_000)))[1];
 * console.log(deferredPayload(message)?.length, (message as { base64: string }).base64.slice(0, 8)); // 20000 YWFhYWFh
 * ```
 */
export function deferredPayload(record: object): Uint8Array | undefined {
  return (record as { [PAYLOAD]?: Uint8Array })[PAYLOAD];
}

function encodeDeferred(this: { [PAYLOAD]: Uint8Array }): string {
  return encodeBase64(this[PAYLOAD]);
}

/**
 * Turns `record.base64` into a getter over `payload`, in place (the key keeps its position, so
 * `JSON.stringify` prints the same text as for a string).
 */
function deferBase64<R extends { base64: string }>(record: R, payload: Uint8Array): R {
  Object.defineProperty(record, PAYLOAD, { value: payload });
  Object.defineProperty(record, 'base64', { get: encodeDeferred, enumerable: true, configurable: true });
  return record;
}

interface OpenFrame {
  header: FrameHeader;
  offset: number;
  shown: Uint8Array;
  shownLength: number;
}

/** Analyses one direction of a connection; push bytes in order, collect records. */
export class StreamAnalyzer {
  readonly #frames: FrameStreamDecoder;
  readonly #messages: MessageDecoder;
  readonly #maxShown: number;
  readonly #maxShownMessage: number;
  readonly #deferBase64: boolean;
  #open: OpenFrame | undefined;
  #failed = false;
  #position = 0;
  // Where the last complete frame ended: bytes after it and no open frame are a cut-off header.
  #framesEnd = 0;
  // RSV1 of each data message's first frame, in order: data messages complete in that order.
  readonly #compressed: boolean[] = [];
  // Payloads of compressed messages whose compression is unknown, in the order they complete.
  readonly #opaque: Uint8Array[] = [];
  readonly #opaqueLengths: number[] = [];
  // The message decoder streams data messages: text in decoded pieces, joined at the end; binary
  // assembled here, in an array of #buffers reused from message to message. (Assembled by the
  // decoder, each message was a fresh array: 1 MiB messages in 1448-byte pieces cost 2 MiB of
  // growing copies each, garbage V8 collected late.)
  #textPieces: string[] = [];
  #binary: Uint8Array | undefined = undefined;
  #binaryLength = 0;
  readonly #buffers: PayloadBuffers;
  // The largest message allowed: an assembling array never grows past it.
  readonly #maxMessageLength: number;
  readonly #ownBuffers: boolean;
  // With extensions the message decoder may keep views of pushed bytes until a message ends
  // (compressed payloads, to inflate at once): it gets a copy, so push() keeps no view.
  readonly #copyInput: boolean;

  constructor(options: AnalyzerOptions = {}) {
    const maxMessageLength = options.maxMessageLength ?? 64 * 1024 * 1024;
    const common = { role: options.role, maxPayloadLength: Math.max(maxMessageLength, 125) };
    const extensions = options.compressedUnknown === true && (options.extensions ?? []).length === 0
      ? [this.#opaqueExtension()]
      : options.extensions ?? [];
    const allowedRsv = { rsv1: extensions.some((e) => e.rsv.rsv1 === true) };
    this.#frames = new FrameStreamDecoder({ ...common, allowedRsv });
    this.#messages = new MessageDecoder({ ...common, maxMessageLength, extensions, streamMessages: true });
    this.#maxMessageLength = maxMessageLength;
    this.#maxShown = options.maxShownPayload ?? 4096;
    this.#maxShownMessage = options.maxShownMessage ?? Number.POSITIVE_INFINITY;
    this.#deferBase64 = options.deferBase64 === true;
    this.#ownBuffers = options.payloadBuffers === undefined;
    this.#buffers = options.payloadBuffers ?? new PayloadBuffers();
    this.#copyInput = extensions.length > 0;
  }

  /**
   * Owns RSV1 without knowing the compression: keeps the payload (up to the display limit) and
   * hands the message decoder nothing to validate.
   */
  #opaqueExtension(): MessageExtension {
    return {
      name: 'permessage-deflate (parameters unknown)',
      rsv: { rsv1: true },
      decodeMessage: (payload) => {
        this.#opaque.push(payload.slice(0, Math.min(payload.length, this.#maxShownMessage)));
        this.#opaqueLengths.push(payload.length);
        return EMPTY;
      },
    };
  }

  /** Whether a violation ended the analysis. */
  get failed(): boolean {
    return this.#failed;
  }

  /** Bytes pushed so far. */
  get position(): number {
    return this.#position;
  }

  /**
   * Feeds the next bytes; returns frames completed, messages completed and a first violation.
   * Keeps no view of `chunk` once it returns, except the payload of a deferred `base64` (see
   * {@link AnalyzerOptions.deferBase64}): the caller may reuse the chunk's memory.
   */
  push(chunk: Uint8Array): StreamRecord[] {
    if (this.#ownBuffers) this.#buffers.reclaim();
    if (this.#failed) return [];
    this.#position += chunk.length;
    const frames: FrameRecord[] = [];
    let frameError: ProtocolError | undefined;
    try {
      for (const event of this.#frames.push(chunk)) {
        if (event.type === 'header') {
          const size = Math.min(event.header.payloadLength, this.#maxShown);
          this.#open = { header: event.header, offset: event.offset, shown: new Uint8Array(size), shownLength: 0 };
        } else if (event.type === 'payload') {
          const open = this.#open!;
          const room = open.shown.length - open.shownLength;
          if (room > 0) {
            const piece = event.data.subarray(0, room);
            open.shown.set(piece, open.shownLength);
            open.shownLength += piece.length;
          }
        } else {
          const record = this.#frameRecord(this.#open!);
          frames.push(record);
          this.#framesEnd = record.payload_offset + record['websocket.payload_length'];
          this.#open = undefined;
        }
      }
    } catch (error) {
      frameError = asProtocolError(error);
    }
    // Feed the message decoder up to each frame's end in turn, so every message comes right
    // after the frame that completed it.
    const records: StreamRecord[] = [];
    const chunkStart = this.#position - chunk.length;
    let messageError: ProtocolError | undefined;
    let at = 0;
    const input = this.#copyInput ? copyBytes(chunk, 0, chunk.length) : chunk;
    for (const frame of [...frames, undefined]) {
      const cut = frame === undefined ? chunk.length : frame.payload_offset + frame['websocket.payload_length'] - chunkStart;
      const completed: MessageRecord[] = [];
      try {
        for (const event of this.#messages.push(input.subarray(at, cut))) {
          if (event.type === 'text') {
            if (event.data !== '') this.#textPieces.push(event.data);
            if (event.final !== true) continue;
          } else if (event.type === 'binary') {
            if (event.final !== true) {
              this.#appendBinary(event.data);
              continue;
            }
            completed.push(this.#binaryRecord(event.data));
            continue;
          }
          completed.push(this.#messageRecord(event));
        }
      } catch (error) {
        messageError = asProtocolError(error);
      }
      if (frame !== undefined && messageError === undefined) records.push(frame);
      records.push(...completed);
      if (messageError !== undefined) break;
      at = cut;
    }
    const error = earliest(frameError, messageError);
    if (error === undefined) return records;
    this.#failed = true;
    this.#dropMessage();
    const errorAt = error.offset ?? Number.POSITIVE_INFINITY;
    const verdict: Verdict = { closeCode: error.closeCode, code: error.code, message: error.message };
    const culprit = frames.findLast((frame) => frame.offset <= errorAt);
    if (culprit !== undefined && errorAt < culprit.payload_offset + culprit['websocket.payload_length']) {
      culprit.verdict = verdict;
      if (!records.includes(culprit)) records.push(culprit);
    }
    records.push({ type: 'error', closeCode: error.closeCode, code: error.code, message: error.message, offset: error.offset });
    return records;
  }

  /** The stream ended: an unfinished frame or message is reported, not fatal. */
  end(): StreamRecord[] {
    if (this.#ownBuffers) this.#buffers.reclaim();
    this.#dropMessage();
    if (this.#failed || this.#position === 0) return [];
    const open = this.#open;
    if (open !== undefined) {
      return [{ type: 'error', closeCode: 1006, code: 'TRUNCATED', message: `The stream ends inside a frame that started at byte ${open.offset}`, offset: open.offset }];
    }
    if (this.#framesEnd < this.#position) {
      const at = this.#framesEnd;
      return [{ type: 'error', closeCode: 1006, code: 'TRUNCATED', message: `The stream ends inside the header of a frame that started at byte ${at}`, offset: at }];
    }
    return [];
  }

  #frameRecord(open: OpenFrame): FrameRecord {
    const { header, offset } = open;
    const shown = open.shown.subarray(0, open.shownLength);
    const keyed = header.maskingKey !== undefined;
    const record: FrameRecord = {
      type: 'frame',
      offset,
      'websocket.fin': header.fin,
      'websocket.rsv': (header.rsv1 ? 4 : 0) | (header.rsv2 ? 2 : 0) | (header.rsv3 ? 1 : 0),
      'websocket.opcode': header.opcode,
      'websocket.mask': header.masked,
      'websocket.payload_length': header.payloadLength,
      'websocket.payload_length_64': String(header.payloadLength),
      ...extendedLength(header),
      ...(keyed ? { 'websocket.masking_key': toHex(header.maskingKey!, '') } : {}),
      'websocket.payload': toHex(shown, ''),
      header_offset: offset,
      ...(keyed ? { masking_key_offset: offset + header.headerLength - 4 } : {}),
      payload_offset: offset + header.headerLength,
      verdict: 'valid',
    };
    if (shown.length < header.payloadLength) record.payload_truncated = true;
    if (header.opcode === 0x1 && header.fin && !header.rsv1 && shown.length === header.payloadLength && isValidUtf8(shown)) {
      record['websocket.payload.text'] = decodeUtf8(shown);
    }
    if (header.opcode === 0x8 && shown.length >= 2) {
      try {
        const { code, reason } = decodeClosePayload(shown);
        record['websocket.payload.close.status_code'] = code;
        record['websocket.payload.close.reason'] = reason;
      } catch {
        record['websocket.payload.close.status_code'] = (shown[0] << 8) | shown[1];
      }
    }
    if (header.opcode === 0x1 || header.opcode === 0x2) this.#compressed.push(header.rsv1);
    return record;
  }

  /** Adds a piece of the binary message being received to its array. */
  #appendBinary(piece: Uint8Array): void {
    if (piece.length === 0) return;
    const length = this.#binaryLength;
    const binary = this.#buffers.grow(this.#binary, length, length + piece.length, this.#maxMessageLength);
    binary.set(piece, length);
    this.#binary = binary;
    this.#binaryLength = length + piece.length;
  }

  /**
   * The record of a binary message that `last` completes: its payload is `last` itself when it
   * came in one piece (no copy), else the assembled array, lent to a deferred record or given
   * back once the base64 is made.
   */
  #binaryRecord(last: Uint8Array): MessageRecord {
    if (this.#binary === undefined) return this.#messageRecord({ type: 'binary', data: last });
    this.#appendBinary(last);
    const binary = this.#binary;
    const record = this.#messageRecord({ type: 'binary', data: binary.subarray(0, this.#binaryLength) });
    this.#binary = undefined;
    this.#binaryLength = 0;
    if (deferredPayload(record) !== undefined) this.#buffers.lend(binary);
    else this.#buffers.give(binary);
    return record;
  }

  /** Forgets the message being received (the stream failed or ended inside it). */
  #dropMessage(): void {
    this.#textPieces = [];
    if (this.#binary !== undefined) this.#buffers.give(this.#binary);
    this.#binary = undefined;
    this.#binaryLength = 0;
  }

  /** The record of a complete message; a text one's payload is in the pieces gathered. */
  #messageRecord(event: MessageEventLike): MessageRecord {
    const max = this.#maxShownMessage;
    if ((event.type === 'text' || event.type === 'binary') && this.#compressed[0] === true && this.#opaque.length > 0) {
      this.#textPieces = [];
      this.#compressed.shift();
      const shown = this.#opaque.shift()!;
      const length = this.#opaqueLengths.shift()!;
      const record: CompressedMessageRecord = { type: 'message', kind: 'compressed', messageKind: event.type, length, base64: '', compressed: true, inflated: false };
      if (shown.length < length) record.truncated = true;
      return this.#withBase64(record, shown);
    }
    switch (event.type) {
      case 'text': {
        const pieces = this.#textPieces;
        this.#textPieces = [];
        const text = pieces.length === 1 ? pieces[0] : pieces.join('');
        const compressed = this.#compressed.shift() ?? false;
        // Measured, not encoded: encoding a 1 MiB message to learn its length costs 1 MiB.
        const length = utf8Length(text);
        if (length <= max) return { type: 'message', kind: 'text', length, text, compressed };
        const bytes = encodeUtf8(text);
        // Whole characters only: drop the bytes of a character the cut would split.
        let end = max;
        while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
        return { type: 'message', kind: 'text', length: bytes.length, text: decodeUtf8(bytes.subarray(0, end)), compressed, truncated: true };
      }
      case 'binary':
        return this.#bytesRecord('binary', event.data, this.#compressed.shift() ?? false);
      case 'ping':
      case 'pong':
        return this.#bytesRecord(event.type, event.data, false);
      default:
        return { type: 'message', kind: 'close', length: event.code === undefined ? 0 : 2 + encodeUtf8(event.reason).length, code: event.code ?? null, reason: event.reason, compressed: false };
    }
  }

  /** A binary, ping or pong record: the base64 of `data` as far as it is shown, `truncated` when cut. */
  #bytesRecord(kind: 'binary' | 'ping' | 'pong', data: Uint8Array, compressed: boolean): BytesMessageRecord {
    const length = data.length;
    if (length <= this.#maxShownMessage) return this.#withBase64<BytesMessageRecord>({ type: 'message', kind, length, base64: '', compressed }, data);
    const shown = data.subarray(0, this.#maxShownMessage);
    return this.#withBase64<BytesMessageRecord>({ type: 'message', kind, length, base64: '', truncated: true, compressed }, shown);
  }

  #withBase64<R extends { base64: string }>(record: R, shown: Uint8Array): R {
    if (this.#deferBase64 && shown.length >= DEFERRED_BASE64_MIN) return deferBase64(record, shown);
    record.base64 = encodeBase64(shown);
    return record;
  }
}

/** How many bytes `text` takes in UTF-8 (a lone surrogate counts 3, as U+FFFD). */
function utf8Length(text: string): number {
  let length = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) {
      length += 1;
    } else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // A surrogate pair: 2 UTF-16 units, 4 UTF-8 bytes.
      length += 2;
      i++;
    } else {
      length += 2;
    }
  }
  return length;
}

const EMPTY = new Uint8Array(0);

// RFC 6455 §5.2: the header is 2 bytes, then 2 or 8 bytes of extended length, then the key.
const EXTENDED_16_HEADER = 4;
const EXTENDED_64_HEADER = 10;

/** The extended payload length field under Wireshark's name, when the frame has one. */
function extendedLength(header: FrameHeader): Pick<FrameRecord, 'websocket.payload_length_ext_16' | 'websocket.payload_length_ext_64'> {
  const lengthBytes = header.headerLength - (header.masked ? 4 : 0);
  if (lengthBytes === EXTENDED_16_HEADER) return { 'websocket.payload_length_ext_16': header.payloadLength };
  if (lengthBytes === EXTENDED_64_HEADER) return { 'websocket.payload_length_ext_64': header.payloadLength };
  return {};
}

type MessageEventLike =
  | { type: 'text'; data: string }
  | { type: 'binary'; data: Uint8Array }
  | { type: 'ping' | 'pong'; data: Uint8Array }
  | { type: 'close'; code: number | undefined; reason: string };

function asProtocolError(error: unknown): ProtocolError {
  if (error instanceof ProtocolError) return error;
  throw error;
}

function earliest(a: ProtocolError | undefined, b: ProtocolError | undefined): ProtocolError | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return (b.offset ?? Number.POSITIVE_INFINITY) < (a.offset ?? Number.POSITIVE_INFINITY) ? b : a;
}
