"""The runner without a browser: a fake engine speaks the page's control protocol (long-poll a
step, perform it with plain HTTP, post the result), so step sequencing, per-step logs, records,
not-run scenarios and fresh ports per scenario are tested on loopback."""

from __future__ import annotations

import http.client
import json
import socket
import threading
from typing import Any
from urllib.parse import urlsplit

import pytest

from corssim.browsers.runner import BrowserRun


def _free_base() -> int:
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = int(s.getsockname()[1])
        if base + 2 < 65000:
            return base
    raise RuntimeError("no port")


class FakePage:
    """Plays the test page: GET /__corssim/next, perform the step (no CORS at all), POST result."""

    name = "chromium"

    def __init__(self) -> None:
        self.thread: threading.Thread | None = None
        self.opened: list[str] = []

    def start(self) -> None:
        pass

    def version(self) -> str:
        return "fake"

    def pump(self, seconds: float) -> None:
        threading.Event().wait(seconds)

    def close_page(self) -> None:
        if self.thread is not None:
            self.thread.join(timeout=15)

    def stop(self) -> None:
        self.close_page()

    def open(self, url: str) -> None:
        self.opened.append(url)
        parts = urlsplit(url)
        token = parts.fragment.split("=", 1)[1]
        page = http.client.HTTPConnection(parts.hostname, parts.port, timeout=15)
        page.request("GET", "/")
        html = page.getresponse().read().decode()
        assert "corssim" in html
        self.thread = threading.Thread(target=self._loop, args=(parts.hostname, parts.port, token), daemon=True)
        self.thread.start()

    def _loop(self, host: str, port: int, token: str) -> None:
        for _ in range(100):
            c = http.client.HTTPConnection(host, port, timeout=15)
            c.request("GET", f"/__corssim/next?run={token}")
            r = c.getresponse()
            body = r.read()
            if r.status == 204:
                continue
            step = json.loads(body)
            if step.get("done"):
                return
            result = self._perform(step)
            result["seq"] = step["seq"]
            c.request("POST", f"/__corssim/result?run={token}", body=json.dumps(result))
            c.getresponse().read()

    def _perform(self, step: dict[str, Any]) -> dict[str, Any]:
        u = urlsplit(step["url"])
        init = step.get("init") or {}
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=15)
        target = u.path + ("?" + u.query if u.query else "")
        try:
            c.request(init.get("method", "GET"), target, body=init.get("body"),
                      headers=dict(init.get("headers") or []))
            r = c.getresponse()
            body = r.read().decode()
        except OSError as e:
            return {"outcome": "network_error", "error": str(e)}
        return {"outcome": "ok", "response_type": "cors", "status": r.status,
                "readable_headers": {k.lower(): v for k, v in r.getheaders()}, "body": body}


def _file(base: int) -> dict[str, Any]:
    return {
        "hosts": {"A": f"http://127.0.0.1:{base}", "B": f"http://127.0.0.2:{base + 1}"},
        "scenarios": [
            {"id": "two-steps", "page": "A", "steps": [
                {"url": "{B}/one?x=1", "init": {"method": "PUT", "headers": [["X-Tag", "é"]], "body": "b"},
                 "server": [{"match": {"host": "B", "path": "/one"}, "status": 201,
                             "headers": [["X-Reply", "1"]], "body": "first"}]},
                {"url": "{B}/two", "server": [{"match": {"path": "/nope"}, "body": "x"}],
                 "expect": {"status": 404}},
            ]},
            {"id": "too-long", "page": "A", "steps": [{"wait_s": 3600, "url": "{B}/x"}]},
        ],
    }


@pytest.mark.parametrize("rotate", [False, True])
def test_runner_sequences_steps_and_logs_each_step(rotate: bool) -> None:
    base = _free_base()
    page = FakePage()
    with BrowserRun("chromium", driver=page, step_timeout=10, rotate_ports=rotate,
                    rotate_base=_free_base() if rotate else 20000) as run:
        results, as_run = run.run_data(_file(base))
    recs = results["results"]
    assert [(r["id"], r["step"], r["outcome"]) for r in recs] == [
        ("two-steps", 0, "ok"), ("two-steps", 1, "ok"), ("too-long", 0, "not_run")]
    first, second = recs[0], recs[1]
    assert (first["status"], first["body"], first["readable_headers"]["x-reply"]) == (201, "first", "1")
    assert [(e["host"], e["method"], e["path"]) for e in first["server_log"]] == [("B", "PUT", "/one?x=1")]
    sent = dict((n.lower(), v) for n, v in first["server_log"][0]["headers"])
    assert sent["x-tag"] == "é"  # latin-1 on the wire, logged unchanged
    assert first["preflight_sent"] is False
    assert second["status"] == 404 and second["body"] == "" and second["expect_mismatches"] == []
    assert [e["path"] for e in second["server_log"]] == ["/two"]
    hosts = as_run["scenarios"][0].get("hosts") or as_run["hosts"]
    if rotate:
        assert hosts["A"] != f"http://127.0.0.1:{base}"  # fresh ports, written into the file as run
    else:
        assert hosts["A"] == f"http://127.0.0.1:{base}"
    assert page.opened[0] == hosts["A"] + "/#run=" + page.opened[0].split("#run=")[1]
    assert first["server_log"][0]["headers"][0][1].endswith(str(urlsplit(hosts["B"]).port))  # Host header


def test_runner_records_a_timeout_when_the_page_never_answers() -> None:
    class DeadPage(FakePage):
        def open(self, url: str) -> None:
            self.opened.append(url)

    base = _free_base()
    data = _file(base)
    data["scenarios"] = data["scenarios"][:1]
    with BrowserRun("chromium", driver=DeadPage(), step_timeout=0.5, rotate_ports=False) as run:
        results, _ = run.run_data(data)
    assert [r["outcome"] for r in results["results"]] == ["timeout", "timeout"]
