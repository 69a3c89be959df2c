/**
 * A client object and a server object, built only on the public handshake API, pumping bytes to
 * each other through arbitrary chunkings.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HandshakeError } from '../src/base/errors.ts';
import {
  type ClientHandshake,
  createClientHandshake,
  createHandshakeRejection,
  createServerHandshake,
  formatExtensions,
  HttpHeadReader,
  parseClientHandshake,
  type ServerHandshake,
  validateServerHandshake,
} from '../src/index.ts';
import { expectBytes } from './_bytes.ts';
import { bytesOf, concatBytes as concat, textOf } from './_handshake.ts';

// RFC 6455 §5.7: a masked "Hello" (client to server) and an unmasked "Hello" (server to client).
const CLIENT_FRAME = new Uint8Array([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
const SERVER_FRAME = new Uint8Array([0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);

interface ClientOptions {
  url: string;
  protocols?: string[];
  extensions?: string;
  origin?: string;
  headers?: Record<string, string>;
}

class TestClient {
  readonly request: Uint8Array;
  readonly #key: string;
  readonly #options: ClientOptions;
  readonly #reader = new HttpHeadReader();
  result: ServerHandshake | undefined;
  error: HandshakeError | undefined;
  received: Uint8Array = new Uint8Array(0);

  constructor(options: ClientOptions) {
    const { request, key } = createClientHandshake(options);
    this.request = request;
    this.#key = key;
    this.#options = options;
  }

  receive(chunk: Uint8Array): void {
    if (this.result !== undefined || this.error !== undefined) {
      this.received = concat(this.received, chunk);
      return;
    }
    const done = this.#reader.push(chunk);
    if (done === undefined) return;
    try {
      const { protocols, extensions } = this.#options;
      this.result = validateServerHandshake(done.head, { key: this.#key, protocols, extensions });
      this.received = done.rest.slice();
    } catch (error) {
      if (!(error instanceof HandshakeError)) throw error;
      this.error = error;
    }
  }
}

interface ServerPolicy {
  protocols?: string[];
  acceptExtensions?: boolean;
  allowedOrigin?: string;
  firstFrame?: Uint8Array;
  maxHeadLength?: number;
}

class TestServer {
  readonly #reader: HttpHeadReader;
  readonly #policy: ServerPolicy;
  request: ClientHandshake | undefined;
  error: HandshakeError | undefined;
  received: Uint8Array = new Uint8Array(0);

  constructor(policy: ServerPolicy = {}) {
    this.#policy = policy;
    this.#reader = new HttpHeadReader({ maxHeadLength: policy.maxHeadLength });
  }

  /** Returns bytes to send back, if any. */
  receive(chunk: Uint8Array): Uint8Array | undefined {
    if (this.request !== undefined) {
      this.received = concat(this.received, chunk);
      return undefined;
    }
    if (this.error !== undefined) return undefined;
    try {
      const done = this.#reader.push(chunk);
      if (done === undefined) return undefined;
      const request = parseClientHandshake(done.head);
      const { allowedOrigin, protocols = [], acceptExtensions, firstFrame } = this.#policy;
      if (allowedOrigin !== undefined && request.origin !== allowedOrigin) {
        throw new HandshakeError('FORBIDDEN_ORIGIN', 403, `Cannot accept handshake: origin ${request.origin} is not allowed`);
      }
      const response = createServerHandshake(request, {
        protocol: request.protocols.find((p) => protocols.includes(p)),
        extensions: acceptExtensions ? formatExtensions(request.extensions.slice(0, 1)) : undefined,
      });
      this.request = request;
      this.received = done.rest.slice();
      return firstFrame === undefined ? response : concat(response, firstFrame);
    } catch (error) {
      if (!(error instanceof HandshakeError)) throw error;
      this.error = error;
      return createHandshakeRejection(error);
    }
  }
}

function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [0, ...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length];
  return points.slice(1).map((end, i) => bytes.slice(points[i], end));
}

/** Sends the client's bytes (plus `clientExtra`) to the server and the answer back, in chunks. */
function pump(
  client: TestClient,
  server: TestServer,
  { clientExtra = new Uint8Array(0), clientCuts = [] as number[], serverCuts = [] as number[] } = {},
): void {
  const answer: Uint8Array[] = [];
  for (const chunk of split(concat(client.request, clientExtra), clientCuts)) {
    const out = server.receive(chunk);
    if (out !== undefined) answer.push(out);
  }
  for (const chunk of split(concat(...answer), serverCuts)) client.receive(chunk);
}

describe('a client and a server pumping handshake bytes to each other', () => {
  it('agree on a subprotocol the server supports, in the client’s order of preference', () => {
    const client = new TestClient({ url: 'ws://server.example.com/chat', protocols: ['v2.chat', 'chat'] });
    const server = new TestServer({ protocols: ['chat', 'v2.chat'] });
    pump(client, server);
    expect(server.request?.resource).toBe('/chat');
    expect(server.request?.host).toBe('server.example.com');
    expect(client.error).toBeUndefined();
    expect(client.result?.protocol).toBe('v2.chat');
  });

  it('agree on no subprotocol when they share none', () => {
    const client = new TestClient({ url: 'wss://a:8443/', protocols: ['mqtt'] });
    const server = new TestServer({ protocols: ['chat'] });
    pump(client, server);
    expect(server.request?.host).toBe('a:8443');
    expect(client.result?.protocol).toBeUndefined();
  });

  it('negotiate an extension offered by the client and accepted by the server', () => {
    const offer = 'permessage-deflate; client_max_window_bits, x-webkit-deflate-frame';
    const client = new TestClient({ url: 'ws://a/', extensions: offer });
    const server = new TestServer({ acceptExtensions: true });
    pump(client, server);
    expect(server.request?.extensions.map((e) => e.name)).toEqual(['permessage-deflate', 'x-webkit-deflate-frame']);
    expect(client.result?.extensions).toEqual([{ name: 'permessage-deflate', params: { client_max_window_bits: true } }]);
  });

  it('hand the client’s first frame, sent in the same chunk as the request, to the server', () => {
    const client = new TestClient({ url: 'ws://a/' });
    const server = new TestServer();
    pump(client, server, { clientExtra: CLIENT_FRAME });
    expect(client.result).toBeDefined();
    expectBytes(server.received, CLIENT_FRAME);
  });

  it('hand the server’s first frame, sent in the same chunk as the 101, to the client', () => {
    const client = new TestClient({ url: 'ws://a/' });
    const server = new TestServer({ firstFrame: SERVER_FRAME });
    pump(client, server);
    expect(client.result).toBeDefined();
    expectBytes(client.received, SERVER_FRAME);
  });

  it('reach the same outcome and hand over the same frame bytes under any chunking (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 200 }), { maxLength: 12 }),
        (clientCuts, serverCuts) => {
          const client = new TestClient({ url: 'ws://a/x?y', protocols: ['chat'], origin: 'https://a' });
          const server = new TestServer({ protocols: ['chat'], firstFrame: SERVER_FRAME });
          pump(client, server, { clientExtra: CLIENT_FRAME, clientCuts, serverCuts });
          expect(server.request?.origin).toBe('https://a');
          expect(client.result?.protocol).toBe('chat');
          expectBytes(server.received, CLIENT_FRAME);
          expectBytes(client.received, SERVER_FRAME);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('end with 426 and Sec-WebSocket-Version: 13 when the client speaks another version', () => {
    const client = new TestClient({ url: 'ws://a/' });
    const request = bytesOf(textOf(client.request).replace('Sec-WebSocket-Version: 13', 'Sec-WebSocket-Version: 8'));
    const server = new TestServer();
    const answer = server.receive(request)!;
    expect(server.error?.code).toBe('UNSUPPORTED_VERSION');
    expect(textOf(answer)).toContain('\r\nSec-WebSocket-Version: 13\r\n');
    client.receive(answer);
    expect({ status: client.error?.status, code: client.error?.code }).toEqual({ status: 426, code: 'UNEXPECTED_STATUS' });
  });

  it('end with 403 when the server refuses the origin, and the client reports that status', () => {
    const client = new TestClient({ url: 'ws://a/', origin: 'https://evil.example' });
    const server = new TestServer({ allowedOrigin: 'https://a' });
    pump(client, server);
    expect(server.error?.code).toBe('FORBIDDEN_ORIGIN');
    expect({ status: client.error?.status, code: client.error?.code }).toEqual({ status: 403, code: 'UNEXPECTED_STATUS' });
    expect(client.error?.message).toMatch(/answered 403 Forbidden/);
  });

  it('end with 431 when the client’s head is over the server’s limit', () => {
    const client = new TestClient({ url: 'ws://a/', headers: { Cookie: 'a'.repeat(2000) } });
    const server = new TestServer({ maxHeadLength: 1024 });
    pump(client, server, { clientCuts: [100, 700, 1500] });
    expect({ status: server.error?.status, code: server.error?.code }).toEqual({ status: 431, code: 'HEAD_TOO_LARGE' });
    expect({ status: client.error?.status, code: client.error?.code }).toEqual({ status: 431, code: 'UNEXPECTED_STATUS' });
  });

  it('make the client fail when a server answers with the wrong accept value', () => {
    const client = new TestClient({ url: 'ws://a/' });
    const server = new TestServer();
    const answer = textOf(server.receive(client.request)!);
    const tampered = answer.replace(/Sec-WebSocket-Accept: (.)/, (_, c: string) => `Sec-WebSocket-Accept: ${c === 'A' ? 'B' : 'A'}`);
    client.receive(bytesOf(tampered));
    expect({ status: client.error?.status, code: client.error?.code }).toEqual({ status: 502, code: 'INVALID_ACCEPT' });
  });
});
