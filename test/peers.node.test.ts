/**
 * test/_peers.ts, the gate of the tests that need a program npm does not install: when a missing
 * peer fails the run instead of skipping, and the install command its notice prints.
 * (Hiding the peers for real is checked by hand: see the file's doc comment.)
 */
import { describe, expect, it } from 'vitest';
import { installCommand, peersRequired } from './_peers.ts';

describe('the external peers of the Node-only tests', () => {
  it('make a missing peer a failure under CI or WSFRAME_REQUIRE_PEERS, and a skip otherwise', () => {
    expect(peersRequired({})).toBe(false);
    expect(peersRequired({ CI: '' })).toBe(false);
    expect(peersRequired({ CI: 'false' })).toBe(false);
    expect(peersRequired({ CI: '1' })).toBe(true);
    expect(peersRequired({ CI: 'true' })).toBe(true);
    expect(peersRequired({ WSFRAME_REQUIRE_PEERS: '1' })).toBe(true);
    expect(peersRequired({ CI: '1', WSFRAME_REQUIRE_PEERS: '0' })).toBe(false);
    expect(peersRequired({ CI: '0', WSFRAME_REQUIRE_PEERS: '1' })).toBe(true);
  });

  it('name the Debian packages in the install command', () => {
    expect(installCommand(['tshark'])).toBe('sudo apt-get install -y tshark');
    expect(installCommand(['chromium', 'python3-websockets', 'python3-wsproto']))
      .toBe('sudo apt-get install -y chromium python3-websockets python3-wsproto');
  });
});
