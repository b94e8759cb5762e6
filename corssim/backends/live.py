"""A real HTTP server at a URL as a corssim back-end, over httpx.

The simulated URL and the real address are independent: a request for
`https://api.example.com/items?x=1` goes to `base_url` (say `http://127.0.0.1:8000`) with the
request-target `/items?x=1` and the simulated `Host: api.example.com`, so the page's origin and the
API's host are what the test says, wherever the server really runs.

The request goes out with exactly corssim's header list (httpx adds none of its defaults; `Host`
and `Content-Length` only when absent). Redirects are never followed here: corssim follows them
itself. The response header list keeps order, case and repeats; the body is decoded from its
`Content-Encoding` as the browser would before the page reads it.

The connection itself uses the real scheme: an `https://` simulated URL served by an `http://`
base URL reaches the app over plain HTTP (it sees the simulated `Host`, not the scheme); the
in-process adapters do hand the app the simulated scheme.

`serve_wsgi(app)` (wsgiref) and `serve_asgi(app)` (uvicorn, when installed) run an app on a free
loopback port in a thread that stops by itself, for tests that want a real socket and a real
server between corssim and the app.
"""

from __future__ import annotations

import contextlib
import errno
import socket
import socketserver
import threading
import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer as _WsgirefServer, make_server

from corssim.backends._common import DEFAULT_MAX_HEADER_BYTES, DEFAULT_TIMEOUT, check_response_headers, wire_headers
from corssim.errors import ServerError
from corssim.http import FaultKind, HttpRequest, HttpResponse, TransportError
from corssim.origin import origin_of
from corssim.url import ParsedURL, parse

if TYPE_CHECKING:
    import httpx

__all__ = ["LiveServer", "serve_asgi", "serve_wsgi"]


def _check_base(base_url: str) -> ParsedURL:
    u = parse(base_url)
    if u.scheme not in ("http", "https"):
        raise ServerError(f"LiveServer needs an http(s) base URL, got {base_url!r}")
    return u


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in out and len(out) < 20:
        out.append(cur)
        cur = cur.__cause__ or cur.__context__
    return out


def classify(exc: Exception, timeout: float | None, where: str = "") -> TransportError:
    """Map an httpx/httpcore/OS failure onto the fault a browser would report (`where`: the real address)."""
    err = _classify(exc, timeout)
    if where:
        return TransportError(err.fault.kind, f"{where}: {err.fault.detail}")
    return err


def _classify(exc: Exception, timeout: float | None) -> TransportError:
    import httpx

    chain = _chain(exc)
    seen: list[str] = []
    for e in chain:
        if str(e) and str(e) not in seen:
            seen.append(str(e))
    text = " | ".join(seen)
    if any(isinstance(e, socket.gaierror) for e in chain) or "name or service not known" in text.lower() \
            or "name resolution" in text.lower() or "nodename nor servname" in text.lower():
        return TransportError(FaultKind.DNS_FAILURE, text or "the host name did not resolve")
    if isinstance(exc, httpx.TimeoutException) or any(isinstance(e, (TimeoutError, socket.timeout)) for e in chain):
        return TransportError(FaultKind.TIMEOUT, f"no response within {timeout} s ({type(exc).__name__})")
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or any(
        isinstance(e, OSError) and e.errno == errno.ECONNREFUSED for e in chain
    ):
        return TransportError(FaultKind.CONNECTION_REFUSED, text or "connection refused")
    if isinstance(exc, httpx.ConnectError):
        if "refused" in text.lower():
            return TransportError(FaultKind.CONNECTION_REFUSED, text)
        return TransportError(FaultKind.OTHER, f"could not connect: {text}")
    if isinstance(exc, httpx.DecodingError):
        return TransportError(FaultKind.MALFORMED_RESPONSE, f"the body could not be decoded: {text}")
    if isinstance(exc, httpx.RemoteProtocolError):
        low = text.lower()
        if "receive buffer too long" in low:
            return TransportError(FaultKind.HEADERS_TOO_LARGE, f"the response head is too large ({text})")
        if "disconnected without sending" in low or "peer closed" in low or "incomplete" in low:
            return TransportError(FaultKind.CONNECTION_RESET, text)
        return TransportError(FaultKind.MALFORMED_RESPONSE, text)
    if isinstance(exc, (httpx.ReadError, httpx.WriteError, httpx.CloseError)) or any(
        isinstance(e, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)) for e in chain
    ):
        return TransportError(FaultKind.CONNECTION_RESET, text or "the connection was reset")
    return TransportError(FaultKind.OTHER, f"{type(exc).__name__}: {text}")


class LiveServer:
    """A real HTTP server at `base_url`, answering the simulated requests; `Server` and `AsyncServer`.

    Args:
        base_url: where the server really listens, e.g. ``"http://127.0.0.1:8000"``; a path there
            is put in front of every request's path.
        timeout: seconds for each network wait (connect, each read, each write) and for the whole
            body; going over is a `TIMEOUT` fault.
        send_simulated_host: send the simulated `Host` (default); False sends the real one.
        hosts: simulated origin -> real base URL, for pages that reach several servers (a redirect
            to another host, scenario hosts A/B/C); origins not listed go to `base_url`.
        verify: TLS verification for an https `base_url` (as httpx takes it).
        max_header_bytes: the browser's limit on the response head (Chromium: 256 KiB). httpx
            itself refuses a head over 100 KiB, which then reports `HEADERS_TOO_LARGE` too.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        send_simulated_host: bool = True,
        verify: Any = True,
        max_header_bytes: int | None = DEFAULT_MAX_HEADER_BYTES,
        hosts: Mapping[str, str] | None = None,
    ) -> None:
        u = _check_base(base_url)
        self._hosts: dict[str, tuple[ParsedURL, str]] = {}
        for origin, real in (hosts or {}).items():
            ru = _check_base(real)
            self._hosts[origin_of(origin).serialize()] = (ru, ru.pathname.rstrip("/"))
        given: object = timeout
        if not isinstance(given, (int, float)) or not given > 0:
            raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
        self.base_url = base_url
        self._base = u
        self._prefix = u.pathname.rstrip("/")
        self.timeout = float(timeout)
        self.send_simulated_host = send_simulated_host
        self.verify = verify
        self.max_header_bytes = max_header_bytes
        self._client: httpx.Client | None = None
        self._aclient: httpx.AsyncClient | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"LiveServer({self.base_url!r})"

    # -- building the request ---------------------------------------------------------------

    def _httpx_request(self, request: HttpRequest) -> httpx.Request:
        import httpx

        t = parse(request.url)
        base, prefix = self._hosts.get(origin_of(request.url).serialize(), (self._base, self._prefix))
        target = prefix + (t.pathname or "/") + t.search
        url = httpx.URL(
            scheme=base.scheme,
            host=base.hostname.strip("[]"),
            port=base.port,
            raw_path=target.encode("ascii", "strict"),
        )
        pairs = wire_headers(request)
        if not self.send_simulated_host:
            pairs = [(n, base.host) if n.lower() == "host" else (n, v) for n, v in pairs]
        return httpx.Request(
            request.method,
            url,
            headers=[(n.encode("latin-1"), v.encode("latin-1")) for n, v in pairs],
            content=request.body,
        )

    def _timeouts(self) -> httpx.Timeout:
        import httpx

        return httpx.Timeout(self.timeout)

    def _response(self, resp: httpx.Response, body: bytes) -> HttpResponse:
        reason = resp.extensions.get("reason_phrase", b"")
        reason_s = reason.decode("latin-1") if isinstance(reason, (bytes, bytearray)) else str(reason)
        pairs = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in resp.headers.raw]
        headers = check_response_headers(resp.status_code, reason_s, pairs, self.max_header_bytes)
        return HttpResponse(status=resp.status_code, reason=reason_s, headers=headers, body=body)

    # -- sync ----------------------------------------------------------------------------------

    def _sync_client(self) -> httpx.Client:
        import httpx

        with self._lock:
            if self._client is None:
                self._client = httpx.Client(
                    timeout=self._timeouts(), follow_redirects=False, trust_env=False, verify=self.verify,
                )
            return self._client

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Server.handle: one exchange with the real server; faults become `TransportError`."""
        client = self._sync_client()
        try:
            hreq = self._httpx_request(request)
        except UnicodeEncodeError as e:
            raise ServerError(f"request URL is not ASCII after parsing: {request.url!r}") from e
        deadline = time.monotonic() + self.timeout
        try:
            resp = client.send(hreq, stream=True, follow_redirects=False)
            try:
                chunks = []
                for chunk in resp.iter_bytes():
                    chunks.append(chunk)
                    if time.monotonic() > deadline:
                        raise TransportError(FaultKind.TIMEOUT, f"the body took longer than {self.timeout} s")
            finally:
                resp.close()
        except TransportError:
            raise
        except Exception as exc:
            raise classify(exc, self.timeout, str(hreq.url.copy_with(query=None, fragment=None))) from exc
        finally:
            client.cookies.clear()  # corssim keeps the browser's cookies; httpx must not
        return self._response(resp, b"".join(chunks))

    # -- async ---------------------------------------------------------------------------------

    async def ahandle(self, request: HttpRequest) -> HttpResponse:
        """AsyncServer.ahandle: the same exchange over httpx.AsyncClient."""
        import httpx

        if self._aclient is None:
            self._aclient = httpx.AsyncClient(
                timeout=self._timeouts(), follow_redirects=False, trust_env=False, verify=self.verify,
            )
        client = self._aclient
        try:
            hreq = self._httpx_request(request)
        except UnicodeEncodeError as e:
            raise ServerError(f"request URL is not ASCII after parsing: {request.url!r}") from e
        deadline = time.monotonic() + self.timeout
        try:
            resp = await client.send(hreq, stream=True, follow_redirects=False)
            try:
                chunks = []
                async for chunk in resp.aiter_bytes():
                    chunks.append(chunk)
                    if time.monotonic() > deadline:
                        raise TransportError(FaultKind.TIMEOUT, f"the body took longer than {self.timeout} s")
            finally:
                await resp.aclose()
        except TransportError:
            raise
        except Exception as exc:
            raise classify(exc, self.timeout, str(hreq.url.copy_with(query=None, fragment=None))) from exc
        finally:
            client.cookies.clear()
        return self._response(resp, b"".join(chunks))

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
        # an AsyncClient must be closed on its loop: use `await aclose()`; dropping it is harmless
        self._aclient = None

    async def aclose(self) -> None:
        if self._aclient is not None:
            await self._aclient.aclose()
            self._aclient = None
        self.close()

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- a real server for tests ------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, _WsgirefServer):
    daemon_threads = True
    allow_reuse_address = True


@contextlib.contextmanager
def serve_wsgi(app: Any, *, host: str = "127.0.0.1", port: int = 0, max_seconds: float = 300.0) -> Iterator[str]:
    """Serve a WSGI app on `host` (loopback by default) at a free port; yields its base URL.

    The server runs in a daemon thread, stops when the block ends, and stops by itself after
    `max_seconds` whatever happens. Only loopback addresses are accepted.
    """
    _check_loopback(host)
    server = make_server(host, port, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
    server.timeout = 1.0
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
                              name="corssim-serve-wsgi")
    thread.start()
    watchdog = threading.Timer(max_seconds, server.shutdown)
    watchdog.daemon = True
    watchdog.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        watchdog.cancel()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5.0)


def _check_loopback(host: str) -> None:
    if not (host.startswith("127.") or host in ("::1", "localhost")):
        raise ValueError(f"test servers bind loopback addresses only, got {host!r}")


@contextlib.contextmanager
def serve_asgi(app: Any, *, host: str = "127.0.0.1", max_seconds: float = 300.0,
               startup_timeout: float = 10.0) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on `host` (loopback) at a free port; yields its base URL.

    uvicorn runs in a daemon thread with lifespan events on "auto"; it stops when the block ends
    and by itself after `max_seconds`. Needs `uvicorn` (the `frameworks` extra).
    """
    _check_loopback(host)
    try:
        import uvicorn
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ServerError("serve_asgi needs uvicorn: pip install uvicorn") from e
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="auto", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="corssim-serve-asgi")
    thread.start()
    watchdog = threading.Timer(max_seconds, lambda: setattr(server, "should_exit", True))
    watchdog.daemon = True
    watchdog.start()
    try:
        end = time.monotonic() + startup_timeout
        while not server.started and thread.is_alive() and time.monotonic() < end:
            time.sleep(0.01)
        if not server.started:
            raise ServerError(f"uvicorn did not start within {startup_timeout} s")
        shown = f"[{host}]" if ":" in host else host
        yield f"http://{shown}:{port}"
    finally:
        watchdog.cancel()
        server.should_exit = True
        thread.join(timeout=10.0)
        sock.close()
