"""The CORS check (fetch#concept-cors-check) and what a page may read
(fetch#concept-filtered-response-cors, fetch#cors-safelisted-response-header-name,
fetch#concept-main-fetch's CORS-exposed header-name list).

ACAO spellings come from WPT cors/origin.htm (as listed in ../shared/reference/fetch-cors-facts.md
§4), the credentials table from fetch#cors-protocol-and-credentials, exposure from WPT
fetch/api/cors/cors-expose-star.js and cors-filtering.js, and engines-observed.md.
"""

from __future__ import annotations

import pytest

from corssim import FakeServer, Page, Reason, Rule

from corehelp import ENGINES

O = "http://app.example:8801"  # the page's origin
T = "http://api.example:8802/data"  # a cross-origin, cross-site resource


def acao_server(*values: str, extra: list[tuple[str, str]] | None = None, status: int = 200) -> FakeServer:
    h = [("Access-Control-Allow-Origin", v) for v in values] + list(extra or [])
    return FakeServer([Rule(status=status, headers=h, body="payload")])


def get(engine: str, srv: FakeServer, credentials: str = "same-origin", origin: str = O) -> object:
    return Page(origin, server=srv, browser=engine).fetch(T, credentials=credentials)


# --- ACAO spellings (WPT cors/origin.htm) -----------------------------------------------------

PASSING = [
    pytest.param("*", id="wpt-origin:star"),
    pytest.param(" *  ", id="wpt-origin:star-with-ows"),
    pytest.param("\t*", id="wpt-origin:tab-star"),
    pytest.param(O, id="wpt-origin:exact"),
    pytest.param(f" {O}   \t ", id="wpt-origin:exact-with-ows"),
]

FAILING = [
    pytest.param("http://www.app.example:8801", id="wpt-origin:subdomain"),
    pytest.param("//app.example:8801", id="wpt-origin://host"),
    pytest.param("://app.example:8801", id="wpt-origin:://host"),
    pytest.param("ftp://app.example:8801", id="wpt-origin:ftp"),
    pytest.param("http:://app.example:8801", id="wpt-origin:http::"),
    pytest.param("http:/app.example:8801", id="wpt-origin:http:/"),
    pytest.param("http:app.example:8801", id="wpt-origin:http:host"),
    pytest.param("app.example:8801", id="wpt-origin:bare-host"),
    pytest.param(O + "?", id="wpt-origin:trailing-?"),
    pytest.param(O + "/", id="wpt-origin:trailing-slash"),
    pytest.param(O + " /", id="wpt-origin:trailing-space-slash"),
    pytest.param(O + "#", id="wpt-origin:trailing-#"),
    pytest.param(O + "%23", id="wpt-origin:trailing-%23"),
    pytest.param(O + ":80", id="wpt-origin:extra-port"),
    pytest.param(O + ", *", id="wpt-origin:origin-comma-star"),
    pytest.param(O + "\0", id="wpt-origin:trailing-nul"),
    pytest.param(O.upper(), id="wpt-origin:uppercase"),
    pytest.param("HTTP://app.example:8801", id="wpt-origin:uppercase-scheme"),
    pytest.param("-", id="wpt-origin:dash"),
    pytest.param("**", id="wpt-origin:double-star"),
    pytest.param("\0*", id="wpt-origin:nul-star"),
    pytest.param("*\0", id="wpt-origin:star-nul"),
    pytest.param("'*'", id="wpt-origin:single-quoted-star"),
    pytest.param('"*"', id="wpt-origin:double-quoted-star"),
    pytest.param("* *", id="wpt-origin:star-space-star"),
    pytest.param("* null", id="wpt-origin:star-null"),
    pytest.param("*" + O, id="wpt-origin:star-origin"),
    pytest.param("*, " + O, id="wpt-origin:star-comma-origin"),
    pytest.param("null " + O, id="wpt-origin:null-origin"),
    pytest.param("http://example.net", id="wpt-origin:other-origin"),
    pytest.param("null", id="wpt-origin:null-for-real-origin"),
    pytest.param("null *", id="wpt-origin:null-star"),
    pytest.param("", id="wpt-origin:empty"),
    pytest.param(O + "/page.html", id="wpt-origin:page-url"),
    pytest.param(O + "/dir/", id="wpt-origin:page-directory"),
    pytest.param("http://example:8801", id="wpt-origin:parent-domain"),
    pytest.param("http://*.example:8801", id="wpt-origin:wildcard-domain"),
    pytest.param("http://app.example", id="spec:origin-without-port"),
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("value", PASSING)
def test_acao_passing(engine: str, value: str) -> None:
    r = get(engine, acao_server(value))
    assert r.ok, r.failure  # type: ignore[attr-defined]
    assert r.response_type == "cors"  # type: ignore[attr-defined]
    assert r.body == "payload"  # type: ignore[attr-defined]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("value", FAILING)
def test_acao_failing(engine: str, value: str) -> None:
    r = get(engine, acao_server(value))
    assert r.outcome == "network_error"  # type: ignore[attr-defined]
    assert r.response is None  # type: ignore[attr-defined]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "lines",
    [
        # WPT cors/origin.htm: two ACAO header lines always fail; engines-observed: "the origin
        # listed twice (two header lines)" fails
        pytest.param(("", "*"), id="wpt-origin:empty+star"),
        pytest.param(("*", "*"), id="wpt-origin:star+star"),
        pytest.param((O, O), id="wpt-origin:origin+origin"),
        pytest.param(("*", O), id="wpt-origin:star+origin"),
        pytest.param((O, "*"), id="wpt-origin:origin+star"),
    ],
)
def test_two_acao_lines_fail(engine: str, lines: tuple[str, str]) -> None:
    r = get(engine, acao_server(*lines))
    assert r.outcome == "network_error"  # type: ignore[attr-defined]


@pytest.mark.parametrize("engine", ENGINES)
def test_acao_reasons(engine: str) -> None:
    # the reason names the failing check (Chromium CorsError-like, fetch-cors-facts.md §3)
    assert get(engine, FakeServer([Rule(body="x")])).reason is Reason.MISSING_ALLOW_ORIGIN  # type: ignore[attr-defined]
    assert get(engine, acao_server(O, O)).reason is Reason.MULTIPLE_ALLOW_ORIGIN  # type: ignore[attr-defined]
    assert get(engine, acao_server("http://example.net")).reason is Reason.ALLOW_ORIGIN_MISMATCH  # type: ignore[attr-defined]
    star = get(engine, acao_server("*", extra=[("Access-Control-Allow-Credentials", "true")]), "include")
    assert star.reason is Reason.WILDCARD_ORIGIN_WITH_CREDENTIALS  # type: ignore[attr-defined]


@pytest.mark.parametrize("engine", ENGINES)
def test_cors_check_applies_to_error_statuses(engine: str) -> None:
    # fetch#concept-http-fetch: any status is shared if the CORS check passes, none if it fails
    r = get(engine, acao_server(O, status=500))
    assert r.ok and r.status == 500 and r.body == "payload"  # type: ignore[attr-defined]
    blocked = get(engine, FakeServer([Rule(status=404, body="nope")]))
    assert blocked.outcome == "network_error" and blocked.status is None  # type: ignore[attr-defined]
    assert blocked.failure.status == 404  # type: ignore[attr-defined]


# --- credentials (fetch#cors-protocol-and-credentials) -----------------------------------------

@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("credentials", "acao", "acac", "shared"),
    [
        pytest.param("omit", "*", None, True, id="table:omit-star"),
        pytest.param("omit", "*", "true", True, id="table:omit-star-acac-ignored"),
        pytest.param("omit", O + "/", None, False, id="table:omit-trailing-slash"),
        pytest.param("include", "*", "true", False, id="table:include-star"),
        pytest.param("include", O, "True", False, id="table:include-acac-True"),
        pytest.param("include", O, "true", True, id="spec:include-exact-true"),
        pytest.param("include", O, None, False, id="spec:include-no-acac"),
        pytest.param("include", O, "TRUE", False, id="spec:include-acac-TRUE"),
        pytest.param("include", O, "1", False, id="spec:include-acac-1"),
        pytest.param("include", O, "", False, id="spec:include-acac-empty"),
        pytest.param("include", O, " true\t", True, id="spec:include-acac-ows-trimmed"),
        pytest.param("same-origin", "*", None, True, id="spec:same-origin-cross-origin-star"),
        pytest.param("omit", O, "false", True, id="spec:omit-acac-not-read"),
    ],
)
def test_credentials_table(engine: str, credentials: str, acao: str, acac: str | None, shared: bool) -> None:
    extra = [] if acac is None else [("Access-Control-Allow-Credentials", acac)]
    r = get(engine, acao_server(acao, extra=extra), credentials)
    assert r.ok is shared  # type: ignore[attr-defined]
    if not shared and credentials == "include" and acao == O:
        assert r.reason is Reason.INVALID_ALLOW_CREDENTIALS  # type: ignore[attr-defined]


def test_two_acac_lines_fail_in_the_spec() -> None:
    # fetch#concept-cors-check uses get: two `true` lines combine to "true, true" ≠ "true"
    r = get("spec", acao_server(O, extra=[("Access-Control-Allow-Credentials", "true"),
                                          ("Access-Control-Allow-Credentials", "true")]), "include")
    assert r.outcome == "network_error"  # type: ignore[attr-defined]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("acao", "ok"), [("null", True), ("*", True), (O, False), ("http://app.example:8801", False)])
def test_opaque_origin_page(engine: str, acao: str, ok: bool) -> None:
    # facts §1.19: an opaque origin sends Origin: null and passes with ACAO * or a literal null
    s = acao_server(acao)
    r = Page("null", server=s, browser=engine).fetch(T)
    assert r.ok is ok
    assert s.log[0].headers.get("Origin") == "null"


# --- exposure (fetch#concept-main-fetch, fetch#concept-filtered-response-cors) -------------------

SAFELISTED_RESPONSE = [
    ("Cache-Control", "no-cache"), ("Content-Language", "fr"), ("Content-Type", "text/plain"),
    ("Expires", "0"), ("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT"), ("Pragma", "no-cache"),
]
OTHERS = [("X-Foo", "foo"), ("Server", "srv"), ("Age", "3"), ("Warning", "199 - x"), ("Set-Cookie", "a=b"),
          ("Set-Cookie2", "c=d")]


def exposure(engine: str, *, aceh: list[str], credentials: str = "omit",
             extra: list[tuple[str, str]] | None = None) -> dict[str, str]:
    h = [("Access-Control-Allow-Origin", O), ("Access-Control-Allow-Credentials", "true")]
    h += SAFELISTED_RESPONSE + OTHERS + list(extra or []) + [("Access-Control-Expose-Headers", v) for v in aceh]
    r = Page(O, server=FakeServer([Rule(headers=h, body="x")]), browser=engine).fetch(T, credentials=credentials)
    assert r.ok, r.failure
    return r.readable_headers


@pytest.mark.parametrize("engine", ENGINES)
def test_without_aceh_only_safelisted(engine: str) -> None:
    # engines-observed: without ACEH only the seven safelisted names; Content-Length included
    # (safelisted since 2018) — WPT cors-filtering.js: Age, Server, Warning filtered
    got = exposure(engine, aceh=[])
    assert set(got) == {"cache-control", "content-language", "content-length", "content-type", "expires",
                        "last-modified", "pragma"}
    assert got["content-type"] == "text/plain"
    assert got["content-length"] == "1"


@pytest.mark.parametrize("engine", ENGINES)
def test_aceh_star_without_credentials_exposes_all(engine: str) -> None:
    # engines-observed: ACEH * without credentials exposes everything, including
    # access-control-allow-origin and access-control-expose-headers; never Set-Cookie
    got = exposure(engine, aceh=["*"])
    for name in ("x-foo", "server", "age", "warning", "access-control-allow-origin",
                 "access-control-expose-headers", "access-control-allow-credentials", "cache-control"):
        assert name in got, name
    assert "set-cookie" not in got and "set-cookie2" not in got


@pytest.mark.parametrize("engine", ENGINES)
def test_aceh_star_with_credentials_is_a_literal(engine: str) -> None:
    # engines-observed: with credentials ACEH * exposes only the safelisted ones;
    # WPT cors-expose-star.js: it then matches only a header literally named `*`
    got = exposure(engine, aceh=["*"], credentials="include", extra=[("*", "star")])
    assert "x-foo" not in got and "server" not in got
    assert got.get("*") == "star"
    assert "content-type" in got


@pytest.mark.parametrize("engine", ENGINES)
def test_aceh_star_among_several_values(engine: str) -> None:
    # WPT cors-expose-star.js: `*` can be one value among several ACEH headers
    got = exposure(engine, aceh=["X-Nothing", "*"])
    assert "x-foo" in got and "server" in got


@pytest.mark.parametrize("engine", ENGINES)
def test_aceh_names_case_insensitive(engine: str) -> None:
    got = exposure(engine, aceh=["x-FOO, SERVER"])
    assert got["x-foo"] == "foo" and got["server"] == "srv"
    assert "age" not in got


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("credentials", ["omit", "include"])
def test_set_cookie_never_readable(engine: str, credentials: str) -> None:
    # fetch#forbidden-response-header-name; engines-observed: never exposed, even when named;
    # WPT cors-filtering.js: Set-Cookie/Set-Cookie2 never visible
    got = exposure(engine, aceh=["Set-Cookie, Set-Cookie2, X-Foo"], credentials=credentials)
    assert "set-cookie" not in got and "set-cookie2" not in got
    assert "x-foo" in got


@pytest.mark.parametrize("engine", ENGINES)
def test_invalid_aceh_exposes_nothing_extra(engine: str) -> None:
    # fetch#extract-header-list-values → failure; facts §1.7 / §2.1 / §2.2: a parse failure (any
    # invalid token) exposes nothing extra
    got = exposure(engine, aceh=["X-Foo, bad header"])
    assert "x-foo" not in got
    assert "content-type" in got


@pytest.mark.parametrize(("engine", "exposed"), [("spec", True), ("chromium", False)])
def test_empty_aceh_element(engine: str, exposed: bool) -> None:
    # RFC 9110 #rule lets empty elements be skipped (spec); facts §2.1: in Chromium an empty
    # element clears the whole list
    got = exposure(engine, aceh=["X-Foo,,Server"])
    assert ("x-foo" in got) is exposed


@pytest.mark.parametrize("engine", ENGINES)
def test_readable_headers_are_lowercased_sorted_combined(engine: str) -> None:
    # fetch#concept-header-list-sort-and-combine: what iterating response.headers yields
    h = [("Access-Control-Allow-Origin", "*"), ("X-B", "2"), ("X-A", "1"), ("x-a", "3"),
         ("Access-Control-Expose-Headers", "x-a, x-b")]
    r = Page(O, server=FakeServer([Rule(headers=h, body="")]), browser=engine).fetch(T)
    assert r.ok
    names = [n for n, _ in r.response.headers]  # type: ignore[union-attr]
    assert names == sorted(names)
    assert all(n == n.lower() for n in names)
    assert r.readable_headers["x-a"] == "1, 3"
    assert r.readable_headers["x-b"] == "2"


@pytest.mark.parametrize("engine", ENGINES)
def test_basic_response_hides_only_set_cookie(engine: str) -> None:
    # fetch#concept-filtered-response-basic: every header but Set-Cookie/Set-Cookie2
    h = [("X-Foo", "foo"), ("Server", "srv"), ("Set-Cookie", "a=b"), ("Set-Cookie2", "c")]
    r = Page(O, server=FakeServer([Rule(headers=h, body="mine")]), browser=engine).fetch(O + "/same")
    assert r.ok and r.response_type == "basic" and r.body == "mine"
    assert r.readable_headers.get("x-foo") == "foo" and r.readable_headers.get("server") == "srv"
    assert "set-cookie" not in r.readable_headers and "set-cookie2" not in r.readable_headers


@pytest.mark.parametrize("engine", ENGINES)
def test_head_and_null_body_statuses_have_no_body(engine: str) -> None:
    # fetch#null-body-status (204) / HEAD: the page sees an empty body
    s = FakeServer([Rule(status=204, headers=[("Access-Control-Allow-Origin", "*")], body="")])
    r = Page(O, server=s, browser=engine).fetch(T)
    assert r.ok and r.status == 204 and r.body in ("", None)


# --- unit: cors_check --------------------------------------------------------------------------

@pytest.mark.parametrize(("engine", "reason"), [("firefox", Reason.MULTIPLE_ALLOW_ORIGIN)])
def test_firefox_two_lines_is_its_own_error(engine: str, reason: Reason) -> None:
    # facts §2.2 CheckRequestApproved step 4: more than one ACAO line → CORSMultipleAllowOriginNotAllowed
    from corssim import Headers, get_profile
    from corssim.check import cors_check

    res = cors_check(Headers((("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Origin", "*"))),
                     O, False, get_profile(engine))
    assert not res.ok and res.reason is reason
