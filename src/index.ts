/**
 * wsframe: an isomorphic, zero-dependency WebSocket (RFC 6455) wire codec.
 *
 * @module
 */
export * from './constants.ts';
export * from './errors.ts';
export { applyMask, applyMaskReference } from './mask.ts';
export { copyMasked } from './_copy.ts';
export * from './utf8.ts';
export { decodeHeader, encodeHeader, writeHeader, headerLengthFor, type FrameHeader, type HeaderInit } from './header.ts';
export {
  checkFrameHeader, resolveDecodeOptions, opcodeName, type DecodeOptions, type ResolvedDecodeOptions,
} from './check.ts';
export * from './frame.ts';
export * from './close.ts';
export * from './base64.ts';
export * from './sha1.ts';
export * from './handshake-errors.ts';
export * from './handshake-accept.ts';
export * from './handshake-extensions.ts';
export * from './handshake-url.ts';
export * from './handshake-client.ts';
export * from './handshake-server.ts';
export * from './handshake-head.ts';
export * from './frame-decoder.ts';
export * from './message-decoder.ts';
export * from './message-encoder.ts';
export * from './permessage-deflate.ts';
