"""Errors corssim raises. A CORS failure is never an exception: it is a `Result` whose outcome is
`network_error`. Exceptions are for the caller's own mistakes and for broken inputs:

    CorssimError(Exception)
    ├── InvalidURL(ValueError)          a URL the URL Standard cannot parse
    ├── InvalidOrigin(ValueError)       a string that is not a serialized origin
    ├── InvalidProfile(ValueError)      an unknown browser/engine name
    ├── ScenarioError(ValueError)       a scenario file that does not follow the format
    └── ServerError                     a back-end that broke in a way a browser would never see
"""

from __future__ import annotations

__all__ = [
    "CorssimError",
    "InvalidOrigin",
    "InvalidProfile",
    "InvalidURL",
    "ScenarioError",
    "ServerError",
]


class CorssimError(Exception):
    """Base of every error corssim raises on purpose."""


class InvalidURL(CorssimError, ValueError):
    def __init__(self, value: str, why: str = "the URL Standard's parser rejects it") -> None:
        super().__init__(f"invalid URL {value!r}: {why}")
        self.value = value


class InvalidOrigin(CorssimError, ValueError):
    def __init__(self, value: str, why: str) -> None:
        super().__init__(f"invalid origin {value!r}: {why}")
        self.value = value


class InvalidProfile(CorssimError, ValueError):
    def __init__(self, value: str, known: list[str]) -> None:
        super().__init__(f"unknown browser profile {value!r}; known: {', '.join(known)}")
        self.value = value


class ScenarioError(CorssimError, ValueError):
    def __init__(self, where: str, why: str) -> None:
        super().__init__(f"{where}: {why}")
        self.where = where


class ServerError(CorssimError):
    """A back-end failed in a way that is a bug in the test set-up, not something a browser sees."""
