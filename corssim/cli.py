"""The `corssim` command: demo, run, verify, check."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from corssim.errors import CorssimError

__all__ = ["main"]

BROWSERS = ["chromium", "firefox", "webkit", "spec"]


def _cmd_run(args: argparse.Namespace) -> int:
    if args.out and len(args.files) > 1:
        print("corssim run: --out takes one scenario file at a time", file=sys.stderr)
        return 2
    worst = 0
    for file in args.files:
        worst = max(worst, _run_one(file, args))
    return worst


def _run_one(file: str, args: argparse.Namespace) -> int:
    from corssim.scenario import load, run_file

    sf = load(file)
    out = run_file(sf, args.browser)
    failed = 0
    steps = 0
    for rec in out["results"]:
        steps += 1
        mism = rec.get("expect_mismatches") or []
        if mism:
            failed += 1
            print(f"FAIL {rec['id']} step {rec['step']}:")
            for m in mism:
                print(f"    {m}")
            reason = rec.get("corssim", {}).get("reason")
            if reason:
                print(f"    (corssim: {reason})")
        elif args.verbose:
            print(f"ok   {rec['id']} step {rec['step']}: {rec['outcome']} {rec['response_type'] or ''}")
    if args.out:
        Path(args.out).write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    checked = sum(1 for r in out["results"] if "expect_mismatches" in r and "expect_skipped" not in r)
    print(f"{file} ({args.browser}): {len(sf.scenarios)} scenarios, {steps} steps, "
          f"{checked} with expectations checked, {failed} failed")
    return 1 if failed else 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from corssim.demo import run_demo

    return run_demo(browser=args.browser, color=sys.stdout.isatty() and not args.no_color)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="corssim", description="Predict what a browser does with a cross-origin request.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    d = sub.add_parser("demo", help="classic CORS cases against a built-in fake API, printed as traces")
    d.add_argument("--browser", choices=BROWSERS, default="chromium")
    d.add_argument("--no-color", action="store_true")
    d.set_defaults(func=_cmd_demo)
    r = sub.add_parser("run", help="run a scenario file through the model and check its expectations")
    r.add_argument("files", nargs="+", metavar="FILE")
    r.add_argument("--browser", choices=BROWSERS, default="chromium")
    r.add_argument("--out", help="write the results file (scenario-format RESULT shape) here")
    r.add_argument("-v", "--verbose", action="store_true")
    r.set_defaults(func=_cmd_run)
    sub.add_parser("verify", help="run a scenario file in real browsers and compare with the model (see verify --help)",
                   add_help=False)
    sub.add_parser("check", help="ask a live server what each browser would do (see check --help)", add_help=False)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] in ("verify", "check"):
        name = args_list[0]
        import importlib

        try:
            module = importlib.import_module("corssim.verify" if name == "verify" else "corssim.check_cli")
        except ImportError as e:
            print(f"corssim {name}: not available ({e})", file=sys.stderr)
            return 2
        code = module.main(args_list[1:])
        return int(code)
    parser = _parser()
    args = parser.parse_args(args_list)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        rc: int = args.func(args)
        return rc
    except CorssimError as e:
        print(f"corssim: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
