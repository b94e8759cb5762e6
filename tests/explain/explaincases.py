"""Classic CORS failures, each produced through the real model (Page + FakeServer).

Shared by the golden tests; every case names the Reason it must produce, so a change in the
model that alters the failure is caught before the golden comparison.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from corssim import FakeServer, Page, Reason, Result, Rule

APP = "https://app.example"
API = "https://api.example"


@attrs.frozen
class Case:
    name: str
    reason: Reason  # the failure it must produce (unused for ALLOWED cases)
    preflight: bool
    run: Callable[[str], Result]  # browser -> Result


def _missing_acao(browser: str) -> Result:
    api = FakeServer([Rule(path="/data", body='{"ok": true}')])
    return Page(APP, server=api, browser=browser).fetch(f"{API}/data")


def _acao_mismatch(browser: str) -> Result:
    api = FakeServer([Rule(headers=[("Access-Control-Allow-Origin", "https://www.app.example")], body="x")])
    return Page(APP, server=api, browser=browser).fetch(f"{API}/data")


def _wildcard_with_credentials(browser: str) -> Result:
    api = FakeServer([Rule(headers=[("Access-Control-Allow-Origin", "*")], body="secret")])
    return Page(APP, server=api, browser=browser).fetch(f"{API}/account", credentials="include")


def _acac_missing(browser: str) -> Result:
    api = FakeServer([Rule(headers=[("Access-Control-Allow-Origin", APP), ("Vary", "Origin")], body="secret")])
    return Page(APP, server=api, browser=browser).fetch(f"{API}/account", credentials="include")


def _preflight_header_not_allowed(browser: str) -> Result:
    api = FakeServer([
        Rule(method="OPTIONS", status=204, headers=[
            ("Access-Control-Allow-Origin", APP),
            ("Access-Control-Allow-Methods", "GET, POST"),
            ("Access-Control-Allow-Headers", "Content-Type"),
        ]),
        Rule(headers=[("Access-Control-Allow-Origin", APP)], body="{}"),
    ])
    return Page(APP, server=api, browser=browser).fetch(
        f"{API}/items", method="POST", headers={"Content-Type": "application/json", "X-Api-Key": "k1"}, body="{}"
    )


def _lowercase_patch(browser: str) -> Result:
    api = FakeServer([
        Rule(method="OPTIONS", status=204, headers=[
            ("Access-Control-Allow-Origin", APP),
            ("Access-Control-Allow-Methods", "GET, POST, PATCH"),
        ]),
        Rule(headers=[("Access-Control-Allow-Origin", APP)], body="{}"),
    ])
    return Page(APP, server=api, browser=browser).fetch(f"{API}/items/7", method="patch", body="x")


def _preflight_404(browser: str) -> Result:
    api = FakeServer([
        # a CORS middleware adds the header to every answer, but routing knows no OPTIONS here
        Rule(method="PUT", path="/items/7", headers=[("Access-Control-Allow-Origin", APP)], body="{}"),
        Rule(status=404, headers=[("Access-Control-Allow-Origin", APP)], body="not found"),
    ])
    return Page(APP, server=api, browser=browser).fetch(f"{API}/items/7", method="PUT", body="x")


def _redirect_origin_null(browser: str) -> Result:
    api = FakeServer([
        Rule(host=API, path="/old", status=302,
             headers=[("Location", "https://cdn.example/new"), ("Access-Control-Allow-Origin", APP)]),
        Rule(host="https://cdn.example", path="/new", headers=[("Access-Control-Allow-Origin", APP)], body="x"),
    ])
    return Page(APP, server=api, browser=browser).fetch(f"{API}/old")


CASES: tuple[Case, ...] = (
    Case("missing_acao", Reason.MISSING_ALLOW_ORIGIN, False, _missing_acao),
    Case("acao_mismatch", Reason.ALLOW_ORIGIN_MISMATCH, False, _acao_mismatch),
    Case("wildcard_with_credentials", Reason.WILDCARD_ORIGIN_WITH_CREDENTIALS, False, _wildcard_with_credentials),
    Case("acac_missing", Reason.INVALID_ALLOW_CREDENTIALS, False, _acac_missing),
    Case("preflight_header_not_allowed", Reason.HEADER_NOT_ALLOWED, True, _preflight_header_not_allowed),
    Case("lowercase_patch", Reason.METHOD_NOT_ALLOWED, True, _lowercase_patch),
    Case("preflight_404", Reason.PREFLIGHT_INVALID_STATUS, True, _preflight_404),
    Case("redirect_origin_null", Reason.ALLOW_ORIGIN_MISMATCH, False, _redirect_origin_null),
)


def _put_cached(browser: str) -> Result:
    """A PUT allowed after a preflight, then a second PUT answered from the preflight cache."""
    api = FakeServer([
        Rule(method="OPTIONS", status=204, headers=[
            ("Access-Control-Allow-Origin", APP), ("Access-Control-Allow-Methods", "PUT"),
            ("Access-Control-Allow-Headers", "Content-Type"), ("Access-Control-Max-Age", "600"),
        ]),
        Rule(headers=[("Access-Control-Allow-Origin", APP), ("Access-Control-Expose-Headers", "ETag"),
                      ("ETag", '"v2"')], body='{"ok": true}'),
    ])
    page = Page(APP, server=api, browser=browser)
    first = page.fetch(f"{API}/items/7", method="PUT", headers={"Content-Type": "application/json"}, body="{}")
    assert first.ok and first.preflight_sent
    page.wait(30)
    return page.fetch(f"{API}/items/7", method="PUT", headers={"Content-Type": "application/json"}, body="{}")


ALLOWED: tuple[Case, ...] = (Case("put_cached", Reason.MISSING_ALLOW_ORIGIN, False, _put_cached),)
