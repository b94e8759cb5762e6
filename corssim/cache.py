"""The CORS-preflight cache (fetch#concept-cache), with each engine's storage model.

Time is always passed in (`now`, seconds): nothing here reads a clock, so expiry is testable.

Three storage models (Profile.cache_model):
- ``entries``: the standard's per-method and per-header-name entries (fetch#concept-cache-match).
- ``replace``: one preflight result per key, replaced by each new preflight, dropped on a
  lookup it cannot satisfy (Chromium preflight_cache.cc, WebKit CrossOriginPreflightResultCache.cpp).
- ``firefox``: one entry per (credentials, origin, URL) holding per-token expiry times, tokens
  compared literally (nsCORSListenerProxy.cpp nsPreflightCache / CORSCacheEntry::CheckRequest).
"""

from __future__ import annotations

from collections import OrderedDict

import attrs

from corssim import headers as H
from corssim.profiles import Profile

__all__ = ["CacheEntry", "CacheKey", "Lookup", "PreflightCache"]


@attrs.frozen
class CacheKey:
    """Where an entry belongs: network partition (top-level site), origin serialization, URL."""

    partition: str
    origin: str
    url: str


@attrs.frozen(kw_only=True)
class CacheEntry:
    """One remembered permission (a method or a header name), as the cache state shows it."""

    key: CacheKey
    credentials: bool
    kind: str  # "method" | "header"
    value: str
    expires_at: float


@attrs.frozen(kw_only=True)
class Lookup:
    """The outcome of asking the cache about a request."""

    preflight_needed: bool
    missing_method: bool
    missing_headers: tuple[str, ...]
    hit: bool
    erased: bool = False


@attrs.define
class _Result:
    """A whole preflight result (replace model) or Firefox's token lists."""

    credentials: bool
    methods: dict[str, float]
    headers: dict[str, float]  # lower-cased name (replace) or token as sent (firefox) -> expiry
    expires: float = float("inf")


class PreflightCache:
    """A page's preflight cache. Mutable, owned by one `Page`; every method takes `now`."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self._entries: list[CacheEntry] = []  # entries model
        self._results: OrderedDict[tuple[CacheKey, bool], _Result] = OrderedDict()
        self._memo: tuple[object, tuple[CacheEntry, ...]] | None = None
        self._version = 0  # bumped on every change, so snapshots can be reused

    # -- queries ---------------------------------------------------------------------------

    def lookup(
        self,
        key: CacheKey,
        *,
        method: str,
        unsafe_names: list[str],
        credentials: bool,
        use_cors_preflight: bool,
        now: float,
    ) -> Lookup:
        """fetch#concept-http-fetch step 4.1: is a preflight needed given what is cached?"""
        model = self.profile.cache_model
        if model == "entries":
            return self._lookup_entries(key, method, unsafe_names, credentials, use_cors_preflight, now)
        if model == "replace":
            return self._lookup_replace(key, method, unsafe_names, credentials, use_cors_preflight, now)
        return self._lookup_firefox(key, method, unsafe_names, credentials, use_cors_preflight, now)

    def _method_needed(self, method: str, use_cors_preflight: bool) -> bool:
        return not H.is_cors_safelisted_method(method) or use_cors_preflight

    def _lookup_entries(
        self, key: CacheKey, method: str, names: list[str], cred: bool, flag: bool, now: float
    ) -> Lookup:
        self._purge(now)
        live = [e for e in self._entries if e.key == key and (e.credentials or not cred)]
        # fetch#concept-cache-match-method: same method, or `*`
        has_method = any(e.kind == "method" and (e.value == method or e.value == "*") for e in live)
        missing_method = not has_method and self._method_needed(method, flag)
        missing: list[str] = []
        for name in names:
            # fetch#concept-cache-match-header: case-insensitive, or `*` except for Authorization
            if not any(
                e.kind == "header"
                and (e.value.lower() == name or (e.value == "*" and name != "authorization"))
                for e in live
            ):
                missing.append(name)
        needed = missing_method or bool(missing)
        return Lookup(
            preflight_needed=needed,
            missing_method=missing_method,
            missing_headers=tuple(missing),
            hit=bool(live) and not needed,
        )

    def _lookup_replace(
        self, key: CacheKey, method: str, names: list[str], cred: bool, flag: bool, now: float
    ) -> Lookup:
        rkey = (key, False)
        res = self._results.get(rkey)
        if res is None:
            return Lookup(preflight_needed=True, missing_method=self._method_needed(method, flag),
                          missing_headers=tuple(names), hit=False)
        if now >= res.expires:
            self._version += 1
            del self._results[rkey]
            return Lookup(preflight_needed=True, missing_method=self._method_needed(method, flag),
                          missing_headers=tuple(names), hit=False, erased=True)
        wildcard_ok = not cred
        missing_method = False
        if cred and not res.credentials:
            missing_method = True
            missing = list(names)
        else:
            if self._method_needed(method, flag):
                missing_method = not (method in res.methods or (wildcard_ok and "*" in res.methods))
            missing = []
            for name in names:
                if name in res.headers:
                    continue
                if wildcard_ok and "*" in res.headers and (
                    name != "authorization" or self.profile.cached_wildcard_covers_authorization
                ):
                    continue
                missing.append(name)
        needed = missing_method or bool(missing)
        erased = False
        if needed and self.profile.cache_erase_unsatisfying:
            self._version += 1
            del self._results[rkey]
            erased = True
        return Lookup(preflight_needed=needed, missing_method=missing_method, missing_headers=tuple(missing),
                      hit=not needed, erased=erased)

    def _lookup_firefox(
        self, key: CacheKey, method: str, names: list[str], cred: bool, flag: bool, now: float
    ) -> Lookup:
        rkey = (key, cred)
        res = self._results.get(rkey)
        if res is None:
            return Lookup(preflight_needed=True, missing_method=self._method_needed(method, flag),
                          missing_headers=tuple(names), hit=False)
        self._results.move_to_end(rkey, last=False)  # most recently used first
        self._version += 1
        res.methods = {t: e for t, e in res.methods.items() if now < e}
        res.headers = {t: e for t, e in res.headers.items() if now < e}
        missing_method = method not in ("GET", "POST") and method not in res.methods
        missing = [n for n in names if not any(t.lower() == n for t in res.headers)]
        needed = missing_method or bool(missing)
        return Lookup(preflight_needed=needed, missing_method=missing_method, missing_headers=tuple(missing),
                      hit=not needed)

    # -- updates ---------------------------------------------------------------------------

    def store(
        self,
        key: CacheKey,
        *,
        methods: list[str],
        header_names: list[str],
        max_age: int,
        credentials: bool,
        url_length: int,
        now: float,
    ) -> bool:
        """fetch#cors-preflight-fetch-0 (final steps): remember what a preflight allowed.
        Returns False when nothing was stored (max-age 0, URL too long)."""
        p = self.profile
        self._version += 1
        if max_age <= 0:
            return False
        if p.cache_max_url_length is not None and url_length >= p.cache_max_url_length:
            return False
        expires = now + max_age
        if p.cache_model == "entries":
            self._purge(now)  # an expired entry matches nothing
            # an entry that matches the request (a credentialed one serves a request without
            # credentials, fetch#concept-cache-match) gets the new max-age; otherwise a new entry
            for kind, values in (("method", methods), ("header", header_names)):
                for v in values:
                    matched = False
                    for i, e in enumerate(self._entries):
                        if e.key == key and (e.credentials or not credentials) and e.kind == kind and (
                            e.value == v if kind == "method" else e.value.lower() == v.lower()
                        ):
                            self._entries[i] = attrs.evolve(e, expires_at=expires)
                            matched = True
                    if not matched:
                        self._entries.append(
                            CacheEntry(key=key, credentials=credentials, kind=kind, value=v, expires_at=expires)
                        )
            return True
        if p.cache_model == "replace":
            rkey = (key, False)
            self._results[rkey] = _Result(
                credentials=credentials,
                methods={m: expires for m in methods},
                headers={h.lower(): expires for h in header_names},
                expires=expires,
            )
            self._results.move_to_end(rkey, last=False)
            self._evict(now)
            return True
        rkey = (key, credentials)
        res = self._results.get(rkey)
        if res is None:
            self._evict_firefox(now)
            res = _Result(credentials=credentials, methods={}, headers={})
            self._results[rkey] = res
        self._results.move_to_end(rkey, last=False)
        for m in methods:
            res.methods[m] = expires
        for h in header_names:
            res.headers[h] = expires
        return True

    def clear(self, key: CacheKey) -> int:
        """fetch#concept-cache-clear: drop every entry for this key (any method/header, both
        credentials flags). Returns how many were dropped."""
        self._version += 1
        before = len(self._entries) + len(self._results)
        self._entries = [e for e in self._entries if e.key != key]
        for rkey in [k for k in self._results if k[0] == key]:
            del self._results[rkey]
        return before - len(self._entries) - len(self._results)

    def clear_all(self) -> None:
        """Forget everything (what clearing browsing data does)."""
        self._version += 1
        self._entries.clear()
        self._results.clear()

    def _purge(self, now: float) -> None:
        if self._entries:
            kept = [e for e in self._entries if now < e.expires_at]
            if len(kept) != len(self._entries):
                self._version += 1
                self._entries = kept

    def _evict(self, now: float) -> None:
        size = self.profile.cache_size
        if size is None:
            return
        while len(self._results) > size:
            self._results.popitem(last=True)

    def _evict_firefox(self, now: float) -> None:
        size = self.profile.cache_size
        if size is None or len(self._results) < size:
            return
        for rkey in list(self._results):
            res = self._results[rkey]
            res.methods = {t: e for t, e in res.methods.items() if now < e}
            res.headers = {t: e for t, e in res.headers.items() if now < e}
            if not res.methods and not res.headers:
                del self._results[rkey]
        while len(self._results) >= size:
            self._results.popitem(last=True)  # least recently used

    # -- inspection ------------------------------------------------------------------------

    def snapshot(self, now: float) -> tuple[CacheEntry, ...]:
        """The live entries, as values (what `Result.cache_after` holds)."""
        state = (now, self._version)
        if self._memo is not None and self._memo[0] == state:
            return self._memo[1]
        snap = self._snapshot(now)
        self._memo = (state, snap)
        return snap

    def _snapshot(self, now: float) -> tuple[CacheEntry, ...]:
        out: list[CacheEntry] = [e for e in self._entries if now < e.expires_at]
        for (key, _), res in self._results.items():
            for m, exp in res.methods.items():
                if now < exp:
                    out.append(CacheEntry(key=key, credentials=res.credentials, kind="method", value=m, expires_at=exp))
            for h, exp in res.headers.items():
                if now < exp:
                    out.append(CacheEntry(key=key, credentials=res.credentials, kind="header", value=h, expires_at=exp))
        return tuple(out)

    def __len__(self) -> int:
        return len(self._entries) + len(self._results)
