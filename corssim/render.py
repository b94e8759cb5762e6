"""Showing a `Result`: terminal text (ANSI colour or plain), JSON for machines, and an HTML page
with an SVG sequence diagram (page <-> servers, one pair of arrows per exchange) for notebooks.

Only the standard library is used (`html.escape` for HTML); the words come from `corssim.explain`.
"""

from __future__ import annotations

import html
from typing import Any

from corssim import explain as _explain
from corssim.http import HttpRequest, HttpResponse
from corssim.origin import origin_of
from corssim.result import Exchange, ExchangeKind, Result

__all__ = ["ANSI", "to_html", "to_json", "to_terminal"]

ANSI: dict[str, str] = {
    "title": "\x1b[1m",
    "head": "\x1b[1;36m",
    "send": "\x1b[34m",
    "recv": "\x1b[35m",
    "pass": "\x1b[32m",
    "fail": "\x1b[1;31m",
    "note": "\x1b[2m",
    "console": "\x1b[33m",
    "fix": "\x1b[1;32m",
    "plain": "",
}
_RESET = "\x1b[0m"


def to_terminal(result: Result, color: bool, browser: str | None = None) -> str:
    """The story for a terminal: ANSI colours when `color`, plain text (same words) otherwise."""
    lines = _explain.story_lines(result, browser)
    if not color:
        return "\n".join(t for _, t in lines).rstrip() + "\n"
    out = []
    for style, text in lines:
        code = ANSI.get(style, "")
        out.append(f"{code}{text}{_RESET}" if code and text else text)
    return "\n".join(out).rstrip() + "\n"


# --------------------------------------------------------------------------------------------
# JSON


def _request_json(req: HttpRequest) -> dict[str, Any]:
    return {
        "method": req.method,
        "url": req.url,
        "headers": req.headers.to_list(),
        "body_bytes": len(req.body) if req.body is not None else None,
    }


def _response_json(resp: HttpResponse) -> dict[str, Any]:
    return {
        "status": resp.status,
        "reason": resp.reason,
        "headers": resp.headers.to_list(),
        "body_bytes": len(resp.body),
    }


def _exchange_json(ex: Exchange) -> dict[str, Any]:
    return {
        "kind": ex.kind.value,
        "request": _request_json(ex.request),
        "response": _response_json(ex.response) if ex.response is not None else None,
        "fault": {"kind": ex.fault.kind.value, "detail": ex.fault.detail} if ex.fault is not None else None,
    }


def _fix_json(fx: _explain.Fix) -> dict[str, Any]:
    return {
        "server_headers": list(fx.server_headers),
        "applies_to": fx.applies_to,
        "server_changes": list(fx.server_changes),
        "request_changes": list(fx.request_changes),
        "caveats": list(fx.caveats),
    }


def to_json(result: Result, browser: str | None = None) -> dict[str, Any]:
    """A JSON-ready dict: the verdict, the failure, exchanges, checks, console messages of every
    profile, the script-visible error and the fix. Stable keys, for `corssim check --json`."""
    name = browser or result.browser
    f = result.failure
    resp = result.response
    consoles: dict[str, Any] = {}
    for b in _explain.BROWSERS:
        entry = _explain.console_entry(result, b)
        consoles[b] = (
            None
            if entry is None
            else {
                "text": entry.text,
                "engine": entry.engine,
                "code": entry.code,
                "doc_url": entry.doc_url,
                "blocking_reason": _explain.firefox_blocking_code(entry.code) if entry.engine == "firefox" else None,
                "verified": entry.verified,
                "source": entry.source,
            }
        )
    return {
        "summary": _explain.summary(result),
        "browser": result.browser,
        "api": result.api,
        "page_origin": result.page_origin,
        "url": result.url,
        "method": result.method,
        "mode": result.mode,
        "credentials": result.credentials,
        "outcome": result.outcome,
        "ok": result.ok,
        "preflight_sent": result.preflight_sent,
        "response": None
        if resp is None
        else {
            "type": resp.type,
            "status": resp.status,
            "status_text": resp.status_text,
            "url": resp.url,
            "redirected": resp.redirected,
            "headers": [list(h) for h in resp.headers],
            "body": resp.body,
        },
        "failure": None
        if f is None
        else {
            "reason": f.reason.value,
            "preflight": f.preflight,
            "url": f.url,
            "value": f.value,
            "status": f.status,
            "fault": {"kind": f.fault.kind.value, "detail": f.fault.detail} if f.fault else None,
            "anchor": f.anchor,
            "short": _explain.short_reason(result),
        },
        "exchanges": [_exchange_json(ex) for ex in result.exchanges],
        "decisions": [
            {
                "anchor": d.anchor,
                "name": d.name,
                "outcome": d.outcome,
                "passed": d.passed,
                "values": [list(v) for v in d.values],
            }
            for d in result.decisions
        ],
        "cache_after": [_explain._cache_entry_text(e) for e in result.cache_after],
        "console_message": _explain.console_message(result, name),
        "console": consoles,
        "script_error": _explain.script_error(result, name),
        "fix": _fix_json(_explain.fix(result)),
    }


# --------------------------------------------------------------------------------------------
# HTML + SVG sequence diagram

_RED = "#c62828"
_GREEN = "#2e7d32"
_GREY = "#555"
_LANE = 250
_ROW = 46
_TOP = 64
_LEFT = 90


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _clip(text: str, n: int = 38) -> str:
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def _origin_label(url: str) -> str:
    try:
        return origin_of(url).serialize()
    except ValueError:
        return url


def _lanes(result: Result) -> list[str]:
    lanes: list[str] = []
    for ex in result.exchanges:
        o = _origin_label(ex.request.url)
        if o not in lanes:
            lanes.append(o)
    if not lanes:
        lanes.append(_origin_label(result.url))
    return lanes


def _arrow(x1: float, x2: float, y: float, color: str, dashed: bool, label: str, full: str) -> str:
    head = -8 if x2 > x1 else 8
    dash = ' stroke-dasharray="6,4"' if dashed else ""
    mid = (x1 + x2) / 2
    return (
        f'<g><title>{_e(full)}</title>'
        f'<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="{color}" stroke-width="1.6"{dash}/>'
        f'<polygon points="{x2},{y} {x2 + head},{y - 4} {x2 + head},{y + 4}" fill="{color}"/>'
        f'<text x="{mid}" y="{y - 6}" text-anchor="middle" font-size="12" fill="{color}">{_e(label)}</text></g>'
    )


def _response_label(resp: HttpResponse) -> str:
    acao = resp.headers.get("Access-Control-Allow-Origin")
    text = f"{resp.status} {resp.reason}".strip()
    if acao is not None:
        text += f"  ACAO: {acao}"
    return text


def _svg(result: Result) -> str:
    lanes = _lanes(result)
    failed = _explain.failing_exchange(result) if result.blocked else None
    width = _LEFT * 2 + _LANE * len(lanes)
    rows = max(1, 2 * len(result.exchanges)) + 1
    height = _TOP + rows * _ROW + 20
    xs = {o: _LEFT + _LANE * (i + 1) for i, o in enumerate(lanes)}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" role="img" '
        f'aria-label="{_e("sequence diagram: " + _explain.summary(result))}">'
    ]
    heads = [("page", result.page_origin, _LEFT)] + [("server", o, xs[o]) for o in lanes]
    for role, label, x in heads:
        parts.append(
            f'<rect x="{x - 80}" y="8" width="160" height="36" rx="4" fill="#f4f4f4" stroke="{_GREY}"/>'
            f'<text x="{x}" y="23" text-anchor="middle" font-size="11" fill="{_GREY}">{_e(role)}</text>'
            f'<text x="{x}" y="38" text-anchor="middle" font-size="11"><title>{_e(label)}</title>'
            f"{_e(_clip(label, 26))}</text>"
            f'<line x1="{x}" y1="44" x2="{x}" y2="{height - 10}" stroke="#bbb" stroke-dasharray="3,3"/>'
        )
    y = _TOP + 10
    short = _explain.short_reason(result)
    for ex in result.exchanges:
        sx = xs[_origin_label(ex.request.url)]
        is_failed = ex is failed
        kind = "preflight " if ex.kind is ExchangeKind.PREFLIGHT else ""
        label = f"{kind}{ex.request.method} {ex.request.target}"
        sent_origin = ex.request.headers.get("Origin")
        if sent_origin is not None and sent_origin != result.page_origin:
            label += f"  Origin: {sent_origin}"
        full = "\n".join([f"{ex.request.method} {ex.request.url}"] + [f"{n}: {v}" for n, v in ex.request.headers])
        parts.append(_arrow(_LEFT, sx, y, "#1565c0", False, _clip(label, 44), full))
        y += _ROW
        if ex.response is not None:
            color = _RED if is_failed else _GREEN
            rlabel = _response_label(ex.response)
            rfull = "\n".join(
                [f"{ex.response.status} {ex.response.reason}"] + [f"{n}: {v}" for n, v in ex.response.headers]
            )
            if is_failed:
                rlabel = "\u2717 " + rlabel
                rfull += "\n\nfailed: " + short
            parts.append(_arrow(sx, _LEFT, y, color, True, _clip(rlabel, 44), rfull))
            if is_failed:
                parts.append(
                    f'<text x="{(sx + _LEFT) / 2}" y="{y + 16}" text-anchor="middle" font-size="11" '
                    f'fill="{_RED}">{_e(_clip(short, 60))}</text>'
                )
        else:
            fault = ex.fault.kind.value if ex.fault is not None else "no response"
            parts.append(
                f'<g><title>{_e(fault)}</title><text x="{sx}" y="{y}" text-anchor="middle" font-size="16" '
                f'fill="{_RED}">\u2717</text><text x="{(sx + _LEFT) / 2}" y="{y + 4}" text-anchor="middle" '
                f'font-size="12" fill="{_RED}">{_e("no response: " + fault)}</text></g>'
            )
        y += _ROW
    if not result.exchanges:
        parts.append(
            f'<text x="{_LEFT - 70}" y="{y}" font-size="12" fill="{_RED if result.blocked else _GREY}">'
            f"{_e(_clip('nothing sent: ' + (short or 'no request'), max(40, int((width - 30) / 6.5))))}</text>"
        )
        y += _ROW
    verdict_color = _GREEN if result.ok else _RED
    parts.append(
        f'<text x="{_LEFT - 70}" y="{y}" font-size="13" font-weight="bold" fill="{verdict_color}">'
        f"{_e(_clip(_explain.summary(result), max(40, int((width - 30) / 7.5))))}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def to_html(result: Result, browser: str | None = None) -> str:
    """An HTML fragment: the SVG sequence diagram with the plain-text explanation beside it.

    Self-contained (inline styles only), safe to embed: every value goes through `html.escape`.
    """
    verdict_color = _GREEN if result.ok else _RED
    story = _explain.explain(result, browser)
    return (
        '<div class="corssim-result" style="display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start">'
        f'<div style="flex:0 0 auto">{_svg(result)}</div>'
        '<div style="flex:1 1 420px;min-width:320px">'
        f'<div style="font-weight:bold;color:{verdict_color};margin-bottom:6px">{_e(_explain.summary(result))}</div>'
        f'<pre style="white-space:pre-wrap;font-size:12px;margin:0">{_e(story)}</pre>'
        "</div></div>"
    )
