/**
 * The connection engine against peers: a raw hostile peer (every case of the receiver
 * conformance table, test/vectors/conformance-cases.ts, fed to a ServerConnection: the right
 * close frame on the wire and the right close event), and a client and a server wired back to
 * back in memory exchanging random messages under random chunking of both directions.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ClientConnection,
  ServerConnection,
  encodeClose,
  encodePong,
  type ConnectionEvent,
} from '../src/index.ts';
import { concat } from './_bytes.ts';
import { fixedRandom, outputOf, pump } from './_connection.ts';
import { openServer } from './_connection.ts';
import { chop, type Chop } from './_streams.ts';
import { CONFORMANCE_CASES, type ExpectedEvent } from './vectors/conformance-cases.ts';

const resolve = <T>(value: T | (() => T)): T => (typeof value === 'function' ? (value as () => T)() : value);
const SMALL_INPUT = 4096;

/** What a ServerConnection reports for a MessageDecoder event. */
function asConnectionEvent(event: ExpectedEvent): ConnectionEvent {
  if (event.type === 'close') return { type: 'close', code: event.code ?? 1005, reason: event.reason, wasClean: true };
  return event as ConnectionEvent;
}

/** Large payloads compared by length: vitest's deep equality is slow on them. */
function summarise(event: ConnectionEvent): unknown {
  if ('data' in event && event.data.length > 512) return { type: event.type, length: event.data.length };
  if (event.type === 'close') return { type: 'close', code: event.code, reason: event.reason, wasClean: event.wasClean };
  return event;
}

describe('a raw hostile peer: every conformance case through a ServerConnection', () => {
  for (const testCase of CONFORMANCE_CASES) {
    const options = testCase.options ?? {};
    // Only the limits a connection has; afterClose and raw payload limits are the decoder's.
    const keys = Object.keys(options);
    if (keys.some((key) => key !== 'maxMessageLength')) continue;
    it(`${testCase.id} ${testCase.title}`, () => {
      const input = resolve(testCase.input);
      const expected = resolve(testCase.events).map(asConnectionEvent);
      // The peer's close ends the input: what follows it is ignored, not a violation.
      const error = testCase.error?.code === 'DATA_AFTER_CLOSE' ? undefined : testCase.error;
      const pongs = expected.filter((e) => e.type === 'ping').map((e) => encodePong((e as { data: Uint8Array }).data));
      const peerClose = expected.find((e) => e.type === 'close');
      let closeFrame: Uint8Array[] = [];
      if (error !== undefined) closeFrame = [encodeClose(error.closeCode)];
      else if (peerClose?.type === 'close') closeFrame = [encodeClose(peerClose.code === 1005 ? undefined : peerClose.code, peerClose.reason)];
      const own: Chop = testCase.chop ?? 'whole';
      for (const how of input.length <= SMALL_INPUT ? [own, 'whole', 1] as Chop[] : [own]) {
        const server = openServer({ maxMessageLength: options.maxMessageLength ?? 64 * 1024 * 1024 });
        const events: ConnectionEvent[] = [];
        let failedAfterPush = -1;
        chop(input, how).forEach((piece, index) => {
          server.receive(piece);
          events.push(...server.events());
          if (failedAfterPush === -1 && server.state === 'closed') failedAfterPush = index;
        });
        const label = `chopped ${JSON.stringify(how)}`;
        // Failing early: on the same push where MessageDecoder throws.
        if (how === own && error?.afterPush !== undefined) expect(failedAfterPush, label).toBe(error.afterPush);
        if (error !== undefined) {
          const last = events.pop();
          expect(last, label).toMatchObject({ type: 'close', code: error.closeCode, wasClean: false });
          expect((last as { error?: { code: string } }).error?.code, label).toBe(error.code);
          expect(server.transportShouldClose, label).toBe(true);
        }
        expect(events.map(summarise), label).toEqual(expected.map(summarise));
        expect(Array.from(outputOf(server)), label).toEqual(Array.from(concat(...pongs, ...closeFrame)));
        if (error === undefined && peerClose === undefined) expect(server.state, label).toBe('open');
      }
    });
  }

  it('EOF in the middle of a frame is 1006, unclean, with nothing written', () => {
    const server = openServer();
    server.receive(new Uint8Array([0x81, 0x85, 1, 2, 3]));
    server.receiveEnd();
    expect(server.events()).toEqual([{ type: 'close', code: 1006, reason: '', wasClean: false }]);
    expect(server.takeOutput()).toEqual([]);
  });
});

type Side = 'client' | 'server';
interface Action { from: Side; kind: 'text' | 'binary' | 'ping'; size: number; maxFrameLength: number | undefined }

const SIZES = [0, 1, 2, 125, 126, 127, 1000, 65535, 65536, 65537];
const TEXT_UNITS = ['a', 'é', '€', '😀'];

function payloadOf(action: Action, index: number): string | Uint8Array {
  if (action.kind === 'binary') return Uint8Array.from({ length: action.size }, (_, i) => (i * 31 + index) & 0xff);
  if (action.kind === 'ping') return Uint8Array.from({ length: Math.min(action.size, 125) }, (_, i) => (i + index) & 0xff);
  let text = '';
  for (let i = 0; text.length < action.size; i++) text += TEXT_UNITS[(i + index) % TEXT_UNITS.length];
  return text;
}

const actionArbitrary: fc.Arbitrary<Action> = fc.record({
  from: fc.constantFrom<Side>('client', 'server'),
  kind: fc.constantFrom<Action['kind']>('text', 'binary', 'ping'),
  size: fc.oneof(fc.constantFrom(...SIZES), fc.nat(300)),
  maxFrameLength: fc.option(fc.integer({ min: 1, max: 70000 }), { nil: undefined }),
});

/** A splitter that cuts every chunk at pseudo-random points drawn from `seed`. */
function splitter(seed: number, maxPiece: number): (bytes: Uint8Array) => Uint8Array[] {
  let state = seed >>> 0 || 1;
  return (bytes) => {
    const pieces: Uint8Array[] = [];
    for (let at = 0; at < bytes.length;) {
      state ^= state << 13; state ^= state >>> 17; state ^= state << 5;
      const length = 1 + ((state >>> 0) % maxPiece);
      pieces.push(bytes.subarray(at, at + length));
      at += length;
    }
    return pieces;
  };
}

/** Runs one exchange: handshake, the actions, then the close; returns both sides' events. */
function exchange(actions: readonly Action[], closer: Side | 'both', split: (bytes: Uint8Array) => Uint8Array[]) {
  const client = new ClientConnection({ url: 'ws://example.com/', random: fixedRandom, key: 'dGhlIHNhbXBsZSBub25jZQ==' });
  const server = new ServerConnection();
  client.handleDeadline(0);
  server.handleDeadline(0);
  const events = { client: [] as ConnectionEvent[], server: [] as ConnectionEvent[] };
  for (const piece of split(outputOf(client))) server.receive(piece);
  events.server.push(...server.events());
  server.accept();
  let round = pump(client, server, split);
  events.client.push(...round.a);
  events.server.push(...round.b);
  actions.forEach((action, index) => {
    const side = action.from === 'client' ? client : server;
    if (action.kind === 'ping') side.ping(payloadOf(action, index));
    else side.send(payloadOf(action, index), { maxFrameLength: action.maxFrameLength });
  });
  round = pump(client, server, split);
  events.client.push(...round.a);
  events.server.push(...round.b);
  if (closer !== 'server') client.close(1000, 'client done');
  if (closer !== 'client') server.close(1001, 'server done');
  round = pump(client, server, split);
  events.client.push(...round.a);
  events.server.push(...round.b);
  if (server.transportShouldClose) client.receiveEnd();
  return { events, client, server };
}

describe('a client and a server back to back', () => {
  it('exchange random messages, pings and closes from either side: the same events whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc.array(actionArbitrary, { maxLength: 12 }),
        fc.constantFrom<Side | 'both'>('client', 'server', 'both'),
        fc.integer({ min: 1 }),
        fc.constantFrom(1, 7, 200, 5000),
        (actions, closer, seed, maxPiece) => {
          const whole = exchange(actions, closer, (bytes) => [bytes]);
          const chopped = exchange(actions, closer, splitter(seed, maxPiece));
          expect(chopped.events.client.map(summarise)).toEqual(whole.events.client.map(summarise));
          expect(chopped.events.server.map(summarise)).toEqual(whole.events.server.map(summarise));

          // Each side got the other's messages and pings in order, and a pong per ping it sent.
          for (const [side, peer] of [['client', 'server'], ['server', 'client']] as const) {
            const got = whole.events[side];
            const sent = actions.map((action, index) => ({ action, index })).filter(({ action }) => action.from === peer);
            const expected = sent.map(({ action, index }) => ({ type: action.kind, data: payloadOf(action, index) }));
            expect(got.filter((e) => e.type !== 'pong' && e.type !== 'close' && e.type !== 'open' && e.type !== 'request').map(summarise))
              .toEqual(expected.map((e) => summarise(e as ConnectionEvent)));
            const pings = actions.filter((action) => action.from === side && action.kind === 'ping').length;
            expect(got.filter((e) => e.type === 'pong').length).toBe(pings);
          }

          // Both end clean with the code the other side sent.
          const clientClose = whole.events.client.at(-1);
          const serverClose = whole.events.server.at(-1);
          // The answer to a close echoes its code and reason.
          expect(clientClose).toEqual({ type: 'close', code: closer === 'client' ? 1000 : 1001, reason: closer === 'client' ? 'client done' : 'server done', wasClean: true });
          expect(serverClose).toEqual({ type: 'close', code: closer === 'server' ? 1001 : 1000, reason: closer === 'server' ? 'server done' : 'client done', wasClean: true });
          for (const side of [whole.client, whole.server]) {
            expect(side.state).toBe('closed');
            expect(side.transportShouldClose).toBe(true);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
