"""CORS-preflight fetch: validating the response and reading its max-age
(fetch#cors-preflight-fetch-0, fetch#http-access-control-max-age).

Building the OPTIONS request itself lives in `corssim.wire` (it shares the header layout of
every other request the browser sends).
"""

from __future__ import annotations

import re

import attrs

from corssim import headers as H
from corssim.check import cors_check
from corssim.http import Headers
from corssim.profiles import Profile
from corssim.result import Reason

__all__ = ["PreflightValidation", "parse_max_age", "validate_preflight_response"]


@attrs.frozen(kw_only=True)
class PreflightValidation:
    ok: bool
    reason: Reason | None = None
    value: str | None = None
    step: str = ""
    methods: tuple[str, ...] = ()
    header_names: tuple[str, ...] = ()
    #: parsed before method/header validation (WebKit caches at that point)
    parsed: bool = False


_SIGNED_INT = re.compile(r"^[+-]?[0-9]+$")


def parse_max_age(values: list[str], profile: Profile) -> int | None:
    """fetch#http-access-control-max-age and each engine's reading of it.

    Returns the seconds to cache for (already capped), or None for "do not cache".
    """
    default = profile.default_max_age
    cap = profile.max_age_cap
    parser = profile.max_age_parser

    def capped(v: int) -> int:
        return v if cap is None else min(v, cap)

    if parser == "firefox":
        # nsCORSPreflightListener::AddResultToCache: empty -> default; digits only, else no cache
        joined = ", ".join(values)
        if not joined:
            return default
        if not joined.isascii() or not joined.isdigit():
            return None
        age = capped(int(joined))
        return age or None
    if parser == "chromium":
        # preflight_result.cc: StringToInt64 of the combined value; unparsable -> default,
        # negative -> 0, at least the cap -> cap
        if not values:
            return default
        joined = ", ".join(values)
        if not re.fullmatch(r"-?[0-9]+", joined):
            return default
        v = int(joined)
        if v < 0:
            return None
        return capped(v) or None
    if parser == "webkit":
        # CrossOriginPreflightResultCache.cpp: parseInteger<int64_t>; invalid -> default,
        # negative -> an already expired entry
        if not values:
            return default
        joined = ", ".join(values).strip(" \t")
        if not _SIGNED_INT.match(joined):
            return default
        v = int(joined)
        if v <= 0:
            return None
        return capped(v)
    # spec: extract header list values with the delta-seconds ABNF; failure or null -> 5
    if not values or len(values) != 1:
        return default
    raw = values[0].strip(" \t")
    if not raw.isascii() or not raw.isdigit():
        return default
    return capped(int(raw)) or None


def validate_preflight_response(
    *,
    status: int,
    headers: Headers,
    serialized_origin: str,
    credentials_include: bool,
    method: str,
    unsafe_names: list[str],
    request_header_order: list[str],
    use_cors_preflight: bool,
    profile: Profile,
    skip_cors_check: bool = False,
) -> PreflightValidation:
    """fetch#cors-preflight-fetch-0, steps after the response arrives."""
    ok_status = 200 <= status <= 299
    # WebKit checks the status first; the standard requires both (Chromium and Firefox report
    # the CORS check's failure first).
    if profile.preflight_status_checked_first and not ok_status:
        return PreflightValidation(ok=False, reason=Reason.PREFLIGHT_INVALID_STATUS, value=str(status), step="ok-status")
    check = cors_check(headers, serialized_origin, credentials_include, profile)
    if not check.ok and not skip_cors_check:
        return PreflightValidation(ok=False, reason=check.reason, value=check.value, step="cors-check")
    if not ok_status:
        if 300 <= status <= 399 and headers.contains("Location"):
            return PreflightValidation(ok=False, reason=Reason.PREFLIGHT_REDIRECT, value=headers.get("Location"), step="ok-status")
        return PreflightValidation(ok=False, reason=Reason.PREFLIGHT_INVALID_STATUS, value=str(status), step="ok-status")
    # Step: methods and header names from the response; a malformed list fails the preflight.
    methods = H.extract_header_list_values(headers.get_all("Access-Control-Allow-Methods"))
    if isinstance(methods, H.Failure):
        return PreflightValidation(ok=False, reason=Reason.INVALID_ALLOW_METHODS,
                                   value=headers.get("Access-Control-Allow-Methods"), step="extract-methods")
    names = H.extract_header_list_values(headers.get_all("Access-Control-Allow-Headers"))
    if isinstance(names, H.Failure):
        return PreflightValidation(ok=False, reason=Reason.INVALID_ALLOW_HEADERS,
                                   value=headers.get("Access-Control-Allow-Headers"), step="extract-headers")
    method_list = list(methods or [])
    name_list = list(names or [])
    if methods is None and use_cors_preflight:
        method_list = [method]
    parsed = PreflightValidation(ok=True, methods=tuple(method_list), header_names=tuple(name_list), parsed=True)
    # Step: the method must be listed (byte for byte), be safelisted, or be covered by `*`
    # when credentials are not included.
    if (
        method not in method_list
        and not H.is_cors_safelisted_method(method)
        and (credentials_include or "*" not in method_list)
    ):
        return attrs.evolve(parsed, ok=False, reason=Reason.METHOD_NOT_ALLOWED, value=method, step="method")
    lowered = {n.lower() for n in name_list}
    wildcard = "*" in name_list and not credentials_include
    # Step: Authorization is never covered by `*` in the standard (engines differ).
    if (
        "authorization" in unsafe_names
        and "authorization" not in lowered
        and not (wildcard and profile.wildcard_covers_authorization)
    ):
        return attrs.evolve(parsed, ok=False, reason=Reason.HEADER_NOT_ALLOWED, value="authorization", step="authorization")
    # Step: every CORS-unsafe name must be listed (case-insensitively) or covered by `*`.
    order = request_header_order if profile.report_first_disallowed_in_request_order else unsafe_names
    for name in order:
        if name in lowered:
            continue
        if wildcard and (name != "authorization" or profile.wildcard_covers_authorization):
            continue
        return attrs.evolve(parsed, ok=False, reason=Reason.HEADER_NOT_ALLOWED, value=name, step="headers")
    return parsed
