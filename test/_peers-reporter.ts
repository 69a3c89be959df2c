/**
 * A vitest reporter beside the default one: after the run, one line per missing external peer
 * (which tests it cost and the command that installs it) and a summary, from the metadata that
 * test/_peers.ts puts on the tests it skipped. Prints nothing when no test was skipped that way.
 */
import type { Reporter, TestCase, TestModule, TestSuite } from 'vitest/node';
import { installCommand, type PeerName } from './_peers.ts';

/** The peers a test lacked: its own metadata's or its nearest suite's. */
function missingPeers(test: TestCase): PeerName[] | undefined {
  let task: TestCase | TestSuite | TestModule = test;
  for (;;) {
    const missing = task.meta().missingPeers;
    if (missing !== undefined) return missing;
    if (task.type === 'module') return undefined;
    task = task.parent;
  }
}

export default class PeersReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const byPeer = new Map<PeerName, { tests: number; files: Set<string> }>();
    let skipped = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests('skipped')) {
        const missing = missingPeers(test);
        if (missing === undefined) continue;
        skipped++;
        for (const name of missing) {
          const entry = byPeer.get(name) ?? { tests: 0, files: new Set<string>() };
          entry.tests++;
          entry.files.add(module.relativeModuleId);
          byPeer.set(name, entry);
        }
      }
    }
    if (skipped === 0) return;
    const peers = [...byPeer.keys()].sort();
    const plural = (count: number) => `${count} test${count === 1 ? '' : 's'}`;
    const lines = [''];
    for (const name of peers) {
      const { tests, files } = byPeer.get(name)!;
      lines.push(` ↓ ${plural(tests)} skipped: ${name} is missing; install it with \`${installCommand([name])}\` (${[...files].sort().join(', ')})`);
    }
    lines.push(
      `${plural(skipped)} skipped: missing peers: ${peers.map((name) => `${name} (${plural(byPeer.get(name)!.tests)})`).join(', ')}.` +
        ` Install all: \`${installCommand(peers)}\`. With CI=1 or WSFRAME_REQUIRE_PEERS=1 a missing peer fails the run.`,
      '',
    );
    process.stdout.write(lines.join('\n') + '\n');
  }
}
