"""Pieces every real back-end shares: where a simulated URL points, what a crashed app looks like to
the browser, header-byte checks on what an app sent, and a private event loop for sync callers.

Header names and values are Latin-1 `str` (one character per byte), as in `corssim.http`.
"""

from __future__ import annotations

import asyncio
import collections
import re
import concurrent.futures
import threading
import traceback
import weakref
from collections.abc import Coroutine, Iterable
from typing import Any, TypeVar
from urllib.parse import unquote_to_bytes

import attrs

from corssim.http import FaultKind, Headers, HttpRequest, HttpResponse, TransportError
from corssim.url import DEFAULT_PORTS, parse

__all__ = [
    "DEFAULT_MAX_HEADER_BYTES",
    "DEFAULT_TIMEOUT",
    "AppErrorResponse",
    "AppErrors",
    "LoopRunner",
    "Target",
    "check_response_headers",
    "crash_response",
    "split_target",
    "wire_headers",
]

T = TypeVar("T")

#: Seconds any single request may take before it becomes `FaultKind.TIMEOUT`.
DEFAULT_TIMEOUT = 10.0

#: Chromium refuses a response whose status line and headers exceed 256 KiB
#: (ERR_RESPONSE_HEADERS_TOO_BIG); corssim uses that bound unless told otherwise.
DEFAULT_MAX_HEADER_BYTES = 256 * 1024

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_CTL_IN_VALUE = re.compile(r"[\r\n\x00]")
_NOT_A_BYTE = re.compile(r"[^\x00-\xff]")


@attrs.frozen
class Target:
    """Where a simulated URL points: the parts a server sees of it."""

    scheme: str
    hostname: str
    port: int
    host_header: str
    raw_path: str  # percent-encoded path, as on the request line
    query: str  # without the "?", percent-encoded as on the request line

    @property
    def request_target(self) -> str:
        return self.raw_path + ("?" + self.query if self.query else "")

    @property
    def path_bytes(self) -> bytes:
        """The path with percent-escapes decoded (what WSGI's PATH_INFO and ASGI's path carry)."""
        return unquote_to_bytes(self.raw_path)


def split_target(url: str) -> Target:
    """Split a request URL into what reaches the server (url#concept-url-serializer parts)."""
    u = parse(url)
    port = u.port if u.port is not None else DEFAULT_PORTS.get(u.scheme, 80)
    search = u.search[1:] if u.search.startswith("?") else u.search
    return Target(
        scheme=u.scheme,
        hostname=u.hostname,
        port=port,
        host_header=u.host,
        raw_path=u.pathname or "/",
        query=search,
    )


def wire_headers(request: HttpRequest) -> list[tuple[str, str]]:
    """The request's header list as it goes on the wire.

    corssim's request carries the headers the page and the browser set; an HTTP/1.1 client also
    frames the message with `Host` (first) and, when there is a body, `Content-Length`. Those two
    are added only when absent, so a request that already has them is sent byte for byte.
    """
    pairs = list(request.headers.pairs)
    names = {n.lower() for n, _ in pairs}
    if "host" not in names:
        pairs.insert(0, ("Host", request.host))
    if request.body is not None and "content-length" not in names and "transfer-encoding" not in names:
        pairs.append(("Content-Length", str(len(request.body))))
    return pairs


@attrs.frozen(kw_only=True)
class AppErrorResponse(HttpResponse):
    """The 500 a server sends when the app raised: what the browser gets, plus the cause.

    The browser sees only the status and these headers (no CORS headers, so a cross-origin
    page reports a CORS error); `app_error` keeps the traceback for the explanation.
    """

    app_error: str = ""


def crash_response(exc: BaseException) -> AppErrorResponse:
    """What uvicorn, gunicorn and Werkzeug send when the app raised before its response began."""
    body = b"Internal Server Error"
    return AppErrorResponse(
        status=500,
        reason="Internal Server Error",
        headers=(
            ("content-type", "text/plain; charset=utf-8"),
            ("content-length", str(len(body))),
            ("connection", "close"),
        ),
        body=body,
        app_error="".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
    )


class AppErrors:
    """The last few exceptions an app raised (bounded), so a test can look at the cause."""

    def __init__(self, keep: int = 50) -> None:
        self._items: collections.deque[tuple[HttpRequest, BaseException]] = collections.deque(maxlen=keep)
        self._lock = threading.Lock()

    def record(self, request: HttpRequest, exc: BaseException) -> None:
        with self._lock:
            self._items.append((request, exc))

    def __iter__(self) -> Any:
        with self._lock:
            return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    @property
    def last(self) -> BaseException | None:
        with self._lock:
            return self._items[-1][1] if self._items else None

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def _is_token(name: str) -> bool:
    return _TOKEN.fullmatch(name) is not None


def check_header_pair(name: str, value: str) -> None:
    """Refuse a header a real HTTP/1.1 server could not have put on the wire intact.

    A name must be a token and a value must hold no CR, LF or NUL (fetch#header-value);
    anything else would be a malformed response (or a header injection) on a real connection.
    """
    if not _is_token(name):
        raise TransportError(FaultKind.MALFORMED_RESPONSE, f"invalid header name {name!r}")
    if _CTL_IN_VALUE.search(value):
        raise TransportError(FaultKind.MALFORMED_RESPONSE, f"header {name!r} has CR, LF or NUL in its value {value!r}")
    if _NOT_A_BYTE.search(value):
        raise TransportError(FaultKind.MALFORMED_RESPONSE, f"header {name!r} has a character that is not a byte: {value!r}")


def check_response_headers(status: int, reason: str, headers: Iterable[tuple[str, str]], max_header_bytes: int | None) -> Headers:
    """Validate an app's response head and bound its size like the browser does."""
    pairs = tuple(headers)
    size = len(f"HTTP/1.1 {status} {reason}\r\n") + 2
    for name, value in pairs:
        check_header_pair(name, value)
        size += len(name) + len(value) + 4
    if max_header_bytes is not None and size > max_header_bytes:
        raise TransportError(
            FaultKind.HEADERS_TOO_LARGE,
            f"response head is {size} bytes, over the {max_header_bytes}-byte limit",
        )
    return Headers(pairs)


class LoopRunner:
    """A private event loop, so a sync `handle()` can drive an async app.

    All calls run on the same loop (as they would in one server process). When the caller's
    thread already runs a loop, the private loop runs in a helper thread instead.
    """

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self._kept: set[asyncio.Task[Any]] = set()

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        return self._loop

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None) -> T:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return self._run_here(coro)
        if self._pool is None:
            self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="corssim-loop")
        fut = self._pool.submit(self._run_here, coro)
        wait = None if timeout is None else timeout + 5.0
        try:
            return fut.result(timeout=wait)
        except concurrent.futures.TimeoutError:
            raise TransportError(FaultKind.TIMEOUT, f"no answer within {wait} s") from None

    def _run_here(self, coro: Coroutine[Any, Any, T]) -> T:
        with self._lock:
            if self._loop is None or self._loop.is_closed():
                self._loop = asyncio.new_event_loop()
                # Runs when the runner is collected (before the loop's own finalizer, which would
                # close it under pending tasks such as an app's lifespan), or at close().
                self._kept = set()
                self._finalizer = weakref.finalize(self, _finish_loop, self._loop, self._kept)
            try:
                return self._loop.run_until_complete(coro)
            finally:
                self._kept.clear()
                self._kept.update(t for t in asyncio.all_tasks(self._loop) if not t.done())

    def close(self) -> None:
        """Cancel what is still pending on the private loop (as `asyncio.run` does), then close it."""
        with self._lock:
            self._loop = None
            finalizer, self._finalizer = self._finalizer, None
        if finalizer is not None:
            finalizer()
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None


def _finish_loop(loop: asyncio.AbstractEventLoop, kept: set[asyncio.Task[Any]] | None = None) -> None:
    """Cancel the loop's pending tasks, let them unwind (bounded), close the loop.

    `kept` holds strong references to tasks that outlived a call: during garbage collection the
    loop's own weak task registry may already be empty.
    """
    if loop.is_closed() or loop.is_running():
        return
    pending = {t for t in asyncio.all_tasks(loop) if not t.done()} | {t for t in (kept or ()) if not t.done()}

    def drain() -> None:
        try:
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.wait(pending, timeout=5.0))
        finally:
            loop.close()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        drain()
        return
    # Collected while another loop runs in this thread: a loop cannot run inside another there,
    # so drain ours on a short-lived helper thread (bounded).
    helper = threading.Thread(target=drain, name="corssim-loop-drain", daemon=True)
    helper.start()
    helper.join(timeout=6.0)
