"""The seeded scenario generator (corssim.generate): deterministic, valid, runnable, covering."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corssim.generate import CATEGORIES, DEFAULT_HOSTS, MAX_WAIT_PER_SCENARIO, generate, main
from test_scenario_suite import shape_errors

ROOT = Path(__file__).resolve().parents[1]
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_LOOPBACK_URL = re.compile(r"^(\{[ABC]\}|http://([^/@]*@)?127\.0\.0\.[0-9]+(:[0-9]+)?)(/|$)")


def runnable_problems(data: dict[str, Any]) -> list[str]:
    """What would stop a generated file from running in a real browser on loopback."""
    out: list[str] = []
    for sc in data["scenarios"]:
        sid = sc["id"]
        waited = sum(step.get("wait_s", 0) for step in sc["steps"])
        if waited > MAX_WAIT_PER_SCENARIO:
            out.append(f"{sid}: waits {waited} s")
        for step in sc["steps"]:
            if "expect" in step or "expect_requests" in step:
                out.append(f"{sid}: has expectations")
            if not _LOOPBACK_URL.match(step["url"]):
                out.append(f"{sid}: url {step['url']!r} is not a scenario host")
            init = step.get("init", {})
            body = init.get("body")
            if body is not None and (not isinstance(body, str) or len(body.encode()) > 256):
                out.append(f"{sid}: request body {body!r}")
            for name, value in init.get("headers", []):
                if not _TOKEN.match(name):
                    out.append(f"{sid}: header name {name!r}")
                if any(c in value for c in "\r\n\0"):
                    out.append(f"{sid}: header value {value!r} cannot be sent")
            for rule in step["server"]:
                if rule.get("delay_s"):
                    out.append(f"{sid}: delay")
                if len(rule.get("body", "").encode()) > 256:
                    out.append(f"{sid}: response body too big")
                if not 200 <= rule.get("status", 200) <= 599:
                    out.append(f"{sid}: status {rule.get('status')}")
                for name, value in rule.get("headers", []):
                    if not _TOKEN.match(name) or not all(0x20 <= ord(c) < 0x7F or c == "\t" for c in value):
                        out.append(f"{sid}: response header {name!r}: {value!r} is not plain ASCII")
                    if name.lower() == "location" and not _LOOPBACK_URL.match(value):
                        out.append(f"{sid}: Location {value!r} leaves loopback")
    return out


# --- determinism ---------------------------------------------------------------------------

def test_same_seed_same_file() -> None:
    assert generate(7, 60) == generate(7, 60)
    assert json.dumps(generate(7, 60)) == json.dumps(generate(7, 60))


def test_different_seeds_differ() -> None:
    assert generate(1, 30)["scenarios"] != generate(2, 30)["scenarios"]


def test_prefix_is_stable_when_count_grows() -> None:
    """gen-<seed>-<n> names the same scenario whatever the count asked for."""
    assert generate(5, 40)["scenarios"] == generate(5, 80)["scenarios"][:40]


def test_ids() -> None:
    scs = generate(12, 50)["scenarios"]
    assert [s["id"] for s in scs] == [f"gen-12-{n}" for n in range(50)]


# --- validity ------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 2, 99])
def test_valid_and_runnable(seed: int) -> None:
    data = generate(seed, 300)
    assert shape_errors(data) == []
    assert runnable_problems(data) == []


def test_runnable_checker_catches_problems() -> None:
    data = generate(3, 20)
    bad = json.loads(json.dumps(data))
    bad["scenarios"][0]["steps"][0]["wait_s"] = 10
    bad["scenarios"][1]["steps"][0]["url"] = "http://example.com/x"
    bad["scenarios"][2]["steps"][0]["expect"] = {"outcome": "ok"}
    bad["scenarios"][3]["steps"][0]["server"].append({"headers": [["Location", "http://example.org/"]], "status": 302})
    problems = runnable_problems(bad)
    assert len({p.split(":")[0] for p in problems}) == 4


def test_model_reads_and_runs_every_profile() -> None:
    """The generated file loads through corssim's own reader and runs under every profile; the
    outcomes are mixed (a generator whose scenarios all fail, or all pass, says little)."""
    from corssim.scenario import parse_file, run_file

    sf = parse_file(generate(1, 300))
    for browser in ("spec", "chromium", "firefox", "webkit"):
        results = run_file(sf, browser)["results"]
        assert len(results) >= 300
        outcomes = Counter(r["outcome"] for r in results)
        assert outcomes["ok"] >= 60 and outcomes["network_error"] >= 60, outcomes
        preflights = Counter(r["preflight_sent"] for r in results)
        assert preflights[True] >= 60 and preflights[False] >= 60, preflights
        types = {r["response_type"] for r in results}
        assert {"cors", "basic", "opaque"} <= types, types


# --- coverage ------------------------------------------------------------------------------

REQUIRED_TAGS = [
    # methods in any case, bad ones too
    "method-GET", "method-get", "method-PUT", "method-put", "method-patch", "method-PATCH", "method-DELETE",
    "method-delete", "method-FooBar", "method-CONNECT", "method-BAD-METHOD",
    # safelisted headers, valid and invalid, and the 128-byte edge
    "accept-valid", "accept-invalid", "accept-language-valid", "accept-language-invalid",
    "content-language-valid", "content-language-invalid", "content-type-valid", "content-type-invalid",
    "range-valid", "range-invalid", "value-128-edge", "non-ascii-value", "safelisted-total-over-1024",
    # custom and forbidden headers
    "custom-x-custom", "custom-authorization", "custom-dpr", "custom-user-agent",
    # credentials and modes
    "credentials-omit", "credentials-same-origin", "credentials-include", "credentials-default",
    "mode-no-cors", "mode-same-origin", "mode-cors", "api-xhr", "with-credentials",
    # redirects
    "chain-A-B", "chain-B-C", "chain-B-A", "redirect-301", "redirect-302", "redirect-303", "redirect-307",
    "redirect-308", "redirect-mode-manual", "redirect-mode-error", "redirect-userinfo",
    # preflight statuses
    "preflight-status-200", "preflight-status-204", "preflight-status-301", "preflight-status-404",
    "preflight-status-500",
    # response header variants, malformed ones included
    "acao-exact", "acao-star", "acao-missing", "acao-trailing-slash", "acao-null", "acao-twice",
    "acao-two-origins", "acao-upper-scheme", "acac-true", "acac-True", "acac-twice",
    "acam-exact", "acam-lower", "acam-star", "acam-malformed", "acam-missing",
    "acah-exact", "acah-upper", "acah-star", "acah-malformed", "acah-missing",
    "aceh-named", "aceh-star", "aceh-malformed", "aceh-set-cookie",
    "max-age-absent", "max-age-0", "max-age-1", "max-age-60", "max-age--1", "max-age-abc", "max-age-86400",
    # cache sequences with time passing
    "cache-same", "cache-new-header", "cache-new-method", "cache-query", "cache-credentials", "cache-wait",
    "cache-fail-then-retry",
]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_category_and_variant_appears_in_300(seed: int) -> None:
    scs = generate(seed, 300)["scenarios"]
    cats = Counter(s["category"] for s in scs)
    assert set(cats) == set(CATEGORIES)
    assert min(cats.values()) >= 10, cats
    tags = {t for s in scs for t in s["tags"]}
    missing = [t for t in REQUIRED_TAGS if t not in tags]
    assert missing == []


def test_cache_scenarios_are_sequences_with_waits() -> None:
    scs = [s for s in generate(1, 300)["scenarios"] if s["category"] == "cache"]
    assert all(len(s["steps"]) >= 2 for s in scs)
    waits = [step.get("wait_s", 0) for s in scs for step in s["steps"]]
    assert 1.5 in waits and 0.5 in waits


# --- hypothesis over seeds -------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**63), count=st.integers(min_value=0, max_value=20))
def test_any_seed_gives_a_valid_runnable_file(seed: int, count: int) -> None:
    data = generate(seed, count)
    assert len(data["scenarios"]) == count
    assert shape_errors(data) == []
    assert runnable_problems(data) == []
    assert data == generate(seed, count)
    assert [s["id"] for s in data["scenarios"]] == [f"gen-{seed}-{n}" for n in range(count)]


# --- hosts, errors, CLI --------------------------------------------------------------------

def test_hosts_are_written_and_used() -> None:
    hosts = {"A": "http://127.0.0.1:9901", "B": "http://127.0.0.2:9902", "C": "http://127.0.0.3:9903"}
    data = generate(1, 300, hosts=hosts)
    assert data["hosts"] == hosts
    text = json.dumps(data["scenarios"])
    assert "HTTP://127.0.0.1:9901" in text  # the upper-case-scheme ACAO variant follows the hosts
    assert ":8801" not in text and ":8802" not in text
    assert "hosts" not in generate(1, 3)


@pytest.mark.parametrize("kwargs,error", [
    ({"seed": "1", "count": 3}, TypeError),
    ({"seed": True, "count": 3}, TypeError),
    ({"seed": 1, "count": -1}, ValueError),
    ({"seed": -1, "count": 3}, ValueError),
    ({"seed": 1, "count": 3, "hosts": {"A": "http://127.0.0.1:1"}}, ValueError),
    ({"seed": 1, "count": 3, "hosts": {"A": "x", "B": "y", "C": "z"}}, ValueError),
])
def test_bad_arguments_raise_typed_errors(kwargs: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        generate(**kwargs)


def test_cli_prints_the_same_file() -> None:
    proc = subprocess.run([sys.executable, "-m", "corssim.generate", "--seed", "4", "--count", "12"],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == generate(4, 12)


def test_cli_host_override_and_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--seed", "2", "--count", "2", "--host", "B=http://127.0.0.2:9999"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["hosts"]["B"] == "http://127.0.0.2:9999" and out["hosts"]["A"] == DEFAULT_HOSTS["A"]
    for argv in (["--seed", "1", "--count", "-3"], ["--count", "3"], ["--seed", "x"],
                 ["--seed", "1", "--host", "nonsense"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
        assert "usage" in capsys.readouterr().err
