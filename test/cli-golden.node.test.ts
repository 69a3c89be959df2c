/**
 * Golden outputs of the analyst's and learner's views: pcap --stats (text and NDJSON) on real
 * captures, the learner views (explain --xor, explain --extensions, accept --explain).
 * Regenerate with `UPDATE_GOLDEN=1 npx vitest run test/cli-golden.node.test.ts` and review the diff.
 */
import { describe, expect, it } from 'vitest';
import { cli } from './_cli.ts';
import { expectGolden } from './_golden.ts';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

describe('pcap --stats', () => {
  it('Python client, no compression: messages per kind, close codes, the ping->pong round trip', async () => {
    const text = await cli(['pcap', fixture('websocket-echo-python-plain.pcapng'), '--stats']);
    expect(text.code).toBe(0);
    expectGolden('pcap-stats-python-plain.txt', text.stdout);
    const ndjson = await cli(['pcap', fixture('websocket-echo-python-plain.pcapng'), '--stats', '--format', 'ndjson']);
    expectGolden('pcap-stats-python-plain.ndjson', ndjson.stdout);
    const [connection, all] = ndjson.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(connection).toMatchObject({ type: 'stats', stream: 0, connections: 1, roundTrips: { pings: 1, answered: 1 } });
    expect(all).toMatchObject({ type: 'stats', stream: null, connections: 1 });
  });

  it('Chromium with permessage-deflate: compressed bytes sent against inflated (frame bytes as tshark sums them)', async () => {
    const { code, stdout } = await cli(['pcap', fixture('websocket-echo-chromium-deflate.pcapng'), '--stats']);
    expect(code).toBe(0);
    // tshark -Y websocket: masked frames' payload lengths (with ext_16) sum to 354, unmasked to 367.
    expect(stdout).toContain('client->server: 5 messages, 4091 bytes; 5 frames, 354 payload bytes');
    expect(stdout).toContain('server->client: 5 messages, 4091 bytes; 5 frames, 367 payload bytes');
    expectGolden('pcap-stats-chromium-deflate.txt', stdout);
    const json = await cli(['pcap', fixture('websocket-echo-chromium-deflate.pcapng'), '--stats', '--format', 'json']);
    expectGolden('pcap-stats-chromium-deflate.json', json.stdout);
  });
});

describe('learner views', () => {
  it('explain --xor: the RFC 6455 §5.7 masked "Hello" byte by byte', async () => {
    const { code, stdout } = await cli(['explain', '818537fa213d7f9f4d5158', '--xor']);
    expect(code).toBe(0);
    expectGolden('explain-xor.txt', stdout);
  });

  it('explain --extensions: the RFC 7692 §7.2.3.1 compressed "Hello" with RSV1, inflated', async () => {
    const { code, stdout } = await cli(['explain', 'c107f248cdc9c90700', '--extensions', 'permessage-deflate']);
    expect(code).toBe(0);
    expectGolden('explain-extensions.txt', stdout);
  });

  it('accept --explain: the RFC 6455 §1.3 key step by step', async () => {
    const { code, stdout } = await cli(['accept', '--explain', 'dGhlIHNhbXBsZSBub25jZQ==']);
    expect(code).toBe(0);
    expect(stdout).toContain('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expectGolden('accept-explain.txt', stdout);
  });
});
