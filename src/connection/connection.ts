/**
 * One WebSocket connection as a sans-I/O state machine: bytes in, events and bytes out, time as
 * an input. This module holds what both roles share once the opening handshake is done —
 * messages, control frames, the closing handshake (RFC 6455 §5.5, §7), keepalive and every
 * deadline; `ServerConnection` and `ClientConnection` add their side of the handshake. No
 * sockets, timers or clocks: the caller moves bytes and tells the time. Layer 6 (connection).
 *
 * @module
 */

import { encodeUtf8 } from '../base/_host.ts';
import { CloseCode, Opcode } from '../base/constants.ts';
import { type HandshakeError, ProtocolError } from '../base/errors.ts';
import type { PerMessageDeflate } from '../deflate/permessage-deflate.ts';
import type { Extension } from '../handshake/extensions.ts';
import { MessageDecoder } from '../streams/message-decoder.ts';
import type { MessageEvent } from '../streams/message-types.ts';
import { encodeClose, encodeMessage, encodePing, encodePong } from '../streams/message-encoder.ts';
import { encodeFrameInto } from '../wire/frame.ts';
import { headerLengthFor } from '../wire/header.ts';
import { outputBytes } from './_output.ts';
import {
  type ConnectionCloseEvent,
  type ConnectionEvent,
  type ConnectionOptions,
  type ConnectionState,
  type ResolvedConnectionOptions,
  resolveConnectionOptions,
} from './options.ts';

/**
 * The states each state may move to. Every transition goes through this table; a move it does
 * not list is a bug in the engine (an internal `Error`), never something a peer can cause.
 */
export const CONNECTION_TRANSITIONS: Readonly<Record<ConnectionState, readonly ConnectionState[]>> = {
  connecting: ['open', 'closed'],
  open: ['closing', 'closed'],
  // A client that completed the closing handshake stays 'closing' until the server ends TCP.
  closing: ['closed'],
  closed: [],
};

const EMPTY = new Uint8Array(0);

/** The earlier of two optional deadlines. */
function earlier(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || (b !== undefined && b < a) ? b : a;
}
// encodeMessage writes frames of up to 125 payload bytes inline, faster than a pooled copy.
const MAX_INLINE_PAYLOAD = 125;

/**
 * What `ServerConnection` and `ClientConnection` share: see DESIGN.md "Connection (sans-I/O)".
 * Not constructed directly.
 *
 * Data ownership: `receive` does not copy what it is given unless it must keep it; event data
 * may be a view into those bytes, so do not modify them after passing them. It never modifies
 * them either, unless `unmaskInPlace` says it may. Output arrays are
 * the connection's and not touched again once taken.
 */
export abstract class Connection {
  /** `'server'` or `'client'`. */
  readonly role: 'server' | 'client';
  /** @internal */
  protected readonly settings: ResolvedConnectionOptions;
  #state: ConnectionState = 'connecting';
  #transportShouldClose = false;
  #events: ConnectionEvent[] = [];
  #output: Uint8Array[] = [];
  #outputLength = 0;
  // The caller's clock: undefined until the first handleDeadline, when the deadlines set so
  // far (relative to 0) are moved onto it.
  #now: number | undefined = undefined;
  #handshakeDeadline: number | undefined;
  #pingDeadline: number | undefined = undefined;
  #pongDeadline: number | undefined = undefined;
  #closeDeadline: number | undefined = undefined;
  #decoder: MessageDecoder | undefined = undefined;
  #extensions: PerMessageDeflate[] = [];
  #closeSent = false;
  // The close frame the connection wrote by itself (answering the peer's close, or failing): it
  // goes out at the next takeOutput(), after what the application sent in answer to the events
  // before it (RFC 6455 §5.5.1 lets an endpoint finish its current message first).
  #autoClose: Uint8Array | undefined = undefined;
  #ended = false;
  // Input is ignored once the peer's close frame arrived or the connection failed or ended.
  #inputDone = false;

  /** @internal */
  protected constructor(role: 'server' | 'client', options: ConnectionOptions) {
    this.role = role;
    this.settings = resolveConnectionOptions(options);
    this.#handshakeDeadline = this.#after(this.settings.handshakeTimeout);
  }

  /** See {@link ConnectionState}. */
  get state(): ConnectionState {
    return this.#state;
  }

  /**
   * True once the I/O layer should close the transport (RFC 6455 §7.1.1): at once after a
   * failure, a refused handshake or (server) the closing handshake; for a client that completed
   * the closing handshake, when the server's EOF arrives or `closeTimeout` runs out.
   */
  get transportShouldClose(): boolean {
    return this.#transportShouldClose;
  }

  /** Bytes waiting in `takeOutput()`: what the caller has not taken yet. */
  get outputLength(): number {
    return this.#outputLength;
  }

  /**
   * Feeds bytes from the transport: the HTTP head first, then frames. What the peer sends never
   * throws: a violation fails the connection (a close frame with the error's close code, then a
   * `close` event carrying the error). Bytes after the peer's close frame or after a failure are
   * ignored.
   *
   * @throws {TypeError} When `bytes` is not a `Uint8Array`.
   */
  receive(bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw new TypeError(`Cannot receive: expected a Uint8Array, got ${typeof bytes}`);
    if (this.#inputDone || bytes.length === 0) return;
    if (this.#state === 'connecting') this.receiveHandshake(bytes);
    else this.#receiveFrames(bytes);
  }

  /**
   * The transport reached EOF (TCP FIN or reset). Without a completed closing handshake this
   * ends the connection with 1006; a client that completed it is now `'closed'`.
   */
  receiveEnd(): void {
    if (this.#state === 'closed') return;
    if (this.#state === 'connecting') {
      this.endHandshake();
      return;
    }
    this.#finish();
    this.#emitClose(CloseCode.AbnormalClosure, '', false);
  }

  /** Takes the events produced so far, in order (see {@link ConnectionEvent}). */
  events(): ConnectionEvent[] {
    const events = this.#events;
    this.#events = [];
    return events;
  }

  /**
   * Takes the bytes to write to the transport, in order; `[]` when there are none. A close frame
   * the connection wrote by itself comes last, after anything sent before this call.
   */
  takeOutput(): Uint8Array[] {
    const output = this.#output;
    if (this.#autoClose !== undefined) {
      output.push(this.#autoClose);
      this.#autoClose = undefined;
    }
    this.#output = [];
    this.#outputLength = 0;
    return output;
  }

  /**
   * Sends a text (string) or binary (Uint8Array) message, compressed when permessage-deflate was
   * negotiated, masked by a client (RFC 6455 §5.3), fragmented into frames of at most
   * `maxFrameLength` payload bytes (this call's option, else the connection's). Never modifies
   * `data`. Ignored once our close frame is sent or the connection has ended — except that a
   * close frame the connection writes by itself (answering the peer's close, or failing the
   * connection) waits for the next `takeOutput()`: what is sent until then, typically in answer
   * to the events before the close, goes out first.
   *
   * @throws {TypeError} Before `open`, or when `data` is neither a string nor a `Uint8Array`.
   * @throws {RangeError} For a `maxFrameLength` that is not a positive integer or Infinity.
   */
  send(data: string | Uint8Array, options: { maxFrameLength?: number } = {}): void {
    this.#checkOpened('send');
    if (this.role === 'server' && this.#extensions.length === 0 && options.maxFrameLength === undefined &&
      this.settings.maxFrameLength === undefined) {
      // One unmasked frame, written into pooled output storage (see _output.ts).
      const payload = typeof data === 'string' ? encodeUtf8(data) : data;
      if (payload instanceof Uint8Array && payload.length > MAX_INLINE_PAYLOAD) {
        if (!this.#mayWrite()) return;
        const bytes = outputBytes(headerLengthFor(payload.length, false) + payload.length);
        encodeFrameInto({ opcode: typeof data === 'string' ? Opcode.Text : Opcode.Binary, payload }, bytes);
        this.write(bytes);
        return;
      }
    }
    const frames = encodeMessage(data, {
      mask: this.role === 'client',
      maxFrameLength: options.maxFrameLength ?? this.settings.maxFrameLength,
      extensions: this.#extensions,
      random: this.settings.random,
    });
    if (this.#mayWrite()) this.write(frames);
  }

  /**
   * Sends a ping (RFC 6455 §5.5.2); a string payload is UTF-8 encoded. Ignored once our close
   * frame is sent or the connection has ended.
   *
   * @throws {TypeError} Before `open`.
   * @throws {RangeError} For a payload over 125 bytes (nothing is written).
   */
  ping(payload: string | Uint8Array = EMPTY): void {
    this.#checkOpened('ping');
    const frame = encodePing(payload, this.#controlOptions());
    if (this.#mayWrite()) this.write(frame);
  }

  /**
   * Starts the closing handshake (RFC 6455 §7.1.2): sends a close frame with `code` (none when
   * omitted: the peer then reports 1005) and `reason`, then drops data frames until the peer's
   * close frame arrives or `closeTimeout` runs out. Ignored once our close frame is sent or the
   * connection has ended.
   *
   * @throws {TypeError} Before `open` (a server refuses a handshake with `reject`).
   * @throws {RangeError} For a code that may not be sent (e.g. 999, 1005, 1006) or a reason over
   *   123 bytes of UTF-8 (nothing is written).
   */
  close(code?: number, reason = ''): void {
    this.#checkOpened('close');
    const frame = encodeClose(code, reason, this.#controlOptions());
    if (this.#closeSent || this.#state === 'closed') return;
    this.write(frame);
    this.#closeSent = true;
    this.#moveTo('closing');
    this.#pingDeadline = undefined;
    this.#pongDeadline = undefined;
    this.#closeDeadline = this.#after(this.settings.closeTimeout);
  }

  /**
   * When `handleDeadline` must next be called, on the caller's clock; `undefined` when no
   * deadline is pending.
   */
  nextDeadline(): number | undefined {
    // The adapters ask after every batch of input: no array per call.
    return earlier(earlier(this.#handshakeDeadline, this.#closeDeadline), earlier(this.#pongDeadline, this.#pingDeadline));
  }

  /**
   * Tells the connection the time. The first call only sets the clock (deadlines count from it);
   * later calls run what is due: the handshake timeout, the close timeout, the pong timeout
   * (1006, `transportShouldClose`) and keepalive pings.
   *
   * @throws {TypeError} When `now` is not a finite number.
   */
  handleDeadline(now: number): void {
    if (typeof now !== 'number' || !Number.isFinite(now)) {
      throw new TypeError(`Cannot handle deadline: now must be a finite number, got ${String(now)}`);
    }
    if (this.#now === undefined) {
      const shift = (deadline: number | undefined) => (deadline === undefined ? undefined : deadline + now);
      this.#handshakeDeadline = shift(this.#handshakeDeadline);
      this.#pingDeadline = shift(this.#pingDeadline);
      this.#pongDeadline = shift(this.#pongDeadline);
      this.#closeDeadline = shift(this.#closeDeadline);
      this.#now = now;
      return;
    }
    this.#now = now;
    if (this.#handshakeDeadline !== undefined && now >= this.#handshakeDeadline) {
      this.#handshakeDeadline = undefined;
      this.handshakeTimedOut();
    }
    if (this.#closeDeadline !== undefined && now >= this.#closeDeadline) {
      this.#finish();
      this.#emitClose(CloseCode.AbnormalClosure, '', false, undefined, 'close');
    }
    if (this.#pongDeadline !== undefined && now >= this.#pongDeadline) {
      this.#finish();
      this.#emitClose(CloseCode.AbnormalClosure, '', false, undefined, 'pong');
    }
    if (this.#pingDeadline !== undefined && now >= this.#pingDeadline) {
      this.write(encodePing(EMPTY, this.#controlOptions()));
      this.#pingDeadline = this.#after(this.settings.pingInterval as number);
      this.#pongDeadline ??= this.#after(this.settings.pongTimeout);
    }
  }

  /** @internal Bytes of the opening handshake, in `'connecting'`. */
  protected abstract receiveHandshake(bytes: Uint8Array): void;
  /** @internal The transport ended during the opening handshake. */
  protected abstract endHandshake(): void;
  /** @internal `handshakeTimeout` ran out. */
  protected abstract handshakeTimedOut(): void;

  /** @internal Queues bytes to write. */
  protected write(bytes: Uint8Array): void {
    this.#output.push(bytes);
    this.#outputLength += bytes.length;
  }

  /** @internal Queues an event. */
  protected emit(event: ConnectionEvent): void {
    this.#events.push(event);
  }

  /**
   * @internal The handshake succeeded: starts reading frames with the negotiated extension and
   * feeds the bytes that followed the head.
   */
  protected open(protocol: string | undefined, extensions: Extension[], deflate: PerMessageDeflate | undefined, rest: Uint8Array): void {
    this.#moveTo('open');
    this.#handshakeDeadline = undefined;
    this.#extensions = deflate === undefined ? [] : [deflate];
    const { maxMessageLength } = this.settings;
    this.#decoder = new MessageDecoder({
      role: this.role,
      maxMessageLength,
      // maxMessageLength bounds every frame too (1009 MESSAGE_TOO_LARGE at its header).
      maxPayloadLength: Number.MAX_SAFE_INTEGER,
      extensions: this.#extensions,
      // Bytes after the peer's close frame are never looked at (see #inputDone).
      afterClose: 'ignore',
      unmaskInPlace: this.settings.unmaskInPlace,
    });
    if (this.settings.pingInterval !== undefined) this.#pingDeadline = this.#after(this.settings.pingInterval);
    this.emit({ type: 'open', protocol, extensions });
    if (rest.length > 0) this.#receiveFrames(rest);
  }

  /**
   * @internal The opening handshake failed: writes `response` (a server's refusal), ends with
   * 1006 and the error.
   */
  protected failHandshake(error: HandshakeError, response?: Uint8Array, timeout?: 'handshake'): void {
    if (response !== undefined) this.write(response);
    this.#finish();
    this.#emitClose(CloseCode.AbnormalClosure, '', false, error, timeout);
  }

  /** The time `delay` ms from now (from 0 until the clock is set); undefined for Infinity. */
  #after(delay: number): number | undefined {
    return Number.isFinite(delay) ? (this.#now ?? 0) + delay : undefined;
  }

  #moveTo(state: ConnectionState): void {
    if (state === this.#state) return;
    if (!CONNECTION_TRANSITIONS[this.#state].includes(state)) {
      throw new Error(`wsframe bug: connection state ${this.#state} cannot move to ${state}`);
    }
    this.#state = state;
  }

  /** Ends everything: state closed, transport to close, no deadline, input ignored. */
  #finish(): void {
    this.#moveTo('closed');
    this.#transportShouldClose = true;
    this.#inputDone = true;
    this.#decoder = undefined;
    this.#handshakeDeadline = undefined;
    this.#pingDeadline = undefined;
    this.#pongDeadline = undefined;
    this.#closeDeadline = undefined;
  }

  #emitClose(code: number, reason: string, wasClean: boolean, error?: ProtocolError | HandshakeError, timeout?: ConnectionCloseEvent['timeout']): void {
    if (this.#ended) return;
    this.#ended = true;
    const event: ConnectionCloseEvent = { type: 'close', code, reason, wasClean };
    if (error !== undefined) event.error = error;
    if (timeout !== undefined) event.timeout = timeout;
    this.emit(event);
  }

  #checkOpened(what: string): void {
    if (this.#state === 'connecting') {
      throw new TypeError(`Cannot ${what}: the connection is not open yet (wait for the 'open' event)`);
    }
  }

  #mayWrite(): boolean {
    return this.#autoClose !== undefined || (!this.#closeSent && this.#state !== 'closed');
  }

  /** Queues the connection's own close frame (see #autoClose). */
  #writeAutoClose(code: number | undefined, reason: string): void {
    this.#autoClose = encodeClose(code, reason, this.#controlOptions());
    this.#outputLength += this.#autoClose.length;
    this.#closeSent = true;
  }

  #controlOptions(): { mask: boolean; random?: (bytes: Uint8Array) => Uint8Array } {
    return { mask: this.role === 'client', random: this.settings.random };
  }

  #receiveFrames(bytes: Uint8Array): void {
    const decoder = this.#decoder as MessageDecoder;
    try {
      for (const event of decoder.push(bytes)) {
        this.#onMessage(event);
        if (this.#inputDone) return;
      }
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.#fail(error);
    }
  }

  #onMessage(event: MessageEvent): void {
    switch (event.type) {
      case 'text':
      case 'binary':
        // RFC 6455 §5.5.1: after sending a close frame, data frames are dropped.
        if (!this.#closeSent) this.emit({ type: event.type, data: event.data } as ConnectionEvent);
        return;
      case 'ping':
        // RFC 6455 §5.5.2: a ping is answered with a pong carrying its payload, unless closing.
        if (this.#mayWrite()) this.write(encodePong(event.data, this.#controlOptions()));
        this.emit({ type: 'ping', data: event.data });
        return;
      case 'pong':
        this.#pongDeadline = undefined;
        this.emit({ type: 'pong', data: event.data });
        return;
      case 'close':
        this.#onClose(event.code, event.reason);
        return;
    }
  }

  /** The peer's close frame: answer it (RFC 6455 §5.5.1) unless ours went first; the handshake is done. */
  #onClose(code: number | undefined, reason: string): void {
    this.#inputDone = true;
    this.#decoder = undefined;
    // RFC 6455 §5.5.1: the answer typically echoes the status code received (none: none); the
    // reason is echoed too, as ws, python-websockets and wsproto do.
    if (!this.#closeSent) this.#writeAutoClose(code, reason);
    this.#pingDeadline = undefined;
    this.#pongDeadline = undefined;
    if (this.role === 'server') {
      // RFC 6455 §7.1.1: the server closes TCP first, right after the closing handshake.
      this.#finish();
    } else {
      // The client waits for the server's FIN, at most closeTimeout (counted from our close).
      this.#moveTo('closing');
      this.#closeDeadline ??= this.#after(this.settings.closeTimeout);
    }
    this.#emitClose(code ?? CloseCode.NoStatusReceived, reason, true);
  }

  /** RFC 6455 §7.1.7 "Fail the WebSocket Connection": our close frame carries the error's code. */
  #fail(error: ProtocolError): void {
    if (!this.#closeSent) this.#writeAutoClose(error.closeCode, '');
    this.#finish();
    this.#emitClose(error.closeCode, '', false, error);
  }
}
