"""Redirects (fetch#concept-http-redirect-fetch, fetch#concept-request-tainted-origin,
fetch#serializing-a-request-origin): taint and `Origin: null`, the CORS check on every hop,
userinfo in Location, 301/302/303 rewrites, Authorization dropped cross-origin, a fresh
classification and preflight per hop, the 20-redirect limit, manual and error modes.

Sources: the Fetch standard; WPT fetch/api/cors/cors-redirect*.any.js, cors/redirect-origin.htm,
cors-preflight-redirect.any.js; ../shared/reference/engines-observed.md.
"""

from __future__ import annotations

import pytest

from corssim import FakeServer, Rule, Reason

from corehelp import A, B, C, ENGINES, page

STAR = ("Access-Control-Allow-Origin", "*")


def redirect(host: str, path: str, location: str, *, status: int = 302, acao: str | None = "*",
             extra: list[tuple[str, str]] | None = None, method: str | None = None) -> Rule:
    h = [("Location", location)]
    if acao is not None:
        h.append(("Access-Control-Allow-Origin", acao))
    h += list(extra or [])
    return Rule(host=host, path=path, status=status, headers=h, method=method)


def final(host: str, path: str, acao: str | None = "*", body: str = "done", method: str | None = None,
          extra: list[tuple[str, str]] | None = None) -> Rule:
    h = [] if acao is None else [("Access-Control-Allow-Origin", acao)]
    return Rule(host=host, path=path, headers=h + list(extra or []), body=body, method=method)


def origins_sent(s: FakeServer) -> list[tuple[str, str, str | None]]:
    return [(q.method, q.url, q.headers.get("Origin")) for q in s.log]


# --- Origin after redirects (WPT cors-redirect.any.js; engines-observed) -----------------------

@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_same_origin_to_cors_keeps_the_origin(engine: str, status: int) -> None:
    # WPT cors-redirect: same-origin → cors: the real origin; engines-observed: A→B keeps Origin: A
    s = FakeServer([redirect(A, "/r", f"{B}/x", status=status, acao=None), final(B, "/x", acao=A)])
    r = page(s, engine).fetch(f"{A}/r")
    assert r.ok and not r.preflight_sent
    assert r.response_type == "cors"
    assert s.log[1].url == f"{B}/x"
    assert s.log[1].headers.get("Origin") == A


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_cors_to_same_cors_keeps_the_origin(engine: str, status: int) -> None:
    # WPT cors-redirect: cors → same cors: the real origin
    s = FakeServer([redirect(B, "/r", f"{B}/x", status=status, acao=A), final(B, "/x", acao=A)])
    r = page(s, engine).fetch(f"{B}/r")
    assert r.ok
    assert [o for _, _, o in origins_sent(s)] == [A, A]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_cors_to_another_cors_sends_null(engine: str, status: int) -> None:
    # WPT cors-redirect: cors → another cors: `null`; engines-observed: B→C carries Origin: null
    s = FakeServer([redirect(B, "/r", f"{C}/x", status=status), final(C, "/x", acao="*")])
    r = page(s, engine).fetch(f"{B}/r")
    assert r.ok
    assert [o for _, _, o in origins_sent(s)] == [A, "null"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("acao", "ok"), [("*", True), ("null", True), (A, False), (None, False)])
def test_tainted_hop_needs_star_or_null(engine: str, acao: str | None, ok: bool) -> None:
    # engines-observed: C answering ACAO * or null works, ACAO = page origin fails;
    # WPT redirect-origin.htm: remote → remote2 (* / null) passes with null
    s = FakeServer([redirect(B, "/r", f"{C}/x"), final(C, "/x", acao=acao)])
    r = page(s, engine).fetch(f"{B}/r")
    assert r.ok is ok
    if not ok:
        assert r.failure is not None and r.failure.url == f"{C}/x"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("acao", "ok"), [("*", True), ("null", True), (A, False), (None, False)])
def test_cors_back_to_the_page_origin_is_tainted(engine: str, acao: str | None, ok: bool) -> None:
    # WPT cors-redirect: cors → same-origin: `null`; engines-observed: B→A is tainted
    # (Origin: null), fails without ACAO; redirect-origin.htm: remote(*) → local(origin) fails,
    # remote(*) → local(*) passes with null, remote → local(null) passes
    s = FakeServer([redirect(B, "/r", f"{A}/x"), final(A, "/x", acao=acao)])
    r = page(s, engine).fetch(f"{B}/r")
    assert r.ok is ok
    assert s.log[1].headers.get("Origin") == "null"
    if ok:
        assert r.response_type == "cors"  # tainting stays cors (fetch#concept-main-fetch)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("acao", [None, "null"])
def test_first_cross_origin_hop_is_checked(engine: str, acao: str | None) -> None:
    # fetch#concept-http-fetch: the CORS check runs on each redirect response of a cors-tainted
    # request; WPT redirect-origin.htm: a hop lacking ACAO, or ACAO null on the first
    # cross-origin hop, fails
    s = FakeServer([redirect(B, "/r", f"{C}/x", acao=acao), final(C, "/x", acao="*")])
    r = page(s, engine).fetch(f"{B}/r")
    assert r.outcome == "network_error"
    assert [q.url for q in s.log] == [f"{B}/r"]  # C is never asked


@pytest.mark.parametrize("engine", ENGINES)
def test_same_origin_redirect_response_needs_no_acao(engine: str) -> None:
    # WPT redirect-origin.htm: local(*) → remote(*) passes with the real origin; a same-origin
    # (basic) redirect response is not CORS-checked
    s = FakeServer([redirect(A, "/r", f"{B}/x", acao=None), final(B, "/x", acao="*")])
    r = page(s, engine).fetch(f"{A}/r")
    assert r.ok and s.log[1].headers.get("Origin") == A
    assert r.response is not None and r.response.redirected and r.response.url == f"{B}/x"


# --- userinfo in Location (WPT cors-redirect-credentials.any.js) ---------------------------------

@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("userinfo", ["user:password@", "user:@", ":password@"])
@pytest.mark.parametrize(
    ("start", "target"),
    [
        pytest.param(A, B, id="same-origin->remote"),
        pytest.param(B, A, id="remote->same-origin"),
        pytest.param(B, B, id="remote->same-remote"),
        pytest.param(B, C, id="remote->other-remote"),
    ],
)
def test_userinfo_in_location_fails(engine: str, userinfo: str, start: str, target: str) -> None:
    loc = target.replace("http://", "http://" + userinfo) + "/x"
    s = FakeServer([redirect(start, "/r", loc, acao=None if start == A else "*"), final(target, "/x", acao="*")])
    r = page(s, engine).fetch(f"{start}/r")
    assert r.outcome == "network_error"
    assert r.reason is Reason.REDIRECT_CONTAINS_CREDENTIALS
    assert len(s.log) == 1


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("start", "target"), [(A, B), (B, A), (B, B), (B, C)])
def test_without_userinfo_it_succeeds(engine: str, start: str, target: str) -> None:
    s = FakeServer([redirect(start, "/r", f"{target}/x", acao=None if start == A else "*"),
                    final(target, "/x", acao="*")])
    assert page(s, engine).fetch(f"{start}/r").ok


def test_same_origin_userinfo_redirect_in_basic_chain_is_allowed() -> None:
    # fetch#concept-http-redirect-fetch steps 3-4: userinfo fails only when the location is
    # cross-origin (mode cors) or tainting is cors; A → user@A stays basic
    s = FakeServer([redirect(A, "/r", A.replace("http://", "http://u:p@") + "/x", acao=None),
                    final(A, "/x", acao=None, body="mine")])
    r = page(s, "spec").fetch(f"{A}/r")
    assert r.ok and r.response_type == "basic"


# --- method rewrite (fetch#concept-http-redirect-fetch step 6) -----------------------------------

@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("status", "method", "next_method"),
    [
        pytest.param(301, "POST", "GET", id="301-POST->GET"),
        pytest.param(302, "POST", "GET", id="302-POST->GET"),
        pytest.param(303, "POST", "GET", id="303-POST->GET"),
        pytest.param(303, "PUT", "GET", id="303-PUT->GET"),
        pytest.param(303, "DELETE", "GET", id="303-DELETE->GET"),
        pytest.param(303, "HEAD", "HEAD", id="303-HEAD-kept"),
        pytest.param(303, "GET", "GET", id="303-GET-kept"),
        pytest.param(301, "PUT", "PUT", id="301-PUT-kept"),
        pytest.param(302, "DELETE", "DELETE", id="302-DELETE-kept"),
        pytest.param(307, "POST", "POST", id="307-POST-kept"),
        pytest.param(308, "POST", "POST", id="308-POST-kept"),
    ],
)
def test_method_rewrite(engine: str, status: int, method: str, next_method: str) -> None:
    s = FakeServer([redirect(A, "/r", f"{A}/x", status=status, acao=None), final(A, "/x", acao=None)])
    body = None if method in ("GET", "HEAD") else "payload"
    headers = {"X-Keep": "1", "Content-Language": "fr"}
    if body is not None:
        headers["Content-Type"] = "text/plain"
    r = page(s, engine).fetch(f"{A}/r", method=method, body=body, headers=headers)
    assert r.ok
    second = s.log[1]
    assert second.method == next_method
    assert second.headers.get("X-Keep") == "1"
    if next_method != method:
        # the body goes, and so do the request-body headers (fetch#request-body-header-name)
        assert second.body is None
        for name in ("Content-Type", "Content-Language", "Content-Encoding", "Content-Location"):
            assert second.headers.get(name) is None, name
    elif body is not None:
        assert second.body == b"payload"
        assert second.headers.get("Content-Type") == "text/plain"


# --- Authorization on cross-origin hops (fetch#concept-http-redirect-fetch step 7) -------------

# WebKit still names the dropped Authorization in the next preflight (run1 gen-1-10, see
# test_authorization_after_cross_origin_hop_in_acrh); Firefox preflights anyway (below)
@pytest.mark.parametrize("engine", ["spec", "chromium"])
def test_authorization_dropped_on_cross_origin_hop(engine: str) -> None:
    s = FakeServer([redirect(A, "/r", f"{B}/x", acao=None), final(B, "/x", acao=A)])
    r = page(s, engine).fetch(f"{A}/r", headers={"Authorization": "Bearer t"})
    assert r.ok
    assert s.log[0].headers.get("Authorization") == "Bearer t"
    assert s.log[1].headers.get("Authorization") is None
    assert not r.preflight_sent  # nothing unsafe left for B: no preflight


def test_authorization_dropped_firefox_still_preflights() -> None:
    # observed in Firefox 153 (notes/browser-results/run1 firefox.redirects.engine.json,
    # redirect-authorization-dropped-cross-origin): Authorization is dropped on the A→B hop, yet
    # B gets a preflight (ACRM GET, no ACRH) before the GET
    s = FakeServer([
        Rule(host=B, method="OPTIONS", status=204, headers=[("Access-Control-Allow-Origin", A),
                                                            ("Access-Control-Allow-Methods", "GET"),
                                                            ("Access-Control-Allow-Headers", "authorization")]),
        redirect(A, "/r", f"{B}/x", acao=None), final(B, "/x", acao=A)])
    r = page(s, "firefox").fetch(f"{A}/r", headers={"Authorization": "Bearer t"})
    assert r.ok
    assert [(q.method, q.url) for q in s.log] == [("GET", f"{A}/r"), ("OPTIONS", f"{B}/x"), ("GET", f"{B}/x")]
    assert s.log[1].headers.get("Access-Control-Request-Method") == "GET"
    assert s.log[1].headers.get("Access-Control-Request-Headers") is None
    assert s.log[2].headers.get("Authorization") is None


@pytest.mark.parametrize("engine", ENGINES)
def test_authorization_kept_on_same_origin_hop(engine: str) -> None:
    s = FakeServer([
        Rule(host=B, method="OPTIONS", status=204, headers=[("Access-Control-Allow-Origin", A),
                                                            ("Access-Control-Allow-Headers", "authorization")]),
        redirect(B, "/r", f"{B}/x", acao=A), final(B, "/x", acao=A),
    ])
    r = page(s, engine).fetch(f"{B}/r", headers={"Authorization": "Bearer t"})
    assert r.ok
    actual = [q for q in s.log if q.method == "GET"]
    assert [q.headers.get("Authorization") for q in actual] == ["Bearer t", "Bearer t"]


# --- a preflight per hop (WPT cors-redirect-preflight.any.js) --------------------------------------

def _preflight_rule(host: str, origin: str) -> Rule:
    return Rule(host=host, method="OPTIONS", status=204, headers=[("Access-Control-Allow-Origin", origin),
                                                                  ("Access-Control-Allow-Headers", "x-w3c")])


@pytest.mark.parametrize("engine", ENGINES)
def test_preflight_per_hop_same_to_cors(engine: str) -> None:
    s = FakeServer([_preflight_rule(B, A), redirect(A, "/r", f"{B}/x", acao=None), final(B, "/x", acao=A)])
    r = page(s, engine).fetch(f"{A}/r", headers={"X-W3C": "1"})
    assert r.ok
    assert [(q.method, q.url) for q in s.log] == [("GET", f"{A}/r"), ("OPTIONS", f"{B}/x"), ("GET", f"{B}/x")]
    assert s.log[1].headers.get("Origin") == A
    assert s.log[1].headers.get("Access-Control-Request-Headers") == "x-w3c"


@pytest.mark.parametrize("engine", ["spec", "chromium", "webkit"])
def test_preflight_per_hop_cors_to_other(engine: str) -> None:
    # fetch#serializing-a-request-origin: the C hop is tainted, its preflight says Origin: null
    # (Chromium: preflight Origin is url::Origin() → null when tainted, facts §2.1)
    s = FakeServer([_preflight_rule(B, A), _preflight_rule(C, "null"),
                    redirect(B, "/r", f"{C}/x", acao=A), final(C, "/x", acao="null")])
    r = page(s, engine).fetch(f"{B}/r", headers={"X-W3C": "1"})
    assert r.ok, r.failure
    assert [(q.method, q.url) for q in s.log] == [("OPTIONS", f"{B}/r"), ("GET", f"{B}/r"),
                                                   ("OPTIONS", f"{C}/x"), ("GET", f"{C}/x")]
    assert s.log[2].headers.get("Origin") == "null"


def test_preflight_per_hop_cors_to_other_firefox() -> None:
    # observed in Firefox 153 (notes/browser-results/run1 firefox.redirects.engine.json,
    # redirect-cross-origin-put-preflights-next-hop-with-null): the preflight to C carries the
    # page's real origin, and C answering ACAO null fails it
    s = FakeServer([_preflight_rule(B, A), _preflight_rule(C, "null"),
                    redirect(B, "/r", f"{C}/x", acao=A), final(C, "/x", acao="null")])
    r = page(s, "firefox").fetch(f"{B}/r", headers={"X-W3C": "1"})
    assert r.outcome == "network_error"
    assert r.failure is not None and r.failure.preflight
    assert [(q.method, q.url) for q in s.log] == [("OPTIONS", f"{B}/r"), ("GET", f"{B}/r"), ("OPTIONS", f"{C}/x")]
    assert s.log[2].headers.get("Origin") == A


@pytest.mark.parametrize("engine", ["spec", "chromium", "webkit"])  # Firefox: not observed
def test_preflight_per_hop_cors_to_same(engine: str) -> None:
    # cors → same-origin: the hop back to A is tainted, so A needs its own preflight too
    s = FakeServer([_preflight_rule(B, A), _preflight_rule(A, "null"),
                    redirect(B, "/r", f"{A}/x", acao=A), final(A, "/x", acao="null")])
    r = page(s, engine).fetch(f"{B}/r", headers={"X-W3C": "1"})
    assert r.ok, r.failure
    assert [(q.method, q.url) for q in s.log] == [("OPTIONS", f"{B}/r"), ("GET", f"{B}/r"),
                                                   ("OPTIONS", f"{A}/x"), ("GET", f"{A}/x")]


@pytest.mark.parametrize("engine", ENGINES)
def test_second_hop_preflight_failure_fails(engine: str) -> None:
    s = FakeServer([_preflight_rule(B, A), Rule(host=C, method="OPTIONS", status=403),
                    redirect(B, "/r", f"{C}/x", acao=A), final(C, "/x", acao="*")])
    r = page(s, engine).fetch(f"{B}/r", headers={"X-W3C": "1"})
    assert r.outcome == "network_error"
    assert r.failure is not None and r.failure.preflight


# --- limits and modes ------------------------------------------------------------------------------

def _chain(hops: int) -> FakeServer:
    rules = [redirect(A, f"/r{i}", f"{A}/r{i + 1}", acao=None) for i in range(hops)]
    rules.append(final(A, f"/r{hops}", acao=None, body="end"))
    return FakeServer(rules)


@pytest.mark.parametrize("engine", ENGINES)
def test_twenty_redirects_are_followed(engine: str) -> None:
    # fetch#concept-http-redirect-fetch: a network error only when the count is already 20
    s = _chain(20)
    r = page(s, engine).fetch(f"{A}/r0")
    assert r.ok and r.body == "end"
    assert len(s.log) == 21


@pytest.mark.parametrize("engine", ENGINES)
def test_twenty_first_redirect_fails(engine: str) -> None:
    s = _chain(21)
    r = page(s, engine).fetch(f"{A}/r0")
    assert r.outcome == "network_error" and r.reason is Reason.TOO_MANY_REDIRECTS
    assert len(s.log) == 21  # the 21st Location is never requested


@pytest.mark.parametrize("engine", ENGINES)
def test_redirect_mode_error(engine: str) -> None:
    s = FakeServer([redirect(B, "/r", f"{B}/x", acao=A), final(B, "/x", acao=A)])
    r = page(s, engine).fetch(f"{B}/r", redirect="error")
    assert r.outcome == "network_error" and r.reason is Reason.REDIRECT_MODE_ERROR
    assert len(s.log) == 1


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("start", [A, B])
def test_redirect_mode_manual(engine: str, start: str) -> None:
    # engines-observed: redirect "manual" gives opaqueredirect, status 0
    s = FakeServer([redirect(start, "/r", f"{C}/x", acao=A if start != A else None), final(C, "/x", acao="*")])
    r = page(s, engine).fetch(f"{start}/r", redirect="manual")
    assert r.ok
    assert r.response_type == "opaqueredirect"
    assert r.status == 0
    assert r.readable_headers == {}
    assert r.body in ("", None)
    assert len(s.log) == 1


@pytest.mark.parametrize("engine", ENGINES)
def test_redirect_without_location_is_the_response(engine: str) -> None:
    # fetch#concept-http-redirect-fetch step 1 (via HTTP fetch): no Location → returned as is
    s = FakeServer([Rule(host=B, status=302, headers=[STAR], body="stay")])
    r = page(s, engine).fetch(f"{B}/r")
    assert r.ok and r.status == 302 and r.body == "stay" and len(s.log) == 1


@pytest.mark.parametrize("engine", ENGINES)
def test_location_on_a_non_redirect_status_is_ignored(engine: str) -> None:
    s = FakeServer([Rule(host=B, status=200, headers=[STAR, ("Location", f"{C}/x")], body="here")])
    r = page(s, engine).fetch(f"{B}/r")
    assert r.ok and r.body == "here" and len(s.log) == 1


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("location", "reason"), [
    ("data:text/plain,x", Reason.REDIRECT_NON_HTTP_SCHEME),
    ("ftp://127.0.0.2/x", Reason.REDIRECT_NON_HTTP_SCHEME),
    ("http://[", Reason.INVALID_REDIRECT_LOCATION),
])
def test_bad_location(engine: str, location: str, reason: Reason) -> None:
    # fetch#concept-http-redirect-fetch: an unparsable or non-HTTP(S) Location → network error
    s = FakeServer([redirect(B, "/r", location, acao=A)])
    r = page(s, engine).fetch(f"{B}/r")
    assert r.outcome == "network_error" and r.reason is reason and len(s.log) == 1


@pytest.mark.parametrize("engine", ENGINES)
def test_relative_location_resolves_against_the_current_url(engine: str) -> None:
    s = FakeServer([redirect(B, "/dir/r", "next?q=1", acao=A), final(B, "/dir/next", acao=A)])
    r = page(s, engine).fetch(f"{B}/dir/r")
    assert r.ok
    assert s.log[1].url == f"{B}/dir/next?q=1"


@pytest.mark.parametrize("engine", ENGINES)
def test_no_cors_follows_redirects_opaquely(engine: str) -> None:
    s = FakeServer([redirect(B, "/r", f"{C}/x", acao=None), final(C, "/x", acao=None)])
    r = page(s, engine).fetch(f"{B}/r", mode="no-cors")
    assert r.ok and r.response_type == "opaque" and r.status == 0
    assert len(s.log) == 2


@pytest.mark.parametrize(("engine", "acrh"), [("chromium", None), ("webkit", "authorization")])
def test_authorization_after_cross_origin_hop_in_acrh(engine: str, acrh: str | None) -> None:
    # observed run1 gen-1-10 (/work/notes/browser-results/run1/*.generated-seed1-n300.engine.json):
    # same-origin PUT with Authorization → 301 → B. Every engine drops Authorization from the
    # wire; Chromium's preflight to B names no headers, WebKit's still says ACRH authorization
    s = FakeServer([
        Rule(host=B, method="OPTIONS", status=204, headers=[("Access-Control-Allow-Origin", A),
                                                            ("Access-Control-Allow-Methods", "PUT"),
                                                            ("Access-Control-Allow-Headers", "authorization")]),
        redirect(A, "/r", f"{B}/x", status=301, acao=None), final(B, "/x", acao=A)])
    r = page(s, engine).fetch(f"{A}/r", method="PUT", headers={"Authorization": "Basic dTpw"})
    assert r.ok, r.failure
    assert [(q.method, q.url) for q in s.log] == [("PUT", f"{A}/r"), ("OPTIONS", f"{B}/x"), ("PUT", f"{B}/x")]
    assert s.log[1].headers.get("Access-Control-Request-Headers") == acrh
    assert s.log[2].headers.get("Authorization") is None


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_stream_body_cannot_be_redirected(status: int) -> None:
    # fetch#concept-http-redirect-fetch: status ≠ 303 with a body whose source is null (a stream)
    # → network error (checked before any method rewrite)
    from corssim import Body

    s = FakeServer([redirect(A, "/r", f"{A}/x", status=status, acao=None), final(A, "/x", acao=None)])
    r = page(s, "spec").fetch(f"{A}/r", method="POST", body=Body("stream", b"x"), duplex="half")
    assert r.outcome == "network_error"
    assert len(s.log) == 1


def test_stream_body_303_is_followed_as_get() -> None:
    from corssim import Body

    s = FakeServer([redirect(A, "/r", f"{A}/x", status=303, acao=None), final(A, "/x", acao=None)])
    r = page(s, "spec").fetch(f"{A}/r", method="POST", body=Body("stream", b"x"), duplex="half")
    assert r.ok
    assert s.log[1].method == "GET" and s.log[1].body is None


def test_authorization_dropped_webkit_get_still_named() -> None:
    # observed run2 (/work/notes/browser-results/run2/webkit.redirects.engine.json,
    # redirect-authorization-dropped-cross-origin): A GET with Authorization → 302 → B:
    # `B OPTIONS` with ACRH authorization, then `B GET` without Authorization
    s = FakeServer([
        Rule(host=B, method="OPTIONS", status=204, headers=[("Access-Control-Allow-Origin", A),
                                                            ("Access-Control-Allow-Headers", "authorization")]),
        redirect(A, "/r", f"{B}/x", acao=None), final(B, "/x", acao=A)])
    r = page(s, "webkit").fetch(f"{A}/r", headers={"Authorization": "Bearer t"})
    assert r.ok, r.failure
    assert [(q.method, q.url) for q in s.log] == [("GET", f"{A}/r"), ("OPTIONS", f"{B}/x"), ("GET", f"{B}/x")]
    assert s.log[1].headers.get("Access-Control-Request-Headers") == "authorization"
    assert s.log[2].headers.get("Authorization") is None


@pytest.mark.parametrize(("engine", "kept"), [("chromium", False), ("firefox", True), ("webkit", True)])
def test_client_hint_headers_on_a_cross_origin_hop(engine: str, kept: bool) -> None:
    # observed in /work/notes/browser-results/bulk-seed2-n1000/*.generated-seed2-n1000.engine.json
    # gen-2-429 (DPR), gen-2-482 (DPR), gen-2-675 (Viewport-Width): Chromium keeps a script-set
    # client-hint header on same-origin hops and drops it when the redirect goes to another origin;
    # Firefox and WebKit keep it (so B gets a preflight naming dpr)
    s = FakeServer([
        Rule(host=B, method="OPTIONS", status=204, headers=[("Access-Control-Allow-Origin", A),
                                                            ("Access-Control-Allow-Credentials", "true"),
                                                            ("Access-Control-Allow-Headers", "dpr")]),
        redirect(A, "/r0", f"{A}/r1", status=301, acao=None), redirect(A, "/r1", f"{B}/x", status=301, acao=None),
        final(B, "/x", acao=A, extra=[("Access-Control-Allow-Credentials", "true")]),
    ])
    r = page(s, engine).fetch(f"{A}/r0", method="POST", body="hello", headers={"DPR": "2"}, credentials="include")
    assert r.ok, r.failure
    assert s.log[1].headers.get("DPR") == "2"  # same-origin hop: kept everywhere
    final_get = s.log[-1]
    assert final_get.url == f"{B}/x" and final_get.method == "GET"
    assert (final_get.headers.get("DPR") == "2") is kept
    assert r.preflight_sent is kept


@pytest.mark.parametrize(("engine", "kept"), [("chromium", False), ("firefox", True), ("webkit", True)])
def test_client_hint_headers_on_a_hop_within_another_origin(engine: str, kept: bool) -> None:
    # seed-4 gen-4-489 (DPR, C→C) and gen-4-807 (Viewport-Width, B→B): Chromium drops the hint on a
    # redirect to a URL of another origin than the page's even when the redirect stays on B
    allow = [("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", "PUT"),
             ("Access-Control-Allow-Headers", "x-a, viewport-width")]
    s = FakeServer([Rule(host=B, method="OPTIONS", status=204, headers=allow),
                    redirect(B, "/r", f"{B}/x", status=307), final(B, "/x")])
    r = page(s, engine).fetch(f"{B}/r", method="PUT", headers={"Viewport-Width": "800", "X-A": "1"})
    assert r.ok, r.failure
    puts = [q for q in s.log if q.method == "PUT"]
    assert puts[0].headers.get("Viewport-Width") == "800"
    assert (puts[1].headers.get("Viewport-Width") == "800") is kept


def test_chromium_client_hint_kept_back_on_the_page_origin() -> None:
    # seed-4 gen-4-439: POST B 303 → A 301 → B with Viewport-Width "8x" (not safelisted): the hop
    # back to A keeps it (so A is preflighted, the taint makes it a CORS request), B's drops it
    allow = [("Access-Control-Allow-Origin", "null"), ("Access-Control-Allow-Methods", "GET, POST"),
             ("Access-Control-Allow-Headers", "viewport-width")]
    s = FakeServer([
        Rule(host=A, method="OPTIONS", status=204, headers=allow),
        Rule(host=B, method="OPTIONS", status=204, headers=[("Access-Control-Allow-Origin", A), *allow[1:]]),
        redirect(B, "/0", f"{A}/1", status=303, acao=A), redirect(A, "/1", f"{B}/2", status=301, acao="null"),
        final(B, "/2", acao="null"),
    ])
    r = page(s, "chromium").fetch(f"{B}/0", method="POST", body="{}", headers={"Viewport-Width": "8x"})
    assert r.ok, r.failure
    assert [(q.method, q.url, q.headers.get("Viewport-Width")) for q in s.log] == [
        ("OPTIONS", f"{B}/0", None), ("POST", f"{B}/0", "8x"), ("OPTIONS", f"{A}/1", None),
        ("GET", f"{A}/1", "8x"), ("GET", f"{B}/2", None)]
