"""Back-ends that put a real server behind corssim's one server interface.

    FunctionServer(fn)           a Python callable, HttpRequest -> HttpResponse (sync or async)
    WSGIServer(app)              a WSGI app in-process (Flask, Django)
    ASGIServer(app)              an ASGI app in-process (Starlette, FastAPI); ahandle() and handle()
    LiveServer(base_url)         a real HTTP server at a URL, over httpx
    as_server(thing)             picks one of these for an app, a callable, a URL or a server
    serve_wsgi(app), serve_asgi(app)   a real server on a free 127.0.0.1 port, for tests

Every adapter keeps the response header list exactly (order, case, repeats), never follows
redirects, and turns what goes wrong into `TransportError(FaultKind..., detail)`; an app that
raises is a 500 without CORS headers unless `raise_app_exceptions=True`.
"""

from __future__ import annotations

import inspect
from typing import Any, Union

from corssim.backends._common import AppErrorResponse, AppErrors
from corssim.backends.asgi import ASGIServer
from corssim.backends.function import FunctionServer
from corssim.backends.live import LiveServer, serve_asgi, serve_wsgi
from corssim.backends.wsgi import WSGIServer
from corssim.http import AsyncServer, Server

__all__ = [
    "ASGIServer",
    "AppErrorResponse",
    "AppErrors",
    "FunctionServer",
    "LiveServer",
    "WSGIServer",
    "as_server",
    "detect_kind",
    "serve_asgi",
    "serve_wsgi",
]

AnyServer = Union[Server, AsyncServer]

_KINDS = ("server", "url", "asgi", "wsgi", "function")


def _positional_count(fn: Any) -> int | None:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    n = 0
    for p in sig.parameters.values():
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            n += 1
        elif p.kind is p.VAR_POSITIONAL:
            return None
    return n


def _is_async_callable(obj: Any) -> bool:
    if inspect.iscoroutinefunction(obj):
        return True
    call = getattr(obj, "__call__", None)  # noqa: B004 - we want the bound __call__
    return call is not None and inspect.iscoroutinefunction(call)


def detect_kind(thing: object) -> str:
    """Which adapter fits `thing`: "server", "url", "asgi", "wsgi" or "function".

    An object with `handle(request)`/`ahandle(request)` is already a server; a string is a URL; a callable taking
    three arguments and awaiting is ASGI (Starlette, FastAPI, Django's ASGIHandler); one taking
    two is WSGI (Flask, Django's WSGIHandler); one taking one is a request -> response function.
    """
    if isinstance(thing, str):
        return "url"
    for method in ("handle", "ahandle"):
        # a corssim server's handle(request) takes one argument; Django's ASGIHandler also has a
        # `handle`, taking (scope, receive, send)
        bound = getattr(thing, method, None)
        if bound is not None and callable(bound) and _positional_count(bound) == 1:
            return "server"
    if not callable(thing):
        raise TypeError(f"cannot serve {thing!r}: give an ASGI/WSGI app, a function, a URL or a server")
    if hasattr(thing, "wsgi_app"):  # Flask
        return "wsgi"
    n = _positional_count(thing)
    if n is None:
        n = _positional_count(getattr(thing, "__call__", None))  # noqa: B004
    if n == 3:
        return "asgi"
    if n == 2:
        return "asgi" if _is_async_callable(thing) else "wsgi"
    if n == 1:
        return "function"
    raise TypeError(
        f"cannot tell what kind of app {thing!r} is (takes {n} arguments): pass kind='asgi', 'wsgi' or 'function'"
    )


def as_server(thing: object, *, kind: str | None = None, **options: Any) -> Any:
    """Wrap `thing` in the adapter that fits it (see `detect_kind`); options go to the adapter."""
    k = kind or detect_kind(thing)
    if k not in _KINDS:
        raise ValueError(f"kind must be one of {', '.join(_KINDS)}, got {k!r}")
    if k == "server":
        if options:
            raise TypeError("options apply only when corssim wraps the app itself")
        return thing
    if k == "url":
        assert isinstance(thing, str)
        return LiveServer(thing, **options)
    if k == "asgi":
        return ASGIServer(thing, **options)  # type: ignore[arg-type]
    if k == "wsgi":
        return WSGIServer(thing, **options)  # type: ignore[arg-type]
    return FunctionServer(thing, **options)  # type: ignore[arg-type]
