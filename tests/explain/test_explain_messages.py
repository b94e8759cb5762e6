"""Every failure reason has a console message in every profile, filled with the real values."""

from __future__ import annotations

import re

import attrs
import pytest

from corssim import explain as ex
from corssim import render
from corssim.http import FaultKind, HttpRequest, HttpResponse, NetworkFault
from corssim.result import Exchange, ExchangeKind, Failure, Reason, Result

from explaincases import APP, CASES

URL = "https://api.example/v1/data"
PREFLIGHT_ONLY = {
    Reason.PREFLIGHT_INVALID_STATUS, Reason.PREFLIGHT_REDIRECT, Reason.INVALID_ALLOW_METHODS,
    Reason.INVALID_ALLOW_HEADERS, Reason.METHOD_NOT_ALLOWED, Reason.HEADER_NOT_ALLOWED,
}
VALUES = {
    Reason.INVALID_URL: "http://[bad", Reason.INVALID_METHOD: "GE T", Reason.FORBIDDEN_METHOD: "TRACE",
    Reason.INVALID_HEADER_NAME: "X Bad", Reason.INVALID_HEADER_VALUE: "a\nb", Reason.NO_CORS_METHOD: "PUT",
    Reason.INVALID_MODE: "navigate", Reason.INVALID_INIT: "unknown option",
    Reason.MULTIPLE_ALLOW_ORIGIN: "https://app.example, https://x.example", Reason.INVALID_ALLOW_ORIGIN: "app.example",
    Reason.ALLOW_ORIGIN_MISMATCH: "https://other.example", Reason.WILDCARD_ORIGIN_WITH_CREDENTIALS: "*",
    Reason.INVALID_ALLOW_CREDENTIALS: "TRUE", Reason.INVALID_ALLOW_METHODS: "GET;POST",
    Reason.INVALID_ALLOW_HEADERS: "x-a;x-b", Reason.METHOD_NOT_ALLOWED: "DELETE",
    Reason.HEADER_NOT_ALLOWED: "X-Api-Key", Reason.REDIRECT_CONTAINS_CREDENTIALS: "https://u:p@cdn.example/",
    Reason.INVALID_REDIRECT_LOCATION: "http://[", Reason.REDIRECT_NON_HTTP_SCHEME: "data:,x",
    Reason.REDIRECT_WITH_STREAM_BODY: "307",
}


def hand_made(reason: Reason, api: str = "fetch") -> Result:
    """A Result for `reason` built by hand, with an exchange when something was sent."""
    preflight = reason in PREFLIGHT_ONLY
    fault = NetworkFault(FaultKind.CONNECTION_REFUSED, "port 9") if reason is Reason.NETWORK_FAILURE else None
    status = 404 if reason is Reason.PREFLIGHT_INVALID_STATUS else (302 if reason is Reason.PREFLIGHT_REDIRECT else 200)
    exchanges: tuple[Exchange, ...] = ()
    if not reason.thrown_before_send and reason not in (Reason.DISALLOWED_BY_MODE, Reason.CORS_DISABLED_SCHEME,
                                                         Reason.NO_CORS_REDIRECT_MODE):
        kind = ExchangeKind.PREFLIGHT if preflight else ExchangeKind.REQUEST
        req = HttpRequest(method="OPTIONS" if preflight else "DELETE", url=URL, headers=[("Origin", APP)])
        resp = None if fault else HttpResponse(status=status, reason="", headers=[])
        exchanges = (Exchange(kind=kind, request=req, response=resp, fault=fault),)
    return Result(
        api=api, browser="chromium", page_origin=APP, url=URL, method="DELETE", outcome="network_error",
        response=None, exchanges=exchanges, decisions=(),
        failure=Failure(reason=reason, preflight=preflight, url=URL, value=VALUES.get(reason),
                        status=None if fault or not exchanges else status, fault=fault),
        credentials="include" if reason in (Reason.WILDCARD_ORIGIN_WITH_CREDENTIALS,
                                            Reason.INVALID_ALLOW_CREDENTIALS) else "same-origin",
    )


PLACEHOLDER = re.compile(r"\{[a-z_]*\}|%\d?\$?[sS]|\(null\)\s*$")


@pytest.mark.parametrize("api", ["fetch", "xhr"])
@pytest.mark.parametrize("browser", ex.BROWSERS)
@pytest.mark.parametrize("reason", list(Reason), ids=lambda r: r.value)
def test_every_reason_has_a_console_message(reason: Reason, browser: str, api: str) -> None:
    result = hand_made(reason, api)
    entry = ex.console_entry(result, browser)
    assert entry is not None
    text = entry.text
    assert text.strip(), (reason, browser)
    assert not PLACEHOLDER.search(text), f"unfilled placeholder in {browser} {reason}: {text!r}"
    assert entry.engine == ("chromium" if browser == "spec" else browser)
    if entry.engine == "firefox" and entry.code:
        assert entry.doc_url.endswith(entry.code)
    # the offending value appears, filled in, where the engine names it
    if reason is Reason.ALLOW_ORIGIN_MISMATCH and entry.engine != "webkit":
        assert VALUES[reason] in text
    if reason is Reason.METHOD_NOT_ALLOWED and entry.engine == "chromium":
        assert "Method DELETE is not allowed" in text
    if reason is Reason.HEADER_NOT_ALLOWED and entry.engine == "chromium":
        assert "x-api-key" in text  # Chromium prints the name lower-cased
    # the CORS-check family names the URL in every engine, and the origin in Chromium
    if reason in ex._CORS_CHECK:
        assert URL in text
        if entry.engine == "chromium":
            assert f"from origin '{APP}'" in text
    # the other public views never fail either
    assert ex.script_error(result, browser)
    assert ex.short_reason(result)
    assert ex.explain(result, browser)
    assert render.to_json(result, browser)["failure"]["reason"] == reason.value


def test_tables_cover_every_reason() -> None:
    for engine, table in ex.TABLES.items():
        assert set(table) == set(Reason), engine


def test_success_has_no_console_message() -> None:
    r = hand_made(Reason.MISSING_ALLOW_ORIGIN)
    allowed = attrs.evolve(r, outcome="ok", failure=None)
    for b in ex.BROWSERS:
        assert ex.console_message(allowed, b) is None


def test_chromium_missing_acao_is_the_known_string() -> None:
    """The Chromium console line for a missing ACAO on a fetch, with the real URL and origin, as
    Chromium 156 printed it (spec_notes/explain.md): the older "If an opaque response serves your
    needs, set the request's mode to 'no-cors'..." tail (facts §3.1) is gone."""
    missing = next(c for c in CASES if c.name == "missing_acao")
    r = missing.run("chromium")
    expected = (
        "Access to fetch at 'https://api.example/data' from origin 'https://app.example' has been blocked by "
        "CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource."
    )
    assert ex.console_message(r) == expected
    assert ex.console_message(r, "spec") == expected


def test_firefox_missing_acao_has_status_code_and_reason() -> None:
    r = next(c for c in CASES if c.name == "missing_acao").run("firefox")
    text = ex.console_message(r)
    assert text is not None
    assert text == (
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at "
        "https://api.example/data. (Reason: CORS header \u2018Access-Control-Allow-Origin\u2019 missing). "
        "Status code: 200."
    )
    entry = ex.console_entry(r)
    assert entry is not None and entry.code == "CORSMissingAllowOrigin"
    assert ex.firefox_blocking_code(entry.code) == 1005


def test_unknown_browser_is_a_typed_error() -> None:
    from corssim.errors import InvalidProfile

    with pytest.raises(InvalidProfile):
        ex.console_message(hand_made(Reason.MISSING_ALLOW_ORIGIN), "netscape")
