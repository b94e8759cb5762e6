"""`corssim check URL --origin ORIGIN ...`: ask a live server what each browser would do.

One simulated page per browser profile sends the request (and its preflight, and each redirect
hop) to the real server through `corssim.backends.live.LiveServer`; the model decides what the
browser would allow. Output: the story of each browser's fetch (`corssim.render.to_terminal`),
then one verdict line per browser; or, with ``--json``, one object per browser.

Exit status: 0 when every browser allows the response to be read, 1 when any blocks it,
2 for a usage error (including a request fetch() itself refuses, such as a GET with a body or a
forbidden method: nothing is sent) or when no HTTP response came back (connection refused,
timeout, DNS...).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn, TextIO

from corssim.errors import CorssimError, InvalidOrigin, InvalidURL
from corssim.http import HttpRequest, HttpResponse
from corssim.result import Reason, Result

__all__ = ["CheckError", "main", "parse_header", "run_check"]

BROWSERS = ("chromium", "firefox", "webkit", "spec")
_TOKEN_CHARS = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")

EXIT_ALLOWED = 0
EXIT_BLOCKED = 1
EXIT_ERROR = 2


class CheckError(CorssimError, ValueError):
    """A command-line value that cannot be used (printed as one line, exit status 2)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2 (no usage dump)."""

    def error(self, message: str) -> NoReturn:
        raise CheckError(f"{message} (see corssim check --help)")


def _parser() -> _Parser:
    p = _Parser(
        prog="corssim check",
        description="Send a request to a live server as each browser would from ORIGIN, and say whether "
        "the page could read the response, what the console would print, and what to change.",
        epilog="Exit status: 0 allowed in every browser, 1 blocked in any, 2 usage or connection error.",
    )
    p.add_argument("url", metavar="URL", help="the http(s) URL the page fetches (a live server)")
    p.add_argument("--origin", required=True, help="the page's origin, e.g. https://app.example (or null)")
    p.add_argument("-X", "--request", dest="method", metavar="METHOD",
                   help="the method, as the script writes it (default GET, or POST with --data)")
    p.add_argument("-H", "--header", dest="headers", action="append", default=[], metavar="'Name: value'",
                   help="a request header the script sets (repeatable)")
    p.add_argument("--data", metavar="BODY", help="a string body (fetch sends it as text/plain unless -H sets a type)")
    p.add_argument("--credentials", choices=["omit", "same-origin", "include"], default="same-origin",
                   help="fetch's credentials mode (default same-origin)")
    p.add_argument("--browser", choices=[*BROWSERS, "all"], default="all",
                   help="which profile(s) to simulate (default all)")
    p.add_argument("--json", action="store_true", help="machine-readable output, one object per browser")
    p.add_argument("--timeout", type=_positive_float, default=10.0, metavar="S",
                   help="seconds to wait for each connection and read (default 10)")
    p.add_argument("--no-color", action="store_true", help="never colour the output")
    return p


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return value


# --------------------------------------------------------------------------------------------
# checking the inputs


def parse_header(text: str) -> tuple[str, str]:
    """``'Name: value'`` -> (name, value); CheckError when the line is not a header."""
    if ":" not in text:
        raise CheckError(f"bad header {text!r}: write it as 'Name: value'")
    name, value = text.split(":", 1)
    if not name:
        raise CheckError(f"bad header {text!r}: the name before ':' is empty")
    if name != name.strip():
        raise CheckError(f"bad header {text!r}: no space allowed before ':'")
    if not set(name) <= _TOKEN_CHARS:
        raise CheckError(f"bad header {text!r}: {name!r} is not a valid header name (letters, digits, -, ...)")
    value = value.strip(" \t")
    if any(c in value for c in "\r\n\x00"):
        raise CheckError(f"bad header {text!r}: the value contains CR, LF or NUL")
    return name, value


def _check_url(text: str) -> str:
    from corssim.url import parse

    try:
        u = parse(text)
    except (InvalidURL, ValueError):
        raise CheckError(f"bad URL {text!r}: not a URL (write it as http://host[:port]/path)") from None
    if u.scheme not in ("http", "https"):
        raise CheckError(f"bad URL {text!r}: only http and https URLs can be checked against a live server")
    if not u.hostname:
        raise CheckError(f"bad URL {text!r}: no host")
    if u.has_credentials:
        raise CheckError(f"bad URL {text!r}: remove user:password@ (fetch() refuses such URLs)")
    return u.href


def _check_origin(text: str) -> str:
    from corssim.origin import OpaqueOrigin, parse_origin

    if text == "null":
        return text
    try:
        o = parse_origin(text)
    except (InvalidOrigin, InvalidURL):
        raise CheckError(f"bad origin {text!r}: write it as scheme://host[:port], e.g. https://app.example") from None
    if isinstance(o, OpaqueOrigin):
        raise CheckError(f"bad origin {text!r}: its origin is opaque; pass 'null' if that is what you mean")
    s = o.serialize()
    if text not in (s, s + "/"):
        raise CheckError(f"bad origin {text!r}: an origin has no path, query or user info (did you mean {s}?)")
    if not s.startswith(("http://", "https://")):
        raise CheckError(f"bad origin {text!r}: pages that make CORS requests are served over http or https")
    return s


# --------------------------------------------------------------------------------------------
# a back-end that reaches each origin at its own real address


class _LiveByOrigin:
    """Each simulated origin is the real one: a redirect to another host goes to that host."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._servers: dict[str, Any] = {}

    def handle(self, request: HttpRequest) -> HttpResponse:
        from corssim.backends.live import LiveServer
        from corssim.origin import origin_of

        key = origin_of(request.url).serialize()
        server = self._servers.get(key)
        if server is None:
            server = LiveServer(key, timeout=self.timeout)
            self._servers[key] = server
        response: HttpResponse = server.handle(request)
        return response

    def close(self) -> None:
        for s in self._servers.values():
            s.close()
        self._servers.clear()


# --------------------------------------------------------------------------------------------
# running


def _init(method: str | None, headers: Sequence[tuple[str, str]], data: str | None, credentials: str) -> dict[str, Any]:
    init: dict[str, Any] = {
        "method": method or ("POST" if data is not None else "GET"),
        "headers": list(headers),
        "credentials": credentials,
        "mode": "cors",
    }
    if data is not None:
        init["body"] = data
    return init


class _WouldSend(Exception):
    pass


class _NoNetwork:
    """A back-end that stops the fetch at its first exchange (to see whether fetch() throws first)."""

    def handle(self, request: HttpRequest) -> HttpResponse:
        raise _WouldSend()


def refused_by_fetch(url: str, origin: str, browsers: Sequence[str], init: dict[str, Any]) -> Result | None:
    """The result of the first browser whose fetch() throws before sending anything (a bad method,
    a GET with a body...: fetch#dom-request), without touching the network; None if all would send."""
    from corssim.page import Page

    for browser in browsers:
        try:
            r = Page(origin, server=_NoNetwork(), browser=browser).fetch(url, **init)
        except _WouldSend:
            continue
        if r.reason is not None and r.reason.thrown_before_send:
            return r
    return None


def run_check(
    url: str,
    origin: str,
    *,
    method: str | None = None,
    headers: Sequence[tuple[str, str]] = (),
    data: str | None = None,
    credentials: str = "same-origin",
    browsers: Sequence[str] = BROWSERS,
    timeout: float = 10.0,
    progress: TextIO | None = None,
) -> list[Result]:
    """One fetch per browser profile, each from a fresh page at `origin`, against the live `url`."""
    from corssim.page import Page

    results: list[Result] = []
    server = _LiveByOrigin(timeout)
    init = _init(method, headers, data, credentials)
    try:
        for i, browser in enumerate(browsers, 1):
            if progress is not None:
                print(f"[{i}/{len(browsers)}] {browser}: {init['method']} {url} ...", file=progress, flush=True)
            page = Page(origin, server=server, browser=browser)
            results.append(page.fetch(url, **init))
    finally:
        server.close()
    return results


def exit_status(results: Sequence[Result]) -> int:
    """2 when a browser got no HTTP response at all, else 1 when any blocked, else 0."""
    if any(r.reason is Reason.NETWORK_FAILURE for r in results):
        return EXIT_ERROR
    if any(r.blocked for r in results):
        return EXIT_BLOCKED
    return EXIT_ALLOWED


def _json_record(result: Result) -> dict[str, Any]:
    from corssim.render import to_json

    data = to_json(result)
    out: dict[str, Any] = {
        "browser": result.browser,
        "outcome": result.outcome,
        "ok": result.ok,
        "reason": result.reason.value if result.reason is not None else None,
    }
    out.update({k: v for k, v in data.items() if k not in out})
    return out


def _verdict_line(result: Result) -> str:
    from corssim.explain import summary

    return f"  {result.browser:<9} {summary(result)}"


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        try:
            args = _parser().parse_args(args_list)
        except SystemExit as stop:  # --help
            return int(stop.code or 0) if isinstance(stop.code, (int, type(None))) else EXIT_ERROR
        url = _check_url(args.url)
        origin = _check_origin(args.origin)
        headers = [parse_header(h) for h in args.headers]
        browsers = list(BROWSERS) if args.browser == "all" else [args.browser]
        progress = sys.stderr if len(browsers) > 1 else None
        thrown = refused_by_fetch(url, origin, browsers, _init(args.method, headers, args.data, args.credentials))
        if thrown is not None:
            from corssim.explain import short_reason

            # the script itself is wrong: no request would leave the page, so this is a usage error
            raise CheckError(f"bad request: {short_reason(thrown)} ({thrown.browser}); nothing was sent")
        results = run_check(url, origin, method=args.method, headers=headers, data=args.data,
                            credentials=args.credentials, browsers=browsers, timeout=args.timeout,
                            progress=progress)
    except (CorssimError, ValueError) as e:
        print(f"corssim check: {e}", file=sys.stderr)
        return EXIT_ERROR
    code = exit_status(results)
    for r in results:
        if r.reason is Reason.NETWORK_FAILURE and r.failure is not None and r.failure.fault is not None:
            fault = r.failure.fault
            print(f"corssim check: no HTTP response ({r.browser}): {fault.kind.value}"
                  + (f" ({fault.detail})" if fault.detail else ""), file=sys.stderr)
            break
    try:
        if args.json:
            payload = {"url": url, "origin": origin, "exit_status": code,
                       "results": [_json_record(r) for r in results]}
            print(json.dumps(payload, indent=1, ensure_ascii=False))
        else:
            _print_text(results, color=sys.stdout.isatty() and not args.no_color and "NO_COLOR" not in os.environ)
    except BrokenPipeError:
        return code
    return code


def _print_text(results: Sequence[Result], color: bool) -> None:
    from corssim.render import ANSI, to_terminal

    bold = ANSI["title"] if color else ""
    reset = "\x1b[0m" if color else ""
    for i, r in enumerate(results):
        if len(results) > 1:
            if i:
                print()
            print(f"{bold}=== {r.browser} ==={reset}")
        sys.stdout.write(to_terminal(r, color=color))
    print()
    print(f"{bold}Verdicts{reset}")
    for r in results:
        line = _verdict_line(r)
        if color:
            line = (ANSI["pass"] if r.ok else ANSI["fail"]) + line + reset
        print(line)
