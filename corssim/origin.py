"""Origins and sites (html#concept-origin, url#concept-url-origin, html#same-site).

Rule: two opaque origins are never the same origin unless they are the very same object; every
opaque origin serializes as ``null``.
"""

from __future__ import annotations

import functools
import itertools
from typing import Union

import attrs

from corssim import url as _url
from corssim.errors import InvalidOrigin, InvalidURL

__all__ = [
    "OpaqueOrigin",
    "Origin",
    "Site",
    "TupleOrigin",
    "is_potentially_trustworthy",
    "origin_of",
    "parse_origin",
    "same_origin",
    "same_site",
    "site_of",
]

_opaque_ids = itertools.count(1)


@attrs.frozen
class TupleOrigin:
    """A (scheme, host, port) origin; `port` is None when it is the scheme's default."""

    scheme: str
    host: str
    port: int | None = None

    def serialize(self) -> str:
        """html#ascii-serialisation-of-an-origin: scheme://host[:port]."""
        if self.port is None:
            return f"{self.scheme}://{self.host}"
        return f"{self.scheme}://{self.host}:{self.port}"

    @property
    def opaque(self) -> bool:
        return False

    def __str__(self) -> str:
        return self.serialize()


@attrs.frozen(eq=False)
class OpaqueOrigin:
    """An opaque origin: same-origin only with itself, serialized as ``null``."""

    id: int = attrs.field(factory=lambda: next(_opaque_ids))

    def serialize(self) -> str:
        return "null"

    @property
    def opaque(self) -> bool:
        return True

    def __str__(self) -> str:
        return "null"


Origin = Union[TupleOrigin, OpaqueOrigin]


@functools.lru_cache(maxsize=4096)
def _tuple_origin(url: str) -> TupleOrigin | None:
    u = _url.parse(url)
    if u.scheme in ("http", "https", "ws", "wss", "ftp"):
        return TupleOrigin(u.scheme, u.hostname, u.port)
    return None


def origin_of(url: str) -> Origin:
    """url#concept-url-origin: the origin of a URL.

    http(s)/ws(s)/ftp give a tuple origin; ``blob:`` takes the origin of the URL in its path
    when that is http(s) or file; ``file:``, ``data:`` and every other scheme give a fresh opaque
    origin (the standard leaves ``file:`` to the implementation; all three engines use an opaque one).
    """
    t = _tuple_origin(url)
    if t is not None:
        return t
    u = _url.parse(url)
    if u.scheme == "blob":
        try:
            inner = _url.parse(u.pathname)
        except InvalidURL:
            return OpaqueOrigin()
        if inner.scheme in ("http", "https"):
            return TupleOrigin(inner.scheme, inner.hostname, inner.port)
        return OpaqueOrigin()
    return OpaqueOrigin()


def parse_origin(value: "str | Origin") -> Origin:
    """Read an origin as a user writes it: ``https://app.example``, ``null``, or any URL
    (its origin is taken). Raises InvalidOrigin for anything else."""
    if isinstance(value, (TupleOrigin, OpaqueOrigin)):
        return value
    if not isinstance(value, str):
        raise InvalidOrigin(repr(value), "an origin must be a string such as 'https://app.example' or 'null'")
    if value == "null":
        return OpaqueOrigin()
    try:
        return origin_of(value)
    except InvalidURL:
        raise InvalidOrigin(value, "not a URL the URL Standard can parse (write it as scheme://host[:port])") from None


def same_origin(a: Origin, b: Origin) -> bool:
    """html#same-origin."""
    if isinstance(a, OpaqueOrigin) or isinstance(b, OpaqueOrigin):
        return a is b
    return a == b


@functools.lru_cache(maxsize=1)
def _psl() -> object:
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


@functools.lru_cache(maxsize=4096)
def _registrable_domain(host: str) -> str | None:
    if host.startswith("[") or host.replace(".", "").isdigit():
        return None  # IP addresses have no registrable domain
    psl = _psl()
    result = psl.privatesuffix(host.rstrip("."))  # type: ignore[attr-defined]
    return result if isinstance(result, str) else None


@attrs.frozen
class Site:
    """html#site: a scheme and a registrable domain (or the host), or an opaque origin."""

    scheme: str
    domain: str
    opaque_id: int = 0

    def serialize(self) -> str:
        return "null" if self.opaque_id else f"{self.scheme}://{self.domain}"


def site_of(origin: Origin) -> Site:
    """html#obtain-a-site."""
    if isinstance(origin, OpaqueOrigin):
        return Site("", "", origin.id)
    return Site(origin.scheme, _registrable_domain(origin.host) or origin.host)


def same_site(a: Origin, b: Origin) -> bool:
    """html#same-site (schemeful): same scheme and same registrable domain (or host)."""
    if isinstance(a, OpaqueOrigin) or isinstance(b, OpaqueOrigin):
        return a is b
    if a == b:
        return True
    return site_of(a) == site_of(b)


@functools.lru_cache(maxsize=4096)
def is_potentially_trustworthy(url: str) -> bool:
    """secure-contexts#potentially-trustworthy-url: https/wss, loopback hosts, file."""
    try:
        u = _url.parse(url)
    except InvalidURL:
        return False
    if u.scheme in ("https", "wss", "file"):
        return True
    if u.scheme not in ("http", "ws"):
        return False
    host = u.hostname
    if host == "[::1]" or host.startswith("127."):
        return True
    return host == "localhost" or host.endswith(".localhost")
