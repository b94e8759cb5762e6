"""The CORS check and what a page may read of a response (fetch#concept-cors-check,
fetch#concept-filtered-response-cors, fetch#cors-safelisted-response-header-name).

The check itself is the standard's pass/fail; when it fails, `cors_check` also says the most
specific reason (missing / several values / not an origin / mismatch / `*` with credentials /
credentials flag), as Chromium's diagnostics do.
"""

from __future__ import annotations

import attrs

from corssim import headers as H
from corssim.http import Headers
from corssim.profiles import Profile
from corssim.result import Reason

__all__ = ["CheckResult", "cors_check", "exposed_header_names", "filter_headers", "readable_headers"]


@attrs.frozen
class CheckResult:
    ok: bool
    reason: Reason | None = None
    value: str | None = None


_OK = CheckResult(True)


def _looks_like_origin(value: str) -> bool:
    if value == "null":
        return True
    from corssim import url as _url
    from corssim.errors import InvalidURL

    try:
        u = _url.parse(value)
    except InvalidURL:
        return False
    if u.scheme not in ("http", "https", "ws", "wss", "ftp", "file"):
        return False
    return value == f"{u.scheme}://{u.host}" or value.lower() == f"{u.scheme}://{u.host}"


def cors_check(
    response_headers: Headers, serialized_origin: str, credentials_include: bool, profile: Profile
) -> CheckResult:
    """fetch#concept-cors-check: may the response be shared with the request's origin?"""
    # Step 1: the combined Access-Control-Allow-Origin value (repeats joined with ", ").
    origin = response_headers.get("Access-Control-Allow-Origin")
    # Step 2: no header at all is a failure.
    if origin is None:
        return CheckResult(False, Reason.MISSING_ALLOW_ORIGIN, None)
    if profile.multiple_acao_lines_error and response_headers.count("Access-Control-Allow-Origin") > 1:
        return CheckResult(False, Reason.MULTIPLE_ALLOW_ORIGIN, origin)
    # Step 3: `*` shares with everyone when credentials are not included.
    if not credentials_include and origin == "*":
        return _OK
    # Step 4: otherwise the value must be the request origin's serialization, byte for byte.
    if origin != serialized_origin:
        if origin == "*":
            return CheckResult(False, Reason.WILDCARD_ORIGIN_WITH_CREDENTIALS, origin)
        if "," in origin:
            return CheckResult(False, Reason.MULTIPLE_ALLOW_ORIGIN, origin)
        if not _looks_like_origin(origin):
            return CheckResult(False, Reason.INVALID_ALLOW_ORIGIN, origin)
        return CheckResult(False, Reason.ALLOW_ORIGIN_MISMATCH, origin)
    # Step 5: without credentials that is enough.
    if not credentials_include:
        return _OK
    # Steps 6-8: with credentials, Access-Control-Allow-Credentials must be exactly `true`.
    acac = response_headers.get("Access-Control-Allow-Credentials")
    if acac != "true":
        return CheckResult(False, Reason.INVALID_ALLOW_CREDENTIALS, acac if acac is not None else "")
    return _OK


def exposed_header_names(response_headers: Headers, credentials_include: bool, profile: Profile) -> tuple[bool, list[str]]:
    """fetch#concept-main-fetch (the CORS-exposed header-name list): parse
    Access-Control-Expose-Headers; returns (expose_all, names). A malformed list exposes nothing."""
    lines = response_headers.get_all("Access-Control-Expose-Headers")
    if not lines:
        return False, []
    if profile.aceh_empty_element_fails and any(
        not part.strip(H.HTTP_TAB_OR_SPACE) for line in lines for part in line.split(",")
    ):
        return False, []
    names = H.extract_header_list_values(lines)
    if not isinstance(names, list):
        return False, []
    if not credentials_include and "*" in names:
        return True, names
    return False, names


def filter_headers(response_headers: Headers, response_type: str, credentials_include: bool, profile: Profile) -> Headers:
    """The header list of a basic / cors / opaque filtered response (fetch#concept-filtered-response)."""
    if response_type in ("opaque", "opaqueredirect"):
        return Headers()
    if response_type == "basic":
        return Headers(tuple((n, v) for n, v in response_headers if not H.is_forbidden_response_header_name(n)))
    expose_all, names = exposed_header_names(response_headers, credentials_include, profile)
    if expose_all:
        return Headers(tuple((n, v) for n, v in response_headers if not H.is_forbidden_response_header_name(n)))
    return Headers(
        tuple((n, v) for n, v in response_headers if H.is_cors_safelisted_response_header_name(n, names))
    )


def readable_headers(filtered: Headers) -> tuple[tuple[str, str], ...]:
    """fetch#concept-header-list-sort-and-combine: what iterating `response.headers` yields:
    lower-cased names, sorted, repeated values combined with ", " (set-cookie never appears here)."""
    combined: dict[str, str] = {}
    for name, value in filtered:
        low = name.lower()
        combined[low] = value if low not in combined else f"{combined[low]}, {value}"
    return tuple(sorted(combined.items()))
