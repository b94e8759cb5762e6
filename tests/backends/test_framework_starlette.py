"""Starlette's CORSMiddleware (and FastAPI, which uses it), configured as its docs show, run
in-process through ASGIServer; each known quirk (peers.md b.3) as the browser sees it."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("starlette")

from starlette.applications import Starlette  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402
from starlette.middleware.cors import CORSMiddleware  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import JSONResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402

import corssim  # noqa: E402
from corssim.assertions import assert_allowed, assert_blocked  # noqa: E402
from corssim.backends import ASGIServer  # noqa: E402
from corssim.result import Reason  # noqa: E402

API = "https://api.example.com"
APP_ORIGIN = "https://app.example"
EVIL = "https://evil.example"


async def items(request: Request) -> JSONResponse:
    return JSONResponse({"items": [1, 2]}, headers={"X-Total": "2"})


async def boom(request: Request) -> JSONResponse:
    raise RuntimeError("database is down")


def make_app(**cors: Any) -> Starlette:
    return Starlette(
        routes=[Route("/items", items, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]), Route("/boom", boom)],
        middleware=[Middleware(CORSMiddleware, **cors)],
    )


ALLOW_LIST = dict(
    allow_origins=[APP_ORIGIN],
    allow_methods=["GET", "POST", "PUT"],
    allow_headers=["Authorization", "Content-Type"],
    expose_headers=["X-Total"],
)


def page(origin: str = APP_ORIGIN, browser: str = "chromium", **cors: Any) -> corssim.Page:
    return corssim.Page(origin, server=ASGIServer(make_app(**(cors or ALLOW_LIST))), browser=browser)


# --- the common requests against an allow-list -----------------------------------------------


@pytest.mark.parametrize("browser", ["chromium", "firefox", "webkit"])
def test_allow_list_common_requests(browser: str) -> None:
    p = page(browser=browser)
    r = assert_allowed(p.fetch(f"{API}/items"))
    assert r.body == '{"items":[1,2]}'
    assert r.response is not None and r.response.header("x-total") == "2"
    assert not r.preflight_sent

    r = assert_allowed(p.fetch(f"{API}/items", method="POST", headers={"Content-Type": "application/json"}, body="{}"))
    assert r.preflight_sent and r.preflights[0].response is not None and r.preflights[0].response.status == 200

    assert_allowed(p.fetch(f"{API}/items", method="PUT", headers={"Authorization": "Bearer t"}))


def test_disallowed_origin_simple_get_has_no_acao() -> None:
    r = assert_blocked(page(origin=EVIL).fetch(f"{API}/items"), Reason.MISSING_ALLOW_ORIGIN)
    # the server answered 200 and the request reached the handler: only the browser blocked it
    assert r.exchanges[0].response is not None and r.exchanges[0].response.status == 200


def test_disallowed_origin_preflight_is_a_400_still_carrying_cors_headers() -> None:
    r = page(origin=EVIL).fetch(f"{API}/items", method="PUT", headers={"Authorization": "Bearer t"})
    assert r.blocked
    pre = r.preflights[0].response
    assert pre is not None and pre.status == 400 and pre.body == b"Disallowed CORS origin"
    assert pre.headers.contains("Access-Control-Allow-Methods")
    assert not pre.headers.contains("Access-Control-Allow-Origin")
    # Chromium checks the preflight's origin before its status
    assert r.reason is Reason.MISSING_ALLOW_ORIGIN
    assert len(r.exchanges) == 1  # the PUT itself never went out


def test_credentialed_request_without_allow_credentials_is_blocked() -> None:
    assert_blocked(page().fetch(f"{API}/items", credentials="include"), Reason.INVALID_ALLOW_CREDENTIALS)
    p = page(allow_origins=[APP_ORIGIN], allow_credentials=True)
    r = assert_allowed(p.fetch(f"{API}/items", credentials="include"))
    assert r.exchanges[0].response is not None
    assert r.exchanges[0].response.headers.get("access-control-allow-credentials") == "true"


# --- quirks ------------------------------------------------------------------------------------


def test_quirk_default_methods_make_a_json_post_preflight_fail_with_400() -> None:
    """allow_methods defaults to ("GET",): a JSON POST's preflight gets 400 although its origin
    and headers pass, so the browser reports a bad preflight status."""
    r = page(allow_origins=[APP_ORIGIN]).fetch(
        f"{API}/items", method="POST", headers={"Content-Type": "application/json"}, body="{}"
    )
    assert_blocked(r, Reason.PREFLIGHT_INVALID_STATUS)
    pre = r.preflights[0].response
    assert pre is not None and pre.status == 400 and pre.body == b"Disallowed CORS method"
    assert pre.headers.get("Access-Control-Allow-Origin") == APP_ORIGIN


def test_quirk_default_methods_do_not_matter_for_a_form_post() -> None:
    """A safelisted POST needs no preflight, so the default ("GET",) never comes into play."""
    r = page(allow_origins=[APP_ORIGIN]).fetch(
        f"{API}/items", method="POST", headers={"Content-Type": "text/plain"}, body="x"
    )
    assert_allowed(r)
    assert not r.preflight_sent


@pytest.mark.parametrize("browser", ["chromium", "firefox", "webkit"])
def test_quirk_wildcard_with_credentials_reflects_any_origin(browser: str) -> None:
    """allow_origins=["*"] + allow_credentials=True reflects whatever Origin came, with ACAC:
    every site can make credentialed requests and read the answers."""
    p = page(origin=EVIL, browser=browser, allow_origins=["*"], allow_credentials=True,
             allow_methods=["*"], allow_headers=["*"])
    r = assert_allowed(p.fetch(f"{API}/items", credentials="include"))
    resp = r.exchanges[-1].response
    assert resp is not None and resp.headers.get("Access-Control-Allow-Origin") == EVIL
    r = assert_allowed(p.fetch(f"{API}/items", method="DELETE", headers={"X-Anything": "1"}, credentials="include"))
    assert r.preflight_sent


def test_wildcard_without_credentials_sends_star_which_credentialed_requests_reject() -> None:
    p = page(origin=EVIL, allow_origins=["*"])
    assert_allowed(p.fetch(f"{API}/items"))
    assert_blocked(p.fetch(f"{API}/items", credentials="include"), Reason.WILDCARD_ORIGIN_WITH_CREDENTIALS)


@pytest.mark.parametrize("allow_methods", [["PATCH"], ["*"]])
def test_quirk_lowercase_patch_is_refused_case_sensitively(allow_methods: list[str]) -> None:
    """fetch() upper-cases only DELETE/GET/HEAD/OPTIONS/POST/PUT, so method "patch" goes out as
    "patch"; Starlette compares it case-sensitively and answers the preflight 400, even with "*"."""
    p = page(allow_origins=[APP_ORIGIN], allow_methods=allow_methods)
    r = assert_blocked(p.fetch(f"{API}/items", method="patch"), Reason.PREFLIGHT_INVALID_STATUS)
    assert r.preflights[0].request.headers.get("Access-Control-Request-Method") == "patch"
    assert r.preflights[0].response is not None and r.preflights[0].response.status == 400
    assert_allowed(p.fetch(f"{API}/items", method="PATCH"))


def test_origin_regex_is_a_full_match() -> None:
    cors = dict(allow_origin_regex=r"https://.*\.example\.com", allow_methods=["GET"])
    assert_allowed(page(origin="https://a.example.com", **cors).fetch(f"{API}/items"))
    assert_blocked(page(origin="https://a.example.com.evil.net", **cors).fetch(f"{API}/items"),
                   Reason.MISSING_ALLOW_ORIGIN)


def test_quirk_exception_is_a_500_without_cors_headers() -> None:
    """The classic "CORS error that is really a 500": ServerErrorMiddleware sits outside
    CORSMiddleware, so the 500 has no CORS headers and the page sees a CORS failure."""
    server = ASGIServer(make_app(**ALLOW_LIST))
    r = corssim.Page(APP_ORIGIN, server=server).fetch(f"{API}/boom")
    assert_blocked(r, Reason.MISSING_ALLOW_ORIGIN)
    resp = r.exchanges[0].response
    assert resp is not None and resp.status == 500
    assert isinstance(server.app_errors.last, RuntimeError)
    with pytest.raises(AssertionError) as info:
        assert_allowed(r)
    assert "database is down" in str(info.value)  # the failure message carries the app's traceback


def test_exception_can_be_re_raised_for_debugging() -> None:
    server = ASGIServer(make_app(**ALLOW_LIST), raise_app_exceptions=True)
    with pytest.raises(RuntimeError, match="database is down"):
        corssim.Page(APP_ORIGIN, server=server).fetch(f"{API}/boom")


def test_max_age_600_is_honoured_then_expires() -> None:
    p = page()
    put = dict(method="PUT", headers={"Authorization": "Bearer t"})
    assert p.fetch(f"{API}/items", **put).preflight_sent
    p.wait(599)
    assert not p.fetch(f"{API}/items", **put).preflight_sent
    p.wait(2)
    assert p.fetch(f"{API}/items", **put).preflight_sent


def test_async_fetch_through_the_same_app() -> None:
    import asyncio

    async def go() -> corssim.Result:
        return await page().afetch(f"{API}/items", method="PUT", headers={"Authorization": "Bearer t"})

    assert_allowed(asyncio.run(go()))


# --- FastAPI: the README snippet -------------------------------------------------------------

fastapi = pytest.importorskip("fastapi")

api = fastapi.FastAPI()
api.add_middleware(CORSMiddleware, allow_origins=["https://app.example"], allow_methods=["GET", "PUT"],
                   allow_headers=["Authorization"])


@api.get("/items")
def list_items() -> list[int]:
    return [1, 2, 3]


@api.put("/items")
def put_items() -> dict[str, bool]:
    return {"ok": True}


def test_readme_snippet(cors_page: Any) -> None:
    page = cors_page(api, origin="https://app.example")
    corssim.assert_allowed(page.fetch("https://api.example.com/items", method="PUT", headers={"Authorization": "Bearer t"}))
    corssim.assert_blocked(page.fetch("https://api.example.com/items", credentials="include"))


# --- the same app behind a real server ----------------------------------------------------------


def test_same_verdicts_in_process_and_behind_uvicorn() -> None:
    """The Starlette app through ASGIServer and through uvicorn on 127.0.0.1 (LiveServer) gives
    the same verdicts and the same CORS headers."""
    pytest.importorskip("uvicorn")
    from corssim.backends import LiveServer, serve_asgi

    cases: list[tuple[str, dict[str, Any]]] = [
        (APP_ORIGIN, {}),
        (EVIL, {}),
        (APP_ORIGIN, {"method": "POST", "headers": {"Content-Type": "application/json"}, "body": "{}"}),
        (APP_ORIGIN, {"method": "PUT", "headers": {"Authorization": "Bearer t"}}),
        (EVIL, {"method": "PUT", "headers": {"Authorization": "Bearer t"}}),
        (APP_ORIGIN, {"credentials": "include"}),
        (APP_ORIGIN, {"method": "DELETE"}),
    ]
    app = make_app(**ALLOW_LIST)

    def run(server: Any) -> list[tuple[Any, ...]]:
        out = []
        for origin, init in cases:
            r = corssim.Page(origin, server=server).fetch(f"{API}/items", **init)
            cors = [
                tuple((n.lower(), v) for n, v in e.response.headers if n.lower().startswith("access-control-"))
                for e in r.exchanges if e.response is not None
            ]
            out.append((r.outcome, r.reason, r.status, r.body, cors))
        return out

    in_process = run(ASGIServer(app))
    with serve_asgi(app, max_seconds=60) as url:
        live = LiveServer(url, timeout=5)
        behind_uvicorn = run(live)
        live.close()
    assert [o[0] for o in in_process] == ["ok", "network_error", "ok", "ok", "network_error", "network_error",
                                          "network_error"]
    assert behind_uvicorn == in_process


# --- lifespan ------------------------------------------------------------------------------------


def _lifespan_app(events: list[str]) -> Any:
    import contextlib

    from starlette.responses import PlainTextResponse

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        events.append("startup")
        yield {"greeting": "hello from startup"}
        events.append("shutdown")

    async def hello(request: Request) -> PlainTextResponse:
        return PlainTextResponse(request.state.greeting)

    return Starlette(routes=[Route("/hello", hello)], lifespan=lifespan,
                     middleware=[Middleware(CORSMiddleware, allow_origins=["*"])])


def test_lifespan_runs_once_and_its_state_reaches_requests() -> None:
    events: list[str] = []
    server = ASGIServer(_lifespan_app(events))
    p = corssim.Page(APP_ORIGIN, server=server)
    assert p.fetch(f"{API}/hello").body == "hello from startup"
    assert p.fetch(f"{API}/hello").body == "hello from startup"
    assert events == ["startup"]
    server.close()
    assert events == ["startup", "shutdown"]


def test_lifespan_with_afetch_on_the_callers_loop() -> None:
    import asyncio

    events: list[str] = []
    server = ASGIServer(_lifespan_app(events))

    async def go() -> str | None:
        r = await corssim.Page(APP_ORIGIN, server=server).afetch(f"{API}/hello")
        await server.aclose()
        return r.body

    assert asyncio.run(go()) == "hello from startup"
    assert events == ["startup", "shutdown"]


def test_lifespan_off_and_on() -> None:
    events: list[str] = []
    r = corssim.Page(APP_ORIGIN, server=ASGIServer(_lifespan_app(events), lifespan="off")).fetch(f"{API}/hello")
    # request.state.greeting is missing without startup: a 500 without CORS headers
    assert events == [] and r.blocked
    assert r.exchanges[0].response is not None and r.exchanges[0].response.status == 500

    async def http_only(scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"

    from corssim.errors import ServerError

    with pytest.raises(ServerError, match="does not support lifespan"):
        ASGIServer(http_only, lifespan="on").handle(corssim.HttpRequest(method="GET", url=f"{API}/x"))
    with pytest.raises(ValueError):
        ASGIServer(http_only, lifespan="sometimes")


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("inside_a_loop", [False, True])
def test_an_unclosed_server_shuts_its_lifespan_down_when_collected(inside_a_loop: bool) -> None:
    import asyncio
    import gc

    events: list[str] = []
    server = ASGIServer(_lifespan_app(events))
    assert corssim.Page(APP_ORIGIN, server=server).fetch(f"{API}/hello").ok
    server.cycle = server  # type: ignore[attr-defined]  # only the cycle collector can free it
    del server

    async def collect_in_loop() -> None:
        gc.collect()

    if inside_a_loop:
        asyncio.run(collect_in_loop())
    else:
        gc.collect()
    # the lifespan was cancelled (not shut down cleanly), but nothing was left pending
    assert events == ["startup"]
