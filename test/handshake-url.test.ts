import { describe, expect, it } from 'vitest';
import { formatHostHeader, parseWebSocketUrl } from '../src/handshake/url.ts';

describe('parseWebSocketUrl', () => {
  const VALID: Array<[string, ReturnType<typeof parseWebSocketUrl>]> = [
    ['ws://example.com', { secure: false, host: 'example.com', port: 80, resourceName: '/' }],
    ['wss://example.com', { secure: true, host: 'example.com', port: 443, resourceName: '/' }],
    ['ws://example.com/', { secure: false, host: 'example.com', port: 80, resourceName: '/' }],
    ['ws://example.com:8080/chat', { secure: false, host: 'example.com', port: 8080, resourceName: '/chat' }],
    ['wss://example.com:443/a/b?x=1&y=2', { secure: true, host: 'example.com', port: 443, resourceName: '/a/b?x=1&y=2' }],
    ['ws://example.com?q', { secure: false, host: 'example.com', port: 80, resourceName: '/?q' }],
    ['ws://example.com/?', { secure: false, host: 'example.com', port: 80, resourceName: '/?' }],
    ['WSS://Example.COM/Chat', { secure: true, host: 'example.com', port: 443, resourceName: '/Chat' }],
    ['ws://127.0.0.1:9001', { secure: false, host: '127.0.0.1', port: 9001, resourceName: '/' }],
    ['ws://[::1]:9001/', { secure: false, host: '::1', port: 9001, resourceName: '/' }],
    ['wss://[2001:DB8::7]/x', { secure: true, host: '2001:db8::7', port: 443, resourceName: '/x' }],
    ['ws://[::ffff:192.0.2.1]', { secure: false, host: '::ffff:192.0.2.1', port: 80, resourceName: '/' }],
    ['ws://[1:2:3:4:5:6:7:8]', { secure: false, host: '1:2:3:4:5:6:7:8', port: 80, resourceName: '/' }],
    ['ws://[::]', { secure: false, host: '::', port: 80, resourceName: '/' }],
    ['ws://localhost:65535/%23?a=%20', { secure: false, host: 'localhost', port: 65535, resourceName: '/%23?a=%20' }],
    ['ws://my_host.local~:1/', { secure: false, host: 'my_host.local~', port: 1, resourceName: '/' }],
  ];
  for (const [url, expected] of VALID) {
    it(`parses ${url}`, () => {
      expect(parseWebSocketUrl(url)).toEqual(expected);
    });
  }

  const INVALID: Array<[url: string, why: string, message: RegExp]> = [
    ['http://example.com/', 'an http URL', /the scheme must be ws or wss, not http/],
    ['https://example.com/', 'an https URL', /not https/],
    ['/chat', 'a relative URL', /it is not an absolute URL/],
    ['example.com/chat', 'a URL without a scheme', /it is not an absolute URL/],
    ['//example.com/chat', 'a scheme-relative URL', /it is not an absolute URL/],
    ['', 'the empty string', /it is not an absolute URL/],
    ['ws:/example.com', 'a URL with one slash', /expected \/\/ after ws:/],
    ['ws:example.com', 'a URL without slashes', /expected \/\/ after ws:/],
    ['ws://', 'a URL without a host', /the host is empty/],
    ['ws:///chat', 'a URL with an empty host', /the host is empty/],
    ['ws://:80/', 'a URL with only a port', /the host is empty/],
    ['ws://example.com/#frag', 'a fragment', /fragments are not allowed/],
    ['ws://example.com#', 'an empty fragment', /fragments are not allowed/],
    ['ws://user:pass@example.com/', 'user information', /user information/],
    ['ws://example.com:0/', 'port 0', /the port 0 is outside 1-65535/],
    ['ws://example.com:65536/', 'port 65536', /outside 1-65535/],
    ['ws://example.com:99999999999999999999/', 'an enormous port', /outside 1-65535/],
    ['ws://example.com:/', 'an empty port', /the port is empty/],
    ['ws://example.com:80x/', 'a port with letters', /the port "80x" is not a number/],
    ['ws://example.com:-1/', 'a negative port', /is not a number/],
    ['ws://[::1/', 'an unclosed IPv6 literal', /no closing \]/],
    ['ws://[::g]/', 'an IPv6 literal with a non-hex digit', /\[::g\] is not an IPv6 address/],
    ['ws://[1::2::3]/', 'an IPv6 literal with two ::', /is not an IPv6 address/],
    ['ws://[1:2:3:4:5:6:7]/', 'an IPv6 literal with 7 groups and no ::', /is not an IPv6 address/],
    ['ws://[1:2:3:4:5:6:7:8:9]/', 'an IPv6 literal with 9 groups', /is not an IPv6 address/],
    ['ws://[12345::]/', 'an IPv6 group of 5 digits', /is not an IPv6 address/],
    ['ws://[::1.2.3.256]/', 'an IPv6 literal with a bad IPv4 tail', /is not an IPv6 address/],
    ['ws://[]/', 'an empty IPv6 literal', /is not an IPv6 address/],
    ['ws://[fe80::1%25eth0]/', 'an IPv6 zone identifier', /is not an IPv6 address/],
    ['ws://[::1]x/', 'garbage after an IPv6 literal', /expected : or \/ after the IPv6 address/],
    ['ws://ex ample.com/', 'a space in the host', /a space at index 7/],
    ['ws://example.com/a b', 'a space in the path', /a space at index 18 \(percent-encode it\)/],
    [' ws://example.com/', 'leading whitespace', /a space at index 0/],
    ['ws://example.com/\n', 'a newline', /a control character/],
    ['ws://ex\u00e4mple.com/', 'a non-ASCII host', /a non-ASCII character at index 7/],
    ['ws://example.com/\u00e9', 'a non-ASCII path', /a non-ASCII character/],
    ['ws://exa!mple.com/', 'a sub-delim in the host', /the character ! is not allowed in a host name/],
    ['ws://exa%41mple.com/', 'a percent-encoded host', /the character % is not allowed/],
  ];
  for (const [url, why, message] of INVALID) {
    it(`throws a SyntaxError for ${why} (${JSON.stringify(url)})`, () => {
      expect(() => parseWebSocketUrl(url)).toThrow(SyntaxError);
      expect(() => parseWebSocketUrl(url)).toThrow(message);
    });
  }

  it('throws a TypeError for a URL that is not a string', () => {
    expect(() => parseWebSocketUrl(new URL('ws://example.com') as unknown as string)).toThrow(TypeError);
  });
});

describe('formatHostHeader', () => {
  const CASES: Array<[string, string]> = [
    ['ws://example.com/', 'example.com'],
    ['ws://example.com:80/', 'example.com'],
    ['ws://example.com:443/', 'example.com:443'],
    ['wss://example.com:443/', 'example.com'],
    ['wss://example.com:80/', 'example.com:80'],
    ['ws://[::1]/', '[::1]'],
    ['ws://[::1]:8080/', '[::1]:8080'],
  ];
  for (const [url, host] of CASES) {
    it(`writes Host: ${host} for ${url}`, () => {
      expect(formatHostHeader(parseWebSocketUrl(url))).toBe(host);
    });
  }
});
