/**
 * `wsframe pcap --decode-as` and gaps, on captures built from synthetic TCP segments: a
 * connection whose handshake is not in the capture (its first packet the server's), compressed
 * messages with and without --extensions, and a gap that the scan resynchronises after.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFrame, encodeMessage, PerMessageDeflate } from '../src/index.ts';
import { analyzeCapture } from '../src/cli/pcap.ts';
import type { PcapRecord } from '../src/capture/websocket.ts';
import { pcapFile } from './_capture-builder.ts';
import { KEY_BYTES, REQUEST, RESPONSE, enc, packets } from './_ws-capture.ts';
import { cli } from './_cli.ts';

const folder = mkdtempSync(join(tmpdir(), 'wsframe-decode-as-'));
const file = (name: string, bytes: Uint8Array) => {
  const path = join(folder, name);
  writeFileSync(path, bytes);
  return path;
};
const fromServer = (text: string) => encodeFrame({ opcode: 1, payload: enc(text) });
const fromClient = (text: string) => encodeFrame({ opcode: 1, payload: enc(text), maskingKey: KEY_BYTES });
const ENDPOINTS = { client: ['10.0.0.1', 50123] as [string, number], server: ['10.0.0.2', 9001] as [string, number] };

/** A conversation without its SYNs and handshake: the capture started after it. */
function midConnection(segments: Parameters<typeof packets>[1]): Uint8Array {
  return pcapFile(packets(ENDPOINTS, segments).slice(2), { linkType: 1 });
}

async function analyze(capture: Uint8Array, options: Parameters<typeof analyzeCapture>[2] = {}): Promise<PcapRecord[]> {
  const records: PcapRecord[] = [];
  await analyzeCapture([capture], (record) => records.push(record), options);
  return records;
}

const line = (record: PcapRecord) => {
  switch (record.type) {
    case 'connection': return `connection ${record.client} -> ${record.server} ${record.decodeAs}`;
    case 'message': return `${record.from} ${record.kind} ${record.kind === 'text' ? record.text : record.kind === 'compressed' ? `${record.messageKind} ${record.length}` : ''}`;
    case 'resync': return `${record.from} resync @${record.offset} skipped ${record.skipped}`;
    case 'lost': return `${record.from} lost ${record.what} @${record.offset} ${record.bytes}`;
    case 'gap': return `${record.from} gap @${record.offset} ${record.bytes}`;
    case 'error': return `${record.from} error ${record.code}`;
    default: return undefined;
  }
};
const summary = (records: PcapRecord[]) => records.map(line).filter((text) => text !== undefined);

describe('wsframe pcap --decode-as', () => {
  // The server speaks first: the reassembler takes it for the client; the port says otherwise.
  const tail = fromServer('the end of a message before the capture').subarray(9);
  const capture = midConnection([
    ['s', tail],
    ['s', fromServer('one')], ['c', fromClient('two')], ['s', fromServer('three')], ['c', fromClient('four')],
    ['s', fromServer('five')], ['c', fromClient('six')], ['s', fromServer('seven')], ['c', fromClient('eight')],
  ]);

  it('without it, the stream gets a note naming the option and nothing is decoded', async () => {
    const result = await cli(['pcap', file('mid.pcap', capture)]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('wsframe: stream 0 (10.0.0.2:9001 -> 10.0.0.1:50123) not decoded: not HTTP (the capture started mid-connection): the client\'s first bytes are 20 6f 66 20 61 20 6d 65; if it is WebSocket: --decode-as 9001\n');
  });

  it('decodes both directions, the port being the server, from where the scan locks on', async () => {
    const records = await analyze(capture, { decodeAs: [{ port: 9001 }] });
    expect(summary(records)).toEqual([
      'connection 10.0.0.1:50123 -> 10.0.0.2:9001 9001',
      // The scan holds a direction's records until four frames chain: the server's come at once.
      `server resync @${tail.length} skipped ${tail.length}`, 'server text one', 'server text three', 'server text five', 'server text seven',
      'client resync @0 skipped 0', 'client text two', 'client text four', 'client text six', 'client text eight',
    ]);
  });

  it('matches a host:port target, and no other host', async () => {
    expect(summary(await analyze(capture, { decodeAs: [{ host: '10.0.0.2', port: 9001 }] }))[0]).toBe('connection 10.0.0.1:50123 -> 10.0.0.2:9001 10.0.0.2:9001');
    expect(await analyze(capture, { decodeAs: [{ host: '10.0.0.9', port: 9001 }] })).toEqual([]);
  });

  it('CLI: text output names the target and the lock, exit status 0', async () => {
    const result = await cli(['pcap', file('mid.pcap', capture), '--decode-as', '9001']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe('stream 0: 10.0.0.1:50123 -> 10.0.0.2:9001 (no handshake in the capture) decoded as WebSocket (--decode-as 9001) extensions=unknown: compressed messages are not inflated');
    expect(result.stdout).toContain(`<-server resync  @${tail.length}: locked on to frame boundaries (4 frames chained, ${tail.length} bytes skipped)`);
    expect((await cli(['pcap', file('mid.pcap', capture), '--decode-as', 'x:0'])).code).toBe(2);
    expect((await cli(['pcap', file('mid.pcap', capture), '--extensions', 'permessage-deflate'])).stderr).toContain('--extensions belongs to --decode-as');
  });

  const deflate = () => new PerMessageDeflate({ role: 'server', threshold: 0, params: { serverNoContextTakeover: true, clientNoContextTakeover: true } });
  const compressed = (text: string, codec: PerMessageDeflate) => encodeMessage(text, { extensions: [codec] });

  it('compressed messages are marked compressed and not inflated, unless --extensions says how', async () => {
    const codec = deflate();
    const frames = ['hello hello hello', 'again again', 'more more more', 'last'].map((text) => compressed(text, codec));
    const deflated = midConnection(frames.map((frame) => ['s', frame] as ['s', Uint8Array]));
    expect(summary(await analyze(deflated, { decodeAs: [{ port: 9001 }] })).slice(2)).toEqual([
      `server compressed text ${frames[0].length - 2}`, `server compressed text ${frames[1].length - 2}`, `server compressed text ${frames[2].length - 2}`, `server compressed text ${frames[3].length - 2}`,
    ]);
    const inflated = await analyze(deflated, { decodeAs: [{ port: 9001 }], decodeAsExtensions: 'permessage-deflate; server_no_context_takeover; client_no_context_takeover' });
    expect(summary(inflated).slice(2)).toEqual(['server text hello hello hello', 'server text again again', 'server text more more more', 'server text last']);
  });
});

describe('gaps', () => {
  it('a gap is reported with its size, the message it cut as lost, and decoding goes on after the lock', async () => {
    const cut = fromClient('this message loses its middle');
    const after = ['a', 'b', 'c', 'd'].map(fromClient);
    const start = REQUEST.length;
    let at = start + cut.length;
    const later = after.map((frame) => {
      const segment: ['c', Uint8Array, { at: number }] = ['c', frame, { at }];
      at += frame.length;
      return segment;
    });
    const capture = pcapFile(packets(ENDPOINTS, [
      ['c', REQUEST], ['s', RESPONSE], ['c', fromClient('before')],
      ['c', cut.subarray(0, 10), { at: start + fromClient('before').length }],
      ...later.map(([from, frame, options]) => [from, frame, { at: options.at + fromClient('before').length }] as ['c', Uint8Array, { at: number }]),
    ]), { linkType: 1 });
    const records = await analyze(capture);
    const before = fromClient('before').length;
    expect(summary(records)).toEqual([
      'connection 10.0.0.1:50123 -> 10.0.0.2:9001 undefined', 'client text before',
      `client gap @${before + 10} ${cut.length - 10}`, `client lost frame @${before} ${cut.length}`,
      `client resync @${before + cut.length} skipped 0`, 'client text a', 'client text b', 'client text c', 'client text d',
    ]);
    const result = await cli(['pcap', file('gap.pcap', capture)]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`gap     @${before + 10}: ${cut.length - 10} bytes missing from the capture`);
    expect(result.stdout).toContain(`lost    @${before}: ${cut.length} bytes (frame): The frame that started at byte ${before} is lost`);
  });
});
