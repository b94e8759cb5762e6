"""The maintainers' large differential run: generated (and hand-written) scenarios in real engines
against the model, summarised in `spec_notes/conformance.md`.

    python -m corssim.browsers.bulk --count 3000 --engine all
    python -m corssim.browsers.bulk --count 300 --engine firefox --files tests/scenarios/*.json \
        --out build/conformance --no-summary

One engine launch per engine runs everything; the raw results (engine and model), the differences
and a JSON summary go to `--out`. `--port-base N` moves hosts A, B, C to ports N, N+1, N+2 so that
several engines can run at the same time (the CI test does that, one process per engine).
Exit status: 0 when every step agrees, 1 on any disagreement, 2 on bad usage or a missing engine.
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from corssim.browsers.engines import ENGINES, missing_reason
from corssim.browsers.runner import BrowserRun
from corssim.verify import Difference, compare, not_run, page_headers_of

__all__ = ["group_key", "hosts_for", "main", "run_engine", "write_conformance"]

BEGIN = "<!-- corssim.browsers.bulk: begin (generated, do not edit) -->"
END = "<!-- corssim.browsers.bulk: end -->"


def hosts_for(port_base: int | None) -> dict[str, str] | None:
    """Hosts A, B, C on 127.0.0.1/.2/.3 at ports base, base+1, base+2 (None: the defaults)."""
    if port_base is None:
        return None
    return {"A": f"http://127.0.0.1:{port_base}", "B": f"http://127.0.0.2:{port_base + 1}",
            "C": f"http://127.0.0.3:{port_base + 2}"}


def group_key(d: Difference) -> str:
    """A disagreement's cause, roughly: the field (request index folded) and the two values."""
    field = re.sub(r"server_log\[\d+\]", "server_log[*]", d.field)
    if ".headers." in field:  # page-set header names come in any case
        head, _, name = field.partition(".headers.")
        field = f"{head}.headers.{name.lower()}"

    def short(v: Any) -> str:
        text = json.dumps(v, ensure_ascii=False, sort_keys=True)
        return text if len(text) <= 70 else text[:69] + "…"

    if field in ("readable_headers",):
        e, m = d.engine or {}, d.model or {}
        only_e = sorted(set(e) - set(m))
        only_m = sorted(set(m) - set(e))
        changed = sorted(k for k in set(e) & set(m) if e[k] != m[k])
        return f"readable_headers: engine-only {only_e} model-only {only_m} differ {changed}"
    return f"{field}: engine {short(d.engine)} / corssim {short(d.model)}"


def _load_inputs(files: Sequence[str], seed: int, count: int,
                 hosts: dict[str, str] | None) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    if count > 0:
        from corssim.generate import generate

        out.append((f"generated-seed{seed}-n{count}", generate(seed, count, hosts=hosts)))
    for f in files:
        data = json.loads(Path(f).read_text(encoding="utf-8"))
        if hosts is not None:
            data = dict(data)
            data["hosts"] = dict(hosts)
        out.append((Path(f).stem, data))
    return out


def run_engine(engine: str, inputs: Sequence[tuple[str, dict[str, Any]]], outdir: Path | None,
               step_timeout: float = 20.0, log: Any = None, rotate_base: int = 20000) -> dict[str, Any]:
    """Run every input in one launch of `engine` and compare with the model; a summary dict."""
    from corssim.scenario import parse_file, run_file

    summary: dict[str, Any] = {"engine": engine, "files": [], "scenarios": 0, "steps": 0, "not_run": [],
                               "agreeing_steps": 0, "agreeing_scenarios": 0, "differences": []}
    started = time.monotonic()
    with BrowserRun(engine, step_timeout=step_timeout, rotate_base=rotate_base) as run:
        summary["version"] = run.version()
        for name, data in inputs:
            t0 = time.monotonic()
            real, data = run.run_data(data, name)
            t_real = time.monotonic() - t0
            sf = parse_file(data, name)
            t1 = time.perf_counter()
            predicted = run_file(sf, engine)
            t_model = time.perf_counter() - t1
            diffs = compare(real, predicted, page_headers_of(data))
            bad_steps = {(d.id, d.step) for d in diffs}
            bad_scen = {d.id for d in diffs}
            skipped = not_run(real)
            skipped_scen = {i for i, _ in skipped}
            n_scen = len(sf.scenarios) - len(skipped_scen)
            n_steps = len(real["results"]) - len(skipped)
            summary["not_run"] = summary.get("not_run", []) + [f"{name}:{i}" for i in sorted(skipped_scen)]
            summary["scenarios"] += n_scen
            summary["steps"] += n_steps
            summary["agreeing_steps"] += n_steps - len(bad_steps)
            summary["agreeing_scenarios"] += n_scen - len(bad_scen)
            summary["differences"].extend(dict(d.to_json(), file=name) for d in diffs)
            summary["files"].append({"name": name, "scenarios": n_scen, "steps": n_steps,
                                     "disagreeing_scenarios": sorted(bad_scen),
                                     "engine_seconds": round(t_real, 3), "model_seconds": round(t_model, 6)})
            if log is not None:
                print(f"{engine}: {name}: {n_scen - len(bad_scen)}/{n_scen} scenarios agree "
                      f"({t_real:.1f} s in the engine)", file=log, flush=True)
            if outdir is not None:
                outdir.mkdir(parents=True, exist_ok=True)
                (outdir / f"{engine}.{name}.engine.json").write_text(json.dumps(real, indent=1, ensure_ascii=False))
                (outdir / f"{engine}.{name}.model.json").write_text(json.dumps(predicted, indent=1, ensure_ascii=False))
                (outdir / f"{engine}.{name}.scenarios.json").write_text(json.dumps(data, indent=1, ensure_ascii=False))
        summary["seconds_per_scenario"] = (
            sum(run.timings) / len(run.timings) if run.timings else None)
        summary["version"] = run.version()  # known once a page has run (WebKit: per session)
    summary["seconds"] = round(time.monotonic() - started, 1)
    groups: dict[str, list[str]] = defaultdict(list)
    for d in summary["differences"]:
        diff = Difference(d["id"], d["step"], d["field"], d["engine"], d["model"])
        groups[group_key(diff)].append(f"{d['file']}:{d['id']}#{d['step']}")
    summary["groups"] = {k: v for k, v in sorted(groups.items(), key=lambda kv: -len(kv[1]))}
    if outdir is not None:
        (outdir / f"{engine}.summary.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False))
    return summary


def _summary_md(summaries: Sequence[Mapping[str, Any]], command: str) -> str:
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [BEGIN, "", f"Last run: {now}, `{command}`.", "",
             "| engine | version | scenarios | agreeing scenarios | steps | agreeing steps | s/scenario |",
             "|---|---|---|---|---|---|---|"]
    for s in summaries:
        sps = s.get("seconds_per_scenario")
        pct = 100.0 * s["agreeing_scenarios"] / s["scenarios"] if s["scenarios"] else 100.0
        sps_text = f"{sps:.2f}" if sps is not None else "-"
        lines.append(f"| {s['engine']} | {s.get('version', '')} | {s['scenarios']} | "
                     f"{s['agreeing_scenarios']} ({pct:.1f} %) | {s['steps']} | {s['agreeing_steps']} | "
                     f"{sps_text} |")
    for s in summaries:
        if s.get("not_run"):
            lines += ["", f"Not run in {s['engine']} (they wait longer than a real run may): "
                      + ", ".join(f"`{x}`" for x in s["not_run"]) + "."]
    for s in summaries:
        lines += ["", f"### {s['engine']}: differences by cause", ""]
        groups: Mapping[str, list[str]] = s.get("groups", {})
        if not groups:
            lines.append("None: every compared field agreed.")
            continue
        for key, where in groups.items():
            ex = ", ".join(f"`{w}`" for w in where[:3])
            lines.append(f"- {len(where)} × {key.replace('|', '/')} (e.g. {ex})")
    lines += ["", END]
    return "\n".join(lines)


def write_conformance(path: Path, summaries: Sequence[Mapping[str, Any]], command: str) -> None:
    """Replace the generated block of `path` (keeping the hand-written resolution notes)."""
    block = _summary_md(summaries, command)
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if BEGIN in text and END in text:
            head, rest = text.split(BEGIN, 1)
            _, tail = rest.split(END, 1)
            path.write_text(head + block + tail, encoding="utf-8")
            return
        path.write_text(text.rstrip("\n") + "\n\n" + block + "\n", encoding="utf-8")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# Conformance with real engines\n\n" + block + "\n", encoding="utf-8")



def _exit_cleanly_on_sigterm() -> None:
    """SIGTERM (a CI timeout, `kill`) unwinds like Ctrl-C, so the engines and servers stop."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m corssim.browsers.bulk", description=__doc__.split("\n\n")[0])
    p.add_argument("--engine", default="all", choices=[*ENGINES, "all"])
    p.add_argument("--count", type=int, default=3000, help="generated scenarios (default 3000; 0 for none)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--files", nargs="*", default=[], help="hand-written scenario files to run as well")
    p.add_argument("--out", default="build/conformance", help="directory for raw results (default build/conformance)")
    p.add_argument("--port-base", type=int, default=None, help="hosts on ports N, N+1, N+2 instead of 8801..8803")
    p.add_argument("--step-timeout", type=float, default=20.0)
    p.add_argument("--rotate-base", type=int, default=20000,
                   help="WebKit runs each scenario on fresh ports counted from here (default 20000)")
    p.add_argument("--conformance", default="spec_notes/conformance.md",
                   help="summary file to update (default spec_notes/conformance.md)")
    p.add_argument("--no-summary", action="store_true", help="do not update the conformance summary")
    p.add_argument("--from-summaries", metavar="DIR",
                   help="run nothing: write the conformance summary from DIR/ENGINE.summary.json files "
                        "(e.g. after running the engines in parallel, one process each)")
    try:
        args = p.parse_args(argv)
    except SystemExit as e:
        return 0 if e.code == 0 else 2
    _exit_cleanly_on_sigterm()
    if args.count < 0:
        print("bulk: --count must be zero or more", file=sys.stderr)
        return 2
    engines = list(ENGINES) if args.engine == "all" else [args.engine]
    if args.from_summaries:
        found = [Path(args.from_summaries) / f"{e}.summary.json" for e in engines]
        loaded = [json.loads(f.read_text(encoding="utf-8")) for f in found if f.exists()]
        if not loaded:
            print(f"bulk: no ENGINE.summary.json in {args.from_summaries}", file=sys.stderr)
            return 2
        argv_text = " ".join(["python -m corssim.browsers.bulk", *(argv if argv is not None else sys.argv[1:])])
        write_conformance(Path(args.conformance), loaded, argv_text)
        return 1 if any(s["differences"] for s in loaded) else 0
    for name in engines:
        why = missing_reason(name)
        if why is not None:
            print(f"bulk: {name} cannot run here: {why}", file=sys.stderr)
            return 2
    inputs = _load_inputs(args.files, args.seed, args.count, hosts_for(args.port_base))
    outdir = Path(args.out)
    summaries = [run_engine(name, inputs, outdir, args.step_timeout, log=sys.stderr, rotate_base=args.rotate_base)
                 for name in engines]
    for s in summaries:
        print(f"{s['engine']} ({s.get('version')}): {s['agreeing_scenarios']}/{s['scenarios']} scenarios, "
              f"{s['agreeing_steps']}/{s['steps']} steps agree; {s['seconds']} s")
        for key, where in list(s["groups"].items())[:20]:
            print(f"  {len(where):4d} × {key}")
    if not args.no_summary:
        argv_text = " ".join(["python -m corssim.browsers.bulk", *(argv if argv is not None else sys.argv[1:])])
        write_conformance(Path(args.conformance), summaries, argv_text)
    counts = Counter(bool(s["differences"]) for s in summaries)
    return 1 if counts[True] else 0


if __name__ == "__main__":
    sys.exit(main())
