/**
 * Constants of the WebSocket wire format: opcodes, close codes and the size limits that
 * RFC 6455 fixes. Layer 1: imports nothing.
 *
 * @module
 */

/**
 * Frame opcodes (RFC 6455 §5.2, §11.8). Opcodes 0x3–0x7 and 0xB–0xF are reserved and fail
 * decoding with close code 1002.
 *
 * @example
 * ```ts
 * import { Opcode } from 'wsframe';
 * console.log(Opcode.Text, Opcode.Close); // 1 8
 * ```
 */
export const Opcode = {
  /** 0x0: continues a fragmented text or binary message (RFC 6455 §5.4). */
  Continuation: 0x0,
  /** 0x1: a UTF-8 text message, or its first fragment (RFC 6455 §5.6). */
  Text: 0x1,
  /** 0x2: a binary message, or its first fragment (RFC 6455 §5.6). */
  Binary: 0x2,
  /** 0x8: the closing handshake (RFC 6455 §5.5.1). */
  Close: 0x8,
  /** 0x9: a heartbeat the peer must answer with a pong (RFC 6455 §5.5.2). */
  Ping: 0x9,
  /** 0xA: the answer to a ping, or an unsolicited heartbeat (RFC 6455 §5.5.3). */
  Pong: 0xa,
} as const;

/** One of the six defined opcodes. */
export type OpcodeValue = (typeof Opcode)[keyof typeof Opcode];

/**
 * Close status codes (RFC 6455 §7.4.1, IANA "WebSocket Close Code Number Registry").
 *
 * - `NormalClosure` 1000: the purpose of the connection has been fulfilled.
 * - `GoingAway` 1001: an endpoint is going away (server shutting down, page navigated away).
 * - `ProtocolError` 1002: the endpoint is terminating because of a protocol error.
 * - `UnsupportedData` 1003: a data type the endpoint cannot accept (e.g. binary for a text-only endpoint).
 * - `Reserved` 1004: reserved; its meaning might be defined in the future. Never on the wire.
 * - `NoStatusReceived` 1005: reserved for APIs: no status code was present. Never on the wire.
 * - `AbnormalClosure` 1006: reserved for APIs: the connection closed without a close frame. Never on the wire.
 * - `InvalidFramePayloadData` 1007: data inconsistent with the message type (e.g. non-UTF-8 in a text message).
 * - `PolicyViolation` 1008: a message violates the endpoint's policy (generic code).
 * - `MessageTooBig` 1009: a message too big to process.
 * - `MandatoryExtension` 1010: (client) the server did not negotiate an extension the client requires.
 * - `InternalError` 1011: (server) an unexpected condition prevented fulfilling the request.
 * - `ServiceRestart` 1012: the service is restarting (IANA registry).
 * - `TryAgainLater` 1013: temporary condition, e.g. overload (IANA registry).
 * - `BadGateway` 1014: a gateway or proxy received an invalid response from upstream (IANA registry).
 * - `TlsHandshake` 1015: reserved for APIs: the TLS handshake failed. Never on the wire.
 *
 * Codes 3000–3999 are registered with IANA for libraries and frameworks; 4000–4999 are for
 * private use. Both may appear on the wire (see {@link isValidCloseCode}).
 *
 * @example
 * ```ts
 * import { CloseCode } from 'wsframe';
 * console.log(CloseCode.NormalClosure, CloseCode.MessageTooBig); // 1000 1009
 * ```
 */
export const CloseCode = {
  NormalClosure: 1000,
  GoingAway: 1001,
  ProtocolError: 1002,
  UnsupportedData: 1003,
  Reserved: 1004,
  NoStatusReceived: 1005,
  AbnormalClosure: 1006,
  InvalidFramePayloadData: 1007,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  MandatoryExtension: 1010,
  InternalError: 1011,
  ServiceRestart: 1012,
  TryAgainLater: 1013,
  BadGateway: 1014,
  TlsHandshake: 1015,
} as const;

/** RFC 6455 §5.5: all control frames MUST have a payload length of 125 bytes or less. */
export const MAX_CONTROL_PAYLOAD = 125;
/** RFC 6455 §5.5.1: a close reason fits in a control payload after the 2-byte code. */
export const MAX_CLOSE_REASON = MAX_CONTROL_PAYLOAD - 2;
/** 2 fixed bytes + 8 bytes of 64-bit length + 4 bytes of masking key. */
export const MAX_HEADER_SIZE = 14;
/** Largest payload the 7-bit length field holds. */
export const MAX_7BIT_LENGTH = 125;
/** Largest payload the 16-bit extended length holds. */
export const MAX_16BIT_LENGTH = 0xffff;
/** 7-bit length value announcing a 16-bit extended length. */
export const LENGTH_16BIT_MARKER = 126;
/** 7-bit length value announcing a 64-bit extended length. */
export const LENGTH_64BIT_MARKER = 127;
/** Size of a masking key (RFC 6455 §5.3). */
export const MASKING_KEY_SIZE = 4;

/**
 * Default `maxPayloadLength` of the decoders: 64 MiB. A frame declaring more fails with 1009
 * as soon as its header is read, before any of its payload is buffered.
 */
export const DEFAULT_MAX_PAYLOAD_LENGTH = 64 * 1024 * 1024;

/** Whether an opcode is a control opcode (RFC 6455 §5.5: the most significant opcode bit is set). */
export function isControlOpcode(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}

/** Whether an opcode is one of the six RFC 6455 defines (0x0–0x2, 0x8–0xA). */
export function isKnownOpcode(opcode: number): boolean {
  return opcode <= Opcode.Binary || (opcode >= Opcode.Close && opcode <= Opcode.Pong);
}
