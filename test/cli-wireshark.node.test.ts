/**
 * Wireshark's vocabulary in `wsframe pcap`'s JSON: `frame.number` on every record (the packet
 * that completed it), and `websocket.payload_length_ext_16` / `_ext_64` beside the existing
 * length fields (fields are added, never renamed). Checked against tshark on real captures.
 */
import { expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { encodeFrame } from '../src/index.ts';
import { analyzeCapture } from '../src/cli/pcap.ts';
import type { PcapRecord } from '../src/capture/websocket.ts';
import { pcapFile } from './_capture-builder.ts';
import { KEY_BYTES, REQUEST, RESPONSE, packets } from './_ws-capture.ts';
import { requirePeer } from './_peers.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

async function records(bytes: Uint8Array): Promise<PcapRecord[]> {
  const out: PcapRecord[] = [];
  await analyzeCapture([bytes], (record) => out.push(record));
  return out;
}

/** Per WebSocket frame, in order: the frame number and the extended length fields, as tshark shows them. */
function tsharkFrames(path: string): string[] {
  const result = spawnSync('tshark', ['-r', path, '-Y', 'websocket', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=;',
    '-e', 'frame.number', '-e', 'websocket.payload_length', '-e', 'websocket.payload_length_ext_16', '-e', 'websocket.payload_length_ext_64'], { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  const frames: string[] = [];
  for (const line of result.stdout.split('\n').filter((text) => text !== '')) {
    const [number, lengths, ext16 = '', ext64 = ''] = line.split('\t');
    // Several frames in one packet: one value per frame for the 7-bit length, extended ones in order.
    const ext16s = ext16 === '' ? [] : ext16.split(';');
    const ext64s = ext64 === '' ? [] : ext64.split(';');
    for (const length7 of lengths.split(';')) {
      const ext = length7 === '126' ? ` ext_16=${ext16s.shift()}` : length7 === '127' ? ` ext_64=${ext64s.shift()}` : '';
      frames.push(`${number}${ext}`);
    }
  }
  return frames;
}

function wsframeFrames(list: PcapRecord[]): string[] {
  return list.filter((record) => record.type === 'frame').map((record) => {
    const ext16 = record['websocket.payload_length_ext_16'];
    const ext64 = record['websocket.payload_length_ext_64'];
    return `${record['frame.number']}${ext16 !== undefined ? ` ext_16=${ext16}` : ''}${ext64 !== undefined ? ` ext_64=${ext64}` : ''}`;
  });
}

const withTshark = requirePeer('tshark');

withTshark.describe('Wireshark vocabulary', () => {
  for (const name of ['websocket-echo-python-plain.pcapng', 'websocket-python-plain.pcapng']) {
    withTshark.it(`frame.number and the extended lengths of every frame match tshark on ${name}`, async () => {
      const expected = tsharkFrames(fixture(name));
      const actual = wsframeFrames(await records(readFileSync(fixture(name))));
      expect(expected.length).toBeGreaterThan(10);
      expect(expected.some((line) => line.includes('ext_16='))).toBe(true);
      expect(actual).toEqual(expected);
    });
  }

  withTshark.it('a 64-bit length is websocket.payload_length_ext_64, and messages carry the frame number of their last frame', async () => {
    const big = encodeFrame({ opcode: 2, payload: new Uint8Array(70_000), maskingKey: KEY_BYTES });
    const capture = pcapFile(packets({ client: ['10.0.0.1', 5555], server: ['10.0.0.2', 9001] }, [
      ['c', REQUEST], ['s', RESPONSE], ['c', big.subarray(0, 40_000)], ['c', big.subarray(40_000)],
    ]), { linkType: 1 });
    const list = await records(capture);
    const frame = list.find((record) => record.type === 'frame');
    expect(frame).toMatchObject({ 'websocket.payload_length': 70_000, 'websocket.payload_length_64': '70000', 'websocket.payload_length_ext_64': 70_000, 'frame.number': 6 });
    expect(frame).not.toHaveProperty('websocket.payload_length_ext_16');
    expect(list.find((record) => record.type === 'message')).toMatchObject({ kind: 'binary', length: 70_000, 'frame.number': 6 });
  });
});
