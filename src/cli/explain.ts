/**
 * `wsframe explain`: a teaching view of frames. Every header bit is shown and named, the
 * payload is shown as sent and unmasked, and each frame gets a verdict.
 */

import {
  Opcode, ProtocolError, Utf8Validator, applyMask, checkFrameHeader, decodeClosePayload, decodeHeader, isValidUtf8, opcodeName,
  resolveDecodeOptions, type DecodeOptions, type FrameHeader, type MessageExtension,
} from '../index.ts';
import { decodeUtf8 } from '../base/_host.ts';
import { concatBytes } from '../bytes/_bytes.ts';
import { hexDump, toHex } from '../capture/bytes.ts';
import type { Style } from './style.ts';

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

function opcodeMeaning(opcode: number): string {
  return OPCODE_MEANINGS[opcode] ?? `reserved ${opcode < 8 ? 'non-control' : 'control'} opcode (RFC 6455 §5.2): invalid`;
}

const bits = (byte: number, from: number, count: number) =>
  ((byte >> (8 - from - count)) & ((1 << count) - 1)).toString(2).padStart(count, '0');

/** Options of {@link explainFrames}. */
export interface ExplainOptions extends DecodeOptions {
  /** Maximum payload bytes shown in a hex dump (default 256). */
  maxDump?: number;
  /**
   * Negotiated extensions (permessage-deflate): the RSV bits they own are allowed, and each
   * compressed message is shown inflated after its last frame.
   */
  extensions?: readonly MessageExtension[];
  /** Show the masking byte by byte: payload byte, key byte, result, in hex and bits. */
  xor?: boolean;
}

// What a compressed message may inflate to before explain gives up (1009), as the decoders' default.
const MAX_INFLATED_LENGTH = 64 * 1024 * 1024;

/** Explains every frame in `bytes`; returns the lines and whether every frame was valid. */
export function explainFrames(bytes: Uint8Array, style: Style, options: ExplainOptions = {}): { lines: string[]; valid: boolean } {
  const lines: string[] = [];
  const frames = explainFrameLines(bytes, style, options);
  let next = frames.next();
  for (; next.done !== true; next = frames.next()) lines.push(...next.value);
  return { lines, valid: next.value };
}

/**
 * Explains the frames in `bytes` one at a time: yields the lines of each frame as soon as it is
 * explained (so output need not be held whole: 4 MiB of zeros is two million frames), and
 * returns whether every frame was valid. Each frame's lines are bounded by `maxDump`.
 */
export function* explainFrameLines(bytes: Uint8Array, style: Style, options: ExplainOptions = {}): Generator<string[], boolean, undefined> {
  const extensions = options.extensions ?? [];
  const deflate = extensions.find((extension) => extension.rsv.rsv1 === true);
  const resolved = resolveDecodeOptions({
    role: options.role, maxPayloadLength: options.maxPayloadLength, allowedRsv: { ...options.allowedRsv, rsv1: deflate !== undefined || options.allowedRsv?.rsv1 },
  });
  const maxDump = options.maxDump ?? 256;
  // The open data message's payloads, while it is compressed: inflated at its last frame.
  let compressedParts: Uint8Array[] | undefined;
  let lines: string[] = [];
  let offset = 0;
  let index = 0;
  let valid = true;
  let openMessage: number | undefined;
  const text = new Utf8Validator();
  // Bytes of a character cut at a fragment boundary, shown with the fragment that completes it.
  let carry: Uint8Array = new Uint8Array(0);
  const { field, value, dim, good, bad, bold } = style;

  while (offset < bytes.length) {
    if (lines.length > 0) {
      yield lines;
      lines = [];
    }
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
    if (index > 1) lines.push('');
    const titleLine = lines.length;
    lines.push(bold(`Frame ${index} at byte ${offset}`));
    const b0 = bytes[offset];
    const opcode = b0 & 0x0f;
    lines.push(`  byte 0  ${value(`0x${b0.toString(16).padStart(2, '0')}`)}  ${bits(b0, 0, 1)} ${bits(b0, 1, 1)} ${bits(b0, 2, 1)} ${bits(b0, 3, 1)} ${bits(b0, 4, 4)}`);
    lines.push(`                ${dim('│ │ │ │ └──')} ${field('opcode')} 0x${opcode.toString(16)}: ${opcodeMeaning(opcode)}`);
    lines.push(`                ${dim('│ │ │ └────')} ${field('RSV3')} ${(b0 >> 4) & 1}${(b0 & 0x10) !== 0 ? ': set (only a negotiated extension may set it)' : ''}`);
    lines.push(`                ${dim('│ │ └──────')} ${field('RSV2')} ${(b0 >> 5) & 1}${(b0 & 0x20) !== 0 ? ': set (only a negotiated extension may set it)' : ''}`);
    lines.push(`                ${dim('│ └────────')} ${field('RSV1')} ${(b0 >> 6) & 1}${(b0 & 0x40) !== 0 ? ': set (permessage-deflate uses it for a compressed message)' : ''}`);
    lines.push(`                ${dim('└──────────')} ${field('FIN')} ${b0 >> 7}: ${(b0 & 0x80) !== 0 ? 'the final fragment of a message' : 'more fragments follow'}`);
    if (remaining < 2) {
      lines.push(`  ${bad('verdict: incomplete: the header needs at least 2 bytes, 1 left')}`);
      valid = false;
      break;
    }
    const b1 = bytes[offset + 1];
    const length7 = b1 & 0x7f;
    const form = length7 <= 125 ? `7-bit form: lengths 0-125 fit in this field` : length7 === 126 ? '126: a 16-bit length follows' : '127: a 64-bit length follows';
    lines.push(`  byte 1  ${value(`0x${b1.toString(16).padStart(2, '0')}`)}  ${bits(b1, 0, 1)} ${bits(b1, 1, 7)}`);
    lines.push(`                ${dim('│ └──────')} ${field('payload length')} ${length7} (${form})`);
    lines.push(`                ${dim('└────────')} ${field('MASK')} ${b1 >> 7}: ${(b1 & 0x80) !== 0 ? 'the payload is masked (client to server)' : 'the payload is not masked (server to client)'}`);
    let at = offset + 2;
    const extended = length7 === 126 ? 2 : length7 === 127 ? 8 : 0;
    if (extended > 0 && remaining >= 2 + extended) {
      const ext = bytes.subarray(at, at + extended);
      const shown = header?.payloadLength ?? (extended === 2 ? (ext[0] << 8) | ext[1] : bigLength(ext));
      lines.push(`  bytes ${at}-${at + extended - 1}  ${value(toHex(ext))}  ${field(`${extended * 8}-bit extended payload length`)} ${shown}`);
      at += extended;
    }
    if (error !== undefined) {
      lines.push(`  ${bad(`verdict: invalid: ${error.message}`)}`);
      lines.push(`  ${bad(`close code ${error.closeCode}, ${error.code}, ${error.rfc}`)}`);
      valid = false;
      break;
    }
    if (header === undefined) {
      lines.push(`  ${bad(`verdict: incomplete: the header is cut short after ${remaining} bytes`)}`);
      valid = false;
      break;
    }
    if (header.maskingKey !== undefined) {
      lines.push(`  bytes ${at}-${at + 3}  ${value(toHex(header.maskingKey))}  ${field('masking key')}: payload byte i is XORed with key byte i mod 4`);
    }
    const payloadStart = offset + header.headerLength;
    const available = Math.min(header.payloadLength, bytes.length - payloadStart);
    const sent = bytes.subarray(payloadStart, payloadStart + available);
    const payload = new Uint8Array(sent); // a copy even when `sent` is a Buffer view
    if (header.maskingKey !== undefined) applyMask(payload, header.maskingKey);

    let verdict: string | undefined;
    try {
      checkFrameHeader(header, resolved, offset);
    } catch (caught) {
      if (!(caught instanceof ProtocolError)) throw caught;
      verdict = `invalid: ${caught.message}\n  close code ${caught.closeCode}, ${caught.code}, ${caught.rfc}`;
    }
    const dataFrame = header.opcode === Opcode.Text || header.opcode === Opcode.Binary || header.opcode === Opcode.Continuation;
    if (verdict === undefined && dataFrame) {
      if (header.opcode === Opcode.Continuation && openMessage === undefined) {
        verdict = 'invalid: a continuation frame with no message to continue\n  close code 1002, UNEXPECTED_CONTINUATION, RFC 6455 §5.4';
      } else if (header.opcode !== Opcode.Continuation && openMessage !== undefined) {
        verdict = `invalid: a new ${opcodeName(header.opcode)} frame while a fragmented message is open\n  close code 1002, EXPECTED_CONTINUATION, RFC 6455 §5.4`;
      }
    }
    if (verdict === undefined && deflate !== undefined && header.rsv1 && !(header.opcode === Opcode.Text || header.opcode === Opcode.Binary)) {
      const [where, code] = header.opcode === Opcode.Continuation ? ['a continuation frame', 'RSV1_ON_CONTINUATION'] : ['a control frame', 'RSV1_ON_CONTROL'];
      verdict = `invalid: RSV1 set on ${where}; ${deflate.name} allows it only on the first frame of a data message\n  close code 1002, ${code}, RFC 7692 §6.1`;
    }
    if (header.opcode === Opcode.Text || header.opcode === Opcode.Binary) compressedParts = deflate !== undefined && header.rsv1 ? [] : undefined;
    const inflating = dataFrame && compressedParts !== undefined;
    const messageOpcode = header.opcode === Opcode.Continuation ? openMessage : header.opcode;
    const describe = `${opcodeName(header.opcode)}${header.fin ? '' : ', FIN clear'}, ${header.masked ? 'masked' : 'unmasked'}, ${header.payloadLength}-byte payload`;
    lines[titleLine] = bold(`Frame ${index} at byte ${offset}: ${describe}`);

    if (available > 0) {
      if (header.masked) lines.push(`  ${field('payload as sent (masked)')}`, ...dump(sent, maxDump, '    '));
      if (header.maskingKey !== undefined && options.xor === true) lines.push(...xorTable(sent, header.maskingKey, maxDump, style));
      lines.push(`  ${field(header.masked ? 'payload unmasked' : 'payload')}${inflating ? dim(' (compressed: inflated after the message\'s last frame)') : ''}`);
      if (inflating) {
        compressedParts!.push(payload);
        lines.push(...dump(payload, maxDump, '    '));
      } else if (messageOpcode === Opcode.Text && verdict === undefined) {
        if (header.opcode === Opcode.Text) {
          text.reset();
          carry = new Uint8Array(0);
        }
        const ok = text.push(payload) && (!header.fin || text.end());
        if (!ok) {
          verdict = `invalid: text is not valid UTF-8 at payload byte ${Math.max(0, text.errorOffset - (text.position - payload.length))}\n  close code 1007, INVALID_UTF8, RFC 6455 §8.1`;
          lines.push(...dump(payload, maxDump, '    '));
        } else {
          const joined = new Uint8Array(carry.length + payload.length);
          joined.set(carry);
          joined.set(payload, carry.length);
          const complete = joined.subarray(0, joined.length - text.pending);
          carry = joined.slice(joined.length - text.pending);
          lines.push(`    ${value(JSON.stringify(decodeUtf8(complete)))}${text.pending > 0 ? dim(` (+${text.pending} bytes of a character continued in the next fragment)`) : ''}`);
        }
      } else if (header.opcode === Opcode.Close) {
        try {
          const { code, reason } = decodeClosePayload(payload);
          lines.push(`    ${field('status code')} ${value(String(code))}: ${closeCodeMeaning(code!)}`);
          lines.push(`    ${field('reason')} ${value(JSON.stringify(reason))}`);
        } catch (caught) {
          if (!(caught instanceof ProtocolError)) throw caught;
          lines.push(...dump(payload, maxDump, '    '));
          verdict ??= `invalid: ${caught.message}\n  close code ${caught.closeCode}, ${caught.code}, ${caught.rfc}`;
        }
      } else {
        lines.push(...dump(payload, maxDump, '    '));
      }
    } else if (header.opcode === Opcode.Close) {
      lines.push(`  ${field('payload')} empty: no status code (an API reports 1005)`);
    }
    if (available < header.payloadLength) {
      lines.push(`  ${bad(`verdict: incomplete: ${header.payloadLength - available} more payload bytes were announced than given`)}`);
      valid = false;
      break;
    }
    if (inflating && header.fin && verdict === undefined) {
      const parts = compressedParts!;
      try {
        const inflated = deflate!.decodeMessage(concatBytes(parts, parts.reduce((total, part) => total + part.length, 0)), {
          opcode: messageOpcode!, rsv1: true, rsv2: false, rsv3: false, maxLength: MAX_INFLATED_LENGTH,
        });
        lines.push(`  ${field(`payload inflated (${deflate!.name}): ${inflated.length} bytes`)}`);
        if (messageOpcode === Opcode.Text && isValidUtf8(inflated)) lines.push(`    ${value(JSON.stringify(decodeUtf8(inflated)))}`);
        else lines.push(...dump(inflated, maxDump, '    '));
        if (messageOpcode === Opcode.Text && !isValidUtf8(inflated)) verdict = 'invalid: the inflated text is not valid UTF-8\n  close code 1007, INVALID_UTF8, RFC 6455 §8.1';
      } catch (caught) {
        if (!(caught instanceof ProtocolError)) throw caught;
        verdict = `invalid: ${caught.message}\n  close code ${caught.closeCode}, ${caught.code}, ${caught.rfc}`;
      }
    }
    if (verdict === undefined) {
      lines.push(`  ${good('verdict: valid')}`);
    } else {
      lines.push(...`verdict: ${verdict}`.split('\n').map((line) => `  ${bad(line.trim())}`));
      valid = false;
    }
    if (dataFrame) openMessage = header.fin ? undefined : messageOpcode;
    offset = payloadStart + header.payloadLength;
  }
  if (lines.length > 0) yield lines;
  return valid;
}

/** RFC 6455 §5.3: payload byte i XOR key byte i mod 4, one row per byte, in hex and bits. */
function xorTable(sent: Uint8Array, maskingKey: Uint8Array, max: number, style: Style): string[] {
  const shown = Math.min(sent.length, max);
  const width = String(Math.max(shown - 1, 0)).length;
  const cell = (byte: number) => `${byte.toString(16).padStart(2, '0')} ${byte.toString(2).padStart(8, '0')}`;
  const lines = [`  ${style.field('masking, byte by byte')} (payload byte i XOR key byte i mod 4)`, `    ${'i'.padStart(width)}  ${'sent'.padEnd(13)}${'key'.padEnd(13)}unmasked`];
  for (let i = 0; i < shown; i++) {
    const result = sent[i] ^ maskingKey[i & 3];
    const char = result >= 0x20 && result < 0x7f ? String.fromCharCode(result) : '.';
    lines.push(`    ${String(i).padStart(width)}  ${cell(sent[i])}  ${cell(maskingKey[i & 3])}  ${style.value(cell(result))}  ${char}`);
  }
  if (sent.length > max) lines.push(`    … ${sent.length - max} more bytes`);
  return lines;
}

function dump(bytes: Uint8Array, max: number, indent: string): string[] {
  const lines = hexDump(bytes.subarray(0, max), indent);
  if (bytes.length > max) lines.push(`${indent}… ${bytes.length - max} more bytes`);
  return lines;
}

function bigLength(bytes: Uint8Array): string {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value.toString();
}
