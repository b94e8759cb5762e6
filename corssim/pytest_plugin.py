"""corssim's pytest plugin (entry point `pytest11`: loaded when corssim is installed).

Fixture `cors_page`: a factory giving a `corssim.Page` bound to an app or a URL::

    def test_items_cors(cors_page):
        page = cors_page(app, origin="https://app.example")
        corssim.assert_allowed(page.fetch("https://api.example.com/items", method="PUT",
                                          headers={"Authorization": "Bearer t"}))

`app` may be an ASGI app (Starlette, FastAPI), a WSGI app (Flask, Django), a function
`HttpRequest -> HttpResponse`, a URL of a running server, or any corssim server. The browser
defaults to `--corssim-browser` (chromium). Servers the fixture made are closed after the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from corssim.assertions import assert_allowed, assert_blocked

__all__ = ["assert_allowed", "assert_blocked", "cors_page"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("corssim", "corssim: browser CORS verdicts")
    group.addoption(
        "--corssim-browser",
        action="store",
        default="chromium",
        help="browser profile the cors_page fixture uses by default (chromium, firefox, webkit, spec)",
    )


@pytest.fixture
def cors_page(request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """A factory: `cors_page(app_or_url, origin="https://app.example", browser=None, kind=None, **options)`.

    Returns a `corssim.Page` whose server is `app_or_url` wrapped by `corssim.backends.as_server`
    (`kind` forces "asgi", "wsgi", "function" or "url"; `options` go to the adapter, e.g.
    `raise_app_exceptions=True`, `timeout=2`).
    """
    from corssim.backends import as_server
    from corssim.page import Page

    default_browser = str(request.config.getoption("--corssim-browser", default="chromium") or "chromium")
    made: list[Any] = []

    def factory(app_or_url: object, origin: str = "https://app.example", browser: str | None = None,
                kind: str | None = None, **options: Any) -> Page:
        server = as_server(app_or_url, kind=kind, **options)
        if server is not app_or_url:
            made.append(server)
        return Page(origin, server=server, browser=browser or default_browser)

    yield factory
    for server in made:
        close = getattr(server, "close", None)
        if close is not None:
            close()
