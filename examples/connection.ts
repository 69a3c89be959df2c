/**
 * One open WebSocket connection on a `node:net` socket, after the opening handshake: the part
 * the echo server and the echo client share. It reads frames with wsframe's `MessageDecoder`,
 * answers pings and closes, fails the connection on a protocol violation with the error's close
 * code, and runs the closing handshake with a timeout, so no socket is ever left open.
 *
 * Built on wsframe's public API only (`import … from 'wsframe'`).
 *
 * @module
 */
import type { Socket } from 'node:net';
import {
  CloseCode,
  MessageDecoder,
  ProtocolError,
  encodeClose,
  encodeMessage,
  encodePing,
  encodePong,
  type MessageEncodeExtension,
  type MessageEvent,
  type MessageExtension,
} from 'wsframe';

/** The largest message the examples accept: 16 MiB (a larger one fails the connection with 1009). */
export const MAX_MESSAGE_LENGTH = 16 * 1024 * 1024;

/** How long to wait for the peer's half of the closing handshake before dropping the socket. */
export const CLOSE_TIMEOUT_MS = 5_000;

/** How a connection ended, given to {@link ConnectionOptions.onClose}. */
export interface CloseInfo {
  /** The close frame the peer sent (`code` undefined: it carried no status code), if any. */
  received: { code: number | undefined; reason: string } | undefined;
  /** The status code of the close frame we sent (`null`: none sent; `undefined`: sent without a code). */
  sent: number | undefined | null;
  /** True when both close frames were exchanged (RFC 6455 §7.1.4 "cleanly"). */
  clean: boolean;
  /** Why we failed the connection: the peer's `ProtocolError`, or a socket or application error. */
  error: Error | undefined;
}

/** What a {@link WebSocketConnection} needs besides its socket. */
export interface ConnectionOptions {
  /** `'server'`: the peer is a client, whose frames must be masked; `'client'`: the reverse. */
  role: 'server' | 'client';
  /** Bytes that arrived after the handshake head, in the same TCP segment: frames already. */
  head?: Uint8Array;
  /**
   * Negotiated per-message extensions (the examples negotiate only `PerMessageDeflate`), in
   * negotiation order. The decoder applies them to received messages and
   * {@link WebSocketConnection.send} to sent ones. An extension keeps state for this connection
   * only (permessage-deflate's compression windows), so it is never shared between connections.
   */
  extensions?: readonly (MessageExtension & MessageEncodeExtension)[];
  /** Default {@link MAX_MESSAGE_LENGTH}. */
  maxMessageLength?: number;
  /** Default {@link CLOSE_TIMEOUT_MS}. */
  closeTimeout?: number;
  /** A complete text (string) or binary (Uint8Array) message; runs before the next frame is read. */
  onMessage?: (data: string | Uint8Array, connection: WebSocketConnection) => void;
  /** A pong arrived (the answer to our ping, or an unsolicited heartbeat). */
  onPong?: (data: Uint8Array, connection: WebSocketConnection) => void;
  /** The TCP connection is closed; called once. */
  onClose?: (info: CloseInfo) => void;
}

/**
 * Drives one WebSocket connection on an upgraded socket. Frames are processed strictly in
 * order: `onMessage` runs (and whatever it sends is written) before the next frame is looked
 * at. Writes respect backpressure: reading pauses while the socket's buffer is full.
 */
export class WebSocketConnection {
  readonly #socket: Socket;
  readonly #role: 'server' | 'client';
  readonly #decoder: MessageDecoder;
  readonly #options: ConnectionOptions;
  #closeSent = false;
  #received: CloseInfo['received'] = undefined;
  #sentCode: CloseInfo['sent'] = null;
  #error: Error | undefined = undefined;
  #timer: NodeJS.Timeout | undefined = undefined;
  /** Resolves when the TCP connection is closed. */
  readonly closed: Promise<CloseInfo>;

  constructor(socket: Socket, options: ConnectionOptions) {
    this.#socket = socket;
    this.#role = options.role;
    this.#options = options;
    this.#decoder = new MessageDecoder({
      // RFC 6455 §5.1: a server must fail on an unmasked frame, a client on a masked one.
      role: options.role,
      maxMessageLength: options.maxMessageLength ?? MAX_MESSAGE_LENGTH,
      maxPayloadLength: options.maxMessageLength ?? MAX_MESSAGE_LENGTH,
      extensions: options.extensions ?? [],
    });
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        clearTimeout(this.#timer);
        const info: CloseInfo = {
          received: this.#received,
          sent: this.#sentCode,
          clean: this.#received !== undefined && this.#closeSent && this.#error === undefined,
          error: this.#error,
        };
        try {
          options.onClose?.(info);
        } finally {
          resolve(info);
        }
      });
    });
    // Node destroys the socket after 'error'; 'close' follows and settles `closed`.
    socket.on('error', (error) => {
      this.#error ??= error;
    });
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('drain', () => socket.resume());
    if (options.head !== undefined && options.head.length > 0) this.#receive(options.head);
  }

  /** The negotiated extensions this connection applies both ways; `[]` when none. */
  get extensions(): readonly (MessageExtension & MessageEncodeExtension)[] {
    return this.#options.extensions ?? [];
  }

  /** True once a close frame was sent: no more messages may be sent. */
  get closing(): boolean {
    return this.#closeSent;
  }

  /**
   * Sends a text (string) or binary (Uint8Array) message, compressed when permessage-deflate
   * was negotiated. A client masks every frame (RFC 6455 §5.3). `maxFrameLength` fragments it
   * (RFC 6455 §5.4). Ignored after the close.
   */
  send(data: string | Uint8Array, options: { maxFrameLength?: number } = {}): void {
    if (this.#closeSent) return;
    // RFC 7692 §6.1: the whole message is compressed first, then the compressed bytes are split
    // into frames; RSV1 marks only the first frame. Messages are compressed in the order they
    // are sent, which is the order the peer inflates them in: with context takeover each one
    // may refer back to earlier ones (up to the window, 32 KiB by default).
    this.#write(encodeMessage(data, {
      mask: this.#role === 'client', maxFrameLength: options.maxFrameLength, extensions: this.#options.extensions,
    }));
  }

  /**
   * Sends a ping (payload at most 125 bytes); the peer answers with a pong carrying it. Control
   * frames are never compressed (RFC 7692 §6.1), so no extension applies here.
   */
  ping(payload: string | Uint8Array = new Uint8Array(0)): void {
    if (!this.#closeSent) this.#write(encodePing(payload, { mask: this.#role === 'client' }));
  }

  /**
   * Starts the closing handshake (RFC 6455 §7.1.2): sends a close frame, then waits for the
   * peer's close frame and the end of TCP, at most `closeTimeout` ms. `RangeError` for a code
   * that may not be sent or a reason over 123 bytes.
   */
  close(code?: number, reason = ''): void {
    if (this.#closeSent) return;
    this.#sendClose(code, reason);
    this.#armCloseTimer();
  }

  #write(bytes: Uint8Array): void {
    // Backpressure: stop reading (and so echoing) until the peer has taken what we wrote.
    if (!this.#socket.write(bytes)) this.#socket.pause();
  }

  #sendClose(code: number | undefined, reason: string): void {
    this.#closeSent = true;
    this.#sentCode = code;
    if (this.#socket.writable) this.#socket.write(encodeClose(code, reason, { mask: this.#role === 'client' }));
  }

  /** Drops the socket if the peer has not closed it within the close timeout. */
  #armCloseTimer(): void {
    this.#timer ??= setTimeout(() => this.#socket.destroy(), this.#options.closeTimeout ?? CLOSE_TIMEOUT_MS);
  }

  /**
   * RFC 6455 §7.1.1: the server closes TCP first (so the TIME_WAIT state stays on the server);
   * a client waits for it, and closes its side only when the server has (Node does that when
   * 'end' arrives) or the close timeout runs out.
   */
  #closeTcp(): void {
    this.#armCloseTimer();
    if (this.#role === 'server') this.#socket.end();
  }

  #receive(chunk: Uint8Array): void {
    if (this.#socket.destroyed) return;
    try {
      for (const event of this.#decoder.push(chunk)) this.#handle(event);
    } catch (error) {
      this.#fail(error);
    }
  }

  #handle(event: MessageEvent): void {
    switch (event.type) {
      case 'text':
      case 'binary':
        // RFC 6455 §5.5.1: after sending a close frame, data frames are dropped.
        if (!this.#closeSent) this.#options.onMessage?.(event.data, this);
        return;
      case 'ping':
        // RFC 6455 §5.5.2: answer with a pong carrying the same payload, unless closing.
        if (!this.#closeSent) this.#write(encodePong(event.data, { mask: this.#role === 'client' }));
        return;
      case 'pong':
        if (!this.#closeSent) this.#options.onPong?.(event.data, this);
        return;
      case 'close':
        this.#received = { code: event.code, reason: event.reason };
        // RFC 6455 §5.5.1: answer a close with a close, echoing its status code (no code: none);
        // a close we sent earlier is the answer already.
        if (!this.#closeSent) this.#sendClose(event.code, event.reason);
        this.#closeTcp();
        return;
    }
  }

  /**
   * RFC 6455 §7.1.7 "Fail the WebSocket Connection": send a close frame with the error's close
   * code (1002, 1007, 1009, …), unless one was sent already, then close TCP. Anything that is
   * not the peer's protocol error (a bug in `onMessage`, say) is 1011 Internal Error.
   */
  #fail(error: unknown): void {
    this.#error ??= error instanceof Error ? error : new Error(String(error));
    if (!this.#closeSent) {
      const code = error instanceof ProtocolError ? error.closeCode : CloseCode.InternalError;
      this.#sendClose(code, error instanceof ProtocolError ? error.code : '');
    }
    this.#armCloseTimer();
    this.#socket.end();
    // Stop reading: nothing more from this peer will be looked at.
    this.#socket.removeAllListeners('data');
    this.#socket.resume();
  }
}
