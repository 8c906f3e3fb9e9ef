"""How the fuzz tests' requests go out (tests/e2e/fuzzing.py): raw HTTP/1.1 and raw engine.io
websockets on loopback, byte for byte as the caller wrote them, and the JSON and JWTs they carry.

``requests`` would normalise ``..`` out of a path, refuse a lone surrogate, and give up on a big
body that the server answered (413) before it was all sent; here that answer is read. Strings go
into JSON through ``json.dumps``'s ASCII escapes, so a lone surrogate arrives as the raw escape
``\\udfff`` that any client can send.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import select
import socket
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import quote

import websocket

from bot.launcher import HOST

REQUEST_TIMEOUT = 30.0  # a turn takes seconds even on two busy cores; longer is a hang
PROTOCOL_TIMEOUT = 5.0  # for a socket.io answer that needs no turn (connect, ack)
SOCKETIO_PATH = "/socket.io/"
CHUNK = 256 * 1024

Header = tuple[bytes, bytes]


@dataclass(frozen=True)
class Raw:
    """A JSON token written as is: numbers no parser agrees on, or not JSON at all."""

    text: str


def encode(value: Any) -> bytes:
    """``value`` as JSON bytes; strings with ASCII escapes, so lone surrogates become ``\\udxxx``."""
    return _json(value).encode("ascii")


def _json(value: Any) -> str:
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_json(v) for v in value) + "]"
    return json.dumps(value)


class Reply(NamedTuple):
    status: int  # HTTP status (101 for an accepted websocket); 0 when no HTTP answer came
    elapsed: float
    outcome: str = ""  # "timeout", "connected", "refused: no token", "answered", "no reply" ...


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    elapsed: float
    outcome: str = ""


def http(
    port: int, method: str, target: bytes, headers: Sequence[Header], body: bytes, timeout: float = REQUEST_TIMEOUT
) -> Response:
    """One HTTP/1.1 request on its own connection, sent exactly as given; an answer that comes
    before the body is all sent (413, say) is read, not lost."""
    given = {name.lower() for name, _ in headers}
    head = [b"%s %s HTTP/1.1" % (method.encode("latin-1"), target)]
    if b"host" not in given:
        head.append(b"Host: %s:%d" % (HOST.encode(), port))
    head += [b"%s: %s" % (name, value) for name, value in headers]
    if b"content-length" not in given and b"transfer-encoding" not in given and (body or method == "POST"):
        head.append(b"Content-Length: %d" % len(body))
    head.append(b"Connection: close")
    started = time.perf_counter()
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as sock:
            _send(sock, b"\r\n".join(head) + b"\r\n\r\n" + body, timeout)
            return _receive(sock, started, timeout)
    except ConnectionRefusedError:
        return Response(0, b"", time.perf_counter() - started, "connection refused")
    except TimeoutError:
        return Response(0, b"", time.perf_counter() - started, "timeout")
    except OSError:
        return Response(0, b"", time.perf_counter() - started, "connection reset")


def _send(sock: socket.socket, data: bytes, timeout: float) -> None:
    view, sent = memoryview(data), 0
    while sent < len(data):
        readable, writable, _ = select.select([sock], [sock], [], timeout)
        if readable:  # the server answered already: stop sending, read what it said
            return
        if not writable:
            raise TimeoutError
        try:
            sent += sock.send(view[sent : sent + CHUNK])
        except OSError:  # it closed while we sent: its answer may still be there to read
            return


def _receive(sock: socket.socket, started: float, timeout: float) -> Response:
    data = b""
    deadline = started + timeout
    while True:
        sock.settimeout(max(0.01, deadline - time.perf_counter()))
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            return _parse(data, started, "timeout")
        except OSError:
            return _parse(data, started, "connection reset")
        if not chunk:
            return _parse(data, started, "")
        data += chunk
        head, sep, rest = data.partition(b"\r\n\r\n")
        length = _content_length(head) if sep else None
        if length is not None and len(rest) >= length:
            return _parse(data, started, "")


def _content_length(head: bytes) -> int | None:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            return int(value.strip())
    return None


def _parse(data: bytes, started: float, outcome: str) -> Response:
    elapsed = time.perf_counter() - started
    head, _, body = data.partition(b"\r\n\r\n")
    parts = head.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
        return Response(0, b"", elapsed, outcome or ("bad response" if data else "connection reset"))
    return Response(int(parts[1]), body, elapsed, outcome)


def percent(text: str) -> bytes:
    """``text`` for a URL, UTF-8 and percent-encoded; a lone surrogate as its would-be UTF-8 bytes."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="").encode("ascii")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwt_raw(header: Mapping[str, Any], claims: Any, key: bytes | None, digest: Any = hashlib.sha256) -> str:
    """A JWT signed with HMAC over exactly these parts (``key`` None: no signature)."""
    signing_input = f"{b64url(encode(header))}.{b64url(encode(claims))}"
    signature = hmac.new(key, signing_input.encode(), digest).digest() if key is not None else b""
    return f"{signing_input}.{b64url(signature)}"


HS256 = {"alg": "HS256", "typ": "JWT"}


class Socket:
    """A raw engine.io v4 websocket to the widget's socket.io server."""

    def __init__(self, ws: websocket.WebSocket | None, reply: Reply | None, started: float) -> None:
        self.ws, self.reply, self.started = ws, reply, started

    @classmethod
    def open(cls, port: int, query: bytes = b"", headers: Sequence[Header] = ()) -> Socket:
        url = f"ws://{HOST}:{port}{SOCKETIO_PATH}?{(query or b'EIO=4&transport=websocket').decode('latin-1')}"
        extra = [f"{k.decode('latin-1')}: {v.decode('latin-1')}" for k, v in headers if k.lower() != b"origin"]
        origin = next((v.decode("latin-1") for k, v in headers if k.lower() == b"origin"), None)
        started = time.perf_counter()
        try:
            ws = websocket.create_connection(url, timeout=PROTOCOL_TIMEOUT, header=extra, origin=origin)
            opened = ws.recv()
        except websocket.WebSocketBadStatusException as exc:
            return cls(None, Reply(exc.status_code, time.perf_counter() - started, "handshake refused"), started)
        except (websocket.WebSocketException, OSError) as exc:
            return cls(None, Reply(0, time.perf_counter() - started, _broken(exc)), started)
        if not (isinstance(opened, str) and opened.startswith("0")):
            return cls(None, Reply(101, time.perf_counter() - started, "bad response"), started)
        return cls(ws, None, started)

    def __enter__(self) -> Socket:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.ws is not None:
            self.ws.close(timeout=0.2)

    def send(self, frame: str | bytes) -> None:
        assert self.ws is not None
        try:
            if isinstance(frame, bytes) and frame[:1] == b"\x04":
                self.ws.send_binary(frame)
            else:
                self.ws.send(frame, opcode=websocket.ABNF.OPCODE_TEXT)
        except (websocket.WebSocketException, OSError):
            pass  # the server closed it; the next read says so

    def _frames(self, timeout: float) -> Iterator[str | bytes]:
        """Frames as they come, for up to ``timeout`` seconds, with engine.io's pings answered;
        a socket that breaks raises."""
        assert self.ws is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.ws.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                frame = self.ws.recv()
            except websocket.WebSocketTimeoutException:
                return
            if frame == "2":  # engine.io ping
                self.send("3")
            else:
                yield frame

    def wait_for(self, prefix: str, timeout: float, missing: str = "no answer") -> str:
        """"answered" when a frame starting with ``prefix`` comes within ``timeout``, else why not
        (``missing`` when nothing came)."""
        try:
            if any(isinstance(frame, str) and frame.startswith(prefix) for frame in self._frames(timeout)):
                return "answered"
        except (websocket.WebSocketException, OSError) as exc:
            return _broken(exc)
        return missing

    def connect_answer(self) -> Reply:
        """The server's answer to a CONNECT: connected, refused (with its reason), or none."""
        answer = "no answer"
        try:
            for frame in self._frames(PROTOCOL_TIMEOUT):
                if isinstance(frame, str) and frame.startswith("40"):
                    answer = "connected"
                    break
                if isinstance(frame, str) and frame.startswith("44"):
                    try:
                        reason = json.loads(frame[2:]).get("message", "")
                    except (ValueError, AttributeError):
                        reason = frame[2:40]
                    answer = f"refused: {reason}"
                    break
        except (websocket.WebSocketException, OSError) as exc:
            answer = _broken(exc)
        return Reply(101, time.perf_counter() - self.started, answer)


def _broken(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, websocket.WebSocketTimeoutException | TimeoutError):
        return "timeout"
    return "closed"


