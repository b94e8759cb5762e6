"""Scenario files (../shared/scenario-format.md): declarative servers, steps, expectations, and
the RESULT records that are compared with real browsers.

`FakeServer` is the declarative back-end: a list of `Rule`s, first match wins, an unmatched
request gets 404 with only `Content-Length: 0`. Header lines go out exactly as written, in order,
repeats kept.
"""

from __future__ import annotations

import http
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from corssim.errors import InvalidURL, ScenarioError
from corssim.http import Headers, HttpRequest, HttpResponse
from corssim.origin import origin_of
from corssim.page import Page
from corssim.profiles import get_profile
from corssim.result import ExchangeKind, Result

__all__ = [
    "DEFAULT_HOSTS",
    "FakeServer",
    "Rule",
    "Scenario",
    "ScenarioFile",
    "Step",
    "answer_request",
    "check_expect",
    "load",
    "parse_file",
    "result_record",
    "run_file",
    "run_scenario",
]

DEFAULT_HOSTS: dict[str, str] = {
    "A": "http://127.0.0.1:8801",
    "B": "http://127.0.0.2:8802",
    "C": "http://127.0.0.3:8803",
}


def _names(value: object, where: str = "rule") -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ScenarioError(where, f"expected a string or a list of strings, got {value!r}")


def _pairs(value: object, where: str = "rule.headers") -> Headers:
    if value is None:
        return Headers()
    if isinstance(value, Headers):
        return value
    if isinstance(value, Mapping):
        value = list(value.items())
    if not isinstance(value, (list, tuple)):
        raise ScenarioError(where, f"headers must be a list of [name, value] pairs, got {value!r}")
    out: list[tuple[str, str]] = []
    for item in value:
        if not isinstance(item, (list, tuple)) or len(item) != 2 or not all(isinstance(x, str) for x in item):
            raise ScenarioError(where, f"a header must be [name, value] (two strings), got {item!r}")
        out.append((item[0], item[1]))
    return Headers(tuple(out))


def _status_reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


@attrs.frozen(kw_only=True)
class Rule:
    """How a server answers the requests it matches (a scenario RULE).

    Match fields (all optional): `host` (a host name such as "B", an origin, or a list),
    `method` (exact, case-sensitive, as on the wire), `path` (without "?": the path only; with "?":
    path and query exactly), `header_present` / `header_absent` (case-insensitive names).
    """

    host: tuple[str, ...] | None = attrs.field(default=None, converter=_names)
    method: tuple[str, ...] | None = attrs.field(default=None, converter=_names)
    path: str | None = None
    header_present: str | None = None
    header_absent: str | None = None
    status: int = 200
    reason: str | None = None
    headers: Headers = attrs.field(factory=Headers, converter=_pairs)
    body: str = ""
    delay_s: float = 0.0

    def matches(self, host_names: Iterable[str], method: str, target: str, headers: Headers) -> bool:
        if self.host is not None and not any(h in self.host for h in host_names):
            return False
        if self.method is not None and method not in self.method:
            return False
        if self.path is not None:
            if "?" in self.path:
                if target != self.path:
                    return False
            elif target.split("?", 1)[0] != self.path:
                return False
        if self.header_present is not None and not headers.contains(self.header_present):
            return False
        if self.header_absent is not None and headers.contains(self.header_absent):
            return False
        return True

    def response(self) -> HttpResponse:
        hl = self.headers
        body = self.body.encode("utf-8")
        if not hl.contains("Content-Length") and not (100 <= self.status < 200 or self.status in (204, 304)):
            hl = hl.append("Content-Length", str(len(body)))
        return HttpResponse(status=self.status, reason=self.reason if self.reason is not None else _status_reason(self.status),
                            headers=hl, body=body)

    @classmethod
    def from_json(cls, data: object, where: str = "rule") -> "Rule":
        if not isinstance(data, Mapping):
            raise ScenarioError(where, f"a rule must be an object, got {data!r}")
        match = data.get("match", {}) or {}
        if not isinstance(match, Mapping):
            raise ScenarioError(where + ".match", f"must be an object, got {match!r}")
        status = data.get("status", 200)
        if not isinstance(status, int) or not 100 <= status <= 999:
            raise ScenarioError(where + ".status", f"must be an HTTP status (100..999), got {status!r}")
        body = data.get("body", "")
        if body is None:
            body = ""
        if not isinstance(body, str):
            raise ScenarioError(where + ".body", f"must be a string, got {body!r}")
        path = match.get("path")
        if path is not None and not isinstance(path, str):
            raise ScenarioError(where + ".match.path", f"must be a string, got {path!r}")
        delay = data.get("delay_s", 0) or 0
        if not isinstance(delay, (int, float)) or delay < 0:
            raise ScenarioError(where + ".delay_s", f"must be a non-negative number, got {delay!r}")
        reason = data.get("reason")
        return cls(
            host=_names(match.get("host"), where + ".match.host"),
            method=_names(match.get("method"), where + ".match.method"),
            path=path,
            header_present=match.get("header_present"),
            header_absent=match.get("header_absent"),
            status=status,
            reason=str(reason) if reason is not None else None,
            headers=_pairs(data.get("headers"), where + ".headers"),
            body=body,
            delay_s=float(delay),
        )


_NOT_FOUND = HttpResponse(status=404, reason="Not Found", headers=(("Content-Length", "0"),))


def answer_request(rules: Sequence[Rule], host_names: Iterable[str], method: str, target: str,
                   headers: Headers) -> tuple[HttpResponse, Rule | None]:
    """The first rule that matches answers; otherwise 404 with only Content-Length: 0."""
    names = list(host_names)
    for rule in rules:
        if rule.matches(names, method, target, headers):
            return _response_of(rule), rule
    return _NOT_FOUND, None


_RESPONSES: dict[int, tuple[Rule, HttpResponse]] = {}


def _response_of(rule: Rule) -> HttpResponse:
    """Rules are immutable values, so each one's response is built once (keyed by identity;
    the rule is kept alive beside its response so the id cannot be reused)."""
    hit = _RESPONSES.get(id(rule))
    if hit is None or hit[0] is not rule:
        if len(_RESPONSES) > 10000:
            _RESPONSES.clear()
        hit = _RESPONSES[id(rule)] = (rule, rule.response())
    return hit[1]


class FakeServer:
    """A declarative back-end: `Rule`s, first match wins. `hosts` names origins ("B" ->
    "http://127.0.0.2:8802") so rules can say `host="B"`; a rule may also name an origin."""

    def __init__(self, rules: Sequence[Rule | Mapping[str, Any]] = (), hosts: Mapping[str, str] | None = None) -> None:
        self.rules: list[Rule] = [r if isinstance(r, Rule) else Rule.from_json(r, f"rules[{i}]")
                                  for i, r in enumerate(rules)]
        self.hosts = dict(hosts or {})
        self._origin_names = {origin_of(v).serialize(): k for k, v in self.hosts.items()}
        self.log: list[HttpRequest] = []

    def host_names(self, url: str) -> list[str]:
        o = origin_of(url).serialize()
        names = [o]
        if o in self._origin_names:
            names.append(self._origin_names[o])
        return names

    def handle(self, request: HttpRequest) -> HttpResponse:
        self.log.append(request)
        response, _ = answer_request(self.rules, self.host_names(request.url), request.method, request.target,
                                     request.headers)
        return response


# --- scenario files ------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{([A-Za-z][A-Za-z0-9]*?)(_PORT)?\}")


def _substitute(value: Any, hosts: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        def repl(m: re.Match[str]) -> str:
            name, port = m.group(1), m.group(2)
            if name not in hosts:
                return m.group(0)
            if port:
                o = origin_of(hosts[name])
                p = getattr(o, "port", None)
                if p is None:
                    p = 443 if getattr(o, "scheme", "") == "https" else 80
                return str(p)
            return hosts[name]
        return _PLACEHOLDER.sub(repl, value)
    if isinstance(value, list):
        return [_substitute(v, hosts) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, hosts) for k, v in value.items()}
    return value


@attrs.frozen(kw_only=True)
class Step:
    index: int
    api: str
    url: str
    init: Mapping[str, Any]
    rules: tuple[Rule, ...]
    wait_s: float = 0.0
    expect: Mapping[str, Any] | None = None


@attrs.frozen(kw_only=True)
class Scenario:
    id: str
    page: str
    hosts: Mapping[str, str]
    steps: tuple[Step, ...]
    source: str = ""
    note: str = ""
    browsers: tuple[str, ...] | None = None


@attrs.frozen(kw_only=True)
class ScenarioFile:
    hosts: Mapping[str, str]
    scenarios: tuple[Scenario, ...]


def _check_hosts(value: object, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ScenarioError(where, f"hosts must map names to origins, got {value!r}")
    out: dict[str, str] = {}
    for k, v in value.items():
        if not isinstance(v, str):
            raise ScenarioError(f"{where}.{k}", f"must be an origin string, got {v!r}")
        try:
            origin_of(v)
        except InvalidURL:
            raise ScenarioError(f"{where}.{k}", f"not a URL: {v!r}") from None
        out[str(k)] = v.rstrip("/")
    return out


def _step(given: object, index: int, hosts: Mapping[str, str], where: str) -> Step:
    if not isinstance(given, Mapping):
        raise ScenarioError(where, f"a step must be an object, got {given!r}")
    raw: dict[str, Any] = _substitute(dict(given), hosts)
    api = raw.get("api", "fetch")
    if api not in ("fetch", "xhr"):
        raise ScenarioError(where + ".api", f"must be 'fetch' or 'xhr', got {api!r}")
    url = raw.get("url")
    if not isinstance(url, str):
        raise ScenarioError(where + ".url", f"must be a string, got {url!r}")
    init = raw.get("init", {}) or {}
    if not isinstance(init, Mapping):
        raise ScenarioError(where + ".init", f"must be an object, got {init!r}")
    server = raw.get("server", []) or []
    if not isinstance(server, list):
        raise ScenarioError(where + ".server", f"must be a list of rules, got {server!r}")
    rules = tuple(Rule.from_json(r, f"{where}.server[{i}]") for i, r in enumerate(server))
    wait = raw.get("wait_s", 0) or 0
    if not isinstance(wait, (int, float)) or wait < 0:
        raise ScenarioError(where + ".wait_s", f"must be a non-negative number, got {wait!r}")
    expect = raw.get("expect")
    if expect is not None and not isinstance(expect, Mapping):
        raise ScenarioError(where + ".expect", f"must be an object, got {expect!r}")
    return Step(index=index, api=api, url=url, init=init, rules=rules, wait_s=float(wait), expect=expect)


def parse_file(data: object, where: str = "file") -> ScenarioFile:
    """Read a scenario file's JSON value (already decoded)."""
    if not isinstance(data, Mapping):
        raise ScenarioError(where, "the top level must be an object with a 'scenarios' list")
    hosts = dict(DEFAULT_HOSTS)
    hosts.update(_check_hosts(data.get("hosts"), where + ".hosts"))
    raw_scenarios = data.get("scenarios")
    if not isinstance(raw_scenarios, list):
        raise ScenarioError(where + ".scenarios", "must be a list")
    out: list[Scenario] = []
    seen: set[str] = set()
    for i, s in enumerate(raw_scenarios):
        w = f"{where}.scenarios[{i}]"
        if not isinstance(s, Mapping):
            raise ScenarioError(w, "a scenario must be an object")
        sid = s.get("id")
        if not isinstance(sid, str) or not sid:
            raise ScenarioError(w + ".id", f"must be a non-empty string, got {sid!r}")
        if sid in seen:
            raise ScenarioError(w + ".id", f"duplicate id {sid!r}")
        seen.add(sid)
        w = f"{where}:{sid}"
        shosts = dict(hosts)
        shosts.update(_check_hosts(s.get("hosts"), w + ".hosts"))
        page = s.get("page", "A")
        if page not in shosts:
            raise ScenarioError(w + ".page", f"unknown host {page!r}; hosts are {', '.join(sorted(shosts))}")
        steps = s.get("steps")
        if not isinstance(steps, list) or not steps:
            raise ScenarioError(w + ".steps", "must be a non-empty list")
        browsers = s.get("browsers")
        out.append(Scenario(
            id=sid, page=page, hosts=shosts,
            steps=tuple(_step(st, j, shosts, f"{w}.steps[{j}]") for j, st in enumerate(steps)),
            source=str(s.get("source", "")), note=str(s.get("note", "")),
            browsers=tuple(browsers) if isinstance(browsers, list) else None,
        ))
    return ScenarioFile(hosts=hosts, scenarios=tuple(out))


def load(path: str | Path) -> ScenarioFile:
    """Load and check a scenario file; ScenarioError names what is wrong and where."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise ScenarioError(str(p), f"cannot read: {e.strerror or e}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ScenarioError(f"{p}:{e.lineno}:{e.colno}", f"invalid JSON: {e.msg}") from None
    return parse_file(data, str(p))


class _StepServer(FakeServer):
    def set_rules(self, rules: Sequence[Rule]) -> None:
        self.rules = list(rules)


_XHR_KEYS = {"method", "headers", "body", "withCredentials", "with_credentials", "uploadListeners", "upload_listeners"}
_FETCH_KEYS = {"method", "headers", "body", "mode", "credentials", "redirect", "referrerPolicy", "cache", "duplex"}


def _run_step(page: Page, server: _StepServer, step: Step) -> Result:
    if step.wait_s:
        page.wait(step.wait_s)
    server.set_rules(step.rules)
    init = dict(step.init)
    body = init.get("body")
    if step.api == "xhr":
        return page.xhr(
            step.url, method=init.get("method", "GET"), headers=init.get("headers"), body=body,
            with_credentials=bool(init.get("withCredentials", init.get("with_credentials", False))),
            upload_listeners=bool(init.get("uploadListeners", init.get("upload_listeners", False))),
            server=server,
        )
    kwargs = {k: v for k, v in init.items() if k in _FETCH_KEYS}
    return page.fetch(step.url, server=server, **kwargs)


def result_record(scenario: Scenario, step: Step, result: Result, server: FakeServer) -> dict[str, Any]:
    """One RESULT in the shape of the scenario format, plus corssim's own fields."""
    log = []
    for ex in result.exchanges:
        names = server.host_names(ex.request.url)
        host = names[-1] if len(names) > 1 else names[0]
        log.append({"host": host, "method": ex.request.method, "path": ex.request.target,
                    "headers": ex.request.headers.to_list()})
    ok = result.ok
    rec: dict[str, Any] = {
        "id": scenario.id,
        "step": step.index,
        "browser": result.browser,
        "outcome": result.outcome,
        "response_type": result.response_type,
        "status": result.status if ok else None,
        "readable_headers": dict(result.response.headers) if result.response else {},
        "body": result.body if ok else None,
        "preflight_sent": any(e.kind is ExchangeKind.PREFLIGHT for e in result.exchanges),
        "server_log": log,
    }
    corssim: dict[str, Any] = {}
    if result.failure is not None:
        f = result.failure
        corssim["reason"] = f.reason.value
        corssim["failure"] = {"preflight": f.preflight, "url": f.url, "value": f.value, "status": f.status,
                              "anchor": f.anchor, "fault": f.fault.kind.value if f.fault else None}
        corssim["thrown"] = f.reason.thrown_before_send
        try:
            from corssim.explain import console_message

            corssim["console"] = console_message(result, result.browser)
        except Exception:  # explanations are optional in the record; the verdict is not
            pass
    corssim["decisions"] = [
        {"anchor": d.anchor, "name": d.name, "outcome": d.outcome, "passed": d.passed, "values": dict(d.values)}
        for d in result.decisions
    ]
    rec["corssim"] = corssim
    return rec


def check_expect(expect: Mapping[str, Any], rec: Mapping[str, Any]) -> list[str]:
    """Compare a RESULT with an `expect` block; returns the mismatches, one sentence each."""
    out: list[str] = []
    for field in ("outcome", "status", "response_type", "preflight_sent", "body"):
        if field in expect and expect[field] != rec.get(field):
            out.append(f"{field}: expected {expect[field]!r}, got {rec.get(field)!r}")
    readable = {k.lower(): v for k, v in (rec.get("readable_headers") or {}).items()}
    want = expect.get("readable_headers") or {}
    for name, value in dict(want).items():
        low = name.lower()
        if low not in readable:
            out.append(f"readable_headers: {name!r} should be readable, is not")
        elif value is not None and readable[low] != value:
            out.append(f"readable_headers: {name!r} expected {value!r}, got {readable[low]!r}")
    for name in expect.get("unreadable_headers") or []:
        if name.lower() in readable:
            out.append(f"unreadable_headers: {name!r} should not be readable, is ({readable[name.lower()]!r})")
    return out


def run_scenario(scenario: Scenario, browser: str) -> list[dict[str, Any]]:
    """Run every step of one scenario in one fresh page; returns the RESULT records."""
    profile = get_profile(browser)
    server = _StepServer([], scenario.hosts)
    page = Page(scenario.hosts[scenario.page] + "/", server=server, browser=profile)
    records = []
    applies = scenario.browsers is None or profile.name in scenario.browsers
    for step in scenario.steps:
        result = _run_step(page, server, step)
        rec = result_record(scenario, step, result, server)
        if step.expect is not None:
            if applies:
                rec["expect_mismatches"] = check_expect(step.expect, rec)
            else:
                rec["expect_mismatches"] = []
                rec["expect_skipped"] = f"expectations hold for {', '.join(scenario.browsers or ())} only"
        records.append(rec)
    return records


def run_file(sf: ScenarioFile, browser: str) -> dict[str, Any]:
    """Run a whole scenario file; returns the results file (scenario format's shape)."""
    profile = get_profile(browser)
    results: list[dict[str, Any]] = []
    for sc in sf.scenarios:
        results.extend(run_scenario(sc, profile.name))
    return {"browser": profile.name, "hosts": dict(sf.hosts), "results": results}
