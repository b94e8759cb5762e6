"""A page: the document that makes requests. It carries the origin, the engine profile, the
preflight cache and the clock across requests, and drives `fetch_flow` against a back-end.

    >>> from corssim import Page, FakeServer, Rule
    >>> api = FakeServer([Rule(headers=[("Access-Control-Allow-Origin", "*")], body="hi")])
    >>> page = Page("https://app.example", server=api)
    >>> page.fetch("https://api.example/data").ok
    True
"""

from __future__ import annotations

import inspect
from typing import Any, Protocol

import attrs

from corssim.cache import PreflightCache
from corssim.errors import CorssimError, ServerError
from corssim.fetch import Env, Flow, fetch_flow
from corssim.http import AsyncServer, HttpResponse, NetworkFault, Server, TransportError
from corssim.origin import Origin, OpaqueOrigin, parse_origin, site_of
from corssim.profiles import Profile, get_profile
from corssim.request import Rejection, Request, build_request
from corssim.result import Decision, Failure, Result

__all__ = ["Clock", "ManualClock", "Page"]


class Clock(Protocol):
    def __call__(self) -> float: ...


@attrs.define
class ManualClock:
    """A clock that moves only when told to (the default: simulations never sleep)."""

    t: float = 0.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"time cannot go backwards (advance by {seconds})")
        self.t += seconds


def _rejected(req: Rejection, *, api: str, profile: Profile, origin: Origin, url: str, method: object,
              cache: PreflightCache, now: float, credentials: str, mode: str) -> Result:
    d = Decision(anchor=req.anchor, name="request", outcome=f"{api}() throws a TypeError", passed=False,
                 values=(("field", req.field), ("value", req.value)))
    return Result(
        api=api, browser=profile.name, page_origin=origin.serialize(), url=url, method=str(method),
        outcome="network_error", response=None, exchanges=(), decisions=(d,),
        failure=Failure(reason=req.reason, url=url, value=req.value, anchor=req.anchor),
        cache_after=cache.snapshot(now), credentials=credentials, mode=mode,
    )


_FETCH_INIT_KEYS = {
    "method", "headers", "body", "mode", "credentials", "redirect", "referrer_policy", "referrerPolicy",
    "cache", "duplex", "keepalive", "integrity", "signal", "priority", "referrer", "window",
}


class Page:
    """A document at `origin` (or `url`) in one browser, making requests to `server`.

    Args:
        origin: the page's origin or URL (``"https://app.example"``, ``"http://127.0.0.1:8801/page"``,
            or ``"null"`` for an opaque origin such as a sandboxed iframe or a file: page).
        server: the back-end that answers (a `Server` or `AsyncServer`); may be given per call.
        browser: ``chromium`` (default), ``firefox``, ``webkit`` or ``spec``.
        clock: a callable returning seconds; defaults to a `ManualClock` moved by `wait()`.
        top_level_site: the site of the top-level document (for the cache partition); defaults
            to the page's own site.
    """

    def __init__(
        self,
        origin: str | Origin = "http://127.0.0.1:8801",
        *,
        server: Server | AsyncServer | None = None,
        browser: str | Profile = "chromium",
        clock: Clock | None = None,
        top_level_site: str | None = None,
    ) -> None:
        self.profile = get_profile(browser)
        if isinstance(origin, str) and origin != "null" and "://" in origin:
            o = parse_origin(origin)
            self.url = origin if origin.count("/") > 2 else o.serialize() + "/"
        else:
            o = parse_origin(origin)
            self.url = "about:blank" if isinstance(o, OpaqueOrigin) else o.serialize() + "/"
        self.origin: Origin = o
        self.server = server
        self.clock: Clock = clock if clock is not None else ManualClock()
        self.cache = PreflightCache(self.profile)
        self.partition = top_level_site or site_of(o).serialize()
        self.history: list[Result] = []

    def __repr__(self) -> str:
        return f"Page({self.origin.serialize()!r}, browser={self.profile.name!r})"

    # -- time ------------------------------------------------------------------------------

    def wait(self, seconds: float) -> None:
        """Let `seconds` pass (moves a ManualClock; with another clock, say so)."""
        if isinstance(self.clock, ManualClock):
            self.clock.advance(seconds)
        else:
            raise CorssimError("wait() needs the default ManualClock; move your own clock instead")

    # -- requests --------------------------------------------------------------------------

    def _prepare(self, api: str, url: str, kwargs: dict[str, Any]) -> Request | Result:
        unknown = set(kwargs) - _FETCH_INIT_KEYS - {"with_credentials", "withCredentials", "upload_listeners"}
        if unknown:
            raise TypeError(f"unknown request option(s): {', '.join(sorted(unknown))}")
        method = kwargs.get("method", "GET")
        rp = kwargs.get("referrer_policy", kwargs.get("referrerPolicy", ""))
        req = build_request(
            api=api, url=url, page_url=self.url, origin=self.origin, profile=self.profile,
            method=method, headers=kwargs.get("headers"), body=kwargs.get("body"),
            mode=kwargs.get("mode", "cors"), credentials=kwargs.get("credentials", "same-origin"),
            redirect=kwargs.get("redirect", "follow"), referrer_policy=rp or "",
            cache=kwargs.get("cache", "default"), duplex=kwargs.get("duplex"),
            upload_listeners=bool(kwargs.get("upload_listeners", False)),
            with_credentials=bool(kwargs.get("with_credentials", kwargs.get("withCredentials", False))),
        )
        if isinstance(req, Rejection):
            res = _rejected(req, api=api, profile=self.profile, origin=self.origin, url=url, method=method,
                            cache=self.cache, now=self.clock(), credentials=str(kwargs.get("credentials", "same-origin")),
                            mode=str(kwargs.get("mode", "cors")))
            self.history.append(res)
            return res
        return req

    def _env(self) -> Env:
        return Env(profile=self.profile, page_url=self.url, page_origin=self.origin, partition=self.partition,
                   cache=self.cache, now=self.clock())

    def _server(self, server: Server | AsyncServer | None) -> Server | AsyncServer:
        s = server if server is not None else self.server
        if s is None:
            raise CorssimError("no server: pass server= to Page(...) or to this call")
        return s

    def fetch(self, url: str, *, server: Server | None = None, **init: Any) -> Result:
        """What `fetch(url, init)` does in this page. Init keys as in JavaScript
        (method, headers, body, mode, credentials, redirect, referrerPolicy, ...)."""
        prepared = self._prepare("fetch", url, init)
        if isinstance(prepared, Result):
            return prepared
        return self._drive(fetch_flow(prepared, self._env()), self._server(server))

    def xhr(self, url: str, *, method: str = "GET", headers: Any = None, body: Any = None,
            with_credentials: bool = False, upload_listeners: bool = False, server: Server | None = None) -> Result:
        """What `XMLHttpRequest` open()/setRequestHeader()/send() does in this page."""
        prepared = self._prepare("xhr", url, {"method": method, "headers": headers, "body": body,
                                              "with_credentials": with_credentials,
                                              "upload_listeners": upload_listeners})
        if isinstance(prepared, Result):
            return prepared
        return self._drive(fetch_flow(prepared, self._env()), self._server(server))

    async def afetch(self, url: str, *, server: Server | AsyncServer | None = None, **init: Any) -> Result:
        """`fetch()` against an async back-end (ASGI apps); same algorithm as `fetch`."""
        prepared = self._prepare("fetch", url, init)
        if isinstance(prepared, Result):
            return prepared
        return await self._adrive(fetch_flow(prepared, self._env()), self._server(server))

    async def axhr(self, url: str, *, method: str = "GET", headers: Any = None, body: Any = None,
                   with_credentials: bool = False, upload_listeners: bool = False,
                   server: Server | AsyncServer | None = None) -> Result:
        prepared = self._prepare("xhr", url, {"method": method, "headers": headers, "body": body,
                                              "with_credentials": with_credentials,
                                              "upload_listeners": upload_listeners})
        if isinstance(prepared, Result):
            return prepared
        return await self._adrive(fetch_flow(prepared, self._env()), self._server(server))

    # -- drivers ---------------------------------------------------------------------------

    def _drive(self, flow: Flow, server: Server | AsyncServer) -> Result:
        handle = getattr(server, "handle", None)
        if handle is None or inspect.iscoroutinefunction(handle):
            raise CorssimError(f"{type(server).__name__} is asynchronous: use `await page.afetch(...)`")
        try:
            request = next(flow)
            while True:
                answer: HttpResponse | NetworkFault
                try:
                    answer = _checked(handle(request), server)
                except TransportError as e:
                    answer = e.fault
                request = flow.send(answer)
        except StopIteration as stop:
            result: Result = stop.value
            self.history.append(result)
            return result

    async def _adrive(self, flow: Flow, server: Server | AsyncServer) -> Result:
        ahandle = getattr(server, "ahandle", None)
        handle = getattr(server, "handle", None)
        try:
            request = next(flow)
            while True:
                answer: HttpResponse | NetworkFault
                try:
                    if ahandle is not None:
                        answer = _checked(await ahandle(request), server)
                    elif handle is not None:
                        got = handle(request)
                        if inspect.isawaitable(got):
                            got = await got
                        answer = _checked(got, server)
                    else:
                        raise CorssimError(f"{type(server).__name__} has neither handle() nor ahandle()")
                except TransportError as e:
                    answer = e.fault
                request = flow.send(answer)
        except StopIteration as stop:
            result: Result = stop.value
            self.history.append(result)
            return result


def _checked(answer: object, server: object) -> HttpResponse:
    if not isinstance(answer, HttpResponse):
        raise ServerError(
            f"{type(server).__name__}.handle() returned {type(answer).__name__}, not corssim.HttpResponse"
        )
    return answer

