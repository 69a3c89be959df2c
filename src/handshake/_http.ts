/**
 * Strict, linear-time HTTP/1.1 head parsing and writing for the opening handshake (RFC 7230 §3).
 * Every function is a single forward pass over its input with no regular expressions, so a
 * hostile head costs time proportional to its length and nothing more (ws shipped ReDoS bugs in
 * exactly this code).
 *
 * Heads are bytes; a string head is read as one byte per character (latin1), and header values
 * come back the same way, so obs-text bytes (0x80–0xFF) round-trip unchanged.
 *
 * @internal
 * @module
 */

import { HandshakeError } from '../base/errors.ts';
import { HANDSHAKE_ERRORS, type HandshakeErrorCode } from './error-codes.ts';

const HTAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const COLON = 0x3a;
const COMMA = 0x2c;
const DEL = 0x7f;
const MAX_LATIN1 = 0xff;

/** Status of every client-side failure but UNEXPECTED_STATUS: the server's answer was invalid. */
export const CLIENT_ERROR_STATUS = 502;

// RFC 7230 §3.2.6: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" /
// "_" / "`" / "|" / "~" / DIGIT / ALPHA.
const TOKEN_CHARS = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TOKEN_CHARS[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TOKEN_CHARS[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN_CHARS[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN_CHARS[c] = 1;

/** Whether a char code is an RFC 7230 tchar. */
export function isTokenChar(code: number): boolean {
  return code < 256 && TOKEN_CHARS[code] === 1;
}

/** Whether `text` is a non-empty RFC 7230 token. */
export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) if (!isTokenChar(text.charCodeAt(i))) return false;
  return true;
}

/** Whether a char code may appear in a field value: HTAB, SP, VCHAR, obs-text (RFC 7230 §3.2). */
export function isFieldValueChar(code: number): boolean {
  return code === HTAB || (code >= SP && code !== DEL && code <= MAX_LATIN1);
}

/** Whether a char code is optional whitespace (RFC 7230 §3.2.3: SP or HTAB). */
export function isOws(code: number): boolean {
  return code === SP || code === HTAB;
}

/** A HandshakeError with the status from the table (or the given one). */
export function handshakeError(code: HandshakeErrorCode, message: string, status?: number): HandshakeError {
  return new HandshakeError(code, status ?? HANDSHAKE_ERRORS[code].status, message);
}

/** "0x0a" for messages. */
export function hexByte(code: number): string {
  return `0x${code.toString(16).padStart(2, '0')}`;
}

/** The bytes of a head given as bytes or as a latin1 string. */
export function headBytes(input: Uint8Array | string, what: string): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (typeof input !== 'string') {
    throw new TypeError(`Cannot parse ${what}: expected a Uint8Array or a string, got ${typeof input}`);
  }
  return encodeLatin1(input, what);
}

/** Encodes a string with one byte per character; TypeError for a character above U+00FF. */
export function encodeLatin1(text: string, what: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > MAX_LATIN1) {
      throw new TypeError(
        `Cannot parse ${what}: character ${i} (U+${code.toString(16).toUpperCase().padStart(4, '0')}) is not a byte; pass the head as bytes`,
      );
    }
    bytes[i] = code;
  }
  return bytes;
}

// String.fromCharCode.apply takes one argument per byte; engines cap argument counts (around
// 65536 in V8), so long slices are decoded in pieces of this size.
const DECODE_PIECE = 8192;

/** Decodes bytes[start, end) with one character per byte. */
export function decodeLatin1(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= DECODE_PIECE) {
    return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  }
  let text = '';
  for (let i = start; i < end; i += DECODE_PIECE) {
    const pieceEnd = Math.min(end, i + DECODE_PIECE);
    text += String.fromCharCode.apply(null, bytes.subarray(i, pieceEnd) as unknown as number[]);
  }
  return text;
}

/** A parsed head: the start line and the header fields. */
export interface HttpHead {
  /** The first line, without its CRLF; only field-value characters (no CTL but HTAB). */
  startLine: string;
  /** Lower-case names; repeated fields combined with ", " (RFC 7230 §3.2.2). */
  headers: Map<string, string>;
}

/**
 * Parses a complete head: a start line, header fields, an empty line, and nothing after it.
 *
 * @param what - "handshake" or "server handshake", for messages.
 * @param startLineCode - The code for a malformed start line.
 * @param singletons - Lower-case names that may appear once only (else DUPLICATE_HEADER).
 * @throws {HandshakeError} On any syntax error, with the status from the table.
 * @throws {TypeError} When bytes follow the empty line that ends the head.
 */
export function parseHead(
  bytes: Uint8Array,
  what: string,
  startLineCode: HandshakeErrorCode,
  singletons: ReadonlySet<string>,
): HttpHead {
  const n = bytes.length;
  let i = 0;
  while (i < n && bytes[i] !== CR) {
    if (!isFieldValueChar(bytes[i])) {
      throw handshakeError(
        startLineCode,
        `Cannot parse ${what}: the first line contains the control character ${hexByte(bytes[i])} at byte ${i}`,
      );
    }
    i++;
  }
  const startEnd = i;
  i = skipCrlf(bytes, i, what, startLineCode, 1);
  if (startEnd === 0) throw handshakeError(startLineCode, `Cannot parse ${what}: the first line is empty`);
  const startLine = decodeLatin1(bytes, 0, startEnd);

  const headers = new Map<string, string>();
  let line = 2;
  for (;;) {
    if (i >= n) throw incomplete(what);
    const first = bytes[i];
    if (first === CR) {
      i = skipCrlf(bytes, i, what, 'INVALID_HEADER', line);
      break;
    }
    if (isOws(first)) {
      throw handshakeError(
        'OBS_FOLD',
        `Cannot parse ${what}: line ${line} starts with whitespace (obsolete line folding is not allowed)`,
      );
    }
    const nameStart = i;
    while (i < n && TOKEN_CHARS[bytes[i]] === 1) i++;
    if (i >= n) throw incomplete(what);
    if (i === nameStart || bytes[i] !== COLON) throw badName(bytes, i, nameStart, what, line);
    const nameEnd = i;
    i++;
    while (i < n && isOws(bytes[i])) i++;
    const valueStart = i;
    let valueEnd = i;
    for (; i < n; i++) {
      const c = bytes[i];
      if (c > SP && c !== DEL) valueEnd = i + 1;
      else if (c === CR) break;
      else if (c !== SP && c !== HTAB) {
        throw handshakeError(
          'INVALID_HEADER',
          `Cannot parse ${what}: the header on line ${line} contains the control character ${hexByte(c)}`,
        );
      }
    }
    i = skipCrlf(bytes, i, what, 'INVALID_HEADER', line);
    const name = decodeLatin1(bytes, nameStart, nameEnd).toLowerCase();
    const value = decodeLatin1(bytes, valueStart, valueEnd);
    const previous = headers.get(name);
    if (previous === undefined) {
      headers.set(name, value);
    } else {
      if (singletons.has(name)) {
        throw handshakeError(
          'DUPLICATE_HEADER',
          `Cannot parse ${what}: the header ${name} appears twice (again on line ${line})`,
        );
      }
      headers.set(name, `${previous}, ${value}`);
    }
    line++;
  }
  if (i !== n) {
    throw new TypeError(
      `Cannot parse ${what}: ${n - i} bytes follow the empty line that ends the head; split them off first (HttpHeadReader does)`,
    );
  }
  return { startLine, headers };
}

function incomplete(what: string): HandshakeError {
  return handshakeError('INCOMPLETE_HEAD', `Cannot parse ${what}: the head does not end with an empty line`);
}

// Expects CR LF at bytes[i]; returns the index after them.
function skipCrlf(bytes: Uint8Array, i: number, what: string, code: HandshakeErrorCode, line: number): number {
  if (i + 1 >= bytes.length) throw incomplete(what);
  if (bytes[i + 1] !== LF) {
    throw handshakeError(code, `Cannot parse ${what}: line ${line} ends with a CR not followed by LF`);
  }
  return i + 2;
}

function badName(bytes: Uint8Array, i: number, nameStart: number, what: string, line: number): HandshakeError {
  const c = bytes[i];
  let colon = i;
  while (colon < bytes.length && bytes[colon] !== COLON && bytes[colon] !== CR && bytes[colon] !== LF) colon++;
  let problem: string;
  if (c === LF) problem = 'contains a LF not preceded by CR';
  else if (colon >= bytes.length || bytes[colon] !== COLON) problem = 'has no colon';
  else if (i === nameStart && c === COLON) problem = 'has an empty name';
  else if (isOws(c)) problem = 'has whitespace before the colon';
  else problem = `has the character ${hexByte(c)} in its name`;
  return handshakeError('INVALID_HEADER', `Cannot parse ${what}: the header on line ${line} ${problem}`);
}

/**
 * The elements of a comma-separated list (RFC 7230 §7), each with its optional whitespace
 * trimmed; empty elements are skipped, as §7 requires of recipients.
 */
export function splitList(value: string): string[] {
  const elements: string[] = [];
  const n = value.length;
  let start = 0;
  while (start <= n) {
    let end = value.indexOf(',', start);
    if (end === -1) end = n;
    let s = start;
    let e = end;
    while (s < e && isOws(value.charCodeAt(s))) s++;
    while (e > s && isOws(value.charCodeAt(e - 1))) e--;
    if (e > s) elements.push(value.slice(s, e));
    start = end + 1;
  }
  return elements;
}

/** Whether a comma-separated list contains `token` (lower-case), compared case-insensitively. */
export function hasListToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  for (const element of splitList(value)) {
    if (element.length === token.length && element.toLowerCase() === token) return true;
  }
  return false;
}

/**
 * Reads `HTTP/<digit>.<digit>` (RFC 7230 §2.6) at `text[start]` to the end of `text`; returns
 * major * 10 + minor (11 for HTTP/1.1), or -1 when the text is not a version.
 */
export function parseHttpVersion(text: string, start: number, end: number): number {
  if (end - start !== 8 || !text.startsWith('HTTP/', start) || text.charCodeAt(start + 6) !== 0x2e) return -1;
  const major = text.charCodeAt(start + 5) - 0x30;
  const minor = text.charCodeAt(start + 7) - 0x30;
  if (major < 0 || major > 9 || minor < 0 || minor > 9) return -1;
  return major * 10 + minor;
}

/** RFC 6455 §4.1: the handshake needs HTTP/1.1 or later. */
export const HTTP_1_1 = 11;

/** Header fields to write, in order. */
export type HeaderFields = Array<readonly [name: string, value: string]>;

/** Throws TypeError unless `name` is a token. `where` names the caller for the message. */
export function checkHeaderName(name: string, where: string): void {
  if (typeof name !== 'string' || !isToken(name)) {
    throw new TypeError(`${where}: header name ${JSON.stringify(name)} is not an RFC 7230 token`);
  }
}

/**
 * Throws TypeError unless `value` is an RFC 7230 §3.2 field-value: only field-value characters
 * (no CR, LF, NUL or other control character: header injection; nothing above U+00FF), and no
 * whitespace at either end (a reader strips it, so the value would not arrive as written).
 */
export function checkHeaderValue(name: string, value: string, where: string): void {
  if (typeof value !== 'string') {
    throw new TypeError(`${where}: the value of ${name} must be a string, got ${typeof value}`);
  }
  const n = value.length;
  for (let i = 0; i < n; i++) {
    const code = value.charCodeAt(i);
    if (!isFieldValueChar(code)) {
      const what = code === CR ? 'CR' : code === LF ? 'LF' : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
      throw new TypeError(`${where}: the value of ${name} contains ${what} at index ${i}`);
    }
  }
  // RFC 7230 §3.2: field-content = field-vchar [ 1*( SP / HTAB ) field-vchar ].
  if (n > 0 && (isOws(value.charCodeAt(0)) || isOws(value.charCodeAt(n - 1)))) {
    throw new TypeError(`${where}: the value of ${name} begins or ends with whitespace, which a reader would strip`);
  }
}

// RFC 7230 §3.3: a handshake head frames no body (RFC 7230 §3.3.2: no Content-Length in a 1xx
// answer; RFC 6455 §4.1: the GET has none), and a rejection's Content-Length is its own; a
// caller's Transfer-Encoding or Content-Length would make a reader see a different message.
const FRAMING_HEADERS: ReadonlySet<string> = new Set(['content-length', 'transfer-encoding']);

/**
 * Appends caller-supplied extra headers to `fields` after checking them; a name in `reserved`
 * (lower-case) is a TypeError because the handshake writes that header itself.
 */
export function appendExtraHeaders(
  fields: HeaderFields,
  headers: Record<string, string> | undefined,
  reserved: ReadonlySet<string>,
  where: string,
): void {
  if (headers === undefined) return;
  if (headers === null || typeof headers !== 'object') {
    throw new TypeError(`${where}: headers must be an object of strings`);
  }
  for (const name of Object.keys(headers)) {
    checkHeaderName(name, where);
    const value = headers[name];
    checkHeaderValue(name, value, where);
    const lower = name.toLowerCase();
    if (reserved.has(lower)) {
      throw new TypeError(`${where}: the ${name} header is written by the handshake itself`);
    }
    if (FRAMING_HEADERS.has(lower)) {
      throw new TypeError(`${where}: the ${name} header would frame a body, which a handshake head does not have`);
    }
    fields.push([name, value]);
  }
}

/**
 * The bytes of a head: the start line, the fields, an empty line. Checks everything once more,
 * so that no caller of this function can put CR or LF where they would end a line: TypeError
 * for a start line with a control character, a name that is not a token, or a value that is
 * not a field-value.
 */
export function encodeHead(startLine: string, fields: HeaderFields): Uint8Array {
  const where = 'Cannot write head';
  for (let i = 0; i < startLine.length; i++) {
    const code = startLine.charCodeAt(i);
    if (!isFieldValueChar(code) || code === HTAB) {
      throw new TypeError(`${where}: the first line contains the character ${hexByte(code)} at index ${i}`);
    }
  }
  let text = `${startLine}\r\n`;
  for (const [name, value] of fields) {
    checkHeaderName(name, where);
    checkHeaderValue(name, value, where);
    text += `${name}: ${value}\r\n`;
  }
  text += '\r\n';
  return encodeLatin1(text, 'head');
}
