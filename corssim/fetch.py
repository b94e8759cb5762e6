"""The fetch algorithm's CORS path as one sans-I/O generator (fetch#concept-main-fetch,
fetch#concept-http-fetch, fetch#concept-http-redirect-fetch).

`fetch_flow` yields each `HttpRequest` the browser would send (preflights, the request, each
redirect hop) and is sent back an `HttpResponse` or a `NetworkFault`; it returns the `Result`.
It touches no socket and reads no clock: the driver (`corssim.page`) does I/O and passes `now`.
The same generator serves the synchronous and the asynchronous drivers.
"""

from __future__ import annotations

import base64
import itertools
import urllib.parse
from collections.abc import Generator
from typing import Union

import attrs

from corssim import headers as H
from corssim import url as _url
from corssim.cache import CacheKey, PreflightCache
from corssim.check import cors_check, filter_headers, readable_headers
from corssim.errors import InvalidURL
from corssim.http import FaultKind, Headers, HttpRequest, HttpResponse, NetworkFault
from corssim.origin import Origin, origin_of, same_origin, same_site
from corssim.preflight import parse_max_age, validate_preflight_response
from corssim.profiles import Profile
from corssim.request import Body, Request
from corssim.result import Decision, Exchange, ExchangeKind, Failure, PageResponse, Reason, Result
from corssim.wire import actual_request_headers, preflight_request_headers, referrer_for, sec_fetch_site

__all__ = ["Env", "Flow", "fetch_flow", "redirect_taint"]

Flow = Generator[HttpRequest, Union[HttpResponse, NetworkFault], Result]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
NULL_BODY_STATUSES = frozenset({101, 103, 204, 205, 304})
MAX_REDIRECTS = 20
_NONCE = itertools.count(1)  # opaque origins (WebKit: one per fetch; Chromium: one per preflight)
_CONDITIONAL = ("If-Modified-Since", "If-None-Match", "If-Unmodified-Since", "If-Match", "If-Range")
_CLIENT_HINTS = ("DPR", "Viewport-Width")  # seen dropped by Chromium; Save-Data was seen kept


@attrs.frozen(kw_only=True)
class Env:
    """What the page brings to a fetch: its profile, URL, origin, partition, cache and the time."""

    profile: Profile
    page_url: str
    page_origin: Origin
    partition: str
    cache: PreflightCache
    now: float


def redirect_taint(request_origin: Origin, url_list: list[str]) -> str:
    """fetch#concept-request-tainted-origin: same-origin, same-site or cross-site."""
    taint = "same-origin"
    last: Origin | None = None
    for u in url_list:
        o = origin_of(u)
        if last is None:
            last = o
            continue
        if not same_site(o, last) and not same_site(request_origin, last):
            taint = "cross-site"
        elif not same_origin(o, last) and not same_origin(request_origin, last):
            taint = "same-site" if taint == "same-origin" else taint
        last = o
    return taint


def _trim(headers: Headers) -> Headers:
    """An HTTP parser drops optional whitespace around field values (RFC 9110 §5.5)."""
    return Headers(tuple((n, v.strip(" \t")) for n, v in headers))


class _Trace:
    __slots__ = ("decisions", "exchanges")

    def __init__(self) -> None:
        self.decisions: list[Decision] = []
        self.exchanges: list[Exchange] = []

    def note(self, anchor: str, name: str, outcome: str, passed: bool = True, /, **values: object) -> None:
        self.decisions.append(
            Decision(
                anchor=anchor,
                name=name,
                outcome=outcome,
                passed=passed,
                values=tuple((k, "" if v is None else str(v)) for k, v in values.items()),
            )
        )


def _data_url_response(url: str) -> tuple[int, Headers, bytes] | None:
    """fetch#data-url-processor, enough of it for a page to read a data: URL."""
    rest = url[5:]
    if "," not in rest:
        return None
    meta, data = rest.split(",", 1)
    is_b64 = meta.rstrip(" ").lower().endswith(";base64")
    if is_b64:
        meta = meta.rstrip(" ")[: -len(";base64")]
    raw = urllib.parse.unquote_to_bytes(data)
    if is_b64:
        try:
            raw = base64.b64decode(raw.replace(b" ", b""), validate=False)
        except ValueError:
            return None
    mime = meta.strip() or "text/plain;charset=US-ASCII"
    if mime.startswith(";"):
        mime = "text/plain" + mime
    return 200, Headers((("Content-Type", mime),)), raw


def _content_length(method: str, body: Body | None) -> int | None:
    """fetch#concept-http-network-or-cache-fetch step 8: the body's length; 0 for a POST or PUT
    without a body; none for a stream (sent chunked) or a bodiless other method."""
    if body is None:
        return 0 if method in ("POST", "PUT") else None
    if body.kind == "stream":
        return None
    return len(body.data)


_BODY_HEADERS = ("Content-Encoding", "Content-Language", "Content-Location", "Content-Type")


def _rewrites_to_get(status: int, method: str) -> bool:
    """fetch#concept-http-redirect-fetch step 12: 301/302 turn a POST, 303 anything but GET/HEAD,
    into a GET without body."""
    return (status in (301, 302) and method == "POST") or (status == 303 and method not in ("GET", "HEAD"))


def _start_body_header_names(req: Request, p: Profile) -> list[str]:
    """The request-body headers (fetch#request-body-header-name) the request started with, as an
    engine that re-applies them knows them: Firefox's XHR keeps only those the script set."""
    names = [n for n in _BODY_HEADERS if req.headers.contains(n)]
    if p.body_headers_after_rewrite == "firefox" and req.api == "xhr" and req.content_type_from_body:
        names = [n for n in names if n != "Content-Type"]
    return names


def _body_headers_back(p: Profile, req: Request, status: int, orig_method: str, urls: list[str]) -> list[str] | None:
    """After an earlier redirect rewrote the method to GET (fetch#concept-http-redirect-fetch), which
    request-body headers this redirect's next hop carries again, or None to leave them as they are.
    Engine behaviour, not the standard's (which keeps them removed); see Profile.body_headers_after_rewrite."""
    if p.body_headers_after_rewrite == "firefox":
        # the strip decision is made with the method the request started with, per hop
        return [] if _rewrites_to_get(status, orig_method) else _start_body_header_names(req, p)
    # webkit: the network process refills a CORS-checked hop from the first request's headers;
    # the soup back-end copies the first request's Content-Type on 307/308
    foreign = [not same_origin(req.origin, origin_of(u)) for u in urls]
    if req.mode == "cors" and any(foreign):
        return _start_body_header_names(req, p)
    # the load restarts once its stored-credentials policy changes on the way out of the page's
    # origin (credentials "same-origin", first URL same-origin); hops after that lose the copy
    restarted = any(foreign[:-1]) and req.credentials == "same-origin" and not foreign[0]
    if status in (307, 308) and req.headers.contains("Content-Type") and not restarted:
        return ["Content-Type"]
    return None


def _restore_body_headers(req: Request, headers: Headers, entries: Headers, names: list[str]) -> tuple[Headers, Headers]:
    """The header lists with the body headers set to the request's original ones: `names` back
    with their first values, the other body headers removed."""
    for n in _BODY_HEADERS:
        headers = headers.delete(n)
        entries = entries.delete(n)
    for n in names:
        for v in req.headers.get_all(n):
            headers = headers.append(n, v)
        for v in req.entries.get_all(n):
            entries = entries.append(n, v)
    return headers, entries


def fetch_flow(req: Request, env: Env) -> Flow:
    """Run one fetch (or XHR) from the page: fetch#concept-fetch through main fetch, HTTP fetch,
    CORS-preflight fetch and HTTP-redirect fetch, as far as CORS is concerned."""
    p = env.profile
    t = _Trace()
    now = env.now
    for name, value, why in req.dropped_headers:
        t.note("fetch#concept-headers-append", "header-dropped", f"{name} was not sent", True,
               name=name, value=value, why=why)

    url_list: list[str] = [req.url]
    method = req.method
    headers = req.headers
    entries = req.entries
    body = req.body
    tainting = "basic"
    cred = req.credentials_included
    # the header list a preflight decision looks at (WebKit: the one before a redirect's removals)
    class_headers, class_entries = headers, entries
    initial_unsafe = bool(H.cors_unsafe_request_header_names(entries if p.safelist_per_entry else headers, p))
    preflighted_before = False  # some hop went the CORS-with-preflight way
    last_hop_cross_origin = False
    no_cors_crossed = False  # a no-cors request went through a cross-origin redirect
    prev_origin_header: str | None = None
    fetch_nonce = next(_NONCE)
    chain_start = 0  # where Sec-Fetch-Site starts looking (Chromium restarts on a preflighted hop)
    orig_method = method
    rewritten_before = False  # a redirect turned the method into GET
    # WebKit fixes the credentials policy when the load starts (see redirect_recheck_with_start_credentials)
    start_credentials = req.credentials == "same-origin" and same_origin(req.origin, origin_of(req.url))
    pending_failure: Failure | None = None  # WebKit's redirect re-check failed: ends before the next request

    def result(outcome: str, response: PageResponse | None, failure: Failure | None) -> Result:
        return Result(
            api=req.api,
            browser=p.name,
            page_origin=env.page_origin.serialize(),
            url=req.url,
            method=req.method,
            outcome=outcome,
            response=response,
            exchanges=tuple(t.exchanges),
            decisions=tuple(t.decisions),
            failure=failure,
            cache_after=env.cache.snapshot(now),
            credentials=req.credentials,
            mode=req.mode,
        )

    def fail(reason: Reason, *, preflight: bool = False, url: str = "", value: str | None = None,
             status: int | None = None, fault: NetworkFault | None = None, anchor: str = "") -> Result:
        return result("network_error", None, Failure(reason=reason, preflight=preflight, url=url or url_list[-1],
                                                     value=value, status=status, fault=fault, anchor=anchor))

    while True:
        current = url_list[-1]
        parsed = _url.parse(current)
        scheme = parsed.scheme
        taint = redirect_taint(req.origin, url_list)
        serialized_origin = req.origin.serialize() if taint == "same-origin" else "null"
        after_redirect = len(url_list) > 1

        # --- main fetch, step 12: which way does this request go? ------------------------
        if scheme == "data":
            t.note("fetch#concept-main-fetch", "main-fetch", "data: URL: basic, no CORS", url=current)
            data = _data_url_response(current)
            if data is None:
                return fail(Reason.NETWORK_FAILURE, anchor="fetch#data-url-processor")
            status, dheaders, raw = data
            return result("ok", PageResponse(type="basic", status=status, status_text="OK", url=current,
                                             redirected=after_redirect, headers=readable_headers(dheaders),
                                             body=raw.decode("utf-8", "replace")), None)
        cur_origin = origin_of(current)
        needs_preflight_class = False
        unsafe_names: list[str] = []
        if tainting == "basic" and same_origin(req.origin, cur_origin):
            t.note("fetch#concept-main-fetch", "main-fetch", "same-origin: basic, no CORS", url=current,
                   origin=serialized_origin)
        elif req.mode == "same-origin":
            t.note("fetch#concept-main-fetch", "main-fetch", "mode same-origin forbids a cross-origin URL", False,
                   url=current)
            return fail(Reason.DISALLOWED_BY_MODE, anchor="fetch#concept-main-fetch")
        elif req.mode == "no-cors":
            if req.redirect != "follow":
                t.note("fetch#concept-main-fetch", "main-fetch", "no-cors needs redirect mode follow", False,
                       redirect=req.redirect)
                return fail(Reason.NO_CORS_REDIRECT_MODE, value=req.redirect, anchor="fetch#concept-main-fetch")
            tainting = "opaque"
            t.note("fetch#concept-main-fetch", "main-fetch", "no-cors: opaque response, no CORS check", url=current)
        elif scheme not in ("http", "https"):
            t.note("fetch#concept-main-fetch", "main-fetch", "CORS needs an HTTP(S) URL", False, scheme=scheme)
            return fail(Reason.CORS_DISABLED_SCHEME, value=scheme, anchor="fetch#concept-main-fetch")
        else:
            tainting = "cors"
            unsafe_names = H.cors_unsafe_request_header_names(class_entries if p.safelist_per_entry else class_headers, p)
            safelisted = H.is_cors_safelisted_method(method)
            needs_preflight_class = req.use_cors_preflight or not safelisted or bool(unsafe_names)
            if p.preflight_sticky_across_redirects and (initial_unsafe or preflighted_before) and not needs_preflight_class:
                # Firefox keeps the load's unsafe header names, and its "needs a preflight" once a
                # hop needed one: a redirect that drops the header or rewrites the method to GET
                # still leaves a preflight to make
                needs_preflight_class = True
            preflighted_before = preflighted_before or needs_preflight_class
            t.note("fetch#cors-safelisted-method", "method", "safelisted" if safelisted else "not safelisted",
                   method=method)
            t.note("fetch#cors-unsafe-request-header-names", "unsafe-headers",
                   ",".join(unsafe_names) if unsafe_names else "none", names=",".join(unsafe_names))
            t.note("fetch#concept-main-fetch", "main-fetch",
                   "CORS with preflight" if needs_preflight_class else "CORS, no preflight (simple request)",
                   url=current, use_cors_preflight_flag=req.use_cors_preflight)

        site = sec_fetch_site(req.origin, url_list[chain_start:])
        referrer = referrer_for(env.page_url, env.page_origin, current, req.referrer_policy)
        cache_origin = serialized_origin if p.cache_model == "entries" else env.page_origin.serialize()
        if serialized_origin == "null" and not p.preflight_origin_untainted:
            # fetch#concept-cache keys on the serialization "null"; the engines make an opaque
            # origin that only equals itself (Profile.null_origin_preflight_cache)
            if p.null_origin_preflight_cache == "per_fetch":
                cache_origin = f"null (opaque origin of fetch {fetch_nonce})"
            elif p.null_origin_preflight_cache == "never":
                cache_origin = f"null (opaque origin of preflight {next(_NONCE)}, never matched again)"
        key = CacheKey(env.partition, cache_origin, current)

        def clear_cache_after(failure: str) -> None:
            """Which failures empty the cache for this URL, per storage model: the standard
            clears after any failure of a fetch that took the preflight branch
            (fetch#concept-main-fetch); Firefox after a failed preflight or CORS check (observed);
            Chromium and WebKit only drop entries on lookup."""
            if p.cache_model == "entries":
                clears = needs_preflight_class
            elif p.cache_model == "firefox":
                clears = failure in ("preflight", "cors-check")
            else:
                clears = False
            n = env.cache.clear(key) if clears else 0
            if n:
                t.note("fetch#concept-cache-clear", "cache-clear", f"dropped {n} cache entries",
                       why=f"{failure} failed")

        # --- HTTP fetch, step 4.1: the CORS-preflight fetch if the cache does not cover it ----
        if needs_preflight_class:
            lk = env.cache.lookup(key, method=method, unsafe_names=unsafe_names, credentials=cred,
                                  use_cors_preflight=req.use_cors_preflight, now=now)
            # fetch#concept-http-fetch step 4.1: a preflight is needed unless the cache covers it
            t.note("fetch#concept-cache-match", "cache-lookup",
                   "preflight needed" if lk.preflight_needed else "cache hit: no preflight",
                   missing_method=method if lk.missing_method else "",
                   missing_headers=",".join(lk.missing_headers), erased=lk.erased)
            if lk.preflight_needed:
                pre_origin = serialized_origin
                pre_site = site
                skip_check = False
                if after_redirect and p.sec_fetch_site_reset_on_preflight_restart:
                    chain_start = len(url_list) - 1
                    site = pre_site = sec_fetch_site(req.origin, [current])
                if p.preflight_sec_fetch_site_current_only:
                    pre_site = sec_fetch_site(req.origin, [current])
                if p.preflight_origin_untainted and serialized_origin == "null":
                    # Firefox: the preflight is a new channel for the page's own principal
                    pre_origin = req.origin.serialize()
                    skip_check = same_origin(req.origin, cur_origin)
                pre = HttpRequest(
                    method="OPTIONS",
                    url=current,
                    headers=preflight_request_headers(profile=p, url=current, method=method,
                                                      unsafe_names=unsafe_names, origin_header=pre_origin,
                                                      site=pre_site, referrer=referrer,
                                                      user_agent=headers.get("User-Agent")
                                                      if p.preflight_copies_user_agent else None),
                )
                answer = yield pre
                if isinstance(answer, NetworkFault):
                    t.exchanges.append(Exchange(kind=ExchangeKind.PREFLIGHT, request=pre, fault=answer))
                    t.note("fetch#cors-preflight-fetch-0", "preflight", f"no response: {answer.kind.value}", False,
                           detail=answer.detail)
                    clear_cache_after("preflight-network")
                    return fail(Reason.NETWORK_FAILURE, preflight=True, fault=answer, anchor="fetch#cors-preflight-fetch-0")
                t.exchanges.append(Exchange(kind=ExchangeKind.PREFLIGHT, request=pre, response=answer))
                rh = _trim(answer.headers)
                v = validate_preflight_response(
                    status=answer.status, headers=rh, serialized_origin=pre_origin, skip_cors_check=skip_check,
                    credentials_include=cred, method=method, unsafe_names=unsafe_names,
                    request_header_order=[n.lower() for n, _ in headers if n.lower() in unsafe_names],
                    use_cors_preflight=req.use_cors_preflight, profile=p,
                )
                max_age = parse_max_age(rh.get_all("Access-Control-Max-Age"), p)
                if v.parsed and p.cache_store_before_validation and max_age is not None:
                    env.cache.store(key, methods=list(v.methods), header_names=list(v.header_names), max_age=max_age,
                                    credentials=cred, url_length=len(current), now=now)
                if not v.ok:
                    assert v.reason is not None
                    t.note("fetch#cors-preflight-fetch-0", "preflight-check", f"failed at {v.step}", False,
                           status=answer.status, reason=v.reason.value, value=v.value,
                           allow_origin=rh.get("Access-Control-Allow-Origin"),
                           allow_methods=rh.get("Access-Control-Allow-Methods"),
                           allow_headers=rh.get("Access-Control-Allow-Headers"))
                    clear_cache_after("preflight")
                    return fail(v.reason, preflight=True, value=v.value, status=answer.status,
                                anchor="fetch#cors-preflight-fetch-0")
                t.note("fetch#cors-preflight-fetch-0", "preflight-check", "passed", True, status=answer.status,
                       allow_origin=rh.get("Access-Control-Allow-Origin"),
                       allow_methods=",".join(v.methods), allow_headers=",".join(v.header_names))
                if max_age is None:
                    t.note("fetch#http-access-control-max-age", "cache-store", "not cached",
                           max_age=rh.get("Access-Control-Max-Age"))
                elif not p.cache_store_before_validation:
                    stored = env.cache.store(key, methods=list(v.methods), header_names=list(v.header_names),
                                             max_age=max_age, credentials=cred, url_length=len(current), now=now)
                    t.note("fetch#concept-cache", "cache-store", f"cached for {max_age}s" if stored else "not cached",
                           max_age=max_age, methods=",".join(v.methods), headers=",".join(v.header_names))
                else:
                    t.note("fetch#concept-cache", "cache-store", f"cached for {max_age}s", max_age=max_age)

        if pending_failure is not None:
            t.note("fetch#concept-cors-check", "redirect-recheck", "the load is cancelled before this request",
                   False, url=current)
            return result("network_error", None, pending_failure)
        # --- the request itself ---------------------------------------------------------------
        origin_header: str | None = None
        if tainting == "cors":
            origin_header = serialized_origin
        elif method not in ("GET", "HEAD"):
            origin_header = serialized_origin
            if req.mode != "cors" and p.origin_follows_referrer_policy:
                # fetch#append-a-request-origin-header step 4.1: the referrer policy may hide it
                pol = req.referrer_policy
                downgrade = env.page_origin.serialize().startswith("https:") and scheme != "https"
                if pol == "no-referrer":
                    origin_header = "null"
                elif pol in ("no-referrer-when-downgrade", "strict-origin", "strict-origin-when-cross-origin") and downgrade:
                    origin_header = "null"
                elif pol == "same-origin" and not same_origin(req.origin, cur_origin):
                    origin_header = "null"
        if origin_header is not None and no_cors_crossed and p.no_cors_origin_null_after_cross_origin_redirect:
            origin_header = "null"
        if origin_header is None and p.origin_header_kept_on_redirect and not last_hop_cross_origin:
            origin_header = prev_origin_header  # WebKit copies the previous hop's header list
        prev_origin_header = origin_header
        if body is not None and body.kind == "stream" and p.stream_uploads == "fail-after-preflight":
            fault = NetworkFault(FaultKind.OTHER, "streaming uploads need HTTP/2; this connection is HTTP/1.1")
            t.note("fetch#concept-http-network-fetch", "network", "streamed body cannot be sent", False,
                   detail=fault.detail)
            return fail(Reason.NETWORK_FAILURE, fault=fault, anchor="fetch#concept-http-network-fetch")
        body_bytes = body.data if body is not None else None
        wire_author = headers
        if (p.user_agent_reset_on_same_origin_redirect and after_redirect and req.mode != "no-cors"
                and all(same_origin(req.origin, origin_of(u)) for u in url_list)):
            wire_author = headers.delete("User-Agent")  # WebKit's soup redirect recomputes the UA
        rewrite_range = (p.range_rewritten_by_http_cache and method == "GET" and headers.contains("Range")
                         and req.cache != "no-store" and not any(headers.contains(n) for n in _CONDITIONAL))
        wire = actual_request_headers(
            profile=p, api=req.api, url=current, author_headers=wire_author, origin_header=origin_header,
            mode=req.mode, site=site, referrer=referrer,
            body_length=_content_length(method, body),
            rewrite_range=rewrite_range,
            omit_sec_fetch=p.sec_fetch_omitted_after_cross_origin_cors_redirect and last_hop_cross_origin
            and req.mode == "cors",
        )
        out = HttpRequest(method=method, url=current, headers=wire, body=body_bytes)
        answer = yield out
        if isinstance(answer, NetworkFault):
            t.exchanges.append(Exchange(kind=ExchangeKind.REQUEST, request=out, fault=answer))
            t.note("fetch#concept-http-network-fetch", "network", f"no response: {answer.kind.value}", False,
                   detail=answer.detail)
            clear_cache_after("network")
            return fail(Reason.NETWORK_FAILURE, fault=answer, anchor="fetch#concept-http-network-fetch")
        t.exchanges.append(Exchange(kind=ExchangeKind.REQUEST, request=out, response=answer))
        rh = _trim(answer.headers)
        status = answer.status

        # --- HTTP fetch: the CORS check applies to every response of a cors-tainted request ---
        if tainting == "cors":
            chk = cors_check(rh, serialized_origin, cred, p)
            t.note("fetch#concept-cors-check", "cors-check", "passed" if chk.ok else "failed", chk.ok,
                   status=status, origin=serialized_origin, credentials=req.credentials,
                   allow_origin=rh.get("Access-Control-Allow-Origin"),
                   allow_credentials=rh.get("Access-Control-Allow-Credentials"))
            if not chk.ok:
                assert chk.reason is not None
                clear_cache_after("cors-check")
                return fail(chk.reason, value=chk.value, status=status, anchor="fetch#concept-cors-check")

        location = rh.get("Location") if status in REDIRECT_STATUSES else None
        if (location is not None and tainting == "cors" and req.redirect == "follow" and start_credentials
                and p.redirect_recheck_with_start_credentials):
            # WebKit's web process checks the redirect again with the credentials policy it fixed
            # when the load started (same-origin URL, credentials "same-origin": included)
            chk = cors_check(rh, serialized_origin, True, p)
            t.note("fetch#concept-cors-check", "redirect-recheck",
                   "passed" if chk.ok else "failed (credentials counted as included)", chk.ok, status=status,
                   origin=serialized_origin, allow_origin=rh.get("Access-Control-Allow-Origin"),
                   allow_credentials=rh.get("Access-Control-Allow-Credentials"))
            if not chk.ok:
                assert chk.reason is not None
                pending_failure = Failure(reason=chk.reason, url=current, value=chk.value, status=status,
                                          anchor="fetch#concept-cors-check")
        if location is not None:
            # --- HTTP-redirect fetch -------------------------------------------------------------
            if req.redirect == "error":
                t.note("fetch#concept-http-fetch", "redirect", "redirect mode is error", False, status=status,
                       location=location)
                return fail(Reason.REDIRECT_MODE_ERROR, value=location, status=status, anchor="fetch#concept-http-fetch")
            if req.redirect == "manual":
                t.note("fetch#concept-http-fetch", "redirect", "manual: opaque-redirect response", status=status,
                       location=location)
                return result("ok", PageResponse(type="opaqueredirect", status=0, status_text="", url=current,
                                                 redirected=after_redirect, headers=(), body=""), None)
            try:
                loc = _url.parse(location, current)
            except InvalidURL:
                t.note("fetch#concept-http-redirect-fetch", "redirect", "Location does not parse", False,
                       location=location)
                return fail(Reason.INVALID_REDIRECT_LOCATION, value=location, status=status,
                            anchor="fetch#concept-http-redirect-fetch")
            if loc.scheme not in ("http", "https"):
                t.note("fetch#concept-http-redirect-fetch", "redirect", "Location is not HTTP(S)", False,
                       location=loc.href)
                return fail(Reason.REDIRECT_NON_HTTP_SCHEME, value=loc.href, status=status,
                            anchor="fetch#concept-http-redirect-fetch")
            if len(url_list) - 1 >= MAX_REDIRECTS:
                t.note("fetch#concept-http-redirect-fetch", "redirect", "more than 20 redirects", False)
                return fail(Reason.TOO_MANY_REDIRECTS, value=loc.href, status=status,
                            anchor="fetch#concept-http-redirect-fetch")
            if body is not None and body.kind == "stream" and status != 303:
                t.note("fetch#concept-http-redirect-fetch", "redirect", "a streamed body cannot be sent again", False,
                       status=status, location=loc.href)
                return fail(Reason.REDIRECT_WITH_STREAM_BODY, value=loc.href, status=status,
                            anchor="fetch#concept-http-redirect-fetch")
            loc_href = loc.href.split("#", 1)[0]
            loc_origin = origin_of(loc_href)
            if loc.has_credentials and (
                (req.mode == "cors" and not same_origin(req.origin, loc_origin)) or tainting == "cors"
            ):
                t.note("fetch#concept-http-redirect-fetch", "redirect", "Location carries credentials", False,
                       location=loc.href)
                return fail(Reason.REDIRECT_CONTAINS_CREDENTIALS, value=loc.href, status=status,
                            anchor="fetch#concept-http-redirect-fetch")
            hop_cross_origin = not same_origin(cur_origin, loc_origin)
            rewritten = _rewrites_to_get(status, method)
            if (not rewritten and p.delete_to_get_on_cross_origin_redirect and method == "DELETE"
                    and hop_cross_origin):
                # WebKit's HTTP back-end sends a DELETE redirected to another scheme/host/port as a
                # GET without body, whatever the status; the network process then puts the first
                # request's headers back, so the body headers stay
                method = "GET"
                body = None
                t.note("fetch#concept-http-redirect-fetch", "redirect",
                       "DELETE sent again as GET (redirect to another origin)", engine=p.name)
            if rewritten:
                method = "GET"
                body = None
                for n in _BODY_HEADERS:
                    headers = headers.delete(n)
                    entries = entries.delete(n)
            elif rewritten_before and p.body_headers_after_rewrite != "never":
                back = _body_headers_back(p, req, status, orig_method,
                                          [*url_list, loc_href])
                if back is not None:
                    headers, entries = _restore_body_headers(req, headers, entries, back)
                    t.note("fetch#concept-http-redirect-fetch", "redirect",
                           f"{','.join(back)} sent again after the method rewrite" if back
                           else "body headers left out (this status would rewrite the original method)",
                           engine=p.name)
            if not same_origin(req.origin, loc_origin) and p.client_hints_dropped_on_cross_origin_redirect:
                for n in _CLIENT_HINTS:
                    if headers.contains(n):
                        headers = headers.delete(n)
                        entries = entries.delete(n)
                        t.note("fetch#concept-http-redirect-fetch", "redirect", f"{n} removed (client hint, other origin)")
            if hop_cross_origin and req.mode == "no-cors":
                no_cors_crossed = True
            if hop_cross_origin and headers.contains("Authorization"):
                headers = headers.delete("Authorization")
                entries = entries.delete("Authorization")
                t.note("fetch#concept-http-redirect-fetch", "redirect", "Authorization removed (cross-origin hop)")
            if not p.preflight_headers_before_redirect_removals:
                class_headers, class_entries = headers, entries
                if p.preflight_body_headers_only_dropped_on_rewrite_hop and rewritten_before and not rewritten:
                    class_headers, class_entries = _restore_body_headers(
                        req, headers, entries, _start_body_header_names(req, p))
            rewritten_before = rewritten_before or rewritten
            last_hop_cross_origin = hop_cross_origin
            url_list.append(loc_href)
            if rewritten and p.sec_fetch_site_reset_on_preflight_restart:
                chain_start = len(url_list) - 1
            t.note("fetch#concept-http-redirect-fetch", "redirect", f"follow {status} to {loc_href}", status=status,
                   location=loc_href, method=method, method_rewritten=rewritten,
                   taint=redirect_taint(req.origin, url_list))
            continue

        # --- the response the page sees ---------------------------------------------------------
        rtype = {"basic": "basic", "cors": "cors", "opaque": "opaque"}[tainting]
        if rtype == "opaque":
            t.note("fetch#concept-filtered-response-opaque", "response", "opaque: status 0, no headers, no body")
            return result("ok", PageResponse(type="opaque", status=0, status_text="", url="", redirected=False,
                                             headers=(), body=""), None)
        filtered = filter_headers(rh, rtype, cred, p)
        readable = readable_headers(filtered)
        hidden = sorted({n.lower() for n, _ in rh} - {n for n, _ in readable})
        t.note("fetch#concept-filtered-response", "response", f"{rtype} response, status {status}",
               readable=",".join(n for n, _ in readable), hidden=",".join(hidden),
               expose_headers=rh.get("Access-Control-Expose-Headers"))
        text = "" if method == "HEAD" or status in NULL_BODY_STATUSES else answer.body.decode("utf-8", "replace")
        return result("ok", PageResponse(type=rtype, status=status, status_text=answer.reason, url=current,
                                         redirected=after_redirect, headers=readable, body=text), None)
