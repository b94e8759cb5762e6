"""The tutorial notebook runs end to end (fake server only) and shows what it promises.

Needs the `notebook` extra (nbclient, nbformat, ipykernel); skipped with a message otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "examples" / "cors-tutorial.ipynb"

nbformat = pytest.importorskip("nbformat", reason="the notebook test needs nbformat: pip install 'corssim[notebook]'")
nbclient = pytest.importorskip("nbclient", reason="the notebook test needs nbclient: pip install 'corssim[notebook]'")
pytest.importorskip("ipykernel", reason="the notebook test needs ipykernel: pip install 'corssim[notebook]'")


@pytest.fixture(scope="module")
def executed() -> Any:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}},
        allow_errors=False,
    )
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as e:
        pytest.fail(f"a notebook cell failed:\n{str(e)[:3000]}")
    return nb


def _outputs(nb: Any, kind: str) -> list[Any]:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == kind]


def test_notebook_is_valid_and_offline() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "FakeServer" in source
    for forbidden in ("LiveServer", "httpx", "requests.", "urllib", "socket"):
        assert forbidden not in source, f"the tutorial must use the fake server only ({forbidden})"
    # committed without outputs: the test produces them
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_every_cell_runs_without_error(executed: Any) -> None:
    assert _outputs(executed, "error") == []
    code_cells = [c for c in executed.cells if c.cell_type == "code"]
    assert code_cells and all(c.execution_count for c in code_cells)


def test_results_display_as_sequence_diagrams(executed: Any) -> None:
    shown = [o for o in _outputs(executed, "execute_result") if "text/html" in o.data]
    assert len(shown) >= 5
    blocked = [o.data["text/html"] for o in shown if "blocked (" in o.data["text/html"]]
    allowed = [o.data["text/html"] for o in shown if "allowed: cors 200" in o.data["text/html"]]
    assert blocked and allowed
    for page in blocked + allowed:
        assert "<svg" in page and "sequence diagram" in page
    assert all("\u2717" in page for page in blocked)  # the failing exchange is marked


def test_explanations_and_console_messages_are_printed(executed: Any) -> None:
    text = "".join(o.text for o in _outputs(executed, "stream") if o.name == "stdout")
    assert "has been blocked by CORS policy" in text  # Chromium's console
    assert "Cross-Origin Request Blocked" in text  # Firefox's console
    assert "Fix" in text and "Access-Control-Allow-Methods" in text  # an explanation with its fix
    assert "Never echo the request's Origin" in text  # the credentials caveat
