/**
 * The server side of a sans-I/O WebSocket connection: reads the client's handshake from the
 * bytes it is given, applies the origin allow-list and the subprotocol and permessage-deflate
 * choices, then answers with `accept` or `reject`. Layer 6 (connection).
 *
 * @module
 */

import { HandshakeError } from '../base/errors.ts';
import { concatBytes, copyBytes } from '../bytes/_bytes.ts';
import { PerMessageDeflate } from '../deflate/permessage-deflate.ts';
import { type Extension, formatExtensions } from '../handshake/extensions.ts';
import { HttpHeadReader } from '../handshake/head.ts';
import {
  type ClientHandshake,
  createHandshakeRejection,
  createServerHandshake,
  parseClientHandshake,
} from '../handshake/server.ts';
import { Connection } from './connection.ts';
import type { ServerConnectionOptions } from './options.ts';

/** What `accept` may add to the 101 answer. */
export interface AcceptOptions {
  /**
   * The subprotocol to select: one the client offered, or `null` for none. Default: the first of
   * the connection's `protocols` that the client offered.
   */
  protocol?: string | null;
  /** Extra response headers, e.g. `Set-Cookie`. */
  headers?: Record<string, string>;
}

/** What `reject` may add to the refusal. */
export interface RejectOptions {
  /** Extra response headers, e.g. `WWW-Authenticate`. */
  headers?: Record<string, string>;
  /** The text of the response body (a newline is added). Default: the status's reason. */
  body?: string;
}

// Bytes a client may send after its request before the server has answered it (frames sent
// early); past this the handshake is refused rather than buffered without bound.
const MAX_EARLY_BYTES = 64 * 1024;

const lowerAscii = (text: string) => text.replace(/[A-Z]/g, (c) => c.toLowerCase());

/**
 * One WebSocket connection, server side (RFC 6455 §4.2), as a state machine. Feed it the bytes
 * the client sends (`receive`), tell it the time (`handleDeadline`), write what `takeOutput()`
 * returns and act on what `events()` returns. A valid request produces a `request` event: answer
 * it with {@link ServerConnection.accept} (then `open`) or {@link ServerConnection.reject}. An
 * invalid request, a refused origin or a slow one is refused for you with the right status
 * (400, 403, 405, 408, 426, 431, 505) and ends with a `close` event carrying the
 * `HandshakeError`.
 *
 * @example
 * ```ts
 * import { ServerConnection } from 'wsframe';
 * const server = new ServerConnection({ protocols: ['chat'] });
 * server.handleDeadline(0);
 * server.receive(new TextEncoder().encode(
 *   'GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
 *     'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: chat\r\n' +
 *     'Sec-WebSocket-Version: 13\r\n\r\n'));
 * const [request] = server.events();
 * console.log(request.type); // request
 * server.accept();
 * const head = new TextDecoder().decode(server.takeOutput()[0]);
 * console.log(head.split('\r\n')[0]); // HTTP/1.1 101 Switching Protocols
 * // A masked text frame "Hello" (RFC 6455 §5.7), then the client's close with 1000.
 * server.receive(new Uint8Array([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]));
 * server.receive(new Uint8Array([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8]));
 * console.log(server.events().map((event) => event.type).join(' ')); // open text close
 * console.log(server.takeOutput()[0]); // Uint8Array(4) [ 136, 2, 3, 232 ]
 * console.log(server.state, server.transportShouldClose); // closed true
 * ```
 */
export class ServerConnection extends Connection {
  readonly #options: ServerConnectionOptions;
  readonly #headReader: HttpHeadReader;
  #request: ClientHandshake | undefined = undefined;
  #answered = false;
  #deflate: { response: Extension; extension: PerMessageDeflate } | undefined = undefined;
  #early: Uint8Array[] = [];
  #earlyLength = 0;
  #originError: unknown = undefined;

  /**
   * Creates a server connection waiting for the client's request.
   *
   * @param options - See {@link ServerConnectionOptions}.
   * @throws {TypeError} / {RangeError} For malformed options.
   */
  constructor(options: ServerConnectionOptions = {}) {
    super('server', options);
    const { origins, protocols } = options;
    if (origins !== undefined && typeof origins !== 'function' && !(Array.isArray(origins) && origins.every((origin) => typeof origin === 'string'))) {
      throw new TypeError('Invalid connection options: origins must be a list of origins (strings) or a predicate');
    }
    if (protocols !== undefined && !Array.isArray(protocols)) {
      throw new TypeError('Invalid connection options: protocols must be a list of subprotocols');
    }
    this.#options = options;
    this.#headReader = new HttpHeadReader({ maxHeadLength: options.maxHeadLength });
  }

  /** The client's request once it has arrived (after the `request` event). */
  get request(): ClientHandshake | undefined {
    return this.#request;
  }

  /**
   * Accepts the request: writes the 101 answer (RFC 6455 §4.2.2) with the selected subprotocol
   * and the negotiated permessage-deflate, emits `open`, and reads any frames that came early.
   *
   * @throws {TypeError} Before the `request` event, after `accept` or `reject`, or for an invalid
   *   extra header (nothing is written).
   * @throws {RangeError} For a subprotocol the client did not offer.
   */
  accept(options: AcceptOptions = {}): void {
    const request = this.#pending('accept');
    const protocol = options.protocol === undefined
      ? this.#options.protocols?.find((name) => request.protocols.includes(name))
      : options.protocol ?? undefined;
    const response = createServerHandshake(request, {
      protocol,
      extensions: this.#deflate === undefined ? undefined : formatExtensions([this.#deflate.response]),
      headers: options.headers,
    });
    this.#answered = true;
    this.write(response);
    const early = concatBytes(this.#early, this.#earlyLength);
    this.#early = [];
    this.open(protocol, this.#deflate === undefined ? [] : [this.#deflate.response], this.#deflate?.extension, early);
  }

  /**
   * Refuses the request with an HTTP error status (e.g. 401, 403, 404, 429, 503): writes the
   * response and ends with a `close` event (1006) whose `error` carries the status.
   *
   * @throws {TypeError} Before the `request` event, after `accept` or `reject`, or for an invalid
   *   header.
   * @throws {RangeError} For a status outside 400..599.
   */
  reject(status: number, options: RejectOptions = {}): void {
    this.#pending('reject');
    const error = new HandshakeError('REJECTED', status, options.body ?? `The server refused the WebSocket handshake (${status})`);
    const response = createHandshakeRejection(error, { headers: options.headers });
    this.#answered = true;
    this.failHandshake(error, response);
  }

  /** @internal */
  protected receiveHandshake(bytes: Uint8Array): void {
    if (this.#request !== undefined) {
      this.#keepEarly(bytes);
      return;
    }
    let result;
    try {
      result = this.#headReader.push(bytes);
      if (result === undefined) return;
      this.#request = parseClientHandshake(result.head);
    } catch (error) {
      if (!(error instanceof HandshakeError)) throw error;
      this.#refuse(error);
      return;
    }
    const request = this.#request;
    let allowed: boolean;
    try {
      allowed = this.#originAllowed(request);
    } catch (error) {
      // The application's predicate failed: deny, as a check that cannot say yes must.
      allowed = false;
      this.#originError = error;
    }
    if (!allowed) {
      this.#request = undefined;
      const why = this.#originError === undefined ? 'may not connect' : `could not be checked (the origins predicate threw: ${String(this.#originError)})`;
      this.#refuse(new HandshakeError('FORBIDDEN_ORIGIN', 403,
        `The origin ${request.origin === undefined ? '(none)' : JSON.stringify(request.origin)} ${why}`));
      return;
    }
    // Frames sent with the request are kept first: too many refuse it before any request event.
    if (!this.#keepEarly(result.rest)) return;
    if (this.settings.deflate !== undefined) this.#deflate = PerMessageDeflate.accept(request.extensions, this.settings.deflate);
    this.emit({ type: 'request', request });
  }

  /** @internal */
  protected endHandshake(): void {
    this.failHandshake(this.#request === undefined
      ? new HandshakeError('INCOMPLETE_HEAD', 400, 'The transport ended before the opening handshake completed')
      : new HandshakeError('ENDED_BEFORE_ANSWER', 400, 'The transport ended while the request awaited an answer (accept or reject)'));
  }

  /** @internal */
  protected handshakeTimedOut(): void {
    const error = new HandshakeError('HANDSHAKE_TIMEOUT', 408,
      `The opening handshake did not complete within ${this.settings.handshakeTimeout} ms`);
    this.failHandshake(error, createHandshakeRejection(error), 'handshake');
  }

  #pending(what: string): ClientHandshake {
    if (this.#answered || this.state !== 'connecting') {
      throw new TypeError(`Cannot ${what}: the handshake was already answered or the connection ended`);
    }
    if (this.#request === undefined) throw new TypeError(`Cannot ${what}: no request has arrived yet (wait for the 'request' event)`);
    return this.#request;
  }

  #refuse(error: HandshakeError): void {
    this.#answered = true;
    this.failHandshake(error, createHandshakeRejection(error));
  }

  #originAllowed(request: ClientHandshake): boolean {
    const { origins } = this.#options;
    if (origins === undefined) return true;
    if (typeof origins === 'function') return origins(request.origin, request) === true;
    if (request.origin === undefined) return false;
    const origin = lowerAscii(request.origin);
    return origins.some((allowed) => lowerAscii(allowed) === origin);
  }

  /**
   * Frames a client sent before our answer: kept (copied) until `accept`, within a bound; past
   * it the handshake is refused (false).
   */
  #keepEarly(bytes: Uint8Array): boolean {
    if (bytes.length === 0) return true;
    this.#earlyLength += bytes.length;
    if (this.#earlyLength > MAX_EARLY_BYTES) {
      this.#early = [];
      this.#refuse(new HandshakeError('UNEXPECTED_BODY', 400,
        `More than ${MAX_EARLY_BYTES} bytes arrived before the handshake was answered`));
      return false;
    }
    this.#early.push(copyBytes(bytes, 0, bytes.length));
    return true;
  }
}
