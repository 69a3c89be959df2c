/**
 * Checks the client and the server side of the handshake share: subprotocol lists, extension
 * offers, and the caller's arguments for both. Layer 4 (handshake).
 *
 * @internal
 * @module
 */

import { HandshakeError } from '../base/errors.ts';
import { checkHeaderValue, handshakeError, isToken, splitList } from './_http.ts';
import { type Extension, parseExtensions } from './extensions.ts';

/**
 * Parses a received `Sec-WebSocket-Protocol` value: a non-empty list of unique tokens (RFC 6455
 * §4.1 item 10, §4.3 `1#token`, §11.3.4). HandshakeError INVALID_PROTOCOL otherwise.
 */
export function parseProtocols(value: string | undefined, what: string): string[] {
  if (value === undefined) return [];
  const protocols = splitList(value);
  // RFC 7230 §7: a 1# list with no element (`""`, `","`) is invalid.
  if (protocols.length === 0) {
    throw handshakeError('INVALID_PROTOCOL', `Cannot parse ${what}: Sec-WebSocket-Protocol lists no subprotocol`);
  }
  const seen = new Set<string>();
  for (const protocol of protocols) {
    if (!isToken(protocol)) {
      throw handshakeError(
        'INVALID_PROTOCOL',
        `Cannot parse ${what}: the subprotocol ${JSON.stringify(protocol)} is not an RFC 7230 token`,
      );
    }
    if (seen.has(protocol)) {
      throw handshakeError('INVALID_PROTOCOL', `Cannot parse ${what}: the subprotocol ${protocol} is offered twice`);
    }
    seen.add(protocol);
  }
  return protocols;
}

/**
 * Checks subprotocols a caller wants to offer: an array of unique tokens. SyntaxError otherwise,
 * as the WHATWG `WebSocket` constructor throws.
 */
export function checkProtocolsOption(protocols: readonly string[] | undefined, where: string): readonly string[] {
  if (protocols === undefined) return [];
  if (!Array.isArray(protocols)) throw new TypeError(`${where}: protocols must be an array of strings`);
  const seen = new Set<string>();
  for (const protocol of protocols) {
    if (typeof protocol !== 'string' || !isToken(protocol)) {
      throw new SyntaxError(`${where}: the subprotocol ${JSON.stringify(protocol)} is not an RFC 7230 token`);
    }
    if (seen.has(protocol)) throw new SyntaxError(`${where}: the subprotocol ${protocol} is listed twice`);
    seen.add(protocol);
  }
  return protocols;
}

/**
 * Checks a `Sec-WebSocket-Extensions` value a caller wants to send: TypeError for characters a
 * header cannot carry, SyntaxError when it does not parse. Returns the parsed extensions.
 */
export function parseExtensionsOption(value: string, where: string): Extension[] {
  checkHeaderValue('Sec-WebSocket-Extensions', value, where);
  try {
    return parseExtensions(value);
  } catch (error) {
    if (error instanceof HandshakeError) throw new SyntaxError(`${where}: ${error.message}`);
    throw error;
  }
}

/** The first extension in `answered` whose name is not in `offered`, or undefined. */
export function findUnofferedExtension(offered: readonly Extension[], answered: readonly Extension[]): string | undefined {
  const names = new Set<string>();
  for (const extension of offered) names.add(extension.name.toLowerCase());
  for (const extension of answered) {
    if (!names.has(extension.name.toLowerCase())) return extension.name;
  }
  return undefined;
}
