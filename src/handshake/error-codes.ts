/**
 * The table of every reason an opening handshake can fail: the HTTP status to answer with and the
 * rule that was broken. Layer 4 (handshake): imports nothing.
 *
 * @module
 */

/**
 * Every stable `code` a {@link HandshakeError} thrown by wsframe can carry, with the HTTP status
 * a server answers with (`createHandshakeRejection` writes it), the side that detects it and the
 * rule. `code` strings are stable; tools may match on them.
 *
 * On the client side (`validateServerHandshake`) every error carries status 502 (Bad Gateway: the
 * server's answer was not a valid handshake; what a proxy would send on), except
 * `UNEXPECTED_STATUS`, which carries the status the server actually answered with (403, 426, …).
 *
 * | code | status | side | rule |
 * |---|---|---|---|
 * | `HEAD_TOO_LARGE` | 431 | both | the head is longer than the reader's limit (16 KiB by default) |
 * | `INCOMPLETE_HEAD` | 400 | both | the head does not end with an empty line |
 * | `INVALID_REQUEST_LINE` | 400 | server | not `GET /resource HTTP/1.1` (or `GET ws://host/resource HTTP/1.1`) in RFC 7230 syntax |
 * | `METHOD_NOT_ALLOWED` | 405 | server | a method other than GET; the rejection carries `Allow: GET` |
 * | `UNSUPPORTED_HTTP_VERSION` | 505 | server | HTTP/1.0 or older |
 * | `INVALID_HEADER` | 400 | both | a header line without a colon, with whitespace before it, an invalid name, a control character (NUL, bare CR or LF) |
 * | `OBS_FOLD` | 400 | both | a header line that starts with whitespace (obsolete line folding) |
 * | `DUPLICATE_HEADER` | 400 | both | a repeated Host, Sec-WebSocket-Key or Sec-WebSocket-Version (request), Sec-WebSocket-Accept, Sec-WebSocket-Protocol or Sec-WebSocket-Extensions (response) |
 * | `MISSING_HOST` | 400 | server | no Host header |
 * | `INVALID_HOST` | 400 | server | a Host that is not `host[:port]` |
 * | `UNEXPECTED_BODY` | 400 | server | a Transfer-Encoding, or a Content-Length other than 0 |
 * | `INVALID_UPGRADE` | 400 | both | Upgrade missing or without `websocket` |
 * | `INVALID_CONNECTION` | 400 | both | Connection missing or without the `upgrade` token |
 * | `MISSING_KEY` | 400 | server | no Sec-WebSocket-Key |
 * | `INVALID_KEY` | 400 | server | a Sec-WebSocket-Key that is not base64 of exactly 16 bytes |
 * | `MISSING_VERSION` | 400 | server | no Sec-WebSocket-Version |
 * | `UNSUPPORTED_VERSION` | 426 | server | a Sec-WebSocket-Version other than 13; the rejection carries `Sec-WebSocket-Version: 13` |
 * | `INVALID_PROTOCOL` | 400 | both | a Sec-WebSocket-Protocol that is not a non-empty list of unique tokens |
 * | `INVALID_EXTENSIONS` | 400 | both | a Sec-WebSocket-Extensions value that does not parse (a quoted parameter value must be a token; a request lists at least one extension) |
 * | `INVALID_STATUS_LINE` | 502 | client | not `HTTP/1.1 101 reason` in RFC 7230 syntax |
 * | `UNEXPECTED_STATUS` | the server's | client | a status other than 101 |
 * | `MISSING_ACCEPT` | 502 | client | no Sec-WebSocket-Accept |
 * | `INVALID_ACCEPT` | 502 | client | a Sec-WebSocket-Accept that does not match the key |
 * | `UNEXPECTED_PROTOCOL` | 502 | client | a subprotocol the client did not offer |
 * | `UNEXPECTED_EXTENSION` | 502 | client | an extension the client did not offer (checked when the offer is passed in) |
 * | `FORBIDDEN_ORIGIN` | 403 | server | an `Origin` outside a `ServerConnection`'s `origins` (RFC 6455 §10.2) |
 * | `REJECTED` | the application's | server | `ServerConnection.reject(status)` refused the request |
 * | `HANDSHAKE_TIMEOUT` | 408 (server), 504 (client) | both | a connection's `handshakeTimeout` ran out |
 * | `ENDED_BEFORE_ANSWER` | 400 | server | the transport ended after a complete request, before the server answered it (the client left, or the server dropped the connection); no answer can be sent |
 *
 * @example
 * ```ts
 * import { HANDSHAKE_ERRORS } from 'wsframe';
 * console.log(HANDSHAKE_ERRORS.UNSUPPORTED_VERSION.status); // 426
 * console.log(HANDSHAKE_ERRORS.HEAD_TOO_LARGE.rfc); // RFC 6585 §5
 * ```
 */
export const HANDSHAKE_ERRORS = {
  HEAD_TOO_LARGE: { status: 431, side: 'both', rfc: 'RFC 6585 §5' },
  INCOMPLETE_HEAD: { status: 400, side: 'both', rfc: 'RFC 7230 §3' },
  INVALID_REQUEST_LINE: { status: 400, side: 'server', rfc: 'RFC 7230 §3.1.1' },
  METHOD_NOT_ALLOWED: { status: 405, side: 'server', rfc: 'RFC 6455 §4.1' },
  UNSUPPORTED_HTTP_VERSION: { status: 505, side: 'server', rfc: 'RFC 6455 §4.1' },
  INVALID_HEADER: { status: 400, side: 'both', rfc: 'RFC 7230 §3.2' },
  OBS_FOLD: { status: 400, side: 'both', rfc: 'RFC 7230 §3.2.4' },
  DUPLICATE_HEADER: { status: 400, side: 'both', rfc: 'RFC 6455 §11.3' },
  MISSING_HOST: { status: 400, side: 'server', rfc: 'RFC 7230 §5.4' },
  INVALID_HOST: { status: 400, side: 'server', rfc: 'RFC 7230 §5.4' },
  UNEXPECTED_BODY: { status: 400, side: 'server', rfc: 'RFC 7230 §3.3' },
  INVALID_UPGRADE: { status: 400, side: 'both', rfc: 'RFC 6455 §4.2.1' },
  INVALID_CONNECTION: { status: 400, side: 'both', rfc: 'RFC 6455 §4.2.1' },
  MISSING_KEY: { status: 400, side: 'server', rfc: 'RFC 6455 §4.2.1' },
  INVALID_KEY: { status: 400, side: 'server', rfc: 'RFC 6455 §4.2.1' },
  MISSING_VERSION: { status: 400, side: 'server', rfc: 'RFC 6455 §4.2.1' },
  UNSUPPORTED_VERSION: { status: 426, side: 'server', rfc: 'RFC 6455 §4.4' },
  INVALID_PROTOCOL: { status: 400, side: 'both', rfc: 'RFC 6455 §4.1' },
  INVALID_EXTENSIONS: { status: 400, side: 'both', rfc: 'RFC 6455 §9.1' },
  INVALID_STATUS_LINE: { status: 502, side: 'client', rfc: 'RFC 7230 §3.1.2' },
  UNEXPECTED_STATUS: { status: 502, side: 'client', rfc: 'RFC 6455 §4.1' },
  MISSING_ACCEPT: { status: 502, side: 'client', rfc: 'RFC 6455 §4.1' },
  INVALID_ACCEPT: { status: 502, side: 'client', rfc: 'RFC 6455 §4.1' },
  UNEXPECTED_PROTOCOL: { status: 502, side: 'client', rfc: 'RFC 6455 §4.1' },
  UNEXPECTED_EXTENSION: { status: 502, side: 'client', rfc: 'RFC 6455 §4.1' },
  // Raised by the connection engine (ServerConnection, ClientConnection), not by the parsers.
  FORBIDDEN_ORIGIN: { status: 403, side: 'server', rfc: 'RFC 6455 §10.2', connection: true },
  REJECTED: { status: 400, side: 'server', rfc: 'RFC 6455 §4.2.2', connection: true },
  HANDSHAKE_TIMEOUT: { status: 408, side: 'both', rfc: 'RFC 7231 §6.5.7', connection: true },
  ENDED_BEFORE_ANSWER: { status: 400, side: 'server', rfc: 'RFC 6455 §4.2.2', connection: true },
} as const satisfies Record<string, { status: number; side: 'server' | 'client' | 'both'; rfc: string; connection?: true }>;

/** A stable machine-readable reason for a {@link HandshakeError} thrown by wsframe. */
export type HandshakeErrorCode = keyof typeof HANDSHAKE_ERRORS;

