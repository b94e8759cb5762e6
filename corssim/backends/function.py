"""A server that is a plain Python callable: `HttpRequest` in, `HttpResponse` out (sync or async).

The callable may also raise `TransportError` to act out a network fault. Any other exception is
what a crashed server would send: a 500 without CORS headers (or re-raised, for debugging).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Union

from corssim.backends._common import (
    DEFAULT_MAX_HEADER_BYTES,
    DEFAULT_TIMEOUT,
    AppErrors,
    LoopRunner,
    check_response_headers,
    crash_response,
)
from corssim.errors import ServerError
from corssim.http import FaultKind, HttpRequest, HttpResponse, TransportError

__all__ = ["FunctionServer", "Handler"]

Handler = Callable[[HttpRequest], Union[HttpResponse, Awaitable[HttpResponse]]]


class FunctionServer:
    """Wraps `fn(request) -> HttpResponse` (or an `async def`) as both a `Server` and an `AsyncServer`."""

    def __init__(
        self,
        fn: Handler,
        *,
        raise_app_exceptions: bool = False,
        timeout: float | None = DEFAULT_TIMEOUT,
        max_header_bytes: int | None = DEFAULT_MAX_HEADER_BYTES,
    ) -> None:
        if not callable(fn):
            raise TypeError(f"FunctionServer needs a callable, got {fn!r}")
        self.fn = fn
        self.raise_app_exceptions = raise_app_exceptions
        self.timeout = timeout
        self.max_header_bytes = max_header_bytes
        self.app_errors = AppErrors()
        self._runner = LoopRunner()

    def __repr__(self) -> str:
        return f"FunctionServer({getattr(self.fn, '__qualname__', self.fn)!r})"

    def _finish(self, request: HttpRequest, value: object) -> HttpResponse:
        if not isinstance(value, HttpResponse):
            raise ServerError(f"{self!r} returned {type(value).__name__}, not an HttpResponse")
        check_response_headers(value.status, value.reason, value.headers, self.max_header_bytes)
        return value

    def _crashed(self, request: HttpRequest, exc: Exception) -> HttpResponse:
        self.app_errors.record(request, exc)
        if self.raise_app_exceptions:
            raise exc
        return crash_response(exc)

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Server.handle: call the function; an awaitable result is run on a private loop."""
        try:
            value = self.fn(request)
        except (TransportError, ServerError):
            raise
        except Exception as exc:
            return self._crashed(request, exc)
        if inspect.isawaitable(value):
            return self._runner.run(self._await(request, value), self.timeout)
        return self._finish(request, value)

    async def ahandle(self, request: HttpRequest) -> HttpResponse:
        """AsyncServer.ahandle: call the function and await it when it is async, bounded by `timeout`."""
        try:
            value = self.fn(request)
        except (TransportError, ServerError):
            raise
        except Exception as exc:
            return self._crashed(request, exc)
        if inspect.isawaitable(value):
            return await self._await(request, value)
        return self._finish(request, value)

    async def _await(self, request: HttpRequest, value: Awaitable[HttpResponse]) -> HttpResponse:
        try:
            result = await asyncio.wait_for(value, self.timeout)
        except (TransportError, ServerError):
            raise
        except asyncio.TimeoutError:
            raise TransportError(FaultKind.TIMEOUT, f"no response within {self.timeout} s") from None
        except Exception as exc:
            return self._crashed(request, exc)
        return self._finish(request, result)

    def close(self) -> None:
        self._runner.close()

    def __enter__(self) -> FunctionServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
