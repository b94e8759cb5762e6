"""The CORS-preflight fetch (fetch#cors-preflight-fetch-0): the OPTIONS request the browser
builds, and how the response is validated (ok status, CORS check, ACAM/ACAH as header-list
values, the `*` rules with and without credentials, Authorization, method/name case rules).

Sources: the Fetch standard, WPT fetch/api/cors/*.any.js (named per case) and
../shared/reference/engines-observed.md.
"""

from __future__ import annotations

import pytest

from corssim import FakeServer, Reason, Rule
from corssim.http import Headers

from corehelp import A, B, BROWSERS, ENGINES, allow, page, preflight_ok, server

CRED_ALLOW = allow(A, credentials=True)


def pf_server(*, methods: str | None = None, headers: str | None = None, credentials: bool = False,
              origin: str = A, status: int = 204, extra: list[tuple[str, str]] | None = None) -> FakeServer:
    pre = preflight_ok(origin, methods=methods, headers=headers, credentials=credentials, status=status)
    if extra:
        pre = Rule(method="OPTIONS", status=status, headers=list(pre.headers) + extra)
    return server(pre, allow(origin, credentials=credentials))


# --- construction -----------------------------------------------------------------------------

@pytest.mark.parametrize("engine", ENGINES)
def test_preflight_request_shape(engine: str) -> None:
    # fetch#cors-preflight-fetch-0: OPTIONS, same URL, Accept */*, ACRM, ACRH, Origin; no body
    s = pf_server(methods="PUT", headers="x-b, x-a, content-type")
    r = page(s, engine).fetch(f"{B}/res?q=1", method="PUT",
                              headers=[("X-B", "2"), ("Content-Type", "application/json"), ("x-a", "1")], body="{}")
    assert r.ok
    assert [(e.request.method, e.request.url) for e in r.exchanges] == [("OPTIONS", f"{B}/res?q=1"),
                                                                        ("PUT", f"{B}/res?q=1")]
    pre = r.preflights[0].request
    assert pre.body is None
    h = pre.headers
    assert h.get_all("Accept") == ["*/*"]
    assert h.get_all("Access-Control-Request-Method") == ["PUT"]
    # WPT cors-preflight.any.js + engines-observed: lowercase, sorted, "," with no space
    assert h.get_all("Access-Control-Request-Headers") == ["content-type,x-a,x-b"]
    assert h.get_all("Origin") == [A]
    # the preflight never carries the page's own headers
    for name in ("X-A", "X-B", "Content-Type", "Content-Length"):
        assert not h.contains(name)
    # Sec-Fetch-Mode: cors, Dest empty (FetchMetadata; engines-observed preflight header lists)
    assert h.get("Sec-Fetch-Mode") == "cors"
    assert h.get("Sec-Fetch-Dest") == "empty"
    assert h.get("Sec-Fetch-Site") == "cross-site"


@pytest.mark.parametrize("engine", ENGINES)
def test_acrh_omitted_when_only_the_method_is_unsafe(engine: str) -> None:
    # WPT cors-preflight.any.js: ACRH is omitted when only safelisted headers are present
    r = page(pf_server(methods="PUT"), engine).fetch(f"{B}/x", method="PUT",
                                                     headers={"Accept": "text/plain", "Content-Language": "fr"})
    assert r.ok
    assert r.preflights[0].request.headers.get("Access-Control-Request-Headers") is None


@pytest.mark.parametrize("engine", ENGINES)
def test_preflight_carries_no_credentials(engine: str) -> None:
    # fetch#cors-preflight-fetch-0: "a CORS-preflight request never includes credentials";
    # the Authorization header of the request is named in ACRH, not sent
    s = pf_server(methods="PUT", headers="authorization", credentials=True)
    r = page(s, engine).fetch(f"{B}/x", method="PUT", credentials="include",
                              headers={"Authorization": "Bearer t"})
    assert r.ok
    pre = r.preflights[0].request.headers
    assert not pre.contains("Authorization")
    assert not pre.contains("Cookie")
    assert pre.get("Access-Control-Request-Headers") == "authorization"
    assert r.exchanges[-1].request.headers.get("Authorization") == "Bearer t"


@pytest.mark.parametrize("engine", ENGINES)
def test_simple_request_sends_no_preflight(engine: str) -> None:
    # WPT cors-no-preflight.any.js
    s = server(Rule(method="OPTIONS", status=500), allow(A))
    r = page(s, engine).fetch(f"{B}/x", method="POST", body="x",
                              headers={"Accept": "*/*", "Accept-Language": "fr", "Content-Language": "fr"})
    assert r.ok and not r.preflight_sent
    assert [q.method for q in s.log] == ["POST"]


# --- status (fetch#ok-status; WPT cors-preflight-status.any.js) ---------------------------------

@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("status", [200, 201, 202, 203, 204, 205, 206])
def test_preflight_ok_statuses(engine: str, status: int) -> None:
    r = page(pf_server(methods="PUT", status=status), engine).fetch(f"{B}/x", method="PUT")
    assert r.ok, r.failure


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("status", [300, 301, 302, 303, 304, 305, 306, 307, 308, 400, 401, 402, 403, 404, 405,
                                    500, 501, 502, 503, 504, 505])
def test_preflight_not_ok_statuses_fail(engine: str, status: int) -> None:
    s = pf_server(methods="PUT", status=status)
    r = page(s, engine).fetch(f"{B}/x", method="PUT")
    assert r.outcome == "network_error"
    assert r.failure is not None and r.failure.preflight
    assert r.reason in (Reason.PREFLIGHT_INVALID_STATUS, Reason.PREFLIGHT_REDIRECT)
    assert [q.method for q in s.log] == ["OPTIONS"]  # the actual request is never sent


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_preflight_redirect_not_followed(engine: str, status: int) -> None:
    # WPT cors-preflight-redirect.any.js; engines-observed: a 301 preflight fails and nothing is
    # requested at its Location
    s = server(Rule(method="OPTIONS", status=status, headers=[("Location", f"{B}/elsewhere"),
                                                              ("Access-Control-Allow-Origin", A),
                                                              ("Access-Control-Allow-Methods", "PUT")]),
               allow(A))
    r = page(s, engine).fetch(f"{B}/x", method="PUT")
    assert r.outcome == "network_error" and r.failure is not None and r.failure.preflight
    assert [(q.method, q.url) for q in s.log] == [("OPTIONS", f"{B}/x")]


# --- CORS check on the preflight ----------------------------------------------------------------

@pytest.mark.parametrize("engine", ENGINES)
def test_preflight_without_acao_fails(engine: str) -> None:
    # fetch#cors-preflight-fetch-0: a CORS check failure on the preflight is a network error
    s = server(Rule(method="OPTIONS", status=204, headers=[("Access-Control-Allow-Methods", "PUT")]), allow(A))
    r = page(s, engine).fetch(f"{B}/x", method="PUT")
    assert r.reason is Reason.MISSING_ALLOW_ORIGIN
    assert r.failure is not None and r.failure.preflight


@pytest.mark.parametrize("engine", ENGINES)
def test_preflight_cors_check_uses_the_request_credentials(engine: str) -> None:
    # fetch#cors-preflight-fetch-0: the CORS check runs with the original request's credentials
    # mode: ACAO * fails with include; exact origin without ACAC fails too
    star = pf_server(methods="PUT", origin="*")
    r = page(star, engine).fetch(f"{B}/x", method="PUT", credentials="include")
    assert r.outcome == "network_error" and r.failure is not None and r.failure.preflight
    assert r.reason is Reason.WILDCARD_ORIGIN_WITH_CREDENTIALS
    no_acac = server(preflight_ok(A, methods="PUT"), CRED_ALLOW)
    r2 = page(no_acac, engine).fetch(f"{B}/x", method="PUT", credentials="include")
    assert r2.reason is Reason.INVALID_ALLOW_CREDENTIALS and r2.failure is not None and r2.failure.preflight


# --- methods ------------------------------------------------------------------------------------

@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("method", "acam", "ok"),
    [
        # engines-observed + WPT cors-preflight-star: ACAM is compared byte for byte
        pytest.param("patch", "PATCH", False, id="observed:acam-PATCH-rejects-patch"),
        pytest.param("patch", "patch", True, id="observed:acam-patch-allows-patch"),
        pytest.param("put", "put", False, id="observed:acam-put-rejects-PUT"),
        pytest.param("PUT", "put", False, id="wpt:star-acam-put-fails"),
        pytest.param("PUT", "GET, PUT", True, id="spec:listed"),
        pytest.param("PUT", "GET, POST", False, id="spec:not-listed"),
        pytest.param("DELETE", "PUT", False, id="spec:other-method"),
        pytest.param("SUPER", "*", True, id="wpt:star-any-method"),
        pytest.param("PUT", "GET,*", True, id="spec:star-among-others"),
    ],
)
def test_method_rules_without_credentials(engine: str, method: str, acam: str, ok: bool) -> None:
    r = page(pf_server(methods=acam), engine).fetch(f"{B}/x", method=method)
    assert r.ok is ok
    if not ok:
        assert r.reason is Reason.METHOD_NOT_ALLOWED and r.failure is not None and r.failure.preflight


@pytest.mark.parametrize("engine", ENGINES)
def test_star_method_with_credentials_fails(engine: str) -> None:
    # fetch#cors-preflight-fetch-0: `*` counts only when credentials are not included
    r = page(pf_server(methods="*", credentials=True), engine).fetch(f"{B}/x", method="PUT",
                                                                     credentials="include")
    assert r.reason is Reason.METHOD_NOT_ALLOWED


@pytest.mark.parametrize("engine", ENGINES)
def test_literal_star_method_and_header_with_credentials(engine: str) -> None:
    # WPT cors-preflight-star.any.js: the exact-literal case — method `*` and a header named `*`,
    # credentials included, allowed by ACAM `*` / ACAH `*` as literal matches
    s = pf_server(methods="*", headers="*", credentials=True)
    r = page(s, engine).fetch(f"{B}/x", method="*", headers={"*": "1"}, credentials="include")
    assert r.ok, r.failure


@pytest.mark.parametrize("engine", ENGINES)
def test_safelisted_method_passes_without_acam(engine: str) -> None:
    # WPT cors-preflight-star.any.js: ACAM `get` with request GET passes (GET is safelisted)
    r = page(pf_server(methods="get", headers="x-a"), engine).fetch(f"{B}/x", headers={"X-A": "1"})
    assert r.ok and r.preflight_sent


# --- headers ------------------------------------------------------------------------------------

@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("acah", "ok"),
    [
        pytest.param("X-CUSTOM", True, id="observed:names-case-insensitive"),
        pytest.param("x-custom", True, id="spec:lowercase"),
        pytest.param("x-other, X-Custom", True, id="spec:listed"),
        pytest.param("x-other", False, id="spec:not-listed"),
        pytest.param(None, False, id="spec:absent"),
        pytest.param("*", True, id="wpt:star-without-credentials"),
        pytest.param("x-custom,", True, id="spec:trailing-empty-element"),
    ],
)
def test_header_rules_without_credentials(engine: str, acah: str | None, ok: bool) -> None:
    r = page(pf_server(methods="PUT", headers=acah), engine).fetch(f"{B}/x", method="PUT",
                                                                   headers={"X-Custom": "1"})
    assert r.ok is ok
    if not ok:
        assert r.reason is Reason.HEADER_NOT_ALLOWED
        assert r.failure is not None and r.failure.preflight and r.failure.value == "x-custom"


@pytest.mark.parametrize("engine", ENGINES)
def test_star_header_with_credentials_fails(engine: str) -> None:
    # fetch#cors-preflight-fetch-0: `*` in ACAH only without credentials
    s = pf_server(methods="PUT", headers="*", credentials=True)
    r = page(s, engine).fetch(f"{B}/x", method="PUT", credentials="include", headers={"X-Custom": "1"})
    assert r.reason is Reason.HEADER_NOT_ALLOWED


@pytest.mark.parametrize("engine", ENGINES)
def test_star_with_credentials_but_safelisted_header(engine: str) -> None:
    # WPT cors-preflight-star.any.js: PUT with credentials, ACAH *, Accept: unicorn passes
    # (Accept is safelisted, so ACAH is not consulted for it)
    s = pf_server(methods="PUT", headers="*", credentials=True)
    r = page(s, engine).fetch(f"{B}/x", method="PUT", credentials="include", headers={"Accept": "unicorn"})
    assert r.ok, r.failure


@pytest.mark.parametrize("engine", ENGINES)
def test_explicit_content_type_with_credentials(engine: str) -> None:
    # WPT cors-preflight-star.any.js: Content-Type uni/corn, ACAH Content-Type, credentials → passes
    s = pf_server(methods="POST", headers="Content-Type", credentials=True)
    r = page(s, engine).fetch(f"{B}/x", method="POST", credentials="include", body="x",
                              headers={"Content-Type": "uni/corn"})
    assert r.ok, r.failure
    assert r.preflights[0].request.headers.get("Access-Control-Request-Headers") == "content-type"


@pytest.mark.parametrize(
    ("engine", "ok"),
    [
        # fetch#cors-non-wildcard-request-header-name: `*` never covers Authorization in the spec
        ("spec", False),
        # engines-observed: "ACAH: * (no credentials) is accepted for Authorization by all three"
        ("chromium", True), ("firefox", True), ("webkit", True),
    ],
)
def test_star_and_authorization(engine: str, ok: bool) -> None:
    s = pf_server(methods="PUT", headers="*")
    r = page(s, engine).fetch(f"{B}/x", method="PUT", headers={"Authorization": "Bearer t"})
    assert r.ok is ok
    if not ok:
        assert r.reason is Reason.HEADER_NOT_ALLOWED and r.failure is not None and r.failure.value == "authorization"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("acah", ["*, Authorization", "authorization", "AUTHORIZATION, x-a"])
def test_listed_authorization_passes(engine: str, acah: str) -> None:
    r = page(pf_server(methods="PUT", headers=acah), engine).fetch(f"{B}/x", method="PUT",
                                                                   headers={"Authorization": "Bearer t"})
    assert r.ok, r.failure


@pytest.mark.parametrize("engine", ENGINES)
def test_header_lines_are_combined(engine: str) -> None:
    # fetch#extract-header-list-values: every ACAH line contributes
    s = pf_server(methods="PUT", extra=[("Access-Control-Allow-Headers", "x-a"),
                                        ("Access-Control-Allow-Headers", "x-b")])
    r = page(s, engine).fetch(f"{B}/x", method="PUT", headers={"X-A": "1", "X-B": "2"})
    assert r.ok, r.failure


# --- malformed lists (fetch#extract-header-list-values; WPT cors-preflight-response-validation) ---

@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("acam", "acah", "reason"),
    [
        pytest.param("Bad method name", None, Reason.INVALID_ALLOW_METHODS, id="wpt:bad-method-name"),
        pytest.param("PUT", "header name with space", Reason.INVALID_ALLOW_HEADERS, id="wpt:header-name-with-space"),
        pytest.param("PUT, (DELETE)", None, Reason.INVALID_ALLOW_METHODS, id="spec:one-bad-token-fails-all"),
        pytest.param("PUT", "x-custom, x/y", Reason.INVALID_ALLOW_HEADERS, id="spec:one-bad-name-fails-all"),
    ],
)
def test_malformed_lists_fail(engine: str, acam: str, acah: str | None, reason: Reason) -> None:
    r = page(pf_server(methods=acam, headers=acah), engine).fetch(f"{B}/x", method="PUT",
                                                                  headers={"X-Custom": "1"})
    assert r.outcome == "network_error"
    assert r.reason is reason
    assert r.failure is not None and r.failure.preflight


# --- after the preflight: the actual response still needs the CORS check -------------------------

@pytest.mark.parametrize("engine", ENGINES)
def test_actual_response_still_checked(engine: str) -> None:
    # fetch#concept-http-fetch: the CORS check applies to the actual response too
    s = server(preflight_ok(A, methods="PUT"), Rule(body="no acao"))
    r = page(s, engine).fetch(f"{B}/x", method="PUT")
    assert r.reason is Reason.MISSING_ALLOW_ORIGIN
    assert r.failure is not None and not r.failure.preflight
    assert [q.method for q in s.log] == ["OPTIONS", "PUT"]


# --- unit: validate_preflight_response --------------------------------------------------------

def test_use_cors_preflight_flag_without_acam_allows_the_method() -> None:
    # fetch#cors-preflight-fetch-0: methods null + use-CORS-preflight flag → « request's method »
    from corssim import get_profile
    from corssim.preflight import validate_preflight_response

    v = validate_preflight_response(
        status=200, headers=Headers((("Access-Control-Allow-Origin", A),)), serialized_origin=A,
        credentials_include=False, method="POST", unsafe_names=[], request_header_order=[],
        use_cors_preflight=True, profile=get_profile("spec"),
    )
    assert v.ok
    assert v.methods == ("POST",)


@pytest.mark.parametrize("engine", BROWSERS)
def test_authorization_not_covered_with_credentials_anywhere(engine: str) -> None:
    # with credentials, `*` is a literal in every engine (facts §2.1-2.3)
    s = pf_server(methods="PUT", headers="*", credentials=True)
    r = page(s, engine).fetch(f"{B}/x", method="PUT", credentials="include", headers={"Authorization": "x"})
    assert r.reason is Reason.HEADER_NOT_ALLOWED
