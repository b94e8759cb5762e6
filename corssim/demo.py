"""`corssim demo`: classic CORS cases against a built-in fake API, printed as traces.

Nothing to set up: the API is a `FakeServer` at https://api.example, the page is at
https://app.example.
"""

from __future__ import annotations

from collections.abc import Callable

from corssim.page import Page
from corssim.result import Result
from corssim.scenario import FakeServer, Rule

__all__ = ["demo_api", "demo_cases", "run_demo"]

APP = "https://app.example"
API = "https://api.example"


def demo_api() -> FakeServer:
    """A small API with one endpoint per lesson."""
    acao_app = ("Access-Control-Allow-Origin", APP)
    return FakeServer([
        Rule(path="/public", headers=[("Access-Control-Allow-Origin", "*"), ("Content-Type", "text/plain")],
             body="hello, anyone"),
        Rule(path="/private", headers=[("Content-Type", "text/plain")], body="no CORS headers here"),
        Rule(path="/items", method="OPTIONS", status=204,
             headers=[acao_app, ("Access-Control-Allow-Methods", "GET, POST, PUT"),
                      ("Access-Control-Allow-Headers", "Content-Type"), ("Access-Control-Max-Age", "600"), ("Vary", "Origin")]),
        Rule(path="/items", headers=[acao_app, ("Content-Type", "application/json"), ("X-Request-Id", "42"),
                                     ("Access-Control-Expose-Headers", "X-Request-Id"), ("Vary", "Origin")],
             body='{"ok": true}'),
        Rule(path="/wildcard", method="OPTIONS", status=204,
             headers=[("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", "*"),
                      ("Access-Control-Allow-Headers", "*")]),
        Rule(path="/wildcard", headers=[("Access-Control-Allow-Origin", "*")], body="wildcards"),
        Rule(path="/account", headers=[("Access-Control-Allow-Origin", "*"), ("Content-Type", "application/json")],
             body='{"balance": 1}'),
        Rule(path="/moved", status=302, headers=[("Location", "https://cdn.example/file"),
                                                  ("Access-Control-Allow-Origin", "*")]),
        Rule(host="https://cdn.example", headers=[("Access-Control-Allow-Origin", APP)], body="file"),
    ])


def demo_cases() -> list[tuple[str, Callable[[Page], Result]]]:
    """(title, action) pairs; each action runs in one shared page so the cache carries over."""
    return [
        ("1. A simple GET to an API that answers `Access-Control-Allow-Origin: *`",
         lambda p: p.fetch(f"{API}/public")),
        ("2. The same GET to an endpoint that sends no CORS headers",
         lambda p: p.fetch(f"{API}/private")),
        ("3. A JSON POST: Content-Type application/json is not safelisted, so a preflight goes first",
         lambda p: p.fetch(f"{API}/items", method="POST", headers={"Content-Type": "application/json"},
                           body='{"name": "x"}')),
        ("4. The same POST again: the preflight cache (max-age 600) answers, no OPTIONS this time",
         lambda p: p.fetch(f"{API}/items", method="POST", headers={"Content-Type": "application/json"},
                           body='{"name": "y"}')),
        ("5. `patch` is not upper-cased by fetch(); `Access-Control-Allow-Methods` compares exactly",
         lambda p: p.fetch(f"{API}/items", method="patch", headers={"Content-Type": "application/json"}, body="{}")),
        ("6. Authorization with `Access-Control-Allow-Headers: *` (engines allow it, the spec does not)",
         lambda p: p.fetch(f"{API}/wildcard", method="PUT", headers={"Authorization": "Bearer t"})),
        ("7. Cookies (credentials: include) and `Access-Control-Allow-Origin: *`",
         lambda p: p.fetch(f"{API}/account", credentials="include")),
        ("8. A redirect to another origin: the next hop carries `Origin: null`",
         lambda p: p.fetch(f"{API}/moved")),
    ]


def run_demo(browser: str = "chromium", color: bool = False) -> int:
    page = Page(APP, server=demo_api(), browser=browser)
    print(f"corssim demo: a page at {APP} calls the API at {API} in the {page.profile.label} profile\n")
    for title, action in demo_cases():
        result = action(page)
        print("=" * 78)
        print(title)
        print("=" * 78)
        try:
            from corssim.render import to_terminal

            print(to_terminal(result, color=color))
        except ImportError:
            print(result.explain())
        print()
    return 0
