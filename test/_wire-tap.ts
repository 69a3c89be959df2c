/**
 * A TCP relay for the interop tests (Node-only) that records what really crossed the wire: it
 * forwards the bytes of each connection unchanged between a peer and a WebSocket endpoint, and
 * once the connection is over decodes both directions with wsframe's `FrameDecoder`, inflating
 * compressed messages with permessage-deflate set up from the handshake response. This observer
 * is independent of both ends: it sees RSV1 on each frame, the compressed size of each message,
 * and whether it inflates, within the negotiated window, to what was sent.
 */
import { createHash } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';
import { FrameDecoder, Opcode, PerMessageDeflate, parseExtensions } from '../src/index.ts';

/** One frame as it crossed the wire. */
export interface WireFrame {
  opcode: number;
  fin: boolean;
  rsv1: boolean;
  /** The payload length on the wire (compressed, for a compressed message's frames). */
  length: number;
}

/** One data message as it crossed the wire, inflated if its first frame had RSV1. */
export interface WireMessage {
  /** `kind length digest` of the (inflated) message, as `expectedDigests()` gives them. */
  digest: string;
  /** RSV1 of the first frame: the message was compressed (RFC 7692 §6). */
  rsv1: boolean;
  /** The number of frames it took. */
  frames: number;
  /** The sum of its frames' payload lengths. */
  wireLength: number;
}

/** What one direction of a connection carried. */
export interface WireDirection {
  frames: WireFrame[];
  messages: WireMessage[];
  /** Set when the bytes did not decode or did not inflate: the error's message. */
  error?: string;
}

/** One relayed connection, decoded once both sockets closed. */
export interface WireConnection {
  /** The client's `Sec-WebSocket-Extensions` ("" without one). */
  offered: string;
  /** The server's `Sec-WebSocket-Extensions` ("" without one). */
  accepted: string;
  /** The negotiated permessage-deflate parameters, if it was accepted. */
  deflate: PerMessageDeflate['params'] | undefined;
  /** From the client to the server. */
  client: WireDirection;
  /** From the server to the client. */
  server: WireDirection;
}

/** A running relay. */
export interface WireTap {
  /** `ws://127.0.0.1:port` of the relay: connect the peer here. */
  url: string;
  /** Resolves once `count` connections have closed on both sides, decoded (at most `timeoutMs`). */
  connections(count: number, timeoutMs?: number): Promise<WireConnection[]>;
  stop(): Promise<void>;
}

const HEAD_END = Buffer.from('\r\n\r\n');

function headerValue(head: string, name: string): string {
  const values = head.split('\r\n').flatMap((line) => {
    const colon = line.indexOf(':');
    return colon > 0 && line.slice(0, colon).trim().toLowerCase() === name ? [line.slice(colon + 1).trim()] : [];
  });
  return values.join(', ');
}

function digestOf(opcode: number, data: Uint8Array): string {
  const kind = opcode === Opcode.Text ? 'text' : 'binary';
  return `${kind} ${data.length} ${createHash('sha256').update(data).digest('hex').slice(0, 16)}`;
}

/** Decodes one direction's frames (after the head), inflating with `deflate` when given. */
function decodeDirection(bytes: Buffer, deflate: PerMessageDeflate | undefined): WireDirection {
  const direction: WireDirection = { frames: [], messages: [] };
  const decoder = new FrameDecoder({ allowedRsv: { rsv1: true }, maxPayloadLength: 1 << 26 });
  let message: { opcode: number; rsv1: boolean; pieces: Uint8Array[]; frames: number } | undefined;
  try {
    decoder.push(Uint8Array.from(bytes));
    for (const frame of decoder) {
      direction.frames.push({ opcode: frame.opcode, fin: frame.fin, rsv1: frame.rsv1, length: frame.payload.length });
      if (frame.opcode >= Opcode.Close) continue;
      if (frame.opcode !== Opcode.Continuation) message = { opcode: frame.opcode, rsv1: frame.rsv1, pieces: [], frames: 0 };
      if (message === undefined) throw new Error('A continuation frame without a message');
      message.pieces.push(frame.payload);
      message.frames++;
      if (!frame.fin) continue;
      const payload = Buffer.concat(message.pieces);
      if (message.rsv1 && deflate === undefined) throw new Error('RSV1 set without permessage-deflate');
      const data = message.rsv1 ? deflate!.decompress(payload) : payload;
      direction.messages.push({ digest: digestOf(message.opcode, data), rsv1: message.rsv1, frames: message.frames, wireLength: payload.length });
      message = undefined;
    }
  } catch (error) {
    direction.error = (error as Error).message;
  }
  return direction;
}

function decodeConnection(fromClient: Buffer, fromServer: Buffer): WireConnection {
  const requestEnd = fromClient.indexOf(HEAD_END) + HEAD_END.length;
  const responseEnd = fromServer.indexOf(HEAD_END) + HEAD_END.length;
  const offered = headerValue(fromClient.subarray(0, requestEnd).toString('latin1'), 'sec-websocket-extensions');
  const accepted = headerValue(fromServer.subarray(0, responseEnd).toString('latin1'), 'sec-websocket-extensions');
  const params = accepted === '' ? undefined : PerMessageDeflate.fromResponse(parseExtensions(accepted))?.params;
  // One inflater per direction, each with the window and context takeover its sender agreed to.
  const inflater = (role: 'client' | 'server') => (params === undefined ? undefined : new PerMessageDeflate({ role, params }));
  return {
    offered,
    accepted,
    deflate: params,
    client: decodeDirection(fromClient.subarray(requestEnd), inflater('server')),
    server: decodeDirection(fromServer.subarray(responseEnd), inflater('client')),
  };
}

/** Starts a relay on 127.0.0.1 (a port the system picks) to the WebSocket endpoint at `target`. */
export async function startWireTap(target: string): Promise<WireTap> {
  const { hostname, port } = new URL(target);
  const done: WireConnection[] = [];
  const open = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = connect({ host: hostname, port: Number(port) });
    const fromClient: Buffer[] = [];
    const fromServer: Buffer[] = [];
    let closed = 0;
    for (const [from, to, record] of [[inbound, outbound, fromClient], [outbound, inbound, fromServer]] as const) {
      open.add(from);
      from.setNoDelay(true);
      from.on('data', (chunk: Buffer) => record.push(chunk));
      from.pipe(to);
      // pipe() ends `to` when `from` ends (a half-close goes through); a reset resets both.
      from.on('error', () => to.destroy());
      from.on('close', () => {
        open.delete(from);
        if (++closed === 2) done.push(decodeConnection(Buffer.concat(fromClient), Buffer.concat(fromServer)));
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${address.port}`,
    connections: async (count, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (done.length < count) {
        if (Date.now() > deadline) throw new Error(`${done.length} of ${count} relayed connections closed within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return done;
    },
    stop: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
