"""Requests as a page makes them: `fetch(url, init)` and `XMLHttpRequest` (fetch#dom-request,
xhr#the-open()-method, xhr#the-send()-method).

`build_request` validates what a script passed exactly as the constructor would: anything that
makes `fetch()` throw comes back as a `Rejection` (a TypeError in the page, nothing sent);
forbidden headers are dropped silently, as browsers do, and the drop is recorded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Union

import attrs

from corssim import headers as H
from corssim import url as _url
from corssim.errors import InvalidURL
from corssim.http import Headers
from corssim.origin import Origin
from corssim.profiles import Profile
from corssim.result import Reason

__all__ = ["Body", "Rejection", "Request", "build_request"]

MODES = ("cors", "no-cors", "same-origin")
CREDENTIALS = ("omit", "same-origin", "include")
REDIRECTS = ("follow", "error", "manual")
REFERRER_POLICIES = (
    "", "no-referrer", "no-referrer-when-downgrade", "same-origin", "origin", "strict-origin",
    "origin-when-cross-origin", "strict-origin-when-cross-origin", "unsafe-url",
)
BODY_KINDS = ("text", "bytes", "urlsearchparams", "formdata", "blob", "stream")


@attrs.frozen
class Body:
    """A request body of a given JavaScript kind (fetch#bodyinit).

    kind: text (a string), bytes (ArrayBuffer/TypedArray), urlsearchparams, formdata,
    blob (with `type`, possibly empty), stream (ReadableStream; needs duplex "half").
    """

    kind: str = attrs.field(validator=attrs.validators.in_(BODY_KINDS))
    data: bytes = b""
    type: str = ""

    def implied_content_type(self) -> str | None:
        """fetch#concept-bodyinit-extract: the Content-Type a body brings when none is set."""
        if self.kind == "text":
            return "text/plain;charset=UTF-8"
        if self.kind == "urlsearchparams":
            return "application/x-www-form-urlencoded;charset=UTF-8"
        if self.kind == "formdata":
            return "multipart/form-data; boundary=----corssimFormBoundary0123456789"
        if self.kind == "blob":
            return self.type or None
        return None


@attrs.frozen(kw_only=True)
class Request:
    """A validated request (fetch#concept-request), the parts CORS depends on."""

    api: str
    method: str
    url: str
    origin: Origin
    headers: Headers
    #: the headers as the script appended them, repeats not combined (what Firefox classifies)
    entries: Headers
    body: Body | None
    mode: str
    credentials: str
    redirect: str
    use_cors_preflight: bool
    referrer_policy: str
    dropped_headers: tuple[tuple[str, str, str], ...] = ()
    #: the Content-Type in `headers` is the one the body implied (fetch#concept-bodyinit-extract),
    #: not one the script set
    content_type_from_body: bool = False
    #: the fetch() cache mode (Chromium's HTTP cache leaves Range alone under no-store)
    cache: str = "default"

    @property
    def credentials_included(self) -> bool:
        """The request's credentials mode is "include" (the CORS check's condition)."""
        return self.credentials == "include"


@attrs.frozen(kw_only=True)
class Rejection:
    """What `fetch()`/`xhr.open()`/`send()` throw before anything is sent."""

    reason: Reason
    field: str
    value: str
    anchor: str


def _reject(reason: Reason, field: str, value: object, anchor: str) -> Rejection:
    return Rejection(reason=reason, field=field, value=str(value), anchor=anchor)


def _coerce_body(body: object) -> Union[Body, None, Rejection]:
    if body is None:
        return None
    if isinstance(body, Body):
        return body
    if isinstance(body, str):
        return Body("text", body.encode("utf-8"))
    if isinstance(body, (bytes, bytearray)):
        return Body("bytes", bytes(body))
    if isinstance(body, Mapping):
        kind = body.get("kind", body.get("type_of"))
        if kind not in BODY_KINDS:
            return _reject(Reason.INVALID_INIT, "body", body, "fetch#bodyinit")
        data = body.get("data", "")
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        ctype = body.get("type", "")
        return Body(str(kind), raw, str(ctype) if ctype else "")
    return _reject(Reason.INVALID_INIT, "body", body, "fetch#bodyinit")


def _header_pairs(raw: object) -> Union[list[tuple[str, str]], Rejection]:
    if raw is None:
        return []
    items: Sequence[Any]
    if isinstance(raw, Headers):
        return list(raw.pairs)
    if isinstance(raw, Mapping):
        items = list(raw.items())
    elif isinstance(raw, (list, tuple)):
        items = raw
    else:
        return _reject(Reason.INVALID_INIT, "headers", raw, "fetch#typedefdef-headersinit")
    out: list[tuple[str, str]] = []
    for item in items:
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            return _reject(Reason.INVALID_INIT, "headers", item, "fetch#concept-headers-fill")
        name, value = item
        out.append((str(name), str(value)))
    return out


def _fill_headers(
    pairs: list[tuple[str, str]], mode: str, profile: Profile
) -> Union[tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str, str]]], Rejection]:
    """fetch#concept-headers-fill with guard "request" or "request-no-cors": invalid names and
    values throw; forbidden headers are ignored; repeated names are combined with ", " (what the
    engines put on the wire); for no-cors only safelisted no-CORS headers survive."""
    kept: list[tuple[str, str]] = []
    entries: list[tuple[str, str]] = []
    dropped: list[tuple[str, str, str]] = []
    for name, value in pairs:
        value = H.normalize_header_value(value)
        if not H.is_header_name(name):
            return _reject(Reason.INVALID_HEADER_NAME, "headers", name, "fetch#header-name")
        if not H.is_header_value(value):
            return _reject(Reason.INVALID_HEADER_VALUE, f"headers[{name}]", value, "fetch#header-value")
        if H.is_forbidden_request_header(name, value, profile):
            dropped.append((name, value, "forbidden request-header (fetch#forbidden-request-header)"))
            continue
        low = name.lower()
        idx = next((i for i, (n, _) in enumerate(kept) if n.lower() == low), None)
        combined = value if idx is None else f"{kept[idx][1]}, {value}"
        if idx is not None and value == "" and profile.empty_append_clears_header:
            combined = ""
        elif idx is not None and kept[idx][1] == "" and profile.empty_append_clears_header:
            combined = value  # and a value appended to an empty one replaces it (seed-4 gen-4-638)
        if idx is not None and low in profile.singleton_headers_replaced:
            # (Firefox: the later User-Agent replaces the earlier one on the wire)
            combined = value
        if idx is not None and low == "content-type" and profile.content_type_last_wins:
            # Firefox's channel parses the combined value as a list of media types and keeps the
            # last one that parses
            combined = value if H.parse_mime_type(value) is not None else kept[idx][1]
        if mode == "no-cors":
            # fetch#concept-headers-append for guard "request-no-cors"
            if not H.is_no_cors_safelisted_request_header_name(name) or not H.is_cors_safelisted_request_header(
                name, combined, profile
            ):
                dropped.append((name, value, "not allowed in no-cors mode (fetch#concept-headers-append)"))
                continue
        entries.append((name, value))
        if idx is None:
            kept.append((name, value))
        else:
            kept[idx] = (kept[idx][0], combined)
    return kept, entries, dropped


def _xhr_charset(value: str, profile: Profile) -> str | None:
    """xhr#the-send()-method: a string body is sent as UTF-8, so a charset parameter that says
    otherwise is rewritten (the MIME type is then serialized again). None: leave as is."""
    mime = H.parse_mime_type(value)
    if mime is None:
        return None
    params = dict(mime.parameters)
    if "charset" not in params:
        return None
    if params["charset"].lower() == "utf-8" and not profile.xhr_charset_always_rewritten:
        return None
    params["charset"] = "UTF-8"
    return mime.essence + "".join(f";{k}={_mime_param(v)}" for k, v in params.items())


def _mime_param(value: str) -> str:
    """Serializing a MIME type parameter (mimesniff#parse-a-mime-type, inverse): quote a non-token."""
    if value and H.is_token(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def build_request(
    *,
    api: str,
    url: str,
    page_url: str,
    origin: Origin,
    profile: Profile,
    method: object = "GET",
    headers: object = None,
    body: object = None,
    mode: str = "cors",
    credentials: str = "same-origin",
    redirect: str = "follow",
    referrer_policy: str = "",
    cache: str = "default",
    duplex: str | None = None,
    upload_listeners: bool = False,
    with_credentials: bool = False,
) -> Union[Request, Rejection]:
    """fetch#dom-request (api "fetch") or xhr#the-open()-method + send() (api "xhr")."""
    try:
        parsed = _url.parse(url, page_url)
    except InvalidURL:
        return _reject(Reason.INVALID_URL, "url", url, "fetch#dom-request")
    if api == "fetch" and parsed.has_credentials:
        return _reject(Reason.URL_HAS_CREDENTIALS, "url", url, "fetch#dom-request")
    href = parsed.href.split("#", 1)[0]
    if not isinstance(method, str) or not H.is_method(method):
        return _reject(Reason.INVALID_METHOD, "method", method, "fetch#concept-method")
    if H.is_forbidden_method(method):
        return _reject(Reason.FORBIDDEN_METHOD, "method", method, "fetch#forbidden-method")
    method = H.normalize_method(method)
    if api == "xhr":
        mode, redirect = "cors", "follow"
        credentials = "include" if with_credentials else "same-origin"
    if mode == "navigate" or mode == "websocket":
        return _reject(Reason.INVALID_MODE, "mode", mode, "fetch#dom-request")
    if mode not in MODES:
        return _reject(Reason.INVALID_INIT, "mode", mode, "fetch#requestmode")
    if credentials not in CREDENTIALS:
        return _reject(Reason.INVALID_INIT, "credentials", credentials, "fetch#requestcredentials")
    if redirect not in REDIRECTS:
        return _reject(Reason.INVALID_INIT, "redirect", redirect, "fetch#requestredirect")
    if referrer_policy not in REFERRER_POLICIES:
        return _reject(Reason.INVALID_INIT, "referrerPolicy", referrer_policy, "referrer-policy#referrer-policy")
    if cache == "only-if-cached" and mode != "same-origin":
        return _reject(Reason.INVALID_INIT, "cache", cache, "fetch#dom-request")
    if mode == "no-cors" and not H.is_cors_safelisted_method(method):
        return _reject(Reason.NO_CORS_METHOD, "method", method, "fetch#dom-request")
    body_value = _coerce_body(body)
    if isinstance(body_value, Rejection):
        return body_value
    if body_value is not None and method in ("GET", "HEAD"):
        if api == "xhr":
            body_value = None  # xhr#the-send()-method: the body is ignored for GET/HEAD
        else:
            return _reject(Reason.BODY_WITH_GET_OR_HEAD, "body", method, "fetch#dom-request")
    use_preflight = bool(upload_listeners) and api == "xhr"
    if use_preflight and body_value is None and profile.upload_listeners_need_body:
        use_preflight = False
    if body_value is not None and body_value.kind == "stream" and profile.stream_uploads == "string":
        # an engine without streaming uploads turns the stream into a string, as for any object
        body_value = Body("text", b"[object ReadableStream]")
    if body_value is not None and body_value.kind == "stream" and profile.stream_uploads == "reject":
        return _reject(Reason.INVALID_INIT, "body", "ReadableStream uploads are not supported", "fetch#dom-request")
    if body_value is not None and body_value.kind == "stream":
        if api == "fetch" and duplex != "half":
            return _reject(Reason.INVALID_INIT, "duplex", duplex, "fetch#dom-request")
        if mode == "no-cors":
            return _reject(Reason.INVALID_INIT, "body", "ReadableStream in no-cors mode", "fetch#dom-request")
        use_preflight = True
    pairs = _header_pairs(headers)
    if isinstance(pairs, Rejection):
        return pairs
    filled = _fill_headers(pairs, mode, profile)
    if isinstance(filled, Rejection):
        return filled
    kept, entries, dropped = filled
    hl = Headers(tuple(kept))
    # xhr#the-setrequestheader()-method combines repeats into one entry as it goes
    he = hl if api == "xhr" else Headers(tuple(entries))
    if api == "xhr" and body_value is not None and body_value.kind == "text" and hl.contains("Content-Type"):
        rewritten = _xhr_charset(hl.get("Content-Type") or "", profile)
        if rewritten is not None:
            hl = hl.set("Content-Type", rewritten)
            he = he.set("Content-Type", rewritten)
    cts = he.get_all("Content-Type") if api == "fetch" else []
    if body_value is not None and len(cts) > 1 and profile.fetch_body_content_type_first_entry:
        hl = hl.set("Content-Type", cts[0])
    implied_type = False
    if body_value is not None and not hl.contains("Content-Type"):
        implied = body_value.implied_content_type()
        if implied is not None:
            hl = hl.append("Content-Type", implied)
            he = he.append("Content-Type", implied)
            implied_type = True
    return Request(
        api=api,
        method=method,
        url=href,
        origin=origin,
        headers=hl,
        entries=he,
        body=body_value,
        mode=mode,
        credentials=credentials,
        redirect=redirect,
        use_cors_preflight=use_preflight,
        referrer_policy=referrer_policy or "strict-origin-when-cross-origin",
        cache=cache,
        dropped_headers=tuple(dropped),
        content_type_from_body=implied_type,
    )
