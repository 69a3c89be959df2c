/**
 * The sans-I/O connection engine (src/connection/): handshake inside, messages, control frames,
 * the closing handshake, failing, deadlines and caller mistakes, both roles, with a fake clock.
 */
import { describe, expect, it } from 'vitest';
import {
  CONNECTION_TRANSITIONS,
  ClientConnection,
  HANDSHAKE_ERRORS,
  HandshakeError,
  ProtocolError,
  ServerConnection,
  encodeClose,
  encodeMessage,
  encodePing,
  encodePong,
  type ConnectionEvent,
} from '../src/index.ts';
import { thrownBy } from './_bytes.ts';
import {
  closeEventOf, encoder, fixedRandom, latin1, openClient, openServer, outputOf, pump, requestHead, responseHead, textOf,
} from './_connection.ts';

const masked = { mask: true, random: fixedRandom };
const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

describe('the state table', () => {
  it('lists every move the engine makes and nothing leaves closed', () => {
    expect(CONNECTION_TRANSITIONS).toEqual({
      connecting: ['open', 'closed'],
      open: ['closing', 'closed'],
      closing: ['closed'],
      closed: [],
    });
  });
});

describe('server handshake', () => {
  it('emits request, answers with 101 on accept and selects the first supported subprotocol the client offers', () => {
    const server = new ServerConnection({ protocols: ['superchat', 'chat'] });
    server.handleDeadline(0);
    const head = latin1(requestHead(['Sec-WebSocket-Protocol: chat, superchat']));
    for (const byte of head) server.receive(new Uint8Array([byte]));
    const [request] = server.events();
    expect(request.type).toBe('request');
    expect(server.state).toBe('connecting');
    expect(server.takeOutput()).toEqual([]);
    server.accept();
    const response = textOf(outputOf(server));
    expect(response).toContain('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n');
    expect(response).toContain('Sec-WebSocket-Protocol: superchat\r\n');
    expect(server.events()).toEqual([{ type: 'open', protocol: 'superchat', extensions: [] }]);
    expect(server.state).toBe('open');
  });

  it('accept may name another offered subprotocol, or none with null, and refuses one not offered', () => {
    const pick = (protocol: string | null) => {
      const server = new ServerConnection({ protocols: ['chat'] });
      server.receive(latin1(requestHead(['Sec-WebSocket-Protocol: chat, superchat'])));
      server.accept({ protocol });
      return textOf(outputOf(server));
    };
    expect(pick('superchat')).toContain('Sec-WebSocket-Protocol: superchat\r\n');
    expect(pick(null)).not.toContain('Sec-WebSocket-Protocol');
    const server = new ServerConnection();
    server.receive(latin1(requestHead(['Sec-WebSocket-Protocol: chat'])));
    expect(thrownBy(() => server.accept({ protocol: 'other' }))).toBeInstanceOf(RangeError);
    expect(server.takeOutput()).toEqual([]);
    expect(server.state).toBe('connecting');
  });

  it('refuses an invalid request with its status, no request event, and a close of 1006 carrying the HandshakeError', () => {
    const server = new ServerConnection();
    server.handleDeadline(0);
    server.receive(latin1(requestHead().replace('Sec-WebSocket-Version: 13', 'Sec-WebSocket-Version: 8')));
    const response = textOf(outputOf(server));
    expect(response.split('\r\n')[0]).toBe('HTTP/1.1 426 Upgrade Required');
    const events = server.events();
    expect(events.map((e) => e.type)).toEqual(['close']);
    const close = closeEventOf(events);
    expect(close).toMatchObject({ code: 1006, wasClean: false });
    expect(close.error).toBeInstanceOf(HandshakeError);
    expect((close.error as HandshakeError).status).toBe(426);
    expect(server.state).toBe('closed');
    expect(server.transportShouldClose).toBe(true);
    // Input after failing is ignored.
    server.receive(latin1(requestHead()));
    expect(server.events()).toEqual([]);
    expect(server.takeOutput()).toEqual([]);
  });

  it('refuses a head over maxHeadLength with 431', () => {
    const server = new ServerConnection({ maxHeadLength: 64 });
    server.receive(latin1(requestHead()));
    expect(textOf(outputOf(server)).split('\r\n')[0]).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect((closeEventOf(server.events()).error as HandshakeError).code).toBe('HEAD_TOO_LARGE');
  });

  it('origins: an allow-list refuses other origins and a missing one with 403 before any request event', () => {
    const run = (extra: string[]) => {
      const server = new ServerConnection({ origins: ['https://Example.com'] });
      server.receive(latin1(requestHead(extra)));
      return { status: textOf(outputOf(server)).split('\r\n')[0], events: server.events() };
    };
    expect(run(['Origin: https://example.com']).events.map((e) => e.type)).toEqual(['request']);
    for (const extra of [['Origin: https://evil.example'], []]) {
      const { status, events } = run(extra);
      expect(status).toBe('HTTP/1.1 403 Forbidden');
      expect(events.map((e) => e.type)).toEqual(['close']);
      expect((closeEventOf(events).error as HandshakeError)).toMatchObject({ status: 403, code: 'FORBIDDEN_ORIGIN' });
    }
  });

  it('origins: a predicate that throws denies with 403, and receive does not throw', () => {
    const server = new ServerConnection({
      origins: () => {
        throw new Error('database down');
      },
    });
    server.receive(latin1(requestHead(['Origin: https://example.com'])));
    expect(textOf(outputOf(server)).split('\r\n')[0]).toBe('HTTP/1.1 403 Forbidden');
    const close = closeEventOf(server.events());
    expect(close.error).toMatchObject({ status: 403, code: 'FORBIDDEN_ORIGIN' });
    expect(close.error?.message).toContain('database down');
  });

  it('more than 64 KiB of frames in the same chunk as the request: 400 before any request event', () => {
    const server = new ServerConnection();
    server.receive(new Uint8Array([...latin1(requestHead()), ...new Uint8Array(70_000)]));
    expect(textOf(outputOf(server)).split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    const events = server.events();
    expect(events.map((e) => e.type)).toEqual(['close']);
    expect(closeEventOf(events).error).toMatchObject({ status: 400, code: 'UNEXPECTED_BODY' });
  });

  it('origins: a predicate sees the origin and the request', () => {
    const seen: unknown[] = [];
    const server = new ServerConnection({
      origins: (origin, request) => (seen.push(origin, request.resource), origin === undefined),
    });
    server.receive(latin1(requestHead()));
    expect(seen).toEqual([undefined, '/chat']);
    expect(server.events().map((e) => e.type)).toEqual(['request']);
  });

  it('reject writes the refusal with the status and ends with 1006 and the status', () => {
    const server = new ServerConnection();
    server.receive(latin1(requestHead()));
    server.events();
    server.reject(401, { headers: { 'WWW-Authenticate': 'Bearer' }, body: 'Log in first' });
    const response = textOf(outputOf(server));
    expect(response.split('\r\n')[0]).toBe('HTTP/1.1 401 Unauthorized');
    expect(response).toContain('WWW-Authenticate: Bearer\r\n');
    expect(response.endsWith('\r\n\r\nLog in first\n')).toBe(true);
    expect(closeEventOf(server.events()).error).toMatchObject({ status: 401, code: 'REJECTED' });
    expect(server.transportShouldClose).toBe(true);
  });

  it('frames in the same chunk as the request are read after accept, frames sent early are kept', () => {
    const server = new ServerConnection();
    const frame = encodeMessage('early', masked);
    const chunk = new Uint8Array([...latin1(requestHead()), ...frame.subarray(0, 3)]);
    server.receive(chunk);
    server.receive(frame.subarray(3));
    expect(server.events().map((e) => e.type)).toEqual(['request']);
    server.accept();
    expect(server.events()).toEqual([{ type: 'open', protocol: undefined, extensions: [] }, { type: 'text', data: 'early' }]);
  });

  it('negotiates permessage-deflate when enabled and inflates what the client compressed', () => {
    const server = new ServerConnection({ deflate: {} });
    server.receive(latin1(requestHead(['Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits'])));
    server.events();
    server.accept();
    const response = textOf(outputOf(server));
    expect(response).toContain('Sec-WebSocket-Extensions: permessage-deflate\r\n');
    const [open] = server.events();
    expect(open).toEqual({ type: 'open', protocol: undefined, extensions: [{ name: 'permessage-deflate', params: {} }] });
    // RFC 7692 §7.2.3.1: "Hello" compressed, masked.
    const compressed = new Uint8Array([0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
    const key = [1, 2, 3, 4];
    server.receive(new Uint8Array([0xc1, 0x80 | compressed.length, ...key, ...compressed.map((b, i) => b ^ key[i % 4])]));
    expect(server.events()).toEqual([{ type: 'text', data: 'Hello' }]);
  });

  it('without deflate enabled, an offer is ignored and RSV1 fails with 1002', () => {
    const server = openServer({}, ['Sec-WebSocket-Extensions: permessage-deflate']);
    server.receive(encodeMessage('x', masked).map((b, i) => (i === 0 ? b | 0x40 : b)));
    expect(hex(outputOf(server))).toBe('880203ea');
    const close = closeEventOf(server.events());
    expect(close).toMatchObject({ code: 1002, wasClean: false });
    expect((close.error as ProtocolError).code).toBe('RESERVED_BITS');
  });

  it('the transport ending while the complete request awaits accept: 1006, ENDED_BEFORE_ANSWER, no output, accept refused', () => {
    const server = new ServerConnection();
    server.receive(latin1(requestHead()));
    expect(server.events().map((event) => event.type)).toEqual(['request']);
    server.receiveEnd();
    expect(server.takeOutput()).toEqual([]);
    const close = closeEventOf(server.events());
    expect(close).toMatchObject({ code: 1006, wasClean: false });
    expect(close.error).toMatchObject({ code: 'ENDED_BEFORE_ANSWER', status: 400 });
    expect(server.state).toBe('closed');
    expect(() => server.accept()).toThrow(TypeError);
  });

  it('the transport ending mid-head is a failed handshake: 1006, INCOMPLETE_HEAD, no output', () => {
    const server = new ServerConnection();
    server.receive(latin1('GET / HTTP/1.1\r\n'));
    server.receiveEnd();
    expect(server.takeOutput()).toEqual([]);
    expect(closeEventOf(server.events()).error).toMatchObject({ code: 'INCOMPLETE_HEAD', status: 400 });
  });
});

it('every code HANDSHAKE_ERRORS marks as the connection\'s is produced by a connection, with its status', () => {
  const produced = new Map<string, number>();
  const note = (connection: ServerConnection | ClientConnection) => {
    for (const event of connection.events()) {
      if (event.type === 'close' && event.error instanceof HandshakeError) produced.set(event.error.code, event.error.status);
    }
  };
  const refused = new ServerConnection({ origins: ['https://a.example'] });
  refused.receive(latin1(requestHead(['Origin: https://b.example'])));
  note(refused);
  const rejected = new ServerConnection();
  rejected.receive(latin1(requestHead()));
  rejected.reject(400);
  note(rejected);
  const gone = new ServerConnection();
  gone.receive(latin1(requestHead()));
  gone.events();
  gone.receiveEnd();
  note(gone);
  const slow = new ServerConnection({ handshakeTimeout: 1 });
  slow.handleDeadline(0);
  slow.handleDeadline(1);
  note(slow);
  const codes = Object.entries(HANDSHAKE_ERRORS).filter(([, entry]) => 'connection' in entry);
  expect(codes.map(([code]) => code).sort()).toEqual([...produced.keys()].sort());
  for (const [code, entry] of codes) expect(produced.get(code), code).toBe(entry.status);
});

describe('client handshake', () => {
  it('writes its request at construction and opens on a valid 101, reading frames in the same chunk', () => {
    const client = new ClientConnection({ url: 'ws://example.com:8080/chat?x=1', protocols: ['chat'], origin: 'https://example.com' });
    const request = textOf(outputOf(client));
    expect(request.split('\r\n')[0]).toBe('GET /chat?x=1 HTTP/1.1');
    expect(request).toContain('Host: example.com:8080\r\n');
    expect(request).toContain('Origin: https://example.com\r\n');
    expect(client.state).toBe('connecting');
    const key = /Sec-WebSocket-Key: (\S+)\r\n/.exec(request)![1];
    // A server that answers and sends a frame in one segment.
    const server = new ServerConnection({ protocols: ['chat'] });
    server.receive(latin1(request));
    expect(server.request?.key).toBe(key);
    server.accept();
    server.send('hi');
    client.receive(outputOf(server));
    expect(client.events()).toEqual([{ type: 'open', protocol: 'chat', extensions: [] }, { type: 'text', data: 'hi' }]);
  });

  it('a wrong accept key ends with 1006 and INVALID_ACCEPT (502)', () => {
    const client = new ClientConnection({ url: 'ws://example.com/chat', key: 'AQIDBAUGBwgJCgsMDQ4PEA==' });
    client.takeOutput();
    client.receive(latin1(responseHead()));
    const close = closeEventOf(client.events());
    expect(close).toMatchObject({ code: 1006, wasClean: false });
    expect(close.error).toMatchObject({ code: 'INVALID_ACCEPT', status: 502 });
    expect(client.state).toBe('closed');
    expect(client.transportShouldClose).toBe(true);
  });

  it('a refusal ends with the server status and no open event', () => {
    const client = new ClientConnection({ url: 'ws://example.com/' });
    client.receive(latin1('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n'));
    const events = client.events();
    expect(events.map((e) => e.type)).toEqual(['close']);
    expect(closeEventOf(events).error).toMatchObject({ code: 'UNEXPECTED_STATUS', status: 403 });
  });

  it('a subprotocol or an extension not offered fails the handshake', () => {
    const client = openClientWith(['Sec-WebSocket-Protocol: chat']);
    expect(closeEventOf(client.events()).error).toMatchObject({ code: 'UNEXPECTED_PROTOCOL' });
    const other = openClientWith(['Sec-WebSocket-Extensions: permessage-deflate']);
    expect(closeEventOf(other.events()).error).toMatchObject({ code: 'UNEXPECTED_EXTENSION' });
  });

  it('negotiates permessage-deflate with a server connection both ways', () => {
    const client = new ClientConnection({ url: 'ws://example.com/', deflate: { threshold: 0 } });
    const server = new ServerConnection({ deflate: { threshold: 0 } });
    server.receive(outputOf(client));
    server.events();
    server.accept();
    pump(client, server);
    client.send('Hello Hello Hello Hello');
    server.send('World World World World');
    const events = pump(client, server);
    expect(events.b).toEqual([{ type: 'text', data: 'Hello Hello Hello Hello' }]);
    expect(events.a).toEqual([{ type: 'text', data: 'World World World World' }]);
  });

  it('refuses header injection through options at construction, writing nothing', () => {
    expect(thrownBy(() => new ClientConnection({ url: 'ws://a/', headers: { 'X-A': 'b\r\nSet-Cookie: x=1' } }))).toBeInstanceOf(TypeError);
    expect(thrownBy(() => new ClientConnection({ url: 'ws://a/', origin: 'https://a\r\nX: y' }))).toBeInstanceOf(TypeError);
    expect(thrownBy(() => new ClientConnection({ url: 'ws://a/', protocols: ['chat\r\nX: y'] }))).toBeInstanceOf(SyntaxError);
  });
});

function openClientWith(extra: string[]): ClientConnection {
  const client = new ClientConnection({ url: 'ws://example.com/chat', key: 'dGhlIHNhbXBsZSBub25jZQ==' });
  client.receive(latin1(responseHead(extra)));
  return client;
}

describe('messages and control frames', () => {
  it('answers a ping with a pong carrying its payload, and still reports it', () => {
    const server = openServer();
    server.receive(encodePing('are you there', masked));
    expect(server.events()).toEqual([{ type: 'ping', data: encoder.encode('are you there') }]);
    expect(hex(outputOf(server))).toBe(hex(encodePong('are you there')));
  });

  it('a client masks every frame it sends; a server never does', () => {
    const client = openClient();
    client.send('Hello');
    expect(hex(outputOf(client))).toBe(hex(encodeMessage('Hello', masked)));
    const server = openServer();
    server.send(new Uint8Array([1, 2, 3]), { maxFrameLength: 2 });
    expect(hex(outputOf(server))).toBe('0202010280010' + '3');
  });

  it('an unmasked frame to a server, or a masked one to a client, fails with 1002', () => {
    const server = openServer();
    server.receive(encodeMessage('x'));
    expect(closeEventOf(server.events())).toMatchObject({ code: 1002, wasClean: false });
    expect(hex(outputOf(server))).toBe('880203ea');
    const client = openClient();
    client.receive(encodeMessage('x', masked));
    expect(closeEventOf(client.events())).toMatchObject({ code: 1002 });
    expect(client.state).toBe('closed');
    expect(client.transportShouldClose).toBe(true);
  });

  it('fails on the first invalid UTF-8 byte of a text message that arrives in pieces, with 1007', () => {
    const server = openServer();
    // "κό" then 0xed 0xa0 0x80 (a surrogate) inside a fragmented text message.
    const first = encodeMessage(new Uint8Array(0), masked);
    void first;
    const bytes = encodeMessage('κόσμε', masked);
    server.receive(bytes.subarray(0, 8));
    expect(server.events()).toEqual([]);
    const bad = new Uint8Array([0x01, 0x83, 1, 2, 3, 4, 0xed ^ 1, 0xa0 ^ 2, 0x80 ^ 3]);
    const fresh = openServer();
    fresh.receive(bad.subarray(0, 7));
    fresh.receive(bad.subarray(7, 8));
    const close = closeEventOf(fresh.events());
    expect(close).toMatchObject({ code: 1007, wasClean: false });
    expect((close.error as ProtocolError).code).toBe('INVALID_UTF8');
    expect(hex(outputOf(fresh))).toBe('880203ef');
  });

  it('a message over maxMessageLength fails with 1009 at its header', () => {
    const server = openServer({ maxMessageLength: 10 });
    server.receive(encodeMessage(new Uint8Array(11), masked).subarray(0, 8));
    expect(closeEventOf(server.events())).toMatchObject({ code: 1009 });
    expect(hex(outputOf(server))).toBe('880203f1');
  });

  it('send, ping and close before open are TypeErrors; values out of range are RangeErrors that write nothing', () => {
    const server = new ServerConnection();
    expect(thrownBy(() => server.send('x'))).toBeInstanceOf(TypeError);
    expect(thrownBy(() => server.ping())).toBeInstanceOf(TypeError);
    expect(thrownBy(() => server.close())).toBeInstanceOf(TypeError);
    expect(thrownBy(() => server.accept())).toBeInstanceOf(TypeError);
    const open = openServer();
    expect(thrownBy(() => open.ping(new Uint8Array(126)))).toBeInstanceOf(RangeError);
    expect(thrownBy(() => open.close(999))).toBeInstanceOf(RangeError);
    expect(thrownBy(() => open.close(1005))).toBeInstanceOf(RangeError);
    expect(thrownBy(() => open.close(1000, 'x'.repeat(124)))).toBeInstanceOf(RangeError);
    expect(thrownBy(() => open.send(42 as unknown as string))).toBeInstanceOf(TypeError);
    expect(open.takeOutput()).toEqual([]);
    expect(open.state).toBe('open');
    expect(thrownBy(() => open.accept())).toBeInstanceOf(TypeError);
    expect(thrownBy(() => open.reject(400))).toBeInstanceOf(TypeError);
  });

  it('accept after reject, and reject twice, are TypeErrors', () => {
    const server = new ServerConnection();
    server.receive(latin1(requestHead()));
    server.reject(403);
    expect(thrownBy(() => server.accept())).toBeInstanceOf(TypeError);
    expect(thrownBy(() => server.reject(403))).toBeInstanceOf(TypeError);
  });
});

describe('send', () => {
  it('writes exactly what encodeMessage writes, for every size and type, frames held together never overwriting each other', () => {
    const server = openServer();
    const sizes = [0, 1, 125, 126, 127, 1000, 4096, 16384, 16385, 20000, 65535, 65536, 70000];
    const expected: Uint8Array[] = [];
    for (const [index, size] of sizes.entries()) {
      const binary = Uint8Array.from({ length: size }, (_, i) => (i * 7 + index) & 0xff);
      const text = 'é'.repeat(Math.floor(size / 2)) + 'x'.repeat(size % 2);
      server.send(binary);
      server.send(text);
      expected.push(encodeMessage(binary), encodeMessage(text));
    }
    // Everything taken at once: the earlier frames must still hold their bytes.
    const output = server.takeOutput();
    expect(output.map(hex)).toEqual(expected.map(hex));
  });
});

describe('unmaskInPlace', () => {
  it('off (the default), receive never modifies its input; on, it unmasks inside it and the data is a view', () => {
    const frame = encodeMessage(new Uint8Array([1, 2, 3, 4, 5]), masked);
    const input = frame.slice();
    const server = openServer();
    server.receive(input);
    const [copied] = server.events() as Array<{ data: Uint8Array }>;
    expect(Array.from(copied.data)).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(input)).toEqual(Array.from(frame));
    const inPlace = openServer({ unmaskInPlace: true });
    inPlace.receive(input);
    const [view] = inPlace.events() as Array<{ data: Uint8Array }>;
    expect(Array.from(view.data)).toEqual([1, 2, 3, 4, 5]);
    expect(view.data.buffer).toBe(input.buffer);
    expect(Array.from(input.subarray(input.length - 5))).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('closing handshake', () => {
  it('the client closes: the server echoes the code and reason and closes TCP first; the client waits for EOF', () => {
    const client = openClient();
    const server = openServer();
    client.close(1000, 'bye');
    expect(client.state).toBe('closing');
    const events = pump(client, server);
    expect(events.b).toEqual([{ type: 'close', code: 1000, reason: 'bye', wasClean: true }]);
    expect(server.state).toBe('closed');
    expect(server.transportShouldClose).toBe(true);
    expect(events.a).toEqual([{ type: 'close', code: 1000, reason: 'bye', wasClean: true }]);
    expect(client.state).toBe('closing');
    expect(client.transportShouldClose).toBe(false);
    client.receiveEnd();
    expect(client.state).toBe('closed');
    expect(client.transportShouldClose).toBe(true);
    expect(client.events()).toEqual([]);
  });

  it('an echo of a message in the same chunk as the peer\'s close goes out before the close answer', () => {
    const server = openServer();
    server.receive(new Uint8Array([...encodeMessage('last words', masked), ...encodeClose(1000, 'bye', masked)]));
    const events = server.events();
    expect(events).toEqual([{ type: 'text', data: 'last words' }, { type: 'close', code: 1000, reason: 'bye', wasClean: true }]);
    expect(server.state).toBe('closed');
    expect(server.outputLength).toBe(7);
    server.send((events[0] as { data: string }).data);
    expect(hex(outputOf(server))).toBe(hex(encodeMessage('last words')) + '880503e8627965');
    // Once taken, the close frame is the last thing written.
    server.send('too late');
    expect(server.takeOutput()).toEqual([]);
  });

  it('an echo of a message in the same chunk as a violation goes out before the failure\'s close frame', () => {
    const server = openServer();
    server.receive(new Uint8Array([...encodeMessage('fine', masked), 0x83, 0x80, 0, 0, 0, 0]));
    const events = server.events();
    expect(events[0]).toEqual({ type: 'text', data: 'fine' });
    expect(closeEventOf(events)).toMatchObject({ code: 1002, wasClean: false });
    server.send('fine');
    server.close(1000);
    expect(hex(outputOf(server))).toBe(hex(encodeMessage('fine')) + '880203ea');
  });

  it('a close without a status code is reported as 1005 and answered without one', () => {
    const server = openServer();
    server.receive(encodeClose(undefined, '', masked));
    expect(hex(outputOf(server))).toBe('8800');
    expect(server.events()).toEqual([{ type: 'close', code: 1005, reason: '', wasClean: true }]);
  });

  it('after our close, data frames are dropped and nothing more is sent', () => {
    const server = openServer();
    server.close(1001);
    expect(hex(outputOf(server))).toBe('880203e9');
    server.receive(encodeMessage('late', masked));
    server.receive(encodePing('p', masked));
    server.send('ignored');
    server.ping();
    server.close(1000);
    expect(server.takeOutput()).toEqual([]);
    expect(server.events()).toEqual([{ type: 'ping', data: encoder.encode('p') }]);
    server.receive(encodeClose(1001, 'ok', masked));
    expect(server.events()).toEqual([{ type: 'close', code: 1001, reason: 'ok', wasClean: true }]);
    expect(server.takeOutput()).toEqual([]);
    expect(server.transportShouldClose).toBe(true);
  });

  it('simultaneous close: both sides end clean with the code the other sent', () => {
    const client = openClient();
    const server = openServer();
    client.close(1000);
    server.close(1001);
    const events = pump(client, server);
    expect(closeEventOf(events.a)).toEqual({ type: 'close', code: 1001, reason: '', wasClean: true });
    expect(closeEventOf(events.b)).toEqual({ type: 'close', code: 1000, reason: '', wasClean: true });
  });

  it('EOF without a closing handshake is 1006, unclean; bytes after the close frame are ignored', () => {
    const server = openServer();
    server.receive(encodeMessage('hi', masked).subarray(0, 4));
    server.receiveEnd();
    expect(server.events()).toEqual([{ type: 'close', code: 1006, reason: '', wasClean: false }]);
    expect(server.state).toBe('closed');
    const other = openServer();
    other.receive(new Uint8Array([...encodeClose(1000, '', masked), 0xff, 0xff, 0xff]));
    expect(other.events()).toEqual([{ type: 'close', code: 1000, reason: '', wasClean: true }]);
    other.receive(encodeMessage('more', masked));
    other.receiveEnd();
    expect(other.events()).toEqual([]);
  });

  it('a violation after our close still reports its code, without a second close frame', () => {
    const server = openServer();
    server.close(1000);
    outputOf(server);
    server.receive(new Uint8Array([0x83, 0x80, 0, 0, 0, 0]));
    expect(server.takeOutput()).toEqual([]);
    expect(closeEventOf(server.events())).toMatchObject({ code: 1002, wasClean: false });
  });

  it('close is the last event and comes once, whatever follows', () => {
    const server = openServer();
    server.receive(encodeClose(1000, '', masked));
    server.receiveEnd();
    server.handleDeadline(1e9);
    expect(server.events()).toEqual([{ type: 'close', code: 1000, reason: '', wasClean: true }]);
  });
});

describe('deadlines', () => {
  it('the first handleDeadline only sets the clock; deadlines count from it', () => {
    const server = new ServerConnection({ handshakeTimeout: 1000 });
    expect(server.nextDeadline()).toBe(1000);
    server.handleDeadline(5_000_000);
    expect(server.nextDeadline()).toBe(5_001_000);
    expect(server.events()).toEqual([]);
    server.handleDeadline(5_000_999);
    expect(server.state).toBe('connecting');
    server.handleDeadline(5_001_000);
    expect(textOf(outputOf(server)).split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    const close = closeEventOf(server.events());
    expect(close).toMatchObject({ code: 1006, wasClean: false, timeout: 'handshake' });
    expect(close.error).toMatchObject({ code: 'HANDSHAKE_TIMEOUT', status: 408 });
    expect(server.nextDeadline()).toBeUndefined();
  });

  it('slow loris: a head trickling in one byte every handshakeTimeout - 1 ms still times out as a whole', () => {
    const server = new ServerConnection({ handshakeTimeout: 1000 });
    server.handleDeadline(0);
    const head = latin1(requestHead());
    let now = 0;
    for (let i = 0; i < 3; i++) {
      now += 999;
      server.handleDeadline(now);
      server.receive(head.subarray(i, i + 1));
    }
    expect(server.state).toBe('closed');
    expect(closeEventOf(server.events())).toMatchObject({ code: 1006, timeout: 'handshake' });
  });

  it('a client whose server never answers times out with 504', () => {
    const client = new ClientConnection({ url: 'ws://example.com/', handshakeTimeout: 50 });
    client.handleDeadline(100);
    client.handleDeadline(150);
    expect(closeEventOf(client.events()).error).toMatchObject({ code: 'HANDSHAKE_TIMEOUT', status: 504 });
    expect(client.transportShouldClose).toBe(true);
  });

  it('keepalive: a server told 0 that opens later pings first at pingInterval after the latest time told', () => {
    const server = new ServerConnection({ pingInterval: 1000, pongTimeout: 500 });
    server.handleDeadline(0);
    server.handleDeadline(300);
    server.receive(latin1(requestHead()));
    server.accept();
    outputOf(server);
    server.events();
    expect(server.nextDeadline()).toBe(1300);
    server.handleDeadline(1299);
    expect(server.takeOutput()).toEqual([]);
    server.handleDeadline(1300);
    expect(hex(outputOf(server))).toBe('8900');
    expect(server.nextDeadline()).toBe(1800);
    // A pong in time clears the pong deadline; the next ping is due at 2300.
    server.receive(encodePong('', masked));
    expect(server.events()).toEqual([{ type: 'pong', data: new Uint8Array(0) }]);
    expect(server.nextDeadline()).toBe(2300);
    server.handleDeadline(2300);
    expect(hex(outputOf(server))).toBe('8900');
    // No pong this time: 1006 at 2800, the transport should close, nothing more is written.
    server.handleDeadline(2800);
    expect(server.events()).toEqual([{ type: 'close', code: 1006, reason: '', wasClean: false, timeout: 'pong' }]);
    expect(server.takeOutput()).toEqual([]);
    expect(server.transportShouldClose).toBe(true);
    expect(server.nextDeadline()).toBeUndefined();
  });

  it('closeTimeout: a peer that never answers our close ends with 1006', () => {
    const server = openServer({ closeTimeout: 100 });
    server.close(1000);
    expect(server.nextDeadline()).toBe(100);
    server.handleDeadline(100);
    expect(server.events()).toEqual([{ type: 'close', code: 1006, reason: '', wasClean: false, timeout: 'close' }]);
    expect(server.transportShouldClose).toBe(true);
  });

  it('closeTimeout: a client that completed the closing handshake closes TCP itself if the server never does', () => {
    const client = openClient({ closeTimeout: 100 });
    client.handleDeadline(50);
    client.receive(encodeClose(1000, ''));
    expect(client.events()).toEqual([{ type: 'close', code: 1000, reason: '', wasClean: true }]);
    expect(client.nextDeadline()).toBe(150);
    client.handleDeadline(150);
    expect(client.state).toBe('closed');
    expect(client.transportShouldClose).toBe(true);
    expect(client.events()).toEqual([]);
  });

  it('handleDeadline refuses a time that is not a finite number', () => {
    const server = new ServerConnection();
    expect(thrownBy(() => server.handleDeadline(Number.NaN))).toBeInstanceOf(TypeError);
  });

  it('options out of range are RangeErrors at construction', () => {
    expect(thrownBy(() => new ServerConnection({ pingInterval: 0 }))).toBeInstanceOf(RangeError);
    expect(thrownBy(() => new ServerConnection({ closeTimeout: -1 }))).toBeInstanceOf(RangeError);
    expect(thrownBy(() => new ServerConnection({ maxMessageLength: -1 }))).toBeInstanceOf(RangeError);
    expect(thrownBy(() => new ServerConnection({ maxFrameLength: 0 }))).toBeInstanceOf(RangeError);
    expect(thrownBy(() => new ServerConnection({ handshakeTimeout: '5' as unknown as number }))).toBeInstanceOf(TypeError);
    // Checked at construction, never first when a peer's request arrives (review finding).
    expect(thrownBy(() => new ServerConnection({ deflate: { serverMaxWindowBits: 99 } }))).toBeInstanceOf(RangeError);
    expect(thrownBy(() => new ServerConnection({ deflate: { level: 99 } }))).toBeInstanceOf(RangeError);
    expect(thrownBy(() => new ClientConnection({ url: 'ws://a/', deflate: { clientMaxWindowBits: 7 } }))).toBeInstanceOf(RangeError);
    expect(thrownBy(() => new ServerConnection({ origins: [1 as unknown as string] }))).toBeInstanceOf(TypeError);
    expect(thrownBy(() => new ServerConnection({ maxHeadLength: 0 }))).toBeInstanceOf(RangeError);
  });
});

describe('events() and takeOutput() take what was produced', () => {
  it('a second call returns nothing new', () => {
    const server = openServer();
    server.receive(encodePing('', masked));
    expect(server.events().length).toBe(1);
    expect(server.events()).toEqual([] satisfies ConnectionEvent[]);
    expect(server.outputLength).toBe(2);
    expect(server.takeOutput().length).toBe(1);
    expect(server.outputLength).toBe(0);
    expect(server.takeOutput()).toEqual([]);
  });
});
