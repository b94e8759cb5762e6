"""An in-process ASGI app (Starlette, FastAPI, Django's ASGI handler) as a corssim back-end.

The app is driven directly with an HTTP scope and our own `receive`/`send`
(https://asgi.readthedocs.io/en/latest/specs/www.html), so the response header list comes back in
the app's order, case and repeats, and every wait is bounded. `ahandle` is the async entry point;
`handle` runs the same coroutine on a private event loop for sync callers.

What the app sees: the simulated scheme, `server` (host, port), path, raw_path and query; the
request headers in corssim's order with repeats and values kept, names lowercased as every ASGI
server (uvicorn, hypercorn, daphne) delivers them. Lifespan events run as uvicorn runs them
(`lifespan="auto"`: startup before the first request on each event loop, shutdown on `close()` /
`aclose()`; an app that does not speak lifespan is served without it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote

from corssim.backends._common import (
    DEFAULT_MAX_HEADER_BYTES,
    DEFAULT_TIMEOUT,
    AppErrorResponse,
    AppErrors,
    LoopRunner,
    check_response_headers,
    crash_response,
    split_target,
    wire_headers,
)
from corssim.errors import ServerError
from corssim.http import FaultKind, HttpRequest, HttpResponse, TransportError

__all__ = ["ASGIApp", "ASGIServer", "build_scope"]

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]


def build_scope(request: HttpRequest, *, client: tuple[str, int] = ("127.0.0.1", 50000)) -> dict[str, Any]:
    """The ASGI HTTP connection scope for `request` on the simulated host."""
    t = split_target(request.url)
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": t.scheme,
        "path": unquote(t.raw_path),
        "raw_path": t.raw_path.encode("latin-1"),
        "query_string": t.query.encode("latin-1"),
        "root_path": "",
        "headers": [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in wire_headers(request)],
        "client": client,
        "server": (t.hostname, t.port),
        "state": {},
        "extensions": {},
    }


class _Lifespan:
    """The lifespan protocol for one event loop (https://asgi.readthedocs.io/en/latest/specs/lifespan.html)."""

    def __init__(self, app: ASGIApp, timeout: float | None) -> None:
        self.app = app
        self.timeout = timeout
        self.queue: asyncio.Queue[Message] = asyncio.Queue()
        self.started = asyncio.Event()
        self.stopped = asyncio.Event()
        self.failure: str | None = None
        self.supported = False
        self.state: dict[str, Any] = {}
        self.task: asyncio.Future[None] | None = None

    async def _receive(self) -> Message:
        return await self.queue.get()

    async def _send(self, message: Message) -> None:
        kind = message.get("type")
        if kind in ("lifespan.startup.complete", "lifespan.startup.failed"):
            if kind == "lifespan.startup.failed":
                self.failure = str(message.get("message", "")) or "lifespan.startup.failed"
            self.started.set()
        elif kind in ("lifespan.shutdown.complete", "lifespan.shutdown.failed"):
            self.stopped.set()

    async def start(self, required: bool) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": self.state}
        self.task = asyncio.ensure_future(self.app(scope, self._receive, self._send))
        await self.queue.put({"type": "lifespan.startup"})
        waiter = asyncio.ensure_future(self.started.wait())
        try:
            await asyncio.wait({self.task, waiter}, timeout=self.timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
        if self.failure is not None:
            raise ServerError(f"the ASGI app's lifespan startup failed: {self.failure}")
        if self.started.is_set():
            self.supported = True
            return
        if self.task.done():
            exc = None if self.task.cancelled() else self.task.exception()
            if required:
                raise ServerError(f"the ASGI app does not support lifespan events ({exc!r})")
            return  # "auto": an app that raises on the lifespan scope is served without it
        await _cancel(self.task)
        raise ServerError(
            f"the ASGI app's lifespan startup did not complete within {self.timeout} s "
            "(an app that does not check scope['type'] may wait forever): pass lifespan='off'"
        )

    async def stop(self) -> None:
        if self.task is None or self.task.done():
            return
        await self.queue.put({"type": "lifespan.shutdown"})
        waiter = asyncio.ensure_future(self.stopped.wait())
        pending: set[asyncio.Future[Any]] = {self.task, waiter}
        try:
            await asyncio.wait(pending, timeout=self.timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
        if not self.task.done():
            await _cancel(self.task)


def _latin1(value: object, what: str) -> str:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1")
    raise TransportError(FaultKind.MALFORMED_RESPONSE, f"{what} must be bytes, got {value!r}")


class _Exchange:
    """The state of one request/response over our receive/send pair."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.body_given = False
        self.status: int | None = None
        self.headers: list[tuple[str, str]] = []
        self.chunks: list[bytes] = []
        self.started = False
        self.done = asyncio.Event()
        self.error: TransportError | None = None

    async def receive(self) -> Message:
        if not self.body_given:
            self.body_given = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        await self.done.wait()  # the client stays connected until the response is complete
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        kind = message.get("type")
        if self.done.is_set():
            return  # after the response: a real server drops it
        if kind == "http.response.start":
            if self.started:
                raise RuntimeError("http.response.start sent twice")
            status = message.get("status")
            if not isinstance(status, int) or not 100 <= status <= 999:
                self.error = TransportError(FaultKind.MALFORMED_RESPONSE, f"malformed status {status!r}")
                raise self.error
            pairs = []
            for item in message.get("headers", ()):
                try:
                    name, value = item
                except (TypeError, ValueError):
                    self.error = TransportError(FaultKind.MALFORMED_RESPONSE, f"ASGI header must be a pair, got {item!r}")
                    raise self.error from None
                pairs.append((_latin1(name, "header name"), _latin1(value, "header value")))
            self.status = status
            self.headers = pairs
            self.started = True
        elif kind == "http.response.body":
            if not self.started:
                raise RuntimeError("http.response.body before http.response.start")
            chunk = message.get("body", b"")
            if chunk:
                self.chunks.append(bytes(chunk))
            if not message.get("more_body", False):
                self.done.set()
        elif kind in ("http.response.trailers", "http.response.debug", "http.response.pathsend"):
            pass
        else:
            raise RuntimeError(f"unexpected ASGI message type {kind!r}")


class ASGIServer:
    """An ASGI app answering corssim's requests in-process; both `AsyncServer` and `Server`.

    Args:
        app: the ASGI application (a Starlette/FastAPI instance, ...).
        raise_app_exceptions: re-raise what the app raised instead of answering 500.
        timeout: seconds until a response that has not completed is a `TIMEOUT` fault.
        max_header_bytes: the browser's limit on the response head (Chromium: 256 KiB).
        lifespan: "auto" (default, as uvicorn), "on" (an app without lifespan support is an
            error) or "off".
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        raise_app_exceptions: bool = False,
        timeout: float | None = DEFAULT_TIMEOUT,
        max_header_bytes: int | None = DEFAULT_MAX_HEADER_BYTES,
        lifespan: str = "auto",
    ) -> None:
        if not callable(app):
            raise TypeError(f"ASGIServer needs an ASGI application, got {app!r}")
        if lifespan not in ("auto", "on", "off"):
            raise ValueError(f"lifespan must be 'auto', 'on' or 'off', got {lifespan!r}")
        self.lifespan = lifespan
        self._lifespans: dict[asyncio.AbstractEventLoop, _Lifespan] = {}
        self.app = app
        self.raise_app_exceptions = raise_app_exceptions
        self.timeout = timeout
        self.max_header_bytes = max_header_bytes
        self.app_errors = AppErrors()
        self._runner = LoopRunner()

    def __repr__(self) -> str:
        return f"ASGIServer({self.app!r})"

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Server.handle: `ahandle` on a private event loop."""
        return self._runner.run(self.ahandle(request), self.timeout)

    async def ahandle(self, request: HttpRequest) -> HttpResponse:
        """AsyncServer.ahandle: run the app on one request, bounded by `timeout`."""
        state = await self._lifespan_state()
        ex = _Exchange(request.body or b"")
        scope = build_scope(request)
        scope["state"] = state
        task = asyncio.ensure_future(self.app(scope, ex.receive, ex.send))
        finished = asyncio.ensure_future(ex.done.wait())
        try:
            await asyncio.wait({task, finished}, timeout=self.timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            finished.cancel()
        if not ex.done.is_set() and not task.done():
            await _cancel(task)
            raise TransportError(FaultKind.TIMEOUT, f"the ASGI app gave no complete response within {self.timeout} s")
        if not task.done():
            # The response is complete; background work (Starlette's BackgroundTasks) may run on.
            # Give it what is left of the bound, then stop it: the browser already has its response.
            done, _ = await asyncio.wait({task}, timeout=self.timeout)
            if not done:
                await _cancel(task)
        exc = task.exception() if task.done() and not task.cancelled() else None
        if ex.error is not None:
            raise ex.error
        if exc is not None:
            if isinstance(exc, (TransportError, ServerError)):
                raise exc
            if not isinstance(exc, Exception):
                raise exc
            self.app_errors.record(request, exc)
            if self.raise_app_exceptions:
                raise exc
            if not ex.started:
                return crash_response(exc)
            if not ex.done.is_set():
                raise TransportError(
                    FaultKind.CONNECTION_RESET,
                    f"the app raised {type(exc).__name__}: {exc} after its response had begun; the server drops the connection",
                ) from exc
            # it raised after a complete response (e.g. Starlette's ServerErrorMiddleware re-raising
            # after it sent its 500): the browser has that response.
        if not ex.started:
            problem = AssertionError("the ASGI app returned without sending a response")
            self.app_errors.record(request, problem)
            if self.raise_app_exceptions:
                raise problem
            return crash_response(problem)
        if not ex.done.is_set():
            raise TransportError(FaultKind.CONNECTION_RESET, "the ASGI app returned before its response body was complete")
        assert ex.status is not None
        reason = _reason(ex.status)
        headers = check_response_headers(ex.status, reason, ex.headers, self.max_header_bytes)
        body = b"".join(ex.chunks)
        if exc is not None:
            return AppErrorResponse(status=ex.status, reason=reason, headers=headers, body=body, app_error=_format(exc))
        return HttpResponse(status=ex.status, reason=reason, headers=headers, body=body)

    async def _lifespan_state(self) -> dict[str, Any]:
        """Run the lifespan startup once per event loop; a copy of its state goes in each scope."""
        if self.lifespan == "off":
            return {}
        loop = asyncio.get_running_loop()
        ls = self._lifespans.get(loop)
        if ls is None:
            ls = self._lifespans[loop] = _Lifespan(self.app, self.timeout)
            try:
                await ls.start(required=self.lifespan == "on")
            except BaseException:
                del self._lifespans[loop]
                raise
        return dict(ls.state) if ls.supported else {}

    def close(self) -> None:
        """Run the lifespan shutdown on the private loop (if it started there) and close that loop."""
        loop = self._runner.loop
        ls = self._lifespans.pop(loop, None) if loop is not None else None
        if ls is not None and loop is not None and not loop.is_closed():
            self._runner.run(ls.stop(), self.timeout)
        self._runner.close()

    async def aclose(self) -> None:
        """Run the lifespan shutdown on the current event loop (where `ahandle` started it)."""
        ls = self._lifespans.pop(asyncio.get_running_loop(), None)
        if ls is not None:
            await ls.stop()

    def __enter__(self) -> ASGIServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


async def _cancel(task: asyncio.Future[Any]) -> None:
    """Cancel `task` and give it a bounded moment to unwind (an app may swallow the cancellation)."""
    task.cancel()
    await asyncio.wait({task}, timeout=1.0)


def _format(exc: BaseException) -> str:
    import traceback

    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def _reason(status: int) -> str:
    """ASGI carries no reason phrase; servers (uvicorn, hypercorn) send the standard one."""
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
