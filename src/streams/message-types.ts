/**
 * The message decoder's public types: its options, the messages it yields, the view its visitor
 * sees, and the interface a per-message extension (permessage-deflate) implements. Types only.
 * Layer 4 (streams).
 *
 * @module
 */

import type { DecodeOptions } from '../wire/check.ts';

/**
 * A negotiated per-message extension (RFC 6455 §9, RFC 7692 §6): it owns one or more RSV bits
 * and transforms the payload of each message whose first frame sets one of them (e.g.
 * permessage-deflate owns RSV1 and inflates). {@link MessageDecoder} enforces the per-message
 * rule for the owned bits: set on the first frame of a text or binary message only; on a
 * continuation frame (1002 `RSV1_ON_CONTINUATION`) or a control frame (1002 `RSV1_ON_CONTROL`;
 * `RESERVED_BITS` for RSV2/RSV3) it is an error.
 */
export interface MessageExtension {
  /** Extension name, for error messages, e.g. `'permessage-deflate'`. */
  readonly name: string;
  /** The RSV bits the extension owns. At least one; no two extensions may share a bit. */
  readonly rsv: { rsv1?: boolean; rsv2?: boolean; rsv3?: boolean };
  /**
   * Transforms a whole received message (assembled from all its frames, unmasked) and returns
   * the payload to deliver. Text is validated as UTF-8 after the transform. May throw a
   * `ProtocolError` (e.g. 1007 `INVALID_COMPRESSED_DATA`); should produce at most
   * `message.maxLength` bytes (more fails with 1009 `MESSAGE_TOO_LARGE` anyway).
   */
  decodeMessage(payload: Uint8Array, message: ExtensionMessage): Uint8Array;
}

/** What {@link MessageExtension.decodeMessage} is told about the message. */
export interface ExtensionMessage {
  /** `Opcode.Text` or `Opcode.Binary`. */
  opcode: number;
  /** RSV1 of the message's first frame. */
  rsv1: boolean;
  /** RSV2 of the message's first frame. */
  rsv2: boolean;
  /** RSV3 of the message's first frame. */
  rsv3: boolean;
  /** The decoder's `maxMessageLength`. */
  maxLength: number;
}

/** Options of {@link MessageDecoder}. */
export interface MessageDecoderOptions extends DecodeOptions {
  /**
   * A message longer than this fails with 1009 `MESSAGE_TOO_LARGE`, as soon as a frame header
   * makes the total known, before its payload is buffered. A non-negative integer or Infinity;
   * default {@link DEFAULT_MAX_MESSAGE_LENGTH} (64 MiB).
   */
  maxMessageLength?: number;
  /**
   * Budget on the bytes the decoder retains for an unfinished message: the capacity of the one
   * buffer it grows (at most twice the bytes arrived, or 4 KiB; never beyond this budget, and
   * exactly the message's length once its final frame has begun) plus about 256 bytes of
   * bookkeeping. A message whose length plus those 256 bytes exceeds it fails with 1009
   * `BUFFER_LIMIT_EXCEEDED` at the frame header that makes the length known, before any of its
   * bytes are copied, whatever the chunking (so also when it would arrive whole in one chunk;
   * with `streamMessages` and no extension nothing is buffered and the budget does not apply).
   * Default `maxMessageLength * 1.25 + 128 KiB`, enough for any message within
   * `maxMessageLength`; lower it to bound memory harder.
   */
  maxBufferedBytes?: number;
  /**
   * Deliver text and binary messages in pieces as their bytes arrive (for proxies and huge
   * messages): every text/binary event then has `final` (true on the last piece of a message).
   * Text pieces never split a code point and are still validated fail-fast. Default false.
   */
  streamMessages?: boolean;
  /**
   * Unmask masked payloads inside the pushed chunks, as ws does, instead of copying them: a
   * binary, ping or pong message in one frame in one chunk (and, with `streamMessages`, every
   * piece) is then a view into its chunk, with no copy and no allocation. Mutates the chunks you
   * push: for callers that own them (a socket adapter's reads). Default false.
   */
  unmaskInPlace?: boolean;
  /**
   * What to do with bytes after a close frame: `'error'` (default) fails with 1002
   * `DATA_AFTER_CLOSE` (RFC 6455 §5.5.1: nothing may follow a close frame); `'ignore'` drops
   * them silently. Either way the close event is yielded first.
   */
  afterClose?: 'error' | 'ignore';
  /** Negotiated per-message extensions, in negotiation order; their RSV bits are allowed. */
  extensions?: readonly MessageExtension[];
}

/**
 * What {@link MessageDecoder} yields. `final` is present only with `streamMessages: true`.
 * Binary, ping and pong `data` is a view into a pushed chunk when the frame was not masked and
 * lay in one chunk, else a fresh copy, yours (one of at most 256 bytes is a view of a block
 * holding other copies this decoder made, as `FrameDecoder` explains). Also exported as
 * {@link MessageEvent}.
 */
export type DecodedMessage =
  | { type: 'text'; data: string; final?: boolean }
  | { type: 'binary'; data: Uint8Array; final?: boolean }
  | { type: 'ping'; data: Uint8Array }
  | { type: 'pong'; data: Uint8Array }
  | { type: 'close'; code: number | undefined; reason: string };

/**
 * The same type as {@link DecodedMessage}, under its first name, which keeps working. Imported
 * into a browser file it hides the DOM's `MessageEvent` there: import `DecodedMessage` instead.
 */
export type MessageEvent = DecodedMessage;

/**
 * A message as {@link MessageDecoder.visit} shows it: one object, reused for every message,
 * whose payload is `bytes[start..end)`, unmasked and assembled (text already validated as
 * UTF-8; a close frame's whole payload). Valid only during the visitor's call: after it
 * returns, the object describes the next message and `bytes` may be overwritten.
 */
export interface MessageView {
  /** What the message is, as {@link DecodedMessage}'s `type`. */
  readonly type: 'text' | 'binary' | 'ping' | 'pong' | 'close';
  /**
   * Holds the payload at `[start, end)`: a pushed chunk (an unmasked message in one frame) or
   * an array the decoder owns and may reuse. Read it, copy what you keep; never write to it.
   */
  readonly bytes: Uint8Array;
  /** Index of the payload's first byte in `bytes`. */
  readonly start: number;
  /** Index after the payload's last byte in `bytes`. */
  readonly end: number;
  /** A close frame's status code (undefined when it has none, and for every other type). */
  readonly code: number | undefined;
  /** A close frame's reason ('' for every other type). */
  readonly reason: string;
  /** A text message's payload as a string (decoded now, without validating it again). */
  text(): string;
}

/** What {@link MessageDecoder.visit} calls for each message, in order. */
export type MessageVisitor = (message: MessageView) => void;
