"""Small builders shared by the core tests: pages, fake servers and CORS answers.

Hosts follow ../shared/scenario-format.md: A, B, C are three loopback origins, each its own site.
"""

from __future__ import annotations

from collections.abc import Sequence

from corssim import FakeServer, Page, Result, Rule

A = "http://127.0.0.1:8801"
B = "http://127.0.0.2:8802"
C = "http://127.0.0.3:8803"
ENGINES = ("spec", "chromium", "firefox", "webkit")
BROWSERS = ("chromium", "firefox", "webkit")


def page(server: FakeServer | None = None, browser: str = "spec", origin: str = A) -> Page:
    return Page(origin, server=server if server is not None else FakeServer([]), browser=browser)


def preflight_ok(origin: str = A, *, methods: str | None = None, headers: str | None = None,
                 max_age: str | None = None, credentials: bool = False, status: int = 204,
                 host: str | None = None, path: str | None = None) -> Rule:
    """An OPTIONS answer that allows `origin` (and the listed methods / headers)."""
    h: list[tuple[str, str]] = [("Access-Control-Allow-Origin", origin)]
    if credentials:
        h.append(("Access-Control-Allow-Credentials", "true"))
    if methods is not None:
        h.append(("Access-Control-Allow-Methods", methods))
    if headers is not None:
        h.append(("Access-Control-Allow-Headers", headers))
    if max_age is not None:
        h.append(("Access-Control-Max-Age", max_age))
    return Rule(method="OPTIONS", status=status, headers=h, host=host, path=path)


def allow(origin: str = A, *, credentials: bool = False, extra: Sequence[tuple[str, str]] = (),
          body: str = "ok", status: int = 200, method: str | None = None, host: str | None = None,
          path: str | None = None) -> Rule:
    """A non-OPTIONS answer that passes the CORS check for `origin`."""
    h: list[tuple[str, str]] = [("Access-Control-Allow-Origin", origin)]
    if credentials:
        h.append(("Access-Control-Allow-Credentials", "true"))
    h.extend(extra)
    return Rule(status=status, headers=h, body=body, method=method, host=host, path=path)


def server(*rules: Rule) -> FakeServer:
    return FakeServer(list(rules))


def sent(result: Result, kind: str | None = None) -> list[tuple[str, str]]:
    """(method, url) of each request the browser sent."""
    return [(e.request.method, e.request.url) for e in result.exchanges
            if kind is None or e.kind.value == kind]


def wire_header(result: Result, index: int, name: str) -> str | None:
    """The value of header `name` on the index-th request sent (None when absent)."""
    return result.exchanges[index].request.headers.get(name)


def preflight_count(result: Result) -> int:
    return len(result.preflights)
