/**
 * Capture files from the file system: the one `node:` part of capture reading, kept apart so the
 * reader itself (`capture.ts`) stays pure and testable anywhere. Layer 6 (CLI only).
 *
 * @module
 */

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { readCapture, type CaptureReaderOptions, type CaptureStats, type CapturedPacket } from '../capture/capture.ts';

/** What {@link readCaptureFile} accepts. */
export interface ReadCaptureFileOptions extends CaptureReaderOptions {
  /** Bytes per read (default 1 MiB): the memory a read holds besides the current record. */
  chunkSize?: number;
  /**
   * Called after each read with the bytes read so far and the file size (0 when the size is not
   * known, as for a pipe): for a progress line.
   */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

const DEFAULT_CHUNK_SIZE = 1024 * 1024;

/**
 * Yields the packets of a pcap or pcapng file as it is read, one chunk at a time, so memory stays
 * bounded whatever the file size. Each chunk is a fresh buffer, so the packets' `data` views stay
 * valid after the next read. Throws the file system's error for a missing or unreadable file and
 * {@link CaptureError} (after every packet before the problem) for a file that cannot be read as
 * a capture. Returns the reader's counters.
 *
 * @example
 * ```ts
 * let packets = 0;
 * for await (const packet of readCaptureFile('test/fixtures/capture-lo-ipv6-ethernet.pcap')) if (packet.linkType === 1) packets++;
 * console.log(packets); // 26
 * ```
 */
export async function* readCaptureFile(
  path: string,
  options: ReadCaptureFileOptions = {},
): AsyncGenerator<CapturedPacket, CaptureStats, undefined> {
  const { chunkSize = DEFAULT_CHUNK_SIZE, onProgress, ...readerOptions } = options;
  const totalBytes = onProgress === undefined ? 0 : await fileSize(path);
  const stream = createReadStream(path, { highWaterMark: chunkSize });
  let bytesRead = 0;
  const chunks = onProgress === undefined ? stream : withProgress(stream, (length) => {
    bytesRead += length;
    onProgress(bytesRead, totalBytes);
  });
  try {
    return yield* readCapture(chunks as AsyncIterable<Uint8Array>, readerOptions);
  } finally {
    stream.destroy();
  }
}

async function fileSize(path: string): Promise<number> {
  const info = await stat(path);
  return info.isFile() ? info.size : 0;
}

async function* withProgress(
  source: AsyncIterable<Uint8Array>,
  onChunk: (length: number) => void,
): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const chunk of source) {
    onChunk(chunk.length);
    yield chunk;
  }
}
