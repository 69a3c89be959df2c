/**
 * Streamed output of the CLI: text is gathered into blocks of at most 64 KiB and written block by
 * block, waiting for `drain` when the stream asks to, so memory does not grow with the output
 * (4 MiB of empty pings is two million records). Between blocks the event loop runs, so a closed
 * standard output (`wsframe pcap x | head -1`) is noticed while the command is still working.
 */

/** Where output goes: `process.stdout`, or a string collector in the tests. */
export interface TextSink {
  write(text: string): unknown;
  /** Present on Node streams: `write` returned false, wait for `'drain'`. */
  once?(event: 'drain', listener: () => void): unknown;
}

/** Characters gathered before a write. */
const BLOCK_LENGTH = 64 * 1024;

/** Buffers text into blocks; `await flushIfFull()` in loops, `await flush()` at the end. */
export class Output {
  readonly #sink: TextSink;
  #parts: string[] = [];
  #length = 0;

  constructor(sink: TextSink) {
    this.#sink = sink;
  }

  write(text: string): void {
    this.#parts.push(text);
    this.#length += text.length;
  }

  /** Whether a block is gathered and should be written. */
  get full(): boolean {
    return this.#length >= BLOCK_LENGTH;
  }

  /** Writes the gathered text once it reaches a block. */
  async flushIfFull(): Promise<void> {
    if (this.#length >= BLOCK_LENGTH) await this.flush();
  }

  /** Writes everything gathered, then lets pending events (a stream error, `drain`) run. */
  async flush(): Promise<void> {
    if (this.#length > 0) {
      const text = this.#parts.join('');
      this.#parts = [];
      this.#length = 0;
      if (this.#sink.write(text) === false && this.#sink.once !== undefined) {
        await new Promise<void>((resolve) => this.#sink.once!('drain', resolve));
        return;
      }
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * A JSON array written element by element, byte for byte what `JSON.stringify(array, null, 2)`
 * prints for the whole array, without holding it.
 */
export class JsonArrayWriter {
  readonly #output: Output;
  #count = 0;

  constructor(output: Output) {
    this.#output = output;
  }

  item(value: unknown): void {
    // JSON strings escape newlines, so every newline is between lines of the structure.
    const text = JSON.stringify(value, null, 2).replace(/\n/g, '\n  ');
    this.#output.write(`${this.#count++ === 0 ? '[\n' : ',\n'}  ${text}`);
  }

  end(): void {
    this.#output.write(this.#count === 0 ? '[]\n' : '\n]\n');
  }
}
