"""Engine profiles as data: where each engine departs from the Fetch standard.

Every field names one behaviour; `spec_notes/engines.md` gives the evidence for each value.
The `spec` profile follows the standard as written (fetch.spec.whatwg.org).
"""

from __future__ import annotations

from typing import Literal

import attrs

from corssim.errors import InvalidProfile

__all__ = ["PROFILES", "Profile", "get_profile"]

MaxAgeParser = Literal["spec", "chromium", "firefox", "webkit"]
CacheModel = Literal["entries", "replace", "firefox"]


@attrs.frozen(kw_only=True)
class Profile:
    name: str
    #: human label used in output
    label: str
    # --- request headers -------------------------------------------------------------------
    #: names a script may not set, beyond the spec's list (Chromium: user-agent)
    extra_forbidden_request_headers: frozenset[str] = frozenset()
    #: Chromium safelists intervention, dpr, width, ... with value checks
    extra_safelisted_request_headers: bool = False
    #: Firefox treats bytes >= 0x80 in Accept/Content-Type values as unsafe (preflight)
    non_ascii_unsafe_in_safelisted: bool = False
    #: the Range unit may be written in any case (WebKit sends `BYTES=0-1` without a preflight;
    #: Chromium and Firefox preflight it, as the standard says)
    range_case_insensitive: bool = False
    #: script-set client-hint headers (DPR, Viewport-Width, ...) are dropped on a redirect to a URL
    #: of another origin than the page's (Chromium); the others keep them
    client_hints_dropped_on_cross_origin_redirect: bool = False
    #: a no-cors request that a redirect took to another origin carries `Origin: null` (Chromium's
    #: network stack nulls the Origin of any cross-origin redirect outside CORS)
    no_cors_origin_null_after_cross_origin_redirect: bool = False
    #: a script-set User-Agent is replaced by the browser's own on a hop after a redirect while
    #: every URL so far (the new one included) is same-origin with the page (WebKit: the soup
    #: redirect drops it; NetworkLoadChecker's CORS path puts the first request's headers back)
    user_agent_reset_on_same_origin_redirect: bool = False
    #: Chromium's HTTP cache rewrites a Range holding exactly one byte range on a GET (cache mode
    #: not no-store, no conditional header) as `bytes=F-L`, moved to the end of the header list
    range_rewritten_by_http_cache: bool = False
    #: preflight-cache use for a preflight sent with `Origin: null`: "shared" (the standard: keyed
    #: by the serialization "null"), "per_fetch" (WebKit: one opaque origin per fetch), "never"
    #: (Chromium: never reused, not even by the same fetch)
    null_origin_preflight_cache: Literal["shared", "per_fetch", "never"] = "shared"
    #: XHR with a string body rewrites the charset of the page's Content-Type to UTF-8 even when
    #: it already says utf-8 (Chromium); the standard only rewrites another charset
    xhr_charset_always_rewritten: bool = False
    #: past this many bytes of safelisted values, they all count as unsafe (None: no limit)
    safelist_total_limit: int | None = 1024
    #: classify each header the script appended on its own, before repeats are combined
    #: (Firefox: two Accept lines of 120 bytes each stay safelisted)
    safelist_per_entry: bool = False
    #: Access-Control-Request-Headers lists each name once (Firefox repeats a name set twice)
    acrh_deduplicated: bool = True
    #: what a ReadableStream request body does: "stream" (the standard), "string" (Firefox has no
    #: streaming uploads: the stream becomes a string), "reject" (WebKitGTK fails before sending),
    #: "fail-after-preflight" (Chromium streams only over HTTP/2: on HTTP/1.1 the preflight
    #: goes out, then the fetch fails)
    stream_uploads: str = "stream"
    #: combining with an empty value keeps only the later one (Firefox sends `Accept: ` for "{x}"
    #: then "", and `en/us` for "" then "en/us"), instead of "{x}, " and ", en/us"
    empty_append_clears_header: bool = False
    #: XHR upload listeners force a preflight only when there is a body (Chromium); the XHR
    #: standard sets the flag whenever listeners are registered
    upload_listeners_need_body: bool = False
    #: a Content-Type set twice goes out as one media type, the last that parses (Firefox), not combined
    content_type_last_wins: bool = False
    #: a fetch() with a body sends the *first* Content-Type the script appended (Firefox's
    #: FetchDriver hands the header list's first value to the upload stream)
    fetch_body_content_type_first_entry: bool = False
    #: lower-case names the script may set that go out once, the later value replacing the earlier
    #: instead of both joined (Firefox: User-Agent, observed; Authorization was seen joined)
    singleton_headers_replaced: frozenset[str] = frozenset()
    # --- preflight validation --------------------------------------------------------------
    #: `Access-Control-Allow-Headers: *` (no credentials) also covers Authorization
    wildcard_covers_authorization: bool = False
    #: WebKit checks the preflight status before the CORS check (only changes the reason)
    preflight_status_checked_first: bool = False
    #: the header named in a "not allowed" error is the first in request order, not sorted order
    report_first_disallowed_in_request_order: bool = False
    #: Firefox: more than one Access-Control-Allow-Origin line is its own error
    multiple_acao_lines_error: bool = False
    #: Chromium: an empty element in Access-Control-Expose-Headers voids the whole list
    aceh_empty_element_fails: bool = False
    # --- preflight cache -------------------------------------------------------------------
    max_age_parser: MaxAgeParser = "spec"
    default_max_age: int = 5
    #: the imposed limit on max-age, seconds (None: no limit)
    max_age_cap: int | None = None
    #: how entries are stored: per method/header entries (spec), one result per key replaced
    #: on each preflight (Chromium, WebKit), or Firefox's per-key token lists
    cache_model: CacheModel = "entries"
    #: a credentialed entry may serve a request without credentials
    credentialed_entry_serves_uncredentialed: bool = True
    #: a cached `*` header entry covers Authorization (Chromium's lookup never lets it)
    cached_wildcard_covers_authorization: bool = False
    #: a cached `*` is honoured at all (Firefox stores tokens literally)
    cached_wildcard_honoured: bool = True
    #: most entries kept (None: no limit)
    cache_size: int | None = None
    #: URLs at least this long are never cached (Chromium kMaxKeyLength)
    cache_max_url_length: int | None = None
    #: a cache entry that does not satisfy a request is dropped on lookup (Chromium, WebKit)
    cache_erase_unsatisfying: bool = False
    #: WebKit stores the preflight result before checking methods and headers
    cache_store_before_validation: bool = False
    #: a no-cors/same-origin non-GET request's Origin may be hidden by the referrer policy
    #: (the standard, Firefox); Chromium always sends the page's origin
    origin_follows_referrer_policy: bool = True
    # --- redirects -------------------------------------------------------------------------
    #: the need for a preflight is decided when the load starts and stays after a redirect that
    #: dropped the unsafe header or rewrote the method (Firefox keeps it in the load info)
    preflight_sticky_across_redirects: bool = False
    #: a preflight after a tainting redirect carries, and is checked against, the page's real
    #: origin (Firefox), and is not CORS-checked at all when it goes to the page's own origin
    preflight_origin_untainted: bool = False
    #: Sec-Fetch-Site of a preflight looks at its own URL only (Firefox: a new channel)
    preflight_sec_fetch_site_current_only: bool = False
    #: a redirect that needs a new preflight, or rewrites the method, restarts the request, so
    #: Sec-Fetch-Site looks at the new URL only from there on (Chromium's CorsURLLoader restart)
    sec_fetch_site_reset_on_preflight_restart: bool = False
    # --- wire ------------------------------------------------------------------------------
    #: no Sec-Fetch-* on a cors-mode request that a redirect took to another origin (WebKit;
    #: its preflights, same-origin hops and no-cors hops keep them)
    sec_fetch_omitted_after_cross_origin_cors_redirect: bool = False
    #: the request after a redirect keeps the previous hop's Origin header even where it would
    #: add none (WebKit copies the header list: a same-origin POST 302 -> GET still has Origin)
    origin_header_kept_on_redirect: bool = False
    #: a preflight after a redirect is computed from the headers the request started with, before
    #: redirects removed Authorization or the body headers (WebKit: ACRH still names them)
    preflight_headers_before_redirect_removals: bool = False
    #: the preflight carries the User-Agent the page set (WebKit), not the browser's own
    preflight_copies_user_agent: bool = False
    #: what becomes of the request-body headers (fetch#request-body-header-name) on the hops after
    #: a redirect rewrote the method to GET: "never" = they stay removed (the standard);
    #: "firefox" = each later hop gets the request's original ones back unless its redirect status
    #: would rewrite the *original* method (XHR: only those the script set); "webkit" = a later
    #: hop gets them all back once a cors-mode chain has left the page's origin, Content-Type alone
    #: after a 307/308, and once back they stay. The body itself never comes back.
    body_headers_after_rewrite: Literal["never", "firefox", "webkit"] = "never"
    #: the preflight of a hop after a method rewrite is decided with the original body headers
    #: again; only the hop whose redirect rewrote the method leaves them out (Firefox)
    preflight_body_headers_only_dropped_on_rewrite_hop: bool = False
    #: a redirect response of a cors-tainted load that started at the page's origin with
    #: credentials "same-origin" is CORS-checked again as if credentials were included; a failure
    #: ends the load just before the next hop's request (after its preflight, if it needs one)
    redirect_recheck_with_start_credentials: bool = False
    #: a DELETE redirected to another origin (scheme, host or port of the previous URL) goes on as
    #: a GET without body, whatever the redirect status, keeping its other headers (WebKitGTK's
    #: soup back-end)
    delete_to_get_on_cross_origin_redirect: bool = False
    #: WebKit sends non-ASCII header values as UTF-8 rather than single bytes
    utf8_header_values_on_wire: bool = False
    user_agent: str = "corssim"
    accept_language: str = "en-US,en;q=0.9"
    accept_encoding: str = "gzip, deflate, br, zstd"
    #: the Priority header fetch() requests and preflights carry (Firefox: u=4; none on XHR)
    priority_header: str | None = None
    #: the message `fetch()` rejects with on a network error
    network_error_message: str = "Failed to fetch"


PROFILES: dict[str, Profile] = {
    "spec": Profile(
        name="spec",
        label="Fetch Standard",
        safelist_per_entry=True,
        user_agent="Mozilla/5.0 (corssim spec profile)",
    ),
    "chromium": Profile(
        name="chromium",
        label="Chromium 156",
        extra_forbidden_request_headers=frozenset({"user-agent"}),
        extra_safelisted_request_headers=True,
        range_rewritten_by_http_cache=True,
        null_origin_preflight_cache="never",
        client_hints_dropped_on_cross_origin_redirect=True,
        no_cors_origin_null_after_cross_origin_redirect=True,
        xhr_charset_always_rewritten=True,
        wildcard_covers_authorization=True,
        aceh_empty_element_fails=True,
        report_first_disallowed_in_request_order=True,
        sec_fetch_site_reset_on_preflight_restart=True,
        origin_follows_referrer_policy=False,
        stream_uploads="fail-after-preflight",
        upload_listeners_need_body=True,
        max_age_parser="chromium",
        max_age_cap=7200,
        cache_model="replace",
        credentialed_entry_serves_uncredentialed=True,
        cached_wildcard_covers_authorization=False,
        cache_size=1024,
        cache_max_url_length=1024,
        cache_erase_unsatisfying=True,
        user_agent="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36",
        network_error_message="Failed to fetch",
    ),
    "firefox": Profile(
        name="firefox",
        label="Firefox 153 ESR",
        non_ascii_unsafe_in_safelisted=True,
        safelist_total_limit=None,
        safelist_per_entry=True,
        acrh_deduplicated=False,
        content_type_last_wins=True,
        fetch_body_content_type_first_entry=True,
        singleton_headers_replaced=frozenset({"user-agent"}),
        empty_append_clears_header=True,
        preflight_origin_untainted=True,
        preflight_sec_fetch_site_current_only=True,
        preflight_sticky_across_redirects=True,
        body_headers_after_rewrite="firefox",
        preflight_body_headers_only_dropped_on_rewrite_hop=True,
        stream_uploads="string",
        priority_header="u=4",
        wildcard_covers_authorization=True,
        multiple_acao_lines_error=True,
        max_age_parser="firefox",
        max_age_cap=86400,
        cache_model="firefox",
        credentialed_entry_serves_uncredentialed=False,
        cached_wildcard_honoured=False,
        cache_size=100,
        user_agent="Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0",
        accept_language="en-US,en;q=0.9",
        accept_encoding="gzip, deflate, br, zstd",
        network_error_message="NetworkError when attempting to fetch resource.",
    ),
    "webkit": Profile(
        name="webkit",
        label="WebKitGTK 2.50",
        wildcard_covers_authorization=True,
        range_case_insensitive=True,
        preflight_status_checked_first=True,
        max_age_parser="webkit",
        max_age_cap=600,
        cache_model="replace",
        credentialed_entry_serves_uncredentialed=True,
        cached_wildcard_covers_authorization=True,
        cache_erase_unsatisfying=True,
        cache_store_before_validation=True,
        sec_fetch_omitted_after_cross_origin_cors_redirect=True,
        origin_header_kept_on_redirect=True,
        preflight_headers_before_redirect_removals=True,
        preflight_copies_user_agent=True,
        user_agent_reset_on_same_origin_redirect=True,
        null_origin_preflight_cache="per_fetch",
        preflight_sticky_across_redirects=True,
        body_headers_after_rewrite="webkit",
        redirect_recheck_with_start_credentials=True,
        delete_to_get_on_cross_origin_redirect=True,
        stream_uploads="reject",
        utf8_header_values_on_wire=True,
        user_agent="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/60.5 Safari/605.1.15",
        accept_language="en-US",
        accept_encoding="gzip, deflate",
        network_error_message="Load failed",
    ),
}


def get_profile(name: "str | Profile") -> Profile:
    """The profile named `name` (spec, chromium, firefox, webkit); case-insensitive."""
    if isinstance(name, Profile):
        return name
    if not isinstance(name, str):
        raise InvalidProfile(repr(name), sorted(PROFILES))
    key = name.strip().lower()
    aliases = {"chrome": "chromium", "safari": "webkit", "gecko": "firefox", "firefox-esr": "firefox"}
    key = aliases.get(key, key)
    if key not in PROFILES:
        raise InvalidProfile(name, sorted(PROFILES))
    return PROFILES[key]
