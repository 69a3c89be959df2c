import { describe, expect, it } from 'vitest';
import { HANDSHAKE_ERRORS } from '../src/handshake/error-codes.ts';
import { createClientHandshake, validateServerHandshake } from '../src/handshake/client.ts';
import { parseClientHandshake } from '../src/handshake/server.ts';
import { isValidKey } from '../src/handshake/accept.ts';
import {
  bytesOf,
  expectHandshakeError,
  head,
  RFC_ACCEPT,
  RFC_KEY,
  RFC_REQUEST_LINES,
  RFC_RESPONSE_LINES,
  responseWith,
  textOf,
} from './_handshake.ts';

const RFC_RESPONSE = head(...RFC_RESPONSE_LINES);
const RFC_EXPECTED = { key: RFC_KEY, protocols: ['chat', 'superchat'] };

describe('createClientHandshake', () => {
  it('writes the RFC 6455 §1.2 example request (in its own header order)', () => {
    const { request, key } = createClientHandshake({
      url: 'ws://server.example.com/chat',
      protocols: ['chat', 'superchat'],
      origin: 'http://example.com',
      key: RFC_KEY,
    });
    expect(key).toBe(RFC_KEY);
    expect(textOf(request)).toBe(
      head(
        'GET /chat HTTP/1.1',
        'Host: server.example.com',
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${RFC_KEY}`,
        'Sec-WebSocket-Version: 13',
        'Sec-WebSocket-Protocol: chat, superchat',
        'Origin: http://example.com',
      ),
    );
    const parsed = parseClientHandshake(request);
    const rfc = parseClientHandshake(head(...RFC_REQUEST_LINES));
    expect({ ...parsed, headers: undefined }).toEqual({ ...rfc, headers: undefined });
  });

  it('writes the port in Host only when it is not the scheme default, and IPv6 in brackets', () => {
    const host = (url: string) => textOf(createClientHandshake({ url }).request).split('\r\n')[1];
    expect(host('ws://example.com:80/')).toBe('Host: example.com');
    expect(host('ws://example.com:8080/')).toBe('Host: example.com:8080');
    expect(host('wss://example.com/')).toBe('Host: example.com');
    expect(host('wss://example.com:80/')).toBe('Host: example.com:80');
    expect(host('ws://[::1]:9001/')).toBe('Host: [::1]:9001');
    expect(host('ws://[::1]/')).toBe('Host: [::1]');
  });

  it('puts the query in the request line', () => {
    const { request } = createClientHandshake({ url: 'wss://example.com/chat?room=1' });
    expect(textOf(request).split('\r\n')[0]).toBe('GET /chat?room=1 HTTP/1.1');
  });

  it('generates a fresh valid key when none is given', () => {
    const a = createClientHandshake({ url: 'ws://a/' });
    const b = createClientHandshake({ url: 'ws://a/' });
    expect(isValidKey(a.key)).toBe(true);
    expect(a.key).not.toBe(b.key);
    expect(textOf(a.request)).toContain(`Sec-WebSocket-Key: ${a.key}\r\n`);
  });

  it('writes the extensions offer and extra headers in order, and lets a Host header replace the URL’s', () => {
    const { request } = createClientHandshake({
      url: 'ws://10.0.0.1:8080/',
      extensions: 'permessage-deflate; client_max_window_bits',
      key: RFC_KEY,
      headers: { 'User-Agent': 'wsframe', host: 'example.com', Authorization: 'Bearer x' },
    });
    expect(textOf(request)).toBe(
      head(
        'GET / HTTP/1.1',
        'Host: example.com',
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${RFC_KEY}`,
        'Sec-WebSocket-Version: 13',
        'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits',
        'User-Agent: wsframe',
        'Authorization: Bearer x',
      ),
    );
  });

  it('accepts an Origin in headers when the origin option is not used', () => {
    const { request } = createClientHandshake({ url: 'ws://a/', headers: { Origin: 'https://a' } });
    expect(parseClientHandshake(request).origin).toBe('https://a');
  });

  const SYNTAX_ERRORS: Array<[string, Parameters<typeof createClientHandshake>[0], RegExp]> = [
    ['an http URL', { url: 'http://a/' }, /the scheme must be ws or wss/],
    ['a relative URL', { url: '/chat' }, /not an absolute URL/],
    ['a URL with a fragment', { url: 'ws://a/#x' }, /fragments are not allowed/],
    ['a subprotocol that is not a token', { url: 'ws://a/', protocols: ['chat', 'a b'] }, /the subprotocol "a b" is not an RFC 7230 token/],
    ['an empty subprotocol', { url: 'ws://a/', protocols: [''] }, /the subprotocol "" is not/],
    ['a subprotocol with a comma', { url: 'ws://a/', protocols: ['a,b'] }, /is not an RFC 7230 token/],
    ['a duplicate subprotocol', { url: 'ws://a/', protocols: ['chat', 'chat'] }, /the subprotocol chat is listed twice/],
    ['an extensions offer that does not parse', { url: 'ws://a/', extensions: 'a; b=' }, /expected a parameter value/],
    ['an extensions offer with a quoted non-token (RFC 6455 §9.1)', { url: 'ws://a/', extensions: 'a; b=""' }, /the quoted value "" is not a token/],
  ];
  for (const [why, options, message] of SYNTAX_ERRORS) {
    it(`throws a SyntaxError for ${why}`, () => {
      expect(() => createClientHandshake(options)).toThrow(SyntaxError);
      expect(() => createClientHandshake(options)).toThrow(message);
    });
  }

  const TYPE_ERRORS: Array<[string, unknown, RegExp]> = [
    ['CR LF in a header value (injection)', { url: 'ws://a/', headers: { 'X-A': 'a\r\nX-Evil: 1' } }, /the value of X-A contains CR at index 1/],
    ['a lone LF in a header value', { url: 'ws://a/', headers: { 'X-A': 'a\nb' } }, /contains LF at index 1/],
    ['NUL in a header value', { url: 'ws://a/', headers: { 'X-A': 'a\u0000' } }, /contains U\+0000/],
    ['a character above U+00FF in a header value', { url: 'ws://a/', headers: { 'X-A': '\u20ac' } }, /contains U\+20AC/],
    ['CR LF in the origin', { url: 'ws://a/', origin: 'https://a\r\nX: y' }, /the value of Origin contains CR/],
    ['CR LF in the extensions offer', { url: 'ws://a/', extensions: 'x\r\nX: y' }, /the value of Sec-WebSocket-Extensions contains CR/],
    ['a header name that is not a token', { url: 'ws://a/', headers: { 'X A': 'a' } }, /header name "X A" is not an RFC 7230 token/],
    ['a header name with a colon', { url: 'ws://a/', headers: { 'X:': 'a' } }, /is not an RFC 7230 token/],
    ['a Sec-WebSocket-Key header', { url: 'ws://a/', headers: { 'Sec-WebSocket-Key': RFC_KEY } }, /the Sec-WebSocket-Key header is written by the handshake itself/],
    ['an Upgrade header', { url: 'ws://a/', headers: { upgrade: 'h2c' } }, /the upgrade header is written/],
    ['an Origin both as option and header', { url: 'ws://a/', origin: 'https://a', headers: { Origin: 'https://b' } }, /the Origin header is written/],
    ['a key that is not base64 of 16 bytes', { url: 'ws://a/', key: 'abc' }, /the key "abc" is not base64 of 16 bytes/],
    ['two Host headers in different case', { url: 'ws://a/', headers: { Host: 'b', host: 'c' } }, /more than one Host/],
    ['a non-string header value', { url: 'ws://a/', headers: { 'X-A': 1 } }, /must be a string/],
    ['a Transfer-Encoding header', { url: 'ws://a/', headers: { 'Transfer-Encoding': 'chunked' } }, /would frame a body/],
    ['a Content-Length header', { url: 'ws://a/', headers: { 'content-length': '0' } }, /would frame a body/],
    ['a header value ending in whitespace', { url: 'ws://a/', headers: { 'X-A': 'a ' } }, /begins or ends with whitespace/],
    ['an origin beginning with whitespace', { url: 'ws://a/', origin: '\thttps://a' }, /the value of Origin begins or ends/],
    ['CR LF in a Host header', { url: 'ws://a/', headers: { Host: 'a\r\nX-Evil: 1' } }, /the value of Host contains CR/],
    ['protocols that are not an array', { url: 'ws://a/', protocols: 'chat' }, /protocols must be an array/],
    ['a URL that is not a string', { url: 42 }, /expected a string/],
    ['no options', undefined, /options must be an object/],
  ];
  for (const [why, options, message] of TYPE_ERRORS) {
    it(`throws a TypeError for ${why}`, () => {
      const create = () => createClientHandshake(options as Parameters<typeof createClientHandshake>[0]);
      expect(create).toThrow(TypeError);
      expect(create).toThrow(message);
    });
  }
});

describe('validateServerHandshake', () => {
  it('accepts the RFC 6455 §1.2 example response and reports the selected subprotocol', () => {
    const result = validateServerHandshake(RFC_RESPONSE, RFC_EXPECTED);
    expect(result.protocol).toBe('chat');
    expect(result.extensions).toEqual([]);
    expect([...result.headers.keys()]).toEqual(['upgrade', 'connection', 'sec-websocket-accept', 'sec-websocket-protocol']);
    expect(result.headers.get('sec-websocket-accept')).toBe(RFC_ACCEPT);
  });

  it('accepts the same response as bytes', () => {
    expect(validateServerHandshake(bytesOf(RFC_RESPONSE), RFC_EXPECTED)).toEqual(
      validateServerHandshake(RFC_RESPONSE, RFC_EXPECTED),
    );
  });

  it('reports no subprotocol when the server selects none, offered or not', () => {
    const response = responseWith('Sec-WebSocket-Protocol');
    expect(validateServerHandshake(response, RFC_EXPECTED).protocol).toBeUndefined();
    expect(validateServerHandshake(response, { key: RFC_KEY }).protocol).toBeUndefined();
    expect(validateServerHandshake(responseWith('Sec-WebSocket-Protocol', 'Sec-WebSocket-Protocol:'), { key: RFC_KEY }).protocol).toBeUndefined();
  });

  it('compares Upgrade case-insensitively, finds upgrade in a Connection list, and trims the accept value', () => {
    const response = head(
      'HTTP/1.1 101 Web Socket Protocol Handshake',
      'upgrade: WebSocket',
      'connection: keep-alive, UPGRADE',
      `sec-websocket-accept:   ${RFC_ACCEPT} \t`,
    );
    expect(validateServerHandshake(response, { key: RFC_KEY }).protocol).toBeUndefined();
  });

  it('accepts a status line without a reason phrase', () => {
    const response = RFC_RESPONSE.replace('101 Switching Protocols', '101');
    expect(validateServerHandshake(response, RFC_EXPECTED).protocol).toBe('chat');
  });

  it('parses the accepted extensions', () => {
    const response = responseWith(
      'Sec-WebSocket-Extensions',
      'Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_max_window_bits=10',
    );
    expect(validateServerHandshake(response, RFC_EXPECTED).extensions).toEqual([
      { name: 'permessage-deflate', params: { server_no_context_takeover: true, client_max_window_bits: '10' } },
    ]);
    expect(
      validateServerHandshake(response, { ...RFC_EXPECTED, extensions: 'permessage-deflate; client_max_window_bits' })
        .extensions,
    ).toHaveLength(1);
  });

  it('throws a TypeError when the expectation has no key, or bytes follow the head', () => {
    expect(() => validateServerHandshake(RFC_RESPONSE, {} as { key: string })).toThrow(TypeError);
    expect(() => validateServerHandshake(`${RFC_RESPONSE}\u0081`, RFC_EXPECTED)).toThrow(TypeError);
  });
});

// Every rejection class on the client side: [why, response, expected, status, code, message]
const RESPONSE_REJECTIONS: Array<[string, string, Parameters<typeof validateServerHandshake>[1], number, string, RegExp]> = [
  ['a 403 Forbidden', head('HTTP/1.1 403 Forbidden', 'Content-Length: 0'), RFC_EXPECTED, 403, 'UNEXPECTED_STATUS', /the server answered 403 Forbidden, expected 101/],
  ['a 426 with Sec-WebSocket-Version', head('HTTP/1.1 426 Upgrade Required', 'Sec-WebSocket-Version: 13'), RFC_EXPECTED, 426, 'UNEXPECTED_STATUS', /answered 426 Upgrade Required/],
  ['a 200 OK', head('HTTP/1.1 200 OK'), RFC_EXPECTED, 200, 'UNEXPECTED_STATUS', /answered 200 OK/],
  ['a redirect', head('HTTP/1.1 302 Found', 'Location: ws://b/'), RFC_EXPECTED, 302, 'UNEXPECTED_STATUS', /answered 302/],
  ['a 101 over HTTP/1.0', RFC_RESPONSE.replace('HTTP/1.1', 'HTTP/1.0'), RFC_EXPECTED, 502, 'INVALID_STATUS_LINE', /must be HTTP\/1.1 or later/],
  ['a four-digit status', RFC_RESPONSE.replace('101', '1010'), RFC_EXPECTED, 502, 'INVALID_STATUS_LINE', /is not "HTTP\/1.1 <status> <reason>"/],
  ['a status of 600', RFC_RESPONSE.replace('101', '600'), RFC_EXPECTED, 502, 'INVALID_STATUS_LINE', /status line/],
  ['a non-numeric status', RFC_RESPONSE.replace('101', 'abc'), RFC_EXPECTED, 502, 'INVALID_STATUS_LINE', /status line/],
  ['two spaces before the status', RFC_RESPONSE.replace(' 101', '  101'), RFC_EXPECTED, 502, 'INVALID_STATUS_LINE', /status line/],
  ['another protocol', RFC_RESPONSE.replace('HTTP/1.1', 'ICY'), RFC_EXPECTED, 502, 'INVALID_STATUS_LINE', /status line/],
  ['an empty first line', `\r\n${RFC_RESPONSE}`, RFC_EXPECTED, 502, 'INVALID_STATUS_LINE', /the first line is empty/],
  ['a NUL in the status line', RFC_RESPONSE.replace('Switching', 'Swi\u0000tching'), RFC_EXPECTED, 502, 'INVALID_STATUS_LINE', /control character 0x00/],
  ['a head without its empty line', RFC_RESPONSE.slice(0, -2), RFC_EXPECTED, 502, 'INCOMPLETE_HEAD', /does not end with an empty line/],
  ['a header line without a colon', responseWith('Connection', 'Connection Upgrade'), RFC_EXPECTED, 502, 'INVALID_HEADER', /line 3 has no colon/],
  ['a NUL in a header value', responseWith('Connection', 'Connection: Up\u0000grade'), RFC_EXPECTED, 502, 'INVALID_HEADER', /control character 0x00/],
  ['an obs-fold line', responseWith('Connection', 'Connection: keep-alive,', ' Upgrade'), RFC_EXPECTED, 502, 'OBS_FOLD', /line 4 starts with whitespace/],
  ['two Sec-WebSocket-Accept headers', responseWith('Sec-WebSocket-Accept', `Sec-WebSocket-Accept: ${RFC_ACCEPT}`, `Sec-WebSocket-Accept: ${RFC_ACCEPT}`), RFC_EXPECTED, 502, 'DUPLICATE_HEADER', /sec-websocket-accept appears twice/],
  ['two Sec-WebSocket-Protocol headers', responseWith('Sec-WebSocket-Protocol', 'Sec-WebSocket-Protocol: chat', 'Sec-WebSocket-Protocol: superchat'), RFC_EXPECTED, 502, 'DUPLICATE_HEADER', /sec-websocket-protocol appears twice/],
  ['two Sec-WebSocket-Extensions headers (RFC 6455 §11.3.2)', responseWith('Sec-WebSocket-Extensions', 'Sec-WebSocket-Extensions: x', 'Sec-WebSocket-Extensions: y'), RFC_EXPECTED, 502, 'DUPLICATE_HEADER', /sec-websocket-extensions appears twice/],
  ['a Sec-WebSocket-Protocol of commas only', responseWith('Sec-WebSocket-Protocol', 'Sec-WebSocket-Protocol: ,'), RFC_EXPECTED, 502, 'INVALID_PROTOCOL', /lists no subprotocol/],
  ['no Upgrade', responseWith('Upgrade'), RFC_EXPECTED, 502, 'INVALID_UPGRADE', /expected Upgrade: websocket, got none/],
  ['an Upgrade to another protocol', responseWith('Upgrade', 'Upgrade: h2c'), RFC_EXPECTED, 502, 'INVALID_UPGRADE', /got "h2c"/],
  ['an Upgrade list (the client needs exactly websocket)', responseWith('Upgrade', 'Upgrade: websocket, h2c'), RFC_EXPECTED, 502, 'INVALID_UPGRADE', /got "websocket, h2c"/],
  ['no Connection', responseWith('Connection'), RFC_EXPECTED, 502, 'INVALID_CONNECTION', /expected Connection to list upgrade, got none/],
  ['Connection: keep-alive', responseWith('Connection', 'Connection: keep-alive'), RFC_EXPECTED, 502, 'INVALID_CONNECTION', /got "keep-alive"/],
  ['no Sec-WebSocket-Accept', responseWith('Sec-WebSocket-Accept'), RFC_EXPECTED, 502, 'MISSING_ACCEPT', /Sec-WebSocket-Accept is missing/],
  ['the accept value of another key', responseWith('Sec-WebSocket-Accept', 'Sec-WebSocket-Accept: HSmrc0sMlYUkAGmm5OPpG2HaGWk='), RFC_EXPECTED, 502, 'INVALID_ACCEPT', /does not match the key sent/],
  ['the accept value in another case', responseWith('Sec-WebSocket-Accept', `Sec-WebSocket-Accept: ${RFC_ACCEPT.toLowerCase()}`), RFC_EXPECTED, 502, 'INVALID_ACCEPT', /does not match/],
  ['the key echoed as accept value', responseWith('Sec-WebSocket-Accept', `Sec-WebSocket-Accept: ${RFC_KEY}`), RFC_EXPECTED, 502, 'INVALID_ACCEPT', /does not match/],
  ['an empty accept value', responseWith('Sec-WebSocket-Accept', 'Sec-WebSocket-Accept:'), RFC_EXPECTED, 502, 'INVALID_ACCEPT', /does not match/],
  ['a subprotocol that was not offered', responseWith('Sec-WebSocket-Protocol', 'Sec-WebSocket-Protocol: mqtt'), RFC_EXPECTED, 502, 'UNEXPECTED_PROTOCOL', /the subprotocol "mqtt", which was not offered/],
  ['a subprotocol when none was offered', RFC_RESPONSE, { key: RFC_KEY }, 502, 'UNEXPECTED_PROTOCOL', /"chat", which was not offered/],
  ['two subprotocols in one header', responseWith('Sec-WebSocket-Protocol', 'Sec-WebSocket-Protocol: chat, superchat'), RFC_EXPECTED, 502, 'UNEXPECTED_PROTOCOL', /"chat, superchat"/],
  ['a subprotocol differing in case from the offer', responseWith('Sec-WebSocket-Protocol', 'Sec-WebSocket-Protocol: Chat'), RFC_EXPECTED, 502, 'UNEXPECTED_PROTOCOL', /"Chat"/],
  ['a subprotocol that is not a token', responseWith('Sec-WebSocket-Protocol', 'Sec-WebSocket-Protocol: ch at'), RFC_EXPECTED, 502, 'INVALID_PROTOCOL', /"ch at" is not an RFC 7230 token/],
  ['malformed extensions', responseWith('Sec-WebSocket-Extensions', 'Sec-WebSocket-Extensions: permessage-deflate; a='), RFC_EXPECTED, 502, 'INVALID_EXTENSIONS', /expected a parameter value/],
  ['a quoted extension value that is not a token (RFC 6455 §9.1)', responseWith('Sec-WebSocket-Extensions', 'Sec-WebSocket-Extensions: x; a="b c"'), RFC_EXPECTED, 502, 'INVALID_EXTENSIONS', /the quoted value "b c" is not a token/],
  ['an extension that was not offered', responseWith('Sec-WebSocket-Extensions', 'Sec-WebSocket-Extensions: x-foo'), { ...RFC_EXPECTED, extensions: 'permessage-deflate' }, 502, 'UNEXPECTED_EXTENSION', /the extension x-foo was not offered/],
  ['an extension when none was offered', responseWith('Sec-WebSocket-Extensions', 'Sec-WebSocket-Extensions: permessage-deflate'), { ...RFC_EXPECTED, extensions: '' }, 502, 'UNEXPECTED_EXTENSION', /permessage-deflate was not offered/],
];

describe('validateServerHandshake rejections', () => {
  for (const [why, response, expected, status, code, message] of RESPONSE_REJECTIONS) {
    it(`rejects ${why} with ${status} ${code}`, () => {
      const error = expectHandshakeError(() => validateServerHandshake(response, expected), status, code);
      expect(error.message).toMatch(message);
      expect(() => validateServerHandshake(bytesOf(response), expected)).toThrow(error.message);
    });
  }

  it('has a rejection test for every client-side code in HANDSHAKE_ERRORS but the reader’s', () => {
    const tested = new Set(RESPONSE_REJECTIONS.map(([, , , , code]) => code));
    const clientCodes = Object.entries(HANDSHAKE_ERRORS)
      .filter(([code, entry]) => entry.side !== 'server' && code !== 'HEAD_TOO_LARGE' && !('connection' in entry))
      .map(([code]) => code);
    expect(clientCodes.filter((code) => !tested.has(code))).toEqual([]);
  });
});
