"""`corssim check` against live loopback servers: allowed, blocked, JSON, all browsers, preflight,
cross-server redirect, connection refused, timeout, and bad input (one line, exit 2)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from corssim.backends.live import serve_wsgi
from corssim.check_cli import main, parse_header, CheckError
from corssim.cli import main as cli_main

ORIGIN = "https://app.example"
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def _app(env: dict[str, Any], start: StartResponse) -> list[bytes]:
    """/open: ACAO for app.example; /closed: no CORS headers; /api: preflight for PUT + X-Token."""
    path = env["PATH_INFO"]
    method = env["REQUEST_METHOD"]
    origin = env.get("HTTP_ORIGIN", "")
    if path == "/open":
        start("200 OK", [("Access-Control-Allow-Origin", ORIGIN), ("Vary", "Origin"),
                         ("Content-Type", "text/plain")])
        return [b"hello"]
    if path == "/api":
        cors = [("Access-Control-Allow-Origin", origin)] if origin == ORIGIN else []
        if method == "OPTIONS":
            start("204 No Content", cors + [("Access-Control-Allow-Methods", "PUT"),
                                            ("Access-Control-Allow-Headers", "X-Token")])
            return []
        token = env.get("HTTP_X_TOKEN", "")
        start("200 OK", cors + [("Content-Type", "text/plain")])
        return [f"{method} token={token}".encode()]
    start("200 OK", [("Content-Type", "text/plain")])
    return [b"closed"]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve_wsgi(_app, max_seconds=60) as base:
        yield base


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_allowed(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, f"{server}/open", "--origin", ORIGIN, "--browser", "chromium")
    assert code == 0
    assert "Verdict: allowed: cors 200" in out
    assert "\x1b[" not in out  # not a terminal: no colour
    assert err == ""  # one browser: no progress lines


def test_blocked_prints_console_message_and_fix(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, f"{server}/closed", "--origin", ORIGIN, "--browser", "firefox")
    assert code == 1
    assert (f"Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at "
            f"{server}/closed. (Reason: CORS header \u2018Access-Control-Allow-Origin\u2019 missing). "
            "Status code: 200.") in out
    assert f"Access-Control-Allow-Origin: {ORIGIN}" in out.split("Fix", 1)[1]
    assert "firefox   blocked (firefox): no Access-Control-Allow-Origin header" in out


def test_preflight_headers_reach_the_server(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, f"{server}/api", "--origin", ORIGIN, "-X", "PUT", "-H", "X-Token: s3cret",
                       "--data", "x", "--browser", "spec", "--json")
    assert code == 0
    data = json.loads(out)
    (rec,) = data["results"]
    kinds = [e["kind"] for e in rec["exchanges"]]
    assert kinds == ["preflight", "request"]
    pre = dict(rec["exchanges"][0]["request"]["headers"])
    assert pre["Access-Control-Request-Method"] == "PUT"
    assert pre["Access-Control-Request-Headers"] == "x-token"
    assert rec["response"]["body"] == "PUT token=s3cret"  # the server really saw the header and method


def test_lowercase_header_not_allowed_is_blocked(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, f"{server}/api", "--origin", ORIGIN, "-X", "PUT", "-H", "X-Other: 1",
                       "--browser", "chromium")
    assert code == 1
    assert "Request header field x-other is not allowed by Access-Control-Allow-Headers" in out


def test_json_shape(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, f"{server}/closed", "--origin", ORIGIN, "--browser", "webkit", "--json",
                       "--credentials", "include")
    assert code == 1
    data = json.loads(out)
    assert data["url"] == f"{server}/closed" and data["origin"] == ORIGIN and data["exit_status"] == 1
    (rec,) = data["results"]
    assert rec["browser"] == "webkit"
    assert rec["outcome"] == "network_error" and rec["ok"] is False
    assert rec["reason"] == "missing_allow_origin"
    assert rec["response"] is None
    assert rec["credentials"] == "include"
    assert len(rec["exchanges"]) == 1 and rec["exchanges"][0]["response"]["status"] == 200
    assert rec["console_message"].startswith("Origin https://app.example is not allowed by Access-Control-Allow-Origin.")
    assert "Access-Control-Allow-Credentials: true" in rec["fix"]["server_headers"]
    for key in ("server_headers", "server_changes", "request_changes", "caveats", "applies_to"):
        assert key in rec["fix"]


def test_json_allowed_has_readable_headers(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, f"{server}/open", "--origin", ORIGIN, "--browser", "chromium", "--json")
    assert code == 0
    (rec,) = json.loads(out)["results"]
    assert rec["reason"] is None and rec["console_message"] is None
    assert rec["response"]["type"] == "cors" and rec["response"]["status"] == 200
    readable = dict(rec["response"]["headers"])
    assert readable["content-type"] == "text/plain"  # CORS-safelisted response headers are readable
    assert "access-control-allow-origin" not in readable and "vary" not in readable  # the rest are not


def test_all_browsers_with_progress(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, f"{server}/open", "--origin", ORIGIN, "--browser", "all")
    assert code == 0
    for b in ("chromium", "firefox", "webkit", "spec"):
        assert f"=== {b} ===" in out
        assert f"  {b:<9} allowed: cors 200" in out
    lines = err.strip().splitlines()
    assert [ln.split("]")[0] for ln in lines] == ["[1/4", "[2/4", "[3/4", "[4/4"]


def test_all_browsers_json_one_object_each(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, f"{server}/closed", "--origin", ORIGIN, "--json")
    assert code == 1
    recs = json.loads(out)["results"]
    assert [r["browser"] for r in recs] == ["chromium", "firefox", "webkit", "spec"]
    assert {r["reason"] for r in recs} == {"missing_allow_origin"}


def test_redirect_to_another_live_server(capsys: pytest.CaptureFixture[str]) -> None:
    """Each origin is reached at its own address: the second hop goes to the second server, with Origin null."""
    seen: list[str] = []

    def target(env: dict[str, Any], start: StartResponse) -> list[bytes]:
        seen.append(env.get("HTTP_ORIGIN", "-"))
        start("200 OK", [("Access-Control-Allow-Origin", ORIGIN)])
        return [b"x"]

    with serve_wsgi(target, max_seconds=60) as second:
        def first(env: dict[str, Any], start: StartResponse) -> list[bytes]:
            start("302 Found", [("Location", f"{second}/new"), ("Access-Control-Allow-Origin", ORIGIN)])
            return []

        with serve_wsgi(first, max_seconds=60) as base:
            code, out, _ = run(capsys, f"{base}/old", "--origin", ORIGIN, "--browser", "chromium", "--json")
    assert code == 1
    (rec,) = json.loads(out)["results"]
    assert seen == ["null"]
    assert rec["reason"] == "allow_origin_mismatch"
    assert [e["request"]["url"] for e in rec["exchanges"]] == [f"{base}/old", f"{second}/new"]


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port: int = s.getsockname()[1]
    s.close()
    return port


def test_connection_refused_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    port = _closed_port()
    code, out, err = run(capsys, f"http://127.0.0.1:{port}/x", "--origin", ORIGIN, "--browser", "chromium",
                         "--timeout", "2")
    assert code == 2
    assert f"GET http://127.0.0.1:{port}/x net::ERR_CONNECTION_REFUSED" in out
    assert "no HTTP response (chromium): connection_refused" in err
    assert "Traceback" not in out + err


def test_timeout_is_exit_2_and_bounded(capsys: pytest.CaptureFixture[str]) -> None:
    release = threading.Event()

    def slow(env: dict[str, Any], start: StartResponse) -> list[bytes]:
        release.wait(10.0)  # bounded; released as soon as the test is done
        start("200 OK", [("Access-Control-Allow-Origin", ORIGIN)])
        return [b"late"]

    with serve_wsgi(slow, max_seconds=30) as base:
        t0 = time.monotonic()
        try:
            code, out, err = run(capsys, f"{base}/slow", "--origin", ORIGIN, "--browser", "chromium",
                                 "--timeout", "0.5", "--json")
        finally:
            release.set()
        elapsed = time.monotonic() - t0
    assert code == 2
    assert elapsed < 5.0
    (rec,) = json.loads(out)["results"]
    assert rec["reason"] == "network_failure"
    assert rec["failure"]["fault"]["kind"] == "timeout"
    assert "timeout" in err


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["http//nope", "--origin", ORIGIN], "bad URL"),
        (["ftp://127.0.0.1/x", "--origin", ORIGIN], "only http and https"),
        (["http://127.0.0.1:1/", "--origin", "app.example"], "bad origin"),
        (["http://127.0.0.1:1/", "--origin", "https://app.example/page"], "did you mean https://app.example?"),
        (["http://127.0.0.1:1/", "--origin", ORIGIN, "-H", "X-A 1"], "bad header 'X-A 1'"),
        (["http://127.0.0.1:1/", "--origin", ORIGIN, "-H", "X A: 1"], "not a valid header name"),
        (["http://127.0.0.1:1/", "--origin", ORIGIN, "-H", ": 1"], "name before ':' is empty"),
        (["http://127.0.0.1:1/"], "--origin"),
        (["http://127.0.0.1:1/", "--origin", ORIGIN, "--browser", "netscape"], "invalid choice"),
        (["http://127.0.0.1:1/", "--origin", ORIGIN, "--timeout", "0"], "positive number"),
        (["http://127.0.0.1:1/", "--origin", ORIGIN, "--credentials", "always"], "invalid choice"),
        # requests fetch() refuses before sending anything (no server needed: port 1 is never reached)
        (["http://127.0.0.1:1/", "--origin", ORIGIN, "-X", "GET", "--data", "x"], "cannot have a body"),
        (["http://127.0.0.1:1/", "--origin", ORIGIN, "-X", "TRACE"], "forbidden"),
        (["http://127.0.0.1:1/", "--origin", ORIGIN, "-X", "GE T"], "not a valid method"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str], needle: str) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("corssim check: ") and needle in err
    assert "Traceback" not in err


def test_dispatched_from_the_corssim_command(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli_main(["check", f"{server}/closed", "--origin", ORIGIN, "--browser", "spec"])
    out = capsys.readouterr().out
    assert code == 1
    assert "has been blocked by CORS policy" in out


def test_help_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "Exit status" in capsys.readouterr().out


def test_parse_header() -> None:
    assert parse_header("X-Token:  a b ") == ("X-Token", "a b")
    assert parse_header("Content-Type: application/json; charset=utf-8") == (
        "Content-Type", "application/json; charset=utf-8")
    assert parse_header("X-Empty:") == ("X-Empty", "")
    with pytest.raises(CheckError):
        parse_header("X-A : 1")


def test_colour_only_on_a_terminal_and_not_with_no_color(server: str, capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code, out, _ = run(capsys, f"{server}/closed", "--origin", ORIGIN, "--browser", "chromium")
    assert code == 1 and "\x1b[1;31m" in out
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code, out, _ = run(capsys, f"{server}/closed", "--origin", ORIGIN, "--browser", "chromium", "--no-color")
    assert code == 1 and "\x1b[" not in out
