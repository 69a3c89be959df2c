/**
 * The explain model: every frame in some bytes, taken apart field by field, each field with its
 * byte (and bit) range, its value, what it means, and a verdict per frame. One model, two views:
 * the CLI's `wsframe explain` renders it as text (src/cli/explain.ts), the learner's page as a
 * linked field tree and hex view (web/). Portable: no `node:` import.
 *
 * @module
 */

import {
  Opcode, ProtocolError, Utf8Validator, applyMask, checkFrameHeader, decodeClosePayload, decodeHeader, isValidUtf8, opcodeName,
  resolveDecodeOptions, type DecodeOptions, type FrameHeader, type MessageExtension,
} from '../index.ts';
import { decodeUtf8 } from '../base/_host.ts';
import { concatBytes } from '../bytes/_bytes.ts';

/** RFC 6455 §7.4.1 and the IANA registry: what each close code means. */
export const CLOSE_CODE_MEANINGS: Record<number, string> = {
  1000: 'Normal Closure: the purpose of the connection was fulfilled',
  1001: 'Going Away: the endpoint is going away (server shutdown, page navigation)',
  1002: 'Protocol Error: the endpoint is terminating because of a protocol error',
  1003: 'Unsupported Data: the endpoint cannot accept this type of data',
  1007: 'Invalid Frame Payload Data: data inconsistent with the message type (e.g. non-UTF-8 text)',
  1008: 'Policy Violation: a message violates the endpoint\'s policy',
  1009: 'Message Too Big: a message too big to process',
  1010: 'Mandatory Extension: the server did not negotiate an extension the client needs',
  1011: 'Internal Error: an unexpected condition prevented the request',
  1012: 'Service Restart: the service is restarting',
  1013: 'Try Again Later: a temporary condition, e.g. overload',
  1014: 'Bad Gateway: a gateway received an invalid response',
};

/** What a close code means (RFC 6455 §7.4, the IANA registry), or why it may not be sent. */
export function closeCodeMeaning(code: number): string {
  if (CLOSE_CODE_MEANINGS[code] !== undefined) return CLOSE_CODE_MEANINGS[code];
  if (code >= 3000 && code <= 3999) return 'registered for libraries, frameworks and applications (IANA)';
  if (code >= 4000 && code <= 4999) return 'private use';
  return 'not valid on the wire';
}

const OPCODE_MEANINGS: Record<number, string> = {
  0x0: 'continuation frame: continues a fragmented message',
  0x1: 'text frame: UTF-8 text',
  0x2: 'binary frame: arbitrary bytes',
  0x8: 'close frame: starts or answers the closing handshake',
  0x9: 'ping frame: the peer must answer with a pong',
  0xa: 'pong frame: answers a ping',
};

/** What an opcode means (RFC 6455 §5.2), reserved ones included. */
export function opcodeMeaning(opcode: number): string {
  return OPCODE_MEANINGS[opcode] ?? `reserved ${opcode < 8 ? 'non-control' : 'control'} opcode (RFC 6455 §5.2): invalid`;
}

/** Which header field an {@link ExplainedField} is. */
export type FieldKey =
  | 'fin' | 'rsv1' | 'rsv2' | 'rsv3' | 'opcode' | 'mask' | 'payloadLength' | 'extendedPayloadLength' | 'maskingKey';

/** One header field: where it is on the wire, its value and what it means. */
export interface ExplainedField {
  key: FieldKey;
  /** Its name as RFC 6455 §5.2 and the CLI spell it: `FIN`, `RSV1`, `opcode`, `masking key`, … */
  name: string;
  /** Its bytes in the input, `[start, end)`. */
  start: number;
  end: number;
  /** For a field inside one byte: its first bit (0 = the most significant) and width. */
  bits?: { from: number; count: number };
  /** The value as shown (`1`, `0x1`, `126`); empty where the bytes are the value (the masking key). */
  value: string;
  /** What the value means; empty when there is nothing to say (a clear RSV bit). */
  meaning: string;
}

/**
 * What follows a field's name when it is explained in one line, as `wsframe explain` and the
 * page both show it: ` 0x1: text frame: UTF-8 text`, ` 5 (7-bit form: …)`, `: payload byte i …`.
 */
export function describeField(field: ExplainedField): string {
  const value = field.value === '' ? '' : ` ${field.value}`;
  if (field.meaning === '') return value;
  return field.key === 'payloadLength' ? `${value} (${field.meaning})` : `${value}: ${field.meaning}`;
}

/** Why a frame is not valid: the error a strict peer fails the connection with. */
export interface ExplainedViolation {
  status: 'invalid';
  message: string;
  /** The close code to send: 1002, 1007, 1009. */
  closeCode: number;
  /** The stable code of the `ProtocolError`, e.g. `RESERVED_OPCODE`. */
  code: string;
  /** The RFC section, e.g. `RFC 6455 §5.2`. */
  rfc: string;
}

/** A frame's verdict. `incomplete`: the bytes end inside it (no close code: a peer would wait). */
export type ExplainedVerdict =
  | { status: 'valid' }
  | ExplainedViolation
  | { status: 'incomplete'; message: string };

/** How a payload reads. */
export type PayloadReading =
  /** Text: the whole characters of this frame, and the bytes of a character the next fragment ends. */
  | { kind: 'text'; text: string; pending: number }
  /** A close frame's status code and reason. */
  | { kind: 'close'; code: number; reason: string; meaning: string }
  /** Bytes: binary, ping/pong, compressed, invalid text or close payloads. */
  | { kind: 'bytes' };

/** A frame's payload, as far as the input holds it. */
export interface ExplainedPayload {
  /** Its bytes in the input, `[start, end)` (shorter than the declared length when cut off). */
  start: number;
  end: number;
  /** As sent: a view into the input (masked when the frame is). */
  sent: Uint8Array;
  /** Unmasked: a copy (the input is never changed). */
  unmasked: Uint8Array;
  /** Part of a compressed message: inflated at the message's last frame. */
  compressed: boolean;
  reading: PayloadReading;
}

/** A compressed message, inflated at its last frame. */
export interface InflatedMessage {
  /** The extension's name: `permessage-deflate`. */
  extension: string;
  bytes: Uint8Array;
  /** The text, for a text message whose inflated bytes are valid UTF-8. */
  text?: string;
}

/** One frame, taken apart. */
export interface ExplainedFrame {
  /** From 1. */
  index: number;
  /** Where its first byte is in the input. */
  offset: number;
  /** The header as decoded; undefined when it is cut short or invalid. */
  header: FrameHeader | undefined;
  /** `text, masked, 5-byte payload`; undefined when the header could not be decoded. */
  summary: string | undefined;
  /** The header fields in wire order: FIN, RSV1-3, opcode, MASK, payload length, extended length, masking key. */
  fields: ExplainedField[];
  /** Undefined for an empty payload and when the header could not be decoded. */
  payload: ExplainedPayload | undefined;
  inflated: InflatedMessage | undefined;
  verdict: ExplainedVerdict;
}

/** Options of {@link explainFrames}. */
export interface ExplainOptions extends DecodeOptions {
  /**
   * Negotiated extensions (permessage-deflate): the RSV bits they own are allowed, and each
   * compressed message is inflated at its last frame.
   */
  extensions?: readonly MessageExtension[];
}

// What a compressed message may inflate to before explain gives up (1009), as the decoders' default.
const MAX_INFLATED_LENGTH = 64 * 1024 * 1024;

const violation = (error: ProtocolError): ExplainedViolation =>
  ({ status: 'invalid', message: error.message, closeCode: error.closeCode, code: error.code, rfc: error.rfc });

const rsvMeaning = (set: boolean, bit: 1 | 2 | 3): string =>
  !set ? '' : bit === 1 ? 'set (permessage-deflate uses it for a compressed message)' : 'set (only a negotiated extension may set it)';

/** The fields of the first two header bytes (and the extended length, when the input holds it). */
function baseFields(bytes: Uint8Array, offset: number, header: FrameHeader | undefined): ExplainedField[] {
  const b0 = bytes[offset];
  const bit = (key: FieldKey, name: string, from: number, value: string, meaning: string): ExplainedField =>
    ({ key, name, start: offset, end: offset + 1, bits: { from, count: 1 }, value, meaning });
  const opcode = b0 & 0x0f;
  const fields = [
    bit('fin', 'FIN', 0, String(b0 >> 7), (b0 & 0x80) !== 0 ? 'the final fragment of a message' : 'more fragments follow'),
    bit('rsv1', 'RSV1', 1, String((b0 >> 6) & 1), rsvMeaning((b0 & 0x40) !== 0, 1)),
    bit('rsv2', 'RSV2', 2, String((b0 >> 5) & 1), rsvMeaning((b0 & 0x20) !== 0, 2)),
    bit('rsv3', 'RSV3', 3, String((b0 >> 4) & 1), rsvMeaning((b0 & 0x10) !== 0, 3)),
    { key: 'opcode', name: 'opcode', start: offset, end: offset + 1, bits: { from: 4, count: 4 }, value: `0x${opcode.toString(16)}`, meaning: opcodeMeaning(opcode) } satisfies ExplainedField,
  ];
  if (bytes.length - offset < 2) return fields;
  const b1 = bytes[offset + 1];
  const length7 = b1 & 0x7f;
  fields.push(
    { key: 'mask', name: 'MASK', start: offset + 1, end: offset + 2, bits: { from: 0, count: 1 }, value: String(b1 >> 7),
      meaning: (b1 & 0x80) !== 0 ? 'the payload is masked (client to server)' : 'the payload is not masked (server to client)' },
    { key: 'payloadLength', name: 'payload length', start: offset + 1, end: offset + 2, bits: { from: 1, count: 7 }, value: String(length7),
      meaning: length7 <= 125 ? '7-bit form: lengths 0-125 fit in this field' : length7 === 126 ? '126: a 16-bit length follows' : '127: a 64-bit length follows' },
  );
  const extended = length7 === 126 ? 2 : length7 === 127 ? 8 : 0;
  const at = offset + 2;
  if (extended > 0 && bytes.length - offset >= 2 + extended) {
    const ext = bytes.subarray(at, at + extended);
    const shown = header?.payloadLength ?? (extended === 2 ? (ext[0] << 8) | ext[1] : bigLength(ext));
    fields.push({ key: 'extendedPayloadLength', name: `${extended * 8}-bit extended payload length`, start: at, end: at + extended, value: String(shown), meaning: '' });
  }
  return fields;
}

/**
 * Explains the frames in `bytes` one at a time, in order: yields each frame as soon as it is
 * explained (4 MiB of zeros is two million frames: nothing is held but the current one) and
 * returns whether every frame was valid. Stops after the first frame that the input cuts short
 * or whose header cannot be decoded. Payload views point into `bytes`, which is never changed.
 *
 * @example
 * ```ts
 * const [frame] = explainFrames(new Uint8Array([0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]));
 * console.log(frame.summary, frame.payload?.reading, frame.verdict); // text, unmasked, 5-byte payload { kind: 'text', text: 'Hello', pending: 0 } { status: 'valid' }
 * ```
 */
export function* explainFrames(bytes: Uint8Array, options: ExplainOptions = {}): Generator<ExplainedFrame, boolean, undefined> {
  const extensions = options.extensions ?? [];
  const deflate = extensions.find((extension) => extension.rsv.rsv1 === true);
  const resolved = resolveDecodeOptions({
    role: options.role, maxPayloadLength: options.maxPayloadLength, allowedRsv: { ...options.allowedRsv, rsv1: deflate !== undefined || options.allowedRsv?.rsv1 },
  });
  // The open data message's payloads, while it is compressed: inflated at its last frame.
  let compressedParts: Uint8Array[] | undefined;
  let offset = 0;
  let index = 0;
  let openMessage: number | undefined;
  let valid = true;
  const text = new Utf8Validator();
  // Bytes of a character cut at a fragment boundary, shown with the fragment that completes it.
  let carry: Uint8Array = new Uint8Array(0);

  while (offset < bytes.length) {
    index++;
    const remaining = bytes.length - offset;
    let header: FrameHeader | undefined;
    let error: ProtocolError | undefined;
    try {
      header = decodeHeader(bytes, offset);
    } catch (caught) {
      if (!(caught instanceof ProtocolError)) throw caught;
      error = caught;
    }
    const fields = baseFields(bytes, offset, header);
    const frame: ExplainedFrame = { index, offset, header, summary: undefined, fields, payload: undefined, inflated: undefined, verdict: { status: 'valid' } };
    if (remaining < 2) {
      yield { ...frame, verdict: { status: 'incomplete', message: 'the header needs at least 2 bytes, 1 left' } };
      return false;
    }
    if (error !== undefined) {
      yield { ...frame, verdict: violation(error) };
      return false;
    }
    if (header === undefined) {
      yield { ...frame, verdict: { status: 'incomplete', message: `the header is cut short after ${remaining} bytes` } };
      return false;
    }
    if (header.maskingKey !== undefined) {
      const at = offset + header.headerLength - 4;
      fields.push({ key: 'maskingKey', name: 'masking key', start: at, end: at + 4, value: '', meaning: 'payload byte i is XORed with key byte i mod 4' });
    }
    const payloadStart = offset + header.headerLength;
    const available = Math.min(header.payloadLength, bytes.length - payloadStart);
    const sent = bytes.subarray(payloadStart, payloadStart + available);
    const unmasked = new Uint8Array(sent); // a copy even when `sent` is a Buffer view
    if (header.maskingKey !== undefined) applyMask(unmasked, header.maskingKey);

    let verdict: ExplainedVerdict | undefined;
    try {
      checkFrameHeader(header, resolved, offset);
    } catch (caught) {
      if (!(caught instanceof ProtocolError)) throw caught;
      verdict = violation(caught);
    }
    const dataFrame = header.opcode === Opcode.Text || header.opcode === Opcode.Binary || header.opcode === Opcode.Continuation;
    if (verdict === undefined && dataFrame) {
      if (header.opcode === Opcode.Continuation && openMessage === undefined) {
        verdict = { status: 'invalid', message: 'a continuation frame with no message to continue', closeCode: 1002, code: 'UNEXPECTED_CONTINUATION', rfc: 'RFC 6455 §5.4' };
      } else if (header.opcode !== Opcode.Continuation && openMessage !== undefined) {
        verdict = { status: 'invalid', message: `a new ${opcodeName(header.opcode)} frame while a fragmented message is open`, closeCode: 1002, code: 'EXPECTED_CONTINUATION', rfc: 'RFC 6455 §5.4' };
      }
    }
    if (verdict === undefined && deflate !== undefined && header.rsv1 && !(header.opcode === Opcode.Text || header.opcode === Opcode.Binary)) {
      const [where, code] = header.opcode === Opcode.Continuation ? ['a continuation frame', 'RSV1_ON_CONTINUATION'] : ['a control frame', 'RSV1_ON_CONTROL'];
      verdict = { status: 'invalid', message: `RSV1 set on ${where}; ${deflate.name} allows it only on the first frame of a data message`, closeCode: 1002, code, rfc: 'RFC 7692 §6.1' };
    }
    if (header.opcode === Opcode.Text || header.opcode === Opcode.Binary) compressedParts = deflate !== undefined && header.rsv1 ? [] : undefined;
    const inflating = dataFrame && compressedParts !== undefined;
    const messageOpcode = header.opcode === Opcode.Continuation ? openMessage : header.opcode;
    frame.summary = `${opcodeName(header.opcode)}${header.fin ? '' : ', FIN clear'}, ${header.masked ? 'masked' : 'unmasked'}, ${header.payloadLength}-byte payload`;

    if (available > 0) {
      let reading: PayloadReading = { kind: 'bytes' };
      if (inflating) {
        compressedParts!.push(unmasked);
      } else if (messageOpcode === Opcode.Text && verdict === undefined) {
        if (header.opcode === Opcode.Text) {
          text.reset();
          carry = new Uint8Array(0);
        }
        const ok = text.push(unmasked) && (!header.fin || text.end());
        if (!ok) {
          verdict = { status: 'invalid', message: `text is not valid UTF-8 at payload byte ${Math.max(0, text.errorOffset - (text.position - unmasked.length))}`, closeCode: 1007, code: 'INVALID_UTF8', rfc: 'RFC 6455 §8.1' };
        } else {
          const joined = new Uint8Array(carry.length + unmasked.length);
          joined.set(carry);
          joined.set(unmasked, carry.length);
          const complete = joined.subarray(0, joined.length - text.pending);
          carry = joined.slice(joined.length - text.pending);
          reading = { kind: 'text', text: decodeUtf8(complete), pending: text.pending };
        }
      } else if (header.opcode === Opcode.Close) {
        try {
          const { code, reason } = decodeClosePayload(unmasked);
          reading = { kind: 'close', code: code!, reason, meaning: closeCodeMeaning(code!) };
        } catch (caught) {
          if (!(caught instanceof ProtocolError)) throw caught;
          verdict ??= violation(caught);
        }
      }
      frame.payload = { start: payloadStart, end: payloadStart + available, sent, unmasked, compressed: inflating, reading };
    }
    if (available < header.payloadLength) {
      yield { ...frame, verdict: { status: 'incomplete', message: `${header.payloadLength - available} more payload bytes were announced than given` } };
      return false;
    }
    if (inflating && header.fin && verdict === undefined) {
      const parts = compressedParts!;
      try {
        const inflated = deflate!.decodeMessage(concatBytes(parts, parts.reduce((total, part) => total + part.length, 0)), {
          opcode: messageOpcode!, rsv1: true, rsv2: false, rsv3: false, maxLength: MAX_INFLATED_LENGTH,
        });
        const isText = messageOpcode === Opcode.Text && isValidUtf8(inflated);
        frame.inflated = isText ? { extension: deflate!.name, bytes: inflated, text: decodeUtf8(inflated) } : { extension: deflate!.name, bytes: inflated };
        if (messageOpcode === Opcode.Text && !isText) {
          verdict = { status: 'invalid', message: 'the inflated text is not valid UTF-8', closeCode: 1007, code: 'INVALID_UTF8', rfc: 'RFC 6455 §8.1' };
        }
      } catch (caught) {
        if (!(caught instanceof ProtocolError)) throw caught;
        verdict = violation(caught);
      }
    }
    if (verdict !== undefined) {
      frame.verdict = verdict;
      valid = false;
    }
    if (dataFrame) openMessage = header.fin ? undefined : messageOpcode;
    offset = payloadStart + header.payloadLength;
    yield frame;
  }
  return valid;
}

function bigLength(bytes: Uint8Array): string {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value.toString();
}
