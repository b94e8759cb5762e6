"""Django with django-cors-headers, configured as its docs show (settings + CorsMiddleware first),
run in-process through WSGIServer (and once through Django's ASGI handler); each known quirk
(peers.md b.3) as the browser sees it."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest

pytest.importorskip("django")
pytest.importorskip("corsheaders")

import django  # noqa: E402
from django.conf import settings  # noqa: E402

URLCONF = "corssim_test_django_urls"

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="corssim-test-" + "x" * 40,
        ALLOWED_HOSTS=["api.example.com"],
        ROOT_URLCONF=URLCONF,
        INSTALLED_APPS=["corsheaders"],
        MIDDLEWARE=[
            "corsheaders.middleware.CorsMiddleware",
            "django.middleware.common.CommonMiddleware",
        ],
        CORS_ALLOWED_ORIGINS=["https://app.example"],
        USE_TZ=True,
    )

from django.http import HttpRequest as DjangoRequest, JsonResponse  # noqa: E402
from django.test import override_settings  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402


@csrf_exempt
def items(request: DjangoRequest) -> JsonResponse:
    return JsonResponse({"method": request.method, "origin": request.headers.get("Origin")})


def boom(request: DjangoRequest) -> JsonResponse:
    raise RuntimeError("database is down")


_urls = types.ModuleType(URLCONF)
_urls.urlpatterns = [path("items/", items), path("boom/", boom)]  # type: ignore[attr-defined]
sys.modules[URLCONF] = _urls
django.setup()

from django.core.asgi import get_asgi_application  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

import corssim  # noqa: E402
from corssim.assertions import assert_allowed, assert_blocked  # noqa: E402
from corssim.backends import ASGIServer, WSGIServer  # noqa: E402
from corssim.result import Reason  # noqa: E402

API = "https://api.example.com"
APP_ORIGIN = "https://app.example"
EVIL = "https://evil.example"

WSGI = get_wsgi_application()


def page(origin: str = APP_ORIGIN, browser: str = "chromium") -> corssim.Page:
    return corssim.Page(origin, server=WSGIServer(WSGI), browser=browser)


@pytest.mark.parametrize("browser", ["chromium", "firefox", "webkit"])
def test_allow_list_common_requests(browser: str) -> None:
    p = page(browser=browser)
    r = assert_allowed(p.fetch(f"{API}/items/"))
    assert r.body == '{"method": "GET", "origin": "https://app.example"}'
    r = assert_allowed(p.fetch(f"{API}/items/", method="POST", headers={"Content-Type": "application/json"}, body="{}"))
    assert r.preflight_sent and '"POST"' in (r.body or "")
    assert_allowed(p.fetch(f"{API}/items/", method="PUT", headers={"Authorization": "Bearer t"}))


def test_the_app_sees_the_simulated_host() -> None:
    """ALLOWED_HOSTS lists api.example.com: the Host the page targets reaches Django. Without it,
    Django answers 400 (DisallowedHost), and CorsMiddleware still decorates that 400."""
    assert_allowed(page().fetch(f"{API}/items/"))
    with override_settings(ALLOWED_HOSTS=["elsewhere.test"]):
        r = assert_allowed(page().fetch(f"{API}/items/"))
    assert r.status == 400


def test_credentials_need_cors_allow_credentials() -> None:
    assert_blocked(page().fetch(f"{API}/items/", credentials="include"), Reason.INVALID_ALLOW_CREDENTIALS)
    with override_settings(CORS_ALLOW_CREDENTIALS=True):
        assert_allowed(page().fetch(f"{API}/items/", credentials="include"))


# --- quirks ------------------------------------------------------------------------------------


def test_quirk_disallowed_preflight_is_still_200_without_acao() -> None:
    r = assert_blocked(page(origin=EVIL).fetch(f"{API}/items/", method="PUT", headers={"Authorization": "t"}),
                       Reason.MISSING_ALLOW_ORIGIN)
    pre = r.preflights[0].response
    assert pre is not None and pre.status == 200 and pre.body == b""
    assert not pre.headers.contains("Access-Control-Allow-Origin")


def test_quirk_static_allow_headers_pass_the_server_but_fail_in_the_browser() -> None:
    """CORS_ALLOW_HEADERS is a fixed list; the preflight for X-Custom is a 200 that does not list
    it, so the browser refuses."""
    r = assert_blocked(page().fetch(f"{API}/items/", headers={"X-Custom": "1"}), Reason.HEADER_NOT_ALLOWED)
    pre = r.preflights[0].response
    assert pre is not None and pre.status == 200
    with override_settings(CORS_ALLOW_HEADERS=["x-custom"]):
        assert_allowed(page().fetch(f"{API}/items/", headers={"X-Custom": "1"}))


@pytest.mark.parametrize("browser", ["chromium", "firefox", "webkit"])
def test_quirk_allow_all_with_credentials_reflects_any_origin(browser: str) -> None:
    with override_settings(CORS_ALLOWED_ORIGINS=[], CORS_ALLOW_ALL_ORIGINS=True, CORS_ALLOW_CREDENTIALS=True):
        r = assert_allowed(page(origin=EVIL, browser=browser).fetch(f"{API}/items/", credentials="include"))
    resp = r.exchanges[0].response
    assert resp is not None and resp.headers.get("access-control-allow-origin") == EVIL


def test_quirk_origin_regex_is_a_prefix_match() -> None:
    with override_settings(CORS_ALLOWED_ORIGINS=[], CORS_ALLOWED_ORIGIN_REGEXES=[r"^https://\w+\.example\.com"]):
        assert_allowed(page(origin="https://a.example.com").fetch(f"{API}/items/"))
        assert_allowed(page(origin="https://a.example.com.evil.net").fetch(f"{API}/items/"))
        assert_blocked(page(origin="https://a.example.org").fetch(f"{API}/items/"), Reason.MISSING_ALLOW_ORIGIN)


@pytest.mark.parametrize("browser, cached_for", [("chromium", 7200), ("firefox", 86400), ("webkit", 600)])
def test_quirk_24h_max_age_is_capped_by_each_browser(browser: str, cached_for: int) -> None:
    """CORS_PREFLIGHT_MAX_AGE defaults to 86400; each engine caps it differently."""
    p = page(browser=browser)
    put: dict[str, Any] = {"method": "PUT", "headers": {"Authorization": "t"}}
    r = p.fetch(f"{API}/items/", **put)
    pre = r.preflights[0].response
    assert pre is not None and pre.headers.get("access-control-max-age") == "86400"
    p.wait(cached_for - 5)
    assert not p.fetch(f"{API}/items/", **put).preflight_sent
    p.wait(10)
    assert p.fetch(f"{API}/items/", **put).preflight_sent


def test_quirk_trailing_slash_redirect_is_followed_with_cors_headers() -> None:
    """CommonMiddleware's APPEND_SLASH 301 carries CORS headers, so a simple GET follows it."""
    r = assert_allowed(page().fetch(f"{API}/items"))
    assert [e.response.status for e in r.exchanges if e.response is not None] == [301, 200]
    assert r.response is not None and r.response.redirected


def test_quirk_trailing_slash_redirect_on_a_preflighted_request() -> None:
    """The preflight is answered by CorsMiddleware before CommonMiddleware redirects, so only the
    actual request is redirected; a cross-origin redirect after a preflight is followed."""
    r = page().fetch(f"{API}/items", method="PUT", headers={"Authorization": "t"})
    assert r.preflights[0].response is not None and r.preflights[0].response.status == 200
    statuses = [(e.kind.value, e.response.status) for e in r.exchanges if e.response is not None]
    assert statuses[:2] == [("preflight", 200), ("request", 301)]


def test_exception_is_a_500_that_keeps_cors_headers() -> None:
    """Django turns the exception into a 500 inside the middleware chain; CorsMiddleware then adds
    its headers, so the page reads the 500 (no CORS error)."""
    server = WSGIServer(WSGI)
    r = assert_allowed(corssim.Page(APP_ORIGIN, server=server).fetch(f"{API}/boom/"))
    assert r.status == 500
    assert len(server.app_errors) == 0


def test_same_verdicts_through_django_asgi_handler() -> None:
    asgi = ASGIServer(get_asgi_application())
    p = corssim.Page(APP_ORIGIN, server=asgi)
    assert_allowed(p.fetch(f"{API}/items/", method="PUT", headers={"Authorization": "t"}))
    assert_blocked(corssim.Page(EVIL, server=asgi).fetch(f"{API}/items/"), Reason.MISSING_ALLOW_ORIGIN)
    asgi.close()


def test_django_handlers_are_detected(cors_page: Any) -> None:
    from corssim.backends import detect_kind

    assert detect_kind(WSGI) == "wsgi"
    assert detect_kind(get_asgi_application()) == "asgi"
    p = cors_page(WSGI, origin=APP_ORIGIN)
    assert isinstance(p.server, WSGIServer)
    assert_allowed(p.fetch(f"{API}/items/", method="PUT", headers={"Authorization": "t"}))
