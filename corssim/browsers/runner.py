"""Run scenario files in a real engine and record the RESULT of ../shared/scenario-format.md.

One engine launch serves a whole batch of scenarios; each scenario gets fresh browser state and one
page on its page host; the page performs the steps in order (so the preflight cache carries over
between steps), and the servers log every request of each step.

    from corssim.browsers import run_file
    results = run_file("tests/scenarios/basic.json", "firefox")
"""

from __future__ import annotations

import json
import queue
import secrets
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from corssim.browsers.engines import ENGINES, ChromiumEngine, Engine, FirefoxEngine, WebKitEngine, make_engine
from corssim.browsers.page import PAGE_HTML
from corssim.browsers.server import Answer, LoggedRequest, ServerPool
from corssim.scenario import Rule, Scenario, ScenarioFile, Step, check_expect, load, parse_file

__all__ = ["MAX_WAIT_S", "STEP_TIMEOUT_S", "BrowserRun", "run_data", "run_file", "run_scenario_file"]

ROTATE_PORT_START = 20000  # per-scenario ports when rotating (below the ephemeral range)
ROTATE_PORT_END = 32000
MAX_WAIT_S = 30.0          # a scenario asking for more wall-clock waiting than this is not run
STEP_TIMEOUT_S = 20.0      # one step, in the page (plus any delay_s the rules ask for)
SETTLE_S = 0.05            # after the page reports, let stray requests land in the log
LONG_POLL_S = 10.0


def _json_answer(value: Any) -> Answer:
    body = json.dumps(value, ensure_ascii=True)
    return Answer(status=200, headers=(("Content-Type", "application/json"), ("Cache-Control", "no-store")),
                  body=body)


class _Control:
    """The page's control channel: hands out steps, takes results; keyed by a run token."""

    def __init__(self) -> None:
        self.token = ""
        self.steps: queue.Queue[dict[str, Any]] = queue.Queue()
        self.results: queue.Queue[dict[str, Any]] = queue.Queue()
        self._lock = threading.Lock()
        #: while a page loads, "/" on every host is the test page (and is not logged)
        self.serving_page = False

    def new_run(self) -> str:
        with self._lock:
            self.token = secrets.token_hex(8)
            self.steps = queue.Queue()
            self.results = queue.Queue()
            return self.token

    def __call__(self, req: LoggedRequest) -> Answer | None:
        path, _, query = req.target.partition("?")
        token = ""
        for part in query.split("&"):
            if part.startswith("run="):
                token = part[4:]
        with self._lock:
            current, steps, results = self.token, self.steps, self.results
        if path == "/__corssim/page" or (path == "/" and self.serving_page and req.method == "GET"):
            html = PAGE_HTML.encode("utf-8").decode("latin-1")
            return Answer(status=200, headers=(("Content-Type", "text/html; charset=utf-8"),
                                               ("Cache-Control", "no-store")), body=html)
        if path == "/__corssim/next":
            if token != current:
                return _json_answer({"done": True})
            try:
                return _json_answer(steps.get(timeout=LONG_POLL_S))
            except queue.Empty:
                return Answer(status=204)
        if path == "/__corssim/result":
            if token == current:
                try:
                    results.put(json.loads(req.body.encode("latin-1").decode("utf-8")))
                except ValueError:
                    results.put({"outcome": "harness_error", "error": "unreadable result"})
            return Answer(status=204)
        return None


def _expect_fields(rec: dict[str, Any], step: Step) -> None:
    if step.expect is not None:
        rec["expect_mismatches"] = check_expect(step.expect, rec)


def _record(scenario: Scenario, step: Step, engine: str, page_result: dict[str, Any],
            log: Sequence[LoggedRequest]) -> dict[str, Any]:
    outcome = page_result.get("outcome", "harness_error")
    ok = outcome == "ok"
    rtype = page_result.get("response_type")
    if ok and step.api == "xhr":
        # XHR does not expose a response type; derive it from where the requests went.
        rtype = "basic" if all(r.host == scenario.page for r in log) and log else "cors"
    server_log = [r.to_json() for r in log]
    rec: dict[str, Any] = {
        "id": scenario.id,
        "step": step.index,
        "browser": engine,
        "outcome": outcome,  # "ok" | "network_error" (or the harness's "timeout" / "not_run")
        "response_type": rtype if ok else None,
        "status": page_result.get("status") if ok else None,
        "readable_headers": (page_result.get("readable_headers") or {}) if ok else {},
        "body": page_result.get("body") if ok else None,
        "preflight_sent": any(
            r.method == "OPTIONS" and any(n.lower() == "access-control-request-method" for n, _ in r.headers)
            for r in log
        ),
        "server_log": server_log,
        "engine": {"error": page_result.get("error"), "api": step.api},
    }
    if page_result.get("body_error"):
        rec["engine"]["body_error"] = page_result["body_error"]
    _expect_fields(rec, step)
    return rec


def _timeout_record(scenario: Scenario, step: Step, engine: str, why: str,
                    log: Sequence[LoggedRequest]) -> dict[str, Any]:
    rec = _record(scenario, step, engine, {"outcome": "timeout", "error": why}, log)
    rec["outcome"] = "timeout"
    return rec


class BrowserRun:
    """One engine and the host servers, for a batch of scenarios. Use as a context manager."""

    def __init__(self, engine: str, *, step_timeout: float = STEP_TIMEOUT_S, warm_up: bool = True,
                 max_wait: float = MAX_WAIT_S, rotate_ports: bool | None = None,
                 rotate_base: int = ROTATE_PORT_START, driver: Engine | None = None) -> None:
        """`driver` replaces the real engine (tests drive the page protocol without a browser)."""
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")
        self.engine_name = engine
        self.step_timeout = step_timeout
        self.warm_up = warm_up
        self.max_wait = max_wait
        self._driver = driver
        # Fresh state per scenario costs a new MiniBrowser session in WebKit (~1-5 s) and a new
        # BrowserContext in Chromium (~1-2 s under load); fresh ports per scenario give the same
        # isolation (new origins: empty preflight and HTTP caches for them) in one session, 3-10x
        # faster. Firefox keeps one profile cleared with Services.clearData (and its warm-up).
        self.rotate_ports = engine in ("chromium", "webkit") if rotate_ports is None else rotate_ports
        self.rotate_base = rotate_base
        self._next_port = rotate_base
        self.pool = ServerPool()
        self.control = _Control()
        self.pool.control = self.control
        self.engine: Engine | None = None
        self._warmed: set[tuple[str, str]] = set()
        self.timings: list[float] = []

    def __enter__(self) -> BrowserRun:
        self.engine = self._driver if self._driver is not None else make_engine(self.engine_name)
        if isinstance(self.engine, WebKitEngine):
            self.engine.session_per_page = not self.rotate_ports
        if isinstance(self.engine, ChromiumEngine):
            self.engine.context_per_page = not self.rotate_ports
        if isinstance(self.engine, FirefoxEngine):
            self.engine.clear_each_page = not self.rotate_ports
        try:
            self.engine.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.engine is not None:
            try:
                self.engine.stop()
            finally:
                self.engine = None
        self.pool.stop()

    def version(self) -> str:
        return self.engine.version() if self.engine is not None else self.engine_name

    # -- one scenario -------------------------------------------------------------------------

    def _not_run(self, scenario: Scenario, step: Step, why: str) -> dict[str, Any]:
        rec = _record(scenario, step, self.engine_name, {"outcome": "not_run", "error": why}, [])
        rec["outcome"] = "not_run"
        rec.pop("expect_mismatches", None)
        return rec

    def _open(self, url: str) -> None:
        """Load the test page at `url` ("/" of the page host) on fresh state."""
        assert self.engine is not None
        self.control.serving_page = True
        try:
            self.engine.open(url)
        finally:
            self.control.serving_page = False

    def _wait_result(self, timeout: float) -> dict[str, Any] | None:
        assert self.engine is not None
        deadline = time.monotonic() + timeout
        results = self.control.results
        while True:
            try:
                return results.get_nowait()
            except queue.Empty:
                pass
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.engine.pump(min(0.02, left))

    def run_scenario(self, scenario: Scenario) -> list[dict[str, Any]]:
        """Run one scenario's steps in one fresh page; one RESULT per step."""
        assert self.engine is not None
        waits = sum(step.wait_s for step in scenario.steps)
        if waits > self.max_wait:
            return [self._not_run(scenario, step, f"the steps wait {waits:g} s in all; a real engine run "
                                  f"waits at most {self.max_wait:g} s") for step in scenario.steps]
        self.pool.ensure(dict(scenario.hosts))
        if self.warm_up and isinstance(self.engine, FirefoxEngine):
            self._firefox_warm_up(scenario)
        started = time.monotonic()
        self.pool.set_rules([])
        token = self.control.new_run()
        page_url = f"{scenario.hosts[scenario.page]}/#run={token}"
        records: list[dict[str, Any]] = []
        try:
            self._open(page_url)
        except Exception as e:  # noqa: BLE001 - an engine failure is recorded, not raised
            for step in scenario.steps:
                records.append(_timeout_record(scenario, step, self.engine_name, f"page load failed: {e}", []))
            self.pool.take_log()
            return records
        broken = False
        for seq, step in enumerate(scenario.steps):
            if broken:
                records.append(_timeout_record(scenario, step, self.engine_name, "an earlier step timed out", []))
                continue
            if step.wait_s:
                self.engine.pump(step.wait_s)
            self.pool.set_rules(list(step.rules))
            self.pool.take_log()
            step_started = time.monotonic() - started
            limit = self.step_timeout + sum(min(r.delay_s, 15.0) for r in step.rules)
            self.control.steps.put({"seq": seq, "api": step.api, "url": step.url, "init": dict(step.init),
                                    "timeout_ms": int(limit * 1000)})
            res = self._wait_result(limit + 5.0)
            self.engine.pump(SETTLE_S)
            log = self.pool.take_log()
            if res is None or res.get("outcome") == "timeout":
                why = "no result from the page" if res is None else str(res.get("error"))
                records.append(_timeout_record(scenario, step, self.engine_name, why, log))
                broken = True
                continue
            rec = _record(scenario, step, self.engine_name, res, log)
            # Real time passes between steps (the model's clock only moves by wait_s): kept so
            # that a preflight-cache difference near a max-age boundary can be told apart.
            rec["engine"]["t_s"] = round(step_started, 3)
            records.append(rec)
        self.control.steps.put({"done": True})
        self.control.new_run()
        try:
            self.engine.close_page()
        except Exception:  # noqa: BLE001
            pass
        self.pool.set_rules([])
        self.timings.append(time.monotonic() - started)
        return records

    # -- Firefox's cold preflight cache (engines-observed.md) --------------------------------

    def _firefox_warm_up(self, scenario: Scenario) -> None:
        """Send preflighted PUTs from the page host to every other host until one preflight
        serves two PUTs, so that the preflight cache behaves as it does in a warm browser."""
        page_origin = scenario.hosts[scenario.page]
        for name, origin in scenario.hosts.items():
            # Per origin pair: warming 127.0.0.2 on one port does not warm it on another
            # (measured: with fresh ports per scenario and per-address warm-up, preflight-cache
            # scenarios disagree), so Firefox keeps its hosts and is cleared between scenarios.
            key = (page_origin, origin)
            if origin == page_origin or key in self._warmed:
                continue
            rules = [
                Rule.from_json({"match": {"method": "OPTIONS"}, "status": 204, "headers": [
                    ["Access-Control-Allow-Origin", page_origin],
                    ["Access-Control-Allow-Methods", "PUT"],
                    ["Access-Control-Allow-Headers", "X-Corssim-Warm"],
                    ["Access-Control-Max-Age", "600"]]}),
                Rule.from_json({"headers": [["Access-Control-Allow-Origin", page_origin]], "body": "w"}),
            ]
            step = Step(index=0, api="fetch", url=f"{origin}/__warm/{secrets.token_hex(4)}",
                        init={"method": "PUT", "headers": [["X-Corssim-Warm", "1"]], "body": "w"},
                        rules=tuple(rules))
            warm = Scenario(id="__warm-up", page=scenario.page, hosts=scenario.hosts,
                            steps=tuple(Step(index=i, api=step.api, url=step.url, init=step.init,
                                             rules=step.rules) for i in range(10)))
            if self._run_until_cached(warm):
                self._warmed.add(key)

    def _run_until_cached(self, warm: Scenario) -> bool:
        assert self.engine is not None
        token = self.control.new_run()
        self._open(f"{warm.hosts[warm.page]}/#run={token}")
        last_preflight = False
        ok = False
        for seq, step in enumerate(warm.steps):
            self.pool.set_rules(list(step.rules))
            self.pool.take_log()
            self.control.steps.put({"seq": seq, "api": "fetch", "url": step.url, "init": dict(step.init),
                                    "timeout_ms": 10000})
            res = self._wait_result(15.0)
            self.engine.pump(SETTLE_S)
            log = self.pool.take_log()
            if res is None:
                break
            pre = any(r.method == "OPTIONS" for r in log)
            if last_preflight and not pre:
                ok = True
                break
            last_preflight = pre
        self.control.steps.put({"done": True})
        self.control.new_run()
        self.pool.set_rules([])
        return ok

    # -- files ----------------------------------------------------------------------------------

    def run_file(self, sf: ScenarioFile) -> dict[str, Any]:
        """Run every scenario of a parsed file (in every engine, whatever its `browsers` says:
        the comparison with the model is meaningful everywhere)."""
        results: list[dict[str, Any]] = []
        for sc in sf.scenarios:
            results.extend(self.run_scenario(sc))
        return {"browser": self.engine_name, "engine_version": self.version(), "hosts": dict(sf.hosts),
                "results": results}

    def run_data(self, data: dict[str, Any], where: str = "scenarios") -> tuple[dict[str, Any], dict[str, Any]]:
        """Run a decoded scenario file; returns (results file, the scenario file as run).

        With `rotate_ports`, every scenario runs on hosts of its own (same addresses, fresh ports,
        written into the scenario's `hosts`), so that no browser state can carry over between
        scenarios even in one browser session; run the model on the returned file so that both
        sides see the same origins.
        """
        if not self.rotate_ports:
            return self.run_file(parse_file(data, where)), data
        base = parse_file({**data, "scenarios": []}, where).hosts
        rewritten: list[Any] = []
        for raw in data.get("scenarios", []):
            if not isinstance(raw, dict):
                rewritten.append(raw)
                continue
            hosts = dict(base)
            hosts.update(raw.get("hosts") or {})
            rewritten.append({**raw, "hosts": self._fresh_hosts(hosts)})
        effective = {**data, "scenarios": rewritten}
        sf = parse_file(effective, where)
        results: list[dict[str, Any]] = []
        for sc in sf.scenarios:
            results.extend(self.run_scenario(sc))
            self.pool.release(dict(sc.hosts))
        return ({"browser": self.engine_name, "engine_version": self.version(), "hosts": dict(sf.hosts),
                 "results": results}, effective)

    def _fresh_hosts(self, hosts: dict[str, str]) -> dict[str, str]:
        from urllib.parse import urlsplit

        out: dict[str, str] = {}
        for name in sorted(hosts):
            parts = urlsplit(hosts[name])
            for _ in range(ROTATE_PORT_END - ROTATE_PORT_START):  # bounded: one lap of the range
                if self._next_port + 1 >= ROTATE_PORT_END:
                    self._next_port = self.rotate_base
                port = self._next_port
                self._next_port += 1
                if _port_free(parts.hostname or "127.0.0.1", port):
                    break  # (a port some other program holds is skipped, not fought over)
            out[name] = f"{parts.scheme}://{parts.hostname}:{port}"
        return out


def _port_free(ip: str, port: int) -> bool:
    """Whether `ip:port` can be listened on right now."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((ip, port))
        except OSError:
            return False
    return True


def run_scenario_file(sf: ScenarioFile, engine: str, **kwargs: Any) -> dict[str, Any]:
    """Run a parsed scenario file in one launch of `engine` on the file's own hosts (no port
    rotation); the results file as a dict."""
    kwargs.setdefault("rotate_ports", False)
    with BrowserRun(engine, **kwargs) as run:
        return run.run_file(sf)


def run_data(data: dict[str, Any], engine: str, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run a decoded scenario file in one launch of `engine`: (results file, file as run)."""
    with BrowserRun(engine, **kwargs) as run:
        return run.run_data(data)


def run_file(path: str | Path | dict[str, Any], engine: str, **kwargs: Any) -> dict[str, Any]:
    """Run a scenario file (a path, or its decoded JSON) in `engine` on the file's own hosts;
    the results file of the scenario format, as a dict."""
    sf = parse_file(path, "scenarios") if isinstance(path, dict) else load(path)
    return run_scenario_file(sf, engine, **kwargs)
