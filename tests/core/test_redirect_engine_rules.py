"""Engine rules for redirect chains that the standard does not have (spec_notes/engines.md):

* WebKit checks a redirect of an already cross-origin load again with the credentials policy it
  fixed when the load started (`redirect_recheck_with_start_credentials`);
* Firefox and WebKit send the request-body headers again on hops after a POST→GET rewrite
  (`body_headers_after_rewrite`), and Firefox's later preflights name them again
  (`preflight_body_headers_only_dropped_on_rewrite_hop`).

Every expectation is what WebKitGTK 2.50.6, Firefox ESR 153 and Chromium 156 did with the same
chain on loopback (probe files and results in spec_notes/evidence/session2-probes.tar.xz:
exp-webkit-chains/ w01-w40, exp-content-type/ exp1-exp4); `spec` follows the standard.
"""

from __future__ import annotations

import pytest

from corssim import FakeServer, Reason, Rule

from corehelp import A, B, C, ENGINES, page


def hop(host: str, path: str, location: str | None = None, *, status: int = 302,
        acao: str | None = "*", extra: tuple[tuple[str, str], ...] = (), method: str | None = None) -> Rule:
    h: list[tuple[str, str]] = []
    if location is not None:
        h.append(("Location", location))
    else:
        status = 200
    if acao is not None:
        h.append(("Access-Control-Allow-Origin", acao))
    return Rule(host=host, path=path, method=method, status=status, headers=h + list(extra), body="done")


def sent(s: FakeServer) -> list[tuple[str, str]]:
    return [(q.method, q.url) for q in s.log]


# --- WebKit: the redirect re-check -------------------------------------------------------------

@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("credentials", [None, "same-origin"])
def test_star_on_a_second_redirect_fails_in_webkit_only(engine: str, credentials: str | None) -> None:
    # probes w01 (default credentials), w08 (explicit same-origin): A 302 → B 302 (ACAO *) → C
    s = FakeServer([hop(A, "/0", f"{B}/1", acao=None), hop(B, "/1", f"{C}/2"), hop(C, "/2")])
    init = {} if credentials is None else {"credentials": credentials}
    r = page(s, engine).fetch(f"{A}/0", **init)
    if engine == "webkit":
        assert not r.ok
        assert r.reason is Reason.WILDCARD_ORIGIN_WITH_CREDENTIALS
        assert r.failure is not None and r.failure.url == f"{B}/1" and r.failure.status == 302
        assert sent(s) == [("GET", f"{A}/0"), ("GET", f"{B}/1")]  # C is never requested
        assert any(d.name == "redirect-recheck" and not d.passed for d in r.decisions)
    else:
        assert r.ok and r.body == "done"
        assert len(s.log) == 3


@pytest.mark.parametrize(("b_headers", "ok"), [
    ((("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Credentials", "true")), True),   # w03
    ((("Access-Control-Allow-Origin", A),), False),                                             # w02
    ((("Access-Control-Allow-Origin", A), ("Access-Control-Allow-Credentials", "True")), False),  # w18
    ((("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Credentials", "true")), False),  # w15
])
def test_webkit_recheck_wants_a_credentialed_answer(b_headers: tuple[tuple[str, str], ...], ok: bool) -> None:
    s = FakeServer([hop(A, "/0", f"{B}/1", acao=None),
                    Rule(host=B, path="/1", status=302, headers=[("Location", f"{C}/2"), *b_headers]),
                    hop(C, "/2")])
    r = page(s, "webkit").fetch(f"{A}/0")
    assert r.ok is ok
    assert len(s.log) == (3 if ok else 2)


@pytest.mark.parametrize(("start", "init"), [
    (f"{A}/0", {"credentials": "omit"}),   # w04: nothing to count as sent
    (f"{B}/0", {}),                        # w09: the load starts cross-origin
])
def test_webkit_recheck_does_not_apply(start: str, init: dict[str, str]) -> None:
    s = FakeServer([hop(A, "/0", f"{B}/1", acao=None), hop(B, "/0", f"{B}/1"), hop(B, "/1", f"{C}/2"),
                    hop(C, "/2")])
    r = page(s, "webkit").fetch(start, **init)
    assert r.ok and r.body == "done"


def test_webkit_first_redirect_and_final_response_are_not_rechecked() -> None:
    # w10: A 302 → B 200 (ACAO *): only the standard check, which passes without credentials
    s = FakeServer([hop(A, "/0", f"{B}/1", acao=None), hop(B, "/1")])
    assert page(s, "webkit").fetch(f"{A}/0").ok


def test_webkit_recheck_fails_after_the_next_preflight() -> None:
    # gen-1-75 / w20: PUT A 308 → B 302 (ACAO *) → C: C's preflight (Origin: null, answered
    # ACAO null) is sent, then the load fails before the PUT to C
    s = FakeServer([
        hop(A, "/0", f"{B}/1", status=308, acao=None),
        Rule(host=B, method="OPTIONS", status=204, headers=[("Access-Control-Allow-Origin", A),
                                                             ("Access-Control-Allow-Methods", "PUT")]),
        hop(B, "/1", f"{C}/2", method="PUT"),
        Rule(host=C, method="OPTIONS", status=204, headers=[("Access-Control-Allow-Origin", "null"),
                                                             ("Access-Control-Allow-Methods", "PUT")]),
        hop(C, "/2", acao="null", method="PUT"),
    ])
    r = page(s, "webkit").fetch(f"{A}/0", method="PUT", body="x")
    assert not r.ok
    assert sent(s)[-1] == ("OPTIONS", f"{C}/2")
    assert s.log[-1].headers.get("Origin") == "null"
    for engine in ("chromium", "spec"):  # (Firefox's preflight carries the real origin: not this server)
        s.log.clear()
        assert page(s, engine).fetch(f"{A}/0", method="PUT", body="x").ok, engine


# --- body headers after a POST→GET rewrite ------------------------------------------------------

def content_types(s: FakeServer) -> list[tuple[str, str, str | None]]:
    return [(q.method, q.url, q.headers.get("Content-Type")) for q in s.log if q.method != "OPTIONS"]


@pytest.mark.parametrize(("engine", "back"), [("spec", False), ("chromium", False), ("firefox", True),
                                              ("webkit", True)])
def test_content_type_back_after_302_then_307(engine: str, back: bool) -> None:
    # gen-1-221 (Firefox), exp1 ct-str-bcb-302-307: POST "hello" B 302 → C (GET) 307 → B
    s = FakeServer([hop(B, "/0", f"{C}/1"), hop(C, "/1", f"{B}/2", status=307), hop(B, "/2")])
    r = page(s, engine).fetch(f"{B}/0", method="POST", body="hello", credentials="omit")
    assert r.ok
    cts = content_types(s)
    assert cts[0] == ("POST", f"{B}/0", "text/plain;charset=UTF-8")
    assert cts[1] == ("GET", f"{C}/1", None)  # the rewrite hop never has it
    assert cts[2] == ("GET", f"{B}/2", "text/plain;charset=UTF-8" if back else None)
    assert all(q.body in (None, b"") for q in s.log[1:])  # the body never comes back


@pytest.mark.parametrize(("engine", "back"), [("chromium", False), ("firefox", False), ("webkit", True)])
def test_content_type_back_after_302_then_302_cross_origin(engine: str, back: bool) -> None:
    # gen-1-150 (WebKit): the chain left the page's origin, so WebKit's checker refills the hop;
    # Firefox strips again on a 302 (the original method was POST)
    s = FakeServer([hop(B, "/0", f"{C}/1"), hop(C, "/1", f"{B}/2"), hop(B, "/2")])
    assert page(s, engine).fetch(f"{B}/0", method="POST", body="hello", credentials="omit").ok
    assert content_types(s)[2][2] == ("text/plain;charset=UTF-8" if back else None)


@pytest.mark.parametrize(("second", "back"), [(303, False), (307, True)])
def test_webkit_same_origin_chain_only_after_307(second: int, back: bool) -> None:
    # exp1/exp3 AAA chains: no CORS check, so only the 307/308 copy brings Content-Type back
    s = FakeServer([hop(A, "/0", f"{A}/1", acao=None), hop(A, "/1", f"{A}/2", status=second, acao=None),
                    hop(A, "/2", acao=None)])
    assert page(s, "webkit").fetch(f"{A}/0", method="POST", body="hello").ok
    assert content_types(s)[2][2] == ("text/plain;charset=UTF-8" if back else None)


@pytest.mark.parametrize(("api", "back"), [("fetch", True), ("xhr", False)])
def test_firefox_xhr_restores_only_script_set_headers(api: str, back: bool) -> None:
    # exp3: Firefox's XHR re-applies its author headers, not the body's implied Content-Type
    s = FakeServer([hop(B, "/0", f"{C}/1"), hop(C, "/1", f"{B}/2", status=307), hop(B, "/2")])
    p = page(s, "firefox")
    r = (p.fetch(f"{B}/0", method="POST", body="hello", credentials="omit") if api == "fetch"
         else p.xhr(f"{B}/0", method="POST", body="hello"))
    assert r.ok
    assert content_types(s)[2][2] == ("text/plain;charset=UTF-8" if back else None)


def test_firefox_put_rewritten_by_303_gets_them_back_after_302() -> None:
    # exp4: the strip decision uses the original method (PUT: only a 303 rewrites it)
    allow = [("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", "PUT, GET"),
             ("Access-Control-Allow-Headers", "content-type")]
    s = FakeServer([
        Rule(method="OPTIONS", status=204, headers=allow),  # Firefox keeps preflighting after the rewrite
        hop(B, "/0", f"{C}/1", status=303), hop(C, "/1", f"{B}/2"), hop(B, "/2")])
    assert page(s, "firefox").fetch(f"{B}/0", method="PUT", body="hello", credentials="omit").ok
    assert [ct for _, _, ct in content_types(s)] == ["text/plain;charset=UTF-8", None, "text/plain;charset=UTF-8"]


@pytest.mark.parametrize(("engine", "ok"), [("chromium", True), ("firefox", False), ("webkit", False)])
def test_firefox_later_preflight_names_content_type_again(engine: str, ok: bool) -> None:
    # exp3 ct3-*-hop2-pf-no-ct: POST json B 302 → C 302 → B; B's preflight for the last hop does
    # not allow content-type. Firefox's preflight names it (and fails); the GET itself has none.
    # (WebKit's preflights name the original headers on every hop, so it fails there too.)
    json_type = ("Content-Type", "application/json")
    s = FakeServer([
        Rule(host=B, path="/0", method="OPTIONS", status=204, headers=[
            ("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", "POST"),
            ("Access-Control-Allow-Headers", "content-type")]),
        Rule(host=B, path="/2", method="OPTIONS", status=204, headers=[
            ("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", "GET")]),
        Rule(host=C, method="OPTIONS", status=204, headers=[
            ("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", "GET"),
            ("Access-Control-Allow-Headers", "content-type")]),
        hop(B, "/0", f"{C}/1"), hop(C, "/1", f"{B}/2"), hop(B, "/2")])
    r = page(s, engine).fetch(f"{B}/0", method="POST", headers=[json_type], body="{}", credentials="omit")
    assert r.ok is ok
    if engine == "firefox":
        assert r.reason is Reason.HEADER_NOT_ALLOWED and r.failure is not None and r.failure.preflight
        last = s.log[-1]
        assert (last.method, last.url) == ("OPTIONS", f"{B}/2")
        assert last.headers.get("Access-Control-Request-Headers") == "content-type"


# --- WebKit: DELETE redirected to another origin --------------------------------------------------

@pytest.mark.parametrize("status", [301, 302, 307, 308])
@pytest.mark.parametrize(("engine", "as_get"), [("spec", False), ("chromium", False), ("firefox", False),
                                                ("webkit", True)])
def test_delete_redirected_to_another_origin(engine: str, as_get: bool, status: int) -> None:
    # probes exp-delete d1-bc-*: DELETE B → C. WebKit sends a GET without body that keeps the
    # Content-Type, after a preflight asking GET; the others keep DELETE (only 303 rewrites it)
    allow = [("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", "DELETE, GET"),
             ("Access-Control-Allow-Headers", "x-custom")]
    s = FakeServer([Rule(method="OPTIONS", status=204, headers=allow),
                    hop(B, "/0", f"{C}/1", status=status), hop(C, "/1")])
    r = page(s, engine).fetch(f"{B}/0", method="DELETE", body="x", headers={"X-Custom": "1"},
                              credentials="omit")
    assert r.ok, r.failure
    c_pre = [q for q in s.log if q.url == f"{C}/1" and q.method == "OPTIONS"]
    c_req = [q for q in s.log if q.url == f"{C}/1" and q.method != "OPTIONS"]
    assert c_pre and c_pre[0].headers.get("Access-Control-Request-Method") == ("GET" if as_get else "DELETE")
    assert c_req[0].method == ("GET" if as_get else "DELETE")
    assert (c_req[0].body in (None, b"")) is as_get
    assert c_req[0].headers.get("Content-Type") == "text/plain;charset=UTF-8"


@pytest.mark.parametrize("status", [301, 307])
def test_webkit_delete_kept_within_one_origin(status: int) -> None:
    # probes d1-bb-*: B → B keeps DELETE and its body
    s = FakeServer([Rule(method="OPTIONS", status=204, headers=[
        ("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", "DELETE")]),
        hop(B, "/0", f"{B}/1", status=status), hop(B, "/1")])
    assert page(s, "webkit").fetch(f"{B}/0", method="DELETE", body="x", credentials="omit").ok
    assert [q.method for q in s.log if q.method != "OPTIONS"] == ["DELETE", "DELETE"]
    assert s.log[-1].body == b"x"
