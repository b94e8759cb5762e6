"""The real-browser harness without a browser: servers answer and log exactly; compare() finds
disagreements. Loopback only; every socket has a timeout and every server is stopped."""

from __future__ import annotations

import io
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corssim.browsers.bulk import group_key, hosts_for, write_conformance
from corssim.browsers.server import ServerPool
from corssim.scenario import Rule
from corssim.verify import Difference, compare, format_table, main, page_headers_of


def _free_port(ip: str) -> int:
    with socket.socket() as s:
        s.bind((ip, 0))
        return int(s.getsockname()[1])


@pytest.fixture
def pool() -> Iterator[tuple[ServerPool, dict[str, str]]]:
    hosts = {"A": f"http://127.0.0.1:{_free_port('127.0.0.1')}", "B": f"http://127.0.0.2:{_free_port('127.0.0.2')}"}
    p = ServerPool()
    p.ensure(hosts)
    try:
        yield p, hosts
    finally:
        p.stop()


def _send(origin: str, raw: bytes, timeout: float = 5.0) -> bytes:
    """Send one raw request; read the answer until the connection has no more for 0.3 s."""
    host, port = origin.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.sendall(raw)
        s.settimeout(0.3)
        data = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except (TimeoutError, socket.timeout):
                if data:
                    break
                continue
            if not chunk:
                break
            data += chunk
        return data


def _rules(*rules: dict[str, Any]) -> list[Rule]:
    return [Rule.from_json(r) for r in rules]


def test_logs_request_bytes_case_order_and_repeats(pool: tuple[ServerPool, dict[str, str]]) -> None:
    p, hosts = pool
    p.set_rules(_rules({"body": "x"}))
    raw = (b"PUT /r?q=1 HTTP/1.1\r\nHost: b\r\nx-LoWer: 1\r\nAccept: text/\xe9\r\nX-Dup: a\r\nX-Dup: b\r\n"
           b"Content-Length: 3\r\n\r\nabc")
    _send(hosts["B"], raw)
    log = p.take_log()
    assert len(log) == 1
    r = log[0]
    assert (r.host, r.method, r.target, r.body) == ("B", "PUT", "/r?q=1", "abc")
    assert r.headers == (("Host", "b"), ("x-LoWer", "1"), ("Accept", "text/\u00e9"), ("X-Dup", "a"),
                         ("X-Dup", "b"), ("Content-Length", "3"))
    assert r.to_json()["path"] == "/r?q=1"


def test_answers_exactly_as_the_rule_says(pool: tuple[ServerPool, dict[str, str]]) -> None:
    p, hosts = pool
    p.set_rules(_rules(
        {"match": {"host": "B", "method": "OPTIONS"}, "status": 204, "reason": "Fine",
         "headers": [["access-control-allow-origin", hosts["A"]], ["X-R", "1"], ["X-R", "2"]]},
        {"match": {"host": "B"}, "headers": [["Content-Type", "text/plain"]], "body": "hello"},
    ))
    pre = _send(hosts["B"], b"OPTIONS /r HTTP/1.1\r\nHost: b\r\n\r\n")
    assert pre == (f"HTTP/1.1 204 Fine\r\naccess-control-allow-origin: {hosts['A']}\r\nX-R: 1\r\nX-R: 2\r\n\r\n"
                   .encode())
    get = _send(hosts["B"], b"GET /r HTTP/1.1\r\nHost: b\r\n\r\n")
    assert get == b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"


def test_unmatched_gets_404_with_only_content_length(pool: tuple[ServerPool, dict[str, str]]) -> None:
    p, hosts = pool
    p.set_rules(_rules({"match": {"host": "B", "path": "/only"}, "body": "x"}))
    ans = _send(hosts["A"], b"GET /only HTTP/1.1\r\nHost: a\r\n\r\n")
    assert ans == b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
    assert [r.host for r in p.take_log()] == ["A"]


def test_rule_content_length_is_not_duplicated_and_head_has_no_body(
        pool: tuple[ServerPool, dict[str, str]]) -> None:
    p, hosts = pool
    p.set_rules(_rules({"headers": [["Content-Length", "2"]], "body": "ok"}))
    assert _send(hosts["B"], b"GET / HTTP/1.1\r\nHost: b\r\n\r\n") == b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    assert _send(hosts["B"], b"HEAD / HTTP/1.1\r\nHost: b\r\n\r\n") == b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"


def test_keep_alive_serves_several_requests_on_one_connection(pool: tuple[ServerPool, dict[str, str]]) -> None:
    p, hosts = pool
    p.set_rules(_rules({"body": "1"}))
    ans = _send(hosts["B"], b"GET /a HTTP/1.1\r\nHost: b\r\n\r\nGET /b HTTP/1.1\r\nHost: b\r\n\r\n")
    assert ans.count(b"HTTP/1.1 200 OK") == 2
    assert [r.target for r in p.take_log()] == ["/a", "/b"]


def test_delay_is_honoured(pool: tuple[ServerPool, dict[str, str]]) -> None:
    p, hosts = pool
    p.set_rules(_rules({"delay_s": 0.4, "body": "slow"}))
    t = time.monotonic()
    ans = _send(hosts["B"], b"GET / HTTP/1.1\r\nHost: b\r\n\r\n")
    assert time.monotonic() - t >= 0.35
    assert ans.endswith(b"slow")


def test_control_paths_are_not_logged(pool: tuple[ServerPool, dict[str, str]]) -> None:
    p, hosts = pool
    p.control = lambda req: None
    ans = _send(hosts["A"], b"GET /__corssim/page HTTP/1.1\r\nHost: a\r\n\r\n")
    assert ans.startswith(b"HTTP/1.1 404")
    assert p.take_log() == []


def test_stop_closes_the_port(pool: tuple[ServerPool, dict[str, str]]) -> None:
    p, hosts = pool
    p.stop()
    host, port = hosts["B"].split("//")[1].split(":")
    with pytest.raises(OSError):
        socket.create_connection((host, int(port)), timeout=1).close()


# -- compare ------------------------------------------------------------------------------------

def _rec(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "s", "step": 0, "outcome": "ok", "response_type": "cors", "status": 200, "preflight_sent": True,
        "readable_headers": {"content-type": "text/plain"}, "body": "hi",
        "server_log": [
            {"host": "B", "method": "OPTIONS", "path": "/r",
             "headers": [["Origin", "http://a"], ["Access-Control-Request-Method", "PUT"], ["User-Agent", "x"]]},
            {"host": "B", "method": "PUT", "path": "/r",
             "headers": [["Origin", "http://a"], ["X-Custom", "1"], ["User-Agent", "x"]]},
        ],
    }
    base.update(kw)
    return base


def test_compare_agreement_is_empty() -> None:
    assert compare({"results": [_rec()]}, {"results": [_rec()]}) == []


def test_compare_ignores_uncompared_headers_and_name_case() -> None:
    model = _rec()
    model["server_log"] = json.loads(json.dumps(model["server_log"]))
    model["server_log"][1]["headers"] = [["origin", "http://a"], ["X-Custom", "1"], ["User-Agent", "other"]]
    assert compare({"results": [_rec()]}, {"results": [model]}) == []


def test_compare_reports_a_known_disagreement() -> None:
    engine = _rec(preflight_sent=True)
    model = _rec(preflight_sent=False, outcome="network_error", status=None, body=None,
                 response_type=None, readable_headers={}, server_log=[_rec()["server_log"][1]])
    diffs = compare({"results": [engine]}, {"results": [model]})
    fields = [d.field for d in diffs]
    assert fields[:6] == ["outcome", "response_type", "status", "preflight_sent", "readable_headers", "body"]
    assert "server_log.length" in fields
    assert "server_log[0].method" in fields
    pf = next(d for d in diffs if d.field == "preflight_sent")
    assert (pf.engine, pf.model) == (True, False)
    table = format_table("firefox", diffs, 1)
    assert "0/1 steps agree" in table and "preflight_sent" in table


def test_compare_page_set_headers() -> None:
    model = _rec()
    model["server_log"] = json.loads(json.dumps(model["server_log"]))
    model["server_log"][1]["headers"] = [["Origin", "http://a"], ["User-Agent", "x"]]
    assert compare({"results": [_rec()]}, {"results": [model]}) == []
    page = page_headers_of({"scenarios": [{"id": "s", "steps": [{"init": {"headers": [["X-Custom", "1"]]}}]}]})
    diffs = compare({"results": [_rec()]}, {"results": [model]}, page)
    assert [(d.field, d.engine, d.model) for d in diffs] == [("server_log[1].headers.X-Custom", "1", None)]


def test_compare_missing_step() -> None:
    diffs = compare({"results": [_rec(), _rec(step=1)]}, {"results": [_rec()]})
    assert [(d.step, d.field) for d in diffs] == [(1, "missing")]


def test_group_key_folds_request_index() -> None:
    a = group_key(Difference("x", 0, "server_log[0].headers.Origin", "null", "http://a"))
    b = group_key(Difference("y", 0, "server_log[3].headers.Origin", "null", "http://a"))
    assert a == b and "server_log[*].headers.origin" in a


def test_hosts_for_port_base() -> None:
    assert hosts_for(None) is None
    assert hosts_for(9000) == {"A": "http://127.0.0.1:9000", "B": "http://127.0.0.2:9001",
                               "C": "http://127.0.0.3:9002"}


def test_write_conformance_keeps_hand_written_notes(tmp_path: Path) -> None:
    f = tmp_path / "conformance.md"
    summary = {"engine": "firefox", "version": "Firefox 1", "scenarios": 2, "agreeing_scenarios": 1, "steps": 2,
               "agreeing_steps": 1, "seconds_per_scenario": 0.5, "groups": {"status: engine 1 / corssim 2": ["f:s#0"]}}
    write_conformance(f, [summary], "cmd")
    f.write_text(f.read_text() + "\n## Resolutions\nkept\n")
    write_conformance(f, [dict(summary, agreeing_scenarios=2, groups={})], "cmd2")
    text = f.read_text()
    assert "kept" in text and "cmd2" in text and "cmd`" not in text.replace("cmd2`", "")
    assert text.count("corssim.browsers.bulk: begin") == 1


def test_verify_usage_errors_exit_2(tmp_path: Path) -> None:
    out = io.StringIO()
    assert main(["--engine", "netscape", "x.json"], stdout=out) == 2
    assert main([str(tmp_path / "missing.json"), "--engine", "chromium"], stdout=out) in (2,)


def test_compare_masks_random_form_boundaries_only() -> None:
    def with_ct(value: str) -> dict[str, Any]:
        r = _rec()
        r["server_log"] = [{"host": "B", "method": "POST", "path": "/r", "headers": [["Content-Type", value]]}]
        return r

    same = compare({"results": [with_ct("multipart/form-data; boundary=----WebKitFormBoundaryAb12")]},
                   {"results": [with_ct("multipart/form-data; boundary=----corssim0123")]})
    assert same == []
    diff = compare({"results": [with_ct("multipart/form-data; boundary=x")]},
                   {"results": [with_ct("text/plain")]})
    assert [d.field for d in diff] == ["server_log[0].headers.Content-Type"]


def test_compare_skips_steps_the_engine_did_not_run() -> None:
    from corssim.verify import not_run

    engine = {"results": [_rec(outcome="not_run", status=None), _rec(step=1)]}
    model = {"results": [_rec(), _rec(step=1, status=500)]}
    assert [(d.step, d.field) for d in compare(engine, model)] == [(1, "status")]
    assert not_run(engine) == [("s", 0)]
