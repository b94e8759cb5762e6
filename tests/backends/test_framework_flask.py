"""Flask with flask-cors, configured as its docs show, run in-process through WSGIServer; each
known quirk (peers.md b.3) as the browser sees it."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("flask")
pytest.importorskip("flask_cors")

from flask import Flask, jsonify  # noqa: E402
from flask_cors import CORS  # noqa: E402

import corssim  # noqa: E402
from corssim.assertions import assert_allowed, assert_blocked  # noqa: E402
from corssim.backends import WSGIServer  # noqa: E402
from corssim.result import Reason  # noqa: E402

API = "https://api.example.com"
APP_ORIGIN = "https://app.example"
EVIL = "https://evil.example"


def make_app(**cors: Any) -> Flask:
    app = Flask("corssim_flask_test")

    @app.get("/items")
    def list_items() -> Any:
        return jsonify([1, 2]), 200, {"X-Total": "2"}

    @app.put("/items")
    def put_items() -> Any:
        return jsonify(ok=True)

    @app.post("/items")
    def post_items() -> Any:
        return jsonify(created=True), 201

    @app.get("/boom")
    def boom() -> Any:
        raise RuntimeError("database is down")

    CORS(app, **cors)
    return app


def page(origin: str = APP_ORIGIN, browser: str = "chromium", **cors: Any) -> corssim.Page:
    return corssim.Page(origin, server=WSGIServer(make_app(**cors)), browser=browser)


ALLOW_LIST = dict(origins=[APP_ORIGIN], expose_headers=["X-Total"])


@pytest.mark.parametrize("browser", ["chromium", "firefox", "webkit"])
def test_allow_list_common_requests(browser: str) -> None:
    p = page(browser=browser, **ALLOW_LIST)
    r = assert_allowed(p.fetch(f"{API}/items"))
    assert r.body == "[1,2]\n" and r.response is not None and r.response.header("x-total") == "2"
    r = assert_allowed(p.fetch(f"{API}/items", method="POST", headers={"Content-Type": "application/json"}, body="{}"))
    assert r.preflight_sent and r.status == 201
    r = assert_allowed(p.fetch(f"{API}/items", method="PUT", headers={"Authorization": "Bearer t"}))
    pre = r.preflights[0].response
    # flask-cors echoes the requested header names (lower-cased, as the browser sent them)
    assert pre is not None and pre.headers.get("Access-Control-Allow-Headers") == "authorization"


def test_disallowed_origin_gets_no_acao() -> None:
    p = page(origin=EVIL, **ALLOW_LIST)
    assert_blocked(p.fetch(f"{API}/items"), Reason.MISSING_ALLOW_ORIGIN)
    r = assert_blocked(p.fetch(f"{API}/items", method="PUT", headers={"Authorization": "t"}), Reason.MISSING_ALLOW_ORIGIN)
    assert r.preflights[0].response is not None and r.preflights[0].response.status == 200


def test_credentials_need_supports_credentials() -> None:
    assert_blocked(page(**ALLOW_LIST).fetch(f"{API}/items", credentials="include"), Reason.INVALID_ALLOW_CREDENTIALS)
    assert_allowed(page(origins=[APP_ORIGIN], supports_credentials=True).fetch(f"{API}/items", credentials="include"))


# --- quirks ------------------------------------------------------------------------------------


def test_quirk_default_config_reflects_every_origin() -> None:
    """origins defaults to "*" with send_wildcard=False: the Origin is reflected, not "*"."""
    r = assert_allowed(page(origin=EVIL).fetch(f"{API}/items"))
    resp = r.exchanges[0].response
    assert resp is not None and resp.headers.get("Access-Control-Allow-Origin") == EVIL


@pytest.mark.parametrize("browser", ["chromium", "firefox", "webkit"])
def test_quirk_supports_credentials_reflects_any_origin_with_acac(browser: str) -> None:
    p = page(origin=EVIL, browser=browser, supports_credentials=True)
    r = assert_allowed(p.fetch(f"{API}/items", credentials="include"))
    resp = r.exchanges[0].response
    assert resp is not None and resp.headers.get("Access-Control-Allow-Credentials") == "true"
    assert_allowed(p.fetch(f"{API}/items", method="PUT", headers={"Authorization": "t"}, credentials="include"))


def test_quirk_origin_regex_is_a_prefix_match() -> None:
    """flask-cors matches regexes with re.match: `https://.*\\.example\\.com` also accepts
    https://a.example.com.evil.net."""
    cors = dict(origins=[r"https://.*\.example\.com"])
    assert_allowed(page(origin="https://a.example.com", **cors).fetch(f"{API}/items"))
    r = assert_allowed(page(origin="https://a.example.com.evil.net", **cors).fetch(f"{API}/items"))
    resp = r.exchanges[0].response
    assert resp is not None and resp.headers.get("Access-Control-Allow-Origin") == "https://a.example.com.evil.net"
    assert_blocked(page(origin="https://example.org", **cors).fetch(f"{API}/items"), Reason.MISSING_ALLOW_ORIGIN)


def test_quirk_preflight_for_an_unrouted_method_is_200_and_the_page_reads_the_405() -> None:
    """Flask answers OPTIONS automatically and flask-cors lists every method, so the preflight for
    DELETE passes; the DELETE gets a 405 that carries CORS headers: no CORS error, a readable 405."""
    r = page(**ALLOW_LIST).fetch(f"{API}/items", method="DELETE")
    assert_allowed(r)
    assert r.preflight_sent and r.preflights[0].response is not None and r.preflights[0].response.status == 200
    assert r.status == 405


def test_quirk_errors_keep_cors_headers_so_the_page_sees_the_500() -> None:
    """Unlike Starlette, an exception in a Flask view becomes a 500 that flask-cors still decorates:
    the fetch resolves with status 500 instead of failing as a CORS error."""
    server = WSGIServer(make_app(**ALLOW_LIST))
    r = assert_allowed(corssim.Page(APP_ORIGIN, server=server).fetch(f"{API}/boom"))
    assert r.status == 500
    assert len(server.app_errors) == 0  # Flask handled it; nothing escaped the app


def test_quirk_propagated_exception_becomes_a_500_without_cors_headers() -> None:
    """With PROPAGATE_EXCEPTIONS (Flask's testing mode) the exception escapes the app, and the
    server's own 500 has no CORS headers: the browser reports a CORS error."""
    app = make_app(**ALLOW_LIST)
    app.config["PROPAGATE_EXCEPTIONS"] = True
    server = WSGIServer(app)
    r = assert_blocked(corssim.Page(APP_ORIGIN, server=server).fetch(f"{API}/boom"), Reason.MISSING_ALLOW_ORIGIN)
    assert r.exchanges[0].response is not None and r.exchanges[0].response.status == 500
    assert isinstance(server.app_errors.last, RuntimeError)


def test_cors_page_fixture_detects_flask(cors_page: Any) -> None:
    p = cors_page(make_app(**ALLOW_LIST), origin=APP_ORIGIN, browser="firefox")
    assert isinstance(p.server, WSGIServer)
    assert p.profile.name == "firefox"
    assert_allowed(p.fetch(f"{API}/items", method="PUT", headers={"Authorization": "t"}))
