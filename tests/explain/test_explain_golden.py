"""Golden tests: the explanation of classic failures, rendered as text, terminal, HTML and JSON.

Each case is produced by the real model (Page + FakeServer, see explaincases.py). The files under
golden/ were generated with CORSSIM_UPDATE_GOLDEN=1 and read line by line before being committed;
regenerate them the same way after an intended change, then review the diff.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from corssim import explain as ex
from corssim import render

from explaincases import ALLOWED, CASES, Case

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("CORSSIM_UPDATE_GOLDEN") == "1"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _compare(path: Path, actual: str) -> None:
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"missing golden file {path.name}: run with CORSSIM_UPDATE_GOLDEN=1 and review it"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{path.name} differs from the golden file (CORSSIM_UPDATE_GOLDEN=1 to regenerate)"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_model_produces_the_classic_failure(case: Case) -> None:
    for browser in ex.BROWSERS:
        r = case.run(browser)
        assert r.blocked and r.failure is not None, browser
        assert r.reason is case.reason, browser
        assert r.failure.preflight is case.preflight, browser


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_explain_text(case: Case) -> None:
    r = case.run("chromium")
    text = ex.explain(r)
    _compare(GOLDEN / f"{case.name}.txt", text)
    # the terminal rendering without colour is the same story, word for word
    assert render.to_terminal(r, color=False) == text
    coloured = render.to_terminal(r, color=True)
    assert "\x1b[" in coloured and ANSI.sub("", coloured) == text


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_console_messages_all_engines(case: Case) -> None:
    """Each engine's console line for its own run of the case (not only Chromium's)."""
    lines = []
    for browser in ex.BROWSERS:
        r = case.run(browser)
        lines.append(f"[{browser}]")
        lines.append(ex.console_message(r) or "(none)")
        lines.append(f"script: {ex.script_error(r)}")
        lines.append("")
    _compare(GOLDEN / f"{case.name}.console.txt", "\n".join(lines))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_json(case: Case) -> None:
    r = case.run("chromium")
    data = render.to_json(r)
    text = json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    _compare(GOLDEN / f"{case.name}.json", text)
    assert data["failure"]["reason"] == case.reason.value
    assert data["ok"] is False and data["outcome"] == "network_error"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_html(case: Case) -> None:
    r = case.run("chromium")
    page = render.to_html(r)
    _compare(GOLDEN / f"{case.name}.html", page + "\n")
    assert page == r._repr_html_()
    # the failing exchange is marked in the diagram, and nothing is left unescaped
    assert "\u2717" in page
    assert "<script" not in page
    assert page.count("<svg") == 1 and page.count("</svg>") == 1


@pytest.mark.parametrize("case", ALLOWED, ids=lambda c: c.name)
def test_allowed_story(case: Case) -> None:
    """A success: no console message, the script-visible response, the cache hit and what is stored."""
    r = case.run("chromium")
    assert r.ok and not r.preflight_sent
    text = ex.explain(r)
    _compare(GOLDEN / f"{case.name}.txt", text)
    assert "Console" not in text and "Fix" not in text
    assert ex.console_message(r) is None and ex.fix(r).empty
    data = render.to_json(r)
    _compare(GOLDEN / f"{case.name}.json", json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    assert data["failure"] is None and data["console"] == {b: None for b in ex.BROWSERS}
    page = render.to_html(r)
    _compare(GOLDEN / f"{case.name}.html", page + "\n")
    assert "\u2717" not in page
