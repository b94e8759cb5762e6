"""The reference app: one small CORS policy, served five ways (fake rules, function, WSGI, ASGI,
live HTTP server), so that the same requests must give the same verdict through every adapter.

The policy sends a static `Access-Control-Allow-Origin: https://app.example` (no reflection), so
the declarative fake rules can express it exactly.
"""

from __future__ import annotations

from typing import Any

from corssim.http import HttpRequest, HttpResponse

ALLOWED = "https://app.example"
API = "https://api.example.com"

_ACTUAL = [
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Access-Control-Allow-Origin", ALLOWED),
    ("Access-Control-Allow-Credentials", "true"),
    ("Access-Control-Expose-Headers", "X-Total"),
    ("X-Total", "3"),
    ("Vary", "Origin"),
    ("Content-Length", "5"),
]
_PREFLIGHT = [
    ("Access-Control-Allow-Origin", ALLOWED),
    ("Access-Control-Allow-Methods", "GET, POST, PUT"),
    ("Access-Control-Allow-Headers", "Content-Type, Authorization"),
    ("Access-Control-Allow-Credentials", "true"),
    ("Access-Control-Max-Age", "600"),
    ("Vary", "Origin"),
]
_DUP = [
    ("Access-Control-Allow-Origin", ALLOWED),
    ("Access-Control-Allow-Origin", ALLOWED),
    ("Content-Length", "3"),
]
_REDIRECT = [
    ("Location", "/data"),
    ("Access-Control-Allow-Origin", ALLOWED),
    ("Content-Length", "0"),
]
_NOT_FOUND = [("Content-Length", "0")]


def respond(method: str, path: str) -> tuple[int, str, list[tuple[str, str]], bytes]:
    """The policy: (status, reason, headers, body) for a method and path (query ignored)."""
    path = path.split("?", 1)[0]
    if path == "/data":
        if method == "OPTIONS":
            return 204, "No Content", list(_PREFLIGHT), b""
        if method in ("GET", "POST", "PUT"):
            return 200, "OK", list(_ACTUAL), b"hello"
    if path == "/dup" and method == "GET":
        return 200, "OK", list(_DUP), b"dup"
    if path == "/redirect" and method == "GET":
        return 302, "Found", list(_REDIRECT), b""
    return 404, "Not Found", list(_NOT_FOUND), b""


def rules() -> list[dict[str, Any]]:
    """The same policy as scenario-format RULEs (first match wins)."""
    def rule(method: str, path: str) -> dict[str, Any]:
        status, reason, headers, body = respond(method, path)
        return {"match": {"method": method, "path": path}, "status": status, "reason": reason,
                "headers": [list(h) for h in headers], "body": body.decode()}

    return [rule(m, "/data") for m in ("OPTIONS", "GET", "POST", "PUT")] + [rule("GET", "/dup"), rule("GET", "/redirect")]


def function_app(request: HttpRequest) -> HttpResponse:
    status, reason, headers, body = respond(request.method, request.target)
    return HttpResponse(status=status, reason=reason, headers=headers, body=body)


def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    status, reason, headers, body = respond(environ["REQUEST_METHOD"], environ["PATH_INFO"])
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response(f"{status} {reason}", headers)
    return [body]


async def asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    assert scope["type"] == "http"
    while True:
        msg = await receive()
        if not msg.get("more_body"):
            break
    status, _reason, headers, body = respond(scope["method"], scope["path"])
    await send({"type": "http.response.start", "status": status,
                "headers": [(n.encode("latin-1"), v.encode("latin-1")) for n, v in headers]})
    await send({"type": "http.response.body", "body": body})
