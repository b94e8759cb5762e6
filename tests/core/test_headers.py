"""Header classification (fetch#terminology-headers): CORS-safelisted request headers with their
value rules, the CORS-unsafe byte set, CORS-unsafe request-header names, forbidden names, the
parsers the safelist relies on (MIME type, single Range value) and the list primitives
(extract header list values, get-decode-split).

Each case cites the spec anchor, the WPT file, or ../shared/reference/engines-observed.md.
"""

from __future__ import annotations

import pytest

from corssim import get_profile
from corssim import headers as H

SPEC = get_profile("spec")
CHROMIUM = get_profile("chromium")
FIREFOX = get_profile("firefox")
WEBKIT = get_profile("webkit")
ALL = (SPEC, CHROMIUM, FIREFOX, WEBKIT)


# --- fetch#cors-unsafe-request-header-byte ---------------------------------------------------

def _unsafe_by_definition(b: int) -> bool:
    # fetch#cors-unsafe-request-header-byte: < 0x20 except HT, the listed delimiters, DEL
    return (b < 0x20 and b != 0x09) or chr(b) in '"():<>?@[\\]{}' or b == 0x7F


@pytest.mark.parametrize("b", range(0x00, 0x100))
def test_cors_unsafe_request_header_byte(b: int) -> None:
    assert H.is_cors_unsafe_request_header_byte(chr(b)) is _unsafe_by_definition(b)


@pytest.mark.parametrize("c", list(",/;=\t *"))
def test_rfc_delimiters_kept_safe(c: str) -> None:
    # facts §1.3: "the RFC 9110 delimiters minus ,/;=" — these are not unsafe
    assert not H.is_cors_unsafe_request_header_byte(c)


# --- fetch#cors-safelisted-request-header (spec profile) -------------------------------------

SAFELISTED = [
    # WPT fetch/api/cors/cors-no-preflight.any.js
    ("Accept", "*/*", "wpt:cors-no-preflight accept */*"),
    ("Accept-Language", "fr", "wpt:cors-no-preflight accept-language fr"),
    ("Content-Language", "fr", "wpt:cors-no-preflight content-language fr"),
    ("Content-Type", "application/x-www-form-urlencoded", "wpt:cors-no-preflight urlencoded"),
    ("Content-Type", "multipart/form-data", "wpt:cors-no-preflight multipart"),
    ("Content-Type", "text/plain", "wpt:cors-no-preflight text/plain"),
    ("Content-Type", "text/plain;charset=utf-8", "wpt:cors-no-preflight text/plain charset"),
    ("Content-Type", "Text/Plain;charset=utf-8", "wpt:cors-no-preflight Text/Plain case"),
    # WPT cors/cors-safelisted-request-header.any.js (no preflight)
    ("Content-Type", "text/plain;", "wpt:cors-safelisted text/plain;"),
    ("Content-Type", "text/plain;garbage", "wpt:cors-safelisted text/plain;garbage"),
    ("Content-Type", "multipart/form-data; boundary=----x", "engines-observed multipart boundary"),
    ("Range", "bytes=100-200", "wpt:cors-safelisted range 100-200"),
    ("Range", "bytes=200-", "wpt:cors-safelisted range 200-"),
    # WPT cors-preflight-star.any.js: Accept: unicorn is safelisted
    ("Accept", "unicorn", "wpt:cors-preflight-star accept unicorn"),
    # engines-observed: Accept of exactly 128 bytes gets no preflight
    ("Accept", "a" * 128, "engines-observed accept 128 bytes"),
    # fetch#cors-safelisted-request-header: empty language value passes; HT is not unsafe
    ("Accept-Language", "", "spec empty accept-language"),
    ("Accept-Language", "en-US,en;q=0.9", "spec accept-language list"),
    ("Content-Language", "de-DE, *", "spec content-language list"),
    ("Accept", "text/html\tx", "spec HT is not an unsafe byte"),
    ("accept", "*/*", "spec name is case-insensitive"),
    ("CONTENT-TYPE", "TEXT/PLAIN", "spec name case + parser lowercases essence"),
]

NOT_SAFELISTED = [
    # WPT fetch/api/cors/resources/not-cors-safelisted.json
    ("Accept", '"', "wpt:not-cors-safelisted accept quote"),
    ("Accept", "a" * 129, "wpt:not-cors-safelisted accept 129 bytes"),
    ("Accept-Language", "\x01", "wpt:not-cors-safelisted accept-language \\x01"),
    ("Accept-Language", "@", "wpt:not-cors-safelisted accept-language @"),
    ("Content-Language", "\x01", "wpt:not-cors-safelisted content-language \\x01"),
    ("Content-Language", "@", "wpt:not-cors-safelisted content-language @"),
    ("Authorization", "basic", "wpt:not-cors-safelisted authorization"),
    ("Content-Type", "text/html", "wpt:not-cors-safelisted content-type text/html"),
    ("Content-Type", "text/plain; long=" + "0" * 115, "wpt:not-cors-safelisted content-type > 128"),
    ("Range", "bytes 0-", "wpt:not-cors-safelisted range no ="),
    ("Test", "hi", "wpt:not-cors-safelisted test: hi"),
    # WPT cors/cors-safelisted-request-header.any.js (preflight needed)
    ("Content-Type", "text /plain", "wpt:cors-safelisted text SP/plain"),
    ("Content-Type", "text\t/\tplain", "wpt:cors-safelisted text HT/HT plain"),
    ("Content-Type", "text/plain;garbage\x01\x02", "wpt:cors-safelisted garbage control bytes"),
    ("Content-Type", "text/plain,", "wpt:cors-safelisted trailing comma"),
    ("Content-Type", ",text/plain", "wpt:cors-safelisted leading comma"),
    ("Content-Type", "text/plain,text/plain", "wpt:cors-safelisted doubled"),
    ("Content-Type", "text/plain,x/x", "wpt:cors-safelisted text/plain,x/x"),
    ("Content-Type", "text/plain\x0b", "wpt:cors-safelisted VT"),
    ("Content-Type", "text/plain\x0c", "wpt:cors-safelisted FF"),
    ("Content-Type", "application/www-form-urlencoded", "wpt:cors-safelisted wrong essence"),
    ("Content-Type", "application/x-www-form-urlencoded;\x7f", "wpt:cors-safelisted DEL"),
    ("Content-Type", 'multipart/form-data;"', "wpt:cors-safelisted lone quote"),
    ("Range", "bytes= 100-200", "wpt:cors-safelisted range whitespace after ="),
    ("Range", "bytes =100-200", "wpt:cors-safelisted range whitespace before ="),
    ("Range", "bytes=100 -200", "wpt:cors-safelisted range whitespace inside"),
    ("Range", "MB=100-200", "wpt:cors-safelisted range unit MB"),
    ("Range", "bytes100-200", "wpt:cors-safelisted range missing ="),
    ("Range", "bytes=100-200garbage", "wpt:cors-safelisted range trailing garbage"),
    ("Range", "bytes=abc-def", "wpt:cors-safelisted range abc-def"),
    ("Range", "bytes=100-200,300-400", "wpt:cors-safelisted range multiple"),
    ("Range", "bytes=-200", "wpt:cors-safelisted range suffix"),
    ("Range", "bytes=200-100", "wpt:cors-safelisted range start > end"),
    ("Range", "bytes=" + "1" * 61 + "-" + "1" * 61, "wpt:cors-safelisted range 129 bytes"),
    ("Range", ",bytes=100-200", "wpt:cors-safelisted range leading comma"),
    ("Range", "bytes=100-200,", "wpt:cors-safelisted range trailing comma"),
    # WPT fetch/api/cors/cors-preflight.any.js: Content-Type allowedOrRefused counts as unsafe
    ("Content-Type", "allowedOrRefused", "wpt:cors-preflight content-type allowedOrRefused"),
    # WPT cors-preflight-star.any.js: Content-Type uni/corn needs ACAH
    ("Content-Type", "uni/corn", "wpt:cors-preflight-star uni/corn"),
    # engines-observed: Accept with ( ) or 0x01 gets a preflight
    ("Accept", "text/(x)", "engines-observed accept parens"),
    ("Accept", "a\x01", "engines-observed accept 0x01"),
    # facts §1.3: Last-Event-ID is not safelisted in the current spec
    ("Last-Event-ID", "abc123", "spec last-event-id not safelisted"),
    # fetch#cors-safelisted-request-header: other names are never safelisted
    ("X-Custom", "1", "spec other names"),
    ("Content-Language", "fr_FR", "spec language bytes: no underscore"),
    ("Accept-Language", "en/US", "spec language bytes: no slash"),
    ("Content-Type", "application/json", "spec json essence"),
    ("Content-Type", "", "spec empty content-type does not parse"),
    ("Range", "BYTES=0-1", "spec range unit is case-sensitive"),
]


@pytest.mark.parametrize(("name", "value"), [(n, v) for n, v, _ in SAFELISTED],
                         ids=[i for _, _, i in SAFELISTED])
def test_safelisted_request_header_spec(name: str, value: str) -> None:
    assert H.is_cors_safelisted_request_header(name, value, SPEC)
    assert H.is_cors_safelisted_request_header(name, value)  # no profile == the standard


@pytest.mark.parametrize(("name", "value"), [(n, v) for n, v, _ in NOT_SAFELISTED],
                         ids=[i for _, _, i in NOT_SAFELISTED])
def test_not_safelisted_request_header_spec(name: str, value: str) -> None:
    assert not H.is_cors_safelisted_request_header(name, value, SPEC)


# Engines agree with the standard on these WPT cases (engines-observed: "The three engines agree
# on everything else"); Chromium's Range and extra names are checked separately below.
@pytest.mark.parametrize("profile", ALL, ids=lambda p: p.name)
@pytest.mark.parametrize(
    ("name", "value", "safe"),
    [
        pytest.param("Accept", "a" * 128, True, id="engines-observed:accept-128"),
        pytest.param("Accept", "a" * 129, False, id="engines-observed:accept-129"),
        pytest.param("Accept", "text/(x)", False, id="engines-observed:accept-parens"),
        pytest.param("Content-Type", "text/plain;charset=utf-8", True, id="engines-observed:ct-charset"),
        pytest.param("Content-Type", "multipart/form-data", True, id="engines-observed:ct-multipart"),
        pytest.param("Content-Type", "application/json", False, id="engines-observed:ct-json"),
        pytest.param("X-Custom", "1", False, id="engines-observed:custom"),
        pytest.param("Authorization", "Bearer x", False, id="engines-observed:authorization"),
    ],
)
def test_safelisted_request_header_in_every_engine(profile: object, name: str, value: str, safe: bool) -> None:
    assert H.is_cors_safelisted_request_header(name, value, profile) is safe  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("profile", "safe"),
    [(SPEC, True), (CHROMIUM, True), (WEBKIT, True), (FIREFOX, False)],
    ids=["spec", "chromium", "webkit", "firefox"],
)
def test_accept_latin1_byte_only_firefox_preflights(profile: object, safe: bool) -> None:
    # engines-observed `accept-latin1-byte`: Accept: text/é (byte 0xE9) — Firefox sends a
    # preflight (ACRH: accept), Chromium and WebKit don't; 0xE9 is not a CORS-unsafe byte.
    assert H.is_cors_safelisted_request_header("Accept", "text/\xe9", profile) is safe  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "value", "safe"),
    [
        # facts §2.1 (Cr cors.cc IsCorsSafelistedHeader): non-spec names with value rules
        pytest.param("Intervention", "anything at all", True, id="cr:intervention"),
        pytest.param("DPR", "2", True, id="cr:dpr-int"),
        pytest.param("dpr", "1.5", True, id="cr:dpr-double"),
        pytest.param("dpr", "1.", False, id="cr:dpr-bad-double"),
        pytest.param("Device-Memory", "0.5", True, id="cr:device-memory"),
        pytest.param("Downlink", "10.25", True, id="cr:downlink"),
        pytest.param("Width", "640", True, id="cr:width"),
        pytest.param("Width", "1.5", False, id="cr:width-not-integer"),
        pytest.param("Viewport-Width", "1024", True, id="cr:viewport-width"),
        pytest.param("RTT", "50", True, id="cr:rtt"),
        pytest.param("ECT", "4g", True, id="cr:ect"),
        pytest.param("ECT", "5g", False, id="cr:ect-unknown"),
        pytest.param("Save-Data", "on", True, id="cr:save-data"),
        pytest.param("Save-Data", "ON", True, id="cr:save-data-lowercased"),
        pytest.param("Save-Data", "off", False, id="cr:save-data-off"),
        # WPT cors/client-hint-request-headers.htm: empty values must fail
        pytest.param("Device-Memory", "", False, id="wpt:client-hint-empty-device-memory"),
        pytest.param("DPR", "", False, id="wpt:client-hint-empty-dpr"),
        pytest.param("Width", "", False, id="wpt:client-hint-empty-width"),
        pytest.param("Viewport-Width", "", False, id="wpt:client-hint-empty-viewport-width"),
        # facts §2.1: the 128-byte limit still applies
        pytest.param("Intervention", "x" * 129, False, id="cr:intervention-129"),
        # facts §2.1 inferred that Range is parsed lower-cased (so BYTES=0-1 would pass); the real
        # engine preflights it (ACRH range): /work/notes/browser-results/bulk-seed2-n1000/
        # chromium.generated-seed2-n1000.engine.json gen-2-85, gen-2-158, gen-2-332, gen-2-399
        pytest.param("Range", "BYTES=0-1", False, id="observed:range-unit-case-sensitive"),
        pytest.param("Range", "bytes=-500", False, id="cr:range-suffix"),
    ],
)
def test_chromium_extra_safelisted(name: str, value: str, safe: bool) -> None:
    assert H.is_cors_safelisted_request_header(name, value, CHROMIUM) is safe


@pytest.mark.parametrize("profile", [SPEC, FIREFOX, WEBKIT], ids=lambda p: p.name)
@pytest.mark.parametrize(("name", "value"), [("Intervention", "x"), ("DPR", "2"), ("Width", "640"),
                                             ("Save-Data", "on"), ("ECT", "4g")])
def test_chromium_extras_are_unsafe_elsewhere(profile: object, name: str, value: str) -> None:
    # facts §2.1: "sends no preflight in Chrome but does in Firefox/Safari"
    assert not H.is_cors_safelisted_request_header(name, value, profile)  # type: ignore[arg-type]


# --- fetch#cors-unsafe-request-header-names -----------------------------------------------------

@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        pytest.param([], [], id="spec:empty"),
        pytest.param([("Accept", "*/*"), ("Content-Language", "fr")], [], id="spec:all-safelisted"),
        pytest.param([("X-B", "1"), ("x-a", "1"), ("X-A", "2")], ["x-a", "x-b"],
                     id="spec:lowercased-deduped-sorted"),
        pytest.param([("X-Z", "1"), ("Content-Type", "application/json")], ["content-type", "x-z"],
                     id="engines-observed:acrh-content-type-x"),
        pytest.param([("x-b", "1"), ("X-a", "1"), ("Content-Type", "application/json")],
                     ["content-type", "x-a", "x-b"], id="engines-observed:content-type,x-a,x-b"),
        # "byte less than": uppercase letters sort before '_' before lowercase — after lowercasing,
        # '-' (0x2D) < '0' < 'a' < '~'
        pytest.param([("x~", "1"), ("x-", "1"), ("x0", "1"), ("xa", "1")], ["x-", "x0", "xa", "x~"],
                     id="spec:byte-order"),
        pytest.param([("Accept", "a" * 129)], ["accept"], id="spec:129-byte-accept"),
    ],
)
def test_cors_unsafe_request_header_names(headers: list[tuple[str, str]], expected: list[str]) -> None:
    assert H.cors_unsafe_request_header_names(headers, SPEC) == expected


def test_safelist_total_over_1024_makes_safelisted_names_unsafe() -> None:
    # fetch#cors-unsafe-request-header-names: safelistValueSize > 1024 → every safelisted name
    # counts (strictly greater: 1024 is still fine)
    at_limit = [("Accept", "a" * 128)] * 8  # 1024 bytes
    over = [("Accept", "a" * 128)] * 8 + [("Content-Language", "f")]  # 1025 bytes
    assert H.cors_unsafe_request_header_names(at_limit, SPEC) == []
    assert H.cors_unsafe_request_header_names(over, SPEC) == ["accept", "content-language"]


def test_forbidden_headers_never_count_as_unsafe() -> None:
    # Chromium CorsUnsafeNotForbiddenRequestHeaderNames skips forbidden (browser-set) headers;
    # the spec never lets a script set them (fetch#forbidden-request-header)
    hs = [("Origin", "x"), ("Sec-Fetch-Mode", "cors"), ("Cookie", "a=b"), ("X-A", "1")]
    assert H.cors_unsafe_request_header_names(hs, SPEC) == ["x-a"]


def test_user_agent_unsafe_in_spec_but_forbidden_in_chromium() -> None:
    # facts §1.6: User-Agent is not forbidden by the spec (a script-set one is unsafe there);
    # §2.1: Chromium keeps it forbidden (dropped, so never unsafe)
    assert H.cors_unsafe_request_header_names([("User-Agent", "x")], SPEC) == ["user-agent"]
    assert H.cors_unsafe_request_header_names([("User-Agent", "x")], FIREFOX) == ["user-agent"]
    assert H.cors_unsafe_request_header_names([("User-Agent", "x")], CHROMIUM) == []


# --- fetch#forbidden-request-header / fetch#forbidden-response-header-name ------------------

FORBIDDEN_NAMES = [
    "Accept-Charset", "Accept-Encoding", "Access-Control-Request-Headers", "Access-Control-Request-Method",
    "Connection", "Content-Length", "Cookie", "Cookie2", "Date", "DNT", "Expect", "Host", "Keep-Alive",
    "Origin", "Referer", "Set-Cookie", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Via",
]


@pytest.mark.parametrize("name", FORBIDDEN_NAMES)
def test_forbidden_request_header_names(name: str) -> None:
    # fetch#forbidden-request-header: byte-case-insensitive
    for spelling in (name, name.lower(), name.upper()):
        assert H.is_forbidden_request_header(spelling, "x", SPEC)


@pytest.mark.parametrize(
    "name",
    ["Proxy-Authorization", "proxy-", "PROXY-X", "Sec-Fetch-Mode", "sec-", "SEC-CH-UA", "Sec-Foo"],
)
def test_forbidden_prefixes(name: str) -> None:
    # fetch#forbidden-request-header: names starting with proxy- or sec-
    assert H.is_forbidden_request_header(name, "x", SPEC)


@pytest.mark.parametrize(
    "name",
    ["User-Agent", "Authorization", "Accept", "X-Custom", "Proxy", "Secret", "Sec", "Cookies", "Dates",
     "Access-Control-Allow-Origin", "X-HTTP-Method-Overrides"],
)
def test_not_forbidden_in_spec(name: str) -> None:
    assert not H.is_forbidden_request_header(name, "GET", SPEC)


@pytest.mark.parametrize("name", ["X-HTTP-Method", "X-HTTP-Method-Override", "X-Method-Override",
                                  "x-http-method-override"])
@pytest.mark.parametrize(
    ("value", "forbidden"),
    [
        # fetch#forbidden-request-header: forbidden only if a get-decode-split value is a forbidden
        # method (case-insensitive, fetch#forbidden-method)
        pytest.param("TRACE", True, id="trace"),
        pytest.param("connect", True, id="connect-lowercase"),
        pytest.param("Track", True, id="track-mixed"),
        pytest.param("GET, TRACE", True, id="list-with-trace"),
        pytest.param("GET ,\tconnect", True, id="list-trimmed"),
        pytest.param("GET", False, id="get"),
        pytest.param("PUT, DELETE", False, id="list-without"),
        pytest.param("TRACEX", False, id="prefix-only"),
        pytest.param('"TRACE"', False, id="quoted-kept-with-quotes"),
        pytest.param("", False, id="empty"),
    ],
)
def test_method_override_headers(name: str, value: str, forbidden: bool) -> None:
    assert H.is_forbidden_request_header(name, value, SPEC) is forbidden


def test_user_agent_forbidden_only_in_chromium() -> None:
    # facts §2.1 (Cr net/http/http_util.cc kForbiddenHeaderFields): + user-agent; §2.3 WebKit and
    # §1.6 the spec do not forbid it
    assert H.is_forbidden_request_header("User-Agent", "x", CHROMIUM)
    assert H.is_forbidden_request_header("user-agent", "x", CHROMIUM)
    for p in (SPEC, FIREFOX, WEBKIT):
        assert not H.is_forbidden_request_header("User-Agent", "x", p)


@pytest.mark.parametrize(("name", "forbidden"), [("Set-Cookie", True), ("set-cookie2", True),
                                                 ("SET-COOKIE", True), ("Cookie", False), ("X-Set-Cookie", False)])
def test_forbidden_response_header_name(name: str, forbidden: bool) -> None:
    # fetch#forbidden-response-header-name
    assert H.is_forbidden_response_header_name(name) is forbidden


@pytest.mark.parametrize(
    ("name", "exposed", "safe"),
    [
        # fetch#cors-safelisted-response-header-name: the seven, plus exposed non-forbidden names
        *[pytest.param(n, [], True, id=f"safelisted:{n}") for n in (
            "Cache-Control", "Content-Language", "Content-Length", "Content-Type", "Expires",
            "Last-Modified", "Pragma")],
        pytest.param("content-type", [], True, id="case-insensitive"),
        pytest.param("Age", [], False, id="wpt:cors-filtering age"),
        pytest.param("Server", [], False, id="wpt:cors-filtering server"),
        pytest.param("Warning", [], False, id="wpt:cors-filtering warning"),
        pytest.param("X-Foo", ["x-foo"], True, id="exposed"),
        pytest.param("x-foo", ["X-FOO"], True, id="exposed-case"),
        pytest.param("Set-Cookie", ["Set-Cookie"], False, id="wpt:cors-filtering set-cookie never"),
        pytest.param("Set-Cookie2", ["set-cookie2"], False, id="wpt:cors-filtering set-cookie2 never"),
        pytest.param("X-Bar", ["x-foo"], False, id="not-exposed"),
    ],
)
def test_cors_safelisted_response_header_name(name: str, exposed: list[str], safe: bool) -> None:
    assert H.is_cors_safelisted_response_header_name(name, exposed) is safe


@pytest.mark.parametrize(("name", "ok"), [("accept", True), ("Accept-Language", True),
                                          ("content-language", True), ("CONTENT-TYPE", True),
                                          ("Range", False), ("X-A", False)])
def test_no_cors_safelisted_request_header_name(name: str, ok: bool) -> None:
    # fetch#no-cors-safelisted-request-header-name
    assert H.is_no_cors_safelisted_request_header_name(name) is ok


# --- header name / value validity (fetch#header-name, fetch#header-value) -------------------

@pytest.mark.parametrize(
    ("name", "ok"),
    [("X-A", True), ("x_a.b~!#$%&'*+^`|", True), ("", False), ("X A", False), ("X:A", False),
     ("X(A)", False), ("é", False), ("X\x00", False), ('"x"', False), ("a/b", False)],
)
def test_header_name_is_a_token(name: str, ok: bool) -> None:
    assert H.is_header_name(name) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [("", True), ("a b", True), ("\xe9", True), ("a\tb", True), (" a", False), ("a ", False),
     ("\ta", False), ("a\x00b", False), ("a\rb", False), ("a\nb", False), ("\u0100", False)],
)
def test_header_value(value: str, ok: bool) -> None:
    assert H.is_header_value(value) is ok


def test_normalize_header_value_strips_http_whitespace() -> None:
    # fetch#concept-header-value-normalize: HT, LF, CR, SP at both ends; inner bytes kept
    assert H.normalize_header_value(" \t\r\na b\t \n") == "a b"
    assert H.normalize_header_value("\x0ba\x0b") == "\x0ba\x0b"  # VT is not HTTP whitespace


# --- mimesniff#parse-a-mime-type ---------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "essence", "params"),
    [
        pytest.param("text/html", "text/html", (), id="mime:plain"),
        pytest.param("TEXT/HTML;CHARSET=UTF-8", "text/html", (("charset", "UTF-8"),), id="mime:lowercase-names-not-values"),
        pytest.param(" text/html \t", "text/html", (), id="mime:outer-whitespace"),
        pytest.param("text/html ;charset=x", "text/html", (("charset", "x"),), id="mime:subtype-trailing-ws"),
        pytest.param('text/html;charset="utf-8"', "text/html", (("charset", "utf-8"),), id="mime:quoted"),
        pytest.param('text/html;charset="a\\"b"', "text/html", (("charset", 'a"b'),), id="mime:quoted-escape"),
        pytest.param('text/html;charset="utf-8" junk;x=y', "text/html", (("charset", "utf-8"), ("x", "y")),
                     id="mime:after-quoted-skipped"),
        pytest.param("text/html;charset=", "text/html", (), id="mime:empty-value-dropped"),
        pytest.param("text/html;charset=a;charset=b", "text/html", (("charset", "a"),), id="mime:first-wins"),
        pytest.param("text/html;  charset=utf-8  ", "text/html", (("charset", "utf-8"),), id="mime:param-ws"),
        pytest.param("text/html;charset =utf-8", "text/html", (), id="mime:name-with-space-dropped"),
        pytest.param("text/html;charset", "text/html", (), id="mime:name-without-value"),
        pytest.param("text/plain;", "text/plain", (), id="mime:trailing-semicolon"),
        pytest.param("text/plain;garbage", "text/plain", (), id="mime:garbage-param"),
        pytest.param("multipart/form-data; boundary=----x", "multipart/form-data", (("boundary", "----x"),),
                     id="mime:boundary"),
    ],
)
def test_parse_mime_type(value: str, essence: str, params: tuple[tuple[str, str], ...]) -> None:
    m = H.parse_mime_type(value)
    assert m is not None
    assert m.essence == essence
    assert m.parameters == params


@pytest.mark.parametrize(
    "value",
    ["", "text", "/html", "text/", "te xt/html", "text/ht ml", "text/html,x", '"text"/html', "tëxt/html",
     "text/plain,x/x", ",text/plain", "text /plain", "/"],
)
def test_parse_mime_type_failures(value: str) -> None:
    assert H.parse_mime_type(value) is None


# --- fetch#simple-range-header-value -----------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "ws", "expected"),
    [
        pytest.param("bytes=0-", False, (0, None), id="range:open-end"),
        pytest.param("bytes=-5", False, (None, 5), id="range:suffix-parses"),
        pytest.param("bytes=1-2", False, (1, 2), id="range:both"),
        pytest.param("bytes=0-0", False, (0, 0), id="range:equal"),
        pytest.param("bytes=007-8", False, (7, 8), id="range:leading-zeros"),
        pytest.param("bytes = 1 - 2", True, (1, 2), id="range:whitespace-allowed"),
        pytest.param("bytes\t=\t1-", True, (1, None), id="range:tab-allowed"),
        pytest.param("bytes=-", False, None, id="range:both-absent"),
        pytest.param("bytes=2-1", False, None, id="range:start-after-end"),
        pytest.param("bytes = 1-2", False, None, id="range:whitespace-not-allowed"),
        pytest.param("bytes=1-2, 3-4", False, None, id="range:multiple"),
        pytest.param("bytes=1-2 ", False, None, id="range:trailing-space"),
        pytest.param("Bytes=1-2", False, None, id="range:unit-case"),
        pytest.param("items=1-2", False, None, id="range:other-unit"),
        pytest.param("bytes=\u0663-4", False, None, id="range:non-ascii-digit"),
        pytest.param("bytes=1", False, None, id="range:no-dash"),
        pytest.param("", False, None, id="range:empty"),
    ],
)
def test_parse_single_range_header_value(value: str, ws: bool, expected: tuple[int | None, int | None] | None) -> None:
    assert H.parse_single_range_header_value(value, allow_whitespace=ws) == expected


# --- fetch#extract-header-list-values ------------------------------------------------------------

@pytest.mark.parametrize(
    ("lines", "single", "expected"),
    [
        pytest.param(None, False, None, id="extract:absent-none"),
        pytest.param([], False, None, id="extract:absent-empty"),
        pytest.param(["PUT, DELETE"], False, ["PUT", "DELETE"], id="extract:one-line"),
        pytest.param(["PUT", "DELETE"], False, ["PUT", "DELETE"], id="extract:two-lines"),
        pytest.param([" PUT ,\tDELETE\t"], False, ["PUT", "DELETE"], id="extract:ows"),
        pytest.param(["PUT,,DELETE,"], False, ["PUT", "DELETE"], id="extract:empty-elements"),
        pytest.param([""], False, [], id="extract:present-empty"),
        pytest.param(["*"], False, ["*"], id="extract:star"),
        pytest.param(["patch"], False, ["patch"], id="extract:case-kept"),
        # WPT cors-preflight-response-validation.any.js
        pytest.param(["Bad method name"], False, H.FAILURE, id="wpt:bad-method-name"),
        pytest.param(["header name with space"], False, H.FAILURE, id="wpt:header-name-with-space"),
        pytest.param(["x-a, x/b"], False, H.FAILURE, id="extract:one-bad-token-fails-all"),
        pytest.param(['"x-a"'], False, H.FAILURE, id="extract:quoted-not-token"),
        pytest.param(["5"], True, ["5"], id="extract:single"),
        pytest.param(["5", "6"], True, H.FAILURE, id="extract:single-abnf-two-lines"),
    ],
)
def test_extract_header_list_values(lines: list[str] | None, single: bool, expected: object) -> None:
    got = H.extract_header_list_values(lines, single=single)
    if expected is H.FAILURE:
        assert isinstance(got, H.Failure)
    else:
        assert got == expected


# --- fetch#header-value-get-decode-and-split -----------------------------------------------------

@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("nosniff,", ["nosniff", ""], id="split:trailing-comma"),
        pytest.param("", [""], id="split:empty"),
        pytest.param("text/html;", ["text/html;"], id="split:single"),
        pytest.param('text/html;"", text/plain', ['text/html;""', "text/plain"], id="split:empty-quoted"),
        pytest.param('text/html;"\\", \\\\", text/plain', ['text/html;"\\", \\\\"', "text/plain"],
                     id="split:escaped-quote"),
        pytest.param('text/html;", text/plain', ['text/html;", text/plain'], id="split:unterminated-quote"),
        pytest.param('x/x;test="hi",y/y', ['x/x;test="hi"', "y/y"], id="split:quoted-param"),
        pytest.param("x / x,,,1", ["x / x", "", "", "1"], id="split:empty-items"),
        pytest.param('"1,2", 3', ['"1,2"', "3"], id="split:comma-in-quotes"),
        pytest.param(" \ta ,\t b\t", ["a", "b"], id="split:tab-space-trimmed"),
    ],
)
def test_get_decode_split(value: str, expected: list[str]) -> None:
    assert H.get_decode_split(value) == expected


# --- the same tables through Page, in every engine --------------------------------------------------
# engines-observed: "The three engines agree on everything else" — and the run1 results in
# /work/notes/browser-results/run1 (range-*, last-event-id-unsafe) agree for Range/Last-Event-ID.

def _open() -> "object":
    from corssim import FakeServer, Rule

    return FakeServer([
        Rule(method="OPTIONS", status=204, headers=[("Access-Control-Allow-Origin", "*"),
                                                    ("Access-Control-Allow-Headers", "*")]),
        Rule(headers=[("Access-Control-Allow-Origin", "*")], body="ok"),
    ])


@pytest.mark.parametrize("engine", ["spec", "chromium", "firefox", "webkit"])
@pytest.mark.parametrize(("name", "value"), [(n, v) for n, v, _ in SAFELISTED], ids=[i for _, _, i in SAFELISTED])
def test_safelisted_headers_send_no_preflight(engine: str, name: str, value: str) -> None:
    from corssim import Page

    r = Page("http://127.0.0.1:8801", server=_open(), browser=engine).fetch(  # type: ignore[arg-type]
        "http://127.0.0.2:8802/x", headers=[(name, value)])
    assert r.ok and not r.preflight_sent


# WebKit accepts an upper-case Range unit (test_webkit_range_unit_case below), so BYTES=0-1 is left
# out for it here
_UNSAFE_BY_ENGINE = [
    pytest.param(e, n, v, id=f"{e}-{i}") for e in ("spec", "chromium", "firefox", "webkit")
    for n, v, i in NOT_SAFELISTED if not (e == "webkit" and (n, v) == ("Range", "BYTES=0-1"))
]


@pytest.mark.parametrize(("engine", "safe"), [("spec", False), ("chromium", False), ("firefox", False),
                                              ("webkit", True)])
def test_range_unit_case(engine: str, safe: bool) -> None:
    # fetch#simple-range-header-value: `bytes` is matched byte for byte; observed in
    # /work/notes/browser-results/bulk-seed2-n1000 (gen-2-85, 158, 332, 399): Chromium preflights
    # `Range: BYTES=0-1` (ACRH range), WebKit sends it without a preflight
    from corssim import Page

    r = Page("http://127.0.0.1:8801", server=_open(), browser=engine).fetch(  # type: ignore[arg-type]
        "http://127.0.0.2:8802/x", headers=[("Range", "BYTES=0-1")])
    assert r.ok
    assert r.preflight_sent is (not safe)
    if not safe:
        assert r.preflights[0].request.headers.get("Access-Control-Request-Headers") == "range"


@pytest.mark.parametrize(("engine", "name", "value"), _UNSAFE_BY_ENGINE)
def test_unsafe_headers_are_preflighted_and_named(engine: str, name: str, value: str) -> None:
    from corssim import Page

    r = Page("http://127.0.0.1:8801", server=_open(), browser=engine).fetch(  # type: ignore[arg-type]
        "http://127.0.0.2:8802/x", headers=[(name, value)])
    assert r.preflight_sent
    assert r.preflights[0].request.headers.get("Access-Control-Request-Headers") == name.lower()
