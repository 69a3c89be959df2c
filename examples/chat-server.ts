/**
 * A chat server on `wsframe/node` showing the security notes end to end:
 *
 * - **wss only** (`node:https`): the key and certificate are options (a test makes a
 *   self-signed pair with `openssl`);
 * - **an Origin allow-list** (RFC 6455 §10.2, cross-site WebSocket hijacking): any other origin,
 *   or none, is refused with 403 before the handshake completes;
 * - **a heartbeat**: a ping every `pingInterval`; a peer that answers none within `pongTimeout`
 *   is dropped (1006);
 * - **signed messages**: each chat message is `{ nonce, timestamp, text, mac }`, `mac` the
 *   HMAC-SHA-256 (WebCrypto) of `nonce.timestamp.text` under a shared secret. A bad MAC, a
 *   timestamp more than `maxSkew` away, or a nonce seen before (a replay) closes the sender with
 *   1008 Policy Violation. Valid messages go to everyone, signed again by the server.
 *
 * ```ts
 * const chat = createChatServer({ key, cert, secret, origins: ['https://chat.example'] });
 * await chat.listen(8443);
 * ```
 *
 * @module
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { CloseCode } from 'wsframe';
import { handleUpgrade, type WebSocketConnection } from 'wsframe/node';

/** A signed chat message as it travels. */
export interface SignedMessage {
  nonce: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
  text: string;
  /** base64 HMAC-SHA-256 of `${nonce}.${timestamp}.${text}`. */
  mac: string;
}

/** Options of {@link createChatServer}. */
export interface ChatServerOptions {
  key: string;
  cert: string;
  /** The shared HMAC secret. */
  secret: Uint8Array<ArrayBuffer>;
  /** The origins allowed to connect, e.g. `['https://chat.example']`. */
  origins: string[];
  /** Heartbeat: default 30 s, and as long again for the pong. */
  pingInterval?: number;
  /** How far a message's timestamp may be from the server's clock. Default 30 s. */
  maxSkew?: number;
}

const encoder = new TextEncoder();
const toBase64 = (bytes: ArrayBuffer) => Buffer.from(bytes).toString('base64');

function hmacKey(secret: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

/** Signs `text` with a fresh nonce and the current time (what a client does before sending). */
export async function signMessage(secret: Uint8Array<ArrayBuffer>, text: string, timestamp = Date.now()): Promise<SignedMessage> {
  const nonce = toBase64(crypto.getRandomValues(new Uint8Array(16)).buffer);
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret), encoder.encode(`${nonce}.${timestamp}.${text}`));
  return { nonce, timestamp, text, mac: toBase64(mac) };
}

/** Whether `message` carries a valid MAC under `secret` (constant-time: WebCrypto's verify). */
export async function verifyMessage(secret: Uint8Array<ArrayBuffer>, message: SignedMessage): Promise<boolean> {
  const mac = Buffer.from(message.mac, 'base64');
  return crypto.subtle.verify('HMAC', await hmacKey(secret), mac, encoder.encode(`${message.nonce}.${message.timestamp}.${message.text}`));
}

/** Parses a chat message; undefined when it is not one. */
function parseMessage(data: string | Uint8Array): SignedMessage | undefined {
  if (typeof data !== 'string') return undefined;
  try {
    const { nonce, timestamp, text, mac } = JSON.parse(data) as Partial<SignedMessage>;
    const valid = typeof nonce === 'string' && typeof timestamp === 'number' && typeof text === 'string' && typeof mac === 'string';
    return valid ? { nonce, timestamp, text, mac } : undefined;
  } catch {
    return undefined;
  }
}

/** A running chat server. */
export interface ChatServer {
  readonly server: Server;
  listen(port: number, host?: string): Promise<AddressInfo>;
  close(): Promise<void>;
}

/** Creates the chat server; `listen` starts it. */
export function createChatServer(options: ChatServerOptions): ChatServer {
  const { secret, origins, pingInterval = 30_000, maxSkew = 30_000 } = options;
  const members = new Set<WebSocketConnection>();
  // Nonces seen, with the time each may be forgotten: a timestamp check refuses anything older.
  const seen = new Map<string, number>();
  const server = createServer({ key: options.key, cert: options.cert }, (_, response) => response.writeHead(426).end());

  const receive = async (from: WebSocketConnection, data: string | Uint8Array): Promise<void> => {
    const now = Date.now();
    for (const [nonce, forget] of seen) if (forget < now) seen.delete(nonce);
    const message = parseMessage(data);
    const fresh = message !== undefined && Math.abs(now - message.timestamp) <= maxSkew && !seen.has(message.nonce);
    if (!fresh || !(await verifyMessage(secret, message))) {
      from.close(CloseCode.PolicyViolation, message === undefined ? 'not a signed message' : 'bad signature, stale or replayed');
      return;
    }
    // Checked again: another copy may have been verified meanwhile.
    if (seen.has(message.nonce)) return from.close(CloseCode.PolicyViolation, 'replayed');
    seen.set(message.nonce, message.timestamp + maxSkew);
    const outgoing = JSON.stringify(await signMessage(secret, message.text));
    for (const member of members) if (member.readyState === 'open') member.send(outgoing);
  };

  server.on('upgrade', (request, socket, head) => {
    handleUpgrade(request, socket, head, { origins, pingInterval }, (ws) => {
      members.add(ws);
      ws.on('message', (data) => void receive(ws, data));
      ws.on('close', () => members.delete(ws));
    });
  });
  return {
    server,
    listen: (port, host) => new Promise((resolve) => server.listen(port, host, () => resolve(server.address() as AddressInfo))),
    close: () => new Promise((resolve) => {
      for (const member of members) member.close(CloseCode.GoingAway);
      server.close(() => resolve());
    }),
  };
}
