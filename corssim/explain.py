"""Turning a `Result` into words: each engine's console message, the fix, and the whole story.

The model never formats prose (see `corssim.result`): a failure is a `Reason` plus the values it
looked at. This module holds, for every `Reason` and every engine profile, the message that
engine's developer console prints, filled in with the real URL, origin, header and value.

Message tables
    `_CHROMIUM`, `_FIREFOX`, `_WEBKIT` map every `Reason` to a `_Template`. A template records
    where its wording comes from (`source`): the shared fact sheet's section on console strings,
    an observation in a real engine (`PROBED`: the exceptions thrown to the page and the console
    lines of Chromium 156, Firefox 153 ESR and WebKitGTK 2.50.6, captured on loopback; see
    spec_notes/explain.md), or ``"unverified"`` for the few wordings that could not be captured
    here (each says why). Some entries depend on the case (the URL's scheme, whether the request
    was cross-origin, which RequestInit member was wrong): those are functions of the filled-in
    fields that pick the template. The "spec" profile has no console of its own: it borrows
    Chromium's wording and says so.

    What is shown is the page console's own message(s). Each engine also logs a generic line for
    the failed load, which is left out where a specific message exists (Chromium: "Failed to
    load resource: net::ERR_FAILED", shown by DevTools as "GET <url> net::ERR_FAILED"; WebKit's
    Web Inspector: "Failed to load resource: <the same reason>"). Where that generic line is all
    there is (transport failures), it is the message: Chromium's in the DevTools form
    "<METHOD> <url> net::ERR_…", WebKit's as "Failed to load resource: <error>". Where an engine
    logs nothing at all, the entry says so (`ConsoleEntry.logged`) and carries the script's error.

Public functions: `summary`, `explain`, `console_message`, `console_entry`, `script_error`, `fix`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Union

import attrs

from corssim import url as _url
from corssim.errors import InvalidProfile, InvalidURL
from corssim.origin import origin_of
from corssim.http import FaultKind, HttpRequest
from corssim.result import Exchange, ExchangeKind, Reason, Result

__all__ = [
    "BROWSERS",
    "ConsoleEntry",
    "cache_lines",
    "Fix",
    "console_entry",
    "console_message",
    "explain",
    "failing_exchange",
    "firefox_blocking_code",
    "fix",
    "script_error",
    "short_reason",
    "story_lines",
    "summary",
]

BROWSERS = ("chromium", "firefox", "webkit", "spec")

FACTS_CHROMIUM = "fetch-cors-facts §3.1 (Chromium cors_error_string.cc)"
FACTS_FIREFOX = "fetch-cors-facts §3.2 (Firefox security.properties)"
FACTS_WEBKIT = "fetch-cors-facts §3.3 (WebKit CrossOriginAccessControl.cpp)"
OBSERVED = "engines-observed.md (seen in the real engine)"
PROBED = "observed (Chromium 156 / Firefox 153 ESR / WebKitGTK 2.50.6, loopback probe; spec_notes/explain.md)"
UNVERIFIED = "unverified (recalled wording; no reference here confirms it)"

MDN_CORS_ERRORS = "https://developer.mozilla.org/docs/Web/HTTP/Guides/CORS/Errors/"

# Firefox nsILoadInfo::BLOCKING_REASON_* codes, by console category (facts §3.2).
_FIREFOX_CODES: Mapping[str, int] = {
    "CORSDisabled": 1001,
    "CORSDidNotSucceed": 1002,
    "CORSRequestNotHttp": 1003,
    "CORSMultipleAllowOriginNotAllowed": 1004,
    "CORSMissingAllowOrigin": 1005,
    "CORSNotSupportingCredentials": 1006,
    "CORSAllowOriginNotMatchingOrigin": 1007,
    "CORSMissingAllowCredentials": 1008,
    "CORSOriginHeaderNotAdded": 1009,
    "CORSExternalRedirectNotAllowed": 1010,
    "CORSPreflightDidNotSucceed": 1011,
    "CORSInvalidAllowMethod": 1012,
    "CORSMethodNotFound": 1013,
    "CORSInvalidAllowHeader": 1014,
    "CORSMissingAllowHeaderFromPreflight": 1015,
}

# What a rejected fetch() promise carries as its TypeError message (engines-observed.md).
_SCRIPT_ERROR: Mapping[str, str] = {
    "chromium": "Failed to fetch",
    "firefox": "NetworkError when attempting to fetch resource.",
    "webkit": "Load failed",
}

# Chromium's net::ERR_* names for transport faults. Observed (CDP "Failed to load resource:
# net::ERR_…" for the request's URL; DevTools shows it as "GET <url> net::ERR_…"): refused port,
# RST, a response that is not HTTP, 300 KiB of headers, the connection closed before any byte
# (ERR_EMPTY_RESPONSE, which is what an app error looks like from the browser). DNS failures and
# timeouts could not be produced on loopback within bounded time: those two stay unverified.
_CHROMIUM_NET_OBSERVED = frozenset(
    {FaultKind.CONNECTION_REFUSED, FaultKind.CONNECTION_RESET, FaultKind.MALFORMED_RESPONSE,
     FaultKind.HEADERS_TOO_LARGE, FaultKind.APP_ERROR}
)
_CHROMIUM_NET_ERRORS: Mapping[FaultKind, str] = {
    FaultKind.CONNECTION_REFUSED: "ERR_CONNECTION_REFUSED",
    FaultKind.DNS_FAILURE: "ERR_NAME_NOT_RESOLVED",
    FaultKind.TIMEOUT: "ERR_TIMED_OUT",
    FaultKind.CONNECTION_RESET: "ERR_CONNECTION_RESET",
    FaultKind.MALFORMED_RESPONSE: "ERR_INVALID_HTTP_RESPONSE",
    FaultKind.HEADERS_TOO_LARGE: "ERR_RESPONSE_HEADERS_TOO_BIG",
    FaultKind.APP_ERROR: "ERR_EMPTY_RESPONSE",
    FaultKind.OTHER: "ERR_FAILED",
}

# WebKitGTK's (libsoup/GIO) error descriptions, as its console printed them (for a failed preflight,
# and in Web Inspector's "Failed to load resource:" line). Observed: refused, RST, not-HTTP, 300 KiB
# headers, closed without a response. The DNS, timeout and "other" texts are recalled (macOS
# wording), not observed: loopback cannot produce them in bounded time.
_WEBKIT_NET_OBSERVED = _CHROMIUM_NET_OBSERVED
_WEBKIT_NET_ERRORS: Mapping[FaultKind, str] = {
    FaultKind.CONNECTION_REFUSED: "Could not connect to {host}: Connection refused",
    FaultKind.DNS_FAILURE: "A server with the specified hostname could not be found.",
    FaultKind.TIMEOUT: "The request timed out.",
    FaultKind.CONNECTION_RESET: "Error receiving data: Connection reset by peer",
    FaultKind.MALFORMED_RESPONSE: "Could not parse HTTP response",
    FaultKind.HEADERS_TOO_LARGE: "Header too big",
    FaultKind.APP_ERROR: "Connection terminated unexpectedly",
    FaultKind.OTHER: "Load failed",
}


# --------------------------------------------------------------------------------------------
# values the templates are filled with


@attrs.frozen(kw_only=True)
class _Fields:
    kind: str  # Chromium's resource kind: "fetch" | "XMLHttpRequest"
    api: str  # WebKit's API name: "Fetch API" | "XMLHttpRequest"
    url: str  # the URL of the response (or request) that failed
    initial_url: str
    origin: str  # the page's origin, as the engines print it
    sent_origin: str  # the Origin header the failing request carried (may be "null")
    value: str
    status: str  # "" when no status
    method: str
    preflight: bool
    fault: FaultKind | None
    field: str = ""  # the RequestInit member (or "headers[Name]") a thrown error is about
    header: str = ""  # for an invalid header value: the header's name
    mode: str = "cors"
    cross_origin: bool = True  # some URL of the fetch is cross-origin to the page (a CORS fetch)
    location: str = ""  # a redirect's Location, resolved against the URL that sent it
    location_scheme: str = ""
    host: str = ""  # the failing URL's host name (no port), as WebKitGTK names it
    page: str = ""  # the page's URL as far as corssim knows it: its origin and "/"


# Reasons whose Failure.value is a redirect's Location (fetch#concept-http-redirect-fetch).
_REDIRECT_REASONS = frozenset(
    {Reason.REDIRECT_MODE_ERROR, Reason.TOO_MANY_REDIRECTS, Reason.REDIRECT_CONTAINS_CREDENTIALS,
     Reason.INVALID_REDIRECT_LOCATION, Reason.REDIRECT_NON_HTTP_SCHEME, Reason.REDIRECT_WITH_STREAM_BODY}
)


def _rejected_field(result: Result) -> str:
    """The member a thrown TypeError is about, from the decision `page._rejected` records."""
    for d in result.decisions:
        field = d.value("field")
        if field is not None:
            return field
    return ""


def _origin_text(url: str) -> str | None:
    try:
        return origin_of(url).serialize()
    except InvalidURL:
        return None


def _is_cross_origin(result: Result, urls: list[str]) -> bool:
    """Whether the fetch involved a URL of another origin than the page's (Firefox and WebKit
    only log a CORS line for the transport failures of such fetches)."""
    if result.page_origin == "null":
        return True
    return any(_origin_text(u) not in (None, result.page_origin) for u in urls if u)


def _resolve(location: str, base: str) -> tuple[str, str]:
    try:
        parsed = _url.parse(location, base or None)
    except InvalidURL:
        return location, ""
    return parsed.href, parsed.scheme


def failing_exchange(result: Result) -> Exchange | None:
    """The exchange whose response (or fault) made the fetch fail, if there was one."""
    f = result.failure
    if f is None or not result.exchanges:
        return None
    want = ExchangeKind.PREFLIGHT if f.preflight else ExchangeKind.REQUEST
    for ex in reversed(result.exchanges):
        if ex.kind is want and (not f.url or ex.request.url == f.url):
            return ex
    for ex in reversed(result.exchanges):
        if ex.kind is want:
            return ex
    return result.exchanges[-1]


def _fields(result: Result) -> _Fields:
    f = result.failure
    ex = failing_exchange(result)
    url = (f.url if f and f.url else "") or (ex.request.url if ex else "") or result.url
    status = ""
    if f is not None and f.status is not None:
        status = str(f.status)
    elif ex is not None and ex.response is not None:
        status = str(ex.response.status)
    sent = ex.request.headers.get("Origin") if ex is not None else None
    fault = None
    if f is not None and f.fault is not None:
        fault = f.fault.kind
    elif ex is not None and ex.fault is not None:
        fault = ex.fault.kind
    field = _rejected_field(result) if f is not None and f.reason.thrown_before_send else ""
    location, location_scheme = "", ""
    if f is not None and f.value and f.reason in _REDIRECT_REASONS:
        location, location_scheme = _resolve(f.value, url)
    try:
        host = _url.parse(url).hostname
    except InvalidURL:
        host = ""
    urls = [result.url, url] + [e.request.url for e in result.exchanges]
    return _Fields(
        field=field,
        header=field[len("headers["):-1] if field.startswith("headers[") else "",
        mode=result.mode,
        cross_origin=_is_cross_origin(result, urls),
        location=location,
        location_scheme=location_scheme,
        host=host,
        page=result.page_origin + "/",
        kind="XMLHttpRequest" if result.api == "xhr" else "fetch",
        api="XMLHttpRequest" if result.api == "xhr" else "Fetch API",
        url=url,
        initial_url=result.url,
        origin=result.page_origin,
        sent_origin=sent if sent is not None else result.page_origin,
        value=(f.value if f and f.value is not None else ""),
        status=status,
        method=(ex.request.method if ex is not None and ex.kind is ExchangeKind.REQUEST else result.method),
        preflight=bool(f and f.preflight),
        fault=fault,
    )


# --------------------------------------------------------------------------------------------
# templates

Text = Union[str, Callable[[_Fields], str]]


@attrs.frozen
class _Template:
    """One engine's wording for one Reason.

    `family` says how the engine frames it:
      chromium: "cors" (Access to ... blocked by CORS policy: ...), "typeerror", "net" (GET url net::ERR_*),
                "fetchapi" (Fetch API cannot load ...)
      firefox:  "cors" (Cross-Origin Request Blocked: ... (Reason: ...)), "typeerror", "networkerror"
      webkit:   "cors" (reason line + "<API> cannot load <url> due to access control checks."),
                "typeerror", "net"
    """

    family: str
    text: Text
    source: str
    code: str = ""  # Chromium CorsError / Firefox category / "" when none
    hint: str = ""  # chromium: "opaque" (no tail since Chromium 156) | "nocors" | "xhr_credentials"


# An entry that depends on the case: it picks the template from the filled-in fields.
_Pick = Callable[[_Fields], _Template]
_Entry = Union[_Template, _Pick]

# Families shared by the three engines besides their own:
#   "raw"  the text is the whole console output (lines separated by "\n"), nothing added;
#   "none" the engine logs nothing for this failure: what is shown is the error the script gets
#          (the rejected fetch's TypeError, which the console shows when nobody catches it).


def _t(text: Text, f: _Fields) -> str:
    return text(f) if callable(text) else text.format(**attrs.asdict(f), lvalue=f.value.lower())


# RequestInit members whose value is an IDL enum, with the enum's name (fetch#dom-request).
_ENUMS: Mapping[str, str] = {
    "mode": "RequestMode",
    "credentials": "RequestCredentials",
    "redirect": "RequestRedirect",
    "referrerPolicy": "ReferrerPolicy",
    "cache": "RequestCache",
    "duplex": "RequestDuplex",
}


def _chromium_mode(f: _Fields) -> str:
    if f.value == "navigate":
        return "Cannot construct a Request with a RequestInit whose mode member is set as 'navigate'."
    return _chromium_enum("mode", f.value)


def _firefox_mode(f: _Fields) -> str:
    if f.value == "navigate":
        return "Invalid request mode navigate."
    return _firefox_enum("mode", f.value)


def _webkit_mode(f: _Fields) -> str:
    if f.value == "navigate":
        return "Request constructor does not accept navigate fetch mode."
    return "Type error"


def _chromium_enum(member: str, value: str) -> str:
    return (f"Failed to read the '{member}' property from 'RequestInit': "
            f"The provided value '{value}' is not a valid enum value of type {_ENUMS[member]}.")


def _firefox_enum(member: str, value: str) -> str:
    return f"'{value}' (value of '{member}' member of RequestInit) is not a valid value for enumeration {_ENUMS[member]}."


_INIT_UNKNOWN = "unverified (corssim's own check of a value no engine receives in this form)"


def _chromium_init(f: _Fields) -> _Template:
    """fetch#dom-request: the RequestInit members corssim rejects, in Chromium's words."""
    if f.field == "cache":
        return _Template("typeerror", "'only-if-cached' can be set only with 'same-origin' mode", PROBED)
    if f.field == "duplex" and f.value == "None":
        return _Template("typeerror", "The `duplex` member must be specified for a request with a streaming body", PROBED)
    if f.field in _ENUMS:
        # the binding's enum message, observed for mode, credentials, redirect, referrerPolicy, cache
        src = PROBED if f.field != "duplex" else UNVERIFIED + "; the same binding message as the observed enums"
        return _Template("typeerror", _chromium_enum(f.field, f.value), src)
    if f.field == "body" and f.value == "ReadableStream in no-cors mode":
        # sic: no space before the first quote
        return _Template("typeerror", 'If request is made from ReadableStream, mode should be"same-origin" or "cors"',
                         PROBED)
    return _Template("typeerror", "{value}", _INIT_UNKNOWN)


def _firefox_init(f: _Fields) -> _Template:
    if f.field == "cache":
        return _Template("typeerror", "Request mode '{mode}' was used, but request cache mode 'only-if-cached' can "
                         "only be used with request mode 'same-origin'.", PROBED)
    if f.field in _ENUMS and f.field != "duplex":
        return _Template("typeerror", _firefox_enum(f.field, f.value), PROBED)
    # Firefox sends a ReadableStream body as the string "[object ReadableStream]": no duplex/stream errors
    return _Template("typeerror", "{value}", _INIT_UNKNOWN)


def _webkit_init(f: _Fields) -> _Template:
    if f.field == "cache":
        return _Template("typeerror", "only-if-cached cache option requires fetch mode to be same-origin.", PROBED)
    if f.field in _ENUMS and f.field != "duplex":
        return _Template("typeerror", "Type error", PROBED)
    if f.field == "body" and f.value == "ReadableStream uploads are not supported":
        # a NotSupportedError, not a TypeError
        return _Template("raw", "NotSupportedError: ReadableStream uploading is not supported", PROBED)
    return _Template("typeerror", "{value}", _INIT_UNKNOWN)


# What each engine throws from xhr.open() / setRequestHeader(): DOMExceptions, not TypeErrors (probed).
_XHR_THROWN: Mapping[str, Mapping[Reason, str]] = {
    "chromium": {
        Reason.INVALID_URL: "SyntaxError: Failed to execute 'open' on 'XMLHttpRequest': Invalid URL",
        Reason.INVALID_METHOD: "SyntaxError: Failed to execute 'open' on 'XMLHttpRequest': '{value}' is not a valid "
                               "HTTP method.",
        Reason.FORBIDDEN_METHOD: "SecurityError: Failed to execute 'open' on 'XMLHttpRequest': '{value}' HTTP method "
                                 "is unsupported.",
        Reason.INVALID_HEADER_NAME: "SyntaxError: Failed to execute 'setRequestHeader' on 'XMLHttpRequest': "
                                    "'{value}' is not a valid HTTP header field name.",
        Reason.INVALID_HEADER_VALUE: "SyntaxError: Failed to execute 'setRequestHeader' on 'XMLHttpRequest': "
                                     "'{value}' is not a valid HTTP header field value.",
    },
    "firefox": {
        Reason.INVALID_URL: "SyntaxError: XMLHttpRequest.open: '{value}' is not a valid URL.",
        Reason.INVALID_METHOD: "SyntaxError: An invalid or illegal string was specified",
        Reason.FORBIDDEN_METHOD: "SecurityError: The operation is insecure.",
        Reason.INVALID_HEADER_NAME: "SyntaxError: Invalid header name.",
        Reason.INVALID_HEADER_VALUE: "SyntaxError: Invalid header name.",  # sic, for a bad value too
    },
    "webkit": {
        Reason.INVALID_URL: "SyntaxError: The string did not match the expected pattern.",
        Reason.INVALID_METHOD: "SyntaxError: The string did not match the expected pattern.",
        Reason.FORBIDDEN_METHOD: "SecurityError: The operation is insecure.",
        Reason.INVALID_HEADER_NAME: "SyntaxError: The string did not match the expected pattern.",
        Reason.INVALID_HEADER_VALUE: "SyntaxError: The string did not match the expected pattern.",
    },
}


def _chromium_net(f: _Fields) -> str:
    return _CHROMIUM_NET_ERRORS.get(f.fault or FaultKind.OTHER, "ERR_FAILED")


def _webkit_net(f: _Fields) -> str:
    return _WEBKIT_NET_ERRORS.get(f.fault or FaultKind.OTHER, "Load failed").format(host=f.host)


# Chromium 156 prints the list sorted (observed; cors_error_string.cc joins the registered schemes).
_CR_SCHEMES = ("chrome, chrome-experimental-site-token-provider, chrome-extension, chrome-untrusted, data, http, "
               "https, isolated-app")
_CR_SCHEMES_TEXT = "Cross origin requests are only supported for protocol schemes: " + _CR_SCHEMES + "."
# Schemes Chromium's network stack refuses as a redirect target before CORS sees them (observed:
# data:, file:, about:); any other non-HTTP scheme (ftp:, javascript:, unknown ones) reaches the
# CORS check and gets kCorsDisabledScheme. blob: and filesystem: were not probed.
_CR_UNSAFE_REDIRECT_SCHEMES = frozenset({"data", "file", "about"})


def _chromium_net_failure(f: _Fields) -> _Template:
    src = PROBED if (f.fault or FaultKind.OTHER) in _CHROMIUM_NET_OBSERVED else (
        UNVERIFIED + "; DNS failures and timeouts cannot be produced on loopback")
    return _Template("net", _chromium_net, src)


def _chromium_disallowed(f: _Fields) -> _Template:
    if f.url != f.initial_url:
        # after a redirect to another origin; Chromium names the frame's URL (corssim knows only
        # the page's origin, so it prints the origin followed by "/")
        return _Template("raw", "Unsafe attempt to load URL {url} from frame with URL {page}. Domains, protocols and "
                         "ports must match.", PROBED)
    return _Template("fetchapi", 'Request mode is "same-origin" but the URL\'s origin is not same as the request '
                     "origin {origin}.", PROBED)


def _chromium_disabled_scheme(f: _Fields) -> _Template:
    if f.value == "file":
        return _Template("raw", "Not allowed to load local resource: {url}", PROBED)
    if f.kind == "XMLHttpRequest":
        if f.value == "ftp":
            return _Template("raw", "FTP is not supported.", PROBED)
        return _Template("cors", _CR_SCHEMES_TEXT, PROBED, "kCorsDisabledScheme")
    return _Template("fetchapi", 'URL scheme "{value}" is not supported.', PROBED)


def _chromium_non_http_redirect(f: _Fields) -> _Template:
    if f.location_scheme in _CR_UNSAFE_REDIRECT_SCHEMES:
        return _Template("net", "ERR_UNSAFE_REDIRECT", PROBED)
    return _Template(
        "raw",
        lambda f: (f"Access to {f.kind} at '{f.location}' (redirected from '{f.initial_url}') from origin "
                   f"'{f.origin}' has been blocked by CORS policy: {_CR_SCHEMES_TEXT}"),
        PROBED,
        "kCorsDisabledScheme",
    )

_CHROMIUM: Mapping[Reason, _Entry] = {
    Reason.INVALID_URL: _Template("typeerror", "Failed to parse URL from {value}", PROBED),
    Reason.URL_HAS_CREDENTIALS: _Template(
        "typeerror", "Request cannot be constructed from a URL that includes credentials: {value}", PROBED
    ),
    Reason.INVALID_METHOD: _Template("typeerror", "'{value}' is not a valid HTTP method.", PROBED),
    Reason.FORBIDDEN_METHOD: _Template("typeerror", "'{value}' HTTP method is unsupported.", PROBED),
    Reason.INVALID_HEADER_NAME: _Template("typeerror", "Invalid name", PROBED),
    Reason.INVALID_HEADER_VALUE: _Template("typeerror", "Invalid value", PROBED),
    Reason.BODY_WITH_GET_OR_HEAD: _Template("typeerror", "Request with GET/HEAD method cannot have body.", PROBED),
    Reason.NO_CORS_METHOD: _Template("typeerror", "'{value}' is unsupported in no-cors mode.", OBSERVED),
    Reason.INVALID_MODE: _Template("typeerror", _chromium_mode, PROBED),
    Reason.INVALID_INIT: _chromium_init,
    # Not CORS's kDisallowedByMode: a same-origin-mode fetch of another origin never reaches it.
    Reason.DISALLOWED_BY_MODE: _chromium_disallowed,
    Reason.CORS_DISABLED_SCHEME: _chromium_disabled_scheme,
    Reason.NO_CORS_REDIRECT_MODE: _Template(
        "fetchapi", "Request mode is \"no-cors\" but the redirect mode is not \"follow\".", PROBED
    ),
    Reason.MISSING_ALLOW_ORIGIN: _Template(
        "cors",
        "No 'Access-Control-Allow-Origin' header is present on the requested resource.",
        FACTS_CHROMIUM,
        "kMissingAllowOriginHeader",
        "opaque",
    ),
    Reason.MULTIPLE_ALLOW_ORIGIN: _Template(
        "cors",
        "The 'Access-Control-Allow-Origin' header contains multiple values '{value}', but only one is allowed.",
        FACTS_CHROMIUM,
        "kMultipleAllowOriginValues",
        "nocors",
    ),
    Reason.INVALID_ALLOW_ORIGIN: _Template(
        "cors",
        "The 'Access-Control-Allow-Origin' header contains the invalid value '{value}'.",
        FACTS_CHROMIUM,
        "kInvalidAllowOriginValue",
        "nocors",
    ),
    Reason.ALLOW_ORIGIN_MISMATCH: _Template(
        "cors",
        "The 'Access-Control-Allow-Origin' header has a value '{value}' that is not equal to the supplied origin.",
        FACTS_CHROMIUM,
        "kAllowOriginMismatch",
        "nocors",
    ),
    Reason.WILDCARD_ORIGIN_WITH_CREDENTIALS: _Template(
        "cors",
        "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' "
        "when the request's credentials mode is 'include'.",
        FACTS_CHROMIUM,
        "kWildcardOriginNotAllowed",
        "xhr_credentials",
    ),
    Reason.INVALID_ALLOW_CREDENTIALS: _Template(
        "cors",
        "The value of the 'Access-Control-Allow-Credentials' header in the response is '{value}' which must be "
        "'true' when the request's credentials mode is 'include'.",
        FACTS_CHROMIUM,
        "kInvalidAllowCredentials",
        "xhr_credentials",
    ),
    Reason.PREFLIGHT_INVALID_STATUS: _Template(
        "cors", "It does not have HTTP ok status.", FACTS_CHROMIUM, "kPreflightInvalidStatus"
    ),
    Reason.PREFLIGHT_REDIRECT: _Template(
        "cors", "Redirect is not allowed for a preflight request.", FACTS_CHROMIUM, "kPreflightDisallowedRedirect"
    ),
    Reason.INVALID_ALLOW_METHODS: _Template(
        "cors",
        "Cannot parse Access-Control-Allow-Methods response header field in preflight response.",
        FACTS_CHROMIUM,
        "kInvalidAllowMethodsPreflightResponse",
    ),
    Reason.INVALID_ALLOW_HEADERS: _Template(
        "cors",
        "Cannot parse Access-Control-Allow-Headers response header field in preflight response.",
        FACTS_CHROMIUM,
        "kInvalidAllowHeadersPreflightResponse",
    ),
    Reason.METHOD_NOT_ALLOWED: _Template(
        "cors",
        "Method {value} is not allowed by Access-Control-Allow-Methods in preflight response.",
        FACTS_CHROMIUM,
        "kMethodDisallowedByPreflightResponse",
    ),
    Reason.HEADER_NOT_ALLOWED: _Template(
        "cors",
        lambda f: f"Request header field {f.value.lower()} is not allowed by Access-Control-Allow-Headers "
        "in preflight response.",
        FACTS_CHROMIUM,
        "kHeaderDisallowedByPreflightResponse",
    ),
    # ERR_FAILED is reported for the URL the redirect pointed to (observed), not the one that redirected
    Reason.REDIRECT_MODE_ERROR: _Template("raw", lambda f: f"{f.method} {f.location or f.url} net::ERR_FAILED", PROBED),
    Reason.TOO_MANY_REDIRECTS: _Template("net", "ERR_TOO_MANY_REDIRECTS", PROBED),
    # Chromium 156 leaves the location out of this message: it prints '' (observed, cross-origin
    # and same-origin start alike), and names the URL that redirected.
    Reason.REDIRECT_CONTAINS_CREDENTIALS: _Template(
        "cors",
        "Redirect location '' contains a username and password, which is disallowed for cross-origin requests.",
        PROBED,
        "kRedirectContainsCredentials",
    ),
    Reason.INVALID_REDIRECT_LOCATION: _Template("net", "ERR_INVALID_REDIRECT", PROBED),
    Reason.REDIRECT_NON_HTTP_SCHEME: _chromium_non_http_redirect,
    # Not observable over HTTP/1.1: Chromium fails every streamed upload there with
    # net::ERR_ALPN_NEGOTIATION_FAILED before any redirect (probed); read from the source instead.
    Reason.REDIRECT_WITH_STREAM_BODY: _Template("net", "ERR_INVALID_ARGUMENT", "Cr cors_url_loader.cc OnReceiveRedirect"),
    Reason.NETWORK_FAILURE: _chromium_net_failure,
}

_FF_DID_NOT_SUCCEED = "(Reason: CORS request did not succeed). Status code: (null)."
_FF_HEAD = "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at "


def _firefox_did_not_succeed(f: _Fields) -> _Template:
    """A failure without an HTTP response: Firefox's CORS listener logs CORSDidNotSucceed for a
    cross-origin fetch (its status is "(null)" even when a redirect's status was seen) and
    nothing at all for a same-origin one (observed)."""
    if not f.cross_origin:
        return _Template("none", "", PROBED)
    return _Template("cors", _FF_DID_NOT_SUCCEED, PROBED, "CORSDidNotSucceed")


def _firefox_net_failure(f: _Fields) -> _Template:
    tpl = _firefox_did_not_succeed(f)
    if f.preflight and tpl.family == "cors":
        # the line comes twice when the preflight fails (observed: refused, reset, closed)
        line = _FF_HEAD + f.url + ". " + _FF_DID_NOT_SUCCEED
        return _Template("raw", lambda _: line + "\n" + line, PROBED, "CORSDidNotSucceed")
    return tpl


def _firefox_disabled_scheme(f: _Fields) -> _Template:
    if f.value == "file":
        # corssim knows only the page's origin; Firefox names the page's full URL here
        return _Template("raw", "Security Error: Content at {page} may not load or link to {url}.", PROBED)
    return _Template("cors", "(Reason: CORS request not http).", PROBED, "CORSRequestNotHttp")


def _firefox_non_http_redirect(f: _Fields) -> _Template:
    """Observed: one line about the target by scheme (none for javascript:), then for a
    cross-origin fetch CORSDidNotSucceed for the URL that redirected."""
    lines: list[str] = []
    code = "CORSDidNotSucceed" if f.cross_origin else ""
    if f.location_scheme == "data":
        lines.append(f"Redirecting to data: URI not allowed (Blocked loading of: \u201c{f.location}\u201d)")
    elif f.location_scheme == "file":
        lines.append(f"Security Error: Content at {f.url} may not load or link to {f.location}.")
    elif f.location_scheme != "javascript":
        lines.append(_FF_HEAD + f.location + ". (Reason: CORS request not http).")
        code = "CORSRequestNotHttp"
    if f.cross_origin:
        lines.append(_FF_HEAD + f.url + ". " + _FF_DID_NOT_SUCCEED)
    if not lines:
        return _Template("none", "", PROBED)
    text = "\n".join(lines)
    return _Template("raw", lambda _: text, PROBED, code)


_FIREFOX: Mapping[Reason, _Entry] = {
    Reason.INVALID_URL: _Template("typeerror", "{value} is not a valid URL.", PROBED),
    Reason.URL_HAS_CREDENTIALS: _Template("typeerror", "{value} is an url with embedded credentials.", PROBED),
    Reason.INVALID_METHOD: _Template("typeerror", "Invalid request method {value}.", PROBED),
    Reason.FORBIDDEN_METHOD: _Template("typeerror", "Invalid request method {value}.", PROBED),
    # the name comes lower-cased (observed: "x bad is an invalid header name.")
    Reason.INVALID_HEADER_NAME: _Template("typeerror", "{lvalue} is an invalid header name.", PROBED),
    # a NUL in the value cuts Firefox's message short there (observed); corssim prints it whole
    Reason.INVALID_HEADER_VALUE: _Template("typeerror", "{value} is an invalid header value.", PROBED),
    Reason.BODY_WITH_GET_OR_HEAD: _Template("typeerror", "HEAD or GET Request cannot have a body.", PROBED),
    Reason.NO_CORS_METHOD: _Template("typeerror", "Invalid request method {value}.", OBSERVED),
    Reason.INVALID_MODE: _Template("typeerror", _firefox_mode, PROBED),
    Reason.INVALID_INIT: _firefox_init,
    # an "SOP" security error naming the page (corssim prints its origin and "/") and the target
    Reason.DISALLOWED_BY_MODE: _Template("raw", "Security Error: Content at {page} may not load data from {url}.",
                                         PROBED),
    Reason.CORS_DISABLED_SCHEME: _firefox_disabled_scheme,
    Reason.NO_CORS_REDIRECT_MODE: _Template("none", "", PROBED),
    Reason.MISSING_ALLOW_ORIGIN: _Template(
        "cors",
        "(Reason: CORS header \u2018Access-Control-Allow-Origin\u2019 missing). Status code: {status}.",
        FACTS_FIREFOX,
        "CORSMissingAllowOrigin",
    ),
    Reason.MULTIPLE_ALLOW_ORIGIN: _Template(
        "cors",
        "(Reason: Multiple CORS header \u2018Access-Control-Allow-Origin\u2019 not allowed).",
        FACTS_FIREFOX,
        "CORSMultipleAllowOriginNotAllowed",
    ),
    Reason.INVALID_ALLOW_ORIGIN: _Template(
        "cors",
        "(Reason: CORS header \u2018Access-Control-Allow-Origin\u2019 does not match \u2018{value}\u2019).",
        FACTS_FIREFOX,
        "CORSAllowOriginNotMatchingOrigin",
    ),
    Reason.ALLOW_ORIGIN_MISMATCH: _Template(
        "cors",
        "(Reason: CORS header \u2018Access-Control-Allow-Origin\u2019 does not match \u2018{value}\u2019).",
        FACTS_FIREFOX,
        "CORSAllowOriginNotMatchingOrigin",
    ),
    Reason.WILDCARD_ORIGIN_WITH_CREDENTIALS: _Template(
        "cors",
        "(Reason: Credential is not supported if the CORS header \u2018Access-Control-Allow-Origin\u2019 is \u2018*\u2019).",
        FACTS_FIREFOX,
        "CORSNotSupportingCredentials",
    ),
    Reason.INVALID_ALLOW_CREDENTIALS: _Template(
        "cors",
        "(Reason: expected \u2018true\u2019 in CORS header \u2018Access-Control-Allow-Credentials\u2019).",
        FACTS_FIREFOX,
        "CORSMissingAllowCredentials",
    ),
    Reason.PREFLIGHT_INVALID_STATUS: _Template(
        "cors",
        "(Reason: CORS preflight response did not succeed). Status code: {status}.",
        FACTS_FIREFOX,
        "CORSPreflightDidNotSucceed",
    ),
    Reason.PREFLIGHT_REDIRECT: _Template(
        "cors",
        "(Reason: CORS preflight response did not succeed). Status code: {status}.",
        FACTS_FIREFOX + "; its use for a redirected preflight is unverified",
        "CORSPreflightDidNotSucceed",
    ),
    Reason.INVALID_ALLOW_METHODS: _Template(
        "cors",
        "(Reason: invalid token \u2018{value}\u2019 in CORS header \u2018Access-Control-Allow-Methods\u2019).",
        FACTS_FIREFOX,
        "CORSInvalidAllowMethod",
    ),
    Reason.INVALID_ALLOW_HEADERS: _Template(
        "cors",
        "(Reason: invalid token \u2018{value}\u2019 in CORS header \u2018Access-Control-Allow-Headers\u2019).",
        FACTS_FIREFOX,
        "CORSInvalidAllowHeader",
    ),
    Reason.METHOD_NOT_ALLOWED: _Template(
        "cors",
        "(Reason: Did not find method in CORS header \u2018Access-Control-Allow-Methods\u2019).",
        FACTS_FIREFOX,
        "CORSMethodNotFound",
    ),
    Reason.HEADER_NOT_ALLOWED: _Template(
        "cors",
        "(Reason: header \u2018{lvalue}\u2019 is not allowed according to header "
        "\u2018Access-Control-Allow-Headers\u2019 from CORS preflight response).",
        FACTS_FIREFOX,
        "CORSMissingAllowHeaderFromPreflight",
    ),
    Reason.REDIRECT_MODE_ERROR: _Template("none", "", PROBED),  # nothing logged, cross-origin or not
    Reason.TOO_MANY_REDIRECTS: _firefox_did_not_succeed,
    # logged even when the fetch started same-origin: the Location (another origin) is what fails
    Reason.REDIRECT_CONTAINS_CREDENTIALS: _Template("cors", _FF_DID_NOT_SUCCEED, PROBED, "CORSDidNotSucceed"),
    Reason.INVALID_REDIRECT_LOCATION: _firefox_did_not_succeed,
    Reason.REDIRECT_NON_HTTP_SCHEME: _firefox_non_http_redirect,
    # cannot happen in Firefox: it sends a ReadableStream body as a string, so nothing is streamed
    Reason.REDIRECT_WITH_STREAM_BODY: _Template("none", "", UNVERIFIED + "; Firefox has no streamed uploads"),
    Reason.NETWORK_FAILURE: _firefox_net_failure,
}

_WK_ORIGIN = "Origin {sent_origin} is not allowed by Access-Control-Allow-Origin. Status code: {status}"

_WK_NON_CORS_SCHEME = ("Cross-origin redirection to {location} denied by Cross-Origin Resource Sharing policy: "
                       "not allowed to follow a cross-origin CORS redirection with non CORS scheme")


def _webkit_disallowed(f: _Fields) -> _Template:
    if f.url != f.initial_url:
        return _Template("cors", "Unsafe attempt to load URL {url} from origin {origin}. Domains, protocols and ports "
                         "must match.", PROBED)
    # the first URL already of another origin: only the API line, without "due to access control checks"
    return _Template("raw", "{api} cannot load {url}.", PROBED)


def _webkit_invalid_location(f: _Fields) -> _Template:
    if not f.cross_origin:
        # nothing on the page's console; Web Inspector's network line (observed, with a typographic apostrophe)
        return _Template("raw", "Failed to load resource: The URL can\u2019t be shown", PROBED)
    return _Template("cors", _WK_NON_CORS_SCHEME.replace("{location}", "{value}"), PROBED)


def _webkit_non_http_redirect(f: _Fields) -> _Template:
    if f.location_scheme == "ftp":
        return _Template("cors", "FTP URLs are disabled", PROBED)
    # also when the fetch started same-origin (observed for data:)
    return _Template("cors", _WK_NON_CORS_SCHEME, PROBED)


def _webkit_net_failure(f: _Fields) -> _Template:
    observed = (f.fault or FaultKind.OTHER) in _WEBKIT_NET_OBSERVED
    src = PROBED if observed else UNVERIFIED + "; DNS failures and timeouts cannot be produced on loopback"
    if f.preflight:
        return _Template("cors", _webkit_net, src)
    # Nothing reaches the page's console for a failed request without preflight; Web Inspector's
    # network agent shows "Failed to load resource: <error>" (observed through the remote inspector).
    return _Template("raw", lambda f: "Failed to load resource: " + _webkit_net(f), src)


_WEBKIT: Mapping[Reason, _Entry] = {
    Reason.INVALID_URL: _Template("typeerror", "URL is not valid or contains user credentials.", PROBED),
    Reason.URL_HAS_CREDENTIALS: _Template("typeerror", "URL is not valid or contains user credentials.", PROBED),
    Reason.INVALID_METHOD: _Template("typeerror", "Method is not a valid HTTP token.", PROBED),
    Reason.FORBIDDEN_METHOD: _Template("typeerror", "Method is forbidden.", PROBED),
    Reason.INVALID_HEADER_NAME: _Template("typeerror", "Invalid header name: '{value}'", PROBED),
    Reason.INVALID_HEADER_VALUE: _Template("typeerror", "Header '{header}' has invalid value: '{value}'", PROBED),
    Reason.BODY_WITH_GET_OR_HEAD: _Template(
        "typeerror", lambda f: f"Request has method '{f.value or f.method}' and cannot have a body", PROBED
    ),
    Reason.NO_CORS_METHOD: _Template("typeerror", "Method must be GET, POST or HEAD in no-cors mode.", OBSERVED),
    Reason.INVALID_MODE: _Template("typeerror", _webkit_mode, PROBED),
    Reason.INVALID_INIT: _webkit_init,
    Reason.DISALLOWED_BY_MODE: _webkit_disallowed,
    Reason.CORS_DISABLED_SCHEME: _Template("cors", "Cross origin requests are only supported for HTTP.", PROBED),
    Reason.NO_CORS_REDIRECT_MODE: _Template(
        "cors", "No-Cors mode requires follow redirect mode\nNot allowed to request resource", PROBED
    ),
    Reason.MISSING_ALLOW_ORIGIN: _Template("cors", _WK_ORIGIN, FACTS_WEBKIT),
    Reason.MULTIPLE_ALLOW_ORIGIN: _Template(
        "cors", "Access-Control-Allow-Origin cannot contain more than one origin.", FACTS_WEBKIT
    ),
    Reason.INVALID_ALLOW_ORIGIN: _Template("cors", _WK_ORIGIN, FACTS_WEBKIT),
    Reason.ALLOW_ORIGIN_MISMATCH: _Template("cors", _WK_ORIGIN, FACTS_WEBKIT),
    Reason.WILDCARD_ORIGIN_WITH_CREDENTIALS: _Template(
        "cors", "Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true.", FACTS_WEBKIT
    ),
    Reason.INVALID_ALLOW_CREDENTIALS: _Template(
        "cors", 'Credentials flag is true, but Access-Control-Allow-Credentials is not "true".', FACTS_WEBKIT
    ),
    Reason.PREFLIGHT_INVALID_STATUS: _Template(
        "cors", "Preflight response is not successful. Status code: {status}", FACTS_WEBKIT
    ),
    Reason.PREFLIGHT_REDIRECT: _Template(
        "cors",
        "Preflight response is not successful. Status code: {status}",
        FACTS_WEBKIT + "; its use for a redirected preflight is unverified",
    ),
    Reason.INVALID_ALLOW_METHODS: _Template(
        "cors", "Header Access-Control-Allow-Methods has an invalid value: {value}", FACTS_WEBKIT
    ),
    Reason.INVALID_ALLOW_HEADERS: _Template(
        "cors", "Header Access-Control-Allow-Headers has an invalid value: {value}", FACTS_WEBKIT
    ),
    Reason.METHOD_NOT_ALLOWED: _Template(
        "cors", "Method {value} is not allowed by Access-Control-Allow-Methods.", FACTS_WEBKIT
    ),
    Reason.HEADER_NOT_ALLOWED: _Template(
        "cors", "Request header field {value} is not allowed by Access-Control-Allow-Headers.", FACTS_WEBKIT
    ),
    Reason.REDIRECT_MODE_ERROR: _Template("cors", "Not allowed to follow a redirection while loading {url}", PROBED),
    Reason.TOO_MANY_REDIRECTS: _Template("cors", "Load cannot follow more than 20 redirections", PROBED),
    # the first URL is printed without its user:password, the second with it (observed)
    Reason.REDIRECT_CONTAINS_CREDENTIALS: _Template(
        "cors",
        lambda f: (f"Cross-origin redirection to {_without_credentials(f.value)} denied by Cross-Origin Resource "
                   f"Sharing policy: redirection URL {f.value} has credentials"),
        PROBED,
    ),
    Reason.INVALID_REDIRECT_LOCATION: _webkit_invalid_location,
    Reason.REDIRECT_NON_HTTP_SCHEME: _webkit_non_http_redirect,
    # cannot happen in WebKit: it rejects a ReadableStream body before sending (NotSupportedError)
    Reason.REDIRECT_WITH_STREAM_BODY: _Template("none", "", UNVERIFIED + "; WebKit has no streamed uploads"),
    Reason.NETWORK_FAILURE: _webkit_net_failure,
}


def _without_credentials(url: str) -> str:
    try:
        p = _url.parse(url)
    except InvalidURL:
        return url
    if not p.has_credentials:
        return p.href
    return p.href.replace(p.username + (":" + p.password if p.password else "") + "@", "", 1)


TABLES: Mapping[str, Mapping[Reason, _Entry]] = {
    "chromium": _CHROMIUM,
    "firefox": _FIREFOX,
    "webkit": _WEBKIT,
}


@attrs.frozen(kw_only=True)
class ConsoleEntry:
    """What one engine's console shows for a failed fetch, and where the wording comes from."""

    browser: str  # the profile asked for ("spec" borrows Chromium's wording)
    engine: str  # whose wording it is: chromium | firefox | webkit
    text: str
    code: str = ""  # Chromium CorsError name, or Firefox console category
    doc_url: str = ""  # Firefox's "Learn More" page
    source: str = ""
    #: False when the engine logs nothing for this failure: `text` is then the error the script
    #: receives (what the console shows only if the page leaves the rejection uncaught)
    logged: bool = True

    @property
    def verified(self) -> bool:
        return not self.source.startswith("unverified")


def _profile(browser: str) -> str:
    name = browser.lower()
    if name not in BROWSERS:
        raise InvalidProfile(browser, list(BROWSERS))
    return name


def _chromium_text(reason: Reason, tpl: _Template, f: _Fields, api: str) -> str:
    body = _t(tpl.text, f)
    if tpl.family == "raw":
        return body
    if tpl.family == "typeerror":
        where = "Failed to execute 'open' on 'XMLHttpRequest': " if api == "xhr" else (
            "Failed to execute 'fetch' on 'Window': "
        )
        return "TypeError: " + where + body
    if tpl.family == "net":
        return f"{f.method} {f.url} net::{body}"
    if tpl.family == "fetchapi":
        return f"Fetch API cannot load {f.url}. {body}"
    head = f"Access to {f.kind} at '{f.url}' "
    if f.url != f.initial_url and f.initial_url:
        head += f"(redirected from '{f.initial_url}') "
    head += f"from origin '{f.origin}' has been blocked by CORS policy: "
    preflight_prefixed = reason in (Reason.PREFLIGHT_INVALID_STATUS, Reason.PREFLIGHT_REDIRECT) or (
        f.preflight and reason in _CORS_CHECK
    )
    if preflight_prefixed:
        head += "Response to preflight request doesn't pass access control check: "
    tail = ""
    # Chromium 156 (observed) no longer suggests mode 'no-cors': a missing ACAO gets no tail at
    # all, an unusable ACAO value gets only the first sentence of the old hint, and only for fetch.
    if tpl.hint == "nocors" and api != "xhr":
        tail = " Have the server send the header with a valid value."
    elif tpl.hint == "xhr_credentials" and api == "xhr":
        tail = (
            " The credentials mode of requests initiated by the XMLHttpRequest is controlled by the"
            " withCredentials attribute."
        )
    return head + body + tail


def _firefox_text(tpl: _Template, f: _Fields, api: str) -> str:
    if tpl.family == "raw":
        return _t(tpl.text, f)
    if tpl.family == "typeerror":
        where = "XMLHttpRequest.open: " if api == "xhr" else "Window.fetch: "
        return "TypeError: " + where + _t(tpl.text, f)
    status = f.status or "(null)"
    body = _t(tpl.text, attrs.evolve(f, status=status))
    at = f"\u2018{f.url}\u2019" if tpl.code == "CORSNotSupportingCredentials" else f.url
    text = f"Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {at}. {body}"
    return text


def _webkit_text(tpl: _Template, f: _Fields, api: str) -> str:
    body = _t(tpl.text, attrs.evolve(f, status=f.status or "0"))
    if tpl.family == "raw":
        return body
    if tpl.family == "typeerror":
        return "TypeError: " + body
    if tpl.family == "net":
        return f"{body}\n{f.api} cannot load {f.url}."
    return f"{body}\n{f.api} cannot load {f.url} due to access control checks."


def console_entry(result: Result, browser: str | None = None) -> ConsoleEntry | None:
    """The console message of `browser` (default: the result's own profile) for a failed result.

    None when the fetch succeeded. The "spec" profile has no console: Chromium's wording is used.
    """
    name = _profile(browser or result.browser)
    failure = result.failure
    if failure is None:
        return None
    engine = "chromium" if name == "spec" else name
    f = _fields(result)
    xhr_thrown = _XHR_THROWN[engine].get(failure.reason) if result.api == "xhr" else None
    if xhr_thrown is not None:
        tpl = _Template("raw", xhr_thrown, PROBED)
    else:
        entry = TABLES[engine][failure.reason]
        tpl = entry if isinstance(entry, _Template) else entry(f)
        if result.api == "xhr" and failure.reason.thrown_before_send:
            # only fetch()/new Request() raise this one: the wording was never seen from an XHR
            tpl = attrs.evolve(tpl, source=UNVERIFIED + "; a fetch() error, not one XMLHttpRequest raises")
    if tpl.family == "none":
        text = ("TypeError: " + _SCRIPT_ERROR[engine] if result.api != "xhr"
                else "(nothing logged; the XMLHttpRequest fires an error event)")
        return ConsoleEntry(browser=name, engine=engine, text=text, source=tpl.source, logged=False)
    if engine == "chromium":
        text = _chromium_text(failure.reason, tpl, f, result.api)
        return ConsoleEntry(browser=name, engine=engine, text=text, code=tpl.code, source=tpl.source)
    if engine == "firefox":
        text = _firefox_text(tpl, f, result.api)
        doc = ""
        if tpl.code:
            doc = MDN_CORS_ERRORS + tpl.code
        return ConsoleEntry(browser=name, engine=engine, text=text, code=tpl.code, doc_url=doc, source=tpl.source)
    rechecked_to = _webkit_recheck_target(result)
    if rechecked_to is not None:
        # profiles.redirect_recheck_with_start_credentials: the web process's own redirect check
        # logs the CORS detail behind a line naming the redirect's target
        detail = _t(tpl.text, attrs.evolve(f, status=f.status or "0"))
        text = (f"Cross-origin redirection to {rechecked_to} denied by Cross-Origin Resource Sharing policy: "
                f"{detail}")
        return ConsoleEntry(browser=name, engine=engine, text=text, code=tpl.code, source=WEBKIT_RECHECK_SOURCE)
    text = _webkit_text(tpl, f, result.api)
    return ConsoleEntry(browser=name, engine=engine, text=text, code=tpl.code, source=tpl.source)


WEBKIT_RECHECK_SOURCE = ("WebKit source (SubresourceLoader::checkRedirectionCrossOriginAccessControl); "
                         "the failure was observed (spec_notes/engines.md), its console line was not captured")


def _webkit_recheck_target(result: Result) -> str | None:
    """The URL a redirect pointed to when WebKit's second redirect check failed, or None."""
    failed = False
    for d in result.decisions:
        if d.name == "redirect-recheck" and not d.passed and d.value("status") is not None:
            failed = True
        elif failed and d.name == "redirect" and d.value("location") is not None:
            return d.value("location")
    return None


def firefox_blocking_code(category: str) -> int | None:
    """Firefox's nsILoadInfo blocking-reason number for a console category (facts §3.2)."""
    return _FIREFOX_CODES.get(category)


def console_message(result: Result, browser: str | None = None) -> str | None:
    """The text `browser`'s console prints for this result (None when the fetch succeeded)."""
    entry = console_entry(result, browser)
    return entry.text if entry is not None else None


def script_error(result: Result, browser: str | None = None) -> str | None:
    """What the page's script sees: the TypeError message of the rejected promise (fetch), or the
    XHR error event (status 0). None when the fetch succeeded."""
    name = _profile(browser or result.browser)
    failure = result.failure
    if failure is None:
        return None
    engine = "chromium" if name == "spec" else name
    if failure.reason.thrown_before_send:
        entry = console_entry(result, name)
        assert entry is not None
        return entry.text  # one message (a value in it may itself contain a line break)
    if result.api == "xhr":
        return "error event (xhr.status 0, empty responseText)"
    return "TypeError: " + _SCRIPT_ERROR[engine]


# --------------------------------------------------------------------------------------------
# short, engine-neutral reasons (our own words)

_CORS_CHECK = frozenset(
    {
        Reason.MISSING_ALLOW_ORIGIN,
        Reason.MULTIPLE_ALLOW_ORIGIN,
        Reason.INVALID_ALLOW_ORIGIN,
        Reason.ALLOW_ORIGIN_MISMATCH,
        Reason.WILDCARD_ORIGIN_WITH_CREDENTIALS,
        Reason.INVALID_ALLOW_CREDENTIALS,
    }
)

_SHORT: Mapping[Reason, str] = {
    Reason.INVALID_URL: "fetch() threw: the URL {value!r} does not parse",
    Reason.URL_HAS_CREDENTIALS: "fetch() threw: the URL carries a username or password",
    Reason.INVALID_METHOD: "fetch() threw: {value!r} is not a valid method",
    Reason.FORBIDDEN_METHOD: "fetch() threw: the method {value} is forbidden",
    Reason.INVALID_HEADER_NAME: "fetch() threw: {value!r} is not a valid header name",
    Reason.INVALID_HEADER_VALUE: "fetch() threw: {value!r} is not a valid header value",
    Reason.BODY_WITH_GET_OR_HEAD: "fetch() threw: a GET or HEAD request cannot have a body",
    Reason.NO_CORS_METHOD: "fetch() threw: {value} is not allowed in no-cors mode",
    Reason.INVALID_MODE: "fetch() threw: mode {value!r} cannot be used",
    Reason.INVALID_INIT: "fetch() threw: {value}",
    Reason.DISALLOWED_BY_MODE: "mode 'same-origin' forbids a cross-origin URL",
    Reason.CORS_DISABLED_SCHEME: "the URL's scheme does not support CORS requests",
    Reason.NO_CORS_REDIRECT_MODE: "mode 'no-cors' requires redirect 'follow'",
    Reason.MISSING_ALLOW_ORIGIN: "no Access-Control-Allow-Origin header",
    Reason.MULTIPLE_ALLOW_ORIGIN: "Access-Control-Allow-Origin has more than one value ({value})",
    Reason.INVALID_ALLOW_ORIGIN: "Access-Control-Allow-Origin {value!r} is not a valid value",
    Reason.ALLOW_ORIGIN_MISMATCH: "Access-Control-Allow-Origin {value!r} does not match the origin {sent_origin}",
    Reason.WILDCARD_ORIGIN_WITH_CREDENTIALS: "Access-Control-Allow-Origin '*' cannot be used with credentials",
    Reason.INVALID_ALLOW_CREDENTIALS: "Access-Control-Allow-Credentials is {value!r}, not 'true', with credentials",
    Reason.PREFLIGHT_INVALID_STATUS: "the preflight was answered {status}, not 2xx",
    Reason.PREFLIGHT_REDIRECT: "the preflight was answered with a redirect ({status})",
    Reason.INVALID_ALLOW_METHODS: "Access-Control-Allow-Methods does not parse ({value!r})",
    Reason.INVALID_ALLOW_HEADERS: "Access-Control-Allow-Headers does not parse ({value!r})",
    Reason.METHOD_NOT_ALLOWED: "Access-Control-Allow-Methods does not allow {value}",
    Reason.HEADER_NOT_ALLOWED: "Access-Control-Allow-Headers does not allow {lvalue}",
    Reason.REDIRECT_MODE_ERROR: "the response redirected but redirect mode is 'error'",
    Reason.TOO_MANY_REDIRECTS: "more than 20 redirects",
    Reason.REDIRECT_CONTAINS_CREDENTIALS: "a cross-origin redirect to a URL with credentials ({value})",
    Reason.INVALID_REDIRECT_LOCATION: "the redirect's Location {value!r} does not parse",
    Reason.REDIRECT_NON_HTTP_SCHEME: "a redirect to a non-HTTP(S) URL ({value})",
    Reason.REDIRECT_WITH_STREAM_BODY: "a redirect (other than 303) of a request with a streamed body ({value})",
    Reason.NETWORK_FAILURE: "network failure ({fault})",
}


def short_reason(result: Result) -> str:
    """One clause, engine-neutral, saying what failed (empty for a success)."""
    failure = result.failure
    if failure is None:
        return ""
    f = _fields(result)
    fault = failure.fault.kind.value if failure.fault else (f.fault.value if f.fault else "no response")
    if failure.fault and failure.fault.detail:
        fault += f": {failure.fault.detail}"
    text = _SHORT[failure.reason].format(
        value=f.value, lvalue=f.value.lower(), status=f.status or "?", sent_origin=f.sent_origin, fault=fault
    )
    if failure.preflight and not text.startswith("the preflight"):
        text = "preflight: " + text
    if _webkit_recheck_target(result) is not None:
        text += " (WebKit's second check of a redirect, credentials counted as sent)"
    return text


def summary(result: Result) -> str:
    """One line: "allowed: cors 200" or "blocked (chromium): preflight: ...". """
    if result.ok:
        rtype = result.response_type or "?"
        status = result.status if result.status is not None else "?"
        extra = " (after preflight)" if result.preflight_sent else ""
        return f"allowed: {rtype} {status}{extra}"
    return f"blocked ({result.browser}): {short_reason(result)}"


# --------------------------------------------------------------------------------------------
# the fix


@attrs.frozen(kw_only=True)
class Fix:
    """What to change so the fetch succeeds.

    `server_headers` are exact header lines for the response named in `applies_to`;
    `request_changes` are changes to the page's request that would avoid the failure;
    `caveats` are the security and compatibility points that matter for this fix.
    """

    server_headers: tuple[str, ...] = ()
    applies_to: str = ""
    server_changes: tuple[str, ...] = ()
    request_changes: tuple[str, ...] = ()
    caveats: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.server_headers or self.server_changes or self.request_changes or self.caveats)


_SAFE_METHODS = ("GET", "HEAD", "POST")
_SIMPLE_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")

CAVEAT_REFLECT = (
    "Never echo the request's Origin back unchecked while sending Access-Control-Allow-Credentials: true: "
    "compare it with an allow-list, or any site can read your users' data."
)
CAVEAT_WILDCARD = "Access-Control-Allow-Origin: * never works with credentials: name the origin instead."
CAVEAT_VARY = "When the allowed origin depends on the request, also send Vary: Origin so caches keep answers apart."
CAVEAT_NULL = (
    "The origin 'null' is shared by sandboxed iframes, data: URLs and redirected requests from any site: "
    "allowing it is close to allowing everyone. Prefer requesting the final URL directly."
)
CAVEAT_ACTUAL = (
    "Passing the preflight is not enough: the actual response must carry Access-Control-Allow-Origin "
    "(and Access-Control-Allow-Credentials: true with credentials) too."
)
CAVEAT_AUTH = (
    "Access-Control-Allow-Headers: * does not cover Authorization per the Fetch standard (engines differ): "
    "list it by name."
)


def _preflight_request(result: Result) -> HttpRequest | None:
    pre = result.preflights
    return pre[-1].request if pre else None


def _requested(result: Result) -> tuple[str, list[str]]:
    """The method and the CORS-unsafe header names the preflight asked about."""
    pre = _preflight_request(result)
    if pre is not None:
        method = pre.headers.get("Access-Control-Request-Method") or result.method
        acrh = pre.headers.get("Access-Control-Request-Headers") or ""
        return method, [h.strip() for h in acrh.split(",") if h.strip()]
    return result.method, []


def _actual_request(result: Result) -> HttpRequest | None:
    for ex in result.exchanges:
        if ex.kind is ExchangeKind.REQUEST:
            return ex.request
    return None


def _content_type(result: Result) -> str | None:
    req = _actual_request(result)
    if req is not None:
        return req.headers.get("Content-Type")
    return None


def _avoid_preflight(result: Result) -> list[str]:
    """Request changes that would make the request simple (no preflight), when that is possible."""
    method, names = _requested(result)
    out: list[str] = []
    if method not in _SAFE_METHODS:
        out.append(f"Use GET or POST instead of {method} if the API allows it: those need no preflight.")
    for name in names:
        if name == "content-type":
            out.append(
                "Send the body as text/plain (or form data) instead of JSON: a Content-Type outside "
                "text/plain, application/x-www-form-urlencoded and multipart/form-data needs a preflight "
                "(the server must then parse the body regardless of its type)."
            )
        elif name == "authorization":
            out.append(
                "Authorization always needs a preflight; a cookie (credentials: 'include') does not, but brings "
                "its own CORS rules."
            )
        else:
            out.append(f"Drop the {name} header (or send its value in the URL or body) to avoid the preflight.")
    return out


def _allow_origin_lines(result: Result, sent_origin: str) -> tuple[list[str], list[str]]:
    creds = result.credentials == "include"
    lines = [f"Access-Control-Allow-Origin: {sent_origin}"]
    caveats: list[str] = []
    if creds:
        lines.append("Access-Control-Allow-Credentials: true")
        caveats += [CAVEAT_REFLECT, CAVEAT_WILDCARD]
    lines.append("Vary: Origin")
    caveats.append(CAVEAT_VARY)
    if sent_origin == "null":
        caveats.append(CAVEAT_NULL)
    return lines, caveats


def _preflight_lines(result: Result) -> list[str]:
    method, names = _requested(result)
    lines: list[str] = []
    if method not in _SAFE_METHODS:
        lines.append(f"Access-Control-Allow-Methods: {method}")
    if names:
        lines.append("Access-Control-Allow-Headers: " + ", ".join(names))
    return lines


def _where(result: Result, f: _Fields) -> str:
    if f.preflight:
        return f"the preflight (OPTIONS) response from {f.url}"
    return f"the response from {f.url}"


def fix(result: Result) -> Fix:
    """What the server (or the page) should change. Empty for a plain success."""
    failure = result.failure
    if failure is None:
        if result.response_type == "opaque":
            return Fix(
                request_changes=(
                    "The response is opaque (mode 'no-cors'): the script cannot read its status, headers or "
                    "body. Use mode 'cors' and have the server send Access-Control-Allow-Origin to read it.",
                ),
            )
        return Fix()
    f = _fields(result)
    r = failure.reason
    where = _where(result, f)
    creds = result.credentials == "include"
    headers: list[str] = []
    server: list[str] = []
    request: list[str] = []
    caveats: list[str] = []

    if r.thrown_before_send:
        request.append(
            {
                Reason.INVALID_URL: f"Pass a URL that parses (got {f.value!r}).",
                Reason.URL_HAS_CREDENTIALS: "Remove user:password@ from the URL; send credentials in a header.",
                Reason.INVALID_METHOD: f"Use a method that is an HTTP token (got {f.value!r}).",
                Reason.FORBIDDEN_METHOD: f"Browsers never send {f.value}: pick another method.",
                Reason.INVALID_HEADER_NAME: f"Header names must be HTTP tokens (got {f.value!r}).",
                Reason.INVALID_HEADER_VALUE: f"Header values cannot contain NUL, CR or LF (got {f.value!r}).",
                Reason.BODY_WITH_GET_OR_HEAD: "Drop the body, or use POST.",
                Reason.NO_CORS_METHOD: f"mode 'no-cors' allows only GET, HEAD and POST: use mode 'cors' for {f.value}.",
                Reason.INVALID_MODE: "Use mode 'cors', 'no-cors' or 'same-origin'.",
                Reason.INVALID_INIT: f"Fix the fetch() options: {f.value}.",
            }[r]
        )
        caveats.append("Nothing was sent: no server change can help.")
    elif r is Reason.DISALLOWED_BY_MODE:
        request.append("Use mode 'cors' (the default) for a cross-origin URL.")
        headers += _allow_origin_lines(result, f.sent_origin)[0]
        where = f"the response from {f.url} (once mode is 'cors')"
    elif r is Reason.CORS_DISABLED_SCHEME:
        request.append("Request an http(s) URL, and serve the page over http(s), not from file:.")
    elif r is Reason.NO_CORS_REDIRECT_MODE:
        request.append("Use redirect 'follow' with mode 'no-cors', or use mode 'cors'.")
    elif r in (Reason.MISSING_ALLOW_ORIGIN, Reason.ALLOW_ORIGIN_MISMATCH, Reason.INVALID_ALLOW_ORIGIN) and (
        f.sent_origin == "null" and result.page_origin != "null"
    ):
        # A cross-origin redirect made the browser send `Origin: null` (fetch#concept-http-redirect-fetch,
        # the tainted-origin flag): the page's own origin no longer helps on this hop.
        request.append(f"Request {f.url} directly instead of {f.initial_url}: after a redirect to another "
                       "origin the browser sends Origin: null, which no allow-list should contain.")
        server.append(f"Have {f.initial_url} answer itself instead of redirecting to another origin.")
        if creds:
            headers += _allow_origin_lines(result, "null")[0]
        else:
            headers.append("Access-Control-Allow-Origin: *")
            caveats.append(
                "'*' is only right for a public resource (no cookies, nothing user-specific); it never works "
                "with credentials."
            )
        caveats.append(CAVEAT_NULL)
    elif r in (Reason.MISSING_ALLOW_ORIGIN, Reason.ALLOW_ORIGIN_MISMATCH, Reason.INVALID_ALLOW_ORIGIN):
        lines, cav = _allow_origin_lines(result, f.sent_origin)
        headers += lines
        caveats += cav
        if r is not Reason.MISSING_ALLOW_ORIGIN:
            caveats.append(
                "The value must be the origin exactly as the browser sends it in Origin: scheme, host and "
                "port, no path, no trailing slash, lower-case scheme and host."
            )
        if not f.preflight and r is Reason.MISSING_ALLOW_ORIGIN and f.status and f.status[0] in "45":
            server.append(
                f"The response was a {f.status}: error responses need the CORS headers too, or the page cannot "
                "even see the error (check middleware order)."
            )
    elif r is Reason.MULTIPLE_ALLOW_ORIGIN:
        lines, cav = _allow_origin_lines(result, f.sent_origin)
        headers += lines
        caveats += cav
        server.append(
            "Send Access-Control-Allow-Origin exactly once with one origin: two layers (e.g. a proxy and "
            "the application) both adding it is the usual cause."
        )
    elif r is Reason.WILDCARD_ORIGIN_WITH_CREDENTIALS:
        headers += [f"Access-Control-Allow-Origin: {f.sent_origin}", "Access-Control-Allow-Credentials: true",
                    "Vary: Origin"]
        request.append("If the request does not need cookies, use credentials: 'same-origin' (the default).")
        caveats += [CAVEAT_WILDCARD, CAVEAT_REFLECT, CAVEAT_VARY]
    elif r is Reason.INVALID_ALLOW_CREDENTIALS:
        headers.append("Access-Control-Allow-Credentials: true")
        request.append(
            "If the request does not need cookies, use credentials: 'same-origin' (the default)"
            + (" / withCredentials = false." if result.api == "xhr" else ".")
        )
        caveats.append("The value must be exactly 'true' (lower-case).")
        caveats.append(CAVEAT_REFLECT)
    elif r is Reason.PREFLIGHT_INVALID_STATUS:
        server.append(
            f"Answer OPTIONS for this URL with 204 (or 200), before authentication and routing reject it "
            f"(it was answered {f.status or '?'}): browsers never send cookies or Authorization on a preflight."
        )
        headers += _allow_origin_lines(result, f.sent_origin)[0] + _preflight_lines(result)
        caveats.append(CAVEAT_ACTUAL)
        request += _avoid_preflight(result)
    elif r is Reason.PREFLIGHT_REDIRECT:
        server.append("Answer the OPTIONS request at this URL itself, without redirecting (often a trailing slash).")
        request.append("Request the URL the server redirects to directly.")
        headers += _allow_origin_lines(result, f.sent_origin)[0] + _preflight_lines(result)
    elif r in (Reason.INVALID_ALLOW_METHODS, Reason.INVALID_ALLOW_HEADERS):
        name = "Methods" if r is Reason.INVALID_ALLOW_METHODS else "Headers"
        server.append(f"Access-Control-Allow-{name} must be a comma-separated list of tokens (got {f.value!r}).")
        headers += _preflight_lines(result)
    elif r is Reason.METHOD_NOT_ALLOWED:
        if f.value != f.value.upper():
            # fetch#concept-method-normalize upper-cases only DELETE, GET, HEAD, OPTIONS, POST and PUT
            request.append(
                f"Write method: {f.value.upper()!r} in the script: fetch() upper-cases only DELETE, GET, HEAD, "
                f"OPTIONS, POST and PUT, so {f.value!r} goes out as written."
            )
            fex = failing_exchange(result)
            acam = fex.response.headers.get("Access-Control-Allow-Methods") if fex and fex.response else None
            listed = [m.strip() for m in (acam or "").split(",")]
            if f.value.upper() not in listed:
                headers.append(f"Access-Control-Allow-Methods: {f.value.upper()}")
            caveats.append(
                f"Methods are compared case-sensitively: Access-Control-Allow-Methods would have to list "
                f"{f.value!r} itself to allow the request as the script writes it now."
            )
        else:
            headers.append(f"Access-Control-Allow-Methods: {f.value}")
        if creds:
            caveats.append("With credentials, Access-Control-Allow-Methods: * is not a wildcard.")
        caveats.append(CAVEAT_ACTUAL)
        request += _avoid_preflight(result)
    elif r is Reason.HEADER_NOT_ALLOWED:
        _, names = _requested(result)
        names = names or [f.value.lower()]
        headers.append("Access-Control-Allow-Headers: " + ", ".join(names))
        if "authorization" in names:
            caveats.append(CAVEAT_AUTH)
        if creds:
            caveats.append("With credentials, Access-Control-Allow-Headers: * is not a wildcard.")
        caveats.append(CAVEAT_ACTUAL)
        request += _avoid_preflight(result)
    elif r is Reason.REDIRECT_MODE_ERROR:
        request.append("Request the final URL directly, or use redirect 'follow'.")
    elif r is Reason.TOO_MANY_REDIRECTS:
        server.append("Break the redirect loop: the chain exceeded 20 hops.")
    elif r is Reason.REDIRECT_CONTAINS_CREDENTIALS:
        server.append(f"Redirect to a URL without user:password@ (got {f.value}).")
    elif r is Reason.INVALID_REDIRECT_LOCATION:
        server.append(f"Send a Location that parses as a URL (got {f.value!r}).")
    elif r is Reason.REDIRECT_NON_HTTP_SCHEME:
        server.append(f"Redirect only to http: or https: URLs (got {f.value}).")
    elif r is Reason.REDIRECT_WITH_STREAM_BODY:
        server.append("Do not redirect an upload sent as a stream (or answer 303 to move on with a GET).")
    elif r is Reason.NETWORK_FAILURE:
        server.append(
            "No HTTP response came back: check that the server is running and reachable from the browser "
            "(address, port, TLS, firewall). This is not a CORS decision."
        )
    if f.sent_origin == "null" and r in _CORS_CHECK and CAVEAT_NULL not in caveats:
        caveats.append(CAVEAT_NULL)
    if _webkit_recheck_target(result) is not None:
        request = [
            "WebKit checks this redirect a second time as if credentials were sent, because the fetch "
            "started on the page's own origin with credentials 'same-origin' (the default). If the "
            "request needs no cookies, use credentials: 'omit'"
            + (" (an XMLHttpRequest cannot: answer as above)" if result.api == "xhr" else "")
            + "; or request the cross-origin URL directly instead of through a same-origin redirect."
        ]
    return Fix(
        server_headers=tuple(headers),
        applies_to=where if headers else "",
        server_changes=tuple(server),
        request_changes=tuple(request),
        caveats=tuple(caveats),
    )


# --------------------------------------------------------------------------------------------
# the story

# A line of the story: (style, text). Styles: "title", "head", "send", "recv", "pass", "fail",
# "note", "console", "fix", "plain". Renderers map styles to colours; plain text ignores them.
Line = tuple[str, str]


def _request_lines(req: HttpRequest) -> list[Line]:
    out: list[Line] = [("send", f"> {req.method} {req.target} HTTP/1.1"), ("send", f"> Host: {req.host}")]
    for n, v in req.headers:
        if n.lower() != "host":
            out.append(("send", f"> {n}: {v}"))
    if req.body:
        out.append(("send", f"> [body: {len(req.body)} bytes]"))
    return out


def _exchange_lines(i: int, ex: Exchange, failed: bool) -> list[Line]:
    label = "preflight" if ex.kind is ExchangeKind.PREFLIGHT else "request"
    mark = "  <-- failed here" if failed else ""
    out: list[Line] = [("head", f"  {i}. {label}: {ex.request.method} {ex.request.url}{mark}")]
    out += [(s, "     " + t) for s, t in _request_lines(ex.request)]
    if ex.response is not None:
        resp = ex.response
        reason = f" {resp.reason}" if resp.reason else ""
        out.append(("recv", f"     < HTTP/1.1 {resp.status}{reason}"))
        for n, v in resp.headers:
            out.append(("recv", f"     < {n}: {v}"))
        if resp.body:
            out.append(("recv", f"     < [body: {len(resp.body)} bytes]"))
    elif ex.fault is not None:
        detail = f" ({ex.fault.detail})" if ex.fault.detail else ""
        out.append(("fail", f"     x no response: {ex.fault.kind.value}{detail}"))
    return out


def _cache_entry_text(entry: object) -> str:
    cls = type(entry)
    if attrs.has(cls):
        parts = [f"{a.name}={getattr(entry, a.name)!r}" for a in attrs.fields(cls)]
        return f"{cls.__name__}(" + ", ".join(parts) + ")"
    return repr(entry)


def cache_lines(entries: tuple[object, ...]) -> list[str]:
    """The preflight cache (fetch#concept-cache) grouped per URL: the methods and header names
    remembered, with or without credentials, and when they expire (page clock seconds)."""
    groups: dict[tuple[str, str, bool, float], dict[str, list[str]]] = {}
    odd: list[str] = []
    for e in entries:
        key = getattr(e, "key", None)
        url, origin = getattr(key, "url", None), getattr(key, "origin", None)
        kind, value = getattr(e, "kind", None), getattr(e, "value", None)
        expires, creds = getattr(e, "expires_at", None), getattr(e, "credentials", None)
        if not (isinstance(url, str) and isinstance(origin, str) and kind in ("method", "header")
                and isinstance(value, str) and isinstance(expires, (int, float)) and isinstance(creds, bool)):
            odd.append(_cache_entry_text(e))
            continue
        g = groups.setdefault((url, origin, creds, float(expires)), {"method": [], "header": []})
        g[str(kind)].append(value)
    out: list[str] = []
    for (url, origin, creds, expires), kinds in groups.items():
        parts = []
        if kinds["method"]:
            parts.append("methods " + ", ".join(kinds["method"]))
        if kinds["header"]:
            parts.append("headers " + ", ".join(kinds["header"]))
        cred = "with credentials" if creds else "without credentials"
        out.append(f"{url} for {origin} ({cred}): {'; '.join(parts)}; expires at t={expires:g} s")
    return out + odd


def story_lines(result: Result, browser: str | None = None) -> list[Line]:
    """The whole story as styled lines (see `Line`); `explain` and `corssim.render` print them."""
    name = _profile(browser or result.browser)
    out: list[Line] = []
    api = "XMLHttpRequest" if result.api == "xhr" else "fetch()"
    out.append(
        (
            "title",
            f"{api} {result.method} {result.url} from {result.page_origin} "
            f"(mode {result.mode}, credentials {result.credentials}, profile {result.browser})",
        )
    )
    out.append(("fail" if result.blocked else "pass", "Verdict: " + summary(result)))
    failed_ex = failing_exchange(result)
    out.append(("plain", ""))
    out.append(("head", "Exchanges"))
    if not result.exchanges:
        out.append(("note", "  (nothing was sent)"))
    for i, ex in enumerate(result.exchanges, 1):
        out += _exchange_lines(i, ex, failed=ex is failed_ex and result.blocked)
    if result.decisions:
        out.append(("plain", ""))
        out.append(("head", "Checks"))
        for d in result.decisions:
            mark = "[pass]" if d.passed else "[FAIL]"
            anchor = f"  ({d.anchor})" if d.anchor else ""
            out.append(("pass" if d.passed else "fail", f"  {mark} {d.name}: {d.outcome}{anchor}"))
            for k, v in d.values:
                out.append(("note", f"         {k} = {v}"))
    if result.cache_after:
        out.append(("plain", ""))
        out.append(("head", "Preflight cache after this fetch"))
        for text in cache_lines(result.cache_after):
            out.append(("note", "  " + text))
    if result.response is not None:
        resp = result.response
        out.append(("plain", ""))
        out.append(("head", "What the script sees"))
        out.append(("pass", f"  response.type = {resp.type}, status = {resp.status}, url = {resp.url}"))
        if resp.headers:
            out.append(("note", "  readable headers: " + ", ".join(f"{n}: {v}" for n, v in resp.headers)))
        else:
            out.append(("note", "  readable headers: (none)"))
    entry = console_entry(result, name)
    if entry is not None:
        out.append(("plain", ""))
        out.append(("head", "What the script sees"))
        out.append(("fail", f"  {script_error(result, name)}"))
        out.append(("plain", ""))
        who = "spec profile; Chromium's wording" if name == "spec" else name
        out.append(("head", f"Console ({who})"))
        for text_line in entry.text.split("\n"):
            out.append(("console", "  " + text_line))
        if entry.engine == "firefox" and entry.code:
            out.append(("note", f"  ({entry.code}, blocking reason {firefox_blocking_code(entry.code)}; "
                                f"Learn More: {entry.doc_url})"))
        if not entry.logged:
            out.append(("note", "  (the engine logs nothing for this failure: shown is the error the script receives)"))
        if not entry.verified:
            out.append(("note", "  (wording not verified against the engine)"))
    fx = fix(result)
    if not fx.empty:
        out.append(("plain", ""))
        out.append(("head", "Fix"))
        if fx.server_headers:
            out.append(("plain", f"  Send on {fx.applies_to}:"))
            for h in fx.server_headers:
                out.append(("fix", f"    {h}"))
        for s in fx.server_changes:
            out.append(("plain", f"  - server: {s}"))
        for s in fx.request_changes:
            out.append(("plain", f"  - request: {s}"))
        for s in fx.caveats:
            out.append(("note", f"  ! {s}"))
    return out


def explain(result: Result, browser: str | None = None) -> str:
    """The whole story in plain text: exchanges, checks, cache, verdict, console message, fix."""
    return "\n".join(text for _, text in story_lines(result, browser)).rstrip() + "\n"
