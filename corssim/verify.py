"""`corssim verify FILE.json --engine chromium|firefox|webkit|all [--out DIR]`

Runs a scenario file in real engines (corssim.browsers) and through the model with the matching
profile, then prints, per field, what the engine did and what corssim predicted. Exit status: 0 when
every compared field agrees, 1 on any disagreement, 2 on bad usage or a missing engine.

The comparison itself is `compare(engine_results, model_results)`, a pure function over two results
files (scenario-format.md, "Results file"), so it can be tested without a browser.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

import attrs

__all__ = [
    "COMPARED_FIELDS",
    "COMPARED_REQUEST_HEADERS",
    "Difference",
    "compare",
    "format_table",
    "main",
    "model_results",
    "not_run",
]

COMPARED_FIELDS = ("outcome", "response_type", "status", "preflight_sent", "readable_headers", "body")
COMPARED_REQUEST_HEADERS = (
    "Origin",
    "Access-Control-Request-Method",
    "Access-Control-Request-Headers",
    "Sec-Fetch-Mode",
    "Sec-Fetch-Site",
    "Content-Type",
)
ENGINES = ("chromium", "firefox", "webkit")


@attrs.frozen
class Difference:
    """One compared field on which the engine and the model disagree.

    `field` is a RESULT field ("status"), or for the request log "server_log[1].method",
    "server_log[0].headers.Origin", or "server_log.length".
    """

    id: str
    step: int
    field: str
    engine: Any
    model: Any

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "step": self.step, "field": self.field, "engine": self.engine,
                "model": self.model}


def _header(headers: Iterable[Sequence[str]], name: str) -> str | None:
    """The value the request carried for `name` (repeats joined by ", "), None when absent."""
    low = name.lower()
    values = [v for n, v in headers if n.lower() == low]
    return ", ".join(values) if values else None


_BOUNDARY = re.compile(r"(?i)^(\s*multipart/form-data\s*;.*?boundary=)([^;,\s]+)(.*)$")


def _mask_boundary(value: str | None, other: str | None) -> tuple[str | None, str | None]:
    """FormData boundaries are random in engines: when both sides send multipart/form-data with a
    boundary, compare everything but the boundary itself."""
    if value is None or other is None:
        return value, other
    a, b = _BOUNDARY.match(value), _BOUNDARY.match(other)
    if a is None or b is None:
        return value, other
    return a.group(1) + "<boundary>" + a.group(3), b.group(1) + "<boundary>" + b.group(3)


def _page_set_headers(step_init: Mapping[str, Any] | None) -> list[str]:
    if not step_init:
        return []
    raw = step_init.get("headers") or []
    items: Iterable[Any] = raw.items() if isinstance(raw, Mapping) else raw
    out: list[str] = []
    for item in items:
        if isinstance(item, (list, tuple)) and item and isinstance(item[0], str):
            out.append(item[0])
    return out


def _request_header_names(extra: Iterable[str]) -> list[str]:
    names = list(COMPARED_REQUEST_HEADERS)
    seen = {n.lower() for n in names}
    for n in extra:
        if n.lower() not in seen:
            seen.add(n.lower())
            names.append(n)
    return names


def _key(rec: Mapping[str, Any]) -> tuple[str, int]:
    return (str(rec.get("id")), int(rec.get("step", 0)))


def compare(engine_results: Mapping[str, Any], model_results: Mapping[str, Any],
            page_headers: Mapping[tuple[str, int], Sequence[str]] | None = None) -> list[Difference]:
    """Every compared field on which two results files disagree, in scenario and step order.

    `page_headers` maps (scenario id, step) to the header names the page set itself, which are
    compared on each logged request too (without it, only `COMPARED_REQUEST_HEADERS` are).
    A step present on one side only is reported as field "missing". A step the engine did not run
    (outcome "not_run": it waits longer than a real run may) is not compared; see `not_run()`.
    """
    eng = {_key(r): r for r in engine_results.get("results", [])}
    mod = {_key(r): r for r in model_results.get("results", [])}
    order = [_key(r) for r in engine_results.get("results", [])]
    order += [k for k in (_key(r) for r in model_results.get("results", [])) if k not in eng]
    out: list[Difference] = []
    for key in order:
        sid, step = key
        e, m = eng.get(key), mod.get(key)
        if e is None or m is None:
            out.append(Difference(sid, step, "missing", "present" if e else None, "present" if m else None))
            continue
        if e.get("outcome") == "not_run":
            continue
        for field in COMPARED_FIELDS:
            ev, mv = e.get(field), m.get(field)
            if field == "readable_headers":
                ev = {str(k).lower(): v for k, v in (ev or {}).items()}
                mv = {str(k).lower(): v for k, v in (mv or {}).items()}
            if ev != mv:
                out.append(Difference(sid, step, field, ev, mv))
        elog, mlog = e.get("server_log") or [], m.get("server_log") or []
        if len(elog) != len(mlog):
            out.append(Difference(sid, step, "server_log.length", len(elog), len(mlog)))
        extra = (page_headers or {}).get(key, ())
        names = _request_header_names(extra)
        for i, (er, mr) in enumerate(zip(elog, mlog)):
            for f in ("host", "method", "path"):
                if er.get(f) != mr.get(f):
                    out.append(Difference(sid, step, f"server_log[{i}].{f}", er.get(f), mr.get(f)))
            for name in names:
                ev = _header(er.get("headers") or [], name)
                mv = _header(mr.get("headers") or [], name)
                if name.lower() == "content-type":
                    ev, mv = _mask_boundary(ev, mv)
                if ev != mv:
                    out.append(Difference(sid, step, f"server_log[{i}].headers.{name}", ev, mv))
    return out


def not_run(engine_results: Mapping[str, Any]) -> list[tuple[str, int]]:
    """The (scenario id, step) pairs the engine did not run, so were not compared."""
    return [_key(r) for r in engine_results.get("results", []) if r.get("outcome") == "not_run"]


def page_headers_of(scenario_file: Mapping[str, Any]) -> dict[tuple[str, int], list[str]]:
    """(scenario id, step) -> the header names each step's page script sets."""
    out: dict[tuple[str, int], list[str]] = {}
    for sc in scenario_file.get("scenarios", []):
        for i, st in enumerate(sc.get("steps", [])):
            out[(str(sc.get("id")), i)] = _page_set_headers(st.get("init"))
    return out


def _short(value: Any, width: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True) if not isinstance(value, str) else repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def format_table(engine: str, diffs: Sequence[Difference], total_steps: int, width: int = 60) -> str:
    """A plain-text table: one line per differing field (engine vs corssim)."""
    lines = []
    bad_steps = {(d.id, d.step) for d in diffs}
    lines.append(f"{engine}: {total_steps - len(bad_steps)}/{total_steps} steps agree with corssim"
                 + ("" if not diffs else f", {len(diffs)} differing fields"))
    if diffs:
        w_id = min(48, max(len(f"{d.id}#{d.step}") for d in diffs))
        w_f = max(len(d.field) for d in diffs)
        lines.append(f"  {'scenario#step'.ljust(w_id)}  {'field'.ljust(w_f)}  {engine.ljust(width)}  corssim")
        for d in diffs:
            sid = f"{d.id}#{d.step}"
            lines.append(f"  {sid.ljust(w_id)}  {d.field.ljust(w_f)}  {_short(d.engine, width).ljust(width)}  "
                         f"{_short(d.model, width)}")
    return "\n".join(lines)


def model_results(path: str | Path, engine: str) -> dict[str, Any]:
    """The model's results file for `path` with the profile of `engine`."""
    from corssim.scenario import load, run_file

    return run_file(load(path), engine)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="corssim verify",
        description="Run a scenario file in real browser engines and in corssim; print every disagreement.",
    )
    p.add_argument("file", help="scenario file (JSON, see the scenario format)")
    p.add_argument("--engine", default="all", choices=[*ENGINES, "all"],
                   help="which real engine to run (default: all)")
    p.add_argument("--out", help="directory for ENGINE.json, ENGINE.model.json and ENGINE.diff.json")
    p.add_argument("--step-timeout", type=float, default=20.0, help="seconds per step (default 20)")
    return p



def _exit_cleanly_on_sigterm() -> None:
    """SIGTERM (a CI timeout, `kill`) unwinds like Ctrl-C, so the engines and servers stop."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def main(argv: list[str] | None = None, stdout: TextIO | None = None) -> int:
    """Entry point of `corssim verify`; returns the exit status."""
    out = stdout or sys.stdout
    try:
        args = _parser().parse_args(argv)
    except SystemExit as e:
        return 0 if e.code == 0 else 2
    _exit_cleanly_on_sigterm()
    from corssim.browsers import EngineMissing, missing_reason
    from corssim.browsers.runner import run_data
    from corssim.errors import ScenarioError
    from corssim.scenario import load, parse_file, run_file

    engines = list(ENGINES) if args.engine == "all" else [args.engine]
    for eng in engines:
        why = missing_reason(eng)
        if why is not None:
            print(f"corssim verify: {eng} cannot run here: {why}", file=sys.stderr)
            return 2
    try:
        load(args.file)  # checks the file, with a clear error
        raw = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except ScenarioError as e:
        print(f"corssim verify: {e}", file=sys.stderr)
        return 2
    outdir = Path(args.out) if args.out else None
    if outdir is not None:
        outdir.mkdir(parents=True, exist_ok=True)
    page_headers = page_headers_of(raw)
    status = 0
    for eng in engines:
        try:
            real, as_run = run_data(raw, eng, step_timeout=args.step_timeout)
        except EngineMissing as e:
            print(f"corssim verify: {e}", file=sys.stderr)
            return 2
        # WebKit runs each scenario on fresh ports: the model sees the same origins.
        predicted = run_file(parse_file(as_run, args.file), eng)
        diffs = compare(real, predicted, page_headers)
        skipped = not_run(real)
        total = len(real.get("results", [])) - len(skipped)
        print(format_table(eng, diffs, total), file=out)
        if skipped:
            print(f"  not run in {eng} (too much waiting for a real engine): "
                  + ", ".join(f"{i}#{s}" for i, s in skipped), file=out)
        if outdir is not None:
            (outdir / f"{eng}.json").write_text(json.dumps(real, indent=1, ensure_ascii=False) + "\n")
            (outdir / f"{eng}.model.json").write_text(json.dumps(predicted, indent=1, ensure_ascii=False) + "\n")
            (outdir / f"{eng}.diff.json").write_text(
                json.dumps([d.to_json() for d in diffs], indent=1, ensure_ascii=False) + "\n")
        if diffs:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
