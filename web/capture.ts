/**
 * Reads a capture file in the page: slices of the file → the capture reader → TCP reassembly →
 * the WebSocket tracker (src/capture, the same modules as `wsframe pcap`, without its TLS layer).
 * Between slices the page gets the main thread back, so a big capture shows its progress and
 * never freezes the page. (A Worker would need `worker-src blob:` in the page's strict CSP.)
 */

import { CaptureReader } from '../src/capture/capture.ts';
import { createPacketCounts, decodeTcpPacket } from '../src/capture/packet.ts';
import { TcpReassembler } from '../src/capture/tcp.ts';
import type { Direction } from '../src/capture/analyze.ts';
import { WebSocketTracker, type PcapRecord, type StreamNote } from '../src/capture/websocket.ts';

/** Bytes read per slice: about 10 ms of work, so the page stays responsive. */
const SLICE_BYTES = 512 * 1024;
/** Records kept for display; a bigger capture shows its first ones (the CLI reads any size). */
const MAX_RECORDS = 50_000;
/** WebSocket bytes kept per connection direction, for frame details in the Explain view. */
const MAX_KEPT_BYTES = 8 * 1024 * 1024;
/** Payload bytes kept in a frame or message record. */
const MAX_SHOWN_PAYLOAD = 64 * 1024;

/** One direction's WebSocket bytes, as the analyzer read them (frame offsets count from 0). */
export class KeptBytes {
  readonly #chunks: Uint8Array[] = [];
  #length = 0;
  overflow = false;

  push(data: Uint8Array): void {
    if (this.overflow) return;
    if (this.#length + data.length > MAX_KEPT_BYTES) {
      this.overflow = true;
      return;
    }
    this.#chunks.push(data.slice());
    this.#length += data.length;
  }

  /** All the bytes kept, joined (once; later calls give the same array). */
  bytes(): Uint8Array {
    if (this.#chunks.length !== 1) {
      const joined = new Uint8Array(this.#length);
      let at = 0;
      for (const chunk of this.#chunks) {
        joined.set(chunk, at);
        at += chunk.length;
      }
      this.#chunks.splice(0, this.#chunks.length, joined);
    }
    return this.#chunks[0] ?? new Uint8Array(0);
  }
}

export interface CaptureResult {
  records: PcapRecord[];
  notes: StreamNote[];
  packets: number;
  skipped: number;
  /** Records left out past {@link MAX_RECORDS}. */
  dropped: number;
  kept: Map<string, KeptBytes>;
  format: string | undefined;
}

export const keptKey = (stream: number, from: Direction): string => `${stream}:${from}`;

const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Reads `file` slice by slice; `onProgress` gets the bytes read so far. Throws the capture
 * reader's `CaptureError` for a file that is not a capture or is cut short; the records read
 * before the problem are in the result `partial` was given at the start.
 */
export async function readCaptureFile(file: Blob, onProgress: (done: number, total: number) => void, partial?: (result: CaptureResult) => void): Promise<CaptureResult> {
  const kept = new Map<string, KeptBytes>();
  const notes: StreamNote[] = [];
  const result: CaptureResult = { records: [], notes, packets: 0, skipped: 0, dropped: 0, kept, format: undefined };
  partial?.(result);
  const tracker = new WebSocketTracker({
    maxShownPayload: MAX_SHOWN_PAYLOAD,
    onNote: (note) => notes.push(note),
    onBytes: (stream, from, data) => {
      const key = keptKey(stream, from);
      let bytes = kept.get(key);
      if (bytes === undefined) kept.set(key, bytes = new KeptBytes());
      bytes.push(data);
    },
  });
  const add = (records: PcapRecord[]) => {
    for (const record of records) {
      if (result.records.length < MAX_RECORDS) result.records.push(record);
      else result.dropped++;
    }
  };
  const reader = new CaptureReader();
  const reassembler = new TcpReassembler();
  const counts = createPacketCounts();
  let failure: unknown;
  try {
    for (let at = 0; at < file.size; at += SLICE_BYTES) {
      reader.push(new Uint8Array(await file.slice(at, at + SLICE_BYTES).arrayBuffer()));
      for (const packet of reader.packets()) {
        result.packets++;
        const segment = decodeTcpPacket(packet.linkType, packet.data, counts);
        if (segment === undefined) {
          result.skipped++;
          continue;
        }
        for (const event of reassembler.push(segment, packet.time)) add(tracker.handle(event, result.packets));
      }
      result.format = reader.format;
      onProgress(Math.min(at + SLICE_BYTES, file.size), file.size);
      await nextTask();
    }
    reader.end();
  } catch (error) {
    failure = error;
  }
  // What was read before a problem is still shown: the connections end there.
  for (const event of reassembler.end()) add(tracker.handle(event));
  if (failure !== undefined) throw failure;
  return result;
}
