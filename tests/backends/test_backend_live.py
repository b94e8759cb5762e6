"""LiveServer against real sockets on 127.0.0.1: exact request bytes, exact response head, no
redirect following, and every network fault with a bounded wait."""

from __future__ import annotations

import asyncio
import socket
import struct
import time

import pytest
from rawserver import free_port, raw_server, send_bytes

from corssim.backends import LiveServer
from corssim.errors import ServerError
from corssim.http import FaultKind, HttpRequest, TransportError

REQ = HttpRequest(
    method="PUT",
    url="https://api.example.com/items/a%20b?x=1&y=%2F",
    headers=[
        ("Host", "api.example.com"),
        ("Origin", "https://app.example"),
        ("X-Dup", "1"),
        ("content-type", "application/json"),
        ("x-dup", "2"),
        ("Authorization", "Bearer caf\xe9"),
    ],
    body=b"{}",
)

OK = (
    b"HTTP/1.1 200 Fine\r\n"
    b"access-control-allow-origin: https://app.example\r\n"
    b"Set-Cookie: a=1\r\n"
    b"X-Odd: caf\xe9\r\n"
    b"Set-Cookie: b=2\r\n"
    b"Content-Length: 2\r\n"
    b"Connection: close\r\n\r\nok"  # the raw server closes after each answer: say so (no keep-alive reuse race)
)


def _fault(server: LiveServer, request: HttpRequest = REQ) -> TransportError:
    with pytest.raises(TransportError) as info:
        server.handle(request)
    return info.value


def test_request_goes_out_exactly_with_the_simulated_host() -> None:
    with raw_server(send_bytes(OK)) as srv, LiveServer(srv.base_url) as live:
        live.handle(REQ)
        raw = srv.requests[0]
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"PUT /items/a%20b?x=1&y=%2F HTTP/1.1"
    assert lines[1:] == [
        b"Host: api.example.com",
        b"Origin: https://app.example",
        b"X-Dup: 1",
        b"content-type: application/json",
        b"x-dup: 2",
        b"Authorization: Bearer caf\xe9",
        b"Content-Length: 2",
    ]
    assert body == b"{}"


def test_real_host_can_be_sent_instead() -> None:
    with raw_server(send_bytes(OK)) as srv, LiveServer(srv.base_url, send_simulated_host=False) as live:
        live.handle(REQ)
        raw = srv.requests[0]
    assert f"Host: 127.0.0.1:{srv.port}".encode() in raw.split(b"\r\n")


def test_base_url_path_is_a_prefix() -> None:
    with raw_server(send_bytes(OK)) as srv, LiveServer(srv.base_url + "/api/") as live:
        live.handle(REQ)
        raw = srv.requests[0]
    assert raw.startswith(b"PUT /api/items/a%20b?x=1&y=%2F HTTP/1.1\r\n")


def test_response_head_is_kept_exactly() -> None:
    with raw_server(send_bytes(OK)) as srv, LiveServer(srv.base_url) as live:
        resp = live.handle(REQ)
    assert (resp.status, resp.reason, resp.body) == (200, "Fine", b"ok")
    assert list(resp.headers) == [
        ("access-control-allow-origin", "https://app.example"),
        ("Set-Cookie", "a=1"),
        ("X-Odd", "caf\xe9"),
        ("Set-Cookie", "b=2"),
        ("Content-Length", "2"),
        ("Connection", "close"),
    ]


def test_cookies_are_not_kept_by_the_transport() -> None:
    with raw_server(send_bytes(OK)) as srv, LiveServer(srv.base_url) as live:
        live.handle(REQ)
        live.handle(REQ)
        second = srv.requests[1]
    assert b"cookie:" not in second.lower()


def test_redirects_are_not_followed() -> None:
    redirect = b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\nContent-Length: 0\r\n\r\n"
    with raw_server(send_bytes(redirect)) as srv, LiveServer(srv.base_url) as live:
        resp = live.handle(REQ)
        assert len(srv.requests) == 1
    assert resp.status == 302
    assert resp.headers.get("Location") == "http://127.0.0.1:1/elsewhere"


def test_gzip_body_is_decoded_like_the_browser_does() -> None:
    import gzip

    payload = gzip.compress(b"hello")
    raw = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + str(len(payload)).encode() + b"\r\n\r\n" + payload
    with raw_server(send_bytes(raw)) as srv, LiveServer(srv.base_url) as live:
        resp = live.handle(REQ)
    assert resp.body == b"hello"
    assert resp.headers.get("content-encoding") == "gzip"


def test_async_ahandle() -> None:
    with raw_server(send_bytes(OK)) as srv:
        live = LiveServer(srv.base_url)

        async def go() -> tuple[int, str | None]:
            resp = await live.ahandle(REQ)
            await live.aclose()
            return resp.status, resp.headers.get("set-cookie")

        assert asyncio.run(go()) == (200, "a=1, b=2")


# --- faults ------------------------------------------------------------------------------------


def test_connection_refused() -> None:
    port = free_port()
    with LiveServer(f"http://127.0.0.1:{port}", timeout=2) as live:
        f = _fault(live)
    assert f.fault.kind is FaultKind.CONNECTION_REFUSED


def test_dns_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dns(*args: object, **kwargs: object) -> object:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)  # no resolver is ever asked
    with LiveServer("http://api.invalid:8080", timeout=2) as live:
        f = _fault(live)
    assert f.fault.kind is FaultKind.DNS_FAILURE
    assert "not known" in f.fault.detail


def test_timeout_is_bounded() -> None:
    def silent(conn: socket.socket, req: bytes) -> None:
        time.sleep(1.5)

    with raw_server(silent) as srv, LiveServer(srv.base_url, timeout=0.3) as live:
        t0 = time.monotonic()
        f = _fault(live)
        elapsed = time.monotonic() - t0
    assert f.fault.kind is FaultKind.TIMEOUT
    assert elapsed < 1.4


def test_trickling_body_is_bounded_by_the_total_timeout() -> None:
    def trickle(conn: socket.socket, req: bytes) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        for _ in range(40):
            conn.sendall(b"x")
            time.sleep(0.05)

    with raw_server(trickle) as srv, LiveServer(srv.base_url, timeout=0.5) as live:
        t0 = time.monotonic()
        f = _fault(live)
        elapsed = time.monotonic() - t0
    assert f.fault.kind is FaultKind.TIMEOUT
    assert elapsed < 1.5


def test_reset_mid_response() -> None:
    def cut(conn: socket.socket, req: bytes) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: *\r\nContent-Length: 100\r\n\r\nonly-ten!!")
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST on close

    with raw_server(cut) as srv, LiveServer(srv.base_url, timeout=2) as live:
        f = _fault(live)
    assert f.fault.kind is FaultKind.CONNECTION_RESET


def test_closed_without_a_response() -> None:
    with raw_server(send_bytes(b"")) as srv, LiveServer(srv.base_url, timeout=2) as live:
        f = _fault(live)
    assert f.fault.kind is FaultKind.CONNECTION_RESET


@pytest.mark.parametrize(
    "payload",
    [
        b"HTTP/1.1 abc OK\r\nContent-Length: 0\r\n\r\n",
        b"garbage\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nBad Header Line\r\nContent-Length: 0\r\n\r\n",
    ],
)
def test_malformed_head(payload: bytes) -> None:
    with raw_server(send_bytes(payload)) as srv, LiveServer(srv.base_url, timeout=2) as live:
        f = _fault(live)
    assert f.fault.kind is FaultKind.MALFORMED_RESPONSE


def test_oversized_head() -> None:
    big = b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 300_000 + b"\r\nContent-Length: 0\r\n\r\n"
    with raw_server(send_bytes(big)) as srv, LiveServer(srv.base_url, timeout=3) as live:
        f = _fault(live)
    assert f.fault.kind is FaultKind.HEADERS_TOO_LARGE


def test_head_over_the_browser_limit_but_under_the_transport_limit() -> None:
    head = b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 5_000 + b"\r\nContent-Length: 0\r\n\r\n"
    with raw_server(send_bytes(head)) as srv, LiveServer(srv.base_url, timeout=3, max_header_bytes=4_000) as live:
        f = _fault(live)
    assert f.fault.kind is FaultKind.HEADERS_TOO_LARGE


def test_bad_base_url_and_timeout_are_refused() -> None:
    with pytest.raises(ServerError):
        LiveServer("ftp://127.0.0.1/")
    with pytest.raises(ValueError):
        LiveServer("http://127.0.0.1:1", timeout=0)


def test_hosts_map_each_simulated_origin_to_its_real_server() -> None:
    redirect = b"HTTP/1.1 302 Found\r\nLocation: https://other.example/next\r\nAccess-Control-Allow-Origin: *\r\nContent-Length: 0\r\n\r\n"
    final = b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: *\r\nContent-Length: 4\r\n\r\ndone"
    with raw_server(send_bytes(redirect)) as a, raw_server(send_bytes(final)) as b:
        live = LiveServer(a.base_url, hosts={"https://other.example": b.base_url + "/b"})
        import corssim

        r = corssim.Page("https://app.example", server=live).fetch("https://api.example.com/start")
        live.close()
        assert r.ok and r.body == "done"
        assert len(a.requests) == 1 and len(b.requests) == 1
        assert a.requests[0].startswith(b"GET /start HTTP/1.1\r\nHost: api.example.com\r\n")
        assert b.requests[0].startswith(b"GET /b/next HTTP/1.1\r\nHost: other.example\r\n")
        assert b"\r\nOrigin: null\r\n" in b.requests[0]  # cross-origin redirect taints the origin


# --- the same faults as the page sees them ----------------------------------------------------


def _silent(conn: socket.socket, req: bytes) -> None:
    time.sleep(1.5)


def _cut(conn: socket.socket, req: bytes) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: *\r\nContent-Length: 100\r\n\r\nonly-ten!!")
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


FAULT_CASES = [
    ("refused", None, FaultKind.CONNECTION_REFUSED, "Connection refused"),
    ("timeout", _silent, FaultKind.TIMEOUT, "no response within 0.3 s"),
    ("reset", _cut, FaultKind.CONNECTION_RESET, "127.0.0.1"),
    ("empty", send_bytes(b""), FaultKind.CONNECTION_RESET, "127.0.0.1"),
    ("malformed", send_bytes(b"HTTP/1.1 abc OK\r\n\r\n"), FaultKind.MALFORMED_RESPONSE, "127.0.0.1"),
    ("oversized", send_bytes(b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 300_000 + b"\r\n\r\n"),
     FaultKind.HEADERS_TOO_LARGE, "too large"),
]


@pytest.mark.parametrize("name, responder, kind, cause", FAULT_CASES, ids=[c[0] for c in FAULT_CASES])
@pytest.mark.parametrize("browser", ["chromium", "firefox"])
def test_fault_verdict_and_cause_in_the_page(name: str, responder: object, kind: FaultKind, cause: str,
                                             browser: str) -> None:
    import contextlib

    import corssim
    from corssim.result import Reason

    ctx = raw_server(responder) if responder is not None else contextlib.nullcontext(None)  # type: ignore[arg-type]
    with ctx as srv:
        base = srv.base_url if srv is not None else f"http://127.0.0.1:{free_port()}"
        with LiveServer(base, timeout=0.3) as live:
            t0 = time.monotonic()
            r = corssim.Page("https://app.example", server=live, browser=browser).fetch(
                "https://api.example.com/x", method="PUT", headers={"Authorization": "t"})
            assert time.monotonic() - t0 < 3.0
    assert r.blocked and r.reason is Reason.NETWORK_FAILURE
    assert r.status is None and r.response is None
    fault = r.exchanges[-1].fault
    assert fault is not None and fault.kind is kind and cause in fault.detail
    assert r.preflight_sent and len(r.exchanges) == 1  # the fault hit the preflight; the PUT never went out
    text = r.explain()
    assert kind.value in text and cause in text


def test_dns_failure_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    import corssim
    from corssim.result import Reason

    def no_dns(*args: object, **kwargs: object) -> object:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    with LiveServer("http://api.invalid:8080", timeout=1) as live:
        r = corssim.Page("https://app.example", server=live).fetch("https://api.example.com/x")
    assert r.reason is Reason.NETWORK_FAILURE
    assert r.exchanges[0].fault is not None and r.exchanges[0].fault.kind is FaultKind.DNS_FAILURE
    assert "dns_failure" in r.explain()
