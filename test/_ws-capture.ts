/**
 * WebSocket conversations as captured packets, for the pcap tests: an upgrade request and its
 * 101 answer, frames, and `packets()` to lay segments of both directions out as TCP packets.
 */
import { computeAcceptKey, encodeClosePayload, encodeFrame } from '../src/index.ts';
import { ACK, FIN, SYN, ethernet, ipv4, ipv6, type PacketRecord } from './_capture-builder.ts';

export const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
export const REQUEST = `GET /chat?room=1 HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat, superchat\r\n\r\n`;
export const RESPONSE = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAcceptKey(KEY)}\r\nSec-WebSocket-Protocol: chat\r\n\r\n`;
export const enc = (text: string) => new TextEncoder().encode(text);
export const KEY_BYTES = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
export const hello = encodeFrame({ opcode: 1, payload: enc('Hello'), maskingKey: KEY_BYTES });
export const closeFromClient = encodeFrame({ opcode: 8, payload: encodeClosePayload(1000, 'bye'), maskingKey: KEY_BYTES });
export const closeFromServer = encodeFrame({ opcode: 8, payload: encodeClosePayload(1000, 'bye') });

export interface Conversation {
  client: [string, number];
  server: [string, number];
  v6?: boolean;
}

/**
 * A conversation as packets: segments are [from, payload, options] in capture order; `at` puts
 * a segment at that position of its direction's stream (default: right after what came before).
 */
export function packets(conversation: Conversation, segments: [('c' | 's'), Uint8Array | string, { at?: number; time?: number }?][]): PacketRecord[] {
  const [ca, cp] = conversation.client;
  const [sa, sp] = conversation.server;
  const wrap = conversation.v6 ? ipv6 : ipv4;
  const cseq = 1000;
  const sseq = 5000;
  let cnext = 0;
  let snext = 0;
  let time = 1763725500;
  const records: PacketRecord[] = [];
  const push = (from: 'c' | 's', payload: Uint8Array, flags: number, seq: number, at: number) => {
    const init = from === 'c'
      ? { src: ca, dst: sa, srcPort: cp, dstPort: sp, seq, flags, payload }
      : { src: sa, dst: ca, srcPort: sp, dstPort: cp, seq, flags, payload };
    records.push({ seconds: Math.floor(at), fraction: Math.round((at % 1) * 1e6), data: ethernet(wrap(init)) });
  };
  push('c', new Uint8Array(0), SYN, cseq - 1, time);
  push('s', new Uint8Array(0), SYN | ACK, sseq - 1, time);
  for (const [from, data, options] of segments) {
    const payload = typeof data === 'string' ? enc(data) : data;
    time = options?.time ?? time + 0.001;
    if (from === 'c') {
      const at = options?.at ?? cnext;
      push('c', payload, ACK, cseq + at, time);
      cnext = Math.max(cnext, at + payload.length);
    } else {
      const at = options?.at ?? snext;
      push('s', payload, ACK, sseq + at, time);
      snext = Math.max(snext, at + payload.length);
    }
  }
  push('c', new Uint8Array(0), FIN | ACK, cseq + cnext, time + 0.01);
  push('s', new Uint8Array(0), FIN | ACK, sseq + snext, time + 0.01);
  return records;
}

