/** Byte helpers of the CLI and the page: parsing hex and base64 input, hex dumps. */

import { decodeBase64 } from '../bytes/base64.ts';
import { decodeUtf8 } from '../base/_host.ts';

/** A mistake in what the user typed: the CLI prints `wsframe: <message>` and exits with 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type InputFormat = 'hex' | 'base64' | 'raw';

/** Hex digits with optional whitespace, `:`/`-` separators and `0x` prefixes. */
export function parseHex(text: string): Uint8Array {
  const digits = text.replace(/0x/gi, '').replace(/[\s:,-]/g, '');
  if (!/^[0-9a-fA-F]*$/.test(digits)) {
    const bad = digits.search(/[^0-9a-fA-F]/);
    throw new UsageError(`Cannot read hex input: '${digits[bad]}' at digit ${bad + 1} is not a hex digit`);
  }
  if (digits.length % 2 !== 0) throw new UsageError(`Cannot read hex input: odd number of hex digits (${digits.length})`);
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/** Standard base64 (padding optional, whitespace ignored). */
export function parseBase64(text: string): Uint8Array {
  let clean = text.replace(/\s/g, '');
  while (clean.length % 4 !== 0) clean += '=';
  const bytes = decodeBase64(clean);
  if (bytes === undefined) throw new UsageError('Cannot read base64 input: not valid base64');
  return bytes;
}

/**
 * Decodes text input in the given format. Without one: hex when it is all hex digits or has
 * separators inside (base64 never does), else base64.
 */
export function parseTextInput(text: string, format: 'hex' | 'base64' | undefined): Uint8Array {
  const chosen = format ?? detectTextFormat(text);
  return chosen === 'hex' ? parseHex(text) : parseBase64(text);
}

/** Hex when the text is all hex digits or has separators inside (base64 never does), else base64. */
export function detectTextFormat(text: string): 'hex' | 'base64' {
  return /^(?:\s|0x|[0-9a-fA-F:,-])*$/i.test(text) || /\S[\s:,]+\S/.test(text) ? 'hex' : 'base64';
}

/**
 * Hex or base64 text pushed in pieces, decoded to the bytes {@link parseHex} or
 * {@link parseBase64} give for the whole text, holding at most a few characters between pushes.
 * Throws {@link UsageError} with the same messages.
 */
export class TextInputDecoder {
  readonly #format: 'hex' | 'base64';
  // Hex: a trailing '0' that may start a '0x' prefix; base64: characters short of a 4-character group.
  #held = '';
  // Hex: a digit waiting for its pair, and the digits before the current push.
  #odd = '';
  #digits = 0;

  constructor(format: 'hex' | 'base64') {
    this.#format = format;
  }

  /** Decodes the next piece of text. */
  push(text: string): Uint8Array {
    return this.#format === 'hex' ? this.#hex(text, false) : this.#base64(text, false);
  }

  /** Decodes what is held back; throws for an odd number of hex digits. */
  end(): Uint8Array {
    return this.#format === 'hex' ? this.#hex('', true) : this.#base64('', true);
  }

  #hex(text: string, final: boolean): Uint8Array {
    let raw = this.#held + text;
    this.#held = '';
    if (!final && raw.endsWith('0')) {
      this.#held = '0';
      raw = raw.slice(0, -1);
    }
    const digits = this.#odd + raw.replace(/0x/gi, '').replace(/[\s:,-]/g, '');
    const first = this.#digits - this.#odd.length;
    const bad = digits.search(/[^0-9a-fA-F]/);
    if (bad >= 0) throw new UsageError(`Cannot read hex input: '${digits[bad]}' at digit ${first + bad + 1} is not a hex digit`);
    this.#digits = first + digits.length;
    const whole = digits.length & ~1;
    this.#odd = digits.slice(whole);
    if (final && this.#odd !== '') throw new UsageError(`Cannot read hex input: odd number of hex digits (${this.#digits})`);
    return parseHex(digits.slice(0, whole));
  }

  #base64(text: string, final: boolean): Uint8Array {
    const clean = this.#held + text.replace(/\s/g, '');
    const whole = final ? clean.length : clean.length & ~3;
    this.#held = clean.slice(whole);
    return whole === 0 ? new Uint8Array(0) : parseBase64(clean.slice(0, whole));
  }
}

export function toHex(bytes: Uint8Array, separator = ' '): string {
  if (separator.length > 1) return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(separator);
  // Character codes into one reused array, then one string: a string per byte and a join made
  // ~40 bytes of garbage per byte shown (a 4 KiB frame payload: 160 KiB), the most of all that
  // `wsframe pcap` allocated per capture byte (sampling heap profile, Node 20).
  const step = 2 + separator.length;
  const length = bytes.length === 0 ? 0 : bytes.length * step - separator.length;
  if (hexCodes.length < length) hexCodes = new Uint8Array(Math.max(length, 2 * hexCodes.length));
  const codes = hexCodes;
  const separatorCode = separator.charCodeAt(0);
  for (let i = 0, at = 0; i < bytes.length; i++, at += step) {
    codes[at] = HEX_DIGIT_CODES[bytes[i] >> 4];
    codes[at + 1] = HEX_DIGIT_CODES[bytes[i] & 0x0f];
    if (step === 3 && i + 1 < bytes.length) codes[at + 2] = separatorCode;
  }
  const text = decodeUtf8(codes.subarray(0, length));
  if (hexCodes.length > HEX_CODES_KEEP) hexCodes = EMPTY_CODES;
  return text;
}

const HEX_DIGIT_CODES = Uint8Array.from('0123456789abcdef', (digit) => digit.charCodeAt(0));
const EMPTY_CODES = new Uint8Array(0);
/** The reused array of {@link toHex} is kept while at most this long (a 16 KiB payload, spaced). */
const HEX_CODES_KEEP = 48 * 1024;
let hexCodes: Uint8Array = EMPTY_CODES;

/** Classic hex dump lines: offset, 16 bytes in hex, and their printable ASCII. */
export function hexDump(bytes: Uint8Array, indent = ''): string[] {
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += 16) {
    const row = bytes.subarray(at, at + 16);
    const hex = toHex(row).padEnd(47, ' ');
    const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${indent}${at.toString(16).padStart(8, '0')}  ${hex}  |${ascii}|`);
  }
  return lines;
}
