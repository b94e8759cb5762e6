"""What a simulated fetch produced: the trace (exchanges and decisions) and the verdict.

Logic never formats prose: a failure is a `Reason` plus the values it looked at; `corssim.explain`
turns it into each engine's console message and a fix.
"""

from __future__ import annotations

import enum
from typing import Any

import attrs

from corssim.http import HttpRequest, HttpResponse, NetworkFault

__all__ = [
    "Decision",
    "Exchange",
    "ExchangeKind",
    "Failure",
    "PageResponse",
    "Reason",
    "Result",
]


class Reason(enum.Enum):
    """Why a fetch failed: a closed set, in the spirit of Chromium's network::mojom::CorsError.

    `Failure.preflight` tells whether the check failed on the preflight response.
    Members in the first block make `fetch()` throw before anything is sent.
    """

    # fetch() / new Request() throws a TypeError (fetch#dom-request)
    INVALID_URL = "invalid_url"
    URL_HAS_CREDENTIALS = "url_has_credentials"
    INVALID_METHOD = "invalid_method"
    FORBIDDEN_METHOD = "forbidden_method"
    INVALID_HEADER_NAME = "invalid_header_name"
    INVALID_HEADER_VALUE = "invalid_header_value"
    BODY_WITH_GET_OR_HEAD = "body_with_get_or_head"
    NO_CORS_METHOD = "no_cors_method"
    INVALID_MODE = "invalid_mode"
    INVALID_INIT = "invalid_init"
    # main fetch refuses before any exchange (fetch#concept-main-fetch)
    DISALLOWED_BY_MODE = "disallowed_by_mode"
    CORS_DISABLED_SCHEME = "cors_disabled_scheme"
    NO_CORS_REDIRECT_MODE = "no_cors_redirect_mode"
    # CORS check (fetch#concept-cors-check), on the actual response or on the preflight
    MISSING_ALLOW_ORIGIN = "missing_allow_origin"
    MULTIPLE_ALLOW_ORIGIN = "multiple_allow_origin"
    INVALID_ALLOW_ORIGIN = "invalid_allow_origin"
    ALLOW_ORIGIN_MISMATCH = "allow_origin_mismatch"
    WILDCARD_ORIGIN_WITH_CREDENTIALS = "wildcard_origin_with_credentials"
    INVALID_ALLOW_CREDENTIALS = "invalid_allow_credentials"
    # preflight response validation (fetch#cors-preflight-fetch-0)
    PREFLIGHT_INVALID_STATUS = "preflight_invalid_status"
    PREFLIGHT_REDIRECT = "preflight_redirect"
    INVALID_ALLOW_METHODS = "invalid_allow_methods"
    INVALID_ALLOW_HEADERS = "invalid_allow_headers"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    HEADER_NOT_ALLOWED = "header_not_allowed"
    # redirects (fetch#concept-http-redirect-fetch)
    REDIRECT_MODE_ERROR = "redirect_mode_error"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    REDIRECT_CONTAINS_CREDENTIALS = "redirect_contains_credentials"
    INVALID_REDIRECT_LOCATION = "invalid_redirect_location"
    REDIRECT_NON_HTTP_SCHEME = "redirect_non_http_scheme"
    REDIRECT_WITH_STREAM_BODY = "redirect_with_stream_body"
    # the network itself (no HTTP response)
    NETWORK_FAILURE = "network_failure"

    @property
    def thrown_before_send(self) -> bool:
        """True when `fetch()` rejects synchronously-ish with a TypeError, nothing sent."""
        return self in _THROWN


_THROWN = frozenset(
    {
        Reason.INVALID_URL,
        Reason.URL_HAS_CREDENTIALS,
        Reason.INVALID_METHOD,
        Reason.FORBIDDEN_METHOD,
        Reason.INVALID_HEADER_NAME,
        Reason.INVALID_HEADER_VALUE,
        Reason.BODY_WITH_GET_OR_HEAD,
        Reason.NO_CORS_METHOD,
        Reason.INVALID_MODE,
        Reason.INVALID_INIT,
    }
)


@attrs.frozen(kw_only=True)
class Failure:
    """The one check that made the fetch fail, with the values it compared.

    `value` is the offending value (an ACAO value, a method, a header name, a Location...),
    `url` the URL of the response (or request) that failed, `status` its HTTP status if any,
    `fault` the transport fault for NETWORK_FAILURE.
    """

    reason: Reason
    preflight: bool = False
    url: str = ""
    value: str | None = None
    status: int | None = None
    fault: NetworkFault | None = None
    anchor: str = ""


class ExchangeKind(enum.Enum):
    PREFLIGHT = "preflight"
    REQUEST = "request"


@attrs.frozen(kw_only=True)
class Exchange:
    """One HTTP exchange: the request exactly as sent, and the response or the fault."""

    kind: ExchangeKind
    request: HttpRequest
    response: HttpResponse | None = None
    fault: NetworkFault | None = None


@attrs.frozen(kw_only=True)
class Decision:
    """One decision the algorithm took: which spec step, what it concluded, from which values."""

    anchor: str
    name: str
    outcome: str
    values: tuple[tuple[str, str], ...] = ()
    passed: bool = True

    def value(self, key: str) -> str | None:
        for k, v in self.values:
            if k == key:
                return v
        return None


@attrs.frozen(kw_only=True)
class PageResponse:
    """The response as the page's script sees it (a filtered response, fetch#concept-filtered-response)."""

    type: str  # "basic" | "cors" | "opaque" | "opaqueredirect"
    status: int
    status_text: str
    url: str
    redirected: bool
    headers: tuple[tuple[str, str], ...]  # what iterating response.headers yields (sorted, combined)
    body: str | None

    def header(self, name: str) -> str | None:
        low = name.lower()
        for n, v in self.headers:
            if n == low:
                return v
        return None


@attrs.frozen(kw_only=True)
class Result:
    """Everything one simulated fetch did.

    `ok` is True when the promise resolved; `failure` says why it rejected otherwise.
    """

    api: str  # "fetch" | "xhr"
    browser: str
    page_origin: str
    url: str
    method: str
    outcome: str  # "ok" | "network_error"
    response: PageResponse | None
    exchanges: tuple[Exchange, ...]
    decisions: tuple[Decision, ...]
    failure: Failure | None
    cache_after: tuple[Any, ...] = ()  # CacheEntry values (see corssim.cache)
    credentials: str = "same-origin"
    mode: str = "cors"

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    @property
    def blocked(self) -> bool:
        return self.outcome != "ok"

    @property
    def reason(self) -> Reason | None:
        return self.failure.reason if self.failure else None

    @property
    def preflight_sent(self) -> bool:
        return any(e.kind is ExchangeKind.PREFLIGHT for e in self.exchanges)

    @property
    def preflights(self) -> list[Exchange]:
        return [e for e in self.exchanges if e.kind is ExchangeKind.PREFLIGHT]

    @property
    def requests_sent(self) -> list[HttpRequest]:
        return [e.request for e in self.exchanges]

    @property
    def status(self) -> int | None:
        return self.response.status if self.response else None

    @property
    def readable_headers(self) -> dict[str, str]:
        return dict(self.response.headers) if self.response else {}

    @property
    def body(self) -> str | None:
        return self.response.body if self.response else None

    @property
    def response_type(self) -> str | None:
        return self.response.type if self.response else None

    def __str__(self) -> str:
        from corssim.explain import summary

        return summary(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        """IPython's plain-text display: the story, not the attrs repr."""
        p.text(self.explain())

    def _repr_html_(self) -> str:
        """Notebooks show a result as a sequence diagram with the explanation beside it."""
        from corssim.render import to_html

        return to_html(self)

    def explain(self, browser: str | None = None) -> str:
        """The whole story: exchanges, checks, the console message and the fix."""
        from corssim.explain import explain

        return explain(self, browser=browser)
