/**
 * WebSocket URIs (RFC 6455 §3): `ws://host[:port]/path[?query]` and the `wss` form. Layer 4
 * (handshake). A hand-written single pass, no regular expressions and no host `URL` object, so the
 * result is the same on every host.
 *
 * @module
 */

import { isAlpha, isDigit, isIpv6 } from './_uri.ts';

/** The parts of a WebSocket URI that opening a connection needs (RFC 6455 §3). */
export interface WebSocketUrl {
  /** `true` for `wss:` (TLS), `false` for `ws:`. */
  secure: boolean;
  /**
   * The host, lower-cased, as `net.connect` and `tls.connect` take it: a name or IPv4 address,
   * or an IPv6 address without its brackets (`'::1'` for `ws://[::1]/`).
   */
  host: string;
  /** The port: the explicit one, else 80 for `ws:` and 443 for `wss:`. */
  port: number;
  /** The path (`/` when empty) and the query with its `?`, for the request line. */
  resourceName: string;
}

/**
 * RFC 6455 §3: the port of a `ws:` or `wss:` URI that gives none.
 *
 * @example
 * ```ts
 * import { DEFAULT_PORTS } from 'wsframe';
 * console.log(DEFAULT_PORTS.ws, DEFAULT_PORTS.wss); // 80 443
 * ```
 */
export const DEFAULT_PORTS = { ws: 80, wss: 443 } as const;

const MAX_PORT = 65535;
const COLON = 0x3a;
const SLASH = 0x2f;
const QUESTION = 0x3f;
const HASH = 0x23;
const AT = 0x40;
const OPEN_BRACKET = 0x5b;
const DOT = 0x2e;

// RFC 3986 §3.2.2 reg-name, restricted to unreserved characters: what DNS names and IPv4
// addresses use. Percent-encoded and sub-delim hosts are rejected rather than guessed at.
function isHostChar(c: number): boolean {
  return isAlpha(c) || isDigit(c) || c === 0x2d || c === DOT || c === 0x5f || c === 0x7e;
}

function invalid(url: string, problem: string): SyntaxError {
  return new SyntaxError(`Cannot parse WebSocket URL ${JSON.stringify(url)}: ${problem}`);
}

/**
 * Parses a WebSocket URI (RFC 6455 §3). Accepts `ws:` and `wss:` (any case) with a host name,
 * an IPv4 address or a bracketed IPv6 literal (without a zone identifier), an optional port, a
 * path and a query; the query is kept in `resourceName`. Only printable ASCII is accepted:
 * percent-encode anything else, and write international host names in punycode.
 *
 * @param url - An absolute `ws:` or `wss:` URI.
 * @returns `{ secure, host, port, resourceName }`; see {@link WebSocketUrl}.
 * @throws {SyntaxError} (as the WHATWG `WebSocket` constructor does) when `url` is relative, has
 *   another scheme, a fragment (RFC 6455 §3: `#` must be escaped as `%23`), user information, an
 *   empty or malformed host, a port outside 1–65535, or a space, control or non-ASCII character.
 * @throws {TypeError} When `url` is not a string.
 *
 * @example
 * ```ts
 * import { parseWebSocketUrl } from 'wsframe';
 * const url = parseWebSocketUrl('wss://Example.com/chat?room=1');
 * console.log(url.secure, url.host, url.port, url.resourceName); // true example.com 443 /chat?room=1
 * console.log(parseWebSocketUrl('ws://[::1]:8080').host); // ::1
 * ```
 */
export function parseWebSocketUrl(url: string): WebSocketUrl {
  if (typeof url !== 'string') {
    throw new TypeError(`Cannot parse WebSocket URL: expected a string, got ${typeof url}`);
  }
  const n = url.length;
  for (let i = 0; i < n; i++) {
    const c = url.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) {
      const what = c === 0x20 ? 'a space' : c < 0x20 || c === 0x7f ? 'a control character' : 'a non-ASCII character';
      throw invalid(url, `${what} at index ${i} (percent-encode it)`);
    }
    if (c === HASH) throw invalid(url, 'fragments are not allowed in WebSocket URLs (escape # as %23)');
  }
  let i = 0;
  while (i < n && isAlpha(url.charCodeAt(i))) i++;
  if (i === 0 || i >= n || url.charCodeAt(i) !== COLON) throw invalid(url, 'it is not an absolute URL');
  const scheme = url.slice(0, i).toLowerCase();
  if (scheme !== 'ws' && scheme !== 'wss') throw invalid(url, `the scheme must be ws or wss, not ${scheme}`);
  const secure = scheme === 'wss';
  if (url.charCodeAt(i + 1) !== SLASH || url.charCodeAt(i + 2) !== SLASH) {
    throw invalid(url, `expected // after ${scheme}:`);
  }
  i += 3;
  let authorityEnd = i;
  while (authorityEnd < n) {
    const c = url.charCodeAt(authorityEnd);
    if (c === SLASH || c === QUESTION) break;
    if (c === AT) throw invalid(url, 'user information (user@) is not allowed in WebSocket URLs');
    authorityEnd++;
  }

  let host: string;
  if (url.charCodeAt(i) === OPEN_BRACKET) {
    const close = url.indexOf(']', i);
    if (close === -1 || close > authorityEnd) throw invalid(url, 'the IPv6 address has no closing ]');
    host = url.slice(i + 1, close).toLowerCase();
    if (!isIpv6(host)) throw invalid(url, `[${host}] is not an IPv6 address`);
    i = close + 1;
    if (i < authorityEnd && url.charCodeAt(i) !== COLON) throw invalid(url, 'expected : or / after the IPv6 address');
  } else {
    const hostStart = i;
    while (i < authorityEnd && url.charCodeAt(i) !== COLON) {
      const c = url.charCodeAt(i);
      if (!isHostChar(c)) {
        throw invalid(url, `the character ${url[i]} is not allowed in a host name`);
      }
      i++;
    }
    if (i === hostStart) throw invalid(url, 'the host is empty');
    host = url.slice(hostStart, i).toLowerCase();
  }

  let port: number = secure ? DEFAULT_PORTS.wss : DEFAULT_PORTS.ws;
  if (i < authorityEnd) {
    i++; // the colon
    const digits = url.slice(i, authorityEnd);
    let value = 0;
    for (let d = 0; d < digits.length; d++) {
      const c = digits.charCodeAt(d);
      if (!isDigit(c)) throw invalid(url, `the port ${JSON.stringify(digits)} is not a number`);
      value = value * 10 + (c - 0x30);
      if (value > MAX_PORT) break;
    }
    if (digits.length === 0) throw invalid(url, 'the port is empty');
    if (value < 1 || value > MAX_PORT) throw invalid(url, `the port ${digits} is outside 1-65535`);
    port = value;
  }

  const rest = url.slice(authorityEnd);
  const resourceName = rest.length === 0 || rest.charCodeAt(0) === QUESTION ? `/${rest}` : rest;
  return { secure, host, port, resourceName };
}

/**
 * The `Host` header value for a parsed URL (RFC 7230 §5.4, RFC 6455 §4.1): IPv6 in brackets, the
 * port only when it is not the default for the scheme.
 *
 * @example
 * ```ts
 * import { parseWebSocketUrl, formatHostHeader } from 'wsframe';
 * console.log(formatHostHeader(parseWebSocketUrl('ws://[::1]:8080/'))); // [::1]:8080
 * console.log(formatHostHeader(parseWebSocketUrl('wss://example.com:443/'))); // example.com
 * ```
 */
export function formatHostHeader(url: WebSocketUrl): string {
  const host = url.host.indexOf(':') === -1 ? url.host : `[${url.host}]`;
  const defaultPort = url.secure ? DEFAULT_PORTS.wss : DEFAULT_PORTS.ws;
  return url.port === defaultPort ? host : `${host}:${url.port}`;
}
