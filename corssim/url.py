"""URL parsing per the WHATWG URL Standard, through ada-url (url#concept-url-parser).

Thin, typed wrappers: corssim never parses URLs with urllib, whose RFC 3986 rules differ from
what browsers do (IPv4 number forms, IDNA, default ports, backslashes).
"""

from __future__ import annotations

import functools

import ada_url
import attrs

from corssim.errors import InvalidURL

__all__ = ["ParsedURL", "host_header", "join", "parse", "request_target"]

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21}
SPECIAL = {"http", "https", "ws", "wss", "ftp", "file"}


@attrs.frozen
class ParsedURL:
    href: str
    scheme: str
    username: str
    password: str
    hostname: str
    port: int | None
    pathname: str
    search: str
    hash: str
    host_is_ip: bool

    @property
    def has_credentials(self) -> bool:
        """url#include-credentials: a username or password is present."""
        return bool(self.username or self.password)

    @property
    def host(self) -> str:
        return self.hostname if self.port is None else f"{self.hostname}:{self.port}"


@functools.lru_cache(maxsize=4096)
def parse(url: str, base: str | None = None) -> ParsedURL:
    """url#concept-url-parser: parse `url` (against `base`), or raise InvalidURL."""
    try:
        d = ada_url.parse_url(url if base is None else ada_url.join_url(base, url))
    except ValueError:
        raise InvalidURL(url) from None
    port = d["port"]
    return ParsedURL(
        href=d["href"],
        scheme=d["protocol"].rstrip(":"),
        username=d["username"],
        password=d["password"],
        hostname=d["hostname"],
        port=int(port) if port else None,
        pathname=d["pathname"],
        search=d["search"],
        hash=d["hash"],
        host_is_ip=d["host_type"] != ada_url.HostType.DEFAULT,
    )


def join(base: str, ref: str) -> str:
    return parse(ref, base).href


def request_target(url: str) -> str:
    """The origin-form request-target: path and query, never the fragment."""
    u = parse(url)
    return (u.pathname or "/") + u.search


def host_header(url: str) -> str:
    return parse(url).host
