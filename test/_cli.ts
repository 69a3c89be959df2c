/** Runs the CLI in-process with captured output, for the CLI tests (Node-only). */
import { readFileSync } from 'node:fs';
import { main, type CliIO } from '../src/cli/main.ts';


function stdinBytes(stdin: string | Uint8Array | undefined): Uint8Array {
  return typeof stdin === 'string' || stdin === undefined ? new TextEncoder().encode(stdin ?? '') : stdin;
}

export async function cli(args: string[], options: { stdin?: string | Uint8Array; tty?: boolean; stderrTTY?: boolean; env?: Record<string, string> } = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: { write: (text: string) => (stdout += text), isTTY: options.tty ?? false },
    stderr: { write: (text: string) => (stderr += text), isTTY: options.stderrTTY ?? false },
    env: options.env ?? {},
    readStdin: () => stdinBytes(options.stdin),
    readFile: (path: string) => readFileSync(path),
    openFile: (path: string) => {
      const bytes = path === '-' ? stdinBytes(options.stdin) : readFileSync(path);
      // Odd-sized chunks, so records straddle chunk boundaries as they do in real reads.
      const chunks = Array.from({ length: Math.ceil(bytes.length / 777) }, (_, i) => bytes.subarray(i * 777, (i + 1) * 777));
      return { size: bytes.length, chunks: (async function* () { yield* chunks; })() };
    },
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

