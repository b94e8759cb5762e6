"""Hypothesis strategies for property-testing CORS set-ups: page origins, fetch() inits, and
server CORS policies (scenario-format RULE dicts or `corssim.Rule` lists for a `FakeServer`).

    from hypothesis import given
    from corssim import Page
    from corssim.strategies import origins

    MINE = ["https://app.example"]

    @given(origins(near=MINE).filter(lambda o: o not in MINE))
    def test_strangers_cannot_read_accounts(origin):
        page = Page(origin, server=my_api, browser="chromium")
        assert page.fetch("https://api.example/account", credentials="include").blocked

`origins(near=...)` leans on the origins an allow-list check most often lets through by mistake:
the same host on another scheme or port, a sub-domain, a look-alike suffix or prefix
(``https://app.example.evil.test``, ``https://evilapp.example``), and ``null``.

Requires hypothesis (``pip install hypothesis``, or the ``test`` extra).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

try:
    from hypothesis import strategies as st
except ImportError as _e:  # pragma: no cover - exercised only without hypothesis
    raise ImportError(
        "corssim.strategies needs hypothesis: pip install hypothesis (or pip install 'corssim[test]')"
    ) from _e

from corssim.errors import InvalidOrigin
from corssim.origin import OpaqueOrigin, TupleOrigin, parse_origin

__all__ = [
    "SAFELISTED_CONTENT_TYPES",
    "cors_policies",
    "hosts",
    "origins",
    "request_headers",
    "request_inits",
]

SAFELISTED_CONTENT_TYPES = ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data")

_LABEL_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_TLDS = ("example", "test", "com", "org", "dev", "localhost")


# --------------------------------------------------------------------------------------------
# origins


def hosts() -> st.SearchStrategy[str]:
    """Host names and IP literals as they appear in a serialized origin (lower-case, ASCII)."""
    label = st.text(_LABEL_ALPHABET, min_size=1, max_size=10).filter(lambda s: not s.isdigit())
    dns = st.builds(
        lambda labels, tld: ".".join([*labels, tld]),
        st.lists(label, min_size=1, max_size=3),
        st.sampled_from(_TLDS),
    )
    ipv4 = st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t)))
    ipv6 = st.sampled_from(["[::1]", "[2001:db8::1]", "[fe80::1]"])
    return st.one_of(dns, ipv4, ipv6)


def _serialize(scheme: str, host: str, port: int | None) -> str:
    default = {"http": 80, "https": 443}[scheme]
    return f"{scheme}://{host}" + ("" if port is None or port == default else f":{port}")


def _neighbours(origin: str) -> list[str]:
    """Origins that are not `origin` but that a sloppy allow-list check may confuse with it."""
    o = parse_origin(origin)
    if not isinstance(o, TupleOrigin):
        return ["https://null", "http://null.example"]
    scheme, host, port = o.scheme, o.host, o.port
    other_scheme = "http" if scheme == "https" else "https"
    bare = host.strip("[]")
    out = [
        _serialize(other_scheme, host, None),
        _serialize(scheme, host, 8443 if port != 8443 else 8080),
    ]
    if not bare.replace(".", "").isdigit() and ":" not in bare:
        first, _, rest = host.partition(".")
        out += [
            _serialize(scheme, "evil." + host, port),  # a sub-domain (endswith("app.example"))
            _serialize(scheme, host + ".evil.test", port),  # startswith / unanchored regex
            _serialize(scheme, "evil" + host, port),  # endswith without the dot
            _serialize(scheme, host + "evil.test", port),
            _serialize(scheme, f"{first}-evil.{rest}" if rest else first + "-evil", port),
            _serialize(scheme, host.replace(".", "x", 1), port),  # a regex "." that matches anything
        ]
        if rest:
            out.append(_serialize(scheme, rest, port))  # the parent domain
    return [n for n in dict.fromkeys(out) if n != origin]


def origins(
    *,
    schemes: Sequence[str] = ("http", "https"),
    near: Sequence[str] = (),
    include_null: bool = False,
) -> st.SearchStrategy[str]:
    """Serialized origins (``scheme://host[:port]``), as a page's origin or an `Origin` header.

    `near`: origins you care about (an allow-list); the strategy then draws them, their tricky
    neighbours (see the module doc) and unrelated origins. `include_null` adds ``"null"`` (the
    origin of sandboxed iframes, data: URLs and cross-origin redirects).
    """
    for s in schemes:
        if s not in ("http", "https"):
            raise ValueError(f"origins() draws http and https origins only, got scheme {s!r}")
    given: list[str] = []
    for n in near:
        try:
            o = parse_origin(n)
        except InvalidOrigin as e:
            raise ValueError(f"origins(near=...): {e}") from None
        given.append("null" if isinstance(o, OpaqueOrigin) else o.serialize())
    port = st.one_of(st.none(), st.sampled_from([80, 443, 3000, 8000, 8080, 8443]), st.integers(1, 65535))
    random = st.builds(_serialize, st.sampled_from(list(schemes)), hosts(), port)
    parts: list[st.SearchStrategy[str]] = [random]
    if given:
        neighbours = sorted({n for g in given for n in _neighbours(g)} - set(given))
        parts = [st.sampled_from(given), st.sampled_from(neighbours), random] if neighbours else [
            st.sampled_from(given), random]
    if include_null:
        parts.append(st.just("null"))
    return st.one_of(*parts)


# --------------------------------------------------------------------------------------------
# requests


def request_headers(*, custom: Sequence[str] = ("X-Requested-With", "X-Api-Key", "X-Trace-Id")) -> st.SearchStrategy[
    list[tuple[str, str]]
]:
    """Header lists a script may set: safelisted ones with safe and unsafe values, custom names,
    Authorization; names in any case. Every pair is valid (fetch() does not throw on it)."""
    value = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20).map(str.strip)
    content_type = st.sampled_from([*SAFELISTED_CONTENT_TYPES, "text/plain;charset=UTF-8", "application/json",
                                    "text/html", "application/x-www-form-urlencoded; charset=utf-8"])
    pair = st.one_of(
        st.tuples(st.sampled_from(["Content-Type", "content-type"]), content_type),
        st.tuples(st.sampled_from(["Accept", "Accept-Language", "Content-Language"]),
                  st.sampled_from(["*/*", "en", "fr-CH", "application/json", "x" * 130, "a@b"])),
        st.tuples(st.sampled_from(list(custom) + [c.lower() for c in custom]), value),
        st.tuples(st.just("Authorization"), st.sampled_from(["Bearer t0ken", "Basic dTpw"])),
    )
    return st.lists(pair, max_size=4)


def request_inits(
    *,
    methods: Sequence[str] = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "patch", "put", "OPTIONS"),
    modes: Sequence[str] = ("cors",),
    credentials: Sequence[str] = ("omit", "same-origin", "include"),
    headers: st.SearchStrategy[list[tuple[str, str]]] | None = None,
) -> st.SearchStrategy[dict[str, Any]]:
    """fetch() init dicts: ``{"method", "headers", "mode", "credentials", "body"}``, as
    `Page.fetch(url, **init)` and the scenario format's `init` take them.

    Every init drawn is one fetch() accepts (no TypeError before anything is sent): GET and HEAD
    have no body; mode 'no-cors' only with GET, HEAD or POST. The method is written as a script
    would, so ``"patch"`` stays lower-case on the wire.
    """
    for m in modes:
        if m not in ("cors", "no-cors", "same-origin"):
            raise ValueError(f"request_inits(modes=...): {m!r} is not a fetch() mode a script can use")
    for c in credentials:
        if c not in ("omit", "same-origin", "include"):
            raise ValueError(f"request_inits(credentials=...): unknown credentials mode {c!r}")

    def build(method: str, hdrs: list[tuple[str, str]], mode: str, creds: str, body: str | None) -> dict[str, Any]:
        if mode == "no-cors" and method.upper() not in ("GET", "HEAD", "POST"):
            mode = "cors"
        if method.upper() in ("GET", "HEAD"):
            body = None
        return {"method": method, "headers": hdrs, "mode": mode, "credentials": creds, "body": body}

    return st.builds(
        build,
        st.sampled_from(list(methods)),
        headers if headers is not None else request_headers(),
        st.sampled_from(list(modes)),
        st.sampled_from(list(credentials)),
        st.one_of(st.none(), st.sampled_from(["", "x=1", '{"a": 1}', "hello"])),
    )


# --------------------------------------------------------------------------------------------
# server CORS policies


def _header_list(names: Sequence[str]) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(list(names)), min_size=1, max_size=3, unique=True).map(", ".join)


def cors_policies(
    *,
    allow_origins: Sequence[str] = ("https://app.example",),
    path: str | None = None,
    host: str | None = None,
    as_rules: bool = False,
    body: str = "data",
) -> st.SearchStrategy[list[Any]]:
    """A server's CORS configuration as a list of scenario-format RULE dicts (or `corssim.Rule`s
    with ``as_rules=True``) for a `FakeServer`: first a rule answering the preflight (OPTIONS),
    then one answering everything else on `path` (all paths when None) of `host` (any when None).

    Access-Control-Allow-Origin is absent, ``*``, one of `allow_origins`, several values, or a
    malformed one; Access-Control-Allow-Credentials absent, ``true``, ``TRUE`` or ``false``;
    the preflight answers 2xx, 3xx or 4xx with Allow-Methods / Allow-Headers lists, ``*`` or
    nothing, and maybe a Max-Age. A static policy cannot echo the request's origin: an echo is
    one of `allow_origins` chosen per drawn policy.
    """
    allowed = [parse_origin(o).serialize() for o in allow_origins]
    if not allowed:
        raise ValueError("cors_policies(allow_origins=...) needs at least one origin")
    acao = st.one_of(
        st.none(),
        st.just("*"),
        st.sampled_from(allowed),
        st.sampled_from(allowed).map(lambda o: o + "/"),  # a common mistake: a trailing slash
        st.sampled_from(allowed).map(lambda o: f"{o}, https://other.example"),  # several values
    )
    acac = st.sampled_from([None, "true", "true", "TRUE", "false"])
    methods = st.one_of(st.none(), st.just("*"), _header_list(["GET", "POST", "PUT", "PATCH", "DELETE"]))
    allow_headers = st.one_of(
        st.none(), st.just("*"), _header_list(["Content-Type", "X-Api-Key", "Authorization", "X-Requested-With"])
    )
    preflight_status = st.sampled_from([200, 204, 204, 204, 301, 403, 404])
    max_age = st.one_of(st.none(), st.sampled_from(["0", "5", "600", "86400"]))
    expose = st.one_of(st.none(), st.just("*"), _header_list(["X-Total-Count", "ETag"]))

    def build(a: str | None, c: str | None, m: str | None, h: str | None, status: int, age: str | None,
              exp: str | None, vary: bool) -> list[Any]:
        common: list[list[str]] = []
        if a is not None:
            common.append(["Access-Control-Allow-Origin", a])
        if c is not None:
            common.append(["Access-Control-Allow-Credentials", c])
        if vary:
            common.append(["Vary", "Origin"])
        pre_headers = list(common)
        if m is not None:
            pre_headers.append(["Access-Control-Allow-Methods", m])
        if h is not None:
            pre_headers.append(["Access-Control-Allow-Headers", h])
        if age is not None:
            pre_headers.append(["Access-Control-Max-Age", age])
        if 300 <= status < 400:
            pre_headers.append(["Location", "/elsewhere"])
        actual_headers = list(common)
        if exp is not None:
            actual_headers.append(["Access-Control-Expose-Headers", exp])
        actual_headers += [["X-Total-Count", "3"], ["Content-Type", "text/plain"]]
        match: dict[str, Any] = {}
        if path is not None:
            match["path"] = path
        if host is not None:
            match["host"] = host
        rules: list[dict[str, Any]] = [
            {"match": {**match, "method": "OPTIONS"}, "status": status, "headers": pre_headers},
            {"match": dict(match), "status": 200, "headers": actual_headers, "body": body},
        ]
        if as_rules:
            from corssim.scenario import Rule

            return [Rule.from_json(r, f"policy.rules[{i}]") for i, r in enumerate(rules)]
        return rules

    return st.builds(build, acao, acac, methods, allow_headers, preflight_status, max_age, expose, st.booleans())
