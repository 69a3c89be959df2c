/**
 * `wsframe explain`: a teaching view of frames, rendered as text from the explain model
 * (src/capture/explain.ts, which the learner's page renders too). Every header bit is shown and
 * named, the payload is shown as sent and unmasked, and each frame gets a verdict.
 */

import { describeField, explainFrames as explainModel, type ExplainedField, type ExplainedFrame, type ExplainOptions as ModelOptions } from '../capture/explain.ts';
import { hexDump, toHex } from '../capture/bytes.ts';
import type { Style } from './style.ts';

const bits = (byte: number, from: number, count: number) =>
  ((byte >> (8 - from - count)) & ((1 << count) - 1)).toString(2).padStart(count, '0');

/** Options of {@link explainFrameLines}. */
export interface ExplainOptions extends ModelOptions {
  /** Maximum payload bytes shown in a hex dump (default 256). */
  maxDump?: number;
  /** Show the masking byte by byte: payload byte, key byte, result, in hex and bits. */
  xor?: boolean;
}

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
  const frames = explainModel(bytes, options);
  let next = frames.next();
  for (; next.done !== true; next = frames.next()) yield frameLines(bytes, next.value, style, options);
  return next.value;
}

function fieldText(field: ExplainedField, style: Style): string {
  return `${style.field(field.name)}${describeField(field)}`;
}

function frameLines(bytes: Uint8Array, frame: ExplainedFrame, style: Style, options: ExplainOptions): string[] {
  const { value, dim, good, bad, bold, field } = style;
  const maxDump = options.maxDump ?? 256;
  const lines: string[] = [];
  if (frame.index > 1) lines.push('');
  lines.push(bold(`Frame ${frame.index} at byte ${frame.offset}${frame.summary === undefined ? '' : `: ${frame.summary}`}`));
  const byKey = new Map(frame.fields.map((f) => [f.key, f]));
  const text = (key: ExplainedField['key']) => fieldText(byKey.get(key)!, style);
  const b0 = bytes[frame.offset];
  lines.push(`  byte 0  ${value(`0x${b0.toString(16).padStart(2, '0')}`)}  ${bits(b0, 0, 1)} ${bits(b0, 1, 1)} ${bits(b0, 2, 1)} ${bits(b0, 3, 1)} ${bits(b0, 4, 4)}`);
  lines.push(`                ${dim('│ │ │ │ └──')} ${text('opcode')}`);
  lines.push(`                ${dim('│ │ │ └────')} ${text('rsv3')}`);
  lines.push(`                ${dim('│ │ └──────')} ${text('rsv2')}`);
  lines.push(`                ${dim('│ └────────')} ${text('rsv1')}`);
  lines.push(`                ${dim('└──────────')} ${text('fin')}`);
  if (byKey.has('mask')) {
    const b1 = bytes[frame.offset + 1];
    lines.push(`  byte 1  ${value(`0x${b1.toString(16).padStart(2, '0')}`)}  ${bits(b1, 0, 1)} ${bits(b1, 1, 7)}`);
    lines.push(`                ${dim('│ └──────')} ${text('payloadLength')}`);
    lines.push(`                ${dim('└────────')} ${text('mask')}`);
  }
  for (const f of frame.fields) {
    if (f.bits !== undefined) continue;
    lines.push(`  bytes ${f.start}-${f.end - 1}  ${value(toHex(bytes.subarray(f.start, f.end)))}  ${fieldText(f, style)}`);
  }
  const { header, payload } = frame;
  if (payload !== undefined && header !== undefined) {
    if (header.masked) lines.push(`  ${field('payload as sent (masked)')}`, ...dump(payload.sent, maxDump, '    '));
    if (header.maskingKey !== undefined && options.xor === true) lines.push(...xorTable(payload.sent, header.maskingKey, maxDump, style));
    lines.push(`  ${field(header.masked ? 'payload unmasked' : 'payload')}${payload.compressed ? dim(' (compressed: inflated after the message\'s last frame)') : ''}`);
    const reading = payload.reading;
    if (reading.kind === 'text') {
      lines.push(`    ${value(JSON.stringify(reading.text))}${reading.pending > 0 ? dim(` (+${reading.pending} bytes of a character continued in the next fragment)`) : ''}`);
    } else if (reading.kind === 'close') {
      lines.push(`    ${field('status code')} ${value(String(reading.code))}: ${reading.meaning}`);
      lines.push(`    ${field('reason')} ${value(JSON.stringify(reading.reason))}`);
    } else {
      lines.push(...dump(payload.unmasked, maxDump, '    '));
    }
  } else if (header !== undefined && header.opcode === 0x8) {
    lines.push(`  ${field('payload')} empty: no status code (an API reports 1005)`);
  }
  const verdict = frame.verdict;
  if (verdict.status === 'incomplete') {
    lines.push(`  ${bad(`verdict: incomplete: ${verdict.message}`)}`);
    return lines;
  }
  if (frame.inflated !== undefined) {
    lines.push(`  ${field(`payload inflated (${frame.inflated.extension}): ${frame.inflated.bytes.length} bytes`)}`);
    if (frame.inflated.text !== undefined) lines.push(`    ${value(JSON.stringify(frame.inflated.text))}`);
    else lines.push(...dump(frame.inflated.bytes, maxDump, '    '));
  }
  if (verdict.status === 'valid') {
    lines.push(`  ${good('verdict: valid')}`);
  } else {
    lines.push(`  ${bad(`verdict: invalid: ${verdict.message}`.trim())}`);
    lines.push(`  ${bad(`close code ${verdict.closeCode}, ${verdict.code}, ${verdict.rfc}`)}`);
  }
  return lines;
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
