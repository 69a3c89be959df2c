/**
 * `wsframe pcap`: finds WebSocket connections in a capture and decodes both directions. The
 * capture is streamed: packets → TCP reassembly per direction → the HTTP Upgrade handshake →
 * one stream analyzer per direction (client frames must be masked, server frames must
 * not). Memory is bounded by the largest message and the reassembly window, not by the file.
 */

import { CaptureReader, type CaptureStats } from '../capture/capture.ts';
import { createPacketCounts, decodeTcpPacket } from '../capture/packet.ts';
import { TcpReassembler } from '../capture/tcp.ts';
import { WebSocketTracker, type PcapRecord, type WebSocketTrackerOptions } from '../capture/websocket.ts';
import { createTlsLayer } from './tls/capture-layer.ts';
import type { KeyLog } from './tls/keylog.ts';

/** The tracker's options, and the secrets to decrypt TLS connections with. */
export interface PcapOptions extends WebSocketTrackerOptions {
  /** Secrets to decrypt TLS connections with (`--keylog`); the capture's Decryption Secrets Blocks are added to it. */
  keyLog?: KeyLog;
}

/**
 * Streams a capture into records; `emit` gets each record as soon as it is known. When `emit`
 * returns a promise (output waiting to drain), reading waits for it. Throws `CaptureError` after
 * every record before the problem. Once the next chunk is asked for, nothing keeps a view of the
 * last one (not even a deferred payload of a record emitted), so `source` may read every chunk
 * into the same memory.
 */
export async function analyzeCapture(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  emit: (record: PcapRecord) => unknown,
  options: PcapOptions = {},
): Promise<{ packets: number; stats: CaptureStats | undefined; skipped: number }> {
  const reassembler = new TcpReassembler();
  const tls = createTlsLayer({ keyLog: options.keyLog, onNote: options.onNote });
  const tracker = new WebSocketTracker(options);
  const counts = createPacketCounts();
  const reader = new CaptureReader(tls.captureOptions);
  let packets = 0;
  let skipped = 0;
  for await (const chunk of source) {
    reader.push(chunk);
    // The packets of a chunk are read in a plain loop: an async generator step per packet
    // allocated about 0.5 KiB (promises, iterator results) and cost 10% of the run.
    for (let packet = reader.read(); packet !== undefined; packet = reader.read()) {
      packets++;
      const segment = decodeTcpPacket(packet.linkType, packet.data, counts);
      if (segment === undefined) {
        skipped++;
        continue;
      }
      for (const event of tls.decrypt(reassembler.push(segment, packet.time))) {
        for (const record of tracker.handle(event, packets)) {
          const pending = emit(tls.tag(record));
          if (pending instanceof Promise) await pending;
        }
      }
    }
    reader.detach();
  }
  // Every complete packet has been read, so end() throws only for a cut-off tail.
  reader.end();
  for (const event of tls.decrypt(reassembler.end())) {
    for (const record of tracker.handle(event)) {
      const pending = emit(tls.tag(record));
      if (pending instanceof Promise) await pending;
    }
  }
  return { packets, stats: reader.stats, skipped };
}
