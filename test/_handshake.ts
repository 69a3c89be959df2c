/**
 * Helpers for the handshake tests: heads built from lines, the RFC 6455 §1.2 example request and
 * response, and an assertion on a HandshakeError's status and code.
 */
import { expect } from 'vitest';
import { HandshakeError } from '../src/base/errors.ts';
import { concat as concatBytes, thrownBy } from './_bytes.ts';

/** A head from its lines: each ends with CRLF, then the empty line. */
export function head(...lines: string[]): string {
  return `${lines.map((line) => `${line}\r\n`).join('')}\r\n`;
}

/** RFC 6455 §1.2: the client's example handshake, line by line. */
export const RFC_REQUEST_LINES = [
  'GET /chat HTTP/1.1',
  'Host: server.example.com',
  'Upgrade: websocket',
  'Connection: Upgrade',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  'Origin: http://example.com',
  'Sec-WebSocket-Protocol: chat, superchat',
  'Sec-WebSocket-Version: 13',
] as const;

/** RFC 6455 §1.2: the server's example answer, line by line. */
export const RFC_RESPONSE_LINES = [
  'HTTP/1.1 101 Switching Protocols',
  'Upgrade: websocket',
  'Connection: Upgrade',
  'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
  'Sec-WebSocket-Protocol: chat',
] as const;

export const RFC_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
export const RFC_ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

/** `lines` as a head with the header `name` replaced by `replacement` lines (or removed). */
function replaceHeader(lines: readonly string[], name: string, replacement: string[]): string {
  const prefix = `${name.toLowerCase()}:`;
  const index = lines.findIndex((line) => line.toLowerCase().startsWith(prefix));
  if (index === -1) return head(...lines, ...replacement);
  return head(...lines.slice(0, index), ...replacement, ...lines.slice(index + 1));
}

/** The RFC request with the header `name` replaced by `replacement` lines (or removed). */
export function requestWith(name: string, ...replacement: string[]): string {
  return replaceHeader(RFC_REQUEST_LINES, name, replacement);
}

/** The RFC response with the header `name` replaced by `replacement` lines (or removed). */
export function responseWith(name: string, ...replacement: string[]): string {
  return replaceHeader(RFC_RESPONSE_LINES, name, replacement);
}

/** Runs `fn`, asserts it throws a HandshakeError with this status and code, returns it. */
export function expectHandshakeError(fn: () => unknown, status: number, code: string): HandshakeError {
  const caught = thrownBy(fn);
  expect(caught).toBeInstanceOf(HandshakeError);
  const error = caught as HandshakeError;
  expect({ status: error.status, code: error.code }).toEqual({ status, code });
  expect(error.message).toMatch(/^Cannot /);
  return error;
}

/** Bytes of a latin1 string. */
export function bytesOf(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** A latin1 string of bytes. */
export function textOf(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return text;
}

export { concatBytes };
