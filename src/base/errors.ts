/**
 * The error classes of wsframe and the table that ties each stable error code to the close code
 * to send and the RFC section that demands it. Layer 1: imports only constants.
 *
 * @module
 */

import { CloseCode } from './constants.ts';

/**
 * Every reason a peer's bytes can be rejected: the close code to answer with and the rule.
 * `code` strings are stable; tools may match on them.
 */
export const PROTOCOL_ERRORS = {
  RESERVED_OPCODE: { closeCode: CloseCode.ProtocolError, rfc: 'RFC 6455 §5.2' },
  RESERVED_BITS: { closeCode: CloseCode.ProtocolError, rfc: 'RFC 6455 §5.2' },
  CONTROL_FRAME_FRAGMENTED: { closeCode: CloseCode.ProtocolError, rfc: 'RFC 6455 §5.5' },
  CONTROL_PAYLOAD_TOO_LONG: { closeCode: CloseCode.ProtocolError, rfc: 'RFC 6455 §5.5' },
  NON_MINIMAL_LENGTH: { closeCode: CloseCode.ProtocolError, rfc: 'RFC 6455 §5.2' },
  LENGTH_MSB_SET: { closeCode: CloseCode.ProtocolError, rfc: 'RFC 6455 §5.2' },
  LENGTH_UNSAFE: { closeCode: CloseCode.MessageTooBig, rfc: 'RFC 6455 §10.4' },
  MASK_REQUIRED: { closeCode: CloseCode.ProtocolError, rfc: 'RFC 6455 §5.1' },
  MASK_FORBIDDEN: { closeCode: CloseCode.ProtocolError, rfc: 'RFC 6455 §5.1' },
  PAYLOAD_TOO_LARGE: { closeCode: CloseCode.MessageTooBig, rfc: 'RFC 6455 §10.4' },
  MESSAGE_TOO_LARGE: { closeCode: CloseCode.MessageTooBig, rfc: 'RFC 6455 §10.4' },
  BUFFER_LIMIT_EXCEEDED: { closeCode: CloseCode.MessageTooBig, rfc: 'RFC 6455 §10.4' },
  CLOSE_PAYLOAD_TOO_SHORT: { closeCode: CloseCode.ProtocolError, rfc: 'RFC 6455 §5.5.1' },
  INVALID_CLOSE_CODE: { closeCode: CloseCode.ProtocolError, rfc: 'RFC 6455 §7.4' },
  INVALID_UTF8: { closeCode: CloseCode.InvalidFramePayloadData, rfc: 'RFC 6455 §8.1' },
  UNEXPECTED_CONTINUATION: { closeCode: CloseCode.ProtocolError, rfc: 'RFC 6455 §5.4' },
  EXPECTED_CONTINUATION: { closeCode: CloseCode.ProtocolError, rfc: 'RFC 6455 §5.4' },
  DATA_AFTER_CLOSE: { closeCode: CloseCode.ProtocolError, rfc: 'RFC 6455 §5.5.1' },
  RSV1_ON_CONTROL: { closeCode: CloseCode.ProtocolError, rfc: 'RFC 7692 §6.1' },
  RSV1_ON_CONTINUATION: { closeCode: CloseCode.ProtocolError, rfc: 'RFC 7692 §6.1' },
  INVALID_COMPRESSED_DATA: { closeCode: CloseCode.InvalidFramePayloadData, rfc: 'RFC 7692 §6.2' },
  // A corrupt DEFLATE stream is payload data inconsistent with the message (RFC 6455 §7.4.1:
  // 1007), what ws answers too (permessage-deflate.js: inflateOnError); the frames that carried
  // it were valid, so not 1002.
  DEFLATE_BLOCK_TYPE: { closeCode: CloseCode.InvalidFramePayloadData, rfc: 'RFC 1951 §3.2.3' },
  DEFLATE_STORED_LENGTH: { closeCode: CloseCode.InvalidFramePayloadData, rfc: 'RFC 1951 §3.2.4' },
  DEFLATE_HUFFMAN_TABLE: { closeCode: CloseCode.InvalidFramePayloadData, rfc: 'RFC 1951 §3.2.7' },
  DEFLATE_INVALID_CODE: { closeCode: CloseCode.InvalidFramePayloadData, rfc: 'RFC 1951 §3.2.5' },
  DEFLATE_DISTANCE_TOO_FAR: { closeCode: CloseCode.InvalidFramePayloadData, rfc: 'RFC 7692 §7.1.2' },
  DEFLATE_TRUNCATED: { closeCode: CloseCode.InvalidFramePayloadData, rfc: 'RFC 7692 §7.2.2' },
} as const satisfies Record<string, { closeCode: number; rfc: string }>;

/** A stable machine-readable reason for a {@link ProtocolError}. */
export type ProtocolErrorCode = keyof typeof PROTOCOL_ERRORS;

/**
 * The peer broke the protocol. `closeCode` is what to send in the close frame before closing the
 * connection (RFC 6455 §7.1.7 "Fail the WebSocket Connection"); `code` is a stable string from
 * {@link PROTOCOL_ERRORS}; `offset`, when known, is the byte position of the violation in the
 * input (for a stream: counted from the first byte ever pushed).
 *
 * @example
 * ```ts
 * import { decodeFrame, ProtocolError } from 'wsframe';
 * try {
 *   decodeFrame(new Uint8Array([0x83, 0x00])); // opcode 0x3 is reserved
 * } catch (error) {
 *   if (error instanceof ProtocolError) console.log(error.closeCode, error.code); // 1002 RESERVED_OPCODE
 * }
 * ```
 */
export class ProtocolError extends Error {
  /** The close code to send: 1002, 1007, 1009, … */
  readonly closeCode: number;
  /** Stable machine-readable reason, e.g. `'RESERVED_OPCODE'`. */
  readonly code: ProtocolErrorCode;
  /** The RFC section that the peer violated, e.g. `'RFC 6455 §5.2'`. */
  readonly rfc: string;
  /** Byte offset of the violation in the input, when known. */
  readonly offset: number | undefined;

  /** An error for `code`, whose close code and RFC section come from the table of codes. */
  constructor(code: ProtocolErrorCode, message: string, offset?: number) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
    this.closeCode = PROTOCOL_ERRORS[code].closeCode;
    this.rfc = PROTOCOL_ERRORS[code].rfc;
    this.offset = offset;
  }
}

/**
 * An opening handshake failed. On the server side `status` is the HTTP status to answer with
 * (400, 426, 431, …; see `createHandshakeRejection`); on the client side it is the status to
 * report. `code` is a stable machine-readable reason.
 */
export class HandshakeError extends Error {
  /** HTTP status to answer with (server side) or to report (client side). */
  readonly status: number;
  /** Stable machine-readable reason, e.g. `'MISSING_KEY'`. */
  readonly code: string;

  /** An error with a stable `code` and the HTTP `status` that goes with it. */
  constructor(code: string, status: number, message: string) {
    super(message);
    this.name = 'HandshakeError';
    this.code = code;
    this.status = status;
  }
}
