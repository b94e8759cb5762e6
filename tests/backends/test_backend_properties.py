"""Properties: any header list an app can put on the wire comes back through the WSGI, ASGI and
function adapters byte for byte; any request header list reaches the app with values and order
kept; a status line parses or is refused, never anything in between."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from corssim.backends import ASGIServer, FunctionServer, WSGIServer
from corssim.backends.wsgi import parse_status
from corssim.http import FaultKind, HttpRequest, HttpResponse, TransportError

TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
names = st.text(alphabet=TCHAR, min_size=1, max_size=12)
# field values: any byte except CR, LF and NUL, as Latin-1 characters
values = st.text(alphabet=st.characters(min_codepoint=1, max_codepoint=255, exclude_characters="\r\n"), max_size=20)
header_lists = st.lists(st.tuples(names, values), max_size=8)

REQ = HttpRequest(method="GET", url="https://api.example.com/x", headers=[("Origin", "https://app.example")])


@settings(max_examples=60, deadline=None)
@given(headers=header_lists, status=st.integers(min_value=200, max_value=599))
def test_response_header_lists_round_trip_exactly(headers: list[tuple[str, str]], status: int) -> None:
    def wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response(f"{status} Whatever", list(headers))
        return [b"x"]

    async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [(n.encode("latin-1"), v.encode("latin-1")) for n, v in headers]})
        await send({"type": "http.response.body", "body": b"x"})

    def fn(request: HttpRequest) -> HttpResponse:
        return HttpResponse(status=status, headers=headers, body=b"x")

    for server in (WSGIServer(wsgi, timeout=None), ASGIServer(asgi), FunctionServer(fn)):
        resp = server.handle(REQ)
        assert list(resp.headers) == headers, server
        assert (resp.status, resp.body) == (status, b"x")


@settings(max_examples=60, deadline=None)
@given(headers=header_lists)
def test_request_header_values_and_order_reach_the_asgi_app(headers: list[tuple[str, str]]) -> None:
    seen: list[list[tuple[bytes, bytes]]] = []

    async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(list(scope["headers"]))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    sent = [("Host", "api.example.com"), *headers]
    ASGIServer(asgi).handle(HttpRequest(method="GET", url="https://api.example.com/x", headers=sent))
    assert seen[0] == [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in sent]


@settings(max_examples=60, deadline=None)
@given(headers=header_lists)
def test_request_headers_reach_the_wsgi_app_joined_like_real_servers(headers: list[tuple[str, str]]) -> None:
    seen: list[dict[str, Any]] = []

    def wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(environ)
        start_response("204 No Content", [])
        return []

    WSGIServer(wsgi, timeout=None).handle(HttpRequest(method="GET", url="https://api.example.com/x", headers=headers))
    env = seen[0]
    expected: dict[str, str] = {}
    for n, v in headers:
        if "_" in n:
            continue
        key = n.upper().replace("-", "_")
        key = key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key
        expected[key] = f"{expected[key]},{v}" if key in expected else v
    if not any(n.lower() == "host" for n, _ in headers):
        expected.setdefault("HTTP_HOST", "api.example.com")
    for key, value in expected.items():
        assert env[key] == value


@given(st.text(max_size=20) | st.sampled_from(["\u0661\u0662\u0663 OK", "200 OK", "200", "2000 OK", "200\nX: y"]))
def test_status_line_parses_or_is_refused(status: str) -> None:
    try:
        code, reason = parse_status(status)
    except TransportError as e:
        assert e.fault.kind is FaultKind.MALFORMED_RESPONSE
        return
    assert 0 <= code <= 999
    assert status == f"{status[:3]} {reason}" or status == status[:3]
    assert status[:3] == f"{code:03d}"


@given(name=st.text(max_size=8), value=st.text(max_size=8))
def test_header_check_accepts_exactly_tokens_and_byte_values(name: str, value: str) -> None:
    from corssim.backends._common import check_header_pair

    ok = bool(name) and all(c in TCHAR for c in name) and all(ord(c) <= 0xFF and c not in "\r\n\x00" for c in value)
    try:
        check_header_pair(name, value)
    except TransportError as e:
        assert e.fault.kind is FaultKind.MALFORMED_RESPONSE
        assert not ok
    else:
        assert ok
