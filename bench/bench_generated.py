"""CPU time of `run_file` over generated scenarios, the workload of a real-engine comparison run.

    python bench/bench_generated.py [--seed 2] [--count 1000] [--browser chromium] [--repeat 3]

Three passes over the same file, best of --repeat: the first with every corssim memo emptied (as a
fresh process has them), then the same file again twice. With memo admission (corssim/_memo.py)
the first pass keeps nothing alive, the second fills the memos, the third is served from them.
Prints the records' digest too, so two versions of corssim can be checked for identical results
(run one with PYTHONPATH pointing at the other's checkout).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import importlib
import json
import pkgutil
import time

import corssim
from corssim.generate import generate
from corssim.scenario import parse_file, run_file

KEEP = {"_psl", "_registrable_domain"}  # the public suffix list is loaded once per process


def empty_memos() -> None:
    for info in pkgutil.iter_modules(corssim.__path__):
        if info.ispkg or info.name.startswith("__"):
            continue
        mod = importlib.import_module(f"corssim.{info.name}")
        for name, obj in vars(mod).items():
            if hasattr(obj, "cache_clear") and getattr(obj, "__name__", "") not in KEEP:
                obj.cache_clear()
            elif name.startswith("_SEEN") and isinstance(obj, set):
                obj.clear()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--browser", default="chromium")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    sf = parse_file(generate(args.seed, args.count))
    run_file(parse_file(generate(args.seed + 1000, 20)), args.browser)  # imports, suffix list
    best = [float("inf")] * 3
    first = None
    for _ in range(args.repeat):
        empty_memos()
        gc.collect()
        for i in range(3):
            t0 = time.process_time()
            res = run_file(sf, args.browser)
            best[i] = min(best[i], time.process_time() - t0)
            if first is None:
                first = res
            assert res == first, "a pass gave other results"
    assert first is not None
    n = len(first["results"])
    digest = hashlib.sha256(json.dumps(first, sort_keys=True, default=str).encode()).hexdigest()[:12]
    print(f"{args.browser}: {n} records (seed {args.seed}, {args.count} scenarios), CPU ms, best of {args.repeat}: "
          f"1st pass {best[0] * 1e3:.1f}, 2nd {best[1] * 1e3:.1f}, 3rd {best[2] * 1e3:.1f}; digest {digest}")


if __name__ == "__main__":
    main()
