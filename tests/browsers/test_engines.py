"""The differential suite: generated and hand-written scenarios in real engines against the model.

Each available engine runs in its own process (`python -m corssim.browsers.bulk`), all three at
the same time on different ports, once per test session; the tests read their summaries. An engine
that is not installed is skipped with a message saying how to install it.

    pytest -m browser tests/browsers            # CORSSIM_BROWSER_SEED / _COUNT change the sample
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corssim.browsers.engines import ENGINES, missing_reason

ROOT = Path(__file__).resolve().parents[2]
SCENARIO_FILES = sorted(str(p) for p in (ROOT / "tests" / "scenarios").glob("*.json"))
SEED = int(os.environ.get("CORSSIM_BROWSER_SEED", "1"))
COUNT = int(os.environ.get("CORSSIM_BROWSER_COUNT", "300"))
RUN_TIMEOUT_S = 25 * 60
PORT_BASES = {"chromium": 9101, "firefox": 9111, "webkit": 9121}
# per-scenario ports (Chromium and WebKit run each scenario on fresh ports): apart, so that the
# engines running at the same time never ask for the same port (they did with one shared base)
ROTATE_BASES = {"chromium": 20000, "firefox": 23500, "webkit": 26000}
GENERATED = f"generated-seed{SEED}-n{COUNT}"

pytestmark = pytest.mark.browser


class _Runs:
    """Starts one bulk process per available engine on first use; waits with one deadline."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.done: dict[str, dict[str, Any] | str] = {}
        self.deadline = 0.0

    def start(self) -> None:
        if self.procs or self.done:
            return
        self.deadline = time.monotonic() + RUN_TIMEOUT_S
        for engine in ENGINES:
            if missing_reason(engine) is not None:
                continue
            out = self.base / engine
            cmd = [sys.executable, "-m", "corssim.browsers.bulk", "--engine", engine, "--count", str(COUNT),
                   "--seed", str(SEED), "--port-base", str(PORT_BASES[engine]), "--rotate-base", str(ROTATE_BASES[engine]),
                   "--out", str(out),
                   "--no-summary", "--files", *SCENARIO_FILES]
            log = open(self.base / f"{engine}.log", "wb")
            self.procs[engine] = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                                  start_new_session=True)

    def summary(self, engine: str) -> dict[str, Any]:
        why = missing_reason(engine)
        if why is not None:
            pytest.skip(f"{engine} is not installed here ({why})")
        self.start()
        if engine not in self.done:
            proc = self.procs[engine]
            try:
                proc.wait(timeout=max(1.0, self.deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _end(proc)
                self.done[engine] = f"timed out after {RUN_TIMEOUT_S} s"
            else:
                path = self.base / engine / f"{engine}.summary.json"
                if path.exists():
                    self.done[engine] = json.loads(path.read_text(encoding="utf-8"))
                else:
                    log = (self.base / f"{engine}.log").read_text(errors="replace")[-3000:]
                    self.done[engine] = f"bulk run failed (exit {proc.returncode}):\n{log}"
        got = self.done[engine]
        if isinstance(got, str):
            pytest.fail(f"{engine}: {got}")
        return got

    def stop(self) -> None:
        for proc in self.procs.values():
            _end(proc)


def _end(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM first (the run then stops its browsers and servers), SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Runs]:
    r = _Runs(tmp_path_factory.mktemp("browsers"))
    try:
        yield r
    finally:
        r.stop()


def _records(run: _Runs, engine: str, name: str, kind: str) -> dict[tuple[str, int], dict[str, Any]]:
    data = json.loads((run.base / engine / f"{engine}.{name}.{kind}.json").read_text(encoding="utf-8"))
    return {(r["id"], r["step"]): r for r in data["results"]}


def _report(summary: dict[str, Any], files: set[str]) -> str:
    diffs = [d for d in summary["differences"] if d["file"] in files]
    lines = [f"{summary['engine']}: {len({(d['file'], d['id']) for d in diffs})} scenarios disagree with corssim"]
    for d in diffs[:60]:
        lines.append(f"  {d['file']}:{d['id']}#{d['step']} {d['field']}: engine={json.dumps(d['engine'])[:100]} "
                     f"corssim={json.dumps(d['model'])[:100]}")
    return "\n".join(lines)


@pytest.mark.parametrize("engine", ENGINES)
def test_harness_sees_what_the_engine_sent(runs: _Runs, engine: str) -> None:
    """Independent of the model: a plain cross-origin GET reached B with the page's Origin and
    succeeded; a GET without ACAO failed. If these fail, the harness is broken, not the model."""
    runs.summary(engine)
    recs = _records(runs, engine, "simple-requests", "engine")
    ok = recs[("simple-get-acao-origin", 0)]
    assert ok["outcome"] == "ok" and ok["response_type"] == "cors" and ok["body"] == "ok"
    assert [(r["host"], r["method"], r["path"]) for r in ok["server_log"]] == [("B", "GET", "/data")]
    origin = [v for n, v in ok["server_log"][0]["headers"] if n.lower() == "origin"]
    scenarios = json.loads((runs.base / engine / f"{engine}.simple-requests.scenarios.json").read_text())
    as_run = next(s for s in scenarios["scenarios"] if s["id"] == "simple-get-acao-origin")
    page_origin = (as_run.get("hosts") or scenarios.get("hosts") or {}).get("A")
    assert page_origin is not None and page_origin.startswith("http://127.0.0.1:")
    assert origin == [page_origin]
    bad = recs[("simple-get-no-acao", 0)]
    assert bad["outcome"] == "network_error" and bad["status"] is None and bad["body"] is None


KNOWN = json.loads((Path(__file__).parent / "known_differences.json").read_text(encoding="utf-8"))


def _unexplained(summary: dict[str, Any], engine: str, name: str, ids: list[str]) -> list[str]:
    """Disagreeing scenarios that known_differences.json does not explain (those fail the suite);
    listed ones that now agree are reported so the list can be shortened."""
    known = KNOWN.get(engine, {})
    mine = {k.split(":", 1)[1] for k in known if k.startswith(name + ":")}
    fixed = sorted(mine - set(ids))
    if fixed:
        print(f"{engine}: known differences that now agree (remove them from known_differences.json): {fixed}")
    return [i for i in ids if i not in mine]


@pytest.mark.parametrize("engine", ENGINES)
def test_generated_scenarios_agree_with_the_model(runs: _Runs, engine: str) -> None:
    summary = runs.summary(engine)
    gen = next(f for f in summary["files"] if f["name"] == GENERATED)
    assert gen["scenarios"] == COUNT
    agree = COUNT - len(gen["disagreeing_scenarios"])
    print(f"{engine}: {agree}/{COUNT} generated scenarios agree with corssim")
    assert not _unexplained(summary, engine, GENERATED, gen["disagreeing_scenarios"]), _report(summary, {GENERATED})


@pytest.mark.parametrize("engine", ENGINES)
def test_hand_written_scenarios_agree_with_the_model(runs: _Runs, engine: str) -> None:
    summary = runs.summary(engine)
    files = {f["name"] for f in summary["files"] if f["name"] != GENERATED}
    assert len(files) == len(SCENARIO_FILES)
    bad = [f for f in summary["files"] if f["name"] in files
           and _unexplained(summary, engine, f["name"], f["disagreeing_scenarios"])]
    assert not bad, _report(summary, files)
