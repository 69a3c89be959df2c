import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HandshakeError, MessageDecoder, PerMessageDeflate, createClientHandshake, createServerHandshake, encodeFrame,
  encodeMessage, encodePing, formatExtensions, parseClientHandshake, parseExtensions, validateServerHandshake,
  type MessageDecoderOptions, type MessageEvent, type PerMessageDeflateOptions,
} from '../src/index.ts';
import { expectBytes, patternBytes } from './_bytes.ts';
import { concat, fromHex, sampleText, utf8 } from './_deflate-data.ts';
import { expectHandshakeError } from './_handshake.ts';
import { chop, errorSummary, feed } from './_streams.ts';

const offerOf = (options?: PerMessageDeflateOptions) => formatExtensions([PerMessageDeflate.offer(options)]);
const accept = (header: string, options?: PerMessageDeflateOptions) => {
  const accepted = PerMessageDeflate.accept(parseExtensions(header), options);
  return accepted === undefined ? undefined : { response: formatExtensions([accepted.response]), params: { ...accepted.extension.params } };
};

function expectResponseRejected(fn: () => unknown, message: string): void {
  const error = expectHandshakeError(fn, 502, 'INVALID_EXTENSIONS');
  expect(error.message).toBe(`Cannot accept the permessage-deflate response: ${message}`);
}

const DEFAULTS = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };

describe('PerMessageDeflate.offer builds the client offer (RFC 7692 §7.1)', () => {
  it('offers the bare client_max_window_bits by default, as browsers do', () => {
    expect(offerOf()).toBe('permessage-deflate; client_max_window_bits');
  });

  it('offers every parameter it is asked to', () => {
    expect(offerOf({ serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 9, clientMaxWindowBits: 10 }))
      .toBe('permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=10');
    expect(offerOf({ clientMaxWindowBits: false })).toBe('permessage-deflate');
  });

  it('rejects window bits outside 8..15 with RangeError', () => {
    expect(() => PerMessageDeflate.offer({ serverMaxWindowBits: 7 })).toThrow(RangeError);
    expect(() => PerMessageDeflate.offer({ clientMaxWindowBits: 16 })).toThrow(RangeError);
  });
});

describe('PerMessageDeflate.accept chooses from the offers (RFC 7692 §7.1)', () => {
  it('accepts a bare offer with the defaults and an empty response', () => {
    expect(accept('permessage-deflate')).toEqual({ response: 'permessage-deflate', params: DEFAULTS });
  });

  it('answers a requested server_no_context_takeover with it', () => {
    expect(accept('permessage-deflate; server_no_context_takeover')?.response).toBe('permessage-deflate; server_no_context_takeover');
  });

  it('may add server_no_context_takeover and server_max_window_bits that were not offered', () => {
    expect(accept('permessage-deflate', { serverNoContextTakeover: true, serverMaxWindowBits: 11 }))
      .toEqual({ response: 'permessage-deflate; server_no_context_takeover; server_max_window_bits=11', params: { ...DEFAULTS, serverNoContextTakeover: true, serverMaxWindowBits: 11 } });
  });

  it('accepts an offered client_no_context_takeover unless told to ignore it, and may require it', () => {
    expect(accept('permessage-deflate; client_no_context_takeover')?.response).toBe('permessage-deflate; client_no_context_takeover');
    expect(accept('permessage-deflate; client_no_context_takeover', { clientNoContextTakeover: false })?.response).toBe('permessage-deflate');
    expect(accept('permessage-deflate', { clientNoContextTakeover: true })?.params.clientNoContextTakeover).toBe(true);
  });

  it('answers a requested server_max_window_bits with the same or a smaller value', () => {
    expect(accept('permessage-deflate; server_max_window_bits=10')?.response).toBe('permessage-deflate; server_max_window_bits=10');
    expect(accept('permessage-deflate; server_max_window_bits=10', { serverMaxWindowBits: 9 })?.response).toBe('permessage-deflate; server_max_window_bits=9');
    expect(accept('permessage-deflate; server_max_window_bits=10', { serverMaxWindowBits: 12 })?.params.serverMaxWindowBits).toBe(10);
  });

  it('limits the client window only where the offer allows it (§7.1.2.2)', () => {
    expect(accept('permessage-deflate; client_max_window_bits', { clientMaxWindowBits: 12 })?.response)
      .toBe('permessage-deflate; client_max_window_bits=12');
    expect(accept('permessage-deflate; client_max_window_bits=10', { clientMaxWindowBits: 12 })?.response)
      .toBe('permessage-deflate; client_max_window_bits=10');
    // An offered value is echoed so that the server's inflater can use the smaller window.
    expect(accept('permessage-deflate; client_max_window_bits=9')?.params.clientMaxWindowBits).toBe(9);
    expect(accept('permessage-deflate; client_max_window_bits')?.response).toBe('permessage-deflate');
    expect(accept('permessage-deflate', { clientMaxWindowBits: 12 })).toBeUndefined();
  });

  it('declines invalid offers and takes the next acceptable one', () => {
    const invalid = [
      'permessage-deflate; x-unknown', 'permessage-deflate; server_max_window_bits', 'permessage-deflate; server_max_window_bits=7',
      'permessage-deflate; server_max_window_bits=16', 'permessage-deflate; server_max_window_bits=08',
      'permessage-deflate; client_max_window_bits=abc', 'permessage-deflate; server_no_context_takeover=1',
      'permessage-deflate; client_no_context_takeover="x"',
    ];
    // A quoted " 10" is no token, so RFC 6455 §9.1 makes the whole header malformed: the
    // handshake fails before an offer is looked at (test/handshake-extensions.test.ts).
    for (const offer of invalid) {
      expect(accept(offer), offer).toBeUndefined();
      expect(accept(`${offer}, permessage-deflate; server_max_window_bits=12`)?.response, offer).toBe('permessage-deflate; server_max_window_bits=12');
    }
  });

  it('reads a quoted value as its unquoted token (§7.1.2.1) and skips other extensions', () => {
    expect(accept('x-webkit-deflate-frame, permessage-deflate; server_max_window_bits="10"')?.response)
      .toBe('permessage-deflate; server_max_window_bits=10');
  });

  it('declines an offer that repeats a parameter and takes the next one (RFC 7692 §7)', () => {
    const offers = parseExtensions('permessage-deflate; server_no_context_takeover; server_no_context_takeover, permessage-deflate; server_max_window_bits=10');
    expect(formatExtensions([PerMessageDeflate.accept(offers)!.response])).toBe('permessage-deflate; server_max_window_bits=10');
    expect(PerMessageDeflate.accept(parseExtensions('permessage-deflate; client_max_window_bits; client_max_window_bits=9'))).toBeUndefined();
  });

  it('fails a response that repeats a parameter with 502 INVALID_EXTENSIONS (RFC 7692 §7.1)', () => {
    const response = parseExtensions('permessage-deflate; server_max_window_bits=10; server_max_window_bits=10');
    const error = expectHandshakeError(() => PerMessageDeflate.fromResponse(response, { serverMaxWindowBits: 10 }), 502, 'INVALID_EXTENSIONS');
    expect(error.message).toBe('Cannot accept the permessage-deflate response: server_max_window_bits is repeated');
  });
});

describe('PerMessageDeflate.fromResponse validates the server response (RFC 7692 §7.1)', () => {
  it('returns undefined when the server did not accept permessage-deflate', () => {
    expect(PerMessageDeflate.fromResponse([])).toBeUndefined();
    expect(PerMessageDeflate.fromResponse(parseExtensions('x-other'))).toBeUndefined();
  });

  it('takes the negotiated parameters from a valid response', () => {
    const extension = PerMessageDeflate.fromResponse(
      parseExtensions('permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=10'),
      { serverMaxWindowBits: 12 },
    );
    expect(extension?.params).toEqual({ serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 9, clientMaxWindowBits: 10 });
    expect(extension?.role).toBe('client');
  });

  it('keeps to a client_no_context_takeover it offered even if the server did not echo it', () => {
    expect(PerMessageDeflate.fromResponse(parseExtensions('permessage-deflate'), { clientNoContextTakeover: true })?.params.clientNoContextTakeover).toBe(true);
  });

  it('fails the handshake (502 INVALID_EXTENSIONS) for every response the RFC forbids', () => {
    const cases: [string, PerMessageDeflateOptions, string][] = [
      ['permessage-deflate, permessage-deflate', {}, 'the server accepted it more than once'],
      ['permessage-deflate; x-unknown', {}, 'unknown parameter x-unknown'],
      ['permessage-deflate; server_no_context_takeover=1', {}, 'server_no_context_takeover has a value (1)'],
      ['permessage-deflate; server_max_window_bits', {}, 'server_max_window_bits has no value'],
      ['permessage-deflate; client_max_window_bits', {}, 'client_max_window_bits has no value'],
      ['permessage-deflate; client_max_window_bits=7', {}, 'client_max_window_bits=7 is not an integer in 8..15'],
      ['permessage-deflate; client_max_window_bits=10', { clientMaxWindowBits: false }, 'client_max_window_bits was not offered'],
      ['permessage-deflate; client_max_window_bits=12', { clientMaxWindowBits: 10 }, 'client_max_window_bits=12 is larger than the 10 offered'],
      ['permessage-deflate', { serverMaxWindowBits: 10 }, 'server_max_window_bits was requested and left out'],
      ['permessage-deflate; server_max_window_bits=11', { serverMaxWindowBits: 10 }, 'server_max_window_bits=11 is larger than the 10 requested'],
      ['permessage-deflate', { serverNoContextTakeover: true }, 'server_no_context_takeover was requested and left out'],
    ];
    for (const [response, options, message] of cases) expectResponseRejected(() => PerMessageDeflate.fromResponse(parseExtensions(response), options), message);
  });
});

describe('negotiation through the opening handshake', () => {
  it('negotiates end to end and then exchanges compressed messages both ways', () => {
    const clientOptions: PerMessageDeflateOptions = { serverMaxWindowBits: 10, threshold: 0 };
    const { request, key } = createClientHandshake({ url: 'ws://example.com/chat', extensions: offerOf(clientOptions) });
    const clientHandshake = parseClientHandshake(request);
    const accepted = PerMessageDeflate.accept(clientHandshake.extensions, { threshold: 0, clientMaxWindowBits: 11 })!;
    const head = createServerHandshake(clientHandshake, { extensions: formatExtensions([accepted.response]) });
    const { extensions } = validateServerHandshake(head, { key, extensions: offerOf(clientOptions) });
    const client = PerMessageDeflate.fromResponse(extensions, clientOptions)!;
    const server = accepted.extension;
    expect(client.params).toEqual(server.params);
    expect(client.params).toEqual({ ...DEFAULTS, serverMaxWindowBits: 10, clientMaxWindowBits: 11 });

    const toServer = new MessageDecoder({ role: 'server', extensions: [server] });
    const toClient = new MessageDecoder({ role: 'client', extensions: [client] });
    for (const text of ['Hello', sampleText(5000), 'Hello', sampleText(5000, 9)]) {
      const up = encodeMessage(text, { mask: true, extensions: [client] });
      const down = encodeMessage(text, { extensions: [server] });
      expect(up[0] & 0x40).toBe(0x40);
      expect([...toServer.push(up)]).toEqual([{ type: 'text', data: text }]);
      expect([...toClient.push(down)]).toEqual([{ type: 'text', data: text }]);
    }
  });
});

describe('PerMessageDeflate with MessageDecoder (RFC 7692 §6)', () => {
  const decode = (bytes: Uint8Array, options: MessageDecoderOptions = {}, how: Parameters<typeof chop>[1] = 'whole') => {
    const result = feed(new MessageDecoder({ extensions: [new PerMessageDeflate({ role: 'client' })], ...options }), chop(bytes, how));
    return { events: result.items, error: errorSummary(result.error) };
  };

  it('inflates the RFC 7692 §7.2.3.1 and §7.2.3.2 messages, the second reusing the window', () => {
    expect(decode(fromHex('c1 07 f2 48 cd c9 c9 07 00 c1 05 f2 00 11 00 00'))).toEqual({
      events: [{ type: 'text', data: 'Hello' }, { type: 'text', data: 'Hello' }], error: undefined,
    });
  });

  it('inflates a compressed message fragmented into two frames, RSV1 on the first only (§7.2.3.1)', () => {
    expect(decode(fromHex('41 03 f2 48 cd 80 04 c9 c9 07 00'), {}, 1).events).toEqual([{ type: 'text', data: 'Hello' }]);
  });

  it('passes uncompressed messages between compressed ones', () => {
    const bytes = fromHex('c1 07 f2 48 cd c9 c9 07 00 81 05 48 65 6c 6c 6f 82 02 01 02 c1 05 f2 00 11 00 00');
    expect(decode(bytes).events).toEqual([
      { type: 'text', data: 'Hello' }, { type: 'text', data: 'Hello' }, { type: 'binary', data: new Uint8Array([1, 2]) }, { type: 'text', data: 'Hello' },
    ]);
  });

  it('fails RSV1 on a continuation frame with 1002 RSV1_ON_CONTINUATION', () => {
    expect(decode(fromHex('41 03 f2 48 cd c0 04 c9 c9 07 00')).error).toMatchObject({ closeCode: 1002, code: 'RSV1_ON_CONTINUATION' });
  });

  it('fails RSV1 on a control frame with 1002 RSV1_ON_CONTROL', () => {
    expect(decode(fromHex('c9 00')).error).toMatchObject({ closeCode: 1002, code: 'RSV1_ON_CONTROL' });
  });

  it('fails RSV1 without a negotiated extension with 1002 RESERVED_BITS', () => {
    const result = feed(new MessageDecoder(), [fromHex('c1 07 f2 48 cd c9 c9 07 00')]);
    expect(errorSummary(result.error)).toMatchObject({ closeCode: 1002, code: 'RESERVED_BITS' });
  });

  it('fails data that does not inflate with 1007 and the DEFLATE reason', () => {
    expect(decode(fromHex('c1 01 06')).error).toMatchObject({ closeCode: 1007, code: 'DEFLATE_BLOCK_TYPE' });
    expect(decode(fromHex('c1 05 f2 00 11 00 00')).error).toMatchObject({ closeCode: 1007, code: 'DEFLATE_DISTANCE_TOO_FAR' });
  });

  it('fails invalid UTF-8 inside a compressed text message with 1007 INVALID_UTF8', () => {
    const payload = new PerMessageDeflate({ role: 'server' }).compress(new Uint8Array([0x48, 0xff, 0x48]));
    expect(decode(encodeFrame({ opcode: 1, rsv1: true, payload })).error).toMatchObject({ closeCode: 1007, code: 'INVALID_UTF8' });
  });

  it('applies maxMessageLength to the inflated size while inflating (1009)', () => {
    const payload = new PerMessageDeflate({ role: 'server' }).compress(new Uint8Array(1 << 20));
    expect(payload.length).toBeLessThan(2000);
    const frame = encodeFrame({ opcode: 2, rsv1: true, payload });
    expect(decode(frame, { maxMessageLength: 100_000 }).error).toMatchObject({ closeCode: 1009, code: 'MESSAGE_TOO_LARGE' });
    expect(decode(frame, { maxMessageLength: 1 << 20 }).events).toHaveLength(1);
  });

  it('resets its window per message when the peer negotiated no context takeover', () => {
    const server = new PerMessageDeflate({ role: 'server', params: { clientNoContextTakeover: true } });
    const result = feed(new MessageDecoder({ extensions: [server] }), [fromHex('c1 07 f2 48 cd c9 c9 07 00 c1 05 f2 00 11 00 00')]);
    expect(result.items).toEqual([{ type: 'text', data: 'Hello' }]);
    expect(errorSummary(result.error)).toMatchObject({ closeCode: 1007, code: 'DEFLATE_DISTANCE_TOO_FAR' });
  });
});

describe('PerMessageDeflate with encodeMessage (RFC 7692 §6.1)', () => {
  it('sends messages below the threshold uncompressed, RSV1 clear', () => {
    const client = new PerMessageDeflate({ role: 'client', threshold: 10 });
    expect(encodeMessage('Hello', { extensions: [client] })).toEqual(fromHex('81 05 48 65 6c 6c 6f'));
  });

  it('compresses the RFC "Hello" to c1 07 f2 48 cd c9 c9 07 00 and then to one back-reference', () => {
    const server = new PerMessageDeflate({ role: 'server', threshold: 0 });
    expectBytes(encodeMessage('Hello', { extensions: [server] }), fromHex('c1 07 f2 48 cd c9 c9 07 00'));
    expectBytes(encodeMessage('Hello', { extensions: [server] }), fromHex('c1 04 02 13 00 00'));
  });

  it('sets RSV1 on the first fragment only, and never on control frames', () => {
    const server = new PerMessageDeflate({ role: 'server', threshold: 0 });
    const bytes = encodeMessage(sampleText(3000), { extensions: [server], maxFrameLength: 100 });
    const frames = [...feedFrames(bytes)];
    expect(frames.length).toBeGreaterThan(2);
    expect(frames.map((f) => f.rsv1)).toEqual(frames.map((_, i) => i === 0));
    expect(encodePing('x')[0] & 0x40).toBe(0);
  });

  it('round-trips random messages with any chunking, compressed or not (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string({ maxLength: 300 }), fc.uint8Array({ maxLength: 3000 })), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 200 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 10 }),
        fc.boolean(),
        (messages, threshold, pieces, noContextTakeover) => {
          const params = { clientNoContextTakeover: noContextTakeover, clientMaxWindowBits: noContextTakeover ? 9 : 15 };
          const client = new PerMessageDeflate({ role: 'client', params, threshold });
          const server = new PerMessageDeflate({ role: 'server', params });
          const bytes = concat(...messages.map((m) => encodeMessage(m, { mask: true, extensions: [client], maxFrameLength: 97 })));
          let at = 0;
          const cuts = pieces.map((size) => (at += size));
          const result = feed(new MessageDecoder({ role: 'server', extensions: [server] }), chop(bytes, cuts));
          expect(result.error).toBeUndefined();
          expect(result.items.map(plain)).toEqual(messages.map((m) => (typeof m === 'string' ? { type: 'text', data: m } : { type: 'binary', data: [...m] })));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('compresses with the negotiated window: distances stay within 2^clientMaxWindowBits', () => {
    const unit = patternBytes(400, 5);
    const data = concat(unit, unit, unit);
    const client = new PerMessageDeflate({ role: 'client', params: { clientMaxWindowBits: 8 }, threshold: 0 });
    const server = new PerMessageDeflate({ role: 'server', params: { clientMaxWindowBits: 8 } });
    const [message] = new MessageDecoder({ extensions: [server] }).push(encodeMessage(data, { extensions: [client] }));
    expectBytes((message as { data: Uint8Array }).data, data);
  });
});

function plain(event: MessageEvent) {
  return 'data' in event && event.data instanceof Uint8Array ? { ...event, data: [...event.data] } : event;
}

function* feedFrames(bytes: Uint8Array): Generator<{ rsv1: boolean }> {
  let at = 0;
  while (at < bytes.length) {
    const length = bytes[at + 1] & 0x7f;
    const header = length === 126 ? 4 : 2;
    const payloadLength = length === 126 ? (bytes[at + 2] << 8) | bytes[at + 3] : length;
    yield { rsv1: (bytes[at] & 0x40) !== 0 };
    at += header + payloadLength;
  }
}
