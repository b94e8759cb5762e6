"""In-process adapters (function, WSGI, ASGI): what the app sees, what comes back, byte for byte,
and every fault with its bound."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from corssim.backends import (
    AppErrorResponse,
    ASGIServer,
    FunctionServer,
    WSGIServer,
    as_server,
    detect_kind,
)
from corssim.errors import ServerError
from corssim.http import FaultKind, HttpRequest, HttpResponse, TransportError

REQ = HttpRequest(
    method="PUT",
    url="https://api.example.com:8443/a%20b/c%C3%A9?q=1&q=%2F#frag",
    headers=[
        ("Host", "api.example.com:8443"),
        ("Origin", "https://app.example"),
        ("X-Dup", "one"),
        ("Content-Type", "application/json"),
        ("x-dup", "two"),
        ("X_Under", "dropped-by-wsgi"),
        ("Authorization", "Bearer caf\xe9"),
    ],
    body=b'{"a": 1}',
)

ODD_HEADERS = [
    ("access-control-allow-origin", "https://app.example"),
    ("X-Custom", "caf\xe9"),
    ("Set-Cookie", "a=1"),
    ("VARY", "Origin"),
    ("Set-Cookie", "b=2"),
]


# --- WSGI --------------------------------------------------------------------------------------


def test_wsgi_environ_maps_the_simulated_request() -> None:
    seen: dict[str, Any] = {}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.update(environ)
        seen["body"] = environ["wsgi.input"].read()
        start_response("204 No Content", [])
        return []

    WSGIServer(app).handle(REQ)
    assert seen["wsgi.url_scheme"] == "https"
    assert seen["HTTP_HOST"] == "api.example.com:8443"
    assert (seen["SERVER_NAME"], seen["SERVER_PORT"]) == ("api.example.com", "8443")
    assert seen["REQUEST_METHOD"] == "PUT"
    assert seen["PATH_INFO"] == "/a b/c\xc3\xa9"  # decoded bytes, as Latin-1 (PEP 3333)
    assert seen["QUERY_STRING"] == "q=1&q=%2F"
    assert seen["REQUEST_URI"] == "/a%20b/c%C3%A9?q=1&q=%2F"
    assert seen["HTTP_ORIGIN"] == "https://app.example"
    assert seen["HTTP_X_DUP"] == "one,two"
    assert seen["HTTP_AUTHORIZATION"] == "Bearer caf\xe9"
    assert seen["CONTENT_TYPE"] == "application/json"
    assert seen["CONTENT_LENGTH"] == "8"
    assert "HTTP_X_UNDER" not in seen
    assert seen["body"] == b'{"a": 1}'


def test_wsgi_response_headers_keep_order_case_repeats_and_bytes() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("418 I'm a teapot", list(ODD_HEADERS))
        return [b"a", b"", b"b"]

    resp = WSGIServer(app).handle(REQ)
    assert resp.status == 418
    assert resp.reason == "I'm a teapot"
    assert list(resp.headers) == ODD_HEADERS
    assert resp.body == b"ab"


def test_wsgi_write_callable_and_close_are_honoured() -> None:
    closed = []

    class Body:
        def __iter__(self) -> Any:
            return iter([b"-tail"])

        def close(self) -> None:
            closed.append(True)

    def app(environ: dict[str, Any], start_response: Any) -> Body:
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"head")
        return Body()

    resp = WSGIServer(app).handle(REQ)
    assert resp.body == b"head-tail"
    assert closed == [True]


def test_wsgi_never_follows_redirects() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("301 Moved Permanently", [("Location", "/elsewhere/")])
        return [b""]

    resp = WSGIServer(app).handle(REQ)
    assert resp.status == 301
    assert resp.headers.get("location") == "/elsewhere/"


def _boom(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    raise RuntimeError("database is down")


def test_wsgi_app_error_is_a_500_without_cors_headers() -> None:
    server = WSGIServer(_boom)
    resp = server.handle(REQ)
    assert resp.status == 500
    assert not any(n.lower().startswith("access-control-") for n in resp.headers.names())
    assert isinstance(resp, AppErrorResponse)
    assert "database is down" in resp.app_error
    assert isinstance(server.app_errors.last, RuntimeError)


def test_wsgi_app_error_can_be_re_raised() -> None:
    with pytest.raises(RuntimeError, match="database is down"):
        WSGIServer(_boom, raise_app_exceptions=True).handle(REQ)


def test_wsgi_error_after_body_began_is_a_reset() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Any:
        start_response("200 OK", [("Access-Control-Allow-Origin", "*")])
        yield b"partial"
        raise RuntimeError("mid-stream")

    with pytest.raises(TransportError) as info:
        WSGIServer(app).handle(REQ)
    assert info.value.fault.kind is FaultKind.CONNECTION_RESET
    assert "mid-stream" in info.value.fault.detail


def test_wsgi_error_with_exc_info_before_body_replaces_the_response() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Access-Control-Allow-Origin", "*")])
        try:
            raise ValueError("late")
        except ValueError:
            import sys

            start_response("503 Service Unavailable", [("Retry-After", "1")], sys.exc_info())
        return [b"x"]

    resp = WSGIServer(app).handle(REQ)
    assert (resp.status, list(resp.headers)) == (503, [("Retry-After", "1")])


@pytest.mark.parametrize(
    "status, headers, what",
    [
        ("abc OK", [], "status"),
        ("20 OK", [], "status"),
        ("200 OK", [("X-Bad", "a\r\nInjected: 1")], "X-Bad"),
        ("200 OK", [("Bad Name", "v")], "Bad Name"),
        ("200 OK", [("X-Wide", "\u20ac")], "X-Wide"),
    ],
)
def test_wsgi_malformed_head_is_a_malformed_response(status: str, headers: list[tuple[str, str]], what: str) -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response(status, headers)
        return [b""]

    with pytest.raises(TransportError) as info:
        WSGIServer(app).handle(REQ)
    assert info.value.fault.kind is FaultKind.MALFORMED_RESPONSE
    assert what in info.value.fault.detail


def test_wsgi_oversized_head_is_headers_too_large() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("X-Big", "a" * 300_000)])
        return [b""]

    with pytest.raises(TransportError) as info:
        WSGIServer(app).handle(REQ)
    assert info.value.fault.kind is FaultKind.HEADERS_TOO_LARGE
    # the same head passes when the limit is raised
    assert WSGIServer(app, max_header_bytes=400_000).handle(REQ).status == 200


def test_wsgi_hanging_app_times_out_within_the_bound() -> None:
    release = threading.Event()

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        release.wait(10.0)
        start_response("200 OK", [])
        return [b""]

    server = WSGIServer(app, timeout=0.2)
    t0 = time.monotonic()
    try:
        with pytest.raises(TransportError) as info:
            server.handle(REQ)
    finally:
        release.set()
    assert info.value.fault.kind is FaultKind.TIMEOUT
    assert time.monotonic() - t0 < 3.0
    # the server still answers afterwards (a fresh worker)
    assert server.handle(REQ).status == 200
    server.close()


# --- ASGI --------------------------------------------------------------------------------------


def _asgi_capture(seen: dict[str, Any], headers: list[tuple[bytes, bytes]] | None = None) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"  # an app without lifespan support raises on other scopes
        seen["scope"] = scope
        msg = await receive()
        seen["body"] = msg["body"]
        await send({"type": "http.response.start", "status": 200, "headers": headers or []})
        await send({"type": "http.response.body", "body": b"ok"})

    return app


def test_asgi_scope_maps_the_simulated_request() -> None:
    seen: dict[str, Any] = {}
    ASGIServer(_asgi_capture(seen)).handle(REQ)
    scope = seen["scope"]
    assert scope["type"] == "http"
    assert scope["scheme"] == "https"
    assert scope["server"] == ("api.example.com", 8443)
    assert scope["method"] == "PUT"
    assert scope["path"] == "/a b/c\xe9"
    assert scope["raw_path"] == b"/a%20b/c%C3%A9"
    assert scope["query_string"] == b"q=1&q=%2F"
    assert scope["headers"] == [
        (b"host", b"api.example.com:8443"),
        (b"origin", b"https://app.example"),
        (b"x-dup", b"one"),
        (b"content-type", b"application/json"),
        (b"x-dup", b"two"),
        (b"x_under", b"dropped-by-wsgi"),
        (b"authorization", b"Bearer caf\xe9"),
        (b"content-length", b"8"),
    ]
    assert seen["body"] == b'{"a": 1}'


def test_asgi_method_is_passed_as_sent() -> None:
    seen: dict[str, Any] = {}
    ASGIServer(_asgi_capture(seen)).handle(HttpRequest(method="patch", url="http://h.test/"))
    assert seen["scope"]["method"] == "patch"


def test_asgi_response_headers_keep_order_case_repeats_and_bytes() -> None:
    raw = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in ODD_HEADERS]
    resp = ASGIServer(_asgi_capture({}, raw)).handle(REQ)
    assert list(resp.headers) == ODD_HEADERS
    assert (resp.status, resp.reason, resp.body) == (200, "OK", b"ok")


def test_asgi_streamed_body_is_joined() -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for part in (b"a", b"b", b"c"):
            await send({"type": "http.response.body", "body": part, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    assert ASGIServer(app).handle(REQ).body == b"abc"


async def _asgi_boom(scope: dict[str, Any], receive: Any, send: Any) -> None:
    raise RuntimeError("no database")


def test_asgi_app_error_is_a_500_without_cors_headers() -> None:
    server = ASGIServer(_asgi_boom)
    resp = server.handle(REQ)
    assert resp.status == 500
    assert isinstance(resp, AppErrorResponse) and "no database" in resp.app_error
    assert not any(n.lower().startswith("access-control-") for n in resp.headers.names())
    with pytest.raises(RuntimeError, match="no database"):
        ASGIServer(_asgi_boom, raise_app_exceptions=True).handle(REQ)


def test_asgi_error_after_start_is_a_reset() -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"part", "more_body": True})
        raise RuntimeError("mid-stream")

    with pytest.raises(TransportError) as info:
        ASGIServer(app).handle(REQ)
    assert info.value.fault.kind is FaultKind.CONNECTION_RESET


def test_asgi_app_that_sends_nothing_is_a_500() -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        return None

    assert ASGIServer(app).handle(REQ).status == 500


def test_asgi_hanging_app_times_out_within_the_bound() -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await asyncio.sleep(30)

    t0 = time.monotonic()
    with pytest.raises(TransportError) as info:
        ASGIServer(app, timeout=0.2, lifespan="off").handle(REQ)
    assert info.value.fault.kind is FaultKind.TIMEOUT
    assert time.monotonic() - t0 < 3.0
    # with lifespan on "auto", the same app never finishes its startup: a clear, bounded error
    t0 = time.monotonic()
    with pytest.raises(ServerError, match="lifespan='off'"):
        ASGIServer(app, timeout=0.2).handle(REQ)
    assert time.monotonic() - t0 < 3.0


def test_asgi_app_that_swallows_cancellation_still_times_out() -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        for _ in range(3):
            try:
                await asyncio.sleep(2)
            except asyncio.CancelledError:
                pass  # a badly behaved app

    server = ASGIServer(app, timeout=0.2)
    t0 = time.monotonic()
    with pytest.raises(TransportError) as info:
        server.handle(REQ)
    assert info.value.fault.kind is FaultKind.TIMEOUT
    assert time.monotonic() - t0 < 2.0
    server.close()


def test_asgi_app_waiting_for_disconnect_does_not_hang() -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"x"})
        assert (await receive())["type"] == "http.disconnect"

    assert ASGIServer(app, timeout=2).handle(REQ).body == b"x"


@pytest.mark.parametrize(
    "start",
    [
        {"type": "http.response.start", "status": "200", "headers": []},
        {"type": "http.response.start", "status": 200, "headers": [(b"x-bad", b"a\nb")]},
        {"type": "http.response.start", "status": 200, "headers": [("x-str", "not bytes")]},
    ],
)
def test_asgi_malformed_start_is_a_malformed_response(start: dict[str, Any]) -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send(start)
        await send({"type": "http.response.body", "body": b""})

    with pytest.raises(TransportError) as info:
        ASGIServer(app).handle(REQ)
    assert info.value.fault.kind is FaultKind.MALFORMED_RESPONSE


def test_asgi_ahandle_and_handle_inside_a_running_loop() -> None:
    server = ASGIServer(_asgi_capture({}, [(b"x-a", b"1")]))

    async def main() -> tuple[HttpResponse, HttpResponse]:
        a = await server.ahandle(REQ)
        b = server.handle(REQ)  # sync call from inside a running loop: runs on a helper thread
        return a, b

    a, b = asyncio.run(main())
    assert list(a.headers) == list(b.headers) == [("x-a", "1")]
    server.close()


# --- functions ---------------------------------------------------------------------------------


def test_function_server_sync_and_async() -> None:
    def f(req: HttpRequest) -> HttpResponse:
        return HttpResponse(status=200, headers=[("X-Method", req.method)])

    async def g(req: HttpRequest) -> HttpResponse:
        await asyncio.sleep(0)
        return HttpResponse(status=201, headers=[("X-Url", req.url)])

    assert FunctionServer(f).handle(REQ).headers.get("x-method") == "PUT"
    assert FunctionServer(g).handle(REQ).status == 201
    assert asyncio.run(FunctionServer(g).ahandle(REQ)).headers.get("X-Url") == REQ.url
    assert asyncio.run(FunctionServer(f).ahandle(REQ)).status == 200


def test_function_server_faults() -> None:
    def refuse(req: HttpRequest) -> HttpResponse:
        raise TransportError(FaultKind.CONNECTION_REFUSED, "nobody home")

    def crash(req: HttpRequest) -> HttpResponse:
        raise KeyError("k")

    async def slow(req: HttpRequest) -> HttpResponse:
        await asyncio.sleep(30)
        raise AssertionError("unreachable")

    with pytest.raises(TransportError) as info:
        FunctionServer(refuse).handle(REQ)
    assert info.value.fault.kind is FaultKind.CONNECTION_REFUSED
    assert FunctionServer(crash).handle(REQ).status == 500
    with pytest.raises(KeyError):
        FunctionServer(crash, raise_app_exceptions=True).handle(REQ)
    with pytest.raises(TransportError) as info:
        FunctionServer(slow, timeout=0.1).handle(REQ)
    assert info.value.fault.kind is FaultKind.TIMEOUT
    with pytest.raises(ServerError):
        FunctionServer(lambda r: "not a response").handle(REQ)  # type: ignore[arg-type, return-value]


# --- choosing the adapter ------------------------------------------------------------------------


def test_detect_kind() -> None:
    async def asgi(scope: Any, receive: Any, send: Any) -> None: ...

    def wsgi(environ: Any, start_response: Any) -> list[bytes]:
        return []

    def fn(request: HttpRequest) -> HttpResponse:
        return HttpResponse(status=200)

    class AsgiClass:
        async def __call__(self, scope: Any, receive: Any, send: Any) -> None: ...

    assert detect_kind(asgi) == "asgi"
    assert detect_kind(AsgiClass()) == "asgi"
    assert detect_kind(wsgi) == "wsgi"
    assert detect_kind(fn) == "function"
    assert detect_kind("http://127.0.0.1:1") == "url"
    server = WSGIServer(wsgi)
    assert as_server(server) is server
    assert isinstance(as_server(fn), FunctionServer)
    with pytest.raises(TypeError):
        detect_kind(42)
    with pytest.raises(ValueError):
        as_server(fn, kind="nonsense")


# --- in-process faults as the page sees them -----------------------------------------------------


def test_in_process_faults_in_the_page() -> None:
    import corssim
    from corssim.result import Reason

    async def slow(scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        await asyncio.sleep(30)

    def cut(environ: dict[str, Any], start_response: Any) -> Any:
        start_response("200 OK", [("Access-Control-Allow-Origin", "*")])
        yield b"partial"
        raise RuntimeError("mid-stream")

    def bad_status(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("OK 200", [])
        return [b""]

    cases = [
        (ASGIServer(slow, timeout=0.2), FaultKind.TIMEOUT),
        (WSGIServer(cut), FaultKind.CONNECTION_RESET),
        (WSGIServer(bad_status), FaultKind.MALFORMED_RESPONSE),
    ]
    for server, kind in cases:
        r = corssim.Page("https://app.example", server=server).fetch("https://api.example.com/x")
        assert r.reason is Reason.NETWORK_FAILURE, server
        assert r.exchanges[0].fault is not None and r.exchanges[0].fault.kind is kind
        assert kind.value in r.explain()
        server.close()
