"""Python `websockets` (Debian's python3-websockets, legacy asyncio API) as a peer of the
wsframe examples, for test/interop-python.node.test.ts. Prints one JSON report as its last line.

    websockets_peer.py client URL [MODE]   exchange with an echo server: every message must come back
    websockets_peer.py server [MODE]       echo one connection on 127.0.0.1 (prints "listening PORT")

MODE: "plain" (default: no compression), "deflate" (websockets' default permessage-deflate: the
client offers client_max_window_bits, the server answers with windows of 12 bits), or
"no-context-takeover" (permessage-deflate with server_ and client_no_context_takeover: the client
asks for both, the server requires both).

The messages mirror exchangeMessages() in examples/echo-client.ts; the test compares digests, so
the two generators cannot drift apart unnoticed.
"""
import asyncio
import hashlib
import json
import sys

import websockets
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    ServerPerMessageDeflateFactory,
)

SIZES = [0, 125, 126, 65535, 65536, 1024 * 1024]
TIMEOUT = 10


def pattern_bytes(n):
    return bytes((i * 31 + 7) & 0xFF for i in range(n))


def pattern_text(n):
    # "aé€😀" is 1 + 2 + 3 + 4 bytes of UTF-8.
    return "a\u00e9\u20ac\U0001F600" * (n // 10) + "a" * (n % 10)


def digest(data):
    raw = data.encode() if isinstance(data, str) else data
    kind = "text" if isinstance(data, str) else "binary"
    return "%s %d %s" % (kind, len(raw), hashlib.sha256(raw).hexdigest()[:16])


def random_bytes(n, seed):
    # The LCG of randomBytes() in examples/echo-client.ts.
    out = bytearray(n)
    state = seed
    for i in range(n):
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        out[i] = (state >> 16) & 0xFF
    return bytes(out)


ALPHABET = list("abcdefghijklmnopqrstuv \u00e9\u00df\u03ba\u03cc\u03c3\u03bc\u03b5\u20ac\U0001F600")


def random_text(n, seed):
    return "".join(ALPHABET[b % len(ALPHABET)] for b in random_bytes(n, seed))


def json_text(seq):
    items = [{"id": seq * 100 + i, "name": "item %d \u03ba\u03cc\u03c3\u03bc\u03b5" % i, "price": "%.2f" % (i * 1.25)} for i in range(8)]
    value = {"seq": seq, "greeting": "Hello, \u03ba\u03cc\u03c3\u03bc\u03b5 \U0001F600", "items": items}
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def messages():
    """(name, data, fragments or None), as exchangeMessages(); Python sends text fragments
    whole characters at a time, so its 1000-byte text goes in 7-character frames."""
    out = [("binary %d" % n, pattern_bytes(n), None) for n in SIZES]
    out += [("text %d" % n, pattern_text(n), None) for n in SIZES]
    text = pattern_text(1000)
    out.append(("text 1000 fragmented", text, [text[i:i + 7] for i in range(0, len(text), 7)]))
    binary = pattern_bytes(200000)
    out.append(("binary 200000 fragmented", binary, [binary[i:i + 65536] for i in range(0, len(binary), 65536)]))
    block = random_bytes(40000, 1)
    out.append(("binary 40000 random bytes twice", block + block, None))
    out.append(("text 8000 random characters three times", random_text(8000, 2) * 3, None))
    repeated = random_bytes(2000, 3)
    out.append(("binary 2000 random bytes", repeated, None))
    out.append(("binary 2000 random bytes again", repeated, None))
    out += [("text JSON %d of 5" % seq, json_text(seq), None) for seq in range(1, 6)]
    return out


def compression(mode, side):
    """The `compression` and `extensions` arguments of websockets.connect / websockets.serve."""
    if mode == "plain":
        return {"compression": None}
    if mode == "deflate":
        return {"compression": "deflate"}
    factory = ClientPerMessageDeflateFactory if side == "client" else ServerPerMessageDeflateFactory
    return {"compression": None, "extensions": [factory(server_no_context_takeover=True, client_no_context_takeover=True)]}


def negotiated(ws):
    """The Sec-WebSocket-Extensions value of the server's answer ("" without one)."""
    return ws.response_headers.get("Sec-WebSocket-Extensions", "")


async def client(url, mode):
    report = {"echoes": [], "pong": False, "close": None}
    async with websockets.connect(url, max_size=None, **compression(mode, "client")) as ws:
        report["extensions"] = negotiated(ws)
        for name, data, fragments in messages():
            # An iterable sends one fragmented message (RFC 6455 §5.4), a frame per item.
            await ws.send(fragments if fragments is not None else data)
            echo = await asyncio.wait_for(ws.recv(), TIMEOUT)
            report["echoes"].append({"name": name, "ok": echo == data, "digest": digest(echo)})
        waiter = await ws.ping(b"ping \xe2\x9c\x93 from python")
        await asyncio.wait_for(waiter, TIMEOUT)
        report["pong"] = True
        await ws.close(4002, "bye \u2713 from python")
        report["close"] = {"code": ws.close_code, "reason": ws.close_reason}
    print(json.dumps(report), flush=True)


async def server(mode):
    report = {"received": [], "pong": None, "close": {"code": None, "reason": ""}}
    done = asyncio.get_running_loop().create_future()

    async def handler(ws, *_):
        async def ping():
            waiter = await ws.ping(b"ping \xe2\x9c\x93 from python server")
            await asyncio.wait_for(waiter, TIMEOUT)
            report["pong"] = "ping \u2713 from python server"

        pinger = asyncio.ensure_future(ping())
        try:
            async for message in ws:
                report["received"].append(digest(message))
                size = len(message)
                if size > 65536:
                    # Echo big messages fragmented: text at character boundaries, binary every 16 KiB.
                    step = 16384
                    await ws.send(message[i:i + step] for i in range(0, size, step))
                else:
                    await ws.send(message)
        except websockets.ConnectionClosed:
            pass  # a close code other than 1000 or 1001 ends the iteration with this error
        await ws.wait_closed()
        await asyncio.wait_for(pinger, TIMEOUT)
        report["close"] = {"code": ws.close_code, "reason": ws.close_reason}
        if mode != "plain":
            report["extensions"] = negotiated(ws)
        done.set_result(None)

    async with websockets.serve(handler, "127.0.0.1", 0, max_size=None, **compression(mode, "server")) as srv:
        port = srv.sockets[0].getsockname()[1]
        print("listening %d" % port, flush=True)
        await asyncio.wait_for(done, 25)
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "client":
        asyncio.run(client(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "plain"))
    else:
        asyncio.run(server(sys.argv[2] if len(sys.argv) > 2 else "plain"))
