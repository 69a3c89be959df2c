/**
 * wsframe: an isomorphic, zero-dependency WebSocket (RFC 6455) wire codec.
 *
 * @module
 */
export * from './base/constants.ts';
export * from './base/errors.ts';
export { applyMask, applyMaskReference } from './bytes/mask.ts';
export { copyMasked } from './bytes/_copy.ts';
export * from './bytes/utf8.ts';
export { decodeHeader, encodeHeader, writeHeader, headerLengthFor, type FrameHeader, type HeaderInit } from './wire/header.ts';
export {
  checkFrameHeader, resolveDecodeOptions, opcodeName, type DecodeOptions, type ResolvedDecodeOptions,
} from './wire/check.ts';
export * from './wire/frame.ts';
export * from './wire/close.ts';
export * from './bytes/base64.ts';
export * from './bytes/sha1.ts';
export * from './handshake/error-codes.ts';
export * from './handshake/accept.ts';
export * from './handshake/extensions.ts';
export * from './handshake/url.ts';
export * from './handshake/client.ts';
export * from './handshake/server.ts';
export * from './handshake/head.ts';
export * from './streams/frame-decoder.ts';
export * from './streams/message-types.ts';
export * from './streams/message-decoder.ts';
export * from './streams/message-encoder.ts';
export * from './deflate/permessage-deflate.ts';
export * from './connection/options.ts';
export { Connection, CONNECTION_TRANSITIONS } from './connection/connection.ts';
export * from './connection/server.ts';
export * from './connection/client.ts';
