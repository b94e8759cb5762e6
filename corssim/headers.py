"""Header names and values as the Fetch standard classifies them (fetch#terminology-headers).

Rule 1: nothing here compares a header name case-sensitively.
Rule 2: values are isomorphic strings (one character per byte); a character above U+00FF cannot
occur in a valid value.
Engine differences are switched by fields of `corssim.profiles.Profile`, never by engine name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Union

import attrs

if TYPE_CHECKING:
    from corssim.profiles import Profile

__all__ = [
    "FAILURE",
    "Failure",
    "cors_unsafe_request_header_names",
    "extract_header_list_values",
    "get_decode_split",
    "is_cors_safelisted_method",
    "is_cors_safelisted_request_header",
    "is_cors_safelisted_response_header_name",
    "is_cors_unsafe_request_header_byte",
    "is_forbidden_method",
    "is_forbidden_request_header",
    "is_forbidden_response_header_name",
    "is_header_name",
    "is_header_value",
    "is_method",
    "is_no_cors_safelisted_request_header_name",
    "is_token",
    "normalize_header_value",
    "normalize_method",
    "parse_mime_type",
    "parse_single_range_header_value",
    "MimeType",
]

_TOKEN_RE = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
HTTP_WHITESPACE = "\t\n\r "
HTTP_TAB_OR_SPACE = "\t "


class Failure:
    """The distinguished 'failure' value some Fetch algorithms return."""

    _instance: "Failure | None" = None

    def __new__(cls) -> "Failure":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "FAILURE"

    def __bool__(self) -> bool:
        return False


FAILURE = Failure()


def is_token(value: str) -> bool:
    """RFC 9110 token: one or more tchar."""
    return bool(_TOKEN_RE.match(value))


def is_method(value: str) -> bool:
    """fetch#concept-method: a byte sequence matching the token production."""
    return is_token(value)


def is_header_name(name: str) -> bool:
    """fetch#header-name: the field-name token production."""
    return is_token(name)


_BAD_VALUE_RE = re.compile("[\x00\r\n]|[^\x00-\xff]")


def is_header_value(value: str) -> bool:
    """fetch#header-value: no leading/trailing HTTP tab or space, no NUL, CR or LF, bytes only."""
    if value and (value[0] in HTTP_TAB_OR_SPACE or value[-1] in HTTP_TAB_OR_SPACE):
        return False
    return _BAD_VALUE_RE.search(value) is None


def normalize_header_value(value: str) -> str:
    """fetch#concept-header-value-normalize: strip leading and trailing HTTP whitespace bytes."""
    return value.strip(HTTP_WHITESPACE)


_NORMALIZED_METHODS = {m.lower(): m for m in ("DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT")}


def normalize_method(method: str) -> str:
    """fetch#concept-method-normalize: only DELETE/GET/HEAD/OPTIONS/POST/PUT are upper-cased."""
    return _NORMALIZED_METHODS.get(method.lower(), method)


def is_cors_safelisted_method(method: str) -> bool:
    """fetch#cors-safelisted-method: exactly GET, HEAD or POST (byte comparison)."""
    return method in ("GET", "HEAD", "POST")


def is_forbidden_method(method: str) -> bool:
    """fetch#forbidden-method: CONNECT, TRACE or TRACK, ignoring case."""
    return method.upper() in ("CONNECT", "TRACE", "TRACK")


_FORBIDDEN_REQUEST_HEADER_NAMES = frozenset(
    n.lower()
    for n in (
        "Accept-Charset", "Accept-Encoding", "Access-Control-Request-Headers",
        "Access-Control-Request-Method", "Connection", "Content-Length", "Cookie", "Cookie2",
        "Date", "DNT", "Expect", "Host", "Keep-Alive", "Origin", "Referer", "Set-Cookie", "TE",
        "Trailer", "Transfer-Encoding", "Upgrade", "Via",
    )
)
_METHOD_OVERRIDE_NAMES = frozenset({"x-http-method", "x-http-method-override", "x-method-override"})


def get_decode_split(value: str) -> list[str]:
    """fetch#header-value-get-decode-and-split: split on commas outside quoted strings,
    trimming HTTP tab/space around each piece."""
    values: list[str] = []
    temp = ""
    i = 0
    n = len(value)
    while True:
        while i < n and value[i] not in '",':
            temp += value[i]
            i += 1
        if i < n and value[i] == '"':
            # a quoted string is kept verbatim, quotes included
            j = i + 1
            while j < n:
                if value[j] == "\\" and j + 1 < n:
                    j += 2
                    continue
                if value[j] == '"':
                    j += 1
                    break
                j += 1
            temp += value[i:j]
            i = j
            if i < n:
                continue
        values.append(temp.strip(HTTP_TAB_OR_SPACE))
        temp = ""
        if i >= n:
            return values
        i += 1  # skip the comma


def is_forbidden_request_header(name: str, value: str, profile: "Profile | None" = None) -> bool:
    """fetch#forbidden-request-header (plus a profile's extra names, e.g. Chromium's User-Agent)."""
    low = name.lower()
    if low in _FORBIDDEN_REQUEST_HEADER_NAMES:
        return True
    if low.startswith("proxy-") or low.startswith("sec-"):
        return True
    if low in _METHOD_OVERRIDE_NAMES:
        return any(is_forbidden_method(m) for m in get_decode_split(value))
    if profile is not None and low in profile.extra_forbidden_request_headers:
        return True
    return False


def is_forbidden_response_header_name(name: str) -> bool:
    """fetch#forbidden-response-header-name: Set-Cookie and Set-Cookie2."""
    return name.lower() in ("set-cookie", "set-cookie2")


def is_no_cors_safelisted_request_header_name(name: str) -> bool:
    """fetch#no-cors-safelisted-request-header-name."""
    return name.lower() in ("accept", "accept-language", "content-language", "content-type")


_SAFELISTED_RESPONSE = frozenset(
    {"cache-control", "content-language", "content-length", "content-type", "expires", "last-modified", "pragma"}
)


def is_cors_safelisted_response_header_name(name: str, exposed: Iterable[str]) -> bool:
    """fetch#cors-safelisted-response-header-name: the fixed seven, or an exposed name that is
    not a forbidden response-header name."""
    low = name.lower()
    if low in _SAFELISTED_RESPONSE:
        return True
    if is_forbidden_response_header_name(low):
        return False
    return any(low == e.lower() for e in exposed)


_UNSAFE_BYTES = frozenset('"():<>?@[\\]{}\x7f')


def is_cors_unsafe_request_header_byte(c: str) -> bool:
    """fetch#cors-unsafe-request-header-byte: control bytes except HT, DEL, and "():<>?@[\\]{}."""
    return (ord(c) < 0x20 and c != "\t") or c in _UNSAFE_BYTES


_UNSAFE_BYTE_RE = re.compile('[\x00-\x08\x0a-\x1f"():<>?@\\[\\\\\\]{}\x7f]')


def _has_unsafe_byte(value: str) -> bool:
    return _UNSAFE_BYTE_RE.search(value) is not None


_LANGUAGE_OK = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz *,-.;=")


@attrs.frozen
class MimeType:
    type: str
    subtype: str
    parameters: tuple[tuple[str, str], ...] = ()

    @property
    def essence(self) -> str:
        return f"{self.type}/{self.subtype}"


_QS_TOKEN_OK = re.compile(r"^[\t\x20-\x7e\x80-\xff]*$")


def _collect_quoted(s: str, i: int) -> tuple[str, int]:
    """fetch#collect-an-http-quoted-string with extract-value: returns (value, new position)."""
    value = ""
    i += 1  # opening quote
    while True:
        j = i
        while j < len(s) and s[j] not in '"\\':
            j += 1
        value += s[i:j]
        i = j
        if i >= len(s):
            break
        quote_or_backslash = s[i]
        i += 1
        if quote_or_backslash == "\\":
            if i >= len(s):
                value += "\\"
                break
            value += s[i]
            i += 1
        else:
            break
    return value, i


def parse_mime_type(value: str) -> MimeType | None:
    """mimesniff#parse-a-mime-type (the strict parser used by the Content-Type safelist)."""
    s = value.strip(HTTP_WHITESPACE)
    slash = s.find("/")
    if slash <= 0:
        return None
    mtype = s[:slash]
    if not is_token(mtype):
        return None
    i = slash + 1
    semi = s.find(";", i)
    end = len(s) if semi < 0 else semi
    subtype = s[i:end].rstrip(HTTP_WHITESPACE)
    if not subtype or not is_token(subtype):
        return None
    params: dict[str, str] = {}
    i = end
    while i < len(s):
        i += 1  # skip ';'
        while i < len(s) and s[i] in HTTP_WHITESPACE:
            i += 1
        j = i
        while j < len(s) and s[j] not in ";=":
            j += 1
        name = s[i:j].lower()
        i = j
        if i < len(s) and s[i] == ";":
            continue
        if i >= len(s):
            break
        i += 1  # skip '='
        if i < len(s) and s[i] == '"':
            pvalue, i = _collect_quoted(s, i)
            while i < len(s) and s[i] != ";":
                i += 1
        else:
            j = i
            while j < len(s) and s[j] != ";":
                j += 1
            pvalue = s[i:j].rstrip(HTTP_WHITESPACE)
            i = j
            if not pvalue:
                continue
        if name and is_token(name) and _QS_TOKEN_OK.match(pvalue) and name not in params:
            params[name] = pvalue
    return MimeType(mtype.lower(), subtype.lower(), tuple(params.items()))


def parse_single_range_header_value(value: str, allow_whitespace: bool = False) -> tuple[int | None, int | None] | None:
    """fetch#simple-range-header-value: `bytes=start-end` with one range; None on failure."""
    if not value.startswith("bytes"):
        return None
    i = 5
    ws = HTTP_TAB_OR_SPACE

    def skip(k: int) -> int:
        if allow_whitespace:
            while k < len(value) and value[k] in ws:
                k += 1
        return k

    i = skip(i)
    if i >= len(value) or value[i] != "=":
        return None
    i = skip(i + 1)
    j = i
    while j < len(value) and value[j].isascii() and value[j].isdigit():
        j += 1
    start = int(value[i:j]) if j > i else None
    i = skip(j)
    if i >= len(value) or value[i] != "-":
        return None
    i = skip(i + 1)
    j = i
    while j < len(value) and value[j].isascii() and value[j].isdigit():
        j += 1
    end = int(value[i:j]) if j > i else None
    if j < len(value):
        return None
    if start is None and end is None:
        return None
    if start is not None and end is not None and start > end:
        return None
    return (start, end)


_DOUBLE_RE = re.compile(r"^[0-9]+(\.[0-9]+)?$")
_DIGITS_RE = re.compile(r"^[0-9]+$")
_ECT = frozenset({"slow-2g", "2g", "3g", "4g"})


def _chromium_extra_safelisted(low: str, value: str) -> bool | None:
    """Chromium's non-spec safelisted names (cors.cc IsCorsSafelistedHeader); None if not one."""
    if low == "intervention":
        return True
    if low in ("device-memory", "dpr", "downlink"):
        return bool(_DOUBLE_RE.match(value))
    if low in ("width", "viewport-width", "rtt"):
        return bool(_DIGITS_RE.match(value))
    if low == "ect":
        return value in _ECT
    if low == "save-data":
        return value.lower() == "on"
    return None


def is_cors_safelisted_request_header(name: str, value: str, profile: "Profile | None" = None) -> bool:
    """fetch#cors-safelisted-request-header (value rules included), with profile deviations."""
    if len(value) > 128:
        return False
    low = name.lower()
    non_ascii_unsafe = profile is not None and profile.non_ascii_unsafe_in_safelisted
    if low == "accept":
        if _has_unsafe_byte(value):
            return False
        if non_ascii_unsafe and any(ord(c) > 0x7F for c in value):
            return False
        return True
    if low in ("accept-language", "content-language"):
        return all(c in _LANGUAGE_OK for c in value)
    if low == "content-type":
        if _has_unsafe_byte(value):
            return False
        if non_ascii_unsafe and any(ord(c) > 0x7F for c in value):
            return False
        mime = parse_mime_type(value)
        if mime is None:
            return False
        return mime.essence in ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
    if low == "range":
        checked = value.lower() if profile is not None and profile.range_case_insensitive else value
        parsed = parse_single_range_header_value(checked, allow_whitespace=False)
        return parsed is not None and parsed[0] is not None
    if profile is not None and profile.extra_safelisted_request_headers:
        extra = _chromium_extra_safelisted(low, value)
        if extra is not None:
            return extra
    return False


def cors_unsafe_request_header_names(
    headers: Iterable[tuple[str, str]], profile: "Profile | None" = None
) -> list[str]:
    """fetch#cors-unsafe-request-header-names: lowercased, deduplicated, byte-sorted names of the
    headers that are not safelisted; past 1024 bytes of safelisted values, those count too.
    Forbidden (browser-set) headers never count."""
    unsafe: list[str] = []
    potentially: list[str] = []
    size = 0
    for name, value in headers:
        if is_forbidden_request_header(name, value, profile):
            continue
        if not is_cors_safelisted_request_header(name, value, profile):
            unsafe.append(name)
        else:
            potentially.append(name)
            size += len(value)
    limit = 1024 if profile is None else profile.safelist_total_limit
    if limit is not None and size > limit:
        unsafe.extend(potentially)
    if profile is not None and not profile.acrh_deduplicated:
        return sorted(n.lower() for n in unsafe)
    return sorted({n.lower() for n in unsafe})


def extract_header_list_values(
    values: list[str] | None, *, single: bool = False
) -> Union[list[str], None, Failure]:
    """fetch#extract-header-list-values for the `#field-name` / `#method` lists of CORS headers.

    `values` are the raw field values of every header line with that name (None or [] when
    absent). Empty list elements are skipped (RFC 9110 #rule); any element that is not a token is
    a failure; `single` (a 1#-less ABNF such as delta-seconds) fails on more than one line.
    """
    if not values:
        return None
    if single and len(values) > 1:
        return FAILURE
    out: list[str] = []
    for line in values:
        for item in line.split(","):
            item = item.strip(HTTP_TAB_OR_SPACE)
            if not item:
                continue
            if not is_token(item):
                return FAILURE
            out.append(item)
    return out
