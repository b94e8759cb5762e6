"""corssim: predicts exactly what a web browser does with a cross-origin request.

    >>> import corssim
    >>> api = corssim.FakeServer([corssim.Rule(headers=[("Access-Control-Allow-Origin", "*")])])
    >>> page = corssim.Page("https://app.example", server=api, browser="firefox")
    >>> page.fetch("https://api.example/x", method="PUT").reason
    <Reason.MISSING_ALLOW_ORIGIN: 'missing_allow_origin'>
"""

from __future__ import annotations

from corssim.assertions import assert_allowed, assert_blocked
from corssim.errors import CorssimError, InvalidOrigin, InvalidProfile, InvalidURL, ScenarioError, ServerError
from corssim.http import (
    AsyncServer,
    FaultKind,
    Headers,
    HttpRequest,
    HttpResponse,
    NetworkFault,
    Server,
    TransportError,
)
from corssim.origin import OpaqueOrigin, Origin, TupleOrigin, parse_origin
from corssim.page import ManualClock, Page
from corssim.profiles import PROFILES, Profile, get_profile
from corssim.request import Body
from corssim.result import Decision, Exchange, ExchangeKind, Failure, PageResponse, Reason, Result
from corssim.scenario import FakeServer, Rule

__version__ = "0.1.0"

__all__ = [
    "PROFILES",
    "AsyncServer",
    "Body",
    "CorssimError",
    "Decision",
    "Exchange",
    "ExchangeKind",
    "Failure",
    "FakeServer",
    "FaultKind",
    "Headers",
    "HttpRequest",
    "HttpResponse",
    "InvalidOrigin",
    "InvalidProfile",
    "InvalidURL",
    "ManualClock",
    "NetworkFault",
    "OpaqueOrigin",
    "Origin",
    "Page",
    "PageResponse",
    "Profile",
    "Reason",
    "Result",
    "Rule",
    "ScenarioError",
    "Server",
    "ServerError",
    "TransportError",
    "TupleOrigin",
    "assert_allowed",
    "assert_blocked",
    "get_profile",
    "parse_origin",
]
