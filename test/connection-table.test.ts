/**
 * The connection's transition table, exercised: every input in every state, both roles. Each
 * row says what the connection does: the state it ends in, the events it reports and whether it
 * writes (`out`), or that the call is a caller mistake (`TypeError`). Reviewed line by line
 * against RFC 6455 §5.5 and §7 and DESIGN.md "Connection (sans-I/O)".
 */
import { describe, expect, it } from 'vitest';
import {
  ClientConnection,
  ServerConnection,
  encodeClose,
  encodeMessage,
  encodePing,
  encodePong,
  type Connection,
} from '../src/index.ts';
import { KEY, fixedRandom, latin1, outputOf, requestHead, responseHead } from './_connection.ts';

const masked = { mask: true, random: fixedRandom };

/** The states to start from, each built from scratch by real traffic; clock at 0. */
const SERVER_STATES: Record<string, () => ServerConnection> = {
  'connecting (no request yet)': () => new ServerConnection(),
  'connecting (request pending)': () => {
    const server = new ServerConnection();
    server.receive(latin1(requestHead()));
    return server;
  },
  open: () => {
    const server = new ServerConnection();
    server.receive(latin1(requestHead()));
    server.accept();
    return server;
  },
  'closing (our close sent)': () => {
    const server = SERVER_STATES.open();
    server.close(1000);
    return server;
  },
  'closed (failed)': () => {
    const server = SERVER_STATES.open();
    server.receive(new Uint8Array([0x83, 0x80, 0, 0, 0, 0]));
    return server;
  },
};

const CLIENT_STATES: Record<string, () => ClientConnection> = {
  connecting: () => new ClientConnection({ url: 'ws://example.com/chat', key: KEY, random: fixedRandom }),
  open: () => {
    const client = CLIENT_STATES.connecting();
    client.receive(latin1(responseHead()));
    return client;
  },
  'closing (our close sent)': () => {
    const client = CLIENT_STATES.open();
    client.close(1000);
    return client;
  },
  'closing (handshake done, waiting for EOF)': () => {
    const client = CLIENT_STATES.open();
    client.receive(encodeClose(1000));
    return client;
  },
  'closed (failed)': () => {
    const client = CLIENT_STATES.open();
    client.receive(new Uint8Array([0x83, 0x00]));
    return client;
  },
};

/** Inputs; frames are masked for a server and unmasked for a client, as a well-behaved peer sends. */
function inputs(role: 'server' | 'client'): Record<string, (c: Connection) => void> {
  const mask = role === 'server' ? masked : {};
  const all: Record<string, (c: Connection) => void> = {
    'receive text': (c) => c.receive(encodeMessage('x', mask)),
    'receive ping': (c) => c.receive(encodePing('p', mask)),
    'receive pong': (c) => c.receive(encodePong('p', mask)),
    'receive close 1000': (c) => c.receive(encodeClose(1000, '', mask)),
    'receive a reserved opcode': (c) => c.receive(role === 'server' ? new Uint8Array([0x83, 0x80, 0, 0, 0, 0]) : new Uint8Array([0x83, 0x00])),
    receiveEnd: (c) => c.receiveEnd(),
    send: (c) => c.send('x'),
    ping: (c) => c.ping(),
    close: (c) => c.close(1000),
    'deadline far ahead': (c) => c.handleDeadline(1e9),
  };
  if (role === 'server') {
    all.accept = (c) => (c as ServerConnection).accept();
    all.reject = (c) => (c as ServerConnection).reject(400);
  }
  return all;
}

function outcome(make: () => Connection, input: (c: Connection) => void): string {
  const connection = make();
  connection.handleDeadline(0);
  connection.events();
  outputOf(connection);
  try {
    input(connection);
  } catch (error) {
    return (error as Error).name;
  }
  const events = connection.events().map((e) => (e.type === 'close' ? `close ${e.code}${e.wasClean ? ' clean' : ''}` : e.type));
  const written = outputOf(connection).length > 0 ? 'out' : '-';
  return `${connection.state}${connection.transportShouldClose ? '!' : ''} | ${events.join(', ') || '-'} | ${written}`;
}

function table(states: Record<string, () => Connection>, role: 'server' | 'client'): Record<string, Record<string, string>> {
  const result: Record<string, Record<string, string>> = {};
  for (const [state, make] of Object.entries(states)) {
    result[state] = {};
    for (const [name, input] of Object.entries(inputs(role))) result[state][name] = outcome(make, input);
  }
  return result;
}

describe('every input in every state (state, "!" when transportShouldClose | events | written)', () => {
  it('server', () => {
    expect(table(SERVER_STATES, 'server')).toEqual({
      'connecting (no request yet)': {
        'receive text': 'connecting | - | -',
        'receive ping': 'connecting | - | -',
        'receive pong': 'connecting | - | -',
        'receive close 1000': 'connecting | - | -',
        'receive a reserved opcode': 'connecting | - | -',
        receiveEnd: 'closed! | close 1006 | -',
        send: 'TypeError',
        ping: 'TypeError',
        close: 'TypeError',
        'deadline far ahead': 'closed! | close 1006 | out',
        accept: 'TypeError',
        reject: 'TypeError',
      },
      'connecting (request pending)': {
        'receive text': 'connecting | - | -',
        'receive ping': 'connecting | - | -',
        'receive pong': 'connecting | - | -',
        'receive close 1000': 'connecting | - | -',
        'receive a reserved opcode': 'connecting | - | -',
        receiveEnd: 'closed! | close 1006 | -',
        send: 'TypeError',
        ping: 'TypeError',
        close: 'TypeError',
        'deadline far ahead': 'closed! | close 1006 | out',
        accept: 'open | open | out',
        reject: 'closed! | close 1006 | out',
      },
      'open': {
        'receive text': 'open | text | -',
        'receive ping': 'open | ping | out',
        'receive pong': 'open | pong | -',
        'receive close 1000': 'closed! | close 1000 clean | out',
        'receive a reserved opcode': 'closed! | close 1002 | out',
        receiveEnd: 'closed! | close 1006 | -',
        send: 'open | - | out',
        ping: 'open | - | out',
        close: 'closing | - | out',
        'deadline far ahead': 'open | - | -',
        accept: 'TypeError',
        reject: 'TypeError',
      },
      'closing (our close sent)': {
        'receive text': 'closing | - | -',
        'receive ping': 'closing | ping | -',
        'receive pong': 'closing | pong | -',
        'receive close 1000': 'closed! | close 1000 clean | -',
        'receive a reserved opcode': 'closed! | close 1002 | -',
        receiveEnd: 'closed! | close 1006 | -',
        send: 'closing | - | -',
        ping: 'closing | - | -',
        close: 'closing | - | -',
        'deadline far ahead': 'closed! | close 1006 | -',
        accept: 'TypeError',
        reject: 'TypeError',
      },
      'closed (failed)': {
        'receive text': 'closed! | - | -',
        'receive ping': 'closed! | - | -',
        'receive pong': 'closed! | - | -',
        'receive close 1000': 'closed! | - | -',
        'receive a reserved opcode': 'closed! | - | -',
        receiveEnd: 'closed! | - | -',
        send: 'closed! | - | -',
        ping: 'closed! | - | -',
        close: 'closed! | - | -',
        'deadline far ahead': 'closed! | - | -',
        accept: 'TypeError',
        reject: 'TypeError',
      },
    });
  });
  it('client', () => {
    expect(table(CLIENT_STATES, 'client')).toEqual({
      'connecting': {
        'receive text': 'connecting | - | -',
        'receive ping': 'connecting | - | -',
        'receive pong': 'connecting | - | -',
        'receive close 1000': 'connecting | - | -',
        'receive a reserved opcode': 'connecting | - | -',
        receiveEnd: 'closed! | close 1006 | -',
        send: 'TypeError',
        ping: 'TypeError',
        close: 'TypeError',
        'deadline far ahead': 'closed! | close 1006 | -',
      },
      'open': {
        'receive text': 'open | text | -',
        'receive ping': 'open | ping | out',
        'receive pong': 'open | pong | -',
        'receive close 1000': 'closing | close 1000 clean | out',
        'receive a reserved opcode': 'closed! | close 1002 | out',
        receiveEnd: 'closed! | close 1006 | -',
        send: 'open | - | out',
        ping: 'open | - | out',
        close: 'closing | - | out',
        'deadline far ahead': 'open | - | -',
      },
      'closing (our close sent)': {
        'receive text': 'closing | - | -',
        'receive ping': 'closing | ping | -',
        'receive pong': 'closing | pong | -',
        'receive close 1000': 'closing | close 1000 clean | -',
        'receive a reserved opcode': 'closed! | close 1002 | -',
        receiveEnd: 'closed! | close 1006 | -',
        send: 'closing | - | -',
        ping: 'closing | - | -',
        close: 'closing | - | -',
        'deadline far ahead': 'closed! | close 1006 | -',
      },
      'closing (handshake done, waiting for EOF)': {
        'receive text': 'closing | - | -',
        'receive ping': 'closing | - | -',
        'receive pong': 'closing | - | -',
        'receive close 1000': 'closing | - | -',
        'receive a reserved opcode': 'closing | - | -',
        receiveEnd: 'closed! | - | -',
        send: 'closing | - | -',
        ping: 'closing | - | -',
        close: 'closing | - | -',
        'deadline far ahead': 'closed! | - | -',
      },
      'closed (failed)': {
        'receive text': 'closed! | - | -',
        'receive ping': 'closed! | - | -',
        'receive pong': 'closed! | - | -',
        'receive close 1000': 'closed! | - | -',
        'receive a reserved opcode': 'closed! | - | -',
        receiveEnd: 'closed! | - | -',
        send: 'closed! | - | -',
        ping: 'closed! | - | -',
        close: 'closed! | - | -',
        'deadline far ahead': 'closed! | - | -',
      },
    });
  });
});
