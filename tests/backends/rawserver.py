"""A tiny raw-socket HTTP server on 127.0.0.1 for live-adapter tests: it records the exact request
bytes and answers with whatever bytes (or misbehaviour) the test scripts. Every wait is bounded and
the server stops by itself."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator

import attrs

Responder = Callable[[socket.socket, bytes], None]


@attrs.define
class RawServer:
    base_url: str
    port: int
    requests: list[bytes] = attrs.Factory(list)


def _read_request(conn: socket.socket, deadline: float) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data and time.monotonic() < deadline and len(data) < 1_000_000:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length and time.monotonic() < deadline:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    return head + b"\r\n\r\n" + rest


@contextlib.contextmanager
def raw_server(respond: Responder, *, max_seconds: float = 20.0) -> Iterator[RawServer]:
    """Serve on a free 127.0.0.1 port: each connection's request is recorded, then `respond(conn, request)`."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(0.05)
    port = sock.getsockname()[1]
    server = RawServer(base_url=f"http://127.0.0.1:{port}", port=port)
    stop = threading.Event()
    end = time.monotonic() + max_seconds

    def serve() -> None:
        while not stop.is_set() and time.monotonic() < end:
            try:
                conn, _ = sock.accept()
            except (socket.timeout, OSError):
                continue
            conn.settimeout(5.0)
            try:
                req = _read_request(conn, time.monotonic() + 5.0)
                server.requests.append(req)
                respond(conn, req)
            except OSError:
                pass
            finally:
                with contextlib.suppress(OSError):
                    conn.close()

    thread = threading.Thread(target=serve, daemon=True, name="rawserver")
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        thread.join(timeout=10.0)
        sock.close()


def send_bytes(payload: bytes) -> Responder:
    def respond(conn: socket.socket, _req: bytes) -> None:
        conn.sendall(payload)

    return respond


def free_port() -> int:
    """A loopback port with nothing listening on it (bound, then released)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port: int = s.getsockname()[1]
    s.close()
    return port
