"""Feeds frame streams to wsproto (Debian's python3-wsproto) for test/wsproto-diff.node.test.ts.

Reads JSON lines {"id", "role": "server" | "client", "chunks": [hex, ...]} on stdin and writes one
JSON line per stream: {"id", "events": [...], "error": close code or null}. The stream is fed
to wsproto's FrameProtocol (the connection after the handshake) chunk by chunk, and its frames
are read after every chunk, as a server or client connection would. Events, normalised to
wsframe's MessageDecoder shapes:

    ["text", str] | ["binary", hex] | ["ping", hex] | ["pong", hex] | ["close", code or None, reason]

Data frames arrive from wsproto in pieces; a message is reported once its last piece is in.
The first close frame ends the stream (wsproto stops parsing there). `error` is the close code of
wsproto's ParseFailed (1002, 1007, …).
"""
import json
import sys

from wsproto.frame_protocol import CloseReason, FrameProtocol, Opcode, ParseFailed


def run(role, chunks):
    protocol = FrameProtocol(client=(role == "client"), extensions=[])
    events = []
    message = None
    for chunk in chunks:
        protocol.receive_bytes(bytes.fromhex(chunk))
        try:
            for frame in protocol.received_frames():
                if frame.opcode is Opcode.PING:
                    events.append(["ping", bytes(frame.payload).hex()])
                elif frame.opcode is Opcode.PONG:
                    events.append(["pong", bytes(frame.payload).hex()])
                elif frame.opcode is Opcode.CLOSE:
                    code, reason = frame.payload
                    events.append(["close", None if code == CloseReason.NO_STATUS_RCVD else int(code), reason])
                    return events, None
                else:
                    # TEXT and BINARY pieces (continuations come with the message's opcode).
                    if message is None:
                        message = [frame.opcode, "" if frame.opcode is Opcode.TEXT else b""]
                    message[1] += frame.payload
                    if frame.message_finished:
                        kind, data = message
                        events.append(["text", data] if kind is Opcode.TEXT else ["binary", bytes(data).hex()])
                        message = None
        except ParseFailed as failure:
            return events, int(failure.code)
    return events, None


def main():
    for line in sys.stdin:
        request = json.loads(line)
        events, error = run(request["role"], request["chunks"])
        sys.stdout.write(json.dumps({"id": request["id"], "events": events, "error": error}) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
