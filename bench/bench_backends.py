"""Simulations per second through each back-end, as ratios to the declarative fake server.

    .venv/bin/python bench/bench_backends.py [--n 300] [--repeat 5] [--live] [--frameworks]

One simulation is one `page.fetch` in a fresh Page (so preflighted requests really preflight),
cycling through four requests against the same small CORS policy (tests/backends/refapp.py):
a simple GET, a JSON POST and a PUT with Authorization (both preflighted), and a GET from a
disallowed origin. Every back-end serves the same policy; the verdicts are checked to be equal.
Rates are per second of this process's CPU time (all its threads, the live server's included),
which other processes' load disturbs far less than wall time; wall-clock rates are shown beside.
Each row is warmed up; then `--repeat` rounds run every row once (interleaved, so load bursts from
other processes hit all rows alike), and each row reports its best round of `--n` simulations.

Rows: fake rules; plain function; WSGI app (on the bounded worker thread, and inline with
timeout=None); ASGI app (sync `handle` on the private loop, and `afetch` inside one event loop);
with --live, the WSGI app behind a real socket (wsgiref on 127.0.0.1); with --frameworks, the same
policy written with Starlette's CORSMiddleware and with Flask + flask-cors.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "backends"))

import refapp  # noqa: E402

import corssim  # noqa: E402
from corssim.backends import ASGIServer, FunctionServer, LiveServer, WSGIServer, serve_wsgi  # noqa: E402

API = refapp.API
REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    (refapp.ALLOWED, f"{API}/data", {}),
    (refapp.ALLOWED, f"{API}/data", {"method": "POST", "headers": {"Content-Type": "application/json"}, "body": "{}"}),
    (refapp.ALLOWED, f"{API}/data", {"method": "PUT", "headers": {"Authorization": "Bearer t"}}),
    ("https://evil.example", f"{API}/data", {}),
]


def run_sync(server: Any, n: int) -> list[str]:
    out = []
    for i in range(n):
        origin, url, init = REQUESTS[i % len(REQUESTS)]
        out.append(corssim.Page(origin, server=server).fetch(url, **init).outcome)
    return out


def run_async(server: Any, n: int) -> list[str]:
    async def go() -> list[str]:
        out = []
        for i in range(n):
            origin, url, init = REQUESTS[i % len(REQUESTS)]
            out.append((await corssim.Page(origin, server=server).afetch(url, **init)).outcome)
        return out

    return asyncio.run(go())


def framework_servers() -> list[tuple[str, Callable[[int], list[str]]]]:
    rows: list[tuple[str, Callable[[int], list[str]]]] = []
    try:
        from starlette.applications import Starlette
        from starlette.middleware import Middleware
        from starlette.middleware.cors import CORSMiddleware
        from starlette.responses import PlainTextResponse
        from starlette.routing import Route

        async def data(request: Any) -> PlainTextResponse:
            return PlainTextResponse("hello")

        st = Starlette(routes=[Route("/data", data, methods=["GET", "POST", "PUT"])], middleware=[Middleware(
            CORSMiddleware, allow_origins=[refapp.ALLOWED], allow_methods=["GET", "POST", "PUT"],
            allow_headers=["Content-Type", "Authorization"])])
        s = ASGIServer(st)
        rows.append(("Starlette CORSMiddleware (ASGI handle)", lambda n: run_sync(s, n)))
    except ImportError as e:
        print(f"starlette row skipped: {e}")
    try:
        from flask import Flask
        from flask_cors import CORS

        fl = Flask("bench")

        @fl.route("/data", methods=["GET", "POST", "PUT"])
        def fdata() -> str:
            return "hello"

        CORS(fl, origins=[refapp.ALLOWED])
        w = WSGIServer(fl)
        rows.append(("Flask + flask-cors (WSGI)", lambda n: run_sync(w, n)))
    except ImportError as e:
        print(f"flask row skipped: {e}")
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=300)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--live", action="store_true", help="also time a real socket (wsgiref on 127.0.0.1)")
    p.add_argument("--frameworks", action="store_true", help="also time Starlette and Flask apps")
    args = p.parse_args(argv)

    fake = corssim.FakeServer(refapp.rules())
    fn = FunctionServer(refapp.function_app)
    wsgi = WSGIServer(refapp.wsgi_app)
    wsgi_inline = WSGIServer(refapp.wsgi_app, timeout=None)
    asgi = ASGIServer(refapp.asgi_app)
    rows: list[tuple[str, Callable[[int], list[str]]]] = [
        ("fake rules (FakeServer)", lambda n: run_sync(fake, n)),
        ("function (FunctionServer)", lambda n: run_sync(fn, n)),
        ("WSGI, bounded worker thread", lambda n: run_sync(wsgi, n)),
        ("WSGI, inline (timeout=None)", lambda n: run_sync(wsgi_inline, n)),
        ("ASGI, sync handle (private loop)", lambda n: run_sync(asgi, n)),
        ("ASGI, await afetch (one loop)", lambda n: run_async(ASGIServer(refapp.asgi_app), n)),
    ]
    if args.frameworks:
        rows += framework_servers()

    if args.live:
        live_ctx = serve_wsgi(refapp.wsgi_app, max_seconds=600)
        live = LiveServer(live_ctx.__enter__(), timeout=5)
        rows.append(("live HTTP (wsgiref on 127.0.0.1)", lambda n: run_sync(live, n)))

    print(f"{args.n} simulations per run; rows interleaved, best of {args.repeat} rounds; mix: simple GET, "
          f"JSON POST (preflight), PUT+Authorization (preflight), disallowed-origin GET")
    best: dict[str, float] = {}
    best_wall: dict[str, float] = {}
    reference: list[str] | None = None
    try:
        for name, f in rows:  # warm-up: URL-parse caches, imports, the private loop, worker threads
            f(max(4, args.n // 10))
        for _ in range(args.repeat):  # interleaved, so a burst of machine load hits every row alike
            for name, f in rows:
                t0, c0 = time.perf_counter(), time.process_time()
                outcomes = f(args.n)
                wall, cpu = time.perf_counter() - t0, time.process_time() - c0
                rate = args.n / max(cpu, 1e-9)
                best_wall[name] = max(best_wall.get(name, 0.0), args.n / wall)
                if reference is None:
                    reference = outcomes
                elif outcomes != reference:
                    raise SystemExit(f"{name}: verdicts differ from the fake server's")
                best[name] = max(best.get(name, 0.0), rate)
    finally:
        if args.live:
            live.close()
            live_ctx.__exit__(None, None, None)
    results = [(name, best[name]) for name, _ in rows]

    base = results[0][1]
    base_wall = best_wall[results[0][0]]
    width = max(len(n) for n, _ in results)
    print(f"{'back-end':<{width}}  {'sims/CPU-s':>10}  {'vs fake':>7}  {'sims/s wall':>11}  {'vs fake':>7}")
    for name, rate in results:
        w = best_wall[name]
        print(f"{name:<{width}}  {rate:10.0f}  {rate / base:7.2f}  {w:11.0f}  {w / base_wall:7.2f}")
    for s in (fn, wsgi, wsgi_inline, asgi):
        s.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
