"""The `corssim` command: demo, run (scenario files), and errors that name what is wrong."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from corssim.cli import main

SCENARIO = {
    "scenarios": [
        {
            "id": "put-json-allowed",
            "source": "fetch#cors-preflight-fetch-0",
            "page": "A",
            "steps": [
                {
                    "url": "{B}/items",
                    "init": {"method": "PUT", "headers": [["Content-Type", "application/json"]], "body": "{}"},
                    "server": [
                        {"match": {"method": "OPTIONS"}, "status": 204,
                         "headers": [["Access-Control-Allow-Origin", "{A}"], ["Access-Control-Allow-Methods", "PUT"],
                                     ["Access-Control-Allow-Headers", "Content-Type"]]},
                        {"headers": [["Access-Control-Allow-Origin", "{A}"]], "body": "saved"},
                    ],
                    "expect": {"outcome": "ok", "preflight_sent": True, "body": "saved", "status": 200},
                }
            ],
        },
        {
            "id": "wrong-expectation",
            "source": "deliberately wrong, to see the runner fail",
            "page": "A",
            "steps": [{"url": "{B}/x", "server": [], "expect": {"outcome": "ok"}}],
        },
    ]
}


def write(tmp_path: Path, data: object, name: str = "s.json") -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(data), encoding="utf-8")
    return p


def test_run_passes_and_writes_results(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = {"scenarios": SCENARIO["scenarios"][:1]}
    out = tmp_path / "out.json"
    assert main(["run", str(write(tmp_path, data)), "--browser", "firefox", "--out", str(out)]) == 0
    results = json.loads(out.read_text())
    assert results["browser"] == "firefox"
    assert results["hosts"]["A"] == "http://127.0.0.1:8801"
    (rec,) = results["results"]
    assert rec["id"] == "put-json-allowed" and rec["step"] == 0
    assert rec["preflight_sent"] is True
    assert [e["method"] for e in rec["server_log"]] == ["OPTIONS", "PUT"]
    assert all(e["host"] == "B" for e in rec["server_log"])
    pre = dict((n, v) for n, v in rec["server_log"][0]["headers"])
    assert pre["Access-Control-Request-Method"] == "PUT"
    assert pre["Access-Control-Request-Headers"] == "content-type"
    assert pre["Origin"] == "http://127.0.0.1:8801"
    assert rec["expect_mismatches"] == []
    assert "0 failed" in capsys.readouterr().out


def test_run_fails_on_a_wrong_expectation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(write(tmp_path, SCENARIO))]) == 1
    out = capsys.readouterr().out
    assert "FAIL wrong-expectation step 0" in out
    assert "outcome: expected 'ok', got 'network_error'" in out


@pytest.mark.parametrize(
    "data, fragment",
    [
        ({"scenarios": [{"id": "x", "steps": []}]}, "steps: must be a non-empty list"),
        ({"scenarios": [{"id": "x", "page": "Z", "steps": [{"url": "{B}/"}]}]}, "unknown host 'Z'"),
        ({"scenarios": [{"id": "x", "steps": [{"url": "{B}/", "server": [{"status": "ok"}]}]}]}, "status"),
        ({"scenarios": [{"id": "x", "steps": [{"url": "{B}/", "api": "ws"}]}]}, "must be 'fetch' or 'xhr'"),
        ({"nope": 1}, "scenarios"),
    ],
)
def test_bad_scenario_files_are_named_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], data: object,
                                             fragment: str) -> None:
    assert main(["run", str(write(tmp_path, data))]) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err


def test_invalid_json_names_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "bad.json"
    p.write_text('{"scenarios": [\n  {"id": }\n]}', encoding="utf-8")
    assert main(["run", str(p)]) == 2
    assert "bad.json:2:" in capsys.readouterr().err


def test_demo_runs_from_a_fresh_process() -> None:
    proc = subprocess.run([sys.executable, "-m", "corssim", "demo", "--no-color"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    # case 2 is blocked for want of ACAO, case 4 is served by the preflight cache, case 8 sends Origin: null
    assert "No 'Access-Control-Allow-Origin' header is present" in out
    assert "Origin: null" in out
    assert out.count("OPTIONS") >= 2
