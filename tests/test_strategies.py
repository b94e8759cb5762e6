"""corssim.strategies: the strategies draw what they promise, and the user story they exist for —
"no origin outside my allow-list can read /account with credentials" — as property tests."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from corssim import FakeServer, HttpRequest, HttpResponse, Page, Rule, parse_origin
from corssim.backends.function import FunctionServer
from corssim.strategies import cors_policies, hosts, origins, request_headers, request_inits
from corssim.url import parse

MINE = ["https://app.example", "https://admin.app.example:8443"]
API = "https://api.example"
BROWSERS = ["chromium", "firefox", "webkit", "spec"]


# --- the strategies themselves ------------------------------------------------------------------


@given(origins(include_null=True))
def test_origins_are_serialized_origins(origin: str) -> None:
    if origin == "null":
        return
    # serialize(parse(o)) == o: a drawn origin is exactly what a browser puts in Origin
    assert parse_origin(origin).serialize() == origin
    assert origin.startswith(("http://", "https://"))
    assert "/" not in origin.split("://", 1)[1]


@given(hosts())
def test_hosts_parse_as_url_hosts(host: str) -> None:
    assert parse(f"http://{host}/").hostname.strip("[]") == host.strip("[]")


def test_origins_near_reach_the_given_the_neighbours_and_null() -> None:
    seen: set[str] = set()

    @settings(max_examples=300, database=None, derandomize=True)
    @given(origins(near=["https://app.example"], include_null=True))
    def collect(o: str) -> None:
        seen.add(o)

    collect()
    wanted = {"https://app.example", "http://app.example", "https://evil.app.example",
              "https://app.example.evil.test", "https://evilapp.example", "https://app.example:8443", "null"}
    assert wanted <= seen, wanted - seen
    assert any(o.endswith(tuple(f".{t}" for t in ("test", "com", "org", "dev"))) and "app" not in o for o in seen)


def test_origins_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="scheme"):
        origins(schemes=["ftp"])
    with pytest.raises(ValueError, match="near"):
        origins(near=["not an origin"])


@given(request_inits(modes=["cors", "no-cors"]))
def test_request_inits_are_accepted_by_fetch(init: dict[str, Any]) -> None:
    assert set(init) == {"method", "headers", "mode", "credentials", "body"}
    if init["method"].upper() in ("GET", "HEAD"):
        assert init["body"] is None
    server = FakeServer([Rule(headers=[("Access-Control-Allow-Origin", "*")])])
    r = Page("https://app.example", server=server, browser="chromium").fetch(f"{API}/x", **init)
    # nothing drawn makes fetch() throw before sending: something went out
    assert r.reason is None or not r.reason.thrown_before_send, (init, r.reason)
    assert r.exchanges


@given(request_headers())
def test_request_headers_are_pairs_of_strings(pairs: list[tuple[str, str]]) -> None:
    for name, value in pairs:
        assert name and value == value.strip()


def test_request_inits_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        request_inits(modes=["navigate"])
    with pytest.raises(ValueError):
        request_inits(credentials=["always"])


@given(cors_policies(allow_origins=MINE, path="/account"))
def test_policies_are_scenario_rules(rules: list[dict[str, Any]]) -> None:
    assert len(rules) == 2
    pre, actual = rules
    assert pre["match"] == {"path": "/account", "method": "OPTIONS"}
    assert actual["match"] == {"path": "/account"}
    for r in rules:
        names = [n for n, _ in r["headers"]]
        acao = [v for n, v in r["headers"] if n == "Access-Control-Allow-Origin"]
        assert len(acao) <= 1
        assert all(isinstance(n, str) for n in names)
    FakeServer(rules)  # the scenario loader accepts them


@given(cors_policies(as_rules=True))
def test_policies_as_rules(rules: list[Rule]) -> None:
    assert all(isinstance(r, Rule) for r in rules)
    assert rules[0].method == ("OPTIONS",)


def test_policies_cover_the_interesting_values() -> None:
    seen: set[str] = set()

    def header(rules: list[dict[str, Any]], name: str, i: int = 1) -> str | None:
        return next((v for n, v in rules[i]["headers"] if n == name), None)

    @settings(max_examples=150, database=None, derandomize=True)
    @given(cors_policies(allow_origins=MINE))
    def collect(r: list[dict[str, Any]]) -> None:
        acao, acac = header(r, "Access-Control-Allow-Origin"), header(r, "Access-Control-Allow-Credentials")
        seen.add(f"acao={acao}")
        if acao == "*" and acac == "true":
            seen.add("wildcard+credentials")
        seen.add(f"preflight={r[0]['status']}")
        seen.add(f"acah={header(r, 'Access-Control-Allow-Headers', 0)}")

    collect()
    wanted = {"acao=None", "acao=*", f"acao={MINE[0]}", f"acao={MINE[1]}/", "wildcard+credentials",
              "preflight=404", "preflight=301", "preflight=204", "acah=*", "acah=None"}
    assert wanted <= seen, wanted - seen


# --- the user story -------------------------------------------------------------------------------
# "No origin outside my allow-list can read /account with credentials."

strangers = origins(near=MINE, include_null=True).filter(lambda o: o not in MINE)


@settings(max_examples=60)
@given(policy=cors_policies(allow_origins=MINE, path="/account"), origin=strangers,
       init=request_inits(credentials=["include"]), browser=st.sampled_from(BROWSERS))
def test_static_policy_never_lets_a_stranger_read_with_credentials(
    policy: list[dict[str, Any]], origin: str, init: dict[str, Any], browser: str
) -> None:
    """Whatever CORS headers my FakeServer sends (ACAO naming one of MY origins, *, with or without
    ACAC), a page elsewhere never reads /account with cookies."""
    page = Page(origin, server=FakeServer(policy), browser=browser)
    r = page.fetch(f"{API}/account", **init)
    assert r.blocked, f"{origin} read /account: {r}"


def allow_list_api(check: Any) -> FunctionServer:
    """My API: echoes the Origin back with credentials when `check(origin)` says so."""

    def handle(req: HttpRequest) -> HttpResponse:
        origin = req.headers.get("Origin") or ""
        cors = [("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Credentials", "true"),
                ("Vary", "Origin")] if check(origin) else []
        if req.method == "OPTIONS":
            return HttpResponse(status=204, headers=cors + [("Access-Control-Allow-Methods", "GET, POST, PUT"),
                                                            ("Access-Control-Allow-Headers", "Content-Type")])
        return HttpResponse(status=200, headers=cors + [("Content-Type", "application/json")],
                            body=b'{"balance": 100}')

    return FunctionServer(handle)


def reads_account(api: FunctionServer, origin: str) -> bool:
    return Page(origin, server=api, browser="chromium").fetch(f"{API}/account", credentials="include").ok


@given(strangers)
def test_exact_allow_list_keeps_strangers_out(origin: str) -> None:
    api = allow_list_api(lambda o: o in MINE)
    assert not reads_account(api, origin)


def test_exact_allow_list_lets_my_origins_in() -> None:
    api = allow_list_api(lambda o: o in MINE)
    for o in MINE:
        assert reads_account(api, o)


@pytest.mark.parametrize(
    "buggy",
    [
        lambda o: o.endswith("app.example") or o.endswith("app.example:8443"),  # no dot before the suffix
        lambda o: o.startswith("https://app.example"),  # prefix match
        lambda o: o.split("://")[-1].split(":")[0].endswith("app.example"),  # ignores the scheme
    ],
    ids=["endswith", "startswith", "scheme-blind"],
)
def test_the_strategies_find_a_sloppy_allow_list(buggy: Any) -> None:
    """The same property, run against a buggy check, finds an origin that gets in."""
    api = allow_list_api(buggy)
    found = find(strangers, lambda o: reads_account(api, o), settings=settings(max_examples=500, database=None))
    assert found not in MINE


def test_a_correct_check_has_no_counterexample() -> None:
    api = allow_list_api(lambda o: o in MINE)
    with pytest.raises(NoSuchExample):
        find(strangers, lambda o: reads_account(api, o), settings=settings(max_examples=200, database=None))
