"""The pytest plugin: loaded through its entry point in a fresh pytest process, its fixture binds a
page to an app or a URL, and a failed assertion prints the whole explanation."""

from __future__ import annotations

import pytest

import corssim
from corssim.assertions import assert_allowed, assert_blocked
from corssim.result import Reason

pytest_plugins = ["pytester"]

README_SNIPPET = '''
import corssim
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()
app.add_middleware(CORSMiddleware, allow_origins=["https://app.example"], allow_methods=["GET", "PUT"],
                   allow_headers=["Authorization"])

@app.put("/items")
def put_items():
    return {"ok": True}

def test_cors_policy(cors_page):
    page = cors_page(app, origin="https://app.example")
    corssim.assert_allowed(page.fetch("https://api.example.com/items", method="PUT", headers={"Authorization": "Bearer t"}))
    corssim.assert_blocked(page.fetch("https://api.example.com/items", credentials="include"), reason="invalid_allow_credentials")
'''


def test_readme_snippet_passes_with_the_installed_plugin(pytester: pytest.Pytester) -> None:
    """A fresh pytest process: the plugin comes only from the pytest11 entry point."""
    pytest.importorskip("fastapi")
    pytester.makepyfile(test_snippet=README_SNIPPET)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=240)
    result.assert_outcomes(passed=1)


def test_failed_assertion_prints_the_explanation(pytester: pytest.Pytester) -> None:
    pytest.importorskip("fastapi")
    pytester.makepyfile(test_snippet=README_SNIPPET.replace('origin="https://app.example"', 'origin="https://evil.example"'))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "expected the browser to allow this request, but it blocked it" in out
    assert "OPTIONS" in out and "https://evil.example" in out  # what was sent
    assert "400" in out  # what came back: Starlette's disallowed-origin preflight


def test_fixture_takes_a_url_and_a_browser_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_url='''
import corssim
from corssim.backends import LiveServer, serve_wsgi

def app(environ, start_response):
    start_response("200 OK", [("Access-Control-Allow-Origin", "*"), ("Content-Length", "2")])
    return [b"ok"]

def test_live(cors_page):
    with serve_wsgi(app) as url:
        page = cors_page(url, origin="https://app.example")
        assert isinstance(page.server, LiveServer)
        assert page.profile.name == "webkit"
        r = corssim.assert_allowed(page.fetch("https://api.example.com/x"))
        assert r.body == "ok"
'''
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--corssim-browser", "webkit")
    result.assert_outcomes(passed=1)


def test_fixture_closes_the_servers_it_made(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_close='''
from corssim.backends import ASGIServer
made = []

async def app(scope, receive, send):
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})

def test_a(cors_page):
    page = cors_page(app)
    assert isinstance(page.server, ASGIServer)
    page.server.handle  # exists
    made.append(page.server)
    page.fetch("https://api.example.com/x")
    assert page.server._runner._loop is not None

def test_b():
    assert made[0]._runner._loop is None  # closed at teardown of test_a
'''
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def _blocked_result() -> corssim.Result:
    server = corssim.FakeServer([corssim.Rule(status=200, body="x")])
    return corssim.Page("https://app.example", server=server).fetch("https://api.example.com/x")


def _allowed_result() -> corssim.Result:
    server = corssim.FakeServer([corssim.Rule(headers=[("Access-Control-Allow-Origin", "*")], body="x")])
    return corssim.Page("https://app.example", server=server).fetch("https://api.example.com/x")


def test_assertions_in_process() -> None:
    blocked, allowed = _blocked_result(), _allowed_result()
    assert assert_allowed(allowed) is allowed
    assert assert_blocked(blocked) is blocked
    assert_blocked(blocked, Reason.MISSING_ALLOW_ORIGIN)
    assert_blocked(blocked, "missing_allow_origin")
    assert_blocked(blocked, "MISSING_ALLOW_ORIGIN")
    with pytest.raises(AssertionError) as info:
        assert_allowed(blocked)
    assert blocked.explain() in str(info.value)
    with pytest.raises(AssertionError, match="but it allowed it"):
        assert_blocked(allowed)
    with pytest.raises(AssertionError, match="for method_not_allowed, but it failed for missing_allow_origin"):
        assert_blocked(blocked, Reason.METHOD_NOT_ALLOWED)
    with pytest.raises(ValueError, match="unknown reason"):
        assert_blocked(blocked, "no_such_reason")
    with pytest.raises(TypeError):
        assert_allowed("not a result")  # type: ignore[arg-type]
