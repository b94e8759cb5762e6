"""The header list a browser puts on the wire for a request or a preflight.

Covers `Origin` (fetch#append-a-request-origin-header, fetch#serializing-a-request-origin),
Fetch Metadata (fetch-metadata#sec-fetch-site-header and siblings), `Referer`
(referrer-policy#determine-requests-referrer, default strict-origin-when-cross-origin) and the
preflight's own headers (fetch#cors-preflight-fetch-0). The browser-added transport headers
(Host, Connection, User-Agent, Accept-Encoding, Accept-Language) follow the profile.
Header order follows what each engine was seen to send; only values are compared with engines.
"""

from __future__ import annotations

import re

from corssim import url as _url
from corssim.http import Headers
from corssim.origin import Origin, is_potentially_trustworthy, origin_of, same_origin, same_site
from corssim.profiles import Profile

__all__ = ["actual_request_headers", "preflight_request_headers", "referrer_for", "sec_fetch_site"]


def sec_fetch_site(request_origin: Origin, url_list: list[str]) -> str:
    """fetch-metadata#sec-fetch-site-header: same-origin if every URL so far is same-origin with
    the request's origin, same-site if every one is same-site, else cross-site."""
    site = "same-origin"
    for u in url_list:
        o = origin_of(u)
        if same_origin(request_origin, o):
            continue
        if same_site(request_origin, o):
            site = "same-site"
            continue
        return "cross-site"
    return site


def referrer_for(page_url: str, page_origin: Origin, target: str, policy: str) -> str | None:
    """referrer-policy#determine-requests-referrer for the policies a page can pick."""
    if policy == "no-referrer":
        return None
    full = page_url.split("#", 1)[0]
    origin_only = page_origin.serialize() + "/"
    if page_origin.opaque:
        return None
    target_origin = origin_of(target)
    same = same_origin(page_origin, target_origin)
    downgrade = _url.parse(page_url).scheme == "https" and not is_potentially_trustworthy(target)
    if policy == "unsafe-url":
        return full
    if policy == "origin":
        return origin_only
    if policy == "same-origin":
        return full if same else None
    if policy == "origin-when-cross-origin":
        return full if same else origin_only
    if policy == "strict-origin":
        return None if downgrade else origin_only
    if policy == "no-referrer-when-downgrade":
        return None if downgrade else full
    # strict-origin-when-cross-origin (the default)
    if same:
        return full
    return None if downgrade else origin_only


def _sec_fetch(mode: str, site: str, trustworthy: bool, omit: bool) -> list[tuple[str, str]]:
    if not trustworthy or omit:
        return []
    return [("Sec-Fetch-Site", site), ("Sec-Fetch-Mode", mode), ("Sec-Fetch-Dest", "empty")]


def _on_wire(value: str, profile: Profile) -> str:
    """WebKit sends non-ASCII header values as UTF-8; the others send the bytes as given."""
    if profile.utf8_header_values_on_wire and any(ord(c) > 0x7F for c in value):
        return value.encode("utf-8").decode("latin-1")
    return value


def actual_request_headers(
    *,
    profile: Profile,
    api: str,
    url: str,
    author_headers: Headers,
    origin_header: str | None,
    mode: str,
    site: str,
    referrer: str | None,
    body_length: int | None,
    omit_sec_fetch: bool = False,
    rewrite_range: bool = False,
) -> Headers:
    """The header list of the request itself, browser-added headers included."""
    trustworthy = is_potentially_trustworthy(url)
    out: list[tuple[str, str]] = [("Host", _url.host_header(url)), ("Connection", "keep-alive")]
    if body_length is not None:
        out.append(("Content-Length", str(body_length)))
    if not author_headers.contains("User-Agent"):
        out.append(("User-Agent", profile.user_agent))
    if not author_headers.contains("Accept"):
        out.append(("Accept", "*/*"))
    moved: list[tuple[str, str]] = []
    for n, v in author_headers:
        if rewrite_range and n.lower() == "range":
            canon = _chromium_single_byte_range(v)
            if canon is not None:
                moved.append(("Range", canon))
                continue
        # an HTTP/1.1 field value has no leading or trailing whitespace (a combined "a, " goes out as "a,")
        out.append((n, _on_wire(v.strip(" \t"), profile)))
    if not author_headers.contains("Accept-Language"):
        out.append(("Accept-Language", profile.accept_language))
    if origin_header is not None:
        out.append(("Origin", origin_header))
    out.extend(_sec_fetch(mode, site, trustworthy, omit_sec_fetch))
    if referrer is not None:
        out.append(("Referer", referrer))
    out.append(("Accept-Encoding", profile.accept_encoding))
    if profile.priority_header is not None and api == "fetch":
        out.append(("Priority", profile.priority_header))
    out.extend(moved)
    return Headers(tuple(out))


_CR_RANGE = re.compile(r"^[ \t]*bytes[ \t]*=[ \t]*(\d*)[ \t]*-[ \t]*(\d*)[ \t]*$", re.IGNORECASE)


def _chromium_single_byte_range(value: str) -> str | None:
    """Chromium net::HttpUtil::ParseRangeHeader + PartialData::Init: exactly one valid byte range,
    written back by HttpByteRange::GetHeaderValue (`bytes=F-L`, `bytes=F-`, `bytes=-N`)."""
    m = _CR_RANGE.match(value)
    if m is None:
        return None
    first, last = m.group(1), m.group(2)
    if first and last:
        return f"bytes={int(first)}-{int(last)}" if int(first) <= int(last) else None
    if first:
        return f"bytes={int(first)}-"
    if last:
        return f"bytes=-{int(last)}" if int(last) > 0 else None
    return None


def preflight_request_headers(
    *,
    profile: Profile,
    url: str,
    method: str,
    unsafe_names: list[str],
    origin_header: str,
    site: str,
    referrer: str | None,
    user_agent: str | None = None,
) -> Headers:
    """fetch#cors-preflight-fetch-0: OPTIONS with Accept */*, Access-Control-Request-Method,
    Access-Control-Request-Headers (names joined by "," without spaces), Origin; no credentials."""
    trustworthy = is_potentially_trustworthy(url)
    out: list[tuple[str, str]] = [
        ("Host", _url.host_header(url)),
        ("Connection", "keep-alive"),
        ("Accept", "*/*"),
        ("Access-Control-Request-Method", method),
    ]
    if unsafe_names:
        out.append(("Access-Control-Request-Headers", ",".join(unsafe_names)))
    out.append(("Origin", origin_header))
    out.append(("User-Agent", user_agent if user_agent is not None else profile.user_agent))
    out.extend(_sec_fetch("cors", site, trustworthy, False))
    if referrer is not None:
        out.append(("Referer", referrer))
    out.append(("Accept-Encoding", profile.accept_encoding))
    out.append(("Accept-Language", profile.accept_language))
    if profile.priority_header is not None:
        out.append(("Priority", profile.priority_header))
    return Headers(tuple(out))
