"""Microseconds per simulated fetch against the fake server, in one run, on one core.

    python bench/bench_core.py [--browser chromium[,firefox,webkit,spec]] [--repeat 5] [--number 2000] [--clock cpu]

Prints a table: best-of-repeat µs per simulation for a simple GET, a preflighted PUT with a cold
cache, the same PUT with a warm cache, and a 3-hop redirect; the warm/cold PUT against the targets
from issue 2 (warm ≤ 10 µs, cold ≤ 30 µs). One column per browser profile.

Two more rows keep the numbers honest about caching and laziness:
- "simple GET, new URL each call": every call asks for a URL never seen before, so no memo of a
  URL, origin, header list or response helps (the path a generated or property-based test takes);
- "simple GET + read Result fully": the simple GET, then every decision, exchange, header and the
  cache snapshot of the Result is read (what a test that inspects the trace pays).
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections.abc import Callable

from corssim import FakeServer, Page, Rule

APP = "https://app.example"


def server() -> FakeServer:
    acao = ("Access-Control-Allow-Origin", APP)
    return FakeServer([
        Rule(path="/simple", headers=[acao], body="ok"),
        Rule(path="/put", method="OPTIONS", status=204,
             headers=[acao, ("Access-Control-Allow-Methods", "PUT"), ("Access-Control-Allow-Headers", "content-type"),
                      ("Access-Control-Max-Age", "600")]),
        Rule(path="/put", headers=[acao], body="ok"),
        Rule(path="/r1", status=302, headers=[acao, ("Location", "https://api.example/r2")]),
        Rule(path="/r2", status=302, headers=[acao, ("Location", "https://api.example/r3")]),
        Rule(path="/r3", status=302, headers=[acao, ("Location", "https://api.example/end")]),
        Rule(path="/end", headers=[acao], body="ok"),
    ])


def read_fully(result: object) -> int:
    """Touch every part of a Result a test might look at; returns a count so nothing is skipped."""
    n = 0
    r = result
    for d in r.decisions:  # type: ignore[attr-defined]
        n += len(d.anchor) + len(d.name) + len(d.outcome) + int(d.passed)
        for k, v in d.values:
            n += len(k) + len(v)
    for e in r.exchanges:  # type: ignore[attr-defined]
        n += len(e.request.headers) + (len(e.response.headers) if e.response is not None else 0)
    if r.response is not None:  # type: ignore[attr-defined]
        n += len(r.response.headers)  # type: ignore[attr-defined]
    n += len(r.cache_after) + (r.failure is not None)  # type: ignore[attr-defined]
    return n


def cases(browser: str) -> dict[str, Callable[[], object]]:
    srv = server()
    warm = Page(APP, server=srv, browser=browser)
    warm.fetch("https://api.example/put", method="PUT", headers={"Content-Type": "application/json"}, body="{}")
    shared = Page(APP, server=srv, browser=browser)
    counter = itertools.count()

    def simple() -> object:
        return shared.fetch("https://api.example/simple")

    def simple_new_url() -> object:
        return shared.fetch(f"https://api.example/simple?n={next(counter)}")

    def simple_read() -> object:
        return read_fully(shared.fetch("https://api.example/simple"))

    def cold() -> object:
        warm.cache.clear_all()
        return warm.fetch("https://api.example/put", method="PUT", headers={"Content-Type": "application/json"},
                          body="{}")

    def warm_put() -> object:
        return warm.fetch("https://api.example/put", method="PUT", headers={"Content-Type": "application/json"},
                          body="{}")

    def redirect() -> object:
        return shared.fetch("https://api.example/r1")

    def trim() -> object:
        # the bench must not measure an ever-growing history or server log
        shared.history.clear()
        warm.history.clear()
        srv.log.clear()
        return None

    return {"simple GET": simple, "simple GET, new URL each call": simple_new_url,
            "simple GET + read Result fully": simple_read,
            "preflighted PUT, cold cache": cold, "preflighted PUT, warm cache": warm_put,
            "3-hop redirect": redirect, "_trim": trim}


def measure(fn: Callable[[], object], trim: Callable[[], object], number: int, repeat: int,
            clock: Callable[[], float] = time.perf_counter) -> float:
    best = float("inf")
    for _ in range(repeat):
        trim()
        t0 = clock()
        for _ in range(number):
            fn()
        best = min(best, (clock() - t0) / number)
    return best * 1e6


TARGETS = {"preflighted PUT, cold cache": 30.0, "preflighted PUT, warm cache": 10.0}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--browser", default="chromium", help="one profile or several, comma-separated")
    ap.add_argument("--number", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                    help="cpu: this process's CPU time (steadier when other processes load the machine)")
    args = ap.parse_args()
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    browsers = [b.strip() for b in args.browser.split(",") if b.strip()]
    table: dict[str, dict[str, float]] = {}
    for b in browsers:
        cs = cases(b)
        trim = cs.pop("_trim")
        table[b] = {name: measure(fn, trim, args.number, args.repeat, clock) for name, fn in cs.items()}
    print(f"corssim core, µs per simulated fetch ({args.clock} clock), best of {args.repeat} x {args.number} runs")
    print(f"{'case':32}" + "".join(f" {b:>9}" for b in browsers) + f" {'target':>8}")
    for name in table[browsers[0]]:
        tgt = TARGETS.get(name)
        print(f"{name:32}" + "".join(f" {table[b][name]:9.1f}" for b in browsers) + f" {tgt if tgt else '-':>8}")


if __name__ == "__main__":
    main()
