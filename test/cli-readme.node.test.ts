/**
 * The README shows real CLI output: every `$ wsframe …` command in a ```sh block, followed by a
 * ```text block, is run here and must print exactly that text.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { cli } from './_cli.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const shown = [...readme.matchAll(/```sh\n\$ (.+)\n```\n\n```text\n([\s\S]*?)```/g)].map(([, command, output]) => ({ command, output }));

/** `wsframe a b` or `echo X | wsframe a b`: the arguments and standard input. */
function parse(command: string): { args: string[]; stdin?: string } {
  const piped = /^echo (.+) \| wsframe (.+)$/.exec(command);
  const line = piped === null ? command.replace(/^wsframe /, '') : piped[2];
  return { args: line.split(' '), stdin: piped === null ? undefined : `${piped[1]}\n` };
}

describe('the CLI output shown in the README', () => {
  it('shows at least one example of every command', () => {
    for (const command of ['explain', 'decode', 'pcap', 'encode', 'accept']) {
      expect(shown.some((example) => parse(example.command).args[0] === command)).toBe(true);
    }
  });

  for (const { command, output } of shown) {
    it(`is what \`${command}\` prints`, async () => {
      const { args, stdin } = parse(command);
      const result = await cli(args, { stdin });
      expect(result.stdout).toBe(output);
    });
  }
});
