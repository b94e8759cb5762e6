"""Test assertions on a simulated fetch: `assert_allowed(result)` and `assert_blocked(result, reason)`.

A failing assertion's message is the whole explanation (`Result.explain()`): what was sent, what
came back, which check failed and the fix, plus the traceback when the app itself crashed.
"""

from __future__ import annotations

from corssim.result import Reason, Result

__all__ = ["assert_allowed", "assert_blocked", "explanation"]


def _app_errors(result: Result) -> str:
    from corssim.backends._common import AppErrorResponse

    notes = []
    for ex in result.exchanges:
        resp = ex.response
        if isinstance(resp, AppErrorResponse) and resp.app_error:
            tail = resp.app_error.strip().splitlines()[-12:]
            notes.append(
                f"The app raised while answering {ex.request.method} {ex.request.url} (the server sent "
                f"{resp.status} without CORS headers):\n    " + "\n    ".join(tail)
            )
    return "\n\n".join(notes)


def explanation(result: Result) -> str:
    """`result.explain()`, with the app's traceback when it crashed; `repr` if explaining fails."""
    try:
        text = result.explain()
    except Exception as exc:  # the explanation must never hide the assertion itself
        text = f"{result!r}\n(could not explain: {type(exc).__name__}: {exc})"
    extra = _app_errors(result)
    return f"{text}\n\n{extra}" if extra else text


def _as_reason(reason: Reason | str) -> Reason:
    if isinstance(reason, Reason):
        return reason
    low = reason.strip().lower()
    for r in Reason:
        if low in (r.value, r.name.lower()):
            return r
    raise ValueError(f"unknown reason {reason!r}; one of: {', '.join(r.value for r in Reason)}")


def assert_allowed(result: Result) -> Result:
    """Fail unless the page's fetch resolved (the browser let the page see the response)."""
    if not isinstance(result, Result):
        raise TypeError(f"assert_allowed needs a corssim Result, got {type(result).__name__}")
    if not result.ok:
        raise AssertionError(f"expected the browser to allow this request, but it blocked it.\n\n{explanation(result)}")
    return result


def assert_blocked(result: Result, reason: Reason | str | None = None) -> Result:
    """Fail unless the fetch failed (a network error in the page), for `reason` when given."""
    if not isinstance(result, Result):
        raise TypeError(f"assert_blocked needs a corssim Result, got {type(result).__name__}")
    want = _as_reason(reason) if reason is not None else None
    if result.ok:
        raise AssertionError(f"expected the browser to block this request, but it allowed it.\n\n{explanation(result)}")
    if want is not None and result.reason is not want:
        got = result.reason.value if result.reason is not None else None
        raise AssertionError(
            f"expected the browser to block this request for {want.value}, but it failed for {got}.\n\n{explanation(result)}"
        )
    return result
