import { describe, expect, it } from 'vitest';
import { HandshakeError } from '../src/base/errors.ts';
import { HANDSHAKE_ERRORS } from '../src/handshake/error-codes.ts';
import { createHandshakeRejection, createServerHandshake, parseClientHandshake } from '../src/handshake/server.ts';
import {
  bytesOf,
  expectHandshakeError,
  head,
  RFC_ACCEPT,
  RFC_KEY,
  RFC_REQUEST_LINES,
  RFC_RESPONSE_LINES,
  requestWith,
  textOf,
} from './_handshake.ts';

const RFC_REQUEST = head(...RFC_REQUEST_LINES);

describe('parseClientHandshake', () => {
  it('parses the RFC 6455 §1.2 example request', () => {
    const request = parseClientHandshake(RFC_REQUEST);
    expect({ ...request, headers: undefined }).toEqual({
      method: 'GET',
      resource: '/chat',
      httpVersion: '1.1',
      host: 'server.example.com',
      key: RFC_KEY,
      version: 13,
      protocols: ['chat', 'superchat'],
      extensions: [],
      origin: 'http://example.com',
      headers: undefined,
    });
    expect([...request.headers]).toEqual([
      ['host', 'server.example.com'],
      ['upgrade', 'websocket'],
      ['connection', 'Upgrade'],
      ['sec-websocket-key', RFC_KEY],
      ['origin', 'http://example.com'],
      ['sec-websocket-protocol', 'chat, superchat'],
      ['sec-websocket-version', '13'],
    ]);
  });

  it('parses the same request given as bytes', () => {
    expect(parseClientHandshake(bytesOf(RFC_REQUEST))).toEqual(parseClientHandshake(RFC_REQUEST));
  });

  it('matches header names case-insensitively and the Upgrade value too', () => {
    const request = parseClientHandshake(
      head(
        'GET / HTTP/1.1',
        'hOsT: a',
        'UPGRADE: WebSocket',
        'CONNECTION: UPGRADE',
        `SEC-WEBSOCKET-KEY: ${RFC_KEY}`,
        'sec-websocket-version: 13',
      ),
    );
    expect(request.host).toBe('a');
    expect(request.key).toBe(RFC_KEY);
    expect(request.headers.get('upgrade')).toBe('WebSocket');
  });

  it('accepts Connection: keep-alive, Upgrade (Firefox) and an Upgrade list containing websocket', () => {
    const request = parseClientHandshake(
      requestWith('Connection', 'Connection: keep-alive, Upgrade').replace('Upgrade: websocket', 'Upgrade: h2c, websocket'),
    );
    expect(request.headers.get('connection')).toBe('keep-alive, Upgrade');
  });

  it('combines repeated headers with ", " in order (RFC 7230 §3.2.2)', () => {
    const request = parseClientHandshake(
      requestWith(
        'Sec-WebSocket-Protocol',
        'Sec-WebSocket-Protocol: chat',
        'X-Trace: a',
        'Sec-WebSocket-Protocol: superchat',
        'x-trace: b',
      ).replace('Connection: Upgrade', 'Connection: keep-alive\r\nConnection: Upgrade'),
    );
    expect(request.protocols).toEqual(['chat', 'superchat']);
    expect(request.headers.get('x-trace')).toBe('a, b');
    expect(request.headers.get('connection')).toBe('keep-alive, Upgrade');
  });

  it('parses the offered extensions (Chrome offers permessage-deflate with client_max_window_bits)', () => {
    const request = parseClientHandshake(
      requestWith('Sec-WebSocket-Extensions', 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits'),
    );
    expect(request.extensions).toEqual([{ name: 'permessage-deflate', params: { client_max_window_bits: true } }]);
  });

  it('keeps the query in the resource and exposes a missing Origin as undefined', () => {
    const request = parseClientHandshake(
      requestWith('Origin').replace('GET /chat HTTP/1.1', 'GET /chat?room=1&x=%20 HTTP/1.1'),
    );
    expect(request.resource).toBe('/chat?room=1&x=%20');
    expect(request.origin).toBeUndefined();
    expect(request.protocols).toEqual(['chat', 'superchat']);
  });

  it('returns [] for no subprotocols and no extensions', () => {
    const request = parseClientHandshake(requestWith('Sec-WebSocket-Protocol'));
    expect(request.protocols).toEqual([]);
    expect(request.extensions).toEqual([]);
  });

  it('trims optional whitespace around values and keeps inner whitespace and obs-text bytes', () => {
    const request = parseClientHandshake(
      requestWith('Origin', 'Origin: \t http://ex\u00e9mple.com  \t', 'X-Note:  a  b ', 'X-Empty:'),
    );
    expect(request.origin).toBe('http://ex\u00e9mple.com');
    expect(request.headers.get('x-note')).toBe('a  b');
    expect(request.headers.get('x-empty')).toBe('');
  });

  it('accepts HTTP/1.1 or later and a Content-Length of 0', () => {
    const request = parseClientHandshake(
      requestWith('Content-Length', 'Content-Length: 0').replace('HTTP/1.1', 'HTTP/2.0'),
    );
    expect(request.httpVersion).toBe('2.0');
  });

  it('accepts a Host with a port, an IPv6 literal or an IPv4 address', () => {
    for (const host of ['a.example:8080', '[::1]:9001', '[2001:db8::1]', '127.0.0.1:80', '[::ffff:192.0.2.1]', 'xn--bcher-kva.example', 'a%2Db.example']) {
      expect(parseClientHandshake(requestWith('Host', `Host: ${host}`)).host).toBe(host);
    }
  });

  it('answers an extension parameter quoted around a non-token with 400 INVALID_EXTENSIONS (RFC 6455 §9.1)', () => {
    for (const value of ['foo; a="b c"', 'foo; a=""']) {
      const error = expectHandshakeError(
        () => parseClientHandshake(requestWith('Sec-WebSocket-Extensions', `Sec-WebSocket-Extensions: ${value}`)),
        400,
        'INVALID_EXTENSIONS',
      );
      expect(textOf(createHandshakeRejection(error)).startsWith('HTTP/1.1 400 Bad Request\r\n')).toBe(true);
    }
  });

  it('accepts an absolute-form target (RFC 6455 §4.2.1, RFC 7230 §5.3.2): the resource is its path and query', () => {
    const cases: Array<[string, string]> = [
      ['http://server.example.com/chat', '/chat'],
      ['ws://server.example.com/chat?room=1&x=%20', '/chat?room=1&x=%20'],
      ['WSS://server.example.com:8443/a/b/', '/a/b/'],
      ['https://[::1]:443', '/'],
      ['ws://server.example.com?room=1', '/?room=1'],
      ['HTTP://Server.Example.com', '/'],
    ];
    for (const [target, resource] of cases) {
      const request = parseClientHandshake(RFC_REQUEST.replace('/chat', target));
      expect(request.resource, target).toBe(resource);
      expect(request.host).toBe('server.example.com');
    }
  });

  it('throws a TypeError when bytes follow the empty line that ends the head', () => {
    expect(() => parseClientHandshake(`${RFC_REQUEST}\u0081\u0080`)).toThrow(TypeError);
    expect(() => parseClientHandshake(`${RFC_REQUEST}x`)).toThrow(/1 bytes follow the empty line/);
  });

  it('throws a TypeError for a string with a character above U+00FF, and for other input types', () => {
    expect(() => parseClientHandshake(RFC_REQUEST.replace('chat,', 'ch\u20acat,'))).toThrow(TypeError);
    expect(() => parseClientHandshake(42 as unknown as string)).toThrow(TypeError);
  });
});

// Every rejection class: [why, request, status, code, message]
export const REQUEST_REJECTIONS: Array<[string, string, number, string, RegExp]> = [
  ['an empty request', '', 400, 'INCOMPLETE_HEAD', /does not end with an empty line/],
  ['a head without its final empty line', RFC_REQUEST.slice(0, -2), 400, 'INCOMPLETE_HEAD', /does not end/],
  ['a head cut after a CR', RFC_REQUEST.slice(0, -1), 400, 'INCOMPLETE_HEAD', /does not end/],
  ['a head cut inside a header', RFC_REQUEST.slice(0, 40), 400, 'INCOMPLETE_HEAD', /does not end/],
  ['a head cut inside a header name', 'GET / HTTP/1.1\r\nHos', 400, 'INCOMPLETE_HEAD', /does not end/],
  ['a request line only', 'GET / HTTP/1.1\r\n', 400, 'INCOMPLETE_HEAD', /does not end/],
  ['an empty line first', `\r\n${RFC_REQUEST}`, 400, 'INVALID_REQUEST_LINE', /the first line is empty/],
  ['two spaces after the method', RFC_REQUEST.replace('GET ', 'GET  '), 400, 'INVALID_REQUEST_LINE', /is not "GET \/resource HTTP\/1.1"/],
  ['a request line without a version', RFC_REQUEST.replace(' HTTP/1.1', ''), 400, 'INVALID_REQUEST_LINE', /request line/],
  ['a target without a leading slash', RFC_REQUEST.replace('/chat', 'chat'), 400, 'INVALID_REQUEST_LINE', /request line/],
  // RFC 7230 §5.3.3, §5.3.4: authority-form is for CONNECT, asterisk-form for OPTIONS.
  ['an authority-form target', RFC_REQUEST.replace('/chat', 'server.example.com:80'), 400, 'INVALID_REQUEST_LINE', /request line/],
  ['an asterisk-form target', RFC_REQUEST.replace('/chat', '*'), 400, 'INVALID_REQUEST_LINE', /request line/],
  ['an absolute-form target of another scheme', RFC_REQUEST.replace('/chat', 'ftp://a/chat'), 400, 'INVALID_REQUEST_LINE', /or "GET ws:\/\/host\/resource HTTP\/1.1"/],
  ['an absolute-form target without //', RFC_REQUEST.replace('/chat', 'http:/chat'), 400, 'INVALID_REQUEST_LINE', /request line/],
  ['an absolute-form target with an empty host (RFC 7230 §2.7.1)', RFC_REQUEST.replace('/chat', 'http:///chat'), 400, 'INVALID_REQUEST_LINE', /request line/],
  ['an absolute-form target with userinfo (RFC 7230 §2.7.1)', RFC_REQUEST.replace('/chat', 'ws://user@a/chat'), 400, 'INVALID_REQUEST_LINE', /request line/],
  ['an absolute-form target with a bad port', RFC_REQUEST.replace('/chat', 'ws://a:8x/chat'), 400, 'INVALID_REQUEST_LINE', /request line/],
  ['a fragment in an origin-form target (RFC 6455 §3)', RFC_REQUEST.replace('/chat', '/chat#top'), 400, 'INVALID_REQUEST_LINE', /request line/],
  ['a fragment in an absolute-form target', RFC_REQUEST.replace('/chat', 'ws://a/chat#top'), 400, 'INVALID_REQUEST_LINE', /request line/],
  ['a trailing space after the version', RFC_REQUEST.replace('HTTP/1.1', 'HTTP/1.1 '), 400, 'INVALID_REQUEST_LINE', /request line/],
  ['a malformed version', RFC_REQUEST.replace('HTTP/1.1', 'HTTP/11'), 400, 'INVALID_REQUEST_LINE', /request line/],
  ['a version with another protocol name', RFC_REQUEST.replace('HTTP/1.1', 'HTTPS/1.1'), 400, 'INVALID_REQUEST_LINE', /request line/],
  ['a tab inside the target', RFC_REQUEST.replace('/chat', '/ch\tat'), 400, 'INVALID_REQUEST_LINE', /request line/],
  ['a NUL byte in the request line', RFC_REQUEST.replace('/chat', '/ch\u0000at'), 400, 'INVALID_REQUEST_LINE', /control character 0x00 at byte 7/],
  ['a bare LF ending the request line', RFC_REQUEST.replace('HTTP/1.1\r\n', 'HTTP/1.1\n'), 400, 'INVALID_REQUEST_LINE', /control character 0x0a/],
  ['a CR without LF ending the request line', RFC_REQUEST.replace('HTTP/1.1\r\n', 'HTTP/1.1\rX'), 400, 'INVALID_REQUEST_LINE', /line 1 ends with a CR not followed by LF/],
  ['a POST', RFC_REQUEST.replace('GET', 'POST'), 405, 'METHOD_NOT_ALLOWED', /the method must be GET, not POST/],
  ['a lower-case get (methods are case-sensitive)', RFC_REQUEST.replace('GET', 'get'), 405, 'METHOD_NOT_ALLOWED', /not get/],
  ['HTTP/1.0', RFC_REQUEST.replace('HTTP/1.1', 'HTTP/1.0'), 505, 'UNSUPPORTED_HTTP_VERSION', /HTTP\/1.0 cannot upgrade/],
  ['HTTP/0.9', RFC_REQUEST.replace('HTTP/1.1', 'HTTP/0.9'), 505, 'UNSUPPORTED_HTTP_VERSION', /HTTP\/0.9/],
  ['a header line without a colon', requestWith('Origin', 'Origin example.com'), 400, 'INVALID_HEADER', /the header on line 6 has no colon/],
  ['whitespace before the colon', requestWith('Origin', 'Origin : http://example.com'), 400, 'INVALID_HEADER', /line 6 has whitespace before the colon/],
  ['an empty header name', requestWith('Origin', ': http://example.com'), 400, 'INVALID_HEADER', /line 6 has an empty name/],
  ['a header name with a non-token character', requestWith('Origin', 'Ori@gin: x'), 400, 'INVALID_HEADER', /line 6 has the character 0x40 in its name/],
  ['a header name with a non-ASCII byte', requestWith('Origin', 'Or\u00efgin: x'), 400, 'INVALID_HEADER', /character 0xef in its name/],
  ['a NUL byte in a header value', requestWith('Origin', 'Origin: http://exa\u0000mple.com'), 400, 'INVALID_HEADER', /line 6 contains the control character 0x00/],
  ['a DEL byte in a header value', requestWith('Origin', 'Origin: a\u007fb'), 400, 'INVALID_HEADER', /control character 0x7f/],
  ['a bare LF inside a header value', requestWith('Origin', 'Origin: a\nX-Injected: b'), 400, 'INVALID_HEADER', /line 6 contains the control character 0x0a/],
  ['a bare CR inside a header value', requestWith('Origin', 'Origin: a\rb'), 400, 'INVALID_HEADER', /line 6 ends with a CR not followed by LF/],
  ['a header line ending in a bare LF', RFC_REQUEST.replace('Host: server.example.com\r\n', 'Host: server.example.com\n'), 400, 'INVALID_HEADER', /control character 0x0a/],
  ['heads whose lines all end in bare LF', RFC_REQUEST.replaceAll('\r\n', '\n'), 400, 'INVALID_REQUEST_LINE', /control character 0x0a/],
  ['an empty line made of a bare LF', RFC_REQUEST.replace(/\r\n\r\n$/, '\r\n\n'), 400, 'INVALID_HEADER', /line 9 contains a LF not preceded by CR/],
  ['an obs-fold continuation line', requestWith('Origin', 'Origin: http://example.com', ' continued'), 400, 'OBS_FOLD', /line 7 starts with whitespace/],
  ['a tab-folded continuation line', requestWith('Origin', 'Origin: a', '\tb'), 400, 'OBS_FOLD', /line 7 starts with whitespace/],
  ['whitespace before the first header', RFC_REQUEST.replace('\r\nHost', '\r\n Host'), 400, 'OBS_FOLD', /line 2 starts with whitespace/],
  ['a repeated Sec-WebSocket-Key', requestWith('Sec-WebSocket-Key', `Sec-WebSocket-Key: ${RFC_KEY}`, `sec-websocket-key: ${RFC_KEY}`), 400, 'DUPLICATE_HEADER', /the header sec-websocket-key appears twice \(again on line 6\)/],
  ['a repeated Host', requestWith('Host', 'Host: a', 'Host: b'), 400, 'DUPLICATE_HEADER', /host appears twice/],
  ['a repeated Sec-WebSocket-Version', requestWith('Sec-WebSocket-Version', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Version: 13'), 400, 'DUPLICATE_HEADER', /sec-websocket-version appears twice/],
  ['no Host', requestWith('Host'), 400, 'MISSING_HOST', /the Host header is missing/],
  ['an empty Host', requestWith('Host', 'Host: '), 400, 'INVALID_HOST', /is not host\[:port\]/],
  ['a Host with a space', requestWith('Host', 'Host: a b'), 400, 'INVALID_HOST', /host\[:port\]/],
  ['a Host with only a port', requestWith('Host', 'Host: :80'), 400, 'INVALID_HOST', /host\[:port\]/],
  ['a Host with an empty port', requestWith('Host', 'Host: a:'), 400, 'INVALID_HOST', /host\[:port\]/],
  ['a Host with a non-numeric port', requestWith('Host', 'Host: a:8x'), 400, 'INVALID_HOST', /host\[:port\]/],
  ['a Host with an unclosed IPv6 literal', requestWith('Host', 'Host: [::1'), 400, 'INVALID_HOST', /host\[:port\]/],
  ['a Host with a path', requestWith('Host', 'Host: a/b'), 400, 'INVALID_HOST', /host\[:port\]/],
  ['a Host with a bracketed literal that is not IPv6', requestWith('Host', 'Host: [1]'), 400, 'INVALID_HOST', /host\[:port\]/],
  ['a Host with an IPv6 literal of 9 groups', requestWith('Host', 'Host: [1:2:3:4:5:6:7:8:9]:80'), 400, 'INVALID_HOST', /host\[:port\]/],
  ['a Host with an IPvFuture literal', requestWith('Host', 'Host: [v1.x]'), 400, 'INVALID_HOST', /host\[:port\]/],
  ['a Host with a % not followed by two hex digits', requestWith('Host', 'Host: a%2'), 400, 'INVALID_HOST', /host\[:port\]/],
  ['a Host with %zz', requestWith('Host', 'Host: a%zzb'), 400, 'INVALID_HOST', /host\[:port\]/],
  ['an empty Sec-WebSocket-Protocol (RFC 6455 §4.3: 1#token)', requestWith('Sec-WebSocket-Protocol', 'Sec-WebSocket-Protocol: '), 400, 'INVALID_PROTOCOL', /lists no subprotocol/],
  ['a Sec-WebSocket-Protocol of commas only', requestWith('Sec-WebSocket-Protocol', 'Sec-WebSocket-Protocol: , ,'), 400, 'INVALID_PROTOCOL', /lists no subprotocol/],
  ['an empty Sec-WebSocket-Extensions (RFC 6455 §9.1: 1#extension)', requestWith('Sec-WebSocket-Extensions', 'Sec-WebSocket-Extensions: '), 400, 'INVALID_EXTENSIONS', /lists no extension/],
  ['a Sec-WebSocket-Extensions of commas only', requestWith('Sec-WebSocket-Extensions', 'Sec-WebSocket-Extensions: ,'), 400, 'INVALID_EXTENSIONS', /lists no extension/],
  ['a Content-Length body', requestWith('Content-Length', 'Content-Length: 5'), 400, 'UNEXPECTED_BODY', /must not have a body/],
  ['a chunked body', requestWith('Transfer-Encoding', 'Transfer-Encoding: chunked'), 400, 'UNEXPECTED_BODY', /must not have a body/],
  ['no Upgrade', requestWith('Upgrade'), 400, 'INVALID_UPGRADE', /the Upgrade header does not list websocket/],
  ['an Upgrade to another protocol', requestWith('Upgrade', 'Upgrade: h2c'), 400, 'INVALID_UPGRADE', /does not list websocket/],
  ['an Upgrade to websocket2', requestWith('Upgrade', 'Upgrade: websocket2'), 400, 'INVALID_UPGRADE', /does not list websocket/],
  ['no Connection', requestWith('Connection'), 400, 'INVALID_CONNECTION', /the Connection header does not list upgrade/],
  ['Connection: keep-alive', requestWith('Connection', 'Connection: keep-alive'), 400, 'INVALID_CONNECTION', /does not list upgrade/],
  ['Connection: upgraded', requestWith('Connection', 'Connection: upgraded'), 400, 'INVALID_CONNECTION', /does not list upgrade/],
  ['no Sec-WebSocket-Version', requestWith('Sec-WebSocket-Version'), 400, 'MISSING_VERSION', /Sec-WebSocket-Version header is missing/],
  ['Sec-WebSocket-Version: 8', requestWith('Sec-WebSocket-Version', 'Sec-WebSocket-Version: 8'), 426, 'UNSUPPORTED_VERSION', /Sec-WebSocket-Version "8" is not supported, only 13/],
  ['Sec-WebSocket-Version: 14', requestWith('Sec-WebSocket-Version', 'Sec-WebSocket-Version: 14'), 426, 'UNSUPPORTED_VERSION', /"14"/],
  ['a version list 13, 8', requestWith('Sec-WebSocket-Version', 'Sec-WebSocket-Version: 13, 8'), 426, 'UNSUPPORTED_VERSION', /"13, 8"/],
  ['an empty version', requestWith('Sec-WebSocket-Version', 'Sec-WebSocket-Version:'), 426, 'UNSUPPORTED_VERSION', /""/],
  ['no Sec-WebSocket-Key', requestWith('Sec-WebSocket-Key'), 400, 'MISSING_KEY', /the Sec-WebSocket-Key header is missing/],
  ['a key of 15 bytes', requestWith('Sec-WebSocket-Key', 'Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAA'), 400, 'INVALID_KEY', /is not base64 of 16 bytes/],
  ['a key of 17 bytes', requestWith('Sec-WebSocket-Key', 'Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAAA='), 400, 'INVALID_KEY', /16 bytes/],
  ['a non-canonical key', requestWith('Sec-WebSocket-Key', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZR=='), 400, 'INVALID_KEY', /16 bytes/],
  ['a key that is not base64', requestWith('Sec-WebSocket-Key', 'Sec-WebSocket-Key: !!!!!!!!!!!!!!!!!!!!!!=='), 400, 'INVALID_KEY', /16 bytes/],
  ['an empty key', requestWith('Sec-WebSocket-Key', 'Sec-WebSocket-Key:'), 400, 'INVALID_KEY', /16 bytes/],
  ['a subprotocol offered twice', requestWith('Sec-WebSocket-Protocol', 'Sec-WebSocket-Protocol: chat, chat'), 400, 'INVALID_PROTOCOL', /the subprotocol chat is offered twice/],
  ['a subprotocol with a space', requestWith('Sec-WebSocket-Protocol', 'Sec-WebSocket-Protocol: ch at'), 400, 'INVALID_PROTOCOL', /"ch at" is not an RFC 7230 token/],
  ['a subprotocol with a separator', requestWith('Sec-WebSocket-Protocol', 'Sec-WebSocket-Protocol: chat;v=1'), 400, 'INVALID_PROTOCOL', /not an RFC 7230 token/],
  ['malformed extensions', requestWith('Sec-WebSocket-Extensions', 'Sec-WebSocket-Extensions: permessage-deflate;'), 400, 'INVALID_EXTENSIONS', /expected a parameter name/],
];

describe('parseClientHandshake rejections', () => {
  for (const [why, request, status, code, message] of REQUEST_REJECTIONS) {
    it(`rejects ${why} with ${status} ${code}`, () => {
      const error = expectHandshakeError(() => parseClientHandshake(request), status, code);
      expect(error.message).toMatch(message);
      expect(() => parseClientHandshake(bytesOf(request))).toThrow(error.message);
    });
  }

  it('has a rejection test for every server-side code in HANDSHAKE_ERRORS but the reader’s', () => {
    const tested = new Set(REQUEST_REJECTIONS.map(([, , , code]) => code));
    const serverCodes = Object.entries(HANDSHAKE_ERRORS)
      .filter(([code, entry]) => entry.side !== 'client' && code !== 'HEAD_TOO_LARGE' && !('connection' in entry))
      .map(([code]) => code);
    expect(serverCodes.filter((code) => !tested.has(code))).toEqual([]);
  });

  it('rejects with the status the table gives each code', () => {
    for (const [, , status, code] of REQUEST_REJECTIONS) {
      expect(HANDSHAKE_ERRORS[code as keyof typeof HANDSHAKE_ERRORS].status, code).toBe(status);
    }
  });
});

describe('createServerHandshake', () => {
  it('answers the RFC 6455 §1.2 request with the RFC example response, byte for byte', () => {
    const response = createServerHandshake(parseClientHandshake(RFC_REQUEST), { protocol: 'chat' });
    expect(textOf(response)).toBe(head(...RFC_RESPONSE_LINES));
  });

  it('writes no Sec-WebSocket-Protocol when no protocol is selected', () => {
    const response = textOf(createServerHandshake(parseClientHandshake(RFC_REQUEST)));
    expect(response).toBe(head(...RFC_RESPONSE_LINES.slice(0, 4)));
  });

  it('writes accepted extensions, then extra headers in order', () => {
    const request = parseClientHandshake(
      requestWith('Sec-WebSocket-Extensions', 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, x-foo'),
    );
    const response = textOf(
      createServerHandshake(request, {
        extensions: 'permessage-deflate; client_max_window_bits=15',
        headers: { 'Set-Cookie': 'id=1', 'X-Server': 'wsframe' },
      }),
    );
    expect(response).toBe(
      head(
        ...RFC_RESPONSE_LINES.slice(0, 4),
        'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=15',
        'Set-Cookie: id=1',
        'X-Server: wsframe',
      ),
    );
  });

  it('writes no Sec-WebSocket-Extensions for an empty extensions value', () => {
    const response = textOf(createServerHandshake(parseClientHandshake(RFC_REQUEST), { extensions: '' }));
    expect(response).not.toContain('Extensions');
  });

  it('accepts a minimal request object with only key, protocols and extensions', () => {
    const response = createServerHandshake({ key: RFC_KEY, protocols: [], extensions: [] });
    expect(textOf(response)).toContain(`Sec-WebSocket-Accept: ${RFC_ACCEPT}\r\n`);
  });

  it('refuses a protocol the client did not offer with a RangeError', () => {
    const request = parseClientHandshake(RFC_REQUEST);
    expect(() => createServerHandshake(request, { protocol: 'mqtt' })).toThrow(RangeError);
    expect(() => createServerHandshake(request, { protocol: 'mqtt' })).toThrow(/the subprotocol "mqtt" was not offered/);
    const none = parseClientHandshake(requestWith('Sec-WebSocket-Protocol'));
    expect(() => createServerHandshake(none, { protocol: 'chat' })).toThrow(RangeError);
  });

  it('refuses an extension the client did not offer with a RangeError', () => {
    const request = parseClientHandshake(RFC_REQUEST);
    expect(() => createServerHandshake(request, { extensions: 'permessage-deflate' })).toThrow(RangeError);
    expect(() => createServerHandshake(request, { extensions: 'permessage-deflate' })).toThrow(
      /the extension permessage-deflate was not offered/,
    );
  });

  it('refuses an extensions value that does not parse with a SyntaxError', () => {
    const request = parseClientHandshake(RFC_REQUEST);
    expect(() => createServerHandshake(request, { extensions: 'a;' })).toThrow(SyntaxError);
  });

  it('refuses header injection and invalid or reserved extra headers with a TypeError', () => {
    const request = parseClientHandshake(RFC_REQUEST);
    const cases: Array<[Parameters<typeof createServerHandshake>[1], RegExp]> = [
      [{ headers: { 'X-A': 'a\r\nX-Injected: b' } }, /the value of X-A contains CR at index 1/],
      [{ headers: { 'X-A': 'a\nb' } }, /contains LF/],
      [{ headers: { 'X A': 'a' } }, /header name "X A" is not an RFC 7230 token/],
      [{ headers: { 'Sec-WebSocket-Accept': 'x' } }, /the Sec-WebSocket-Accept header is written by the handshake itself/],
      [{ headers: { connection: 'close' } }, /the connection header is written by the handshake itself/],
      [{ headers: { 'X-A': 1 as unknown as string } }, /must be a string/],
      [{ extensions: 'x\r\n' }, /contains CR/],
    ];
    for (const [options, message] of cases) {
      expect(() => createServerHandshake(request, options)).toThrow(TypeError);
      expect(() => createServerHandshake(request, options)).toThrow(message);
    }
  });

  it('refuses a subprotocol that is not a token with a TypeError, even when the request lists it (injection)', () => {
    const request = { key: RFC_KEY, protocols: ['chat\r\nSet-Cookie: session=evil', '', 'a b'], extensions: [] };
    for (const protocol of ['chat\r\nSet-Cookie: session=evil', '', 'a b']) {
      expect(() => createServerHandshake(request, { protocol })).toThrow(TypeError);
      expect(() => createServerHandshake(request, { protocol })).toThrow(/is not an RFC 7230 token/);
    }
    expect(() => createServerHandshake(request, { protocol: 42 as unknown as string })).toThrow(TypeError);
  });

  it('checks the offer with Array.includes, not String.includes, when a caller builds the request', () => {
    const request = { key: RFC_KEY, protocols: 'chat, superchat' as unknown as string[], extensions: [] };
    expect(() => createServerHandshake(request, { protocol: 'at' })).toThrow(RangeError);
  });

  it('refuses extra headers that frame a body or that begin or end with whitespace, with a TypeError', () => {
    const request = parseClientHandshake(RFC_REQUEST);
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ 'Content-Length': '5' }, /the Content-Length header would frame a body/],
      [{ 'transfer-encoding': 'chunked' }, /the transfer-encoding header would frame a body/],
      [{ 'X-A': ' a' }, /the value of X-A begins or ends with whitespace/],
      [{ 'X-A': 'a\t' }, /begins or ends with whitespace/],
    ];
    for (const [headers, message] of cases) {
      expect(() => createServerHandshake(request, { headers })).toThrow(TypeError);
      expect(() => createServerHandshake(request, { headers })).toThrow(message);
    }
    expect(textOf(createServerHandshake(request, { headers: { 'X-A': 'a \t b', 'X-Empty': '' } }))).toContain(
      'X-A: a \t b\r\nX-Empty: \r\n\r\n',
    );
  });

  it('refuses an extensions answer with a quoted value that is not a token (RFC 6455 §9.1) with a SyntaxError', () => {
    const request = parseClientHandshake(requestWith('Sec-WebSocket-Protocol', 'Sec-WebSocket-Extensions: x'));
    expect(() => createServerHandshake(request, { extensions: 'x; a="b c"' })).toThrow(SyntaxError);
    expect(() => createServerHandshake(request, { extensions: 'x; a=""' })).toThrow(SyntaxError);
    expect(textOf(createServerHandshake(request, { extensions: 'x; a="b"' }))).toContain('Sec-WebSocket-Extensions: x; a="b"\r\n');
  });

  it('refuses a request without a valid key with a TypeError', () => {
    expect(() => createServerHandshake({ key: 'nope', protocols: [], extensions: [] })).toThrow(TypeError);
    expect(() => createServerHandshake(undefined as never)).toThrow(TypeError);
  });
});

function responseOf(error: HandshakeError, options?: Parameters<typeof createHandshakeRejection>[1]) {
  const text = new TextDecoder().decode(createHandshakeRejection(error, options));
  const end = text.indexOf('\r\n\r\n');
  const [statusLine, ...fields] = text.slice(0, end).split('\r\n');
  return { statusLine, fields, body: text.slice(end + 4), text };
}

describe('createHandshakeRejection', () => {
  it('answers an unsupported version with 426 carrying Sec-WebSocket-Version: 13 (RFC 6455 §4.4)', () => {
    const error = expectHandshakeError(
      () => parseClientHandshake(requestWith('Sec-WebSocket-Version', 'Sec-WebSocket-Version: 25')),
      426,
      'UNSUPPORTED_VERSION',
    );
    const { statusLine, fields, body } = responseOf(error);
    expect(statusLine).toBe('HTTP/1.1 426 Upgrade Required');
    expect(fields).toContain('Sec-WebSocket-Version: 13');
    expect(fields).toContain('Upgrade: websocket');
    expect(fields).toContain('Connection: Upgrade, close');
    expect(body).toBe(`${error.message}\n`);
  });

  it('answers a bad request with 400, Connection: close and a text body of the message', () => {
    const error = expectHandshakeError(() => parseClientHandshake(requestWith('Sec-WebSocket-Key')), 400, 'MISSING_KEY');
    const { statusLine, fields, body } = responseOf(error);
    expect(statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(fields).toEqual([
      'Connection: close',
      'Content-Type: text/plain; charset=utf-8',
      `Content-Length: ${body.length}`,
    ]);
    expect(body).toBe('Cannot accept handshake: the Sec-WebSocket-Key header is missing\n');
  });

  it('answers a wrong method with 405 and Allow: GET', () => {
    const error = expectHandshakeError(() => parseClientHandshake(RFC_REQUEST.replace('GET', 'PUT')), 405, 'METHOD_NOT_ALLOWED');
    const { statusLine, fields } = responseOf(error);
    expect(statusLine).toBe('HTTP/1.1 405 Method Not Allowed');
    expect(fields).toContain('Allow: GET');
  });

  it('writes the reason phrase of each handshake status', () => {
    const phrases: Array<[number, string]> = [
      [400, 'Bad Request'],
      [403, 'Forbidden'],
      [431, 'Request Header Fields Too Large'],
      [502, 'Bad Gateway'],
      [505, 'HTTP Version Not Supported'],
      [418, 'Client Error'],
      [599, 'Server Error'],
    ];
    for (const [status, phrase] of phrases) {
      expect(responseOf(new HandshakeError('X', status, 'm')).statusLine).toBe(`HTTP/1.1 ${status} ${phrase}`);
    }
  });

  it('counts Content-Length in UTF-8 bytes', () => {
    const response = createHandshakeRejection(new HandshakeError('FORBIDDEN_ORIGIN', 403, 'Origin \u00e9 refused'));
    const text = textOf(response);
    const body = response.subarray(text.indexOf('\r\n\r\n') + 4);
    expect(text).toContain(`Content-Length: ${body.length}\r\n`);
    expect(body.length).toBe('Origin \u00e9 refused\n'.length + 1);
  });

  it('adds extra headers after its own', () => {
    const { fields } = responseOf(new HandshakeError('X', 403, 'no'), { headers: { 'Access-Control-Allow-Origin': '*' } });
    expect(fields.at(-1)).toBe('Access-Control-Allow-Origin: *');
  });

  it('refuses extra headers that repeat one it writes for the status, frame a body, or inject, with a TypeError', () => {
    const cases: Array<[number, Record<string, string>, RegExp]> = [
      [426, { Upgrade: 'h2c' }, /the Upgrade header is written by the handshake itself/],
      [426, { 'sec-websocket-version': '8' }, /the sec-websocket-version header is written/],
      [405, { Allow: 'GET, POST' }, /the Allow header is written/],
      [400, { 'Content-Type': 'text/html' }, /the Content-Type header is written/],
      [400, { 'Transfer-Encoding': 'chunked' }, /the Transfer-Encoding header would frame a body/],
      [403, { 'X-Reason': 'no\r\nSet-Cookie: session=evil' }, /the value of X-Reason contains CR at index 2/],
      [403, { 'X\r\nA': 'b' }, /header name "X\\r\\nA" is not an RFC 7230 token/],
    ];
    for (const [status, headers, message] of cases) {
      const reject = () => createHandshakeRejection(new HandshakeError('X', status, 'm'), { headers });
      expect(reject).toThrow(TypeError);
      expect(reject).toThrow(message);
    }
    // Upgrade and Allow are the caller's to add for other statuses.
    expect(responseOf(new HandshakeError('X', 400, 'm'), { headers: { Allow: 'GET' } }).fields).toContain('Allow: GET');
  });

  it('keeps CR LF in the error message inside the counted body, where it cannot start a header', () => {
    const message = 'no\r\nSet-Cookie: session=evil\r\n\r\nHTTP/1.1 200 OK';
    const { fields, body, text } = responseOf(new HandshakeError('X', 403, message));
    expect(fields).toEqual(['Connection: close', 'Content-Type: text/plain; charset=utf-8', `Content-Length: ${message.length + 1}`]);
    expect(body).toBe(`${message}\n`);
    expect(text.indexOf('\r\n\r\n')).toBe(text.indexOf(`Content-Length: ${message.length + 1}`) + `Content-Length: ${message.length + 1}`.length);
  });

  it('refuses a status outside 400-599 with a RangeError and a missing status with a TypeError', () => {
    for (const status of [101, 200, 399, 600, 400.5, Number.NaN]) {
      expect(() => createHandshakeRejection(new HandshakeError('X', status, 'm')), String(status)).toThrow(RangeError);
    }
    expect(() => createHandshakeRejection({} as HandshakeError)).toThrow(TypeError);
    expect(() => createHandshakeRejection(new HandshakeError('X', 400, 'm'), { headers: { 'Content-Length': '1' } })).toThrow(
      TypeError,
    );
  });

  it('answers every parseClientHandshake rejection with that rejection’s status', () => {
    for (const [, request, status] of REQUEST_REJECTIONS) {
      let error: unknown;
      try {
        parseClientHandshake(request);
      } catch (caught) {
        error = caught;
      }
      expect(responseOf(error as HandshakeError).statusLine.startsWith(`HTTP/1.1 ${status} `)).toBe(true);
    }
  });
});
