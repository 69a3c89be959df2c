/**
 * examples/chat-server.ts end to end over wss (a self-signed certificate made with openssl at
 * test time), with `ws` clients: the Origin allow-list, signed messages broadcast, a replay, a
 * stale timestamp and a forged MAC refused with 1008, and the heartbeat dropping a client that
 * answers no ping. Node-only: sockets and openssl.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createChatServer, signMessage, verifyMessage, type ChatServer, type SignedMessage } from '../examples/chat-server.ts';
import { makeSelfSignedCertificate, type SelfSignedCertificate } from './_tls-cert.ts';

const SECRET = new TextEncoder().encode('a shared secret of the chat');
const ORIGIN = 'https://chat.example';

describe('the chat server example (wss, origins, heartbeat, HMAC-signed messages)', () => {
  let certificate: SelfSignedCertificate;
  let chat: ChatServer;
  let url: string;
  beforeAll(async () => {
    certificate = makeSelfSignedCertificate();
    chat = createChatServer({ ...certificate, secret: SECRET, origins: [ORIGIN], pingInterval: 200 });
    url = `wss://localhost:${(await chat.listen(0, '127.0.0.1')).port}/chat`;
  });
  afterAll(() => chat.close());

  /** A ws client over TLS trusting the test certificate; its messages and close are recorded. */
  async function join(options: { origin?: string; autoPong?: boolean } = {}) {
    const ws = new WebSocket(url, { ca: certificate.cert, origin: options.origin ?? ORIGIN, autoPong: options.autoPong ?? true });
    const messages: SignedMessage[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(String(data)) as SignedMessage));
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
    ws.on('error', () => {});
    await new Promise((resolve, reject) => ws.once('open', resolve).once('unexpected-response', (_, response) => reject(response.statusCode)));
    return { ws, messages, closed };
  }

  const until = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(check()).toBe(true);
  };

  it('refuses an origin not on the list, and a request without one, with 403', async () => {
    await expect(join({ origin: 'https://evil.example' })).rejects.toBe(403);
    const ws = new WebSocket(url, { ca: certificate.cert });
    const status = await new Promise((resolve) => ws.once('unexpected-response', (_, response) => resolve(response.statusCode)));
    ws.on('error', () => {});
    expect(status).toBe(403);
  });

  it('broadcasts a signed message to everyone, signed again by the server; a replay of it closes the sender with 1008', async () => {
    const alice = await join();
    const bob = await join();
    const signed = await signMessage(SECRET, 'hello ✓');
    alice.ws.send(JSON.stringify(signed));
    await until(() => bob.messages.length === 1 && alice.messages.length === 1);
    expect(bob.messages[0].text).toBe('hello ✓');
    expect(await verifyMessage(SECRET, bob.messages[0])).toBe(true);
    expect(bob.messages[0].nonce).not.toBe(signed.nonce);

    alice.ws.send(JSON.stringify(signed));
    expect((await alice.closed).code).toBe(1008);
    expect(bob.messages.length).toBe(1);
    bob.ws.close(1000);
    expect((await bob.closed).code).toBe(1000);
  });

  it('closes with 1008 on a stale timestamp, a forged MAC, and something that is not a signed message', async () => {
    const stale = await join();
    stale.ws.send(JSON.stringify(await signMessage(SECRET, 'old', Date.now() - 60_000)));
    expect((await stale.closed).code).toBe(1008);

    const forger = await join();
    const forged = await signMessage(new TextEncoder().encode('another secret'), 'forged');
    forger.ws.send(JSON.stringify(forged));
    expect((await forger.closed).code).toBe(1008);

    const junk = await join();
    junk.ws.send('{"text": 1}');
    expect((await junk.closed).code).toBe(1008);
  });

  it('the heartbeat drops a client that answers no ping (it sees 1006: TCP closed without a close frame), and keeps one that does', async () => {
    const silent = await join({ autoPong: false });
    const alive = await join();
    const started = Date.now();
    expect((await silent.closed).code).toBe(1006);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
    alive.ws.close(1000);
    await alive.closed;
  });
});
