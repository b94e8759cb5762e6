"""WebKit's second check of a redirect (profiles.redirect_recheck_with_start_credentials): the
console line names the redirect's target, the verdict says which check failed, and the fix offers
credentials 'omit' instead of the usual advice for a credentialed fetch."""

from __future__ import annotations

import pytest

from corssim import FakeServer, Page, Rule
from corssim import explain as ex

A, B, C = "http://127.0.0.1:8801", "http://127.0.0.2:8802", "http://127.0.0.3:8803"


def chain(b_headers: list[tuple[str, str]]) -> FakeServer:
    return FakeServer([
        Rule(host=A, path="/0", status=302, headers=[("Location", f"{B}/1")]),
        Rule(host=B, path="/1", status=302, headers=[("Location", f"{C}/2"), *b_headers]),
        Rule(host=C, path="/2", headers=[("Access-Control-Allow-Origin", "*")], body="x"),
    ])


@pytest.mark.parametrize(("b_headers", "detail"), [
    ([("Access-Control-Allow-Origin", "*")], "Cannot use wildcard in Access-Control-Allow-Origin"),
    ([("Access-Control-Allow-Origin", A)], "Access-Control-Allow-Credentials"),
])
def test_webkit_recheck_console_and_fix(b_headers: list[tuple[str, str]], detail: str) -> None:
    r = Page(A, server=chain(b_headers), browser="webkit").fetch(f"{A}/0")
    assert not r.ok
    entry = ex.console_entry(r)
    assert entry is not None
    assert entry.text.startswith(f"Cross-origin redirection to {C}/2 denied by Cross-Origin Resource Sharing policy: ")
    assert detail in entry.text
    assert "second check" in ex.short_reason(r)
    fix = ex.fix(r)
    assert any("credentials: 'omit'" in line for line in fix.request_changes)
    assert fix.applies_to.endswith(f"{B}/1")
    assert f"Cross-origin redirection to {C}/2" in r.explain()


def test_other_failures_keep_their_wording() -> None:
    # the same chain failing at C's final response (standard check) is not a re-check
    s = FakeServer([
        Rule(host=A, path="/0", status=302, headers=[("Location", f"{B}/1")]),
        Rule(host=B, path="/1", status=302, headers=[("Location", f"{C}/2"), ("Access-Control-Allow-Origin", A),
                                                     ("Access-Control-Allow-Credentials", "true")]),
        Rule(host=C, path="/2", body="x"),
    ])
    r = Page(A, server=s, browser="webkit").fetch(f"{A}/0")
    assert not r.ok
    entry = ex.console_entry(r)
    assert entry is not None and not entry.text.startswith("Cross-origin redirection")
    assert "second check" not in ex.short_reason(r)
