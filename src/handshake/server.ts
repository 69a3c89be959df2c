/**
 * The server side of the opening handshake (RFC 6455 §4.2): parse and validate the client's
 * upgrade request, answer it with a 101 or with a small error response. Layer 4 (handshake).
 *
 * @module
 */

import { encodeUtf8 } from '../base/_host.ts';
import type { HandshakeError } from '../base/errors.ts';
import {
  appendExtraHeaders,
  encodeHead,
  handshakeError,
  hasListToken,
  headBytes,
  type HeaderFields,
  HTTP_1_1,
  isToken,
  isTokenChar,
  parseHead,
  parseHttpVersion,
} from './_http.ts';
import { findUnofferedExtension, parseExtensionsOption, parseProtocols } from './_handshake.ts';
import { computeAcceptKey, isValidKey } from './accept.ts';
import { HANDSHAKE_ERRORS } from './error-codes.ts';
import { isAlpha, isDigit, isHex, isIpv6 } from './_uri.ts';
import { type Extension, parseExtensions } from './extensions.ts';

/** A client's opening handshake, parsed and validated by {@link parseClientHandshake}. */
export interface ClientHandshake {
  /** Always `'GET'` (RFC 6455 §4.1). */
  method: string;
  /**
   * The resource name (RFC 6455 §3): path and query, e.g. `'/chat?room=1'`, also when the
   * request target was in absolute-form (`GET ws://example.com/chat?room=1 HTTP/1.1`, RFC 7230
   * §5.3.2), whose authority is then not kept (`host` is the Host header's).
   */
  resource: string;
  /** The HTTP version of the request line, `'1.1'` or later. */
  httpVersion: string;
  /** The `Host` header as sent, e.g. `'server.example.com:8080'`. */
  host: string;
  /** The `Sec-WebSocket-Key`: base64 of 16 bytes. */
  key: string;
  /** The `Sec-WebSocket-Version`: always 13. */
  version: number;
  /** The subprotocols offered, in the client's order of preference; `[]` when none. */
  protocols: string[];
  /** The extensions offered, in order, with their parameters; `[]` when none. */
  extensions: Extension[];
  /** The `Origin` header, or `undefined` (non-browser clients may omit it, RFC 6455 §4.1). */
  origin: string | undefined;
  /** Every header: lower-case names, repeated fields combined with ", " (RFC 7230 §3.2.2). */
  headers: Map<string, string>;
}

/** RFC 6455 §4.1: the only version this codec speaks. */
const WEBSOCKET_VERSION = '13';
// RFC 7230 §5.4, RFC 6455 §11.3.1, §11.3.5: these may appear once only.
const REQUEST_SINGLETONS: ReadonlySet<string> = new Set(['host', 'sec-websocket-key', 'sec-websocket-version']);
const SP = 0x20;
const SLASH = 0x2f;
const COLON = 0x3a;
const QUESTION = 0x3f;
const PERCENT = 0x25;

/**
 * Parses and validates a client's opening handshake (RFC 6455 §4.2.1): method GET, a request
 * target in origin-form (`/chat`) or absolute-form (`ws://host/chat`, also `wss:`, `http:`,
 * `https:`; RFC 7230 §5.3.2) without a fragment, HTTP/1.1 or later, one `Host`, `Upgrade` listing `websocket`, `Connection` listing `upgrade` (e.g.
 * `keep-alive, Upgrade`), one `Sec-WebSocket-Key` that is base64 of exactly 16 bytes, one
 * `Sec-WebSocket-Version: 13`, no message body; subprotocols and extensions parsed. Header names
 * are case-insensitive. Strict RFC 7230 syntax: CRLF line ends only, no obs-fold, no whitespace
 * before a colon, no control characters. Runs in time linear in the length of the head.
 *
 * @param request - The request head up to and including its empty line (e.g. the `head` from an
 *   `HttpHeadReader`), as bytes or as a string of one character per byte.
 * @returns The parsed handshake; see {@link ClientHandshake}. Strings are copies.
 * @throws {HandshakeError} On anything invalid, with the status to answer with (400, 405, 426,
 *   505) and a code from `HANDSHAKE_ERRORS`; pass it to {@link createHandshakeRejection}.
 * @throws {TypeError} When bytes follow the head's empty line, or a string holds a character
 *   above U+00FF.
 *
 * @example
 * ```ts
 * import { parseClientHandshake } from 'wsframe';
 * const request = parseClientHandshake(
 *   'GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n' +
 *     'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
 *     'Origin: http://example.com\r\nSec-WebSocket-Protocol: chat, superchat\r\n' +
 *     'Sec-WebSocket-Version: 13\r\n\r\n',
 * );
 * console.log(request.resource, request.origin); // /chat http://example.com
 * console.log(request.protocols.join(' ')); // chat superchat
 * ```
 */
export function parseClientHandshake(request: Uint8Array | string): ClientHandshake {
  const what = 'handshake';
  const { startLine, headers } = parseHead(headBytes(request, what), what, 'INVALID_REQUEST_LINE', REQUEST_SINGLETONS);

  // RFC 7230 §3.1.1: request-line = method SP request-target SP HTTP-version.
  let i = 0;
  while (i < startLine.length && isTokenChar(startLine.charCodeAt(i))) i++;
  const methodEnd = i;
  if (methodEnd === 0 || startLine.charCodeAt(i) !== SP) {
    throw handshakeError('INVALID_REQUEST_LINE', `Cannot parse ${what}: the request line is not "GET /resource HTTP/1.1"`);
  }
  const targetStart = ++i;
  while (i < startLine.length && startLine.charCodeAt(i) > SP && startLine.charCodeAt(i) < 0x7f) i++;
  const targetEnd = i;
  const version = startLine.charCodeAt(i) === SP ? parseHttpVersion(startLine, i + 1, startLine.length) : -1;
  const resource = version === -1 ? undefined : resourceName(startLine.slice(targetStart, targetEnd));
  if (resource === undefined) {
    throw handshakeError(
      'INVALID_REQUEST_LINE',
      `Cannot parse ${what}: the request line is not "GET /resource HTTP/1.1" (or "GET ws://host/resource HTTP/1.1")`,
    );
  }
  const method = startLine.slice(0, methodEnd);
  if (method !== 'GET') {
    throw handshakeError('METHOD_NOT_ALLOWED', `Cannot accept ${what}: the method must be GET, not ${method}`);
  }
  if (version < HTTP_1_1) {
    throw handshakeError(
      'UNSUPPORTED_HTTP_VERSION',
      `Cannot accept ${what}: HTTP/${startLine.slice(-3)} cannot upgrade, HTTP/1.1 or later is required`,
    );
  }

  const host = headers.get('host');
  if (host === undefined) throw handshakeError('MISSING_HOST', `Cannot accept ${what}: the Host header is missing`);
  if (!isHostValue(host)) throw handshakeError('INVALID_HOST', `Cannot accept ${what}: the Host header is not host[:port]`);
  const contentLength = headers.get('content-length');
  if (headers.has('transfer-encoding') || (contentLength !== undefined && contentLength !== '0')) {
    // A body would be read as WebSocket frames after the upgrade: refuse rather than guess.
    throw handshakeError('UNEXPECTED_BODY', `Cannot accept ${what}: an upgrade request must not have a body`);
  }
  if (!hasListToken(headers.get('upgrade'), 'websocket')) {
    throw handshakeError('INVALID_UPGRADE', `Cannot accept ${what}: the Upgrade header does not list websocket`);
  }
  if (!hasListToken(headers.get('connection'), 'upgrade')) {
    throw handshakeError('INVALID_CONNECTION', `Cannot accept ${what}: the Connection header does not list upgrade`);
  }
  const websocketVersion = headers.get('sec-websocket-version');
  if (websocketVersion === undefined) {
    throw handshakeError('MISSING_VERSION', `Cannot accept ${what}: the Sec-WebSocket-Version header is missing`);
  }
  if (websocketVersion !== WEBSOCKET_VERSION) {
    throw handshakeError(
      'UNSUPPORTED_VERSION',
      `Cannot accept ${what}: Sec-WebSocket-Version ${JSON.stringify(websocketVersion.slice(0, 16))} is not supported, only 13`,
    );
  }
  const key = headers.get('sec-websocket-key');
  if (key === undefined) throw handshakeError('MISSING_KEY', `Cannot accept ${what}: the Sec-WebSocket-Key header is missing`);
  if (!isValidKey(key)) {
    throw handshakeError('INVALID_KEY', `Cannot accept ${what}: Sec-WebSocket-Key is not base64 of 16 bytes`);
  }
  const extensionsValue = headers.get('sec-websocket-extensions');
  const extensions = extensionsValue === undefined ? [] : parseExtensions(extensionsValue);
  // RFC 6455 §9.1: extension-list = 1#extension; RFC 7230 §7: a list with no element is invalid.
  if (extensionsValue !== undefined && extensions.length === 0) {
    throw handshakeError('INVALID_EXTENSIONS', `Cannot parse ${what}: Sec-WebSocket-Extensions lists no extension`);
  }
  return {
    method,
    resource,
    httpVersion: startLine.slice(-3),
    host,
    key,
    version: Number(WEBSOCKET_VERSION),
    protocols: parseProtocols(headers.get('sec-websocket-protocol'), what),
    extensions,
    origin: headers.get('origin'),
    headers,
  };
}

// RFC 6455 §4.2.1 item 1 with RFC 7230 §5.3: the resource name of a request target in
// origin-form (`/chat?x`) or in absolute-form with a WebSocket or HTTP scheme
// (`ws://host:port/chat?x`; an empty path is `/`); undefined for anything else, asterisk-form
// and authority-form included. RFC 3986 §3.5, RFC 6455 §3: no fragment.
function resourceName(target: string): string | undefined {
  if (target.indexOf('#') !== -1) return undefined;
  if (target.charCodeAt(0) === SLASH) return target;
  const colon = target.indexOf(':');
  if (colon <= 0) return undefined;
  const scheme = target.slice(0, colon).toLowerCase();
  if (!ABSOLUTE_FORM_SCHEMES.has(scheme) || !target.startsWith('//', colon + 1)) return undefined;
  const authorityStart = colon + 3;
  let authorityEnd = authorityStart;
  while (authorityEnd < target.length && target.charCodeAt(authorityEnd) !== SLASH && target.charCodeAt(authorityEnd) !== QUESTION) {
    authorityEnd++;
  }
  // RFC 7230 §2.7.1: an empty host is invalid, and userinfo (`user@`) is treated as an error.
  const authority = target.slice(authorityStart, authorityEnd);
  if (authority.indexOf('@') !== -1 || !isHostValue(authority)) return undefined;
  const rest = target.slice(authorityEnd);
  return rest.length === 0 || rest.charCodeAt(0) === QUESTION ? `/${rest}` : rest;
}

// RFC 6455 §3 and RFC 7230 §2.7: the schemes an absolute-form WebSocket request target may have.
const ABSOLUTE_FORM_SCHEMES: ReadonlySet<string> = new Set(['ws', 'wss', 'http', 'https']);

// RFC 7230 §5.4, RFC 3986 §3.2.2: Host = uri-host [ ":" port ]; uri-host is a bracketed IPv6
// address or a reg-name (unreserved, pct-encoded, sub-delims; an IPv4 address is one too).
// IPvFuture literals ("[v1.x]") name no address anyone can use and are refused.
function isHostValue(value: string): boolean {
  const n = value.length;
  let i = 0;
  if (value.charCodeAt(0) === 0x5b) {
    i = value.indexOf(']');
    if (i < 2 || !isIpv6(value.slice(1, i))) return false;
    i++;
  } else {
    while (i < n && value.charCodeAt(i) !== COLON) {
      const c = value.charCodeAt(i);
      if (c === PERCENT) {
        // pct-encoded = "%" HEXDIG HEXDIG
        if (!isHex(value.charCodeAt(i + 1)) || !isHex(value.charCodeAt(i + 2))) return false;
        i += 3;
        continue;
      }
      if (!isRegNameChar(c)) return false;
      i++;
    }
    if (i === 0) return false;
  }
  if (i === n) return true;
  if (value.charCodeAt(i) !== COLON || i + 1 === n) return false;
  for (let j = i + 1; j < n; j++) {
    if (!isDigit(value.charCodeAt(j))) return false;
  }
  return true;
}

// unreserved / sub-delims: ALPHA DIGIT - . _ ~ ! $ & ' ( ) * + , ; =
function isRegNameChar(c: number): boolean {
  return isAlpha(c) || isDigit(c) || "-._~!$&'()*+,;=".indexOf(String.fromCharCode(c)) !== -1;
}

/** What the server agrees to in its 101 answer. */
export interface ServerHandshakeOptions {
  /** The subprotocol selected: one the client offered, or omitted for none. */
  protocol?: string;
  /** A `Sec-WebSocket-Extensions` value accepting some of the offered extensions. */
  extensions?: string;
  /** Extra headers, e.g. `Set-Cookie`. */
  headers?: Record<string, string>;
}

// Headers createServerHandshake writes itself.
const SERVER_RESERVED: ReadonlySet<string> = new Set([
  'upgrade',
  'connection',
  'sec-websocket-accept',
  'sec-websocket-protocol',
  'sec-websocket-extensions',
]);

/**
 * Writes the server's 101 answer to a valid client handshake (RFC 6455 §4.2.2):
 * `HTTP/1.1 101 Switching Protocols`, `Upgrade: websocket`, `Connection: Upgrade`,
 * `Sec-WebSocket-Accept`, then `Sec-WebSocket-Protocol` and `Sec-WebSocket-Extensions` when
 * given, then the extra headers in their order.
 *
 * @param request - The client's handshake from {@link parseClientHandshake} (only `key`,
 *   `protocols` and `extensions` are read).
 * @param options - See {@link ServerHandshakeOptions}.
 * @returns The response head (a new array), ending with the empty line.
 * @throws {RangeError} When `protocol` was not offered by the client, or `extensions` names an
 *   extension the client did not offer (RFC 6455 §4.2.2, §9.1: the server may only choose from
 *   the offer).
 * @throws {SyntaxError} When `extensions` does not parse.
 * @throws {TypeError} When `protocol` is not an RFC 7230 token, a header name is not a token, a
 *   value contains CR, LF or another control character (or begins or ends with whitespace), a
 *   header the handshake writes itself or a `Content-Length`/`Transfer-Encoding` is in
 *   `headers`, or the request's key is not valid.
 *
 * @example
 * ```ts
 * import { parseClientHandshake, createServerHandshake } from 'wsframe';
 * const request = parseClientHandshake(
 *   'GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n' +
 *     'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
 *     'Sec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Version: 13\r\n\r\n',
 * );
 * const response = new TextDecoder().decode(createServerHandshake(request, { protocol: 'chat' }));
 * console.log(response.split('\r\n')[0]); // HTTP/1.1 101 Switching Protocols
 * console.log(response.split('\r\n')[3]); // Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
 * console.log(response.split('\r\n')[4]); // Sec-WebSocket-Protocol: chat
 * ```
 */
export function createServerHandshake(
  request: Pick<ClientHandshake, 'key' | 'protocols' | 'extensions'>,
  options: ServerHandshakeOptions = {},
): Uint8Array {
  const where = 'Cannot create server handshake';
  if (request === null || typeof request !== 'object' || !isValidKey(request.key)) {
    throw new TypeError(`${where}: request must be a parsed client handshake with a valid key`);
  }
  const fields: HeaderFields = [
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Accept', computeAcceptKey(request.key)],
  ];
  const { protocol, extensions } = options;
  if (protocol !== undefined) {
    // RFC 6455 §4.3: Sec-WebSocket-Protocol-Server = token; checked first, since `request` may
    // be built by the caller rather than parsed.
    if (typeof protocol !== 'string' || !isToken(protocol)) {
      throw new TypeError(`${where}: the subprotocol ${JSON.stringify(protocol)} is not an RFC 7230 token`);
    }
    if (!(Array.isArray(request.protocols) && request.protocols.includes(protocol))) {
      throw new RangeError(`${where}: the subprotocol ${JSON.stringify(protocol)} was not offered by the client`);
    }
    fields.push(['Sec-WebSocket-Protocol', protocol]);
  }
  if (extensions !== undefined) {
    const unoffered = findUnofferedExtension(request.extensions ?? [], parseExtensionsOption(extensions, where));
    if (unoffered !== undefined) {
      throw new RangeError(`${where}: the extension ${unoffered} was not offered by the client`);
    }
    if (extensions !== '') fields.push(['Sec-WebSocket-Extensions', extensions]);
  }
  appendExtraHeaders(fields, options.headers, SERVER_RESERVED, where);
  return encodeHead('HTTP/1.1 101 Switching Protocols', fields);
}

// RFC 7231 §6, RFC 6585: reason phrases for the statuses a handshake rejection uses.
const REASON_PHRASES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  426: 'Upgrade Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  505: 'HTTP Version Not Supported',
};
const MIN_ERROR_STATUS = 400;
const MAX_ERROR_STATUS = 599;
const CLIENT_ERROR_END = 500;

/**
 * Writes a complete HTTP response that refuses a handshake: the error's status and reason
 * phrase, `Connection: close`, a `text/plain` body with the error's message, and what the status
 * requires — `Upgrade: websocket` with `Sec-WebSocket-Version: 13` for 426 (RFC 6455 §4.4,
 * RFC 7231 §6.5.15), `Allow: GET` for 405 (RFC 7231 §6.5.5). Send it and close the connection.
 *
 * @param error - The error from `parseClientHandshake` or an `HttpHeadReader`, or your own
 *   `HandshakeError` (e.g. status 403 for a refused origin).
 * @param options - `headers`: extra headers, e.g. for CORS.
 * @returns The response: head and body (a new array).
 * @throws {RangeError} When `error.status` is not an integer from 400 to 599.
 * @throws {TypeError} When `error` has no numeric `status`, or an extra header is invalid: a name
 *   that is not a token, a value that is not a field-value (CR, LF, other control characters),
 *   a header the rejection writes itself (`Connection`, `Content-Type`, `Content-Length`, and
 *   `Upgrade`/`Sec-WebSocket-Version` with 426 or `Allow` with 405), or `Transfer-Encoding`.
 *
 * @example
 * ```ts
 * import { parseClientHandshake, createHandshakeRejection, HandshakeError } from 'wsframe';
 * try {
 *   parseClientHandshake(
 *     'GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
 *       'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n',
 *   );
 * } catch (error) {
 *   if (error instanceof HandshakeError) {
 *     const lines = new TextDecoder().decode(createHandshakeRejection(error)).split('\r\n');
 *     console.log(lines[0]); // HTTP/1.1 426 Upgrade Required
 *     console.log(lines.includes('Sec-WebSocket-Version: 13')); // true
 *   }
 * }
 * ```
 */
export function createHandshakeRejection(
  error: HandshakeError,
  options: { headers?: Record<string, string> } = {},
): Uint8Array {
  const where = 'Cannot create handshake rejection';
  const status: unknown = error?.status;
  if (typeof status !== 'number') throw new TypeError(`${where}: the error has no numeric status`);
  if (!Number.isInteger(status) || status < MIN_ERROR_STATUS || status > MAX_ERROR_STATUS) {
    throw new RangeError(`${where}: status ${status} is not an error status (400-599)`);
  }
  const reason = REASON_PHRASES[status] ?? (status < CLIENT_ERROR_END ? 'Client Error' : 'Server Error');
  const body = encodeUtf8(`${String(error.message)}\n`);
  const fields: HeaderFields = [];
  if (status === HANDSHAKE_ERRORS.UNSUPPORTED_VERSION.status) {
    // RFC 7230 §6.7: a sender of Upgrade also lists "upgrade" in Connection.
    fields.push(['Connection', 'Upgrade, close'], ['Upgrade', 'websocket'], ['Sec-WebSocket-Version', WEBSOCKET_VERSION]);
  } else {
    fields.push(['Connection', 'close']);
  }
  if (status === HANDSHAKE_ERRORS.METHOD_NOT_ALLOWED.status) fields.push(['Allow', 'GET']);
  fields.push(['Content-Type', 'text/plain; charset=utf-8'], ['Content-Length', String(body.length)]);
  // Every header written above is the rejection's own: a second Upgrade, Allow or
  // Sec-WebSocket-Version from `headers` would contradict it.
  appendExtraHeaders(fields, options.headers, new Set(fields.map(([name]) => name.toLowerCase())), where);
  const head = encodeHead(`HTTP/1.1 ${status} ${reason}`, fields);
  const response = new Uint8Array(head.length + body.length);
  response.set(head);
  response.set(body, head.length);
  return response;
}
