"""Microseconds per simulated fetch against the fake server, in one run, on one core.

    python bench/bench_core.py [--browser chromium] [--repeat 5] [--number 2000]

Prints a table: best-of-repeat µs per simulation for a simple GET, a preflighted PUT with a cold
cache, the same PUT with a warm cache, and a 3-hop redirect; each also as a ratio to the simple
GET, and the warm/cold PUT against the targets from issue 2 (warm ≤ 10 µs, cold ≤ 30 µs).
"""

from __future__ import annotations

import argparse
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


def cases(browser: str) -> dict[str, Callable[[], object]]:
    srv = server()
    warm = Page(APP, server=srv, browser=browser)
    warm.fetch("https://api.example/put", method="PUT", headers={"Content-Type": "application/json"}, body="{}")
    shared = Page(APP, server=srv, browser=browser)

    def simple() -> object:
        return shared.fetch("https://api.example/simple")

    def cold() -> object:
        warm.cache.clear_all()
        return warm.fetch("https://api.example/put", method="PUT", headers={"Content-Type": "application/json"},
                          body="{}")

    def warm_put() -> object:
        return warm.fetch("https://api.example/put", method="PUT", headers={"Content-Type": "application/json"},
                          body="{}")

    def redirect() -> object:
        return shared.fetch("https://api.example/r1")

    return {"simple GET": simple, "preflighted PUT, cold cache": cold, "preflighted PUT, warm cache": warm_put,
            "3-hop redirect": redirect}


def measure(fn: Callable[[], object], number: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best * 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--browser", default="chromium")
    ap.add_argument("--number", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    results = {name: measure(fn, args.number, args.repeat) for name, fn in cases(args.browser).items()}
    base = results["simple GET"]
    targets = {"preflighted PUT, cold cache": 30.0, "preflighted PUT, warm cache": 10.0}
    print(f"corssim core, profile {args.browser}, best of {args.repeat} x {args.number} runs")
    print(f"{'case':32} {'µs/sim':>9} {'vs GET':>8} {'target':>8} {'vs target':>10}")
    for name, us in results.items():
        tgt = targets.get(name)
        print(f"{name:32} {us:9.1f} {us / base:8.2f} {tgt if tgt else '-':>8} "
              f"{(f'{us / tgt:.1f}x' if tgt else '-'):>10}")


if __name__ == "__main__":
    main()
