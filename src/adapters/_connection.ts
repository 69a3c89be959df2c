/**
 * What every adapter shares: {@link WebSocketConnection}, one engine connection
 * (`ServerConnection` or `ClientConnection`) driven on a {@link Transport} that moves bytes. The
 * engine decides everything RFC 6455 decides; this file moves bytes, time and backpressure
 * between it, the transport and the application, and nothing else:
 *
 * - bytes: what the transport reads goes to `receive`, what the engine outputs is written;
 * - time: one timer per connection, armed for `nextDeadline()` (re-armed only when a deadline
 *   moves earlier; a timer that fires early re-arms), cleared when the transport closes;
 * - backpressure: reading stops while more than `highWaterMark` bytes wait to be sent (`send`
 *   returns false then) or while {@link MAX_WAITING_MESSAGES} messages wait for a consumer;
 * - ending: when `transportShouldClose` says so, the transport is ended (FIN after what is
 *   queued), then dropped `closeGrace` later if the peer has not closed it.
 *
 * Layer `adapters`: portable (no `node:` import); the runtime's timers come through `_host`.
 *
 * @module
 */

import { clearTimer, monotonicNow, setTimer, type TimerHandle } from '../base/_host.ts';
import { CloseCode } from '../base/constants.ts';
import type { HandshakeError, ProtocolError } from '../base/errors.ts';
import type { ClientConnection } from '../connection/client.ts';
import type {
  ClientConnectionOptions, ConnectionCloseEvent, ConnectionEvent, ConnectionState, ServerConnectionOptions,
} from '../connection/options.ts';
import type { AcceptOptions, RejectOptions, ServerConnection } from '../connection/server.ts';
import type { Extension } from '../handshake/extensions.ts';
import type { ClientHandshake } from '../handshake/server.ts';

/** The byte pipe under a connection: what an adapter implements for its runtime. */
export interface Transport {
  /** Queues bytes to send, in order. */
  write(chunks: Uint8Array[]): void;
  /** Bytes written and not yet taken by the operating system. */
  readonly bufferedAmount: number;
  /** Stops (`false`) or restarts (`true`) reading. */
  setReading(reading: boolean): void;
  /** Sends what is queued, then ends our half (TCP FIN). */
  end(): void;
  /** Drops the transport at once. */
  destroy(): void;
}

/** How a connection ended: the engine's `close` event, plus the transport's error if one ended it. */
export interface CloseInfo {
  /** 1000–4999 from the peer's close frame, 1005 (none in it), the error's code, or 1006. */
  code: number;
  /** The reason in the peer's close frame; `''` otherwise. */
  reason: string;
  /** True when both close frames were exchanged (RFC 6455 §7.1.4). */
  wasClean: boolean;
  /** The peer's violation, the failed handshake, or the transport's error (ECONNRESET, …). */
  error?: ProtocolError | HandshakeError | Error;
  /** Which deadline ended the connection, when one did. */
  timeout?: ConnectionCloseEvent['timeout'];
}

/** A server's answer to a request: accept (with options), or refuse with an HTTP status. */
export type RequestDecision = AcceptOptions | ({ status: number } & RejectOptions) | undefined | void;

/** Options every adapter takes besides the engine's. Times are milliseconds. */
export interface AdapterOptions {
  /**
   * Reading stops while more than this many bytes wait to be sent, and `send` returns false.
   * Default {@link DEFAULT_HIGH_WATER_MARK} (64 KiB).
   */
  highWaterMark?: number;
  /**
   * After ending the transport (FIN), how long the peer has to close its side before the
   * transport is dropped. Default {@link DEFAULT_CLOSE_GRACE} (1 s).
   */
  closeGrace?: number;
}

/** Options of a served connection: the engine's and the adapter's, and how to answer a request. */
export interface AdapterServerOptions extends AdapterOptions {
  /**
   * Decides on a valid request that passed `origins`: return (or resolve with) accept options,
   * nothing (accept), or `{ status }` to refuse (e.g. 401, 404). A throw or rejection refuses
   * with 500. The engine's `handshakeTimeout` covers the wait. Default: accept.
   */
  onRequest?: (request: ClientHandshake) => RequestDecision | Promise<RequestDecision>;
}

/** What an adapter's server takes: the engine's options, the adapter's, and `onRequest`. */
export interface ServeOptions extends ServerConnectionOptions, AdapterServerOptions {}

/** What an adapter's client takes: the engine's options but the URL, and the adapter's. */
export interface DialOptions extends Omit<ClientConnectionOptions, 'url'>, AdapterOptions {}

/** Default {@link AdapterOptions.highWaterMark}: 64 KiB. */
export const DEFAULT_HIGH_WATER_MARK = 64 * 1024;
/** Default {@link AdapterOptions.closeGrace}: 1 s. */
export const DEFAULT_CLOSE_GRACE = 1_000;
/**
 * Default `pingInterval` of the adapters' servers: 30 s, so a peer that vanished without a FIN
 * (or idles forever) is dropped with 1006 within a minute (`pongTimeout` defaults to the
 * interval). Clients keep the engine's default: off.
 */
export const DEFAULT_SERVER_PING_INTERVAL = 30_000;
// The core types this API names, so that a subpath's declarations are complete on their own.
export type { ProtocolError, HandshakeError } from '../base/errors.ts';
export type { ConnectionCloseEvent, ConnectionState, ServerConnectionOptions, ClientConnectionOptions } from '../connection/options.ts';
export type { AcceptOptions, RejectOptions } from '../connection/server.ts';
export type { ClientHandshake } from '../handshake/server.ts';
export type { Extension } from '../handshake/extensions.ts';

/** An `Error` for what was thrown. */
const toError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/** Received messages that may wait for a listener or an iterator before reading stops. */
export const MAX_WAITING_MESSAGES = 16;

const INTERNAL_ERROR = 500;

/** The listeners of each event of a {@link WebSocketConnection}. */
export interface Listeners {
  /** The connection opened (the handshake succeeded). */
  open: Array<(connection: WebSocketConnection) => void>;
  /** A text (string) or binary (Uint8Array) message arrived. */
  message: Array<(data: string | Uint8Array) => void>;
  /** A ping arrived (it was answered already). */
  ping: Array<(data: Uint8Array) => void>;
  /** A pong arrived. */
  pong: Array<(data: Uint8Array) => void>;
  /** The connection ended; called once. */
  close: Array<(info: CloseInfo) => void>;
}

/** The events of a {@link WebSocketConnection} and their listeners' arguments. */
export type WebSocketEventMap = { [K in keyof Listeners]: Listeners[K][number] };

/**
 * One WebSocket connection on a real transport (made by `wsframe/node` or `wsframe/streams`):
 * `send`, `ping`, `close`, events (`on`) or async iteration over messages. Not the DOM's
 * `WebSocket`: `readyState` is the engine's state name, binary messages are `Uint8Array`s, and
 * `send` reports backpressure.
 *
 * Messages wait (up to {@link MAX_WAITING_MESSAGES}, reading stops past it) until a `message`
 * listener is added or iteration starts, so none is lost between `open` and the first listener.
 */
export class WebSocketConnection {
  readonly #engine: ServerConnection | ClientConnection;
  readonly #transport: Transport;
  readonly #highWaterMark: number;
  readonly #closeGrace: number;
  readonly #onRequest: AdapterServerOptions['onRequest'];
  readonly #listeners: Listeners = { open: [], message: [], ping: [], pong: [], close: [] };
  readonly #waiting: Array<string | Uint8Array> = [];
  #wake: (() => void) | undefined = undefined;
  #open: { protocol: string | undefined; extensions: Extension[] } | undefined = undefined;
  #closeInfo: CloseInfo | undefined = undefined;
  #transportError: Error | undefined = undefined;
  /** What a listener or `onRequest` threw, or the answer the engine refused. */
  #applicationError: Error | undefined = undefined;
  #pumping = false;
  #ended = false;
  #transportClosed = false;
  #timer: TimerHandle | undefined = undefined;
  #timerAt = 0;
  #graceDeadline: number | undefined = undefined;
  #resolveClosed!: (info: CloseInfo) => void;
  /** Resolves with the close information once the connection has ended (never rejects). */
  readonly closed: Promise<CloseInfo>;
  /** Resolves once open; rejects with the `HandshakeError` (or transport error) when the handshake fails. */
  readonly opened: Promise<WebSocketConnection>;

  /** @internal Adapters make connections; see `wsframe/node` and `wsframe/streams`. */
  constructor(engine: ServerConnection | ClientConnection, transport: Transport, options: AdapterOptions & AdapterServerOptions = {}) {
    this.#engine = engine;
    this.#transport = transport;
    this.#highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    this.#closeGrace = options.closeGrace ?? DEFAULT_CLOSE_GRACE;
    this.#onRequest = options.onRequest;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    this.opened = new Promise((resolve, reject) => {
      this.#listeners.open.push(resolve);
      void this.closed.then((info) => reject(info.error ?? new Error(`The connection closed (${info.code}) before it opened`)));
    });
    // Handled here so that a caller who only listens to events has no unhandled rejection.
    this.opened.catch(() => {});
    engine.handleDeadline(monotonicNow());
    this.#pump();
  }

  /** `'connecting'`, `'open'`, `'closing'` or `'closed'` (the engine's state). */
  get readyState(): ConnectionState {
    return this.#engine.state;
  }

  /** The subprotocol agreed on (`undefined`: none, or not open yet). */
  get protocol(): string | undefined {
    return this.#open?.protocol;
  }

  /** The extensions agreed on, as negotiated (`[]`: none). */
  get extensions(): Extension[] {
    return this.#open?.extensions ?? [];
  }

  /** The client's request (server side, once it arrived). */
  get request(): ClientHandshake | undefined {
    return this.#engine.role === 'server' ? (this.#engine as ServerConnection).request : undefined;
  }

  /** Bytes sent and not yet taken by the operating system. */
  get bufferedAmount(): number {
    return this.#transport.bufferedAmount + this.#engine.outputLength;
  }

  /** How the connection ended; `undefined` until then. */
  get closeInfo(): CloseInfo | undefined {
    return this.#closeInfo;
  }

  /**
   * Sends a text (string) or binary (Uint8Array) message (see the engine's `send`). Returns
   * false while more than `highWaterMark` bytes wait to be sent (reading has stopped too: wait
   * for the peer to take them) or once the connection is closing.
   *
   * @throws {TypeError} Before `open`.
   */
  send(data: string | Uint8Array, options?: { maxFrameLength?: number }): boolean {
    this.#engine.send(data, options);
    this.#pump();
    return this.#engine.state === 'open' && this.bufferedAmount <= this.#highWaterMark;
  }

  /** Sends a ping (payload at most 125 bytes; `RangeError` past it). */
  ping(payload?: string | Uint8Array): void {
    this.#engine.ping(payload);
    this.#pump();
  }

  /**
   * Starts the closing handshake (RFC 6455 §7.1.2); `close` follows when the peer answers or
   * `closeTimeout` runs out. Before `open`, drops the transport instead.
   *
   * @throws {RangeError} For a code that may not be sent or a reason over 123 bytes.
   */
  close(code?: number, reason?: string): void {
    if (this.#engine.state === 'connecting') {
      // The cause the close event reports, rather than the engine's view (a transport that ended).
      this.#applicationError ??= new Error('close() was called before the opening handshake completed: the connection was dropped');
      this.#transport.destroy();
      return;
    }
    this.#engine.close(code, reason);
    this.#pump();
  }

  /** Adds a listener; a `message` listener first receives the messages that waited. */
  on<K extends keyof Listeners>(type: K, listener: WebSocketEventMap[K]): this {
    (this.#listeners[type] as Array<WebSocketEventMap[K]>).push(listener);
    if (type === 'message' && this.#waiting.length > 0) void Promise.resolve().then(() => this.#deliverWaiting());
    return this;
  }

  /** Removes a listener added with `on`. */
  off<K extends keyof Listeners>(type: K, listener: WebSocketEventMap[K]): this {
    const list = this.#listeners[type] as Array<WebSocketEventMap[K]>;
    const index = list.indexOf(listener);
    if (index !== -1) list.splice(index, 1);
    return this;
  }

  /** The received messages, in order, until the connection ends (reading stops while they wait). */
  async *[Symbol.asyncIterator](): AsyncGenerator<string | Uint8Array, void, undefined> {
    for (;;) {
      const message = this.#waiting.shift();
      if (message !== undefined) {
        this.#updateReading();
        yield message;
      } else if (this.#closeInfo !== undefined) {
        return;
      } else {
        await new Promise<void>((resolve) => (this.#wake = resolve));
      }
    }
  }

  /** @internal The transport read `chunk`. */
  receive(chunk: Uint8Array): void {
    this.#engine.receive(chunk);
    this.#pump();
  }

  /** @internal The transport reached EOF, or failed with `error` (ECONNRESET, EPIPE, TLS). */
  receiveEnd(error?: Error): void {
    this.#transportError ??= error;
    this.#engine.receiveEnd();
    this.#pump();
  }

  /** @internal The transport took some of what was written. */
  drained(): void {
    this.#updateReading();
  }

  /** @internal The transport is closed: the end of the connection, the timer cleared. */
  transportClosed(error?: Error): void {
    this.#transportClosed = true;
    this.receiveEnd(error);
    this.#clearTimer();
  }

  /** Writes what the engine output, hands its events out, then acts on its state and deadlines. */
  #pump(): void {
    // A listener that sends runs inside the loop below, which writes its output once the events
    // are handed out: a close frame the engine wrote by itself (answering the peer's close, or
    // failing) then goes after the answers to the messages before it.
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      // Events first, all of them (accepting a request produces more), then the output once.
      for (let events = this.#engine.events(); events.length > 0; events = this.#engine.events()) {
        for (const event of events) this.#dispatchSafely(event);
      }
      const output = this.#engine.takeOutput();
      if (output.length > 0 && !this.#ended) this.#transport.write(output);
    } finally {
      this.#pumping = false;
    }
    if (this.#engine.transportShouldClose && !this.#ended) {
      this.#ended = true;
      this.#transport.end();
      this.#graceDeadline = monotonicNow() + this.#closeGrace;
    }
    this.#updateReading();
    this.#arm();
  }

  /**
   * A listener that throws is the application's bug, not the peer's: the connection closes with
   * 1011 (Internal Error), the error is `closeInfo.error`, and the other events and the output
   * still go out. Both adapters behave alike; nothing is thrown into the transport's callbacks.
   */
  #dispatchSafely(event: ConnectionEvent): void {
    try {
      this.#dispatch(event);
    } catch (error) {
      this.#applicationError ??= toError(error);
      if (this.#engine.state === 'open') this.#engine.close(CloseCode.InternalError);
    }
  }

  #dispatch(event: ConnectionEvent): void {
    switch (event.type) {
      case 'request':
        this.#decide(event.request);
        return;
      case 'open':
        this.#open = { protocol: event.protocol, extensions: event.extensions };
        for (const listener of this.#listeners.open.slice()) listener(this);
        return;
      case 'text':
      case 'binary':
        if (this.#waiting.length === 0 && this.#listeners.message.length > 0) {
          for (const listener of this.#listeners.message.slice()) listener(event.data);
        } else {
          this.#waiting.push(event.data);
          this.#wakeIterator();
        }
        return;
      case 'ping':
      case 'pong':
        for (const listener of this.#listeners[event.type].slice()) listener(event.data);
        return;
      case 'close': {
        const { type: _, ...info } = event;
        const closeInfo: CloseInfo = info;
        // A transport error before the close event is what ended the connection: the more telling cause.
        if (this.#transportError !== undefined) closeInfo.error = this.#transportError;
        else if (this.#applicationError !== undefined) closeInfo.error = this.#applicationError;
        this.#closeInfo = closeInfo;
        this.#wakeIterator();
        this.#resolveClosed(closeInfo);
        for (const listener of this.#listeners.close.slice()) listener(closeInfo);
        return;
      }
    }
  }

  /** Asks `onRequest` (possibly asynchronously) and answers the engine. */
  #decide(request: ClientHandshake): void {
    const engine = this.#engine as ServerConnection;
    const answer = (decision: RequestDecision): void => {
      // The handshake may have timed out, or the transport ended, while the decision was pending.
      if (engine.state !== 'connecting') return;
      try {
        if (decision !== undefined && decision !== null && 'status' in decision) engine.reject(decision.status, decision);
        else engine.accept(decision ?? {});
      } catch (error) {
        // An answer the engine refuses (a subprotocol not offered, an invalid header, a status
        // outside 400..599) is the application's bug: refuse the request with 500.
        this.#applicationError ??= toError(error);
        engine.reject(INTERNAL_ERROR);
      }
      this.#pump();
    };
    const refuse = (error: unknown): void => {
      this.#applicationError ??= toError(error);
      answer({ status: INTERNAL_ERROR });
    };
    if (this.#onRequest === undefined) {
      answer(undefined);
      return;
    }
    let decision;
    try {
      decision = this.#onRequest(request);
    } catch (error) {
      refuse(error);
      return;
    }
    // A promise or any thenable: answered when it settles (a rejection refuses with 500).
    if (decision !== null && typeof decision === 'object' && typeof (decision as { then?: unknown }).then === 'function') {
      Promise.resolve(decision).then(answer, refuse);
    } else {
      answer(decision as RequestDecision);
    }
  }

  #deliverWaiting(): void {
    while (this.#waiting.length > 0 && this.#listeners.message.length > 0) {
      const message = this.#waiting.shift() as string | Uint8Array;
      for (const listener of this.#listeners.message.slice()) listener(message);
    }
    this.#updateReading();
  }

  #wakeIterator(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #updateReading(): void {
    if (this.#transportClosed) return;
    this.#transport.setReading(this.bufferedAmount <= this.#highWaterMark && this.#waiting.length < MAX_WAITING_MESSAGES);
  }

  /** Arms the one timer for the engine's next deadline, or the grace period once ended. */
  #arm(): void {
    if (this.#transportClosed) return;
    const deadline = this.#ended ? this.#graceDeadline : this.#engine.nextDeadline();
    if (deadline === undefined) {
      this.#clearTimer();
      return;
    }
    // A later deadline keeps the armed timer: it fires early and re-arms (one timer, few resets).
    if (this.#timer !== undefined && this.#timerAt <= deadline) return;
    this.#clearTimer();
    this.#timerAt = deadline;
    this.#timer = setTimer(() => this.#onTimer(), Math.max(0, deadline - monotonicNow()));
  }

  #onTimer(): void {
    this.#timer = undefined;
    const now = monotonicNow();
    if (this.#ended) {
      if (now >= (this.#graceDeadline as number)) this.#transport.destroy();
      else this.#arm();
      return;
    }
    this.#engine.handleDeadline(now);
    this.#pump();
  }

  #clearTimer(): void {
    if (this.#timer === undefined) return;
    clearTimer(this.#timer);
    this.#timer = undefined;
  }
}
