"""The wordings of non-CORS failures, checked against what the real engines printed.

Every expected string below was captured from Chromium 156, Firefox 153 ESR and WebKitGTK 2.50.6
on loopback (the probe and its raw output are described in spec_notes/explain.md): the text a
page's script reads from the thrown exception, and the console lines. Only the URLs and origins
differ: the probe ran on http://127.0.0.1:9300 (page) and http://127.0.0.2:9301 (other origin);
these tests run the same cases through the model with the same URLs, so the strings compare
exactly.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from corssim import FakeServer, Page, Result, Rule
from corssim import explain as ex
from corssim.backends import FunctionServer
from corssim.http import FaultKind, HttpRequest, HttpResponse, TransportError

A = "http://127.0.0.1:9300"
B = "http://127.0.0.2:9301"
PAGE = A + "/page"
CORS = [("Access-Control-Allow-Origin", "*")]


def page(browser: str, server: object = None) -> Page:
    return Page(PAGE, server=server or FakeServer([Rule(headers=CORS, body="ok")]), browser=browser)


# --- thrown before anything is sent: what String(e) gave in the page -------------------------------

THROWN: list[tuple[str, Callable[[Page], Result], dict[str, str]]] = [
    ("invalid_url", lambda p: p.fetch("http://[bad"), {
        "chromium": "TypeError: Failed to execute 'fetch' on 'Window': Failed to parse URL from http://[bad",
        "firefox": "TypeError: Window.fetch: http://[bad is not a valid URL.",
        "webkit": "TypeError: URL is not valid or contains user credentials.",
    }),
    ("url_credentials", lambda p: p.fetch("http://u:p@127.0.0.2:9301/ok"), {
        "chromium": "TypeError: Failed to execute 'fetch' on 'Window': Request cannot be constructed from a URL "
                    "that includes credentials: http://u:p@127.0.0.2:9301/ok",
        "firefox": "TypeError: Window.fetch: http://u:p@127.0.0.2:9301/ok is an url with embedded credentials.",
        "webkit": "TypeError: URL is not valid or contains user credentials.",
    }),
    ("invalid_method", lambda p: p.fetch(B + "/ok", method="GE T"), {
        "chromium": "TypeError: Failed to execute 'fetch' on 'Window': 'GE T' is not a valid HTTP method.",
        "firefox": "TypeError: Window.fetch: Invalid request method GE T.",
        "webkit": "TypeError: Method is not a valid HTTP token.",
    }),
    ("forbidden_method", lambda p: p.fetch(B + "/ok", method="trace"), {
        "chromium": "TypeError: Failed to execute 'fetch' on 'Window': 'trace' HTTP method is unsupported.",
        "firefox": "TypeError: Window.fetch: Invalid request method trace.",
        "webkit": "TypeError: Method is forbidden.",
    }),
    ("invalid_header_name", lambda p: p.fetch(B + "/ok", headers={"X Bad": "v"}), {
        "chromium": "TypeError: Failed to execute 'fetch' on 'Window': Invalid name",
        "firefox": "TypeError: Window.fetch: x bad is an invalid header name.",
        "webkit": "TypeError: Invalid header name: 'X Bad'",
    }),
    ("invalid_header_value", lambda p: p.fetch(B + "/ok", headers={"X-A": "a\nb"}), {
        "chromium": "TypeError: Failed to execute 'fetch' on 'Window': Invalid value",
        "firefox": "TypeError: Window.fetch: a\nb is an invalid header value.",
        "webkit": "TypeError: Header 'X-A' has invalid value: 'a\nb'",
    }),
    ("body_with_head", lambda p: p.fetch(B + "/ok", method="HEAD", body="x"), {
        "chromium": "TypeError: Failed to execute 'fetch' on 'Window': Request with GET/HEAD method cannot have body.",
        "firefox": "TypeError: Window.fetch: HEAD or GET Request cannot have a body.",
        "webkit": "TypeError: Request has method 'HEAD' and cannot have a body",
    }),
    ("mode_navigate", lambda p: p.fetch(B + "/ok", mode="navigate"), {
        "chromium": "TypeError: Failed to execute 'fetch' on 'Window': Cannot construct a Request with a "
                    "RequestInit whose mode member is set as 'navigate'.",
        "firefox": "TypeError: Window.fetch: Invalid request mode navigate.",
        "webkit": "TypeError: Request constructor does not accept navigate fetch mode.",
    }),
    ("mode_bogus", lambda p: p.fetch(B + "/ok", mode="bogus"), {
        "chromium": "TypeError: Failed to execute 'fetch' on 'Window': Failed to read the 'mode' property from "
                    "'RequestInit': The provided value 'bogus' is not a valid enum value of type RequestMode.",
        "firefox": "TypeError: Window.fetch: 'bogus' (value of 'mode' member of RequestInit) is not a valid value "
                   "for enumeration RequestMode.",
        "webkit": "TypeError: Type error",
    }),
    ("referrer_policy_bogus", lambda p: p.fetch(B + "/ok", referrerPolicy="bogus"), {
        "chromium": "TypeError: Failed to execute 'fetch' on 'Window': Failed to read the 'referrerPolicy' property "
                    "from 'RequestInit': The provided value 'bogus' is not a valid enum value of type ReferrerPolicy.",
        "firefox": "TypeError: Window.fetch: 'bogus' (value of 'referrerPolicy' member of RequestInit) is not a "
                   "valid value for enumeration ReferrerPolicy.",
        "webkit": "TypeError: Type error",
    }),
    ("only_if_cached", lambda p: p.fetch(B + "/ok", cache="only-if-cached"), {
        "chromium": "TypeError: Failed to execute 'fetch' on 'Window': 'only-if-cached' can be set only with "
                    "'same-origin' mode",
        "firefox": "TypeError: Window.fetch: Request mode 'cors' was used, but request cache mode 'only-if-cached' "
                   "can only be used with request mode 'same-origin'.",
        "webkit": "TypeError: only-if-cached cache option requires fetch mode to be same-origin.",
    }),
    ("xhr_invalid_method", lambda p: p.xhr(B + "/ok", method="GE T"), {
        "chromium": "SyntaxError: Failed to execute 'open' on 'XMLHttpRequest': 'GE T' is not a valid HTTP method.",
        "firefox": "SyntaxError: An invalid or illegal string was specified",
        "webkit": "SyntaxError: The string did not match the expected pattern.",
    }),
    ("xhr_forbidden_method", lambda p: p.xhr(B + "/ok", method="TRACE"), {
        "chromium": "SecurityError: Failed to execute 'open' on 'XMLHttpRequest': 'TRACE' HTTP method is "
                    "unsupported.",
        "firefox": "SecurityError: The operation is insecure.",
        "webkit": "SecurityError: The operation is insecure.",
    }),
    ("xhr_invalid_header_name", lambda p: p.xhr(B + "/ok", headers={"X Bad": "v"}), {
        "chromium": "SyntaxError: Failed to execute 'setRequestHeader' on 'XMLHttpRequest': 'X Bad' is not a valid "
                    "HTTP header field name.",
        "firefox": "SyntaxError: Invalid header name.",
        "webkit": "SyntaxError: The string did not match the expected pattern.",
    }),
    ("xhr_invalid_url", lambda p: p.xhr("http://[bad"), {
        "chromium": "SyntaxError: Failed to execute 'open' on 'XMLHttpRequest': Invalid URL",
        "firefox": "SyntaxError: XMLHttpRequest.open: 'http://[bad' is not a valid URL.",
        "webkit": "SyntaxError: The string did not match the expected pattern.",
    }),
]


@pytest.mark.parametrize("engine", ["chromium", "firefox", "webkit"])
@pytest.mark.parametrize("name,call,expected", THROWN, ids=[t[0] for t in THROWN])
def test_thrown_error_is_what_the_engine_threw(name: str, call: Callable[[Page], Result],
                                               expected: dict[str, str], engine: str) -> None:
    r = call(page(engine))
    assert r.failure is not None and r.failure.reason.thrown_before_send and r.exchanges == (), name
    entry = ex.console_entry(r)
    assert entry is not None and entry.verified, (name, entry)
    assert ex.script_error(r) == expected[engine]


def test_webkit_rejects_a_stream_upload_with_not_supported_error() -> None:
    r = page("webkit").fetch(A + "/ok", method="POST", body={"kind": "stream", "data": "abc"}, duplex="half")
    assert ex.script_error(r) == "NotSupportedError: ReadableStream uploading is not supported"


# --- failures after the request started: console lines -------------------------------------------

def redirecting(location: str, status: int = 302) -> FakeServer:
    return FakeServer([Rule(path="/redir", status=status, headers=[*CORS, ("Location", location)]),
                       Rule(headers=CORS, body="ok")])


def test_redirect_mode_error() -> None:
    url = B + "/redir"
    r = page("chromium", redirecting("/ok?after")).fetch(url, redirect="error")
    assert ex.console_message(r) == "GET http://127.0.0.2:9301/ok?after net::ERR_FAILED"
    r = page("webkit", redirecting("/ok?after")).fetch(url, redirect="error")
    assert ex.console_message(r) == (f"Not allowed to follow a redirection while loading {url}\n"
                                     f"Fetch API cannot load {url} due to access control checks.")
    r = page("firefox", redirecting("/ok?after")).fetch(url, redirect="error")
    entry = ex.console_entry(r)
    assert entry is not None and not entry.logged
    assert entry.text == "TypeError: NetworkError when attempting to fetch resource."


def loop_server() -> FunctionServer:
    def handle(req: HttpRequest) -> HttpResponse:
        n = int(req.url.rsplit("=", 1)[1])
        return HttpResponse(status=302, headers=[*CORS, ("Location", f"/loop?n={n + 1}")])
    return FunctionServer(handle)


@pytest.mark.parametrize("engine,expected", [
    ("chromium", "GET http://127.0.0.2:9301/loop?n=20 net::ERR_TOO_MANY_REDIRECTS"),
    ("firefox", "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at "
                "http://127.0.0.2:9301/loop?n=20. (Reason: CORS request did not succeed). Status code: (null)."),
    ("webkit", "Load cannot follow more than 20 redirections\n"
               "Fetch API cannot load http://127.0.0.2:9301/loop?n=20 due to access control checks."),
])
def test_too_many_redirects(engine: str, expected: str) -> None:
    r = page(engine, loop_server()).fetch(B + "/loop?n=0")
    assert r.failure is not None and r.failure.reason.value == "too_many_redirects"
    assert ex.console_message(r) == expected


def test_too_many_redirects_same_origin_logs_nothing_in_firefox() -> None:
    r = page("firefox", loop_server()).fetch(A + "/loop?n=0")
    entry = ex.console_entry(r)
    assert entry is not None and not entry.logged


def test_invalid_location() -> None:
    url = B + "/redir"
    r = page("chromium", redirecting("http://[")).fetch(url)
    assert ex.console_message(r) == f"GET {url} net::ERR_INVALID_REDIRECT"
    r = page("webkit", redirecting("http://[")).fetch(url)
    assert ex.console_message(r) == (
        "Cross-origin redirection to http://[ denied by Cross-Origin Resource Sharing policy: not allowed to "
        f"follow a cross-origin CORS redirection with non CORS scheme\nFetch API cannot load {url} due to access "
        "control checks.")
    # same-origin: nothing on the page's console, only Web Inspector's network line
    same = page("webkit", redirecting("http://[")).fetch(A + "/redir")
    assert ex.console_message(same) == "Failed to load resource: The URL can\u2019t be shown"


@pytest.mark.parametrize("location,engine,expected", [
    ("data:,x", "chromium", "GET http://127.0.0.2:9301/redir net::ERR_UNSAFE_REDIRECT"),
    ("ftp://127.0.0.1:9309/x", "chromium",
     "Access to fetch at 'ftp://127.0.0.1:9309/x' (redirected from 'http://127.0.0.2:9301/redir') from origin "
     "'http://127.0.0.1:9300' has been blocked by CORS policy: Cross origin requests are only supported for "
     "protocol schemes: chrome, chrome-experimental-site-token-provider, chrome-extension, chrome-untrusted, data, "
     "http, https, isolated-app."),
    ("data:,x", "firefox",
     "Redirecting to data: URI not allowed (Blocked loading of: \u201cdata:,x\u201d)\n"
     "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at "
     "http://127.0.0.2:9301/redir. (Reason: CORS request did not succeed). Status code: (null)."),
    ("ftp://127.0.0.1:9309/x", "firefox",
     "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at "
     "ftp://127.0.0.1:9309/x. (Reason: CORS request not http).\n"
     "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at "
     "http://127.0.0.2:9301/redir. (Reason: CORS request did not succeed). Status code: (null)."),
    ("data:,x", "webkit",
     "Cross-origin redirection to data:,x denied by Cross-Origin Resource Sharing policy: not allowed to follow "
     "a cross-origin CORS redirection with non CORS scheme\n"
     "Fetch API cannot load http://127.0.0.2:9301/redir due to access control checks."),
    ("ftp://127.0.0.1:9309/x", "webkit",
     "FTP URLs are disabled\nFetch API cannot load http://127.0.0.2:9301/redir due to access control checks."),
])
def test_redirect_to_a_non_http_scheme(location: str, engine: str, expected: str) -> None:
    r = page(engine, redirecting(location)).fetch(B + "/redir")
    assert r.failure is not None and r.failure.reason.value == "redirect_non_http_scheme"
    assert ex.console_message(r) == expected


@pytest.mark.parametrize("engine,expected", [
    ("chromium", "Access to fetch at 'http://127.0.0.2:9301/redir' from origin 'http://127.0.0.1:9300' has been "
                 "blocked by CORS policy: Redirect location '' contains a username and password, which is "
                 "disallowed for cross-origin requests."),
    ("firefox", "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at "
                "http://127.0.0.2:9301/redir. (Reason: CORS request did not succeed). Status code: (null)."),
    ("webkit", "Cross-origin redirection to http://127.0.0.2:9301/ok?cred denied by Cross-Origin Resource Sharing "
               "policy: redirection URL http://u:p@127.0.0.2:9301/ok?cred has credentials\n"
               "Fetch API cannot load http://127.0.0.2:9301/redir due to access control checks."),
])
def test_redirect_with_credentials(engine: str, expected: str) -> None:
    r = page(engine, redirecting("http://u:p@127.0.0.2:9301/ok?cred")).fetch(B + "/redir")
    assert r.failure is not None and r.failure.reason.value == "redirect_contains_credentials"
    assert ex.console_message(r) == expected


@pytest.mark.parametrize("engine,expected", [
    ("chromium", "Fetch API cannot load http://127.0.0.2:9301/ok. Request mode is \"same-origin\" but the URL's "
                 "origin is not same as the request origin http://127.0.0.1:9300."),
    ("firefox", "Security Error: Content at http://127.0.0.1:9300/ may not load data from http://127.0.0.2:9301/ok."),
    ("webkit", "Fetch API cannot load http://127.0.0.2:9301/ok."),
])
def test_same_origin_mode_to_another_origin(engine: str, expected: str) -> None:
    # Firefox printed "Content at http://127.0.0.1:9300/page": corssim knows only the page's origin
    r = page(engine).fetch(B + "/ok", mode="same-origin")
    assert r.failure is not None and r.failure.reason.value == "disallowed_by_mode"
    assert ex.console_message(r) == expected


@pytest.mark.parametrize("engine,expected", [
    ("chromium", "Fetch API cannot load http://127.0.0.2:9301/ok. Request mode is \"no-cors\" but the redirect "
                 "mode is not \"follow\"."),
    ("webkit", "No-Cors mode requires follow redirect mode\nNot allowed to request resource\n"
               "Fetch API cannot load http://127.0.0.2:9301/ok due to access control checks."),
])
def test_no_cors_with_redirect_error(engine: str, expected: str) -> None:
    r = page(engine).fetch(B + "/ok", mode="no-cors", redirect="error")
    assert r.failure is not None and r.failure.reason.value == "no_cors_redirect_mode"
    assert ex.console_message(r) == expected


@pytest.mark.parametrize("engine,expected", [
    ("chromium", "Fetch API cannot load ftp://127.0.0.1:9309/x. URL scheme \"ftp\" is not supported."),
    ("firefox", "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at "
                "ftp://127.0.0.1:9309/x. (Reason: CORS request not http)."),
    ("webkit", "Cross origin requests are only supported for HTTP.\n"
               "Fetch API cannot load ftp://127.0.0.1:9309/x due to access control checks."),
])
def test_fetch_of_a_non_http_url(engine: str, expected: str) -> None:
    r = page(engine).fetch("ftp://127.0.0.1:9309/x")
    assert r.failure is not None and r.failure.reason.value == "cors_disabled_scheme"
    assert ex.console_message(r) == expected


def refusing(kind: FaultKind, detail: str, on: str = "") -> FunctionServer:
    def handle(req: HttpRequest) -> HttpResponse:
        if not on or req.method == on:
            raise TransportError(kind, detail)
        return HttpResponse(status=200, headers=CORS)
    return FunctionServer(handle)


@pytest.mark.parametrize("kind,chromium,webkit", [
    (FaultKind.CONNECTION_REFUSED, "ERR_CONNECTION_REFUSED", "Could not connect to 127.0.0.2: Connection refused"),
    (FaultKind.CONNECTION_RESET, "ERR_CONNECTION_RESET", "Error receiving data: Connection reset by peer"),
    (FaultKind.MALFORMED_RESPONSE, "ERR_INVALID_HTTP_RESPONSE", "Could not parse HTTP response"),
    (FaultKind.HEADERS_TOO_LARGE, "ERR_RESPONSE_HEADERS_TOO_BIG", "Header too big"),
    (FaultKind.APP_ERROR, "ERR_EMPTY_RESPONSE", "Connection terminated unexpectedly"),
])
def test_network_failure(kind: FaultKind, chromium: str, webkit: str) -> None:
    url = B + "/x"
    r = page("chromium", refusing(kind, "probe")).fetch(url)
    assert ex.console_message(r) == f"GET {url} net::{chromium}"
    assert ex.script_error(r) == "TypeError: Failed to fetch"
    ff = page("firefox", refusing(kind, "probe")).fetch(url)
    assert ex.console_message(ff) == (
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at "
        f"{url}. (Reason: CORS request did not succeed). Status code: (null).")
    # WebKit: for a failed preflight (a PUT) the page's console names the error; without one, only
    # Web Inspector's network line does
    wk = page("webkit", refusing(kind, "probe", on="OPTIONS")).fetch(url, method="PUT")
    assert wk.failure is not None and wk.failure.preflight
    assert ex.console_message(wk) == f"{webkit}\nFetch API cannot load {url} due to access control checks."
    wk = page("webkit", refusing(kind, "probe")).fetch(url)
    assert ex.console_message(wk) == f"Failed to load resource: {webkit}"
    entry = ex.console_entry(wk)
    assert entry is not None and entry.verified


def test_network_failure_same_origin_logs_nothing_in_firefox() -> None:
    r = page("firefox", refusing(FaultKind.CONNECTION_REFUSED, "probe")).fetch(A + "/x")
    entry = ex.console_entry(r)
    assert entry is not None and not entry.logged
    assert "logs nothing" in ex.explain(r)


# --- the tail Chromium 156 adds to a CORS-check message ------------------------------------------

def test_chromium_cors_tails() -> None:
    """Chromium 156 no longer suggests mode 'no-cors': nothing after a missing ACAO, and only
    "Have the server send the header with a valid value." after an unusable ACAO, for fetch alone."""
    missing = FakeServer([Rule(body="x")])
    other = FakeServer([Rule(headers=[("Access-Control-Allow-Origin", "http://other.example")], body="x")])
    head = "from origin 'http://127.0.0.1:9300' has been blocked by CORS policy: "
    assert ex.console_message(page("chromium", missing).fetch(B + "/noacao")) == (
        f"Access to fetch at 'http://127.0.0.2:9301/noacao' {head}No 'Access-Control-Allow-Origin' header is "
        "present on the requested resource.")
    assert ex.console_message(page("chromium", other).fetch(B + "/acao-other")) == (
        f"Access to fetch at 'http://127.0.0.2:9301/acao-other' {head}The 'Access-Control-Allow-Origin' header has "
        "a value 'http://other.example' that is not equal to the supplied origin. Have the server send the header "
        "with a valid value.")
    assert ex.console_message(page("chromium", other).xhr(B + "/acao-other?xhr")) == (
        f"Access to XMLHttpRequest at 'http://127.0.0.2:9301/acao-other?xhr' {head}The "
        "'Access-Control-Allow-Origin' header has a value 'http://other.example' that is not equal to the supplied "
        "origin.")
