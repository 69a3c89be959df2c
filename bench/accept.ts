/**
 * Group "accept": Sec-WebSocket-Accept from a key, per call. computeAcceptKey with its built-in
 * SHA-1 against exactly what ws's server does (`createHash('sha1').update(key + GUID)
 * .digest('base64')`), and computeAcceptKey with node:crypto plugged in. 256 different keys in
 * turn, so nothing can be cached.
 */
import { createHash, randomBytes } from 'node:crypto';
import { WEBSOCKET_GUID, computeAcceptKey } from '../src/index.ts';
import type { Case } from './_harness.ts';

export function acceptCases(_quick: boolean): Case[] {
  const keys = Array.from({ length: 256 }, () => randomBytes(16).toString('base64'));
  let i = 0;
  const nodeHash = (bytes: Uint8Array) => createHash('sha1').update(bytes).digest();
  return [{
    group: 'accept',
    name: 'computeAcceptKey',
    unit: 'calls/s',
    unitsPerOp: 1,
    contenders: [
      { name: 'wsframe computeAcceptKey (built-in sha1)', run: () => computeAcceptKey(keys[i++ & 255]) },
      { name: 'node:crypto createHash (as ws)', run: () => createHash('sha1').update(keys[i++ & 255] + WEBSOCKET_GUID).digest('base64') },
      { name: 'wsframe computeAcceptKey (node:crypto hash)', run: () => computeAcceptKey(keys[i++ & 255], nodeHash) },
    ],
    references: ['node:crypto createHash (as ws)'],
    verify: () => {
      for (const key of keys) {
        if (computeAcceptKey(key) !== createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64')) {
          throw new Error(`accept keys disagree for ${key}`);
        }
      }
    },
  }];
}
