/**
 * External peers of the Node-only tests: programs that npm does not install (Chromium, tshark,
 * Debian's Python with websockets and wsproto). Every test that needs one goes through
 * `requirePeer`, which gives `describe`/`it` when the peer is there and, when it is missing:
 *
 * - by default, `.skip` versions whose tests carry the missing peer in their metadata, so that
 *   test/_peers-reporter.ts prints one notice per peer (the Debian package and the command that
 *   installs it) and a summary of how many tests were skipped and why;
 * - when `WSFRAME_REQUIRE_PEERS=1` or `CI` is set (`.ci/run` sets the first), a failing test that
 *   names the peer and its install command: CI never silently loses coverage.
 *   `WSFRAME_REQUIRE_PEERS=0` turns this off even under `CI`.
 *
 * `WSFRAME_HIDE_PEERS=all` (or a comma-separated list such as `tshark,chromium`) pretends peers
 * are missing, to check this file's own behaviour on a full machine.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { describe, it } from 'vitest';

declare module 'vitest' {
  interface TaskMeta {
    /** The peers a skipped test or suite lacked (see test/_peers-reporter.ts). */
    missingPeers?: PeerName[];
  }
}

/** `/usr/bin/python3`: Debian's Python, which has python3-websockets and python3-wsproto. */
export const PYTHON = '/usr/bin/python3';

/** Debian's Chromium, or `CHROMIUM_PATH`. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** What a peer is, the Debian package that provides it, and how to tell it is there. */
interface Peer {
  package: string;
  isPresent(): boolean;
}

const canRun = (command: string, args: string[]): boolean => {
  const result = spawnSync(command, args, { stdio: 'ignore', timeout: 20_000 });
  return result.error === undefined && result.status === 0;
};

const isExecutable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

export const PEERS = {
  chromium: { package: 'chromium', isPresent: () => isExecutable(CHROMIUM) },
  tshark: { package: 'tshark', isPresent: () => canRun('tshark', ['--version']) },
  'python3-websockets': { package: 'python3-websockets', isPresent: () => canRun(PYTHON, ['-c', 'import websockets']) },
  'python3-wsproto': { package: 'python3-wsproto', isPresent: () => canRun(PYTHON, ['-c', 'import wsproto']) },
} as const satisfies Record<string, Peer>;

export type PeerName = keyof typeof PEERS;

/** The command that installs the Debian packages of `peers`. */
export function installCommand(peers: readonly PeerName[]): string {
  return `sudo apt-get install -y ${peers.map((name) => PEERS[name].package).join(' ')}`;
}

/** Is `value` of an environment variable a yes? (unset, empty, `0` and `false` are no) */
function isSet(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/** Must a missing peer fail the run? */
export function peersRequired(env: Record<string, string | undefined> = process.env): boolean {
  const explicit = env.WSFRAME_REQUIRE_PEERS;
  return explicit !== undefined && explicit !== '' ? isSet(explicit) : isSet(env.CI);
}

const hidden = new Set((process.env.WSFRAME_HIDE_PEERS ?? '').split(',').map((name) => name.trim()).filter(Boolean));
const presence = new Map<PeerName, boolean>();

/** Is `name` installed (and not hidden by `WSFRAME_HIDE_PEERS`)? Checked once per test file. */
export function hasPeer(name: PeerName): boolean {
  if (hidden.has('all') || hidden.has(name)) return false;
  let present = presence.get(name);
  if (present === undefined) {
    present = PEERS[name].isPresent();
    presence.set(name, present);
  }
  return present;
}

/** `describe` and `it` for tests that need `peers`, or their stand-ins when any is missing. */
export interface PeerTests {
  /** True when every peer is there. */
  readonly available: boolean;
  readonly describe: (name: string, body: () => void) => void;
  readonly it: (name: string, body: () => unknown, timeout?: number) => void;
}

/** The `describe`/`it` for tests whose peers are `peers` (see the file's doc comment). */
export function requirePeer(...peers: PeerName[]): PeerTests {
  const missing = peers.filter((name) => !hasPeer(name));
  if (missing.length === 0) {
    return { available: true, describe: (name, body) => describe(name, body), it: (name, body, timeout) => it(name, body, timeout) };
  }
  const because = `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing; install with \`${installCommand(missing)}\``;
  if (peersRequired()) {
    const fail = (): never => {
      throw new Error(`Cannot run: ${because} (WSFRAME_REQUIRE_PEERS or CI is set, so a missing peer fails)`);
    };
    return {
      available: false,
      describe: (name) => describe(name, () => it(`has its peers (${missing.join(', ')})`, fail)),
      it: (name) => it(name, fail),
    };
  }
  const options = { skip: true, meta: { missingPeers: missing } };
  return {
    available: false,
    describe: (name, body) => describe(name, options, body),
    it: (name, body, timeout) => it(name, { ...options, timeout }, body),
  };
}
