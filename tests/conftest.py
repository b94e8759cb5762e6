"""Shared pytest configuration: hypothesis profiles.

`ci` (the default here) keeps property tests bounded so that the whole suite stays fast;
select another with `--hypothesis-profile=dev` for a longer search.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=False,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=500, deadline=None)
settings.load_profile("ci")
