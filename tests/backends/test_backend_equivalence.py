"""The reference app served five ways (fake rules, function, WSGI, ASGI, live HTTP server on
127.0.0.1): the same requests give the same verdict through each, and that verdict is the one the
policy implies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import refapp

import corssim
from corssim.backends import ASGIServer, FunctionServer, LiveServer, WSGIServer, serve_wsgi
from corssim.result import Reason

API = refapp.API

# (name, page origin, url, init, expected outcome, expected reason, preflight expected)
CASES: list[tuple[str, str, str, dict[str, Any], str, Reason | None, bool]] = [
    ("simple-get", refapp.ALLOWED, f"{API}/data?x=1", {}, "ok", None, False),
    ("simple-get-other-origin", "https://evil.example", f"{API}/data", {}, "network_error",
     Reason.ALLOW_ORIGIN_MISMATCH, False),
    ("json-post", refapp.ALLOWED, f"{API}/data",
     {"method": "POST", "headers": {"Content-Type": "application/json"}, "body": "{}"}, "ok", None, True),
    ("put-authorization", refapp.ALLOWED, f"{API}/data",
     {"method": "PUT", "headers": {"Authorization": "Bearer t"}}, "ok", None, True),
    ("credentialed-get", refapp.ALLOWED, f"{API}/data", {"credentials": "include"}, "ok", None, False),
    ("delete-not-listed", refapp.ALLOWED, f"{API}/data", {"method": "DELETE"}, "network_error",
     Reason.METHOD_NOT_ALLOWED, True),
    ("custom-header-not-listed", refapp.ALLOWED, f"{API}/data", {"headers": {"X-Custom": "1"}}, "network_error",
     Reason.HEADER_NOT_ALLOWED, True),
    ("duplicate-acao", refapp.ALLOWED, f"{API}/dup", {}, "network_error", Reason.MULTIPLE_ALLOW_ORIGIN, False),
    ("redirect-followed", refapp.ALLOWED, f"{API}/redirect", {}, "ok", None, False),
    ("not-found", refapp.ALLOWED, f"{API}/nowhere", {}, "network_error", Reason.MISSING_ALLOW_ORIGIN, False),
]

KINDS = ["fake", "function", "wsgi", "asgi", "live"]


@pytest.fixture(scope="module")
def live_url() -> Iterator[str]:
    with serve_wsgi(refapp.wsgi_app, max_seconds=120) as url:
        yield url


def _server(kind: str, live_url: str) -> Any:
    if kind == "fake":
        return corssim.FakeServer(refapp.rules())
    if kind == "function":
        return FunctionServer(refapp.function_app)
    if kind == "wsgi":
        return WSGIServer(refapp.wsgi_app)
    if kind == "asgi":
        return ASGIServer(refapp.asgi_app)
    return LiveServer(live_url, timeout=5)


def _verdict(result: corssim.Result) -> tuple[Any, ...]:
    return (
        result.outcome,
        result.reason,
        result.status,
        result.response_type,
        result.body,
        result.preflight_sent,
        tuple((e.kind.value, e.request.method, e.request.url) for e in result.exchanges),
        tuple(sorted((k, v) for k, v in result.readable_headers.items() if k not in ("date", "server"))),
    )


@pytest.mark.parametrize("browser", ["chromium", "firefox", "webkit"])
def test_same_verdict_through_every_adapter(browser: str, live_url: str) -> None:
    verdicts: dict[str, list[tuple[Any, ...]]] = {}
    for kind in KINDS:
        server = _server(kind, live_url)
        out = []
        for name, origin, url, init, outcome, reason, preflight in CASES:
            page = corssim.Page(origin, server=server, browser=browser)
            r = page.fetch(url, **init)
            assert (name, r.outcome, r.reason, r.preflight_sent) == (name, outcome, reason, preflight), (kind, r.explain())
            out.append(_verdict(r))
        verdicts[kind] = out
        close = getattr(server, "close", None)
        if close:
            close()
    for kind in KINDS[1:]:
        for (name, *_), a, b in zip(CASES, verdicts["fake"], verdicts[kind]):
            assert a == b, f"{name}: fake {a} != {kind} {b}"


def test_allowed_get_reads_exposed_header_through_every_adapter(live_url: str) -> None:
    for kind in KINDS:
        page = corssim.Page(refapp.ALLOWED, server=_server(kind, live_url))
        r = page.fetch(f"{API}/data")
        assert r.ok and r.body == "hello", kind
        assert r.response is not None and r.response.header("x-total") == "3", kind


def test_async_page_through_asgi_and_function() -> None:
    import asyncio

    async def go() -> list[str]:
        outs = []
        for server in (ASGIServer(refapp.asgi_app), FunctionServer(refapp.function_app)):
            page = corssim.Page(refapp.ALLOWED, server=server)
            r = await page.afetch(f"{API}/data", method="PUT", headers={"Authorization": "t"})
            outs.append(r.outcome)
        return outs

    assert asyncio.run(go()) == ["ok", "ok"]


def test_bench_script_runs_and_checks_verdicts(capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "bench_backends.py"
    spec = importlib.util.spec_from_file_location("bench_backends", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.main(["--n", "8", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "vs fake" in out and "ASGI, sync handle" in out and "WSGI, inline" in out
