"""Feeds byte streams to wsproto's WSConnection (Debian's python3-wsproto) as a server, for
test/wsproto-connection-diff.node.test.ts.

Reads JSON lines {"id", "head": hex, "chunks": [hex, ...], "eof": bool} on stdin. For each, a
WSConnection(ConnectionType.SERVER) receives `head` (the client's request, maybe followed by the
first frames), accepts the Request, then receives the chunks one by one, reading its events after
each; with "eof" the transport then ends (receive_data(None)) unless the connection already
closed or failed. The driver does what wsframe's ServerConnection does by itself: it answers a
Ping with `event.response()` (a Pong echoing the payload) and the peer's CloseConnection with
`event.response()` (a close echoing code and reason). Writes one JSON line per stream:

    {"id", "handshake": hex, "events": [...], "error": close code or null, "output": hex}

`handshake` is the 101 answer; `output` every byte sent after it. Events, in wsframe's shapes:

    ["text", str] | ["binary", hex] | ["ping", hex] | ["pong", hex] | ["close", code, reason] | ["eof"]

A message is reported once its last piece is in (message_finished). A CloseConnection is the
peer's close frame when the connection moved to REMOTE_CLOSING; one that leaves it OPEN is
wsproto reporting a ParseFailed: its code is `error`, nothing is sent (wsproto does not send a
close frame on a violation) and the stream ends there. ["eof"] is the CloseConnection with code
1006 that receive_data(None) produces.
"""
import json
import sys

from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Ping,
    Pong,
    Request,
    TextMessage,
)


def run(head, chunks, eof):
    ws = WSConnection(ConnectionType.SERVER)
    handshake = b""
    output = b""
    events = []
    message = None

    def drain():
        """Reads the pending events; returns the error code on a violation, "closed" after the
        peer's close, None otherwise."""
        nonlocal handshake, output, message
        for event in ws.events():
            if isinstance(event, Request):
                handshake += ws.send(AcceptConnection())
            elif isinstance(event, Ping):
                events.append(["ping", bytes(event.payload).hex()])
                output += ws.send(event.response())
            elif isinstance(event, Pong):
                events.append(["pong", bytes(event.payload).hex()])
            elif isinstance(event, (TextMessage, BytesMessage)):
                if message is None:
                    message = [isinstance(event, TextMessage), "" if isinstance(event, TextMessage) else b""]
                message[1] += event.data
                if event.message_finished:
                    is_text, data = message
                    events.append(["text", data] if is_text else ["binary", bytes(data).hex()])
                    message = None
            elif isinstance(event, CloseConnection):
                if ws.state is ConnectionState.REMOTE_CLOSING:
                    events.append(["close", int(event.code), event.reason])
                    output += ws.send(event.response())
                    return "closed"
                return int(event.code)
            else:
                raise AssertionError(f"unexpected event {event!r}")
        return None

    ws.receive_data(bytes.fromhex(head))
    result = drain()
    for chunk in chunks:
        if result is not None:
            break
        ws.receive_data(bytes.fromhex(chunk))
        result = drain()
    if eof and result is None:
        ws.receive_data(None)
        for event in ws.events():
            assert isinstance(event, CloseConnection) and event.code == 1006, event
            events.append(["eof"])
    error = result if isinstance(result, int) else None
    return {"handshake": handshake.hex(), "events": events, "error": error, "output": output.hex()}


def main():
    for line in sys.stdin:
        request = json.loads(line)
        verdict = run(request["head"], request["chunks"], request["eof"])
        sys.stdout.write(json.dumps({"id": request["id"], **verdict}) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
