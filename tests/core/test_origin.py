"""Origins and sites: url#concept-url-origin, html#ascii-serialisation-of-an-origin,
html#same-origin, html#same-site, secure-contexts#is-origin-trustworthy.

Expected values come from the URL Standard (host parsing: IPv4 number forms, IPv6 compression,
IDNA, default ports) and the HTML Standard (schemeful same-site on registrable domains), see
../shared/reference/fetch-cors-facts.md §1.16 and §1.19.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corssim import InvalidOrigin, OpaqueOrigin, TupleOrigin, parse_origin
from corssim.origin import is_potentially_trustworthy, origin_of, same_origin, same_site


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # url#concept-url-origin + html#ascii-serialisation-of-an-origin: scheme://host[:port]
        pytest.param("http://example.com/", "http://example.com", id="url-origin:plain"),
        pytest.param("HTTP://EXAMPLE.COM/a/b?c#d", "http://example.com", id="url-origin:lowercase-scheme-host"),
        pytest.param("http://example.com:80/", "http://example.com", id="url-origin:default-port-http"),
        pytest.param("https://example.com:443/", "https://example.com", id="url-origin:default-port-https"),
        pytest.param("https://example.com:80/", "https://example.com:80", id="url-origin:non-default-port-kept"),
        pytest.param("http://example.com:8080/x", "http://example.com:8080", id="url-origin:port"),
        pytest.param("ws://example.com:80/", "ws://example.com", id="url-origin:ws-default"),
        pytest.param("wss://example.com:443/", "wss://example.com", id="url-origin:wss-default"),
        # url#concept-ipv4-parser: number forms
        pytest.param("http://0x7f.1/", "http://127.0.0.1", id="url-ipv4:hex-short"),
        pytest.param("http://2130706433/", "http://127.0.0.1", id="url-ipv4:single-number"),
        pytest.param("http://0177.0.0.1/", "http://127.0.0.1", id="url-ipv4:octal"),
        # url#concept-ipv6-serializer: compressed, lowercase, bracketed
        pytest.param("http://[0:0:0:0:0:0:0:1]:8080/", "http://[::1]:8080", id="url-ipv6:compressed"),
        pytest.param("http://[2001:DB8::1]/", "http://[2001:db8::1]", id="url-ipv6:lowercase"),
        # url#concept-domain-to-ascii: IDNA (the WPT IDN host élève)
        pytest.param("http://élève.example/", "http://xn--lve-6lad.example", id="url-host:idna"),
        pytest.param("http://example.com./", "http://example.com.", id="url-host:trailing-dot-kept"),
        # url#concept-url-origin: blob: takes the origin of the URL in its path
        pytest.param("blob:https://a.example/0b6f-uuid", "https://a.example", id="url-origin:blob-https"),
        pytest.param("blob:http://a.example:8080/uuid", "http://a.example:8080", id="url-origin:blob-port"),
    ],
)
def test_tuple_origin_serialization(url: str, expected: str) -> None:
    o = origin_of(url)
    assert isinstance(o, TupleOrigin)
    assert o.serialize() == expected
    assert str(o) == expected


@pytest.mark.parametrize(
    "url",
    [
        # url#concept-url-origin: data: and every non-special scheme give a new opaque origin;
        # file: is implementation-defined, engines use an opaque one (facts §1.19)
        pytest.param("data:text/plain,hi", id="opaque:data"),
        pytest.param("file:///etc/hosts", id="opaque:file"),
        pytest.param("about:blank", id="opaque:about"),
        pytest.param("javascript:1", id="opaque:javascript"),
        pytest.param("blob:data:text/plain,x", id="opaque:blob-of-data"),
        pytest.param("mailto:a@example.com", id="opaque:mailto"),
    ],
)
def test_opaque_origins_serialize_as_null(url: str) -> None:
    o = origin_of(url)
    assert isinstance(o, OpaqueOrigin)
    assert o.opaque
    assert o.serialize() == "null"


def test_default_port_is_none_in_the_tuple() -> None:
    # url#concept-url-origin: the port is null when it is the scheme's default
    assert origin_of("https://example.com:443/") == TupleOrigin("https", "example.com", None)
    assert origin_of("http://example.com:81/") == TupleOrigin("http", "example.com", 81)


def test_opaque_origins_are_only_same_origin_with_themselves() -> None:
    # html#same-origin: opaque origins are identical only to themselves
    a = origin_of("data:text/plain,x")
    b = origin_of("data:text/plain,x")
    assert same_origin(a, a)
    assert not same_origin(a, b)
    assert not same_origin(a, origin_of("http://example.com/"))
    assert same_site(a, a)
    assert not same_site(a, b)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        # html#same-origin: scheme, host and port all equal
        pytest.param("http://example.com/", "http://example.com:80/x", True, id="same-origin:default-port"),
        pytest.param("http://example.com/", "https://example.com/", False, id="same-origin:scheme"),
        pytest.param("http://example.com/", "http://example.com:8080/", False, id="same-origin:port"),
        pytest.param("http://example.com/", "http://www.example.com/", False, id="same-origin:subdomain"),
        pytest.param("http://127.0.0.1:8801/", "http://127.0.0.2:8801/", False, id="same-origin:ip"),
        pytest.param("http://EXAMPLE.com/", "http://example.COM/", True, id="same-origin:host-case"),
    ],
)
def test_same_origin(a: str, b: str, same: bool) -> None:
    assert same_origin(origin_of(a), origin_of(b)) is same


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        # html#same-site (schemeful): same scheme and same registrable domain (public suffix list)
        pytest.param("https://a.example.com", "https://b.example.com", True, id="same-site:subdomains"),
        pytest.param("https://example.com", "https://example.com:8443", True, id="same-site:port-ignored"),
        pytest.param("http://a.example.com", "https://a.example.com", False, id="same-site:schemeful"),
        pytest.param("https://a.example.co.uk", "https://b.example.co.uk", True, id="same-site:psl-co-uk"),
        pytest.param("https://a.co.uk", "https://b.co.uk", False, id="same-site:public-suffix"),
        pytest.param("https://a.github.io", "https://b.github.io", False, id="same-site:private-suffix"),
        # IP addresses have no registrable domain: the host itself is the site
        pytest.param("http://127.0.0.1:8801", "http://127.0.0.2:8802", False, id="same-site:ip-hosts"),
        pytest.param("http://127.0.0.1:8801", "http://127.0.0.1:9000", True, id="same-site:ip-same-host"),
    ],
)
def test_same_site(a: str, b: str, same: bool) -> None:
    assert same_site(origin_of(a), origin_of(b)) is same
    assert same_site(origin_of(b), origin_of(a)) is same


@pytest.mark.parametrize(
    ("url", "trustworthy"),
    [
        # secure-contexts#is-origin-trustworthy
        pytest.param("https://example.com/", True, id="trustworthy:https"),
        pytest.param("wss://example.com/", True, id="trustworthy:wss"),
        pytest.param("http://127.0.0.1:8801/", True, id="trustworthy:loopback-v4"),
        pytest.param("http://127.255.0.9/", True, id="trustworthy:loopback-range"),
        pytest.param("http://[::1]/", True, id="trustworthy:loopback-v6"),
        pytest.param("http://localhost:3000/", True, id="trustworthy:localhost"),
        pytest.param("http://app.localhost/", True, id="trustworthy:dot-localhost"),
        pytest.param("http://example.com/", False, id="trustworthy:plain-http"),
        pytest.param("http://128.0.0.1/", False, id="trustworthy:not-loopback"),
        pytest.param("http://localhost.example/", False, id="trustworthy:localhost-prefix-only"),
    ],
)
def test_potentially_trustworthy(url: str, trustworthy: bool) -> None:
    assert is_potentially_trustworthy(url) is trustworthy


def test_parse_origin_accepts_origins_urls_and_null() -> None:
    assert parse_origin("https://app.example") == TupleOrigin("https", "app.example", None)
    assert parse_origin("https://app.example/some/page?x") == TupleOrigin("https", "app.example", None)
    assert isinstance(parse_origin("null"), OpaqueOrigin)
    o = TupleOrigin("http", "a.example", 8080)
    assert parse_origin(o) is o


@pytest.mark.parametrize("bad", ["not a url", "", "http://", "://x", "http://exa mple.com/"])
def test_parse_origin_rejects_non_urls_with_a_typed_error(bad: str) -> None:
    with pytest.raises(InvalidOrigin):
        parse_origin(bad)


def test_parse_origin_rejects_non_strings_with_a_typed_error() -> None:
    with pytest.raises(InvalidOrigin):
        parse_origin(42)  # type: ignore[arg-type]


# --- properties -----------------------------------------------------------------------------

_label = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10)
_host = st.lists(_label, min_size=1, max_size=3).map(".".join).filter(
    lambda h: not h.replace(".", "").isdigit()  # keep clear of IPv4 number forms
)


@st.composite
def tuple_origins(draw: st.DrawFn) -> TupleOrigin:
    scheme = draw(st.sampled_from(["http", "https"]))
    host = draw(_host) + draw(st.sampled_from([".example", ".test", ".com"]))
    default = 80 if scheme == "http" else 443
    port = draw(st.one_of(st.none(), st.integers(1, 65535).filter(lambda p: p != default)))
    return TupleOrigin(scheme, host, port)


@given(tuple_origins())
def test_property_serialize_parse_is_identity(o: TupleOrigin) -> None:
    # html#ascii-serialisation-of-an-origin then url#concept-url-origin give back the same tuple
    text = o.serialize()
    back = parse_origin(text)
    assert back == o
    assert back.serialize() == text


@given(tuple_origins(), st.sampled_from(["/", "/a/b", "/x?y=1", "/#frag", "/p?q#f"]))
def test_property_origin_ignores_path_query_fragment(o: TupleOrigin, rest: str) -> None:
    assert origin_of(o.serialize() + rest) == o


@given(st.text(max_size=40))
def test_property_parse_origin_never_crashes(text: str) -> None:
    # bad input gives a typed error, never another exception
    try:
        o = parse_origin(text)
    except InvalidOrigin:
        return
    assert isinstance(o, (TupleOrigin, OpaqueOrigin))
    assert isinstance(o.serialize(), str)
