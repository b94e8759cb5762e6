"""The hand-written scenario suite (tests/scenarios/*.json), run through `corssim run`.

Each file is checked twice:

* its shape, against ../shared/scenario-format.md plus the two extensions this suite uses:
  - `"browsers": [...]` on a scenario: the expectations hold only for those profiles
    (absent: for all four, spec/chromium/firefox/webkit);
  - `"expect_requests": [...]` on a step: the exact list of requests the browser must send in
    that step, each `{"host", "method", "path"?, "headers"?: {name: value|null}, "absent"?: [names]}`
    (`null`: present with any value). Placeholders ({A}, {B_PORT}, ...) are allowed in values.
* its behaviour: for each profile, the scenarios of all files that apply to it are written to one
  temporary file and run with `python -m corssim run FILE --browser X --out OUT.json` in a
  subprocess; the exit status must be 0 (every `expect` block met), the results file must have
  the RESULT shape, and every `expect_requests` list must match the RESULT's `server_log`.

The expectations come from the Fetch standard and from ../shared/reference/engines-observed.md
(each scenario's `source` names which), never from corssim's output.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

SCENARIO_DIR = Path(__file__).parent / "scenarios"
FILES = sorted(SCENARIO_DIR.glob("*.json"))
BROWSERS = ("spec", "chromium", "firefox", "webkit")
DEFAULT_HOSTS = {"A": "http://127.0.0.1:8801", "B": "http://127.0.0.2:8802", "C": "http://127.0.0.3:8803"}

_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_PLACEHOLDER = re.compile(r"\{([A-Z][A-Z0-9]*?)(_PORT)?\}")
_STEP_KEYS = {"wait_s", "api", "url", "init", "server", "expect", "expect_requests"}
_FETCH_INIT = {"method", "headers", "mode", "credentials", "redirect", "body", "referrerPolicy", "cache",
               "keepalive", "duplex", "integrity", "signal", "priority"}
_XHR_INIT = {"method", "headers", "body", "withCredentials", "uploadListeners"}
_RULE_KEYS = {"match", "status", "reason", "headers", "body", "delay_s"}
_MATCH_KEYS = {"host", "method", "path", "header_present", "header_absent"}
_EXPECT_KEYS = {"outcome", "status", "response_type", "preflight_sent", "body", "readable_headers",
                "unreadable_headers"}
_RESULT_KEYS = {"id", "step", "browser", "outcome", "response_type", "status", "readable_headers", "body",
                "preflight_sent", "server_log"}
_RESPONSE_TYPES = {"basic", "cors", "opaque", "opaqueredirect", None}


# --- shape -----------------------------------------------------------------------------------

def _is_pairs(value: object) -> bool:
    return isinstance(value, list) and all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in value)


def _names(value: object) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(x, str) for x in value))


def shape_errors(data: object) -> list[str]:
    """Everything in a scenario file that departs from the format (empty list: valid)."""
    errs: list[str] = []
    if not isinstance(data, dict) or not isinstance(data.get("scenarios"), list):
        return ["top level must be an object with a 'scenarios' list"]
    hosts = dict(DEFAULT_HOSTS)
    if "hosts" in data:
        if not isinstance(data["hosts"], dict):
            errs.append("hosts must be an object")
        else:
            hosts.update(data["hosts"])
    seen: set[str] = set()
    for i, sc in enumerate(data["scenarios"]):
        w = f"scenarios[{i}]"
        if not isinstance(sc, dict):
            errs.append(f"{w}: not an object")
            continue
        sid = sc.get("id")
        if not isinstance(sid, str) or not _ID.match(sid):
            errs.append(f"{w}: id {sid!r} is not kebab-case")
        elif sid in seen:
            errs.append(f"{w}: duplicate id {sid!r}")
        else:
            seen.add(sid)
            w = sid
        if not isinstance(sc.get("source"), str) or not sc["source"].strip():
            errs.append(f"{w}: source missing")
        shosts = dict(hosts)
        shosts.update(sc.get("hosts") or {})
        if sc.get("page", "A") not in shosts:
            errs.append(f"{w}: page {sc.get('page')!r} is not a host")
        if "browsers" in sc:
            b = sc["browsers"]
            if not isinstance(b, list) or not b or not set(b) <= set(BROWSERS) or len(set(b)) != len(b):
                errs.append(f"{w}: browsers must be a non-empty subset of {BROWSERS}")
        steps = sc.get("steps")
        if not isinstance(steps, list) or not steps:
            errs.append(f"{w}: steps must be a non-empty list")
            continue
        for j, st in enumerate(steps):
            errs.extend(_step_errors(st, f"{w}.steps[{j}]", set(shosts)))
    return errs


def _placeholders_ok(value: Any, names: set[str]) -> bool:
    if isinstance(value, str):
        return all(m.group(1) in names for m in _PLACEHOLDER.finditer(value))
    if isinstance(value, list):
        return all(_placeholders_ok(v, names) for v in value)
    if isinstance(value, dict):
        return all(_placeholders_ok(v, names) for v in value.values())
    return True


def _step_errors(st: object, w: str, hosts: set[str]) -> list[str]:
    errs: list[str] = []
    if not isinstance(st, dict):
        return [f"{w}: not an object"]
    if set(st) - _STEP_KEYS:
        errs.append(f"{w}: unknown keys {sorted(set(st) - _STEP_KEYS)}")
    api = st.get("api", "fetch")
    if api not in ("fetch", "xhr"):
        errs.append(f"{w}: api {api!r}")
    if not isinstance(st.get("url"), str):
        errs.append(f"{w}: url must be a string")
    wait = st.get("wait_s", 0)
    if not isinstance(wait, (int, float)) or wait < 0:
        errs.append(f"{w}: wait_s must be a non-negative number")
    init = st.get("init", {})
    if not isinstance(init, dict):
        errs.append(f"{w}: init must be an object")
    else:
        allowed = _XHR_INIT if api == "xhr" else _FETCH_INIT
        if set(init) - allowed:
            errs.append(f"{w}: unknown init members {sorted(set(init) - allowed)}")
        if "headers" in init and not _is_pairs(init["headers"]):
            errs.append(f"{w}: init.headers must be [name, value] pairs")
        body = init.get("body")
        if body is not None and not isinstance(body, (str, dict)):
            errs.append(f"{w}: init.body must be a string, null or a body-kind object")
    server = st.get("server", [])
    if not isinstance(server, list):
        errs.append(f"{w}: server must be a list")
        server = []
    for k, rule in enumerate(server):
        rw = f"{w}.server[{k}]"
        if not isinstance(rule, dict) or set(rule) - _RULE_KEYS:
            errs.append(f"{rw}: bad rule keys")
            continue
        match = rule.get("match", {})
        if not isinstance(match, dict) or set(match) - _MATCH_KEYS:
            errs.append(f"{rw}: bad match")
        else:
            for key in ("host", "method"):
                if key in match and not _names(match[key]):
                    errs.append(f"{rw}: match.{key}")
            hs = match.get("host")
            for name in ([hs] if isinstance(hs, str) else hs or []):
                if name not in hosts:
                    errs.append(f"{rw}: match.host {name!r} unknown")
        status = rule.get("status", 200)
        if not isinstance(status, int) or not 100 <= status <= 999:
            errs.append(f"{rw}: status")
        if not _is_pairs(rule.get("headers", [])):
            errs.append(f"{rw}: headers must be [name, value] pairs")
        if "body" in rule and not isinstance(rule["body"], str):
            errs.append(f"{rw}: body must be a string")
    expect = st.get("expect")
    if expect is not None:
        if not isinstance(expect, dict) or set(expect) - _EXPECT_KEYS:
            errs.append(f"{w}: bad expect keys")
        else:
            if "outcome" in expect and expect["outcome"] not in ("ok", "network_error"):
                errs.append(f"{w}: expect.outcome")
            if "response_type" in expect and expect["response_type"] not in _RESPONSE_TYPES:
                errs.append(f"{w}: expect.response_type")
            if "preflight_sent" in expect and not isinstance(expect["preflight_sent"], bool):
                errs.append(f"{w}: expect.preflight_sent")
            if "readable_headers" in expect and not isinstance(expect["readable_headers"], dict):
                errs.append(f"{w}: expect.readable_headers")
            if "unreadable_headers" in expect and not isinstance(expect["unreadable_headers"], list):
                errs.append(f"{w}: expect.unreadable_headers")
    reqs = st.get("expect_requests")
    if reqs is not None:
        if not isinstance(reqs, list):
            errs.append(f"{w}: expect_requests must be a list")
        else:
            for r in reqs:
                if (not isinstance(r, dict) or set(r) - {"host", "method", "path", "headers", "absent"}
                        or r.get("host") not in hosts or not isinstance(r.get("method"), str)
                        or not isinstance(r.get("headers", {}), dict)
                        or not isinstance(r.get("absent", []), list)):
                    errs.append(f"{w}: bad expect_requests entry {r!r}")
    if not _placeholders_ok({k: st.get(k) for k in ("url", "init", "server", "expect_requests")}, hosts):
        errs.append(f"{w}: placeholder naming an unknown host")
    return errs


# --- expect_requests against a server_log ------------------------------------------------------

def substitute(value: Any, hosts: Mapping[str, str]) -> Any:
    """Replace {X} and {X_PORT} the way the format says (for expect_requests values)."""
    if isinstance(value, str):
        def repl(m: re.Match[str]) -> str:
            origin = hosts[m.group(1)]
            if m.group(2):
                return origin.rsplit(":", 1)[1]
            return origin
        return _PLACEHOLDER.sub(repl, value)
    if isinstance(value, list):
        return [substitute(v, hosts) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, hosts) for k, v in value.items()}
    return value


def log_mismatches(expected: Sequence[Mapping[str, Any]], log: Sequence[Mapping[str, Any]]) -> list[str]:
    """Compare an expect_requests list with a RESULT's server_log; one sentence per difference."""
    out: list[str] = []
    if len(expected) != len(log):
        sent = [f"{e.get('method')} {e.get('host')}{e.get('path')}" for e in log]
        out.append(f"expected {len(expected)} requests, the log has {len(log)}: {sent}")
    for n, (want, got) in enumerate(zip(expected, log)):
        for key in ("host", "method", "path"):
            if key in want and want[key] != got.get(key):
                out.append(f"request {n}: {key} expected {want[key]!r}, got {got.get(key)!r}")
        headers = got.get("headers") or []
        for name, value in (want.get("headers") or {}).items():
            values = [v for k, v in headers if k.lower() == name.lower()]
            if not values:
                out.append(f"request {n}: header {name} missing")
            elif value is not None and ", ".join(values) != value:
                out.append(f"request {n}: header {name} expected {value!r}, got {', '.join(values)!r}")
        for name in want.get("absent") or []:
            values = [v for k, v in headers if k.lower() == name.lower()]
            if values:
                out.append(f"request {n}: header {name} should be absent, got {values!r}")
    return out


# --- tests -------------------------------------------------------------------------------------

def _load(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_suite_is_present_and_large() -> None:
    total = sum(len(_load(p)["scenarios"]) for p in FILES)
    assert len(FILES) >= 12
    assert total >= 120


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_file_shape(path: Path) -> None:
    assert shape_errors(_load(path)) == []


def test_ids_unique_across_files() -> None:
    ids = [sc["id"] for p in FILES for sc in _load(p)["scenarios"]]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    assert dupes == []


def test_every_profile_has_expectations() -> None:
    for browser in BROWSERS:
        n = sum(1 for p in FILES for sc in _load(p)["scenarios"] if browser in sc.get("browsers", BROWSERS))
        assert n >= 100, browser


def test_engine_differences_name_their_browsers() -> None:
    """Files about one engine difference carry `browsers` on the scenarios that differ."""
    for p in FILES:
        if p.name.startswith("engine-"):
            scs = _load(p)["scenarios"]
            assert any("browsers" in sc for sc in scs), p.name


def test_shape_checker_rejects_bad_files() -> None:
    good = {"scenarios": [{"id": "a-b", "source": "x", "page": "A",
                           "steps": [{"url": "{B}/", "server": [], "expect": {"outcome": "ok"}}]}]}
    assert shape_errors(good) == []
    bad_cases: list[Any] = [
        {"scenarios": [{"id": "A_B", "source": "x", "steps": [{"url": "{B}/"}]}]},
        {"scenarios": [{"id": "a", "source": "", "steps": [{"url": "{B}/"}]}]},
        {"scenarios": [{"id": "a", "source": "x", "steps": [{"url": "{D}/"}]}]},
        {"scenarios": [{"id": "a", "source": "x", "steps": [{"url": "{B}/", "expect": {"outcome": "yes"}}]}]},
        {"scenarios": [{"id": "a", "source": "x", "browsers": ["edge"], "steps": [{"url": "{B}/"}]}]},
        {"scenarios": [{"id": "a", "source": "x", "steps": [{"url": "{B}/", "server": [{"headers": {"a": "b"}}]}]}]},
        {"scenarios": [{"id": "a", "source": "x", "steps": []}]},
        {"scenarios": [{"id": "a", "source": "x", "steps": [{"url": "{B}/", "expect_requests": [{"host": "Z", "method": "GET"}]}]}]},
    ]
    for bad in bad_cases:
        assert shape_errors(bad) != [], bad


def test_log_matcher_reports_differences() -> None:
    log = [{"host": "B", "method": "OPTIONS", "path": "/r",
            "headers": [["Origin", "http://127.0.0.1:8801"], ["Access-Control-Request-Headers", "x-a"]]},
           {"host": "B", "method": "PUT", "path": "/r", "headers": [["X-A", "1"]]}]
    ok = [{"host": "B", "method": "OPTIONS", "headers": {"origin": "http://127.0.0.1:8801",
                                                         "Access-Control-Request-Headers": "x-a"}},
          {"host": "B", "method": "PUT", "path": "/r", "headers": {"X-A": None}, "absent": ["Origin"]}]
    assert log_mismatches(ok, log) == []
    assert log_mismatches(ok[:1], log)  # count differs
    assert log_mismatches([{**ok[0], "headers": {"Access-Control-Request-Headers": "x-b"}}, ok[1]], log)
    assert log_mismatches([ok[0], {**ok[1], "absent": ["X-A"]}], log)
    assert log_mismatches([{**ok[0], "host": "C"}, ok[1]], log)
    assert substitute("{A}/x:{B_PORT}", DEFAULT_HOSTS) == "http://127.0.0.1:8801/x:8802"


def _applicable(data: Mapping[str, Any], browser: str) -> list[dict[str, Any]]:
    return [sc for sc in data["scenarios"] if browser in sc.get("browsers", BROWSERS)]


@pytest.mark.parametrize("browser", BROWSERS)
def test_suite_runs_under_profile(browser: str, tmp_path: Path) -> None:
    """Every scenario that applies to `browser`, from all files, in one `corssim run` (one
    subprocess per profile keeps the suite fast); failures name the file and the scenario."""
    pytest.importorskip("corssim.scenario", reason="corssim run is not there yet")
    origin_file: dict[str, str] = {}
    scenarios: list[dict[str, Any]] = []
    for p in FILES:
        for sc in _applicable(_load(p), browser):
            origin_file[sc["id"]] = p.name
            scenarios.append(sc)
    data = {"scenarios": scenarios}
    scenario_file = tmp_path / f"suite-{browser}.json"
    scenario_file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "results.json"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    proc = subprocess.run(
        [sys.executable, "-m", "corssim", "run", str(scenario_file), "--browser", browser, "--out", str(out)],
        capture_output=True, text=True, timeout=300, env=env,
    )
    problems: list[str] = []
    if proc.returncode != 0:
        failing = [line for line in proc.stdout.splitlines() if not line.startswith("ok ")]
        failing = [f"{line}  [{origin_file[line.split()[1]]}]" if line.startswith("FAIL ") else line
                   for line in failing]
        problems.append(f"corssim run exited {proc.returncode}:\n" + "\n".join(failing) + proc.stderr)
    assert out.exists(), proc.stdout + proc.stderr
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["browser"] == browser
    hosts = results["hosts"]
    assert set(DEFAULT_HOSTS) <= set(hosts)
    records = results["results"]
    expected_steps = [(sc["id"], j) for sc in scenarios for j in range(len(sc["steps"]))]
    assert [(r["id"], r["step"]) for r in records] == expected_steps
    for rec in records:
        assert _RESULT_KEYS <= set(rec), rec["id"]
        assert rec["browser"] == browser
        assert rec["outcome"] in ("ok", "network_error")
        assert rec["response_type"] in _RESPONSE_TYPES
        assert isinstance(rec["preflight_sent"], bool)
        if rec["outcome"] == "network_error":
            assert rec["status"] is None and rec["body"] is None, rec["id"]
        for entry in rec["server_log"]:
            assert {"host", "method", "path", "headers"} <= set(entry)
            assert _is_pairs(entry["headers"])
    by_step = {(r["id"], r["step"]): r for r in records}
    for sc in scenarios:
        shosts = dict(hosts)
        shosts.update(sc.get("hosts") or {})
        for j, st in enumerate(sc["steps"]):
            if "expect_requests" in st:
                want = substitute(st["expect_requests"], shosts)
                for m in log_mismatches(want, by_step[(sc["id"], j)]["server_log"]):
                    problems.append(f"{sc['id']} step {j} [{origin_file[sc['id']]}]: {m}")
    assert problems == [], "\n".join(problems)
