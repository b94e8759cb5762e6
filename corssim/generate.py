"""A seeded generator of scenario files for the differential suite (issue 4).

`generate(seed, count)` returns a scenario file (../shared/scenario-format.md) of `count` random
scenarios over the space the model covers: methods in any case, safelisted request headers with
valid and invalid values, custom and forbidden headers, credentials and request modes, redirect
chains and redirect modes, preflight statuses, ACAO/ACAC/ACAM/ACAH/ACEH/max-age variants including
malformed ones, multi-step preflight-cache sequences with time passing, fetch() and XHR.

The scenarios carry no `expect` blocks: the differential harness runs each one in a real engine
and in the model and compares the two. Every scenario stays runnable in a real browser on
loopback: only the scenario hosts (A, B, C), small bodies, at most 3 s of `wait_s` per scenario.

Each scenario has a stable id `gen-<seed>-<n>` and two extension fields: `category` (which part of
the space it samples) and `tags` (the notable choices it made), so a disagreement can be grouped.
The same seed always gives the same file (`random.Random(seed)`, no other source of randomness).

    python -m corssim.generate --seed 1 --count 300 > generated.json
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

__all__ = ["CATEGORIES", "DEFAULT_HOSTS", "MAX_WAIT_PER_SCENARIO", "generate", "main"]

DEFAULT_HOSTS: dict[str, str] = {
    "A": "http://127.0.0.1:8801",
    "B": "http://127.0.0.2:8802",
    "C": "http://127.0.0.3:8803",
}

#: the most seconds of `wait_s` any generated scenario asks for (real engines really wait)
MAX_WAIT_PER_SCENARIO = 3.0

CATEGORIES: tuple[str, ...] = (
    "simple",
    "safelisted-value",
    "custom-headers",
    "method",
    "preflight-status",
    "allow-origin",
    "credentials",
    "allow-methods-headers",
    "expose-headers",
    "mode",
    "redirect",
    "cache",
    "xhr",
)

T = TypeVar("T")
Json = dict[str, Any]
#: how often each category is drawn, relative to the others (redirects and cache sequences
#: have the most moving parts, so they get more draws)
CATEGORY_WEIGHTS: dict[str, int] = {c: 2 if c in ("redirect", "cache", "method") else 1 for c in CATEGORIES}
Pair = list[str]

# --- pools of values ------------------------------------------------------------------------

SAFE_METHODS = ("GET", "get", "Get", "HEAD", "head", "POST", "post")
UNSAFE_METHODS = ("PUT", "put", "DELETE", "delete", "PATCH", "patch", "Patch", "OPTIONS", "options",
                  "FooBar", "CUSTOM", "purge")
BAD_METHODS = ("CONNECT", "trace", "TRACK", "BAD METHOD", "GET/1")
# the methods the Fetch standard normalizes to upper case (fetch#concept-method-normalize)
_NORMALIZED = ("DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT")

_A128 = "a" * 128
SAFELISTED_VALUES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # name: (values the standard safelists, values it does not)
    "Accept": (
        ("*/*", "application/json", "text/html, application/xhtml+xml", "unicorn", "text/plain;q=0.5", "",
         _A128, "text/html,\ttext/plain"),
        ("a" * 129, "text/(x)", "text/\u0001", '"', "a@b", "{x}", "x:y", "text/\u00e9", "x\u007f", "a[1]"),
    ),
    "Accept-Language": (
        ("en", "en-US,en;q=0.9", "*", "de-CH", "", "fr;q=0.5, *;q=0.1", "a" * 128),
        ("fr@x", "de_DE", "en/us", "a" * 129, "x(y)", "\u00fc", "en\u0001"),
    ),
    "Content-Language": (
        ("en", "de, fr", "*", "", "x-klingon", "a" * 128),
        ("de_DE", "fr@x", "a" * 129, "en:GB", "'en'"),
    ),
    "Content-Type": (
        ("text/plain", "text/plain;charset=utf-8", "Text/Plain;charset=UTF-8", "application/x-www-form-urlencoded",
         "multipart/form-data", "multipart/form-data; boundary=x", "text/plain;", "text/plain;garbage",
         "  text/plain  ", "TEXT/PLAIN"),
        ("application/json", "text/html", "text/plain,x/x", "text /plain", 'multipart/form-data;"',
         "application/www-form-urlencoded", "text/plain; long=" + "x" * 120, ",text/plain", "text/plain\u000b",
         "text/plain, text/plain", "text/\u00e9"),
    ),
    "Range": (
        ("bytes=0-1", "bytes=100-200", "bytes=200-", "bytes=0-0", "bytes=0-1 "),
        ("bytes=-500", "bytes=5-1", "bytes=0-1,3-4", "bytes 0-", "BYTES=0-1", "MB=0-1", "bytes=a-b", "bytes = 0-1"),
    ),
}

CUSTOM_NAMES = ("X-Custom", "x-custom", "X-CUSTOM", "X-Requested-With", "X-A", "x-b", "Authorization",
                "Last-Event-ID", "DPR", "Save-Data", "Viewport-Width", "User-Agent", "X-HTTP-Method-Override")
CUSTOM_VALUES: dict[str, tuple[str, ...]] = {
    "Authorization": ("Bearer t", "Basic dTpw"),
    "DPR": ("2", "1.5", "two"),
    "Save-Data": ("on", "off"),
    "Viewport-Width": ("800", "8x"),
    "User-Agent": ("corssim-test",),
    "X-HTTP-Method-Override": ("PUT", "TRACE"),
}
FORBIDDEN_HEADERS: tuple[Pair, ...] = (["Cookie", "a=b"], ["Sec-Custom", "1"], ["Proxy-Foo", "1"],
                                       ["Origin", "http://evil.invalid"], ["Referer", "http://evil.invalid/"],
                                       ["Content-Length", "3"], ["Keep-Alive", "5"])

PREFLIGHT_STATUSES = (200, 200, 204, 204, 204, 204, 206, 301, 302, 403, 404, 500)
ACTUAL_STATUSES = (200, 200, 200, 201, 204, 404, 500)
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
MAX_AGES = (None, "0", "1", "5", "60", "-1", "abc", "1.5", "86400", " 60", "+5", "10s")
# cache sequences: max-age values that keep a real engine's run short and still say something
CACHE_MAX_AGES = (None, "0", "1", "1", "1", "60", "60", "-1", "abc", "1.5", "+5")

REDIRECT_CHAINS: tuple[tuple[str, ...], ...] = (
    ("A", "B"), ("B", "C"), ("B", "A"), ("A", "A", "B"), ("B", "B"), ("A", "B", "C"), ("B", "C", "A"),
    ("B", "A", "B"), ("A", "A"),
)


class _Gen:
    """One generator run: the random source, the hosts, and the builders per category."""

    def __init__(self, seed: int, hosts: Mapping[str, str]) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.hosts = dict(hosts)
        self.tags: list[str] = []

    # -- small helpers --------------------------------------------------------------------

    def pick(self, seq: Sequence[T]) -> T:
        return seq[self.rng.randrange(len(seq))]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def tag(self, *names: str) -> None:
        for n in names:
            if n not in self.tags:
                self.tags.append(n)

    def origin(self, host: str) -> str:
        return "{" + host + "}"

    def upper_scheme(self, host: str) -> str:
        raw = self.hosts[host]
        scheme, rest = raw.split("://", 1)
        return scheme.upper() + "://" + rest

    @staticmethod
    def wire_method(method: str) -> str:
        """The method as it goes on the wire (fetch#concept-method-normalize)."""
        return method.upper() if method.upper() in _NORMALIZED else method

    def path(self, n: int, *, query: bool | None = None) -> str:
        p = f"/g{n}"
        if query if query is not None else self.chance(0.25):
            p += f"?q={self.rng.randrange(100)}"
        return p

    def body_text(self) -> str:
        return self.pick(("hello", "x", "{}", "a=1&b=2", "payload " + str(self.rng.randrange(1000))))

    # -- response header variants ---------------------------------------------------------

    def acao(self, page: str, *, wild: bool = True) -> list[Pair]:
        """An Access-Control-Allow-Origin variant, mostly valid, often malformed."""
        o = self.origin(page)
        kinds = ["exact"] * 9 + (["star"] * 4 if wild else []) + [
            "missing", "trailing-slash", "null", "twice", "two-origins", "upper-scheme", "other", "empty", "padded"]
        k = self.pick(kinds)
        self.tag("acao-" + k)
        other = self.pick([h for h in ("A", "B", "C") if h != page])
        return {
            "exact": [["Access-Control-Allow-Origin", o]],
            "star": [["Access-Control-Allow-Origin", "*"]],
            "missing": [],
            "trailing-slash": [["Access-Control-Allow-Origin", o + "/"]],
            "null": [["Access-Control-Allow-Origin", "null"]],
            "twice": [["Access-Control-Allow-Origin", o], ["Access-Control-Allow-Origin", o]],
            "two-origins": [["Access-Control-Allow-Origin", o + ", " + self.origin(other)]],
            "upper-scheme": [["Access-Control-Allow-Origin", self.upper_scheme(page)]],
            "other": [["Access-Control-Allow-Origin", self.origin(other)]],
            "empty": [["Access-Control-Allow-Origin", ""]],
            "padded": [["Access-Control-Allow-Origin", "  " + o + " "]],
        }[k]

    def good_acao(self, page: str, credentials: bool) -> list[Pair]:
        """An ACAO that passes (mostly), so a scenario can look past the CORS check."""
        if not credentials and self.chance(0.3):
            return [["Access-Control-Allow-Origin", "*"]]
        return [["Access-Control-Allow-Origin", self.origin(page)]]

    def acac(self, credentials: bool) -> list[Pair]:
        if not credentials and self.chance(0.7):
            return []
        k = self.pick(["true", "true", "true", "True", "false", "twice", "missing"])
        self.tag("acac-" + k)
        return {
            "true": [["Access-Control-Allow-Credentials", "true"]],
            "True": [["Access-Control-Allow-Credentials", "True"]],
            "false": [["Access-Control-Allow-Credentials", "false"]],
            "twice": [["Access-Control-Allow-Credentials", "true"], ["Access-Control-Allow-Credentials", "true"]],
            "missing": [],
        }[k]

    def acam(self, method: str) -> list[Pair]:
        m = self.wire_method(method)
        k = self.pick(["exact", "exact", "exact", "list", "lower", "upper", "star", "missing", "safelisted",
                       "malformed", "two-lines", "no-space-list"])
        self.tag("acam-" + k)
        return {
            "exact": [["Access-Control-Allow-Methods", m]],
            "list": [["Access-Control-Allow-Methods", f"GET, {m}, OPTIONS"]],
            "lower": [["Access-Control-Allow-Methods", m.lower()]],
            "upper": [["Access-Control-Allow-Methods", m.upper()]],
            "star": [["Access-Control-Allow-Methods", "*"]],
            "missing": [],
            "safelisted": [["Access-Control-Allow-Methods", "GET, POST"]],
            "malformed": [["Access-Control-Allow-Methods", f"{m}, bad method"]],
            "two-lines": [["Access-Control-Allow-Methods", "GET"], ["Access-Control-Allow-Methods", m]],
            "no-space-list": [["Access-Control-Allow-Methods", f"PUT,DELETE,PATCH,{m}"]],
        }[k]

    def acah(self, names: Sequence[str]) -> list[Pair]:
        low = [n.lower() for n in names]
        k = self.pick(["exact", "exact", "exact", "upper", "star", "missing", "one-less", "malformed", "other",
                       "two-lines", "with-authorization"])
        self.tag("acah-" + k)
        joined = ", ".join(low) if low else "x-unused"
        return {
            "exact": [["Access-Control-Allow-Headers", joined]],
            "upper": [["Access-Control-Allow-Headers", joined.upper()]],
            "star": [["Access-Control-Allow-Headers", "*"]],
            "missing": [],
            "one-less": [["Access-Control-Allow-Headers", ", ".join(low[1:]) or "x-unused"]],
            "malformed": [["Access-Control-Allow-Headers", joined + ", bad header"]],
            "other": [["Access-Control-Allow-Headers", "x-something-else"]],
            "two-lines": ([["Access-Control-Allow-Headers", n] for n in low] or
                          [["Access-Control-Allow-Headers", "x-unused"]]),
            "with-authorization": [["Access-Control-Allow-Headers", "authorization, *"]],
        }[k]

    def max_age(self, pool: Sequence[str | None] = MAX_AGES) -> list[Pair]:
        v = self.pick(pool)
        self.tag("max-age-" + ("absent" if v is None else v.strip() or "blank"))
        return [] if v is None else [["Access-Control-Max-Age", v]]

    def aceh(self) -> list[Pair]:
        k = self.pick(["missing", "missing", "named", "lower", "star", "malformed", "set-cookie", "star-among",
                       "two-lines"])
        self.tag("aceh-" + k)
        return {
            "missing": [],
            "named": [["Access-Control-Expose-Headers", "X-Resp"]],
            "lower": [["Access-Control-Expose-Headers", "x-resp, server"]],
            "star": [["Access-Control-Expose-Headers", "*"]],
            "malformed": [["Access-Control-Expose-Headers", "X-Resp, bad token"]],
            "set-cookie": [["Access-Control-Expose-Headers", "Set-Cookie, X-Resp"]],
            "star-among": [["Access-Control-Expose-Headers", "X-Other, *"]],
            "two-lines": [["Access-Control-Expose-Headers", "X-Resp"], ["Access-Control-Expose-Headers", "Server"]],
        }[k]

    def extra_response_headers(self) -> list[Pair]:
        out: list[Pair] = [["Content-Type", self.pick(("text/plain", "text/plain;charset=utf-8", "application/json"))]]
        if self.chance(0.6):
            out.append(["X-Resp", str(self.rng.randrange(100))])
        if self.chance(0.3):
            out.append(["Cache-Control", "no-store"])
        if self.chance(0.3):
            out.append(["Server", "corssim-gen"])
        if self.chance(0.15):
            # a cookie for a path no scenario requests, so it never comes back
            out.append(["Set-Cookie", "gen=1; Path=/never"])
        return out

    # -- request parts ----------------------------------------------------------------------

    def safelisted_header(self, *, valid: bool | None = None) -> Pair:
        name = self.pick(tuple(SAFELISTED_VALUES))
        ok_values, bad_values = SAFELISTED_VALUES[name]
        good = self.chance(0.5) if valid is None else valid
        value = self.pick(ok_values if good else bad_values)
        self.tag(f"{name.lower()}-{'valid' if good else 'invalid'}")
        if len(value.strip()) in (128, 129):
            self.tag("value-128-edge")
        if any(ord(c) > 0x7F for c in value):
            self.tag("non-ascii-value")
        return [self.pick((name, name.lower(), name.upper())) if self.chance(0.2) else name, value]

    def custom_header(self) -> Pair:
        name = self.pick(CUSTOM_NAMES)
        value = self.pick(CUSTOM_VALUES.get(name, ("1", "abc", "x y")))
        self.tag("custom-" + name.lower())
        return [name, value]

    def headers(self, *, custom: int, safelisted: int, forbidden: bool = False) -> list[Pair]:
        out: list[Pair] = []
        for _ in range(safelisted):
            out.append(self.safelisted_header())
        for _ in range(custom):
            out.append(self.custom_header())
        if forbidden:
            f = self.pick(FORBIDDEN_HEADERS)
            self.tag("forbidden-" + f[0].lower())
            out.append(list(f))
        self.rng.shuffle(out)
        return out

    @staticmethod
    def header_names(headers: Sequence[Pair]) -> list[str]:
        """Every name the page sets, lower-cased: what a permissive server lists in ACAH (naming a
        safelisted header there is harmless, and its value may make it unsafe)."""
        return sorted({n.lower() for n, _ in headers})

    @staticmethod
    def needs_preflight_guess(method: str, headers: Sequence[Pair]) -> bool:
        """Only shapes the server's answers (add OPTIONS rules or not); the model decides. Any
        header may need one (a safelisted name with an unsafe value does)."""
        return _Gen.wire_method(method) not in ("GET", "HEAD", "POST") or bool(headers)

    def credentials(self) -> str | None:
        c = self.pick((None, "omit", "same-origin", "include", "include"))
        self.tag("credentials-" + (c or "default"))
        return c

    def init(self, method: str | None = None, headers: Sequence[Pair] = (), *, body: str | None = None,
             mode: str | None = None, credentials: str | None = None, redirect: str | None = None) -> Json:
        out: Json = {}
        if method is not None:
            out["method"] = method
            self.tag("method-" + method.replace(" ", "-").replace("/", "-"))
        if headers:
            out["headers"] = [list(h) for h in headers]
        if mode is not None:
            out["mode"] = mode
        if credentials is not None:
            out["credentials"] = credentials
        if redirect is not None:
            out["redirect"] = redirect
        if body is not None:
            out["body"] = body
        return out

    def body_for(self, method: str) -> str | None:
        if self.wire_method(method) in ("GET", "HEAD"):
            if self.chance(0.02):
                self.tag("body-with-get")
                return "x"
            return None
        return self.body_text() if self.chance(0.8) else None

    # -- server rules -------------------------------------------------------------------------

    def preflight_rule(self, target: str, page: str, method: str, headers: Sequence[Pair], credentials: bool,
                       *, status: int | None = None, path: str | None = None,
                       max_ages: Sequence[str | None] = MAX_AGES, valid: bool = False) -> Json:
        st = status if status is not None else (204 if valid else self.pick(PREFLIGHT_STATUSES))
        names = self.header_names(headers)
        if valid:
            hs = self.good_acao(page, credentials)
            if credentials:
                hs.append(["Access-Control-Allow-Credentials", "true"])
            hs.append(["Access-Control-Allow-Methods", self.wire_method(method)])
            if names:
                hs.append(["Access-Control-Allow-Headers", ", ".join(names)])
        else:
            hs = self.acao(page) + self.acac(credentials) + self.acam(method) + self.acah(names)
        hs += self.max_age(max_ages)
        if st in (301, 302):
            hs.append(["Location", self.origin(target) + "/moved"])
        self.tag(f"preflight-status-{st}")
        match: Json = {"host": target, "method": "OPTIONS"}
        if path is not None:
            match["path"] = path
        return {"match": match, "status": st, "headers": hs}

    def actual_rule(self, target: str, page: str, credentials: bool, n: int, *, valid: bool = False,
                    status: int | None = None, path: str | None = None) -> Json:
        st = status if status is not None else (200 if valid else self.pick(ACTUAL_STATUSES))
        if valid:
            hs = self.good_acao(page, credentials)
            if credentials:
                hs.append(["Access-Control-Allow-Credentials", "true"])
        else:
            hs = self.acao(page) + self.acac(credentials)
        hs += self.aceh() + self.extra_response_headers()
        rule: Json = {"match": {"host": target}, "status": st, "headers": hs}
        if path is not None:
            rule["match"]["path"] = path
        if st not in (204, 304):
            rule["body"] = f"body-{n}"
        return rule

    def target_for(self, page: str) -> str:
        """Mostly cross-origin; sometimes the page's own origin."""
        if self.chance(0.12):
            self.tag("same-origin-target")
            return page
        return self.pick([h for h in ("A", "B", "C") if h != page])

    # -- builders, one per category ------------------------------------------------------------

    def simple(self, n: int) -> tuple[str, list[Json]]:
        page = "A"
        target = self.target_for(page)
        method = self.pick(SAFE_METHODS)
        headers = self.headers(custom=0, safelisted=self.rng.randrange(0, 3))
        cred = self.credentials()
        p = self.path(n)
        step = {"url": self.origin(target) + p,
                "init": self.init(method, headers, body=self.body_for(method), credentials=cred),
                "server": [self.actual_rule(target, page, cred == "include", n, valid=self.chance(0.5))]}
        self.tag("method-" + method)
        return page, [step]

    def safelisted_value(self, n: int) -> tuple[str, list[Json]]:
        page = "A"
        target = self.pick(("B", "C"))
        method = self.pick(("GET", "POST", "post", "PUT"))
        k = self.rng.randrange(1, 4)
        headers = [self.safelisted_header() for _ in range(k)]
        if self.chance(0.08):
            # enough safelisted bytes to pass the 1024 total (fetch#cors-unsafe-request-header-names)
            headers = [["Accept", "b" * 120] for _ in range(9)]
            self.tag("safelisted-total-over-1024")
        cred = self.credentials()
        p = self.path(n)
        valid = self.chance(0.7)
        step = {"url": self.origin(target) + p,
                "init": self.init(method, headers, body=self.body_for(method), credentials=cred),
                "server": [self.preflight_rule(target, page, method, headers, cred == "include", valid=valid),
                           self.actual_rule(target, page, cred == "include", n, valid=valid)]}
        return page, [step]

    def custom_headers(self, n: int) -> tuple[str, list[Json]]:
        page = self.pick(("A", "A", "B"))
        target = self.target_for(page)
        method = self.pick(SAFE_METHODS + UNSAFE_METHODS)
        headers = self.headers(custom=self.rng.randrange(1, 4), safelisted=self.rng.randrange(0, 2),
                               forbidden=self.chance(0.25))
        cred = self.credentials()
        valid = self.chance(0.5)
        step = {"url": self.origin(target) + self.path(n),
                "init": self.init(method, headers, body=self.body_for(method), credentials=cred),
                "server": [self.preflight_rule(target, page, method, headers, cred == "include", valid=valid),
                           self.actual_rule(target, page, cred == "include", n, valid=valid)]}
        return page, [step]

    def method(self, n: int) -> tuple[str, list[Json]]:
        page = "A"
        target = self.target_for(page)
        pool = self.pick((SAFE_METHODS, UNSAFE_METHODS, UNSAFE_METHODS, BAD_METHODS))
        method = self.pick(pool)
        self.tag("method-" + method.replace(" ", "-").replace("/", "-"))
        headers = self.headers(custom=self.rng.randrange(0, 2), safelisted=0)
        cred = self.credentials()
        valid = self.chance(0.5)
        step = {"url": self.origin(target) + self.path(n),
                "init": self.init(method, headers, body=self.body_for(method), credentials=cred),
                "server": [self.preflight_rule(target, page, method, headers, cred == "include", valid=valid),
                           self.actual_rule(target, page, cred == "include", n, valid=valid)]}
        return page, [step]

    def preflight_status(self, n: int) -> tuple[str, list[Json]]:
        page = "A"
        target = self.pick(("B", "C"))
        method = self.pick(UNSAFE_METHODS[:7])
        headers = self.headers(custom=self.rng.randrange(0, 2), safelisted=0)
        status = self.pick((200, 200, 204, 204, 206, 299, 301, 302, 307, 400, 403, 404, 405, 500, 503))
        cred = self.credentials()
        server = [self.preflight_rule(target, page, method, headers, cred == "include", status=status, valid=True),
                  self.actual_rule(target, page, cred == "include", n, valid=True)]
        if status in (301, 302, 307):
            # something at the Location, so following it (wrongly) would show in the log
            server.insert(1, self.actual_rule(target, page, cred == "include", n, valid=True, path="/moved"))
        step = {"url": self.origin(target) + self.path(n),
                "init": self.init(method, headers, body=self.body_for(method), credentials=cred),
                "server": server}
        return page, [step]

    def allow_origin(self, n: int) -> tuple[str, list[Json]]:
        page = self.pick(("A", "A", "B"))
        target = self.target_for(page)
        method = self.pick(("GET", "POST", "HEAD"))
        cred = self.credentials()
        step = {"url": self.origin(target) + self.path(n),
                "init": self.init(method, body=self.body_for(method), credentials=cred),
                "server": [self.actual_rule(target, page, cred == "include", n)]}
        return page, [step]

    def credentials_case(self, n: int) -> tuple[str, list[Json]]:
        page = "A"
        target = self.pick(("B", "C"))
        cred = self.pick(("include", "include", "omit", "same-origin"))
        self.tag("credentials-" + cred)
        method = self.pick(("GET", "PUT", "POST"))
        headers = self.headers(custom=self.rng.randrange(0, 2), safelisted=0)
        pf_valid = self.chance(0.4)
        actual = self.actual_rule(target, page, cred == "include", n, valid=self.chance(0.3))
        step = {"url": self.origin(target) + self.path(n),
                "init": self.init(method, headers, body=self.body_for(method), credentials=cred),
                "server": [self.preflight_rule(target, page, method, headers, cred == "include", valid=pf_valid),
                           actual]}
        if cred == "include":
            acao = self.pick(([["Access-Control-Allow-Origin", self.origin(page)]],) * 4 +
                             ([["Access-Control-Allow-Origin", "*"]], []))
            rest = [h for h in actual["headers"] if not h[0].lower().startswith("access-control-allow-")]
            actual["headers"] = acao + self.acac(True) + rest
        return page, [step]

    def allow_methods_headers(self, n: int) -> tuple[str, list[Json]]:
        page = "A"
        target = self.pick(("B", "C"))
        method = self.pick(UNSAFE_METHODS + ("GET", "POST"))
        headers = self.headers(custom=self.rng.randrange(0, 3), safelisted=self.rng.randrange(0, 2))
        cred = self.pick((None, None, "include"))
        self.tag("credentials-" + (cred or "default"))
        page_origin = self.origin(page)
        hs: list[Pair] = ([["Access-Control-Allow-Origin", page_origin]] if cred == "include" or self.chance(0.5)
                          else [["Access-Control-Allow-Origin", "*"]])
        if cred == "include":
            hs.append(["Access-Control-Allow-Credentials", "true"])
        hs += self.acam(method) + self.acah(self.header_names(headers)) + self.max_age()
        step = {"url": self.origin(target) + self.path(n),
                "init": self.init(method, headers, body=self.body_for(method), credentials=cred),
                "server": [{"match": {"host": target, "method": "OPTIONS"}, "status": 204, "headers": hs},
                           self.actual_rule(target, page, cred == "include", n, valid=True)]}
        return page, [step]

    def expose_headers(self, n: int) -> tuple[str, list[Json]]:
        page = "A"
        target = self.target_for(page)
        cred = self.credentials()
        api_xhr = self.chance(0.25)
        rule = self.actual_rule(target, page, cred == "include", n, valid=True)
        step: Json = {"url": self.origin(target) + self.path(n), "server": [rule]}
        if api_xhr:
            self.tag("api-xhr")
            step["api"] = "xhr"
            step["init"] = {"method": "GET", "withCredentials": cred == "include"}
        else:
            step["init"] = self.init("GET", credentials=cred)
        return page, [step]

    def mode(self, n: int) -> tuple[str, list[Json]]:
        page = "A"
        target = self.target_for(page)
        mode = self.pick(("no-cors", "no-cors", "same-origin", "cors"))
        self.tag("mode-" + mode)
        method = self.pick(SAFE_METHODS + ("PUT", "patch", "DELETE"))
        headers = self.headers(custom=self.rng.randrange(0, 2), safelisted=self.rng.randrange(0, 3))
        cred = self.credentials()
        redirect = None
        if self.chance(0.2):
            redirect = self.pick(("manual", "error"))
            self.tag("redirect-mode-" + redirect)
        server = [self.preflight_rule(target, page, method, headers, cred == "include", valid=True)]
        if self.chance(0.3):
            nxt = self.pick(("A", "B", "C"))
            server.append({"match": {"host": target, "path": self.path(n, query=False)},
                           "status": self.pick(REDIRECT_STATUSES),
                           "headers": self.good_acao(page, cred == "include") +
                           [["Location", self.origin(nxt) + f"/g{n}/next"]]})
            server.append(self.actual_rule(nxt, page, cred == "include", n, valid=self.chance(0.5)))
            self.tag("mode-with-redirect")
        else:
            server.append(self.actual_rule(target, page, cred == "include", n))
        step = {"url": self.origin(target) + self.path(n, query=False),
                "init": self.init(method, headers, body=self.body_for(method), mode=mode, credentials=cred,
                                  redirect=redirect),
                "server": server}
        return page, [step]

    def chain_origins(self, page: str, chain: Sequence[str]) -> list[str | None]:
        """The Origin each request of a redirect chain should carry when the page is on `page`
        (None: not cors-tainted yet), given that A, B and C are three different sites
        (fetch#concept-request-tainted-origin). Only used to make the servers answer right
        more often than not; the model and the engines decide."""
        out: list[str | None] = []
        tainted = cors = False
        for i, host in enumerate(chain):
            if i > 0 and host != chain[i - 1] and chain[i - 1] != page:
                tainted = True
            if host != page:
                cors = True
            out.append(("null" if tainted else self.origin(page)) if cors else None)
        return out

    def hop_acao(self, page: str, origin: str | None, credentialed: bool) -> list[Pair]:
        if self.chance(0.7):
            if origin is None:
                return []
            if not credentialed and self.chance(0.3):
                return [["Access-Control-Allow-Origin", "*"]]
            return [["Access-Control-Allow-Origin", origin]]
        self.tag("hop-acao-random")
        return self.pick(([["Access-Control-Allow-Origin", self.origin(page)]],
                          [["Access-Control-Allow-Origin", "*"]],
                          [["Access-Control-Allow-Origin", "null"]], []))

    def redirect(self, n: int) -> tuple[str, list[Json]]:
        page = "A"
        chain = self.pick(REDIRECT_CHAINS)
        self.tag("chain-" + "-".join(chain))
        method = self.pick(("GET", "GET", "POST", "PUT", "post"))
        self.tag("method-" + method)
        headers = self.headers(custom=1 if self.chance(0.3) else 0, safelisted=self.rng.randrange(0, 2))
        cred = self.credentials()
        credentialed = cred == "include"
        mode_redirect = self.pick(("follow", "follow", "follow", None, "error", "manual"))
        if mode_redirect:
            self.tag("redirect-mode-" + mode_redirect)
        server: list[Json] = []
        origins = self.chain_origins(page, chain)
        if self.needs_preflight_guess(method, headers):
            for host in sorted(set(chain)):
                seen = [o for h, o in zip(chain, origins) if h == host and o is not None]
                right = seen[0] if seen else self.origin(page)
                acao_value = right if self.chance(0.75) else self.pick((self.origin(page), "null", "*"))
                hs: list[Pair] = [["Access-Control-Allow-Origin", acao_value]]
                if credentialed:
                    hs.append(["Access-Control-Allow-Credentials", "true"])
                hs.append(["Access-Control-Allow-Methods", f"GET, POST, {self.wire_method(method)}"])
                names = self.header_names(headers)
                if names:
                    hs.append(["Access-Control-Allow-Headers", ", ".join(names)])
                server.append({"match": {"host": host, "method": "OPTIONS"}, "status": 204, "headers": hs})
        paths = [f"/g{n}/hop{i}" for i in range(len(chain))]
        for i, host in enumerate(chain[:-1]):
            status = self.pick(REDIRECT_STATUSES)
            self.tag(f"redirect-{status}")
            hop_acao = self.hop_acao(page, origins[i], credentialed)
            hs = list(hop_acao) + ([["Access-Control-Allow-Credentials", "true"]] if credentialed else [])
            nxt = chain[i + 1]
            location = self.origin(nxt) + paths[i + 1]
            if self.chance(0.1):
                base = self.hosts[nxt]
                scheme, rest = base.split("://", 1)
                location = f"{scheme}://{self.pick(('user:pass', 'user:', ':pass'))}@{rest}{paths[i + 1]}"
                self.tag("redirect-userinfo")
            hs.append(["Location", location])
            server.append({"match": {"host": host, "path": paths[i]}, "status": status, "headers": hs})
        last = chain[-1]
        final_acao = self.hop_acao(page, origins[-1], credentialed)
        hs = list(final_acao) + ([["Access-Control-Allow-Credentials", "true"]] if credentialed else [])
        hs += self.aceh() + self.extra_response_headers()
        server.append({"match": {"host": last, "path": paths[-1]}, "status": 200, "headers": hs,
                       "body": f"body-{n}"})
        step = {"url": self.origin(chain[0]) + paths[0],
                "init": self.init(method, headers, body=self.body_for(method), credentials=cred,
                                  redirect=mode_redirect),
                "server": server}
        return page, [step]

    def cache(self, n: int) -> tuple[str, list[Json]]:
        page = "A"
        target = self.pick(("B", "C"))
        method = self.pick(("PUT", "DELETE", "patch", "POST", "GET"))
        headers = self.headers(custom=1 if self.wire_method(method) in ("GET", "POST") else
                               self.rng.randrange(0, 2), safelisted=0)
        cred = self.pick((None, None, "include"))
        self.tag("credentials-" + (cred or "default"))
        api_xhr = self.chance(0.2)
        base_path = self.path(n, query=False)
        steps: list[Json] = []
        waited = 0.0
        count = self.rng.randrange(2, 4)
        # one preflight answer for the whole sequence (the server does not change its mind)
        pf = self.preflight_rule(target, page, method, headers, cred == "include", valid=self.chance(0.8),
                                 max_ages=CACHE_MAX_AGES)
        if self.chance(0.5):
            # allow a second method and header, so variations can be served from the same answer
            hs = [h for h in pf["headers"] if h[0].lower() not in ("access-control-allow-methods",
                                                                    "access-control-allow-headers")]
            names = self.header_names(headers) + ["x-extra"]
            hs += [["Access-Control-Allow-Methods", f"{self.wire_method(method)}, DELETE, PUT"],
                   ["Access-Control-Allow-Headers", ", ".join(names)]]
            pf = {**pf, "headers": hs}
            self.tag("cache-broad-answer")
        for i in range(count):
            step_method, step_headers, step_cred, path = method, list(headers), cred, base_path
            change = "first"
            if i > 0:
                change = self.pick(("same", "same", "same", "new-header", "new-method", "query", "credentials",
                                    "name-case", "api", "fail-then-retry"))
                self.tag("cache-" + change)
                if change == "new-header":
                    step_headers.append(["X-Extra", "1"])
                elif change == "new-method":
                    step_method = self.pick(("DELETE", "PUT", "patch", "PATCH"))
                elif change == "query":
                    path = base_path + f"?v={i}"
                elif change == "credentials":
                    step_cred = "omit" if cred == "include" else "include"
                elif change == "name-case":
                    step_headers = [[k.upper(), v] for k, v in step_headers]
            wait = 0.0
            # real engines take real time between steps: a 1 s max-age is always waited out
            # (so it has surely expired), and otherwise the waits stay well inside a 5 s
            # default so that a slow machine cannot expire what the model keeps
            short_lived = any(h[0] == "Access-Control-Max-Age" and h[1].strip() == "1" for h in pf["headers"])
            budget = MAX_WAIT_PER_SCENARIO if short_lived else 1.5
            if i > 0 and waited < budget:
                drawn = float(self.pick((0, 0, 0.5, 1.5, 1.5)))  # drawn either way: same random stream
                choice = 1.5 if short_lived else drawn
                wait = min(choice, budget - waited)
                waited += wait
            credentialed = step_cred == "include"
            # "fail-then-retry": this step's actual response may fail its CORS check, which
            # (per the standard) clears the cache entries for the URL before the next step
            actual = self.actual_rule(target, page, credentialed, n, valid=change != "fail-then-retry")
            if credentialed and change != "fail-then-retry" and not any(
                    h[0] == "Access-Control-Allow-Credentials" for h in actual["headers"]):
                actual["headers"].append(["Access-Control-Allow-Credentials", "true"])
            step: Json = {"url": self.origin(target) + path, "server": [pf, actual]}
            if wait:
                step["wait_s"] = wait
                self.tag("cache-wait")
            body = self.body_for(step_method) if self.wire_method(step_method) not in ("GET", "HEAD") else None
            if api_xhr or change == "api":
                step["api"] = "xhr"
                xinit: Json = {"method": step_method, "withCredentials": credentialed}
                if step_headers:
                    xinit["headers"] = step_headers
                if body is not None:
                    xinit["body"] = body
                step["init"] = xinit
            else:
                step["init"] = self.init(step_method, step_headers, credentials=step_cred, body=body)
            steps.append(step)
        return page, steps

    def xhr(self, n: int) -> tuple[str, list[Json]]:
        page = "A"
        target = self.target_for(page)
        method = self.pick(SAFE_METHODS + UNSAFE_METHODS[:8])
        headers = self.headers(custom=self.rng.randrange(0, 3), safelisted=self.rng.randrange(0, 2))
        with_credentials = self.chance(0.35)
        self.tag("api-xhr", "with-credentials" if with_credentials else "without-credentials")
        init: Json = {"method": method, "withCredentials": with_credentials}
        self.tag("method-" + method)
        if headers:
            init["headers"] = headers
        if self.wire_method(method) not in ("GET", "HEAD") and self.chance(0.7):
            init["body"] = self.body_text()
        server = [self.preflight_rule(target, page, method, headers, with_credentials, valid=self.chance(0.6)),
                  self.actual_rule(target, page, with_credentials, n)]
        if self.chance(0.2):
            nxt = self.pick(("A", "B", "C"))
            server.insert(1, {"match": {"host": target, "path": f"/g{n}"}, "status": self.pick(REDIRECT_STATUSES),
                              "headers": self.good_acao(page, with_credentials) +
                              ([["Access-Control-Allow-Credentials", "true"]] if with_credentials else []) +
                              [["Location", self.origin(nxt) + f"/g{n}/next"]]})
            server.append(self.actual_rule(nxt, page, with_credentials, n))
            self.tag("xhr-redirect")
        return page, [{"api": "xhr", "url": self.origin(target) + f"/g{n}", "init": init, "server": server}]

    def build(self, n: int) -> Json:
        self.tags = []
        category = (CATEGORIES[n] if n < len(CATEGORIES) else
                    self.rng.choices(CATEGORIES, weights=[CATEGORY_WEIGHTS[c] for c in CATEGORIES])[0])
        builder = {
            "simple": self.simple, "safelisted-value": self.safelisted_value, "custom-headers": self.custom_headers,
            "method": self.method, "preflight-status": self.preflight_status, "allow-origin": self.allow_origin,
            "credentials": self.credentials_case, "allow-methods-headers": self.allow_methods_headers,
            "expose-headers": self.expose_headers, "mode": self.mode, "redirect": self.redirect,
            "cache": self.cache, "xhr": self.xhr,
        }[category]
        page, steps = builder(n)
        return {
            "id": f"gen-{self.seed}-{n}",
            "source": f"corssim.generate seed {self.seed} (no expectations: compared with real engines)",
            "note": f"{category}: " + ", ".join(self.tags),
            "category": category,
            "tags": list(self.tags),
            "page": page,
            "steps": steps,
        }


def generate(seed: int, count: int, *, hosts: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A scenario file of `count` random scenarios, the same for the same `seed`.

    `hosts` (optional) names the origins A, B and C; it is written into the file, and variants
    that spell an origin differently (an upper-case scheme) are built from it.
    """
    given_seed: object = seed
    given_count: object = count
    if isinstance(given_seed, bool) or not isinstance(given_seed, int):
        raise TypeError(f"seed must be an int, got {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be zero or more (it is part of the scenario ids), got {seed}")
    if isinstance(given_count, bool) or not isinstance(given_count, int) or count < 0:
        raise ValueError(f"count must be a non-negative int, got {count!r}")
    used = dict(DEFAULT_HOSTS)
    if hosts is not None:
        missing = {"A", "B", "C"} - set(hosts)
        if missing:
            raise ValueError(f"hosts must name A, B and C; missing {', '.join(sorted(missing))}")
        for name, given in hosts.items():
            origin: object = given
            if not isinstance(origin, str) or "://" not in origin:
                raise ValueError(f"host {name!r} must be an origin such as http://127.0.0.1:8801, got {origin!r}")
        used.update({k: v.rstrip("/") for k, v in hosts.items()})
    gen = _Gen(seed, used)
    out: dict[str, Any] = {}
    if hosts is not None:
        out["hosts"] = {k: used[k] for k in sorted(used)}
    out["generator"] = {"name": "corssim.generate", "seed": seed, "count": count}
    out["scenarios"] = [gen.build(n) for n in range(count)]
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m corssim.generate --seed 1 --count 300 > file.json`"""
    parser = argparse.ArgumentParser(prog="python -m corssim.generate",
                                     description="Write a seeded file of random CORS scenarios (no expectations).")
    parser.add_argument("--seed", type=int, required=True, help="random seed; the same seed gives the same file")
    parser.add_argument("--count", type=int, default=300, help="number of scenarios (default 300)")
    parser.add_argument("--host", action="append", default=[], metavar="NAME=ORIGIN",
                        help="override a host, e.g. --host B=http://127.0.0.2:9902 (repeatable)")
    parser.add_argument("--indent", type=int, default=1, help="JSON indent (default 1)")
    args = parser.parse_args(argv)
    if args.count < 0:
        parser.error("--count must be zero or more")
    hosts: dict[str, str] | None = None
    if args.host:
        hosts = dict(DEFAULT_HOSTS)
        for item in args.host:
            name, sep, origin = item.partition("=")
            if not sep or not name or not origin:
                parser.error(f"--host wants NAME=ORIGIN, got {item!r}")
            hosts[name] = origin
    try:
        data = generate(args.seed, args.count, hosts=hosts)
    except ValueError as e:
        parser.error(str(e))
    json.dump(data, sys.stdout, indent=args.indent, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
