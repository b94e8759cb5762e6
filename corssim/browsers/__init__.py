"""Real-browser ground truth: run scenario files in Chromium, Firefox and WebKit.

`run_file(path, engine)` starts loopback servers for the scenario's hosts, drives the engine
(see `corssim.browsers.engines`) and returns the results file of the scenario format.
"""

from corssim.browsers.engines import ENGINES, EngineMissing, missing_reason
from corssim.browsers.runner import BrowserRun, run_file, run_scenario_file

__all__ = ["ENGINES", "BrowserRun", "EngineMissing", "missing_reason", "run_file", "run_scenario_file"]
