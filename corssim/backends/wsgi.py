"""An in-process WSGI app (Flask, Django, any PEP 3333 callable) as a corssim `Server`.

The app is called directly with an environ built from the simulated request (PEP 3333,
https://peps.python.org/pep-3333/) and its own `start_response`, rather than through
`httpx.WSGITransport`: that transport keeps only the last of repeated request headers and encodes
response headers as ASCII, while a browser sends and reads Latin-1 bytes with repeats.

What the app sees: the simulated scheme (`wsgi.url_scheme`), `Host` (`HTTP_HOST`, `SERVER_NAME`,
`SERVER_PORT`), path and query; every request header as corssim sent it, mapped the way real WSGI
servers (Werkzeug's dev server, gunicorn) map them: repeated headers joined with ",", names holding
"_" dropped (servers drop them so that `X_Foo` cannot pose as `X-Foo`).

What comes back: the status line, and the header list in the app's order, case and repeats.
"""

from __future__ import annotations

import concurrent.futures
import io
import sys
import threading
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, Optional

from corssim.backends._common import (
    DEFAULT_MAX_HEADER_BYTES,
    DEFAULT_TIMEOUT,
    AppErrors,
    check_response_headers,
    crash_response,
    split_target,
    wire_headers,
)
from corssim.errors import ServerError
from corssim.http import FaultKind, HttpRequest, HttpResponse, TransportError

__all__ = ["WSGIApp", "WSGIServer", "build_environ"]

ExcInfo = tuple[type[BaseException], BaseException, Optional[TracebackType]]
StartResponse = Callable[..., Callable[[bytes], object]]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def build_environ(request: HttpRequest, *, remote_addr: str = "127.0.0.1") -> dict[str, Any]:
    """The PEP 3333 environ for `request`, as a WSGI server on the simulated host would build it.

    Header bytes stay Latin-1 `str` (PEP 3333's "native strings"); PATH_INFO is the percent-decoded
    path, also as Latin-1.
    """
    t = split_target(request.url)
    body = request.body or b""
    env: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": t.path_bytes.decode("latin-1"),
        "QUERY_STRING": t.query,
        "REQUEST_URI": t.request_target,
        "RAW_URI": t.request_target,
        "SERVER_NAME": t.hostname,
        "SERVER_PORT": str(t.port),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": remote_addr,
        "REMOTE_PORT": "50000",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": t.scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in wire_headers(request):
        if "_" in name:
            continue
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            pass
        else:
            key = "HTTP_" + key
        env[key] = f"{env[key]},{value}" if key in env else value
    return env


def parse_status(status: object) -> tuple[int, str]:
    """Split a WSGI status string ("200 OK") into code and reason, or report a malformed status line."""
    if not isinstance(status, str):
        raise TransportError(FaultKind.MALFORMED_RESPONSE, f"status must be a str, got {status!r}")
    code, _, reason = status.partition(" ")
    if len(code) != 3 or not all(c in "0123456789" for c in code) or any(c in status for c in "\r\n\x00"):
        raise TransportError(FaultKind.MALFORMED_RESPONSE, f"malformed status line {status!r}")
    return int(code), reason


class _Reply:
    def __init__(self) -> None:
        self.status: tuple[int, str] | None = None
        self.headers: list[tuple[str, str]] = []
        self.chunks: list[bytes] = []
        self.sent = False  # a non-empty body chunk has gone out: the head is on the wire


class WSGIServer:
    """A WSGI app answering corssim's requests in-process.

    Args:
        app: the WSGI callable (`flask_app`, `django.core.wsgi.get_wsgi_application()`, ...).
        raise_app_exceptions: re-raise what the app raised instead of answering 500.
        timeout: seconds the app may take before the request is a `TIMEOUT` fault (the app then
            runs on a worker thread); `None` calls the app inline, with no bound.
        max_header_bytes: the browser's limit on the response head (Chromium: 256 KiB).
    """

    def __init__(
        self,
        app: WSGIApp,
        *,
        raise_app_exceptions: bool = False,
        timeout: float | None = DEFAULT_TIMEOUT,
        max_header_bytes: int | None = DEFAULT_MAX_HEADER_BYTES,
    ) -> None:
        if not callable(app):
            raise TypeError(f"WSGIServer needs a WSGI callable, got {app!r}")
        self.app = app
        self.raise_app_exceptions = raise_app_exceptions
        self.timeout = timeout
        self.max_header_bytes = max_header_bytes
        self.app_errors = AppErrors()
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"WSGIServer({self.app!r})"

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Server.handle: run the app on `request` and return its response exactly."""
        if self.timeout is None:
            return self._call(request)
        with self._pool_lock:
            if self._pool is None:
                self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="corssim-wsgi")
            pool = self._pool
        fut = pool.submit(self._call, request)
        try:
            return fut.result(timeout=self.timeout)
        except concurrent.futures.TimeoutError:
            # The stuck worker is abandoned (it ends when the app returns); later requests get a new one.
            with self._pool_lock:
                if self._pool is pool:
                    self._pool = None
            pool.shutdown(wait=False)
            raise TransportError(FaultKind.TIMEOUT, f"the WSGI app gave no response within {self.timeout} s") from None

    def _crashed(self, request: HttpRequest, reply: _Reply, exc: Exception) -> HttpResponse:
        self.app_errors.record(request, exc)
        if self.raise_app_exceptions:
            raise exc
        if reply.sent:
            raise TransportError(
                FaultKind.CONNECTION_RESET,
                f"the app raised {type(exc).__name__}: {exc} after its response had begun; the server drops the connection",
            ) from exc
        return crash_response(exc)

    def _call(self, request: HttpRequest) -> HttpResponse:
        reply = _Reply()

        def start_response(status: object, headers: object, exc_info: ExcInfo | None = None) -> Callable[[bytes], object]:
            if exc_info is not None:
                if reply.sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            elif reply.status is not None:
                raise AssertionError("start_response called twice without exc_info (PEP 3333)")
            reply.status = parse_status(status)
            if not isinstance(headers, list) or not all(isinstance(h, tuple) and len(h) == 2 for h in headers):
                raise TransportError(FaultKind.MALFORMED_RESPONSE, f"WSGI headers must be a list of 2-tuples, got {headers!r}")
            for n, v in headers:
                if not isinstance(n, str) or not isinstance(v, str):
                    raise TransportError(FaultKind.MALFORMED_RESPONSE, f"WSGI header must be str pairs, got {(n, v)!r}")
            reply.headers = [(str(n), str(v)) for n, v in headers]
            return write

        def write(data: bytes) -> None:
            if reply.status is None:
                raise AssertionError("write() before start_response (PEP 3333)")
            if data:
                reply.sent = True
                reply.chunks.append(bytes(data))

        environ = build_environ(request)
        try:
            result = self.app(environ, start_response)
            try:
                for chunk in result:
                    if not isinstance(chunk, (bytes, bytearray)):
                        raise TypeError(f"WSGI body chunk must be bytes, got {type(chunk).__name__}")
                    if chunk:
                        if reply.status is None:
                            raise AssertionError("body before start_response (PEP 3333)")
                        reply.sent = True
                        reply.chunks.append(bytes(chunk))
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        except (TransportError, ServerError):
            raise
        except Exception as exc:
            return self._crashed(request, reply, exc)
        if reply.status is None:
            return self._crashed(request, reply, AssertionError("the WSGI app returned without calling start_response"))
        code, reason = reply.status
        headers = check_response_headers(code, reason, reply.headers, self.max_header_bytes)
        return HttpResponse(status=code, reason=reason, headers=headers, body=b"".join(reply.chunks))

    def close(self) -> None:
        with self._pool_lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False)
                self._pool = None

    def __enter__(self) -> WSGIServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
