/**
 * The client side of the opening handshake (RFC 6455 §4.1): write the upgrade request, then
 * validate the server's answer. Layer 4 (handshake).
 *
 * @module
 */

import { HandshakeError } from '../base/errors.ts';
import {
  appendExtraHeaders,
  CLIENT_ERROR_STATUS,
  checkHeaderValue,
  encodeHead,
  handshakeError,
  hasListToken,
  headBytes,
  type HeaderFields,
  HTTP_1_1,
  parseHead,
  parseHttpVersion,
} from './_http.ts';
import { checkProtocolsOption, findUnofferedExtension, parseExtensionsOption, parseProtocols } from './_handshake.ts';
import { computeAcceptKey, generateKey, isValidKey } from './accept.ts';
import { type Extension, parseExtensions } from './extensions.ts';
import { formatHostHeader, parseWebSocketUrl } from './url.ts';

/** What {@link createClientHandshake} needs to write an upgrade request. */
export interface ClientHandshakeOptions {
  /** The `ws:` or `wss:` URL to connect to (see `parseWebSocketUrl`). */
  url: string;
  /** Subprotocols to offer, most preferred first: unique RFC 7230 tokens. */
  protocols?: string[];
  /** A `Sec-WebSocket-Extensions` value to offer, e.g. from `formatExtensions`. */
  extensions?: string;
  /** The `Origin` header (RFC 6455 §4.1 item 8; browsers always send one). */
  origin?: string;
  /** Extra headers, e.g. `Authorization` or `User-Agent`. A `Host` here replaces the URL's. */
  headers?: Record<string, string>;
  /** A fixed `Sec-WebSocket-Key` (base64 of 16 bytes); default a fresh {@link generateKey}. */
  key?: string;
}

/** The request head to send and the key to validate the answer with. */
export interface ClientHandshakeRequest {
  /** The complete request head, ending with the empty line. */
  request: Uint8Array;
  /** The `Sec-WebSocket-Key` sent; pass it to {@link validateServerHandshake}. */
  key: string;
}

/** RFC 6455 §4.1: the only version this codec speaks. */
const WEBSOCKET_VERSION = '13';
const SWITCHING_PROTOCOLS = 101;

// Headers createClientHandshake writes itself; `host` is handled apart (a caller's replaces ours).
const CLIENT_RESERVED = new Set([
  'upgrade',
  'connection',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-protocol',
  'sec-websocket-extensions',
]);

/**
 * Writes a client's opening handshake (RFC 6455 §4.1): `GET <resource> HTTP/1.1`, `Host` (with
 * the port only when it is not the scheme's default), `Upgrade: websocket`,
 * `Connection: Upgrade`, `Sec-WebSocket-Key`, `Sec-WebSocket-Version: 13`, then
 * `Sec-WebSocket-Protocol`, `Sec-WebSocket-Extensions` and `Origin` when given, then the extra
 * headers in their order.
 *
 * @param options - See {@link ClientHandshakeOptions}.
 * @returns `{ request, key }`: the head bytes (a new array) and the key to check the answer with.
 * @throws {SyntaxError} When the URL is not a valid `ws:`/`wss:` URL, a subprotocol is not a
 *   token or is listed twice, or `extensions` does not parse (the WHATWG `WebSocket` constructor
 *   throws SyntaxError for the first two).
 * @throws {TypeError} When a header name is not a token, a value contains CR, LF or another
 *   control character (header injection) or begins or ends with whitespace, a header the
 *   handshake writes itself or a `Content-Length`/`Transfer-Encoding` is in `headers` (or
 *   `Origin` is given twice), or `key` is not base64 of 16 bytes.
 *
 * @example
 * ```ts
 * import { createClientHandshake } from 'wsframe';
 * const { request } = createClientHandshake({
 *   url: 'ws://server.example.com/chat',
 *   protocols: ['chat', 'superchat'],
 *   key: 'dGhlIHNhbXBsZSBub25jZQ==',
 * });
 * const lines = new TextDecoder().decode(request).split('\r\n');
 * console.log(lines[0]); // GET /chat HTTP/1.1
 * console.log(lines[1]); // Host: server.example.com
 * console.log(lines[6]); // Sec-WebSocket-Protocol: chat, superchat
 * ```
 */
export function createClientHandshake(options: ClientHandshakeOptions): ClientHandshakeRequest {
  const where = 'Cannot create client handshake';
  if (options === null || typeof options !== 'object') throw new TypeError(`${where}: options must be an object`);
  const url = parseWebSocketUrl(options.url);
  const key = options.key ?? generateKey();
  if (!isValidKey(key)) throw new TypeError(`${where}: the key ${JSON.stringify(key)} is not base64 of 16 bytes`);
  const protocols = checkProtocolsOption(options.protocols, where);

  let host = formatHostHeader(url);
  const extra: HeaderFields = [];
  const reserved = options.origin === undefined ? CLIENT_RESERVED : new Set([...CLIENT_RESERVED, 'origin']);
  appendExtraHeaders(extra, options.headers, reserved, where);
  const hostIndex = extra.findIndex(([name]) => name.toLowerCase() === 'host');
  if (hostIndex !== -1) {
    host = extra[hostIndex][1];
    extra.splice(hostIndex, 1);
    if (extra.some(([name]) => name.toLowerCase() === 'host')) {
      throw new TypeError(`${where}: headers has more than one Host (RFC 7230 §5.4 allows one)`);
    }
  }

  const fields: HeaderFields = [
    ['Host', host],
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Key', key],
    ['Sec-WebSocket-Version', WEBSOCKET_VERSION],
  ];
  if (protocols.length > 0) fields.push(['Sec-WebSocket-Protocol', protocols.join(', ')]);
  if (options.extensions !== undefined) {
    parseExtensionsOption(options.extensions, where);
    fields.push(['Sec-WebSocket-Extensions', options.extensions]);
  }
  if (options.origin !== undefined) {
    checkHeaderValue('Origin', options.origin, where);
    fields.push(['Origin', options.origin]);
  }
  fields.push(...extra);
  return { request: encodeHead(`GET ${url.resourceName} HTTP/1.1`, fields), key };
}

/** What the client offered, to check the server's answer against. */
export interface ServerHandshakeExpectation {
  /** The `Sec-WebSocket-Key` the client sent. */
  key: string;
  /** The subprotocols offered; the server may pick one of them or none. */
  protocols?: string[];
  /**
   * The `Sec-WebSocket-Extensions` value offered. When given, an answer naming an extension not
   * in it fails with `UNEXPECTED_EXTENSION` (RFC 6455 §4.1); when omitted, that is not checked.
   */
  extensions?: string;
}

/** A valid server handshake: what was agreed on. */
export interface ServerHandshake {
  /** The subprotocol the server selected, or `undefined` when it selected none. */
  protocol: string | undefined;
  /** The extensions the server accepted, in its order, with their parameters. */
  extensions: Extension[];
  /** Every header, lower-case names, repeated fields combined with ", " (RFC 7230 §3.2.2). */
  headers: Map<string, string>;
}

// RFC 6455 §11.3.2, §11.3.3, §11.3.4: Sec-WebSocket-Extensions, -Accept and -Protocol "MUST NOT
// appear more than once in an HTTP response".
const RESPONSE_SINGLETONS: ReadonlySet<string> = new Set([
  'sec-websocket-accept',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
]);

/**
 * Validates a server's answer to the opening handshake (RFC 6455 §4.1, "the client MUST
 * validate the server's response"): status 101; `Upgrade: websocket` (case-insensitive);
 * `Connection` listing `upgrade`; `Sec-WebSocket-Accept` exactly the accept value of the key; a
 * subprotocol only if one was offered, and then one of those; extensions that parse.
 *
 * @param response - The response head up to and including its empty line (e.g. the `head` from
 *   an `HttpHeadReader`), as bytes or as a string of one character per byte.
 * @param expected - The key sent and what was offered; see {@link ServerHandshakeExpectation}.
 * @returns `{ protocol, extensions, headers }`; see {@link ServerHandshake}.
 * @throws {HandshakeError} With a code from `HANDSHAKE_ERRORS`: `UNEXPECTED_STATUS` carries the
 *   server's status; every other failure carries status 502.
 * @throws {TypeError} When bytes follow the head's empty line, or a string holds a character
 *   above U+00FF.
 *
 * @example
 * ```ts
 * import { validateServerHandshake } from 'wsframe';
 * const result = validateServerHandshake(
 *   'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
 *     'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n',
 *   { key: 'dGhlIHNhbXBsZSBub25jZQ==', protocols: ['chat', 'superchat'] },
 * );
 * console.log(result.protocol, result.extensions.length); // chat 0
 * ```
 */
export function validateServerHandshake(response: Uint8Array | string, expected: ServerHandshakeExpectation): ServerHandshake {
  if (expected === null || typeof expected !== 'object' || typeof expected.key !== 'string') {
    throw new TypeError('Cannot validate server handshake: expected must be an object with the key sent');
  }
  try {
    return validate(headBytes(response, 'server handshake'), expected);
  } catch (error) {
    // The parsing helpers throw with the status a server would answer; on this side every
    // failure is the server's, reported as 502 (UNEXPECTED_STATUS already carries its own).
    if (error instanceof HandshakeError && error.code !== 'UNEXPECTED_STATUS' && error.status !== CLIENT_ERROR_STATUS) {
      throw new HandshakeError(error.code, CLIENT_ERROR_STATUS, error.message);
    }
    throw error;
  }
}

function validate(bytes: Uint8Array, expected: ServerHandshakeExpectation): ServerHandshake {
  const what = 'server handshake';
  const { startLine, headers } = parseHead(bytes, what, 'INVALID_STATUS_LINE', RESPONSE_SINGLETONS);

  // RFC 7230 §3.1.2: status-line = HTTP-version SP status-code SP reason-phrase.
  const statusEnd = startLine.indexOf(' ', 9);
  const statusText = startLine.slice(9, statusEnd === -1 ? startLine.length : statusEnd);
  const version = parseHttpVersion(startLine, 0, 8);
  if (version === -1 || startLine.charCodeAt(8) !== 0x20 || !isStatusCode(statusText)) {
    throw handshakeError('INVALID_STATUS_LINE', `Cannot parse ${what}: the status line is not "HTTP/1.1 <status> <reason>"`);
  }
  const status = Number(statusText);
  if (status !== SWITCHING_PROTOCOLS) {
    throw handshakeError(
      'UNEXPECTED_STATUS',
      `Cannot validate ${what}: the server answered ${status}${statusEnd === -1 ? '' : ` ${startLine.slice(statusEnd + 1)}`}, expected 101`,
      status,
    );
  }
  if (version < HTTP_1_1) {
    throw handshakeError('INVALID_STATUS_LINE', `Cannot validate ${what}: a 101 answer must be HTTP/1.1 or later`);
  }

  // RFC 6455 §4.1: Upgrade must be "websocket" (ASCII case-insensitive), Connection must list
  // "upgrade".
  const upgrade = headers.get('upgrade');
  if (upgrade === undefined || upgrade.toLowerCase() !== 'websocket') {
    throw handshakeError('INVALID_UPGRADE', `Cannot validate ${what}: expected Upgrade: websocket, got ${describe(upgrade)}`);
  }
  if (!hasListToken(headers.get('connection'), 'upgrade')) {
    throw handshakeError(
      'INVALID_CONNECTION',
      `Cannot validate ${what}: expected Connection to list upgrade, got ${describe(headers.get('connection'))}`,
    );
  }
  const accept = headers.get('sec-websocket-accept');
  if (accept === undefined) throw handshakeError('MISSING_ACCEPT', `Cannot validate ${what}: Sec-WebSocket-Accept is missing`);
  if (accept !== computeAcceptKey(expected.key)) {
    throw handshakeError('INVALID_ACCEPT', `Cannot validate ${what}: Sec-WebSocket-Accept does not match the key sent`);
  }

  const answered = headers.get('sec-websocket-protocol');
  let protocol: string | undefined;
  if (answered !== undefined && answered !== '') {
    const selected = parseProtocols(answered, what);
    protocol = selected[0];
    if (selected.length !== 1 || !(expected.protocols ?? []).includes(protocol)) {
      throw handshakeError(
        'UNEXPECTED_PROTOCOL',
        `Cannot validate ${what}: the server selected the subprotocol ${JSON.stringify(answered)}, which was not offered`,
      );
    }
  }

  const value = headers.get('sec-websocket-extensions');
  const extensions = value === undefined ? [] : parseExtensions(value);
  if (expected.extensions !== undefined) {
    const unoffered = findUnofferedExtension(
      parseExtensionsOption(expected.extensions, 'Cannot validate server handshake'),
      extensions,
    );
    if (unoffered !== undefined) {
      throw handshakeError('UNEXPECTED_EXTENSION', `Cannot validate ${what}: the extension ${unoffered} was not offered`);
    }
  }
  return { protocol, extensions, headers };
}

// RFC 7230 §3.1.2: status-code = 3DIGIT; RFC 7231 §6 defines classes 1xx to 5xx.
function isStatusCode(text: string): boolean {
  if (text.length !== 3) return false;
  const first = text.charCodeAt(0);
  if (first < 0x31 || first > 0x35) return false;
  for (let i = 1; i < 3; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function describe(value: string | undefined): string {
  return value === undefined ? 'none' : JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}
