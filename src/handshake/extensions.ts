/**
 * The `Sec-WebSocket-Extensions` header (RFC 6455 §9.1): a comma-separated list of extensions,
 * each a token with `;`-separated parameters whose values are tokens, or quoted strings
 * (RFC 7230 §3.2.6) that hold a token once unescaped. Layer 4 (handshake).
 *
 * @module
 */

import { handshakeError, hexByte, isFieldValueChar, isOws, isToken, isTokenChar } from './_http.ts';

/**
 * One extension of a `Sec-WebSocket-Extensions` list: its name and its parameters. A parameter
 * without a value is `true`; a quoted value is unescaped.
 */
export interface Extension {
  /** The extension token, e.g. `'permessage-deflate'`. */
  name: string;
  /** Parameters in the order given, e.g. `{ client_max_window_bits: true, server_max_window_bits: '10' }`. */
  params: Record<string, string | true>;
  /**
   * Names of parameters given more than once (`params` keeps the first value), when any. Not
   * a syntax error: RFC 7692 §7 has a server decline such an offer, and a client fail on
   * such a response, so the extension decides.
   */
  repeated?: string[];
}

const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const SEMICOLON = 0x3b;
const COMMA = 0x2c;
const EQUALS = 0x3d;

// RFC 7230 §3.2.6: qdtext = HTAB / SP / "!" / %x23-5B / %x5D-7E / obs-text.
function isQdtext(code: number): boolean {
  return isFieldValueChar(code) && code !== DQUOTE && code !== BACKSLASH;
}

function setParam(params: Record<string, string | true>, name: string, value: string | true): void {
  // defineProperty, not assignment: a parameter named "__proto__" must become an own property,
  // not replace the object's prototype.
  Object.defineProperty(params, name, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Parses a `Sec-WebSocket-Extensions` value (RFC 6455 §9.1). Optional whitespace around `,`,
 * `;` and `=` is allowed, empty list elements are skipped (RFC 7230 §7), and a parameter value
 * may be quoted (`a="10"`), but must be a token once unquoted and unescaped (RFC 6455 §9.1:
 * "the value MUST conform to the token ABNF"), so `a="b c"` and `a=""` are malformed. Runs in
 * time linear in `value.length`.
 *
 * @param value - The header value (as in `ClientHandshake.headers.get('sec-websocket-extensions')`).
 * @returns The extensions in order; `[]` for an empty or all-whitespace value.
 * @throws {HandshakeError} Status 400, code `INVALID_EXTENSIONS`, when the value does not parse
 *   (a quoted value that is not a token included).
 *   A repeated parameter name is no syntax error: it is listed in `repeated`.
 *
 * @example
 * ```ts
 * import { parseExtensions } from 'wsframe';
 * const [deflate, foo] = parseExtensions('permessage-deflate; client_max_window_bits, x-foo; a="10"');
 * console.log(deflate.name, deflate.params.client_max_window_bits); // permessage-deflate true
 * console.log(foo.name, foo.params.a); // x-foo 10
 * ```
 */
export function parseExtensions(value: string): Extension[] {
  if (typeof value !== 'string') {
    throw new TypeError(`Cannot parse Sec-WebSocket-Extensions: expected a string, got ${typeof value}`);
  }
  const extensions: Extension[] = [];
  const n = value.length;
  let i = 0;
  const skipOws = (): void => {
    while (i < n && isOws(value.charCodeAt(i))) i++;
  };
  const readToken = (what: string): string => {
    const start = i;
    while (i < n && isTokenChar(value.charCodeAt(i))) i++;
    if (i === start) throw malformed(value, i, `expected ${what}`);
    return value.slice(start, i);
  };
  for (;;) {
    skipOws();
    // RFC 7230 §7: a recipient accepts and ignores empty list elements.
    while (i < n && value.charCodeAt(i) === COMMA) {
      i++;
      skipOws();
    }
    if (i >= n) return extensions;
    const name = readToken('an extension name');
    const params: Record<string, string | true> = {};
    let repeated: string[] | undefined;
    skipOws();
    while (i < n && value.charCodeAt(i) === SEMICOLON) {
      i++;
      skipOws();
      const param = readToken('a parameter name');
      skipOws();
      let paramValue: string | true = true;
      if (i < n && value.charCodeAt(i) === EQUALS) {
        i++;
        skipOws();
        paramValue = i < n && value.charCodeAt(i) === DQUOTE ? readQuoted() : readToken('a parameter value');
        skipOws();
      }
      if (Object.hasOwn(params, param)) {
        (repeated ??= []).push(param);
      } else {
        setParam(params, param, paramValue);
      }
    }
    extensions.push(repeated === undefined ? { name, params } : { name, params, repeated });
    if (i < n && value.charCodeAt(i) !== COMMA) {
      throw malformed(value, i, `unexpected character ${hexByte(value.charCodeAt(i))}`);
    }
  }

  function readQuoted(): string {
    const open = i;
    i++;
    let text = '';
    let segment = i;
    for (; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c === DQUOTE) {
        text += value.slice(segment, i);
        i++;
        // RFC 6455 §9.1: "When using the quoted-string syntax variant, the value after
        // quoted-string unescaping MUST conform to the 'token' ABNF."
        if (!isToken(text)) throw malformed(value, open, `the quoted value ${JSON.stringify(text)} is not a token`);
        return text;
      }
      if (c === BACKSLASH) {
        // RFC 7230 §3.2.6: quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ).
        if (i + 1 >= n || !isFieldValueChar(value.charCodeAt(i + 1))) {
          throw malformed(value, i, 'a backslash escapes nothing valid');
        }
        text += value.slice(segment, i);
        segment = i + 1;
        i++;
      } else if (!isQdtext(c)) {
        throw malformed(value, i, `the character ${hexByte(c)} is not allowed in a quoted string`);
      }
    }
    throw malformed(value, open, 'the quoted string is not closed');
  }
}

function malformed(value: string, index: number, problem: string) {
  return handshakeError(
    'INVALID_EXTENSIONS',
    `Cannot parse Sec-WebSocket-Extensions: ${problem} at index ${index} of ${value.length}`,
  );
}


/**
 * Formats extensions as a `Sec-WebSocket-Extensions` value (RFC 6455 §9.1), the inverse of
 * {@link parseExtensions}: a `true` parameter is written bare, a value as the token it must be
 * (RFC 6455 §9.1; quoting would add nothing, since a quoted value too must be a token).
 *
 * @param extensions - The extensions in order.
 * @returns The header value; `''` for no extensions.
 * @throws {TypeError} When a name, a parameter name or a parameter value is not an RFC 7230
 *   token (`'b c'`, `''`, a value with CR or LF), a parameter value is neither `true` nor a
 *   string, or `params` is not an object.
 *
 * @example
 * ```ts
 * import { formatExtensions } from 'wsframe';
 * const value = formatExtensions([
 *   { name: 'permessage-deflate', params: { client_max_window_bits: true, server_max_window_bits: '10' } },
 *   { name: 'x-foo', params: { a: 'b' } },
 * ]);
 * console.log(value); // permessage-deflate; client_max_window_bits; server_max_window_bits=10, x-foo; a=b
 * ```
 */
export function formatExtensions(extensions: readonly Extension[]): string {
  if (!Array.isArray(extensions)) throw new TypeError('Cannot format extensions: expected an array');
  const parts: string[] = [];
  for (const extension of extensions) {
    const name = extension?.name;
    if (typeof name !== 'string' || !isToken(name)) {
      throw new TypeError(`Cannot format extensions: the name ${JSON.stringify(name)} is not an RFC 7230 token`);
    }
    let part = name;
    const params = extension.params ?? {};
    if (params === null || typeof params !== 'object') {
      throw new TypeError(`Cannot format extensions: the params of ${name} must be an object`);
    }
    for (const param of Object.keys(params)) {
      if (!isToken(param)) {
        throw new TypeError(
          `Cannot format extensions: the parameter name ${JSON.stringify(param)} of ${name} is not an RFC 7230 token`,
        );
      }
      const value: unknown = params[param];
      if (value === true) part += `; ${param}`;
      else if (typeof value === 'string') {
        if (!isToken(value)) {
          throw new TypeError(
            `Cannot format extensions: the value ${JSON.stringify(value)} of ${name}; ${param} is not an RFC 7230 token (RFC 6455 §9.1)`,
          );
        }
        part += `; ${param}=${value}`;
      } else {
        throw new TypeError(`Cannot format extensions: the value of ${name}; ${param} must be true or a string`);
      }
    }
    parts.push(part);
  }
  return parts.join(', ');
}
