/**
 * Incremental message decoding: frames assembled into text and binary messages, control frames
 * passed through, UTF-8 validated as bytes arrive, close payloads decoded, limits enforced
 * before anything is buffered. Layer 4.
 *
 * @module
 */

import { FIN_BIT, FrameReader, OPCODE_BITS, RSV_BITS, rebaseError, unmaskPayload } from './_frame-reader.ts';
import { BUFFER_OVERHEAD, BytePool, GrowingBuffer, growScratch, SCRATCH_KEEP } from './_growing-buffer.ts';
import { copyUnmasked, copyXorSmall, FUSED_UNMASK_MAX, unmaskInPlace } from '../bytes/_copy.ts';
import { viewOf } from '../bytes/_bytes.ts';
import { unmaskInWindow } from '../bytes/_simd.ts';
import { decodeUtf8, decodeValidatedUtf8, encodeUtf8 } from '../base/_host.ts';
import { opcodeName } from '../wire/check.ts';
import { decodeClosePayload } from '../wire/close.ts';
import { MASKING_KEY_SIZE, Opcode } from '../base/constants.ts';
import { ProtocolError } from '../base/errors.ts';
import type { FrameHeader } from '../wire/header.ts';
import { findInvalidUtf8, Utf8Validator } from '../bytes/utf8.ts';
import type {
  DecodedMessage, ExtensionMessage, MessageDecoderOptions, MessageExtension, MessageView, MessageVisitor,
} from './message-types.ts';

/** Default `maxMessageLength` of {@link MessageDecoder}: 64 MiB, the same as `maxPayloadLength`. */
export const DEFAULT_MAX_MESSAGE_LENGTH = 64 * 1024 * 1024;

// Default maxBufferedBytes = maxMessageLength + 1/4 of it + this: more than any message within
// maxMessageLength retains (see _growing-buffer.ts: the capacity never exceeds the bound, which
// is the message's length once its final frame has begun, nor maxBufferedBytes).
const DEFAULT_BUFFER_SLACK = 128 * 1024;
const RSV1_BIT = 0x40;
const RSV2_BIT = 0x20;
const RSV3_BIT = 0x10;
/** RFC 6455 §5.5.1: the status code takes the first 2 bytes of a close payload. */
const CLOSE_CODE_SIZE = 2;
/**
 * Where masked text is unmasked to be decoded at once when the SIMD window is not used (up to
 * 128 bytes, or where the host has no SIMD): shared, as it never outlives one decode.
 */
let textScratch: Uint8Array = new Uint8Array(0);
/** First header byte of an unfragmented text / binary frame without extension bits. */
const WHOLE_TEXT = FIN_BIT | Opcode.Text;
const WHOLE_BINARY = FIN_BIT | Opcode.Binary;
const EMPTY = new Uint8Array(0);

function rsvBitsOf(rsv: { rsv1?: boolean; rsv2?: boolean; rsv3?: boolean } | undefined): number {
  return (rsv?.rsv1 === true ? RSV1_BIT : 0) | (rsv?.rsv2 === true ? RSV2_BIT : 0) | (rsv?.rsv3 === true ? RSV3_BIT : 0);
}

function checkLimit(name: string, value: number): void {
  if (!(Number.isSafeInteger(value) && value >= 0) && value !== Number.POSITIVE_INFINITY) {
    throw new RangeError(`Invalid message decoder options: ${name} ${String(value)} is not a non-negative integer or Infinity`);
  }
}

/** Checks the extensions and returns the RSV bits each owns. */
function extensionBits(extensions: readonly MessageExtension[]): number[] {
  if (!Array.isArray(extensions)) throw new TypeError('Invalid message decoder options: extensions must be an array');
  let owned = 0;
  return extensions.map((extension) => {
    const bits = rsvBitsOf(extension?.rsv);
    if (bits === 0 || typeof extension.decodeMessage !== 'function') {
      throw new TypeError(`Invalid message decoder options: extension ${String(extension?.name)} must own an RSV bit and have decodeMessage()`);
    }
    if ((owned & bits) !== 0) {
      throw new TypeError(`Invalid message decoder options: extension ${extension.name} claims an RSV bit another extension owns`);
    }
    owned |= bits;
    return bits;
  });
}

function rsvNames(bits: number): string {
  return [bits & RSV1_BIT && 'RSV1', bits & RSV2_BIT && 'RSV2', bits & RSV3_BIT && 'RSV3'].filter(Boolean).join(', ');
}

function invalidText(at: number, streamOffset: number | undefined): ProtocolError {
  return new ProtocolError(
    'INVALID_UTF8',
    `Cannot decode message: text is not valid UTF-8 at byte ${at} of the message`,
    streamOffset === undefined ? undefined : streamOffset + at,
  );
}

/**
 * Decodes complete text, failing with 1007 at the first impossible byte: one fatal decode,
 * which validates natively (the JS validator runs only to locate a failure).
 */
function decodeText(bytes: Uint8Array, streamOffset: number | undefined): string {
  try {
    return decodeUtf8(bytes);
  } catch {
    throw invalidText(findInvalidUtf8(bytes), streamOffset);
  }
}


class ReusedMessageView implements MessageView {
  type: MessageView['type'] = 'binary';
  bytes: Uint8Array = EMPTY;
  start = 0;
  end = 0;
  code: number | undefined = undefined;
  reason = '';
  /** The text when it was decoded already (a message queued before the visit). */
  decoded: string | undefined = undefined;

  text(): string {
    if (this.type !== 'text') return '';
    return this.decoded ?? decodeValidatedUtf8(this.bytes.subarray(this.start, this.end));
  }
}

/**
 * Decodes a stream of frames pushed in chunks of any size into messages: fragmented messages
 * are assembled; ping, pong and close frames arriving between fragments are yielded at once;
 * text is validated as its bytes arrive and fails (1007 `INVALID_UTF8`) in the push that
 * delivers the first impossible byte, even inside one frame arriving in pieces; a message that
 * ends inside a multi-byte sequence fails too. Text is decoded with
 * `{ fatal: true, ignoreBOM: true }` semantics (a leading U+FEFF is kept). See
 * {@link DecodedMessage} and {@link MessageDecoderOptions}.
 *
 * Close payloads are decoded with `decodeClosePayload` (1002 for a 1-byte payload or a code
 * that may not be on the wire, 1007 for a reason that is not UTF-8). After a close frame the
 * stream is over: the close event is yielded, then bytes after it fail with 1002
 * `DATA_AFTER_CLOSE`, or are dropped with `afterClose: 'ignore'`. Having sent the close reply
 * already, an endpoint that then sees this error just closes the connection.
 *
 * Errors (`ProtocolError`, with the close code to send): everything `FrameDecoder` checks, and
 * 1002 `UNEXPECTED_CONTINUATION` (a continuation with nothing to continue),
 * `EXPECTED_CONTINUATION` (a new text/binary frame while a message is open), 1009
 * `MESSAGE_TOO_LARGE`, `BUFFER_LIMIT_EXCEEDED`, and an extension's RSV rules. Same push,
 * iteration and fail-once rules as `FrameDecoder`: errors come after every event before them,
 * and a failed decoder throws the same error forever.
 *
 * @example
 * ```ts
 * import { MessageDecoder } from 'wsframe';
 * // RFC 6455 §5.7: "Hel" + "lo" in two fragments, with a ping "Hello" between them
 * const bytes = new Uint8Array([
 *   0x01, 0x03, 0x48, 0x65, 0x6c,
 *   0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f,
 *   0x80, 0x02, 0x6c, 0x6f,
 * ]);
 * const messages = new MessageDecoder({ role: 'client' });
 * const [ping, text] = messages.push(bytes);
 * console.log(ping.type, text.type, text.type === 'text' && text.data); // ping text Hello
 * try {
 *   Array.from(messages.push(new Uint8Array([0x81, 0x02, 0xce, 0x41]))); // 0xce 0x41 is not UTF-8
 * } catch (error) {
 *   const { closeCode, code, offset } = error as { closeCode: number; code: string; offset: number };
 *   console.log(closeCode, code, offset); // 1007 INVALID_UTF8 19
 * }
 * ```
 */
export class MessageDecoder implements Iterable<DecodedMessage> {
  readonly #reader: FrameReader<DecodedMessage>;
  readonly #maxMessageLength: number;
  readonly #maxBufferedBytes: number;
  readonly #streaming: boolean;
  readonly #ignoreAfterClose: boolean;
  readonly #extensions: readonly MessageExtension[];
  readonly #extensionBits: number[];
  readonly #ownedBits: number;
  // The open message; opcode 0 when none is open.
  #messageOpcode = 0;
  #messageLength = 0;
  #messageRsv = 0;
  readonly #message = new GrowingBuffer();
  /** What `#message` may hold: the total once the final frame has begun, the budget until then. */
  #messageBound = 0;
  readonly #validator = new Utf8Validator();
  /** Stream offset of the lead byte of the unfinished sequence at the end of the text so far. */
  #pendingLead = 0;
  // Streaming text: the bytes of a code point cut by a piece boundary (at most 3).
  readonly #carry = new Uint8Array(4);
  #carryLength = 0;
  // Streaming: the last piece of a message, yielded with final: true when the frame ends.
  #finalPiece: string | Uint8Array | undefined = undefined;
  // The frame being read in pieces.
  #opcode = 0;
  #fin = false;
  #payloadStart = 0;
  #payloadEnd = 0;
  readonly #control = new GrowingBuffer();
  #controlLength = 0;
  readonly #reasonValidator = new Utf8Validator();
  readonly #closeHead = new Uint8Array(CLOSE_CODE_SIZE);
  /** Set during {@link MessageDecoder.visit}: complete messages go to it instead of the queue. */
  #visitor: MessageVisitor | undefined = undefined;
  /** The visitor's view, made by the first visit (a connection that never visits holds none). */
  #view: ReusedMessageView | undefined = undefined;
  /** Where a masked message in one frame is unmasked when it need not outlive the call. */
  #scratch: Uint8Array = EMPTY;
  readonly #pool = new BytePool();
  readonly #unmaskInPlace: boolean;
  /** Longest message within both maxMessageLength and the buffer budget. */
  readonly #wholeLimit: number;

  /** See {@link MessageDecoderOptions}; `TypeError` / `RangeError` for malformed options. */
  constructor(options: MessageDecoderOptions = {}) {
    const extensions = options.extensions ?? [];
    const bits = extensionBits(extensions);
    const owned = bits.reduce((all, b) => all | b, 0);
    const allowed = rsvBitsOf(options.allowedRsv) | owned;
    this.#reader = new FrameReader<DecodedMessage>({
      ...options,
      allowedRsv: { rsv1: (allowed & RSV1_BIT) !== 0, rsv2: (allowed & RSV2_BIT) !== 0, rsv3: (allowed & RSV3_BIT) !== 0 },
    }, {
      onFrame: (b0, bytes, start, end, keyStart, offset) => this.#onFrame(b0, bytes, start, end, keyStart, offset),
      onHeader: (header, offset) => this.#onHeader(header, offset),
      onPayload: (bytes, start, end, maskingKey, payloadOffset, last) => this.#onPayload(bytes, start, end, maskingKey, payloadOffset, last),
      onEnd: () => this.#onEnd(),
      onChunkEnd: () => this.#pool.release(),
      onTrailing: (bytes, offset) => this.#onTrailing(bytes, offset),
    });
    const { maxMessageLength = DEFAULT_MAX_MESSAGE_LENGTH, afterClose = 'error' } = options;
    checkLimit('maxMessageLength', maxMessageLength);
    const maxBufferedBytes = options.maxBufferedBytes ??
      maxMessageLength + Math.ceil(maxMessageLength / 4) + DEFAULT_BUFFER_SLACK;
    checkLimit('maxBufferedBytes', maxBufferedBytes);
    if (afterClose !== 'error' && afterClose !== 'ignore') {
      throw new TypeError(`Invalid message decoder options: afterClose must be 'error' or 'ignore', not ${String(afterClose)}`);
    }
    this.#maxMessageLength = maxMessageLength;
    this.#maxBufferedBytes = maxBufferedBytes;
    this.#streaming = options.streamMessages === true;
    this.#unmaskInPlace = options.unmaskInPlace === true;
    this.#wholeLimit = Math.min(maxMessageLength, maxBufferedBytes - BUFFER_OVERHEAD);
    this.#ignoreAfterClose = afterClose === 'ignore';
    this.#extensions = extensions;
    this.#extensionBits = bits;
    this.#ownedBits = owned;
  }

  /** Message-level checks of a frame header; sets up the frame (and a new message). */
  #beginFrame(opcode: number, fin: boolean, rsvBits: number, payloadLength: number, offset: number): void {
    const owned = rsvBits & this.#ownedBits;
    this.#opcode = opcode;
    this.#fin = fin;
    if (opcode >= Opcode.Close) {
      if (owned !== 0) throw this.#misplacedRsv(owned, `a ${opcodeName(opcode)} frame`, 'RSV1_ON_CONTROL', offset);
      if (opcode === Opcode.Close) this.#reasonValidator.reset();
      this.#controlLength = payloadLength;
      return;
    }
    const messageOpcode = this.#messageOpcode;
    if (opcode === Opcode.Continuation) {
      if (messageOpcode === 0) {
        throw new ProtocolError('UNEXPECTED_CONTINUATION', 'Cannot decode message: a continuation frame arrived with no message to continue', offset);
      }
      if (owned !== 0) throw this.#misplacedRsv(owned, 'a continuation frame', 'RSV1_ON_CONTINUATION', offset);
    } else {
      if (messageOpcode !== 0) {
        throw new ProtocolError(
          'EXPECTED_CONTINUATION',
          `Cannot decode message: a ${opcodeName(opcode)} frame arrived while a ${opcodeName(messageOpcode)} message is unfinished; expected a continuation frame`,
          offset,
        );
      }
      this.#messageOpcode = opcode;
      this.#messageLength = 0;
      this.#messageRsv = owned;
      if (opcode === Opcode.Text) {
        this.#validator.reset();
        this.#carryLength = 0;
      }
    }
    const total = this.#messageLength + payloadLength;
    if (total > this.#maxMessageLength) {
      throw new ProtocolError(
        'MESSAGE_TOO_LARGE',
        `Cannot decode message: ${total} bytes exceeds maxMessageLength ${this.#maxMessageLength}`,
        offset + 1,
      );
    }
    this.#messageLength = total;
    // Decided here, from the declared lengths, so that the verdict never depends on how the
    // bytes are chunked: a message that is buffered (not streamed) and would need more than the
    // budget fails at the header that makes its length known, even when it then arrives whole
    // in one chunk and would need no buffer at all.
    const budget = this.#maxBufferedBytes - BUFFER_OVERHEAD;
    if (total > budget && total > 0 && (this.#messageRsv !== 0 || !this.#streaming)) {
      throw this.#bufferLimit(total + BUFFER_OVERHEAD, offset + 1);
    }
    // Once the final frame has begun the exact total is known: the buffer grows to it and no
    // further, never past the budget.
    this.#messageBound = fin ? total : Math.min(this.#maxMessageLength, budget);
  }

  #misplacedRsv(bits: number, where: string, rsv1Code: 'RSV1_ON_CONTROL' | 'RSV1_ON_CONTINUATION', offset: number): ProtocolError {
    const owners = this.#extensions.filter((_, i) => (this.#extensionBits[i] & bits) !== 0).map((e) => e.name).join(', ');
    return new ProtocolError(
      (bits & RSV1_BIT) !== 0 ? rsv1Code : 'RESERVED_BITS',
      `Cannot decode frame: ${rsvNames(bits)} set on ${where}; ${owners} allows it only on the first frame of a data message`,
      offset,
    );
  }

  /**
   * Feeds the next bytes of the stream and returns the decoder. The chunk is decoded lazily, as
   * the iteration asks for the next item (so one large push keeps one item alive at a time, not
   * all of them); bytes of an earlier chunk not iterated yet are decoded first, here. A violation
   * is thrown by the iteration after everything before it, and by every later `push`. Empty
   * chunks are fine. Throws `TypeError` when `chunk` is not a `Uint8Array`.
   */
  push(chunk: Uint8Array): this {
    this.#reader.push(chunk);
    return this;
  }

  /**
   * Yields everything decoded so far, in order, then throws the decoder's error if it failed
   * (the same error object every time).
   */
  [Symbol.iterator](): IterableIterator<DecodedMessage> {
    return this.#reader.iterator();
  }

  /**
   * Calls `visitor` for every message pushed so far, in order, with a {@link MessageView}: the
   * same messages iteration would yield, and the same error, thrown after every message before
   * it; but no event object is made. A binary, ping or pong message in one frame in one chunk
   * costs no allocation: it is shown in the chunk when not masked, else unmasked into an array
   * the decoder owns and reuses (kept up to 1 MiB); a text message costs its string (validated
   * by decoding it, which `text()` then returns); a fragmented message is assembled once, as
   * iteration does. The view and its bytes are valid
   * only during the call. A visitor that throws fails the decoder with its error, as a protocol
   * violation does. Visiting and iterating may be mixed. `TypeError` when `visitor` is not a
   * function, or with `streamMessages` (whose pieces only iteration yields).
   *
   * @example
   * ```ts
   * import { MessageDecoder, type MessageView } from 'wsframe';
   * // RFC 6455 §5.7: a masked "Hello" from a client, then a close frame with code 1000
   * const bytes = new Uint8Array([
   *   0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
   *   0x88, 0x82, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8,
   * ]);
   * let total = 0;
   * new MessageDecoder({ role: 'server' }).push(bytes).visit((message: MessageView) => {
   *   // Valid during this call only: decode or copy (bytes.slice) what you keep.
   *   total += message.end - message.start;
   *   if (message.type === 'text') console.log(message.text()); // Hello
   *   if (message.type === 'close') console.log(message.code, total); // 1000 7
   * });
   * ```
   */
  visit(visitor: MessageVisitor): void {
    if (typeof visitor !== 'function') throw new TypeError('Cannot visit messages: visitor must be a function');
    if (this.#streaming) throw new TypeError('Cannot visit messages with streamMessages: iterate the decoder instead');
    this.#view ??= new ReusedMessageView();
    const reader = this.#reader;
    for (let event = reader.shift(); event !== undefined; event = reader.shift()) {
      if (event.type === 'close') {
        this.#show(visitor, 'close', EMPTY, 0, 0, event.code, event.reason);
      } else if (event.type === 'text') {
        const bytes = encodeUtf8(event.data);
        this.#view!.decoded = event.data;
        this.#show(visitor, 'text', bytes, 0, bytes.length);
      } else {
        this.#show(visitor, event.type, event.data, 0, event.data.length);
      }
    }
    this.#visitor = visitor;
    try {
      reader.decodeAll();
    } finally {
      this.#visitor = undefined;
    }
  }

  /** Hands the reused view, set to these values, to `visitor`. */
  #show(
    visitor: MessageVisitor, type: MessageView['type'], bytes: Uint8Array, start: number, end: number,
    code?: number, reason = '',
  ): void {
    const view = this.#view!;
    view.type = type;
    view.bytes = bytes;
    view.start = start;
    view.end = end;
    view.code = code;
    view.reason = reason;
    try {
      visitor(view);
    } finally {
      view.bytes = EMPTY;
      view.decoded = undefined;
    }
  }

  /** A whole text or binary message in one frame in one chunk: decoded straight from the chunk. */
  #wholeMessage(opcode: number, bytes: Uint8Array, start: number, end: number, keyStart: number, payloadStart: number): void {
    const visitor = this.#visitor;
    if (visitor === undefined && opcode !== Opcode.Text) {
      this.#emitData(opcode, unmaskPayload(bytes, start, end, keyStart, this.#pool, this.#unmaskInPlace), true);
      return;
    }
    // Text becomes a string, and a visitor sees the bytes only during its call: either way
    // they need not outlive this call, so a masked payload is unmasked into the reused
    // scratch array instead of a fresh one (1 KiB text frames: half the allocations).
    let data = bytes;
    let from = start;
    let to = end;
    if (keyStart >= 0 && end - start > FUSED_UNMASK_MAX && !(visitor !== undefined && this.#unmaskInPlace)) {
      // Unmasked in the SIMD kernel's window: text is decoded from there (1 KiB text frames:
      // ~1.3x the copy-then-XOR into the scratch array, Node 20), and a visitor is shown a
      // native copy of it in the scratch array.
      const unmasked = unmaskInWindow(bytes, start, end, bytes, keyStart);
      if (unmasked !== undefined) {
        const text = opcode === Opcode.Text ? decodeText(unmasked, payloadStart) : '';
        if (visitor === undefined) {
          this.#emitData(opcode, text, true);
          return;
        }
        const scratch = growScratch(this.#scratch, end - start);
        if (scratch.length <= SCRATCH_KEEP) this.#scratch = scratch;
        scratch.set(unmasked);
        if (opcode === Opcode.Text) this.#view!.decoded = text;
        this.#show(visitor, opcode === Opcode.Text ? 'text' : 'binary', scratch, 0, end - start);
        return;
      }
    }
    if (keyStart >= 0 && visitor !== undefined && this.#unmaskInPlace) {
      unmaskInPlace(bytes, start, end, viewOf(bytes, keyStart, keyStart + MASKING_KEY_SIZE), 0);
    } else if (keyStart >= 0) {
      if (visitor === undefined) {
        // Decoded before this returns, so one array serves every decoder: none holds its own.
        data = textScratch = growScratch(textScratch, end - start);
        if (data.length > SCRATCH_KEEP) textScratch = EMPTY;
      } else {
        data = growScratch(this.#scratch, end - start);
        if (data.length <= SCRATCH_KEEP) this.#scratch = data;
      }
      unmaskInto(bytes, start, end, keyStart, data);
      from = 0;
      to = end - start;
    }
    if (visitor === undefined) {
      this.#emitData(opcode, decodeText(viewOf(data, from, to), payloadStart), true);
      return;
    }
    if (opcode === Opcode.Text) {
      // Validated by decoding: the host's fatal decoder beats the JS scanner on ASCII (4x at
      // 1 KiB, Node 20), and the string is what text() returns.
      this.#view!.decoded = decodeText(viewOf(data, from, to), payloadStart);
    }
    this.#show(visitor, opcode === Opcode.Text ? 'text' : 'binary', data, from, to);
  }

  #onFrame(b0: number, bytes: Uint8Array, start: number, end: number, keyStart: number, offset: number): void {
    const opcode = b0 & OPCODE_BITS;
    const payloadStart = this.#reader.chunkOffset + start;
    if ((b0 === WHOLE_TEXT || b0 === WHOLE_BINARY) && this.#messageOpcode === 0 && end - start <= this.#wholeLimit) {
      // Hot path: an unfragmented message without extension bits, within both limits, so
      // every verdict of #beginFrame is known to pass and none of its state is needed.
      this.#wholeMessage(opcode, bytes, start, end, keyStart, payloadStart);
      return;
    }
    const fin = (b0 & FIN_BIT) !== 0;
    this.#beginFrame(opcode, fin, b0 & RSV_BITS, end - start, offset);
    if (opcode >= Opcode.Close) {
      this.#emitControl(opcode, unmaskPayload(bytes, start, end, keyStart, this.#pool, this.#unmaskInPlace), payloadStart);
      return;
    }
    if (fin && opcode !== Opcode.Continuation && this.#messageRsv === 0) {
      this.#messageOpcode = 0;
      this.#wholeMessage(opcode, bytes, start, end, keyStart, payloadStart);
      return;
    }
    this.#payloadStart = payloadStart;
    this.#payloadEnd = payloadStart;
    if (end > start) {
      const maskingKey = keyStart < 0 ? undefined : viewOf(bytes, keyStart, keyStart + MASKING_KEY_SIZE);
      this.#onPayload(bytes, start, end, maskingKey, 0, true);
    }
    this.#onEnd();
  }

  #onHeader(header: FrameHeader, offset: number): void {
    const rsvBits = (header.rsv1 ? RSV1_BIT : 0) | (header.rsv2 ? RSV2_BIT : 0) | (header.rsv3 ? RSV3_BIT : 0);
    this.#beginFrame(header.opcode, header.fin, rsvBits, header.payloadLength, offset);
    this.#payloadStart = offset + header.headerLength;
    this.#payloadEnd = this.#payloadStart;
  }

  #onPayload(
    bytes: Uint8Array, start: number, end: number, maskingKey: Uint8Array | undefined, payloadOffset: number, last: boolean,
  ): void {
    const streamOffset = this.#reader.chunkOffset + start;
    this.#payloadEnd = this.#reader.chunkOffset + end;
    const opcode = this.#opcode;
    if (opcode >= Opcode.Close) {
      const data = this.#control.append(bytes, start, end, maskingKey, payloadOffset, this.#controlLength);
      if (opcode === Opcode.Close) {
        // RFC 6455 §5.5.1: a 2-byte code, then a UTF-8 reason; both checked as they arrive, the
        // code first, so that any chunking reports what decodeClosePayload would.
        const skip = Math.min(data.length, Math.max(0, CLOSE_CODE_SIZE - payloadOffset));
        if (skip > 0) {
          this.#closeHead.set(data.subarray(0, skip), payloadOffset);
          if (payloadOffset + skip === CLOSE_CODE_SIZE) {
            try {
              decodeClosePayload(this.#closeHead);
            } catch (error) {
              throw rebaseError(error, this.#payloadStart);
            }
          }
        }
        if (skip < data.length) validate(this.#reasonValidator, data.subarray(skip), streamOffset + skip, 'close reason');
      }
      return;
    }
    const text = this.#messageOpcode === Opcode.Text;
    if (this.#messageRsv !== 0 || !this.#streaming) {
      const message = this.#message;
      // #beginFrame checked the declared total against the budget, and the buffer never grows
      // past the bound, which stays within it: what is retained never exceeds maxBufferedBytes.
      // A transformed message is validated after the extension (its wire bytes are not text).
      if (text && this.#messageRsv === 0) {
        this.#validateText(message.append(bytes, start, end, maskingKey, payloadOffset, this.#messageBound), streamOffset);
      } else {
        message.defer(bytes, start, end, maskingKey, payloadOffset, this.#messageBound, this.#maxBufferedBytes);
      }
      return;
    }
    let data: Uint8Array;
    if (maskingKey === undefined) {
      data = bytes.subarray(start, end);
    } else if (this.#unmaskInPlace) {
      unmaskInPlace(bytes, start, end, maskingKey, payloadOffset);
      data = bytes.subarray(start, end);
    } else {
      data = this.#pool.take(end - start, bytes.length - start);
      copyUnmasked(bytes, start, end, data, 0, maskingKey, payloadOffset);
    }
    const piece = text ? this.#textPiece(data, streamOffset) : data;
    if (last && this.#fin) this.#finalPiece = piece;
    else if (piece !== '') this.#emitData(this.#messageOpcode, piece, false);
  }

  #bufferLimit(retained: number, offset: number): ProtocolError {
    return new ProtocolError(
      'BUFFER_LIMIT_EXCEEDED',
      `Cannot decode message: ${retained} bytes to retain exceeds maxBufferedBytes ${this.#maxBufferedBytes}`,
      offset,
    );
  }

  /** Validates text bytes at `streamOffset`; remembers where an unfinished sequence starts. */
  #validateText(data: Uint8Array, streamOffset: number): void {
    const validator = this.#validator;
    validate(validator, data, streamOffset, 'text');
    const pending = validator.pending;
    if (pending > 0 && pending <= data.length) this.#pendingLead = streamOffset + data.length - pending;
  }

  /** Validates a streamed text piece and decodes its complete code points; holds back the rest. */
  #textPiece(data: Uint8Array, streamOffset: number): string {
    const validator = this.#validator;
    this.#validateText(data, streamOffset);
    const carry = this.#carry;
    const carryLength = this.#carryLength;
    const pending = validator.pending;
    if (pending === carryLength + data.length) {
      // Still inside the held-back code point.
      carry.set(data, carryLength);
      this.#carryLength = pending;
      return '';
    }
    let head = '';
    let from = 0;
    if (carryLength > 0) {
      const lead = carry[0];
      const size = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
      from = size - carryLength;
      carry.set(data.subarray(0, from), carryLength);
      head = decodeValidatedUtf8(carry.subarray(0, size));
    }
    const to = data.length - pending;
    const body = from < to ? decodeValidatedUtf8(data.subarray(from, to)) : '';
    carry.set(data.subarray(to), 0);
    this.#carryLength = pending;
    return head + body;
  }

  #onEnd(): void {
    const opcode = this.#opcode;
    if (opcode >= Opcode.Close) {
      this.#emitControl(opcode, this.#control.take(), this.#payloadStart);
    } else if (this.#fin) {
      this.#endMessage();
    }
  }

  #endMessage(): void {
    const opcode = this.#messageOpcode;
    this.#messageOpcode = 0;
    const visitor = this.#visitor;
    if (this.#messageRsv !== 0) {
      const payload = this.#decodeExtensions(opcode, this.#message.take());
      if (visitor !== undefined) {
        if (opcode === Opcode.Text) this.#view!.decoded = decodeText(payload, undefined);
        this.#show(visitor, opcode === Opcode.Text ? 'text' : 'binary', payload, 0, payload.length);
        return;
      }
      this.#emitData(opcode, opcode === Opcode.Text ? decodeText(payload, undefined) : payload, true);
      return;
    }
    if (opcode === Opcode.Text && !this.#validator.end()) {
      throw new ProtocolError(
        'INVALID_UTF8',
        'Cannot decode message: text ends inside a multi-byte UTF-8 sequence',
        this.#pendingLead,
      );
    }
    let data: string | Uint8Array;
    if (this.#streaming) {
      data = this.#finalPiece ?? (opcode === Opcode.Text ? '' : EMPTY);
      this.#finalPiece = undefined;
    } else {
      const payload = this.#message.take();
      if (visitor !== undefined) {
        this.#show(visitor, opcode === Opcode.Text ? 'text' : 'binary', payload, 0, payload.length);
        return;
      }
      // Validated once, as the fragments arrived: decoded without a second validation.
      data = opcode === Opcode.Text ? decodeValidatedUtf8(payload) : payload;
    }
    this.#emitData(opcode, data, true);
  }

  #decodeExtensions(opcode: number, payload: Uint8Array): Uint8Array {
    const rsv = this.#messageRsv;
    const message: ExtensionMessage = {
      opcode, rsv1: (rsv & RSV1_BIT) !== 0, rsv2: (rsv & RSV2_BIT) !== 0, rsv3: (rsv & RSV3_BIT) !== 0,
      maxLength: this.#maxMessageLength,
    };
    // RFC 6455 §9.1: extensions apply in negotiation order when sending, so in reverse here.
    for (let i = this.#extensions.length - 1; i >= 0; i--) {
      if ((rsv & this.#extensionBits[i]) === 0) continue;
      const extension = this.#extensions[i];
      payload = extension.decodeMessage(payload, message);
      if (!(payload instanceof Uint8Array)) {
        throw new TypeError(`Extension ${extension.name}: decodeMessage must return a Uint8Array`);
      }
    }
    if (payload.length > this.#maxMessageLength) {
      throw new ProtocolError(
        'MESSAGE_TOO_LARGE',
        `Cannot decode message: ${payload.length} bytes after extensions exceeds maxMessageLength ${this.#maxMessageLength}`,
        this.#payloadEnd,
      );
    }
    return payload;
  }

  #emitData(opcode: number, data: string | Uint8Array, final: boolean): void {
    const type = opcode === Opcode.Text ? 'text' : 'binary';
    this.#reader.emit((this.#streaming ? { type, data, final } : { type, data }) as DecodedMessage);
  }

  #emitControl(opcode: number, payload: Uint8Array, payloadStart: number): void {
    const visitor = this.#visitor;
    if (visitor !== undefined && opcode !== Opcode.Close) {
      this.#show(visitor, opcode === Opcode.Ping ? 'ping' : 'pong', payload, 0, payload.length);
    } else if (opcode === Opcode.Ping) {
      this.#reader.emit({ type: 'ping', data: payload });
    } else if (opcode === Opcode.Pong) {
      this.#reader.emit({ type: 'pong', data: payload });
    } else {
      let close: { code: number | undefined; reason: string };
      try {
        close = decodeClosePayload(payload);
      } catch (error) {
        throw rebaseError(error, payloadStart);
      }
      this.#reader.stopped = true;
      if (visitor !== undefined) this.#show(visitor, 'close', payload, 0, payload.length, close.code, close.reason);
      else this.#reader.emit({ type: 'close', code: close.code, reason: close.reason });
    }
  }

  #onTrailing(bytes: Uint8Array, offset: number): void {
    if (this.#ignoreAfterClose) return;
    throw new ProtocolError(
      'DATA_AFTER_CLOSE',
      `Cannot decode message: ${bytes.length} bytes arrived after the close frame, which must be the last`,
      offset,
    );
  }
}

/** Writes `bytes[start..end)` unmasked with the key at `keyStart` into `target` at 0. */
function unmaskInto(bytes: Uint8Array, start: number, end: number, keyStart: number, target: Uint8Array): void {
  const length = end - start;
  if (length <= FUSED_UNMASK_MAX) {
    copyXorSmall(bytes, start, length, target, 0, bytes[keyStart], bytes[keyStart + 1], bytes[keyStart + 2], bytes[keyStart + 3]);
  } else {
    copyUnmasked(bytes, start, end, target, 0, viewOf(bytes, keyStart, keyStart + MASKING_KEY_SIZE), 0);
  }
}

function validate(validator: Utf8Validator, data: Uint8Array, streamOffset: number, what: string): void {
  const before = validator.position;
  if (!validator.push(data)) {
    const at = validator.errorOffset - before;
    throw new ProtocolError(
      'INVALID_UTF8',
      `Cannot decode message: ${what} is not valid UTF-8 (byte 0x${data[at].toString(16).padStart(2, '0')})`,
      streamOffset + at,
    );
  }
}
