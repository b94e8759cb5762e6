"""Loopback HTTP/1.1 servers that answer a real browser by a scenario step's rules.

One `HostServer` listens per scenario host (A, B, C ...). Every request is logged exactly as it
crossed the wire: header names keep their case, repeats and order, and bytes are decoded as
latin-1 so that any byte (0xE9, 0x01 ...) round-trips into a `str` unchanged (the same isomorphic
decoding `corssim.http` uses). Responses carry exactly the rule's status line and headers plus a
`Content-Length` the server adds (unless the rule set one, or the status is 1xx/204/304).

Paths under `/__corssim/` on every host are the harness's own (the test page and its control
channel): they are answered by a `ControlHandler` and never logged.

Everything is bounded: sockets have timeouts, `delay_s` is capped, and `stop()` closes the
listening socket and every open connection.
"""

from __future__ import annotations

import http
import socket
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from corssim.http import Headers
from corssim.scenario import Rule, answer_request

__all__ = [
    "CONTROL_PREFIX",
    "Answer",
    "HostServer",
    "LoggedRequest",
    "ServerPool",
    "answer_from_rules",
    "encode_answer",
]

CONTROL_PREFIX = "/__corssim/"
MAX_DELAY_S = 15.0
MAX_HEADER_BYTES = 256 * 1024
MAX_BODY_BYTES = 4 * 1024 * 1024
SOCKET_TIMEOUT_S = 60.0


@attrs.frozen
class LoggedRequest:
    """One request as received: `headers` are (name, value) pairs in wire order and case."""

    host: str
    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: str
    time: float

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "host": self.host,
            "method": self.method,
            "path": self.target,
            "headers": [[n, v] for n, v in self.headers],
        }
        if self.body:
            out["body"] = self.body  # not compared; kept as evidence
        return out


@attrs.frozen
class Answer:
    """What a server sends back: status line, headers as given, body (a str of bytes)."""

    status: int = 200
    reason: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""
    delay_s: float = 0.0


# A control handler gets the request and returns an Answer (or None: not handled -> 404).
ControlHandler = Callable[[LoggedRequest], "Answer | None"]


def answer_from_rules(rules: Sequence[Rule], host_names: Sequence[str], method: str, target: str,
                      headers: Sequence[tuple[str, str]]) -> Answer:
    """The step's answer to one request: the first matching rule (scenario-format.md RULE,
    matched by `corssim.scenario.answer_request`), else 404 with only `Content-Length: 0`."""
    response, rule = answer_request(rules, host_names, method, target, Headers(tuple(headers)))
    return Answer(
        status=response.status,
        reason=response.reason,
        headers=response.headers.pairs,
        body=response.body.decode("latin-1"),
        delay_s=rule.delay_s if rule is not None else 0.0,
    )


def _reason_phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def _line_bytes(line: str) -> bytes:
    try:
        return line.encode("latin-1")
    except UnicodeEncodeError:  # not a byte string: send what a UTF-8 server would
        return line.encode("utf-8")


def encode_answer(answer: Answer, method: str) -> bytes:
    """Serialise an answer: the rule's headers exactly, plus Content-Length where needed."""
    reason = answer.reason if answer.reason is not None else _reason_phrase(answer.status)
    body = answer.body.encode("latin-1")
    no_body = answer.status < 200 or answer.status in (204, 304)
    lines = [f"HTTP/1.1 {answer.status} {reason}"]
    has_length = False
    for name, value in answer.headers:
        if name.lower() == "content-length":
            has_length = True
        lines.append(f"{name}: {value}")
    if not has_length and not no_body:
        lines.append(f"Content-Length: {len(body)}")
    head = b"".join(_line_bytes(line) + b"\r\n" for line in lines) + b"\r\n"
    if no_body or method == "HEAD":
        return head
    return head + body


class _BadRequest(Exception):
    pass


class HostServer:
    """An HTTP/1.1 server for one scenario host, bound to `ip:port`, answered by `pool`."""

    def __init__(self, pool: ServerPool, name: str, ip: str, port: int) -> None:
        self.pool = pool
        self.name = name
        self.ip = ip
        self.port = port
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        deadline = time.monotonic() + 5.0
        while True:  # a port freed a moment ago (or briefly used by another test) gets a few tries
            try:
                self._sock.bind((ip, port))
                break
            except OSError as e:
                if time.monotonic() > deadline:
                    self._sock.close()
                    raise OSError(e.errno, f"cannot listen on {ip}:{port} for host {name}: {e.strerror}") from None
                time.sleep(0.25)
        self._sock.listen(64)
        self._sock.settimeout(0.5)
        self._stop = threading.Event()
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept_loop, name=f"corssim-{name}", daemon=True)
        self._thread.start()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                break
            conn.settimeout(SOCKET_TIMEOUT_S)
            with self._lock:
                self._conns.add(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _read_request(self, conn: socket.socket, buf: bytearray) -> LoggedRequest | None:
        while b"\r\n\r\n" not in buf:
            if len(buf) > MAX_HEADER_BYTES:
                raise _BadRequest("header too large")
            chunk = conn.recv(65536)
            if not chunk:
                return None
            buf.extend(chunk)
        end = buf.index(b"\r\n\r\n")
        head = bytes(buf[:end]).decode("latin-1")
        del buf[: end + 4]
        lines = head.split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            raise _BadRequest(f"bad request line {lines[0]!r}")
        method, target, _version = parts
        headers: list[tuple[str, str]] = []
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                raise _BadRequest(f"bad header line {line!r}")
            headers.append((name, value.strip(" \t")))
        length = 0
        chunked = False
        for name, value in headers:
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
        if chunked:
            body = self._read_chunked(conn, buf)
        else:
            if length > MAX_BODY_BYTES:
                raise _BadRequest("body too large")
            while len(buf) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    return None
                buf.extend(chunk)
            body = bytes(buf[:length])
            del buf[:length]
        return LoggedRequest(self.name, method, target, tuple(headers), body.decode("latin-1"), time.time())

    def _read_chunked(self, conn: socket.socket, buf: bytearray) -> bytes:
        out = bytearray()
        while True:
            while b"\r\n" not in buf:
                chunk = conn.recv(65536)
                if not chunk:
                    raise _BadRequest("eof in chunked body")
                buf.extend(chunk)
            i = buf.index(b"\r\n")
            size = int(bytes(buf[:i]).split(b";")[0], 16)
            del buf[: i + 2]
            while len(buf) < size + 2:
                chunk = conn.recv(65536)
                if not chunk:
                    raise _BadRequest("eof in chunked body")
                buf.extend(chunk)
            out.extend(buf[:size])
            del buf[: size + 2]
            if size == 0:
                return bytes(out)
            if len(out) > MAX_BODY_BYTES:
                raise _BadRequest("body too large")

    def _serve(self, conn: socket.socket) -> None:
        buf = bytearray()
        try:
            while not self._stop.is_set():
                req = self._read_request(conn, buf)
                if req is None:
                    return
                answer = self.pool.handle(req)
                if answer.delay_s > 0:
                    self._stop.wait(min(answer.delay_s, MAX_DELAY_S))
                conn.sendall(encode_answer(answer, req.method))
        except (OSError, ValueError, _BadRequest):
            return
        finally:
            with self._lock:
                self._conns.discard(conn)
            try:
                conn.close()
            except OSError:
                pass

    def stop(self) -> None:
        self._stop.set()
        try:
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes the accept() at once on Linux
        except OSError:
            pass
        try:
            self._sock.close()
        except OSError:
            pass
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                c.close()
            except OSError:
                pass
        self._thread.join(timeout=2.0)


class ServerPool:
    """The servers of all hosts, the current step's rules and the shared request log."""

    def __init__(self) -> None:
        self._servers: dict[tuple[str, int], HostServer] = {}
        self._lock = threading.Lock()
        self._rules: list[Rule] = []
        self._origins: dict[str, str] = {}
        self._log: list[LoggedRequest] = []
        self.control: ControlHandler | None = None

    def ensure(self, hosts: dict[str, str]) -> None:
        """Start a server for each `name -> origin` not served yet (or served under another name)."""
        from urllib.parse import urlsplit

        for name, origin in hosts.items():
            parts = urlsplit(origin)
            if parts.scheme != "http" or parts.hostname is None:
                raise ValueError(f"host {name}: only http:// origins can be served, got {origin!r}")
            port = parts.port or 80
            ip = socket.gethostbyname(parts.hostname)
            key = (ip, port)
            self._origins[name] = origin.rstrip("/")
            existing = self._servers.get(key)
            if existing is not None:
                existing.name = name
                continue
            self._servers[key] = HostServer(self, name, ip, port)

    def release(self, hosts: dict[str, str]) -> None:
        """Stop the servers of these hosts (used when every scenario gets fresh ports)."""
        from urllib.parse import urlsplit

        for origin in hosts.values():
            parts = urlsplit(origin)
            if parts.hostname is None:
                continue
            key = (socket.gethostbyname(parts.hostname), parts.port or 80)
            server = self._servers.pop(key, None)
            if server is not None:
                server.stop()

    def set_rules(self, rules: Sequence[Rule]) -> None:
        with self._lock:
            self._rules = list(rules)

    def clear_log(self) -> None:
        with self._lock:
            self._log = []

    def take_log(self) -> list[LoggedRequest]:
        with self._lock:
            out, self._log = self._log, []
        return out

    def handle(self, req: LoggedRequest) -> Answer:
        path = req.target.split("?", 1)[0]
        if path.startswith(CONTROL_PREFIX) or path == "/favicon.ico" or (
                path == "/" and getattr(self.control, "serving_page", False)):
            handler = self.control
            answer = handler(req) if handler is not None else None
            return answer if answer is not None else Answer(status=404)
        with self._lock:
            self._log.append(req)
            rules = self._rules
        names = [self._origins.get(req.host, req.host), req.host]
        return answer_from_rules(rules, names, req.method, req.target, req.headers)

    def stop(self) -> None:
        for s in self._servers.values():
            s.stop()
        self._servers.clear()

    def __enter__(self) -> ServerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
