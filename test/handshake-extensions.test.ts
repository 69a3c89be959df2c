import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type Extension, formatExtensions, parseExtensions } from '../src/handshake/extensions.ts';
import { expectHandshakeError } from './_handshake.ts';

const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".split('');
const token = fc.array(fc.constantFrom(...TCHARS), { minLength: 1, maxLength: 12 }).map((c) => c.join(''));
// RFC 6455 §9.1: a parameter value is a token, quoted or not.
const paramValue = fc.oneof(fc.constant(true as const), token);
// Every character a quoted string can carry: HTAB, SP, VCHAR, obs-text.
const fieldChar = fc
  .oneof(fc.constant(9), fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }))
  .map((code) => String.fromCharCode(code));
const extension: fc.Arbitrary<Extension> = fc.record({ name: token, params: fc.dictionary(token, paramValue) });

describe('parseExtensions', () => {
  it('parses the RFC 6455 §9.1 example "foo, bar; baz=2"', () => {
    expect(parseExtensions('foo, bar; baz=2')).toEqual([
      { name: 'foo', params: {} },
      { name: 'bar', params: { baz: '2' } },
    ]);
  });

  it('parses the RFC 7692 §7.1.2.1 offer of permessage-deflate with client_max_window_bits', () => {
    expect(parseExtensions('permessage-deflate; client_max_window_bits')).toEqual([
      { name: 'permessage-deflate', params: { client_max_window_bits: true } },
    ]);
  });

  it('parses the RFC 7692 §5.2 example of two offers in preference order', () => {
    expect(
      parseExtensions(
        'permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate; client_max_window_bits',
      ),
    ).toEqual([
      { name: 'permessage-deflate', params: { client_max_window_bits: true, server_max_window_bits: '10' } },
      { name: 'permessage-deflate', params: { client_max_window_bits: true } },
    ]);
  });

  it('unquotes a quoted token value and unescapes quoted pairs that leave a token', () => {
    expect(parseExtensions('x; bits="10"; q="a\\b\\~c", y')).toEqual([
      { name: 'x', params: { bits: '10', q: 'ab~c' } },
      { name: 'y', params: {} },
    ]);
  });

  it('allows optional whitespace around commas, semicolons and equals signs', () => {
    expect(parseExtensions(' \tfoo ;  a = 1 ;b\t, bar ')).toEqual([
      { name: 'foo', params: { a: '1', b: true } },
      { name: 'bar', params: {} },
    ]);
  });

  it('skips empty list elements (RFC 7230 §7) and returns [] for an empty value', () => {
    expect(parseExtensions(', foo,, ,bar ,')).toEqual([
      { name: 'foo', params: {} },
      { name: 'bar', params: {} },
    ]);
    expect(parseExtensions('')).toEqual([]);
    expect(parseExtensions('  ,\t, ')).toEqual([]);
  });


  it('stores a parameter named __proto__ as an own property without touching the prototype', () => {
    const [parsed] = parseExtensions('x; __proto__=1; constructor');
    expect(Object.getPrototypeOf(parsed.params)).toBe(Object.prototype);
    expect(Object.keys(parsed.params)).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(parsed.params, '__proto__')?.value).toBe('1');
    expect(parsed.params.constructor).toBe(true);
  });

  const MALFORMED: Array<[value: string, message: RegExp]> = [
    ['foo;', /expected a parameter name at index 4/],
    ['foo; =1', /expected a parameter name at index 5/],
    ['foo; a=', /expected a parameter value at index 7/],
    ['foo; a=@', /expected a parameter value/],
    ['foo; a="unterminated', /the quoted string is not closed at index 7/],
    ['foo; a="x\\', /a backslash escapes nothing valid/],
    ['foo; a="x\u0001"', /the character 0x01 is not allowed in a quoted string/],
    // RFC 6455 §9.1: a quoted value must be a token once unescaped.
    ['foo; a="b c"', /the quoted value "b c" is not a token at index 7/],
    ['foo; a=""', /the quoted value "" is not a token at index 7/],
    ['foo; a="1, y; b=2", z', /the quoted value "1, y; b=2" is not a token/],
    ['foo; a="q\\"b"', /the quoted value "q\\"b" is not a token/],
    ['foo; a="\u00e9"', /the quoted value "\u00e9" is not a token/],
    ['foo; a="\\ "', /the quoted value " " is not a token/],
    ['foo; a="\u0100"', /the character 0x100 is not allowed/],
    ['foo bar', /unexpected character 0x62 at index 4/],
    ['foo; a=b c', /unexpected character 0x63/],
    ['foo; a="b"c', /unexpected character 0x63/],
    [';a', /expected an extension name at index 0/],
    ['f\u00e9', /unexpected character 0xe9/],
    ['foo\r\n', /unexpected character 0x0d/],
  ];
  it('lists a repeated parameter in `repeated` and keeps its first value (RFC 7692 §7 leaves the verdict to the extension)', () => {
    expect(parseExtensions('foo; a; a=1, bar; b=2')).toEqual([
      { name: 'foo', params: { a: true }, repeated: ['a'] },
      { name: 'bar', params: { b: '2' } },
    ]);
    const [tricky] = parseExtensions('foo; toString; toString; __proto__=1; __proto__=2');
    expect(tricky.repeated).toEqual(['toString', '__proto__']);
    expect(Object.keys(tricky.params)).toEqual(['toString', '__proto__']);
    expect(tricky.params.__proto__).toBe('1');
  });

  for (const [value, message] of MALFORMED) {
    it(`rejects ${JSON.stringify(value)} with 400 INVALID_EXTENSIONS`, () => {
      const error = expectHandshakeError(() => parseExtensions(value), 400, 'INVALID_EXTENSIONS');
      expect(error.message).toMatch(message);
    });
  }

  it('rejects a value that is not a string with a TypeError', () => {
    expect(() => parseExtensions(undefined as unknown as string)).toThrow(TypeError);
  });
});

describe('formatExtensions', () => {
  it('formats the RFC 6455 §9.1 example', () => {
    expect(formatExtensions([{ name: 'foo', params: {} }, { name: 'bar', params: { baz: '2' } }])).toBe('foo, bar; baz=2');
  });

  it('writes true bare and token values as they are', () => {
    expect(formatExtensions([{ name: 'x', params: { a: true, b: '10', c: "!#$%&'*+-.^_`|~" } }])).toBe(
      "x; a; b=10; c=!#$%&'*+-.^_`|~",
    );
  });

  it('returns the empty string for no extensions', () => {
    expect(formatExtensions([])).toBe('');
  });

  it('treats missing params as none', () => {
    expect(formatExtensions([{ name: 'x' } as Extension])).toBe('x');
  });

  const INVALID: Array<[string, unknown, RegExp]> = [
    ['a name that is not a token', [{ name: 'a b', params: {} }], /the name "a b" is not an RFC 7230 token/],
    ['an empty name', [{ name: '', params: {} }], /is not an RFC 7230 token/],
    ['a missing name', [{ params: {} }], /the name undefined is not/],
    ['a parameter name that is not a token', [{ name: 'x', params: { 'a=b': true } }], /parameter name "a=b" of x/],
    ['a value with CR LF (header injection)', [{ name: 'x', params: { a: 'v\r\nSet-Cookie: y' } }], /the value "v\\r\\nSet-Cookie: y" of x; a is not an RFC 7230 token/],
    ['a value with NUL', [{ name: 'x', params: { a: '\u0000' } }], /is not an RFC 7230 token/],
    ['a value above U+00FF', [{ name: 'x', params: { a: '\u20ac' } }], /is not an RFC 7230 token/],
    ['a value with a space (RFC 6455 §9.1)', [{ name: 'x', params: { a: 'b c' } }], /the value "b c" of x; a is not an RFC 7230 token \(RFC 6455 §9.1\)/],
    ['an empty value (RFC 6455 §9.1)', [{ name: 'x', params: { a: '' } }], /the value "" of x; a is not/],
    ['a value with a quote', [{ name: 'x', params: { a: 'q"' } }], /is not an RFC 7230 token/],
    ['params that are not an object', [{ name: 'x', params: 'abc' }], /the params of x must be an object/],
    ['a value that is false', [{ name: 'x', params: { a: false } }], /must be true or a string/],
    ['a numeric value', [{ name: 'x', params: { a: 10 } }], /must be true or a string/],
    ['something other than an array', { name: 'x', params: {} }, /expected an array/],
  ];
  for (const [why, input, message] of INVALID) {
    it(`throws a TypeError for ${why}`, () => {
      expect(() => formatExtensions(input as Extension[])).toThrow(TypeError);
      expect(() => formatExtensions(input as Extension[])).toThrow(message);
    });
  }
});

describe('formatExtensions and parseExtensions', () => {
  it('format then parse is the identity (property)', () => {
    fc.assert(
      fc.property(fc.array(extension, { maxLength: 5 }), (extensions) => {
        expect(parseExtensions(formatExtensions(extensions))).toEqual(extensions);
      }),
      { numRuns: 1000 },
    );
  });

  it('parse then format is canonical: formatting again gives the same text (property)', () => {
    fc.assert(
      fc.property(fc.array(extension, { maxLength: 5 }), (extensions) => {
        const text = formatExtensions(extensions);
        expect(formatExtensions(parseExtensions(text))).toBe(text);
      }),
    );
  });

  it('keeps parameter order through a round trip', () => {
    const params = { z: true as const, a: '1', m: 'xy' };
    expect(Object.keys(parseExtensions(formatExtensions([{ name: 'x', params }]))[0].params)).toEqual(['z', 'a', 'm']);
  });
});

describe('parseExtensions and formatExtensions against RFC 6455 §9.1 (a quoted value is a token)', () => {
  it('parses a quoted value exactly when its unescaped text is a token (property)', () => {
    fc.assert(
      fc.property(fc.array(fieldChar, { maxLength: 12 }), (chars) => {
        const text = chars.join('');
        const quoted = `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
        const isToken = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(text);
        if (isToken) expect(parseExtensions(`x; a=${quoted}`)[0].params.a).toBe(text);
        else expectHandshakeError(() => parseExtensions(`x; a=${quoted}`), 400, 'INVALID_EXTENSIONS');
      }),
    );
  });
});
