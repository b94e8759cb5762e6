"""The page driver (corssim.Page): one document carrying origin, profile, cache and clock across
requests; sync and async back-ends driving the same sans-I/O flow; transport faults as network
errors; the caller's own mistakes as typed exceptions; the trace (exchanges, decisions).
"""

from __future__ import annotations

import asyncio

import pytest

from corssim import (CorssimError, FakeServer, FaultKind, HttpRequest, HttpResponse, InvalidOrigin, InvalidProfile,
                     Page, Reason, Rule, ServerError, TransportError)

from corehelp import A, B, ENGINES, allow, page, preflight_ok, server


class AsyncOnly:
    """An AsyncServer wrapping a FakeServer."""

    def __init__(self, inner: FakeServer) -> None:
        self.inner = inner

    async def ahandle(self, request: HttpRequest) -> HttpResponse:
        await asyncio.sleep(0)
        return self.inner.handle(request)


class Faulty:
    """Answers OPTIONS (or everything) with a transport fault."""

    def __init__(self, inner: FakeServer, *, on: str | None = None, kind: FaultKind = FaultKind.CONNECTION_RESET):
        self.inner, self.on, self.kind = inner, on, kind

    def handle(self, request: HttpRequest) -> HttpResponse:
        if self.on is None or request.method == self.on:
            raise TransportError(self.kind, "test fault")
        return self.inner.handle(request)


def summary(r: object) -> tuple[object, ...]:
    from corssim import Result

    assert isinstance(r, Result)
    return (r.outcome, r.reason, r.status, r.body, r.readable_headers,
            [(e.kind, e.request, e.response) for e in r.exchanges])


@pytest.mark.parametrize("engine", ENGINES)
def test_afetch_matches_fetch(engine: str) -> None:
    mk = lambda: server(preflight_ok(A, methods="PUT", headers="x-a"), allow(A, extra=[("X-Exposed", "1")]))  # noqa: E731
    sync = Page(A, server=mk(), browser=engine).fetch(f"{B}/x", method="PUT", headers={"X-A": "1"})
    asy = asyncio.run(Page(A, server=AsyncOnly(mk()), browser=engine).afetch(f"{B}/x", method="PUT",
                                                                            headers={"X-A": "1"}))
    assert sync.ok and sync.preflight_sent
    assert summary(asy) == summary(sync)


def test_afetch_accepts_a_sync_server_and_axhr_works() -> None:
    s = server(allow(A))
    r = asyncio.run(Page(A, server=s).afetch(f"{B}/x"))
    assert r.ok and len(s.log) == 1
    x = asyncio.run(Page(A, server=AsyncOnly(server(allow(A)))).axhr(f"{B}/x"))
    assert x.ok and x.api == "xhr"


def test_fetch_with_an_async_only_server_is_a_clear_error() -> None:
    with pytest.raises(CorssimError, match="afetch"):
        Page(A, server=AsyncOnly(server(allow(A)))).fetch(f"{B}/x")  # type: ignore[arg-type]


def test_no_server_is_a_clear_error() -> None:
    with pytest.raises(CorssimError):
        Page(A).fetch(f"{B}/x")


def test_per_call_server_overrides_the_page_server() -> None:
    default, other = server(allow(A, body="default")), server(allow(A, body="other"))
    p = Page(A, server=default)
    assert p.fetch(f"{B}/x", server=other).body == "other"
    assert p.fetch(f"{B}/x").body == "default"


def test_server_returning_garbage_is_a_server_error() -> None:
    class Bad:
        def handle(self, request: HttpRequest) -> object:
            return "not a response"

    with pytest.raises(ServerError):
        Page(A, server=Bad()).fetch(f"{B}/x")  # type: ignore[arg-type]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("kind", [FaultKind.CONNECTION_REFUSED, FaultKind.TIMEOUT, FaultKind.MALFORMED_RESPONSE])
def test_transport_fault_is_a_network_error(engine: str, kind: FaultKind) -> None:
    # fetch#concept-network-error: no response → fetch() rejects; the trace keeps the fault
    r = Page(A, server=Faulty(server(allow(A)), kind=kind), browser=engine).fetch(f"{B}/x")
    assert r.outcome == "network_error"
    assert r.reason is Reason.NETWORK_FAILURE
    assert r.failure is not None and r.failure.fault is not None and r.failure.fault.kind is kind
    assert len(r.exchanges) == 1 and r.exchanges[0].fault is not None and r.exchanges[0].response is None


@pytest.mark.parametrize("engine", ENGINES)
def test_preflight_transport_fault(engine: str) -> None:
    r = Page(A, server=Faulty(server(allow(A)), on="OPTIONS"), browser=engine).fetch(f"{B}/x", method="PUT")
    assert r.outcome == "network_error" and r.reason is Reason.NETWORK_FAILURE
    assert r.failure is not None and r.failure.preflight
    assert len(r.exchanges) == 1 and r.preflight_sent


def test_preflight_fault_clears_the_cache_in_the_spec() -> None:
    # fetch#concept-main-fetch: a preflighted fetch ending in a network error clears the entries
    good = server(preflight_ok(A, methods="PUT, DELETE", max_age="60"), allow(A))
    p = Page(A, server=good, browser="spec")
    assert p.fetch(f"{B}/x", method="PUT").preflight_sent
    assert len(p.cache) > 0
    assert p.fetch(f"{B}/x", method="PATCH", server=Faulty(good, on="OPTIONS")).outcome == "network_error"
    assert p.fetch(f"{B}/x", method="PUT").preflight_sent


@pytest.mark.parametrize("bad", ["not a url", "http://"])
def test_invalid_page_origin(bad: str) -> None:
    with pytest.raises(InvalidOrigin):
        Page(bad)


@pytest.mark.parametrize("bad", ["netscape", "", "Chromium 9"])
def test_invalid_browser(bad: str) -> None:
    with pytest.raises(InvalidProfile):
        Page(A, browser=bad)


@pytest.mark.parametrize(("alias", "name"), [("chrome", "chromium"), ("Safari", "webkit"), ("FIREFOX", "firefox"),
                                             ("spec", "spec")])
def test_browser_aliases(alias: str, name: str) -> None:
    assert Page(A, browser=alias).profile.name == name


def test_default_browser_is_chromium() -> None:
    assert Page(A).profile.name == "chromium"


def test_history_keeps_every_result_in_order() -> None:
    p = page(server(allow(A)))
    a = p.fetch(f"{B}/1")
    b = p.fetch(f"{B}/2", method="TRACE")  # thrown: still recorded
    c = p.xhr(f"{B}/3")
    assert p.history == [a, b, c]


@pytest.mark.parametrize("engine", ENGINES)
def test_exchanges_are_exactly_what_the_server_saw(engine: str) -> None:
    s = server(preflight_ok(A, methods="PUT", headers="x-a"),
               Rule(host=B, path="/r", status=307, headers=[("Location", f"{B}/x"),
                                                           ("Access-Control-Allow-Origin", A)]),
               allow(A))
    r = Page(A, server=s, browser=engine).fetch(f"{B}/r", method="PUT", headers={"X-A": "1"}, body="b")
    assert r.ok, r.failure
    assert r.requests_sent == s.log
    assert all(e.response is not None for e in r.exchanges)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("init", [{}, {"method": "PUT", "headers": {"X-A": "1"}}, {"method": "TRACE"},
                                  {"mode": "no-cors"}, {"credentials": "include"}])
def test_every_decision_cites_an_anchor(engine: str, init: dict[str, object]) -> None:
    s = server(preflight_ok(A, methods="PUT", headers="x-a"), allow(A))
    r = Page(A, server=s, browser=engine).fetch(f"{B}/x", **init)
    assert r.decisions
    for d in r.decisions:
        spec, _, anchor = d.anchor.partition("#")
        assert spec in ("fetch", "xhr", "html", "url", "referrer-policy", "fetch-metadata", "mimesniff"), d
        assert anchor, d
    if r.failure is not None:
        assert r.failure.anchor


def test_opaque_page_has_no_url_and_sends_null() -> None:
    s = server(allow("null"))
    p = Page("null", server=s)
    assert p.origin.serialize() == "null"
    r = p.fetch(f"{B}/x")
    assert r.ok and s.log[0].headers.get("Origin") == "null"
    assert not s.log[0].headers.contains("Referer")


def test_pages_do_not_share_a_cache() -> None:
    s = server(preflight_ok(A, methods="PUT", max_age="60"), allow(A))
    p, q = Page(A, server=s), Page(A, server=s)
    assert p.fetch(f"{B}/x", method="PUT").preflight_sent
    assert q.fetch(f"{B}/x", method="PUT").preflight_sent
    assert not p.fetch(f"{B}/x", method="PUT").preflight_sent
