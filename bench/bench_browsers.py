"""Seconds per scenario in each real engine vs microseconds per scenario in corssim, same file.

    .venv/bin/python bench/bench_browsers.py [FILE.json] [--engine all] [--generated N] [--repeat R]

Without FILE, uses N generated scenarios (seed 7; default 40). Engine time is per scenario,
from loading the page on fresh state to the last step's result (launch time shown apart);
corssim time is `corssim.scenario.run_file` for the same file with the engine's profile, the
best of R repeats, divided by the number of scenarios. Engines that are not installed are listed
with the reason and skipped.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corssim.browsers import BrowserRun  # noqa: E402
from corssim.browsers.engines import ENGINES, missing_reason  # noqa: E402
from corssim.scenario import parse_file, run_file  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("file", nargs="?")
    p.add_argument("--engine", default="all", choices=[*ENGINES, "all"])
    p.add_argument("--generated", type=int, default=40)
    p.add_argument("--repeat", type=int, default=20)
    args = p.parse_args(argv)
    if args.file:
        data: dict[str, Any] = json.loads(Path(args.file).read_text(encoding="utf-8"))
        label = args.file
    else:
        from corssim.generate import generate

        data = generate(7, args.generated)
        label = f"{args.generated} generated scenarios (seed 7)"
    sf = parse_file(data, label)
    n = len(sf.scenarios)
    waits = sum(st.wait_s for sc in sf.scenarios for st in sc.steps)
    print(f"file: {label}: {n} scenarios, {sum(len(s.steps) for s in sf.scenarios)} steps, "
          f"{waits:.1f} s of wait_s in total (real engines really wait; the model's clock jumps)")
    engines = list(ENGINES) if args.engine == "all" else [args.engine]
    rows = []
    for eng in engines:
        why = missing_reason(eng)
        if why is not None:
            print(f"{eng}: skipped: {why}")
            continue
        t0 = time.monotonic()
        with BrowserRun(eng) as run:
            launch = time.monotonic() - t0
            run.run_file(sf)
            per_real = sum(run.timings) / len(run.timings)
            version = run.version()
        best = float("inf")
        for _ in range(args.repeat):
            t1 = time.perf_counter()
            run_file(sf, eng)
            best = min(best, time.perf_counter() - t1)
        per_model = best / n
        rows.append((eng, version, launch, per_real, per_model))
    print(f"{'engine':9} {'version':22} {'launch s':>9} {'engine s/scen':>14} {'corssim us/scen':>16} {'ratio':>9}")
    for eng, version, launch, per_real, per_model in rows:
        print(f"{eng:9} {version:22} {launch:9.2f} {per_real:14.3f} {per_model * 1e6:16.1f} "
              f"{per_real / per_model:9.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
