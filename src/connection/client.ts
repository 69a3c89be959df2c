/**
 * The client side of a sans-I/O WebSocket connection: writes the upgrade request at
 * construction, validates the server's answer (accept key, subprotocol, extensions) and opens.
 * Layer 6 (connection).
 *
 * @module
 */

import { HandshakeError } from '../base/errors.ts';
import { PerMessageDeflate } from '../deflate/permessage-deflate.ts';
import { createClientHandshake, validateServerHandshake } from '../handshake/client.ts';
import { formatExtensions } from '../handshake/extensions.ts';
import { HttpHeadReader } from '../handshake/head.ts';
import { Connection } from './connection.ts';
import type { ClientConnectionOptions } from './options.ts';

// RFC 7231 §6.6.5: what a gateway reports when the server did not answer in time.
const GATEWAY_TIMEOUT = 504;
// The status a client reports for a server answer that is not a valid handshake (as
// validateServerHandshake does): 502 Bad Gateway.
const BAD_GATEWAY = 502;

/**
 * One WebSocket connection, client side (RFC 6455 §4.1), as a state machine. The request is in
 * `takeOutput()` at once; feed the server's bytes to `receive`, tell the time with
 * `handleDeadline`. A valid 101 answer produces `open`; anything else (another status, a wrong
 * accept key, a subprotocol or extension not offered, a timeout) ends with a `close` event of
 * code 1006 whose `error` is the `HandshakeError`. Every frame sent is masked with a fresh key.
 *
 * @example
 * ```ts
 * import { ClientConnection } from 'wsframe';
 * const client = new ClientConnection({ url: 'ws://example.com/chat', key: 'dGhlIHNhbXBsZSBub25jZQ==' });
 * client.handleDeadline(0);
 * const request = new TextDecoder().decode(client.takeOutput()[0]);
 * console.log(request.split('\r\n')[0]); // GET /chat HTTP/1.1
 * client.receive(new TextEncoder().encode(
 *   'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
 *     'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n'));
 * client.receive(new Uint8Array([0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f])); // "Hello"
 * console.log(client.events().map((event) => event.type).join(' ')); // open text
 * client.send('Hi');
 * console.log(client.takeOutput()[0].length); // 8
 * ```
 */
export class ClientConnection extends Connection {
  readonly #key: string;
  readonly #protocols: string[] | undefined;
  readonly #offer: string | undefined;
  readonly #headReader: HttpHeadReader;

  /**
   * Writes the opening handshake request (taken with `takeOutput()`).
   *
   * @param options - See {@link ClientConnectionOptions}; `url` is required.
   * @throws {SyntaxError} For an invalid URL or subprotocol list (as the WHATWG `WebSocket`).
   * @throws {TypeError} / {RangeError} For malformed options or an invalid header (header
   *   injection is refused).
   */
  constructor(options: ClientConnectionOptions) {
    super('client', options);
    const offer = this.settings.deflate === undefined ? undefined : formatExtensions([PerMessageDeflate.offer(this.settings.deflate)]);
    const { request, key } = createClientHandshake({
      url: options.url,
      protocols: options.protocols,
      extensions: offer,
      origin: options.origin,
      headers: options.headers,
      key: options.key,
    });
    this.#key = key;
    this.#protocols = options.protocols;
    this.#offer = offer;
    this.#headReader = new HttpHeadReader({ maxHeadLength: options.maxHeadLength });
    this.write(request);
  }

  /** @internal */
  protected receiveHandshake(bytes: Uint8Array): void {
    let opened;
    try {
      const result = this.#headReader.push(bytes);
      if (result === undefined) return;
      const response = validateServerHandshake(result.head, { key: this.#key, protocols: this.#protocols, extensions: this.#offer ?? '' });
      const deflate = this.settings.deflate === undefined ? undefined : PerMessageDeflate.fromResponse(response.extensions, this.settings.deflate);
      opened = { response, deflate, rest: result.rest };
    } catch (error) {
      if (!(error instanceof HandshakeError)) throw error;
      // On this side the server broke the handshake: report it as a gateway would (502), as
      // validateServerHandshake does, unless the server answered with its own status.
      this.failHandshake(error.status === 431 ? new HandshakeError(error.code, BAD_GATEWAY, error.message) : error);
      return;
    }
    this.open(opened.response.protocol, opened.response.extensions, opened.deflate, opened.rest);
  }

  /** @internal */
  protected endHandshake(): void {
    this.failHandshake(new HandshakeError('INCOMPLETE_HEAD', BAD_GATEWAY, 'The server ended the connection before answering the handshake'));
  }

  /** @internal */
  protected handshakeTimedOut(): void {
    this.failHandshake(new HandshakeError('HANDSHAKE_TIMEOUT', GATEWAY_TIMEOUT,
      `The server did not answer the handshake within ${this.settings.handshakeTimeout} ms`), undefined, 'handshake');
  }
}
