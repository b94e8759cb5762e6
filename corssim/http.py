"""HTTP messages on the wire, and the one interface every server back-end implements.

This module is the boundary between the sans-I/O core (which only builds and reads these values)
and the back-ends (fake rules, Python callables, WSGI/ASGI apps, live servers), which turn an
`HttpRequest` into an `HttpResponse` or report a transport fault.

Header names and values are `str` whose characters are bytes (U+0000..U+00FF, the Fetch
standard's *isomorphic* decoding): a value is exactly the bytes that crossed the wire, and a
header list keeps order, case and repeats (fetch#concept-header-list).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from typing import Protocol, Union, runtime_checkable

import attrs

__all__ = [
    "AsyncServer",
    "FaultKind",
    "Headers",
    "HttpRequest",
    "HttpResponse",
    "NetworkFault",
    "Server",
    "TransportError",
]

HeaderPairs = Iterable[tuple[str, str]]


def _to_pairs(value: Union["Headers", HeaderPairs, dict[str, str], None]) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if isinstance(value, Headers):
        return value.pairs
    if type(value) is tuple and (not value or (type(value[0]) is tuple and len(value[0]) == 2)):
        return value  # a tuple of pairs is taken as canonical (the core builds these)
    items = value.items() if isinstance(value, dict) else value
    out: list[tuple[str, str]] = []
    for raw in items:
        item: object = raw
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise TypeError(f"a header must be a (name, value) pair, got {item!r}")
        name, val = item
        if not isinstance(name, str) or not isinstance(val, str):
            raise TypeError(f"header name and value must be str, got {item!r}")
        out.append((name, val))
    return tuple(out)


@attrs.frozen
class Headers:
    """An ordered, case-preserving, immutable header list (fetch#concept-header-list).

    Operations are named as the Fetch standard names them; lookups are case-insensitive.
    """

    pairs: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_to_pairs)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)

    def __bool__(self) -> bool:
        return bool(self.pairs)

    def contains(self, name: str) -> bool:
        """fetch#header-list-contains: some header's name matches, ignoring ASCII case."""
        low = name.lower()
        return any(n.lower() == low for n, _ in self.pairs)

    def get_all(self, name: str) -> list[str]:
        """Every value of headers named `name`, in order."""
        low = name.lower()
        return [v for n, v in self.pairs if n.lower() == low]

    def get(self, name: str) -> str | None:
        """fetch#concept-header-list-get: the values joined by ", ", or None when absent."""
        values = self.get_all(name)
        if not values:
            return None
        return ", ".join(values)

    def count(self, name: str) -> int:
        return len(self.get_all(name))

    def names(self) -> list[str]:
        return [n for n, _ in self.pairs]

    def append(self, name: str, value: str) -> Headers:
        return Headers(self.pairs + ((name, value),))

    def delete(self, name: str) -> Headers:
        """fetch#concept-header-list-delete: drop every header named `name`."""
        low = name.lower()
        return Headers(tuple((n, v) for n, v in self.pairs if n.lower() != low))

    def set(self, name: str, value: str) -> Headers:
        """fetch#concept-header-list-set: replace the first, drop the others (or append)."""
        low = name.lower()
        out: list[tuple[str, str]] = []
        done = False
        for n, v in self.pairs:
            if n.lower() == low:
                if not done:
                    out.append((n, value))
                    done = True
            else:
                out.append((n, v))
        if not done:
            out.append((name, value))
        return Headers(tuple(out))

    def to_list(self) -> list[list[str]]:
        return [[n, v] for n, v in self.pairs]


def _to_headers(value: Union[Headers, HeaderPairs, dict[str, str], None]) -> Headers:
    return value if isinstance(value, Headers) else Headers(_to_pairs(value))


def _to_body(value: bytes | str | None) -> bytes | None:
    if isinstance(value, str):
        return value.encode("utf-8")
    return value


@attrs.frozen(kw_only=True)
class HttpRequest:
    """One request exactly as the browser puts it on the wire.

    `url` is the absolute URL the page asked for (after redirects, the hop's URL); `target`
    is the request-target (path and query); `host` is the `Host` the browser would send.
    """

    method: str
    url: str
    headers: Headers = attrs.field(factory=Headers, converter=_to_headers)
    body: bytes | None = attrs.field(default=None, converter=_to_body)

    @property
    def target(self) -> str:
        from corssim.url import request_target

        return request_target(self.url)

    @property
    def host(self) -> str:
        from corssim.url import host_header

        return host_header(self.url)


def _to_resp_body(value: bytes | str | None) -> bytes:
    if value is None:
        return b""
    if isinstance(value, str):
        return value.encode("utf-8")
    return value


@attrs.frozen(kw_only=True)
class HttpResponse:
    """One response exactly as received: status, reason phrase, raw header list, body bytes."""

    status: int = attrs.field()
    reason: str = ""
    headers: Headers = attrs.field(factory=Headers, converter=_to_headers)
    body: bytes = attrs.field(default=b"", converter=_to_resp_body)

    @status.validator
    def _check_status(self, _a: object, value: object) -> None:
        if not isinstance(value, int) or not 0 <= value <= 999:
            raise ValueError(f"HTTP status must be an int in 0..999, got {value!r}")


class FaultKind(enum.Enum):
    """Why no usable HTTP response came back. Each becomes a network error in the page."""

    CONNECTION_REFUSED = "connection_refused"
    DNS_FAILURE = "dns_failure"
    TIMEOUT = "timeout"
    CONNECTION_RESET = "connection_reset"
    MALFORMED_RESPONSE = "malformed_response"
    HEADERS_TOO_LARGE = "headers_too_large"
    APP_ERROR = "app_error"
    OTHER = "other"


@attrs.frozen
class NetworkFault:
    """A transport failure, kept as a value so that the trace can explain it."""

    kind: FaultKind
    detail: str = ""


class TransportError(Exception):
    """Raised by a back-end when no HTTP response could be had; carries a `NetworkFault`."""

    def __init__(self, kind: FaultKind, detail: str = "") -> None:
        super().__init__(f"{kind.value}: {detail}" if detail else kind.value)
        self.fault = NetworkFault(kind, detail)


@runtime_checkable
class Server(Protocol):
    """A synchronous back-end: answers one request, or raises `TransportError`."""

    def handle(self, request: HttpRequest) -> HttpResponse: ...


@runtime_checkable
class AsyncServer(Protocol):
    """An asynchronous back-end (ASGI apps, async live clients)."""

    async def ahandle(self, request: HttpRequest) -> HttpResponse: ...
