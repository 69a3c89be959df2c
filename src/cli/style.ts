/**
 * Terminal styling for the CLI: ANSI colour on a TTY unless NO_COLOR is set, plain text
 * otherwise (https://no-color.org).
 */

export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  field(text: string): string;
  value(text: string): string;
  good(text: string): string;
  bad(text: string): string;
}

const wrap = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;

const COLOR: Style = {
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  field: wrap(36, 39),
  value: wrap(33, 39),
  good: wrap(32, 39),
  bad: wrap(31, 39),
};

const identity = (text: string) => text;
const PLAIN: Style = { bold: identity, dim: identity, field: identity, value: identity, good: identity, bad: identity };

/** The style for a stream: colour only on a TTY and only without NO_COLOR. */
export function styleFor(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): Style {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  return stream.isTTY === true && !noColor ? COLOR : PLAIN;
}

export { PLAIN };
