"""Turning a `Result` into words: each engine's console message, the fix, and the whole story.

The model never formats prose (see `corssim.result`): a failure is a `Reason` plus the values it
looked at. This module holds, for every `Reason` and every engine profile, the message that
engine's developer console prints, filled in with the real URL, origin, header and value.

Message tables
    `_CHROMIUM`, `_FIREFOX`, `_WEBKIT` map every `Reason` to a `_Template`. A template records
    where its wording comes from (`source`): the shared fact sheet's section on console strings,
    an observation in a real engine, or ``"unverified"`` for wordings that no reference here
    confirms (errors thrown before anything is sent, and non-CORS network failures). The "spec"
    profile has no console of its own: it borrows Chromium's wording and says so.

Public functions: `summary`, `explain`, `console_message`, `console_entry`, `script_error`, `fix`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Union

import attrs

from corssim.errors import InvalidProfile
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

# Chromium's net::ERR_* names for transport faults (unverified mapping of our FaultKind).
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

_WEBKIT_NET_ERRORS: Mapping[FaultKind, str] = {
    FaultKind.CONNECTION_REFUSED: "Could not connect to the server.",
    FaultKind.DNS_FAILURE: "A server with the specified hostname could not be found.",
    FaultKind.TIMEOUT: "The request timed out.",
    FaultKind.CONNECTION_RESET: "The network connection was lost.",
    FaultKind.MALFORMED_RESPONSE: "cannot parse response",
    FaultKind.HEADERS_TOO_LARGE: "cannot parse response",
    FaultKind.APP_ERROR: "The network connection was lost.",
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
    return _Fields(
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
    hint: str = ""  # chromium: "opaque" | "nocors" | "xhr_credentials"


def _t(text: Text, f: _Fields) -> str:
    return text(f) if callable(text) else text.format(**attrs.asdict(f), lvalue=f.value.lower())


def _chromium_mode(f: _Fields) -> str:
    if f.value == "navigate":
        return "Cannot construct a Request with a RequestInit whose mode member is set as 'navigate'."
    return (
        "Failed to read the 'mode' property from 'RequestInit': "
        f"The provided value '{f.value}' is not a valid enum value of type RequestMode."
    )


def _firefox_mode(f: _Fields) -> str:
    if f.value == "navigate":
        return "Invalid request mode navigate."
    return f"'{f.value}' (value of 'mode' member of RequestInit) is not a valid value for enumeration RequestMode."


def _chromium_net(f: _Fields) -> str:
    return _CHROMIUM_NET_ERRORS.get(f.fault or FaultKind.OTHER, "ERR_FAILED")


def _webkit_net(f: _Fields) -> str:
    return _WEBKIT_NET_ERRORS.get(f.fault or FaultKind.OTHER, "Load failed")


_CR_SCHEMES = "http, data, isolated-app, chrome-extension, chrome, https, chrome-untrusted"

_CHROMIUM: Mapping[Reason, _Template] = {
    Reason.INVALID_URL: _Template("typeerror", "Failed to parse URL from {value}", UNVERIFIED),
    Reason.URL_HAS_CREDENTIALS: _Template(
        "typeerror", "Request cannot be constructed from a URL that includes credentials: {value}", UNVERIFIED
    ),
    Reason.INVALID_METHOD: _Template("typeerror", "'{value}' is not a valid HTTP method.", UNVERIFIED),
    Reason.FORBIDDEN_METHOD: _Template("typeerror", "'{value}' HTTP method is unsupported.", UNVERIFIED),
    Reason.INVALID_HEADER_NAME: _Template("typeerror", "Invalid name", UNVERIFIED),
    Reason.INVALID_HEADER_VALUE: _Template("typeerror", "Invalid value", UNVERIFIED),
    Reason.BODY_WITH_GET_OR_HEAD: _Template(
        "typeerror", "Request with GET/HEAD method cannot have body.", UNVERIFIED
    ),
    Reason.NO_CORS_METHOD: _Template("typeerror", "'{value}' is unsupported in no-cors mode.", OBSERVED),
    Reason.INVALID_MODE: _Template("typeerror", _chromium_mode, UNVERIFIED),
    Reason.INVALID_INIT: _Template("typeerror", "{value}", UNVERIFIED),
    Reason.DISALLOWED_BY_MODE: _Template(
        "cors", "Cross origin requests are not allowed by request mode.", FACTS_CHROMIUM, "kDisallowedByMode"
    ),
    Reason.CORS_DISABLED_SCHEME: _Template(
        "cors",
        "Cross origin requests are only supported for protocol schemes: " + _CR_SCHEMES + ".",
        FACTS_CHROMIUM + "; scheme list unverified",
        "kCorsDisabledScheme",
    ),
    Reason.NO_CORS_REDIRECT_MODE: _Template(
        "fetchapi", "Request mode is \"no-cors\" but the redirect mode is not \"follow\".", UNVERIFIED
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
    Reason.REDIRECT_MODE_ERROR: _Template("net", "ERR_FAILED", UNVERIFIED),
    Reason.TOO_MANY_REDIRECTS: _Template("net", "ERR_TOO_MANY_REDIRECTS", UNVERIFIED),
    Reason.REDIRECT_CONTAINS_CREDENTIALS: _Template(
        "cors",
        "Redirect location '{value}' contains a username and password, which is disallowed for cross-origin requests.",
        FACTS_CHROMIUM,
        "kRedirectContainsCredentials",
    ),
    Reason.INVALID_REDIRECT_LOCATION: _Template("net", "ERR_INVALID_REDIRECT", UNVERIFIED),
    Reason.REDIRECT_NON_HTTP_SCHEME: _Template("net", "ERR_UNSAFE_REDIRECT", UNVERIFIED),
    Reason.REDIRECT_WITH_STREAM_BODY: _Template("net", "ERR_INVALID_ARGUMENT", "Cr cors_url_loader.cc OnReceiveRedirect"),
    Reason.NETWORK_FAILURE: _Template("net", _chromium_net, UNVERIFIED),
}

_FIREFOX: Mapping[Reason, _Template] = {
    Reason.INVALID_URL: _Template("typeerror", "{value} is not a valid URL.", UNVERIFIED),
    Reason.URL_HAS_CREDENTIALS: _Template("typeerror", "{value} is an url with embedded credentials.", UNVERIFIED),
    Reason.INVALID_METHOD: _Template("typeerror", "Invalid request method {value}.", UNVERIFIED),
    Reason.FORBIDDEN_METHOD: _Template("typeerror", "Invalid request method {value}.", UNVERIFIED),
    Reason.INVALID_HEADER_NAME: _Template("typeerror", "{value} is an invalid header name.", UNVERIFIED),
    Reason.INVALID_HEADER_VALUE: _Template("typeerror", "{value} is an invalid header value.", UNVERIFIED),
    Reason.BODY_WITH_GET_OR_HEAD: _Template("typeerror", "HEAD or GET Request cannot have a body.", UNVERIFIED),
    Reason.NO_CORS_METHOD: _Template("typeerror", "Invalid request method {value}.", OBSERVED),
    Reason.INVALID_MODE: _Template("typeerror", _firefox_mode, UNVERIFIED),
    Reason.INVALID_INIT: _Template("typeerror", "{value}", UNVERIFIED),
    Reason.DISALLOWED_BY_MODE: _Template("networkerror", "", UNVERIFIED),
    Reason.CORS_DISABLED_SCHEME: _Template(
        "cors", "(Reason: CORS request not http).", FACTS_FIREFOX, "CORSRequestNotHttp"
    ),
    Reason.NO_CORS_REDIRECT_MODE: _Template("networkerror", "", UNVERIFIED),
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
    Reason.REDIRECT_MODE_ERROR: _Template("networkerror", "", UNVERIFIED),
    Reason.TOO_MANY_REDIRECTS: _Template("networkerror", "", UNVERIFIED),
    Reason.REDIRECT_CONTAINS_CREDENTIALS: _Template("networkerror", "", UNVERIFIED),
    Reason.INVALID_REDIRECT_LOCATION: _Template("networkerror", "", UNVERIFIED),
    Reason.REDIRECT_NON_HTTP_SCHEME: _Template(
        "cors",
        "(Reason: CORS request not http).",
        FACTS_FIREFOX + "; its use for a redirect is unverified",
        "CORSRequestNotHttp",
    ),
    Reason.REDIRECT_WITH_STREAM_BODY: _Template("networkerror", "", UNVERIFIED),
    Reason.NETWORK_FAILURE: _Template(
        "cors",
        "(Reason: CORS request did not succeed). Status code: (null).",
        FACTS_FIREFOX + "; its use for transport faults is unverified",
        "CORSDidNotSucceed",
    ),
}

_WK_ORIGIN = "Origin {sent_origin} is not allowed by Access-Control-Allow-Origin. Status code: {status}"

_WEBKIT: Mapping[Reason, _Template] = {
    Reason.INVALID_URL: _Template("typeerror", "URL is not valid or contains user credentials.", UNVERIFIED),
    Reason.URL_HAS_CREDENTIALS: _Template("typeerror", "URL is not valid or contains user credentials.", UNVERIFIED),
    Reason.INVALID_METHOD: _Template("typeerror", "Method is not a valid HTTP token.", UNVERIFIED),
    Reason.FORBIDDEN_METHOD: _Template("typeerror", "Method is forbidden.", UNVERIFIED),
    Reason.INVALID_HEADER_NAME: _Template("typeerror", "Invalid header name: '{value}'", UNVERIFIED),
    Reason.INVALID_HEADER_VALUE: _Template("typeerror", "Header has an invalid value: '{value}'", UNVERIFIED),
    Reason.BODY_WITH_GET_OR_HEAD: _Template(
        "typeerror", "Request has method '{method}' and cannot have a body", UNVERIFIED
    ),
    Reason.NO_CORS_METHOD: _Template("typeerror", "Method must be GET, POST or HEAD in no-cors mode.", OBSERVED),
    Reason.INVALID_MODE: _Template("typeerror", "Type error", UNVERIFIED),
    Reason.INVALID_INIT: _Template("typeerror", "{value}", UNVERIFIED),
    Reason.DISALLOWED_BY_MODE: _Template(
        "cors", "Cross origin requests are not allowed when using same-origin fetch mode.", UNVERIFIED
    ),
    Reason.CORS_DISABLED_SCHEME: _Template("cors", "Cross origin requests are only supported for HTTP.", UNVERIFIED),
    Reason.NO_CORS_REDIRECT_MODE: _Template("net", "Load failed", UNVERIFIED),
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
    Reason.REDIRECT_MODE_ERROR: _Template("net", "Load failed", UNVERIFIED),
    Reason.TOO_MANY_REDIRECTS: _Template("net", "too many HTTP redirects", UNVERIFIED),
    Reason.REDIRECT_CONTAINS_CREDENTIALS: _Template("cors", "redirection URL {value} has credentials", FACTS_WEBKIT),
    Reason.INVALID_REDIRECT_LOCATION: _Template("net", "Load failed", UNVERIFIED),
    Reason.REDIRECT_NON_HTTP_SCHEME: _Template(
        "cors", "not allowed to follow a cross-origin CORS redirection with non CORS scheme", FACTS_WEBKIT
    ),
    Reason.REDIRECT_WITH_STREAM_BODY: _Template("net", "Load failed", UNVERIFIED),
    Reason.NETWORK_FAILURE: _Template("net", _webkit_net, UNVERIFIED),
}

TABLES: Mapping[str, Mapping[Reason, _Template]] = {
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
    if tpl.hint == "opaque" and api != "xhr":
        tail = (
            " If an opaque response serves your needs, set the request's mode to 'no-cors' to fetch the"
            " resource with CORS disabled."
        )
    elif tpl.hint == "nocors" and api != "xhr":
        tail = (
            " Have the server send the header with a valid value, or, if an opaque response serves your"
            " needs, set the request's mode to 'no-cors' to fetch the resource with CORS disabled."
        )
    elif tpl.hint == "xhr_credentials" and api == "xhr":
        tail = (
            " The credentials mode of requests initiated by the XMLHttpRequest is controlled by the"
            " withCredentials attribute."
        )
    return head + body + tail


def _firefox_text(tpl: _Template, f: _Fields, api: str) -> str:
    if tpl.family == "typeerror":
        where = "XMLHttpRequest.open: " if api == "xhr" else "Window.fetch: "
        return "TypeError: " + where + _t(tpl.text, f)
    if tpl.family == "networkerror":
        return "TypeError: " + _SCRIPT_ERROR["firefox"]
    status = f.status or "(null)"
    body = _t(tpl.text, attrs.evolve(f, status=status))
    at = f"\u2018{f.url}\u2019" if tpl.code == "CORSNotSupportingCredentials" else f.url
    text = f"Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {at}. {body}"
    return text


def _webkit_text(tpl: _Template, f: _Fields, api: str) -> str:
    body = _t(tpl.text, attrs.evolve(f, status=f.status or "0"))
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
    tpl = TABLES[engine][failure.reason]
    f = _fields(result)
    if engine == "chromium":
        text = _chromium_text(failure.reason, tpl, f, result.api)
        return ConsoleEntry(browser=name, engine=engine, text=text, code=tpl.code, source=tpl.source)
    if engine == "firefox":
        text = _firefox_text(tpl, f, result.api)
        doc = ""
        if tpl.code:
            doc = MDN_CORS_ERRORS + tpl.code
        return ConsoleEntry(browser=name, engine=engine, text=text, code=tpl.code, doc_url=doc, source=tpl.source)
    text = _webkit_text(tpl, f, result.api)
    return ConsoleEntry(browser=name, engine=engine, text=text, code=tpl.code, source=tpl.source)


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
        return entry.text.split("\n")[0]
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
