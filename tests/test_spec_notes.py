"""spec_notes/ stays true to the code and to the standard.

Checks:
1. every `corssim.…` function named in a spec_notes table imports (module, then attributes);
2. every `prefix#id` anchor written in spec_notes/*.md is listed in spec_notes/anchors.txt;
3. every anchor cited in corssim/**/*.py (docstrings and comments) is listed there too;
4. every field of `corssim.profiles.Profile` is documented in spec_notes/engines.md,
plus: every table row has the nine columns, and every test file (and test function) a row names exists.

anchors.txt itself was checked against the spec sources (see spec_notes/README.md); this test keeps
code and notes from citing anything outside that verified list.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import attrs
import pytest

from corssim.profiles import Profile

ROOT = Path(__file__).resolve().parent.parent
NOTES = ROOT / "spec_notes"
CONCEPT_FILES = ("origin.md", "headers.md", "request.md", "fetch.md", "preflight.md", "cache.md",
                 "check.md", "redirects.md")
OWN_FILES = (*CONCEPT_FILES, "engines.md", "README.md")
COLUMNS = ("step", "decides", "corssim", "tests", "spec", "chromium", "firefox", "webkit", "evidence")

PREFIXES = ("fetch-metadata", "referrer-policy", "secure-contexts", "mimesniff", "fetch", "url", "html",
            "xhr", "infra")
# `xhr#the-open()-method` keeps its "()"; a "(" or ")" that only closes a sentence does not belong.
ANCHOR = re.compile(
    r"(?<![\w/.-])(" + "|".join(re.escape(p) for p in PREFIXES) + r")#([A-Za-z0-9_.:-]+(?:\(\)[A-Za-z0-9_.:-]*)?)"
)
FUNCTION = re.compile(r"\bcorssim(?:\.[A-Za-z_][A-Za-z0-9_]*)+")
TEST_PATH = re.compile(r"\b(tests/[A-Za-z0-9_./-]+\.(?:py|json))(?:::([A-Za-z_][A-Za-z0-9_]*))?")


def find_anchors(text: str) -> set[str]:
    return {f"{m.group(1)}#{m.group(2).rstrip('.:-')}" for m in ANCHOR.finditer(text)}


def load_anchor_list() -> set[str]:
    out: set[str] = set()
    for raw in (NOTES / "anchors.txt").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        assert ANCHOR.fullmatch(line), f"anchors.txt: not a prefix#id line: {line!r}"
        out.add(line)
    return out


def split_row(line: str) -> list[str]:
    """Cells of a markdown table row; a `|` inside backticks does not split."""
    cells: list[str] = []
    cur = ""
    in_code = False
    for ch in line.strip()[1:-1] if line.strip().endswith("|") else line.strip()[1:]:
        if ch == "`":
            in_code = not in_code
        if ch == "|" and not in_code:
            cells.append(cur.strip())
            cur = ""
        else:
            cur += ch
    cells.append(cur.strip())
    return cells


def table_rows(name: str) -> list[list[str]]:
    """Data rows of the step table in a concept file (header and separator skipped)."""
    rows: list[list[str]] = []
    header_seen = False
    for line in (NOTES / name).read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            continue
        cells = split_row(line)
        if cells[:3] == ["step", "decides", "corssim"]:
            assert tuple(cells) == COLUMNS, f"{name}: header is {cells}"
            header_seen = True
            continue
        if set("".join(cells)) <= set("-: "):
            continue
        rows.append(cells)
    assert header_seen, f"{name}: no step table"
    return rows


def resolve(dotted: str) -> object:
    """Import the longest module prefix of `dotted`, then getattr the rest; raise if missing."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)  # AttributeError names the missing piece
        return obj
    raise ModuleNotFoundError(dotted)


def all_rows() -> list[tuple[str, list[str]]]:
    return [(name, row) for name in CONCEPT_FILES for row in table_rows(name)]


# --- the parsers themselves can fail --------------------------------------------------------------

def test_resolve_fails_for_a_renamed_function() -> None:
    assert resolve("corssim.check.cors_check") is importlib.import_module("corssim.check").cors_check
    with pytest.raises(AttributeError):
        resolve("corssim.check.cors_check_renamed")
    with pytest.raises(AttributeError):
        resolve("corssim.cache.PreflightCache.no_such_method")


def test_anchor_pattern_reads_the_forms_the_notes_use() -> None:
    text = ("see fetch#concept-cors-check, (fetch#cors-preflight-fetch-0) and xhr#the-open()-method; "
            "https://html.spec.whatwg.org/multipage/origin.html#same-site is a link, not a citation")
    assert find_anchors(text) == {"fetch#concept-cors-check", "fetch#cors-preflight-fetch-0",
                                  "xhr#the-open()-method"}
    assert "fetch#no-such-anchor-anywhere" not in load_anchor_list()


# --- 1. functions ------------------------------------------------------------------------------------

FUNCTIONS = sorted({(name, f) for name, row in all_rows() for f in FUNCTION.findall(row[2])})


def test_tables_are_not_empty() -> None:
    rows = all_rows()
    assert len(rows) > 100
    assert len(FUNCTIONS) > 50
    for name in CONCEPT_FILES:
        assert table_rows(name), name


@pytest.mark.parametrize(("note", "dotted"), FUNCTIONS, ids=[f"{n}:{d}" for n, d in FUNCTIONS])
def test_named_function_exists(note: str, dotted: str) -> None:
    obj = resolve(dotted)
    assert callable(obj) or isinstance(obj, property), f"{note}: {dotted} is not callable"


def test_rows_have_nine_columns_and_a_function_or_a_reason() -> None:
    for name, row in all_rows():
        assert len(row) == len(COLUMNS), f"{name}: {row[0]!r} has {len(row)} cells"
        assert ANCHOR.search(row[0]) or row[0].startswith("("), f"{name}: step cell without anchor: {row[0]!r}"
        assert FUNCTION.search(row[2]) or "not modelled" in row[2], f"{name}: {row[0]!r} names no function"


def test_named_test_files_exist() -> None:
    """`tests/x.py` must exist; `tests/x.py::test_y` must also define `test_y`."""
    missing: list[tuple[str, str]] = []
    named = 0
    for name, row in all_rows():
        for path, func in TEST_PATH.findall(row[3]):
            named += 1
            file = ROOT / path
            if not file.is_file():
                missing.append((name, path))
            elif func and not re.search(rf"^(?:async )?def {re.escape(func)}\(", file.read_text(encoding="utf-8"), re.M):
                missing.append((name, f"{path}::{func}"))
    assert named > 100
    assert not missing, missing


# --- 2. anchors in the notes -------------------------------------------------------------------------

def test_anchors_in_notes_are_listed() -> None:
    listed = load_anchor_list()
    unknown = sorted((name, a) for name in OWN_FILES
                     for a in find_anchors((NOTES / name).read_text(encoding="utf-8")) if a not in listed)
    assert not unknown, f"cited in spec_notes but not in anchors.txt (verify against the spec first): {unknown}"


# --- 3. anchors in the code --------------------------------------------------------------------------

def test_anchors_in_code_are_listed() -> None:
    listed = load_anchor_list()
    cited: dict[str, set[str]] = {}
    for path in sorted((ROOT / "corssim").rglob("*.py")):
        for a in find_anchors(path.read_text(encoding="utf-8")):
            cited.setdefault(a, set()).add(str(path.relative_to(ROOT)))
    assert len(cited) > 40  # the pattern still finds the code's citations
    unknown = {a: sorted(files) for a, files in cited.items() if a not in listed}
    assert not unknown, (
        "anchors cited in corssim/ that are not in spec_notes/anchors.txt; check the spec source — "
        f"if the id does not exist, fix the citation (see /work/notes/core-bugs.md): {unknown}"
    )


# --- 4. profile fields -------------------------------------------------------------------------------

def test_every_profile_field_is_documented_in_engines_md() -> None:
    text = (NOTES / "engines.md").read_text(encoding="utf-8")
    fields = [f.name for f in attrs.fields(Profile)]
    assert len(fields) > 20
    missing = [f for f in fields if f"`{f}`" not in text]
    assert not missing, f"Profile fields without a row in spec_notes/engines.md: {missing}"


def test_engines_md_lists_no_stale_fields() -> None:
    text = (NOTES / "engines.md").read_text(encoding="utf-8")
    fields = {f.name for f in attrs.fields(Profile)}
    table = text[text.index("## All fields"):text.index("## Deviations")]
    named = {m.group(1) for m in re.finditer(r"^\| `([a-z0-9_]+)` \|", table, re.M)}
    assert named == fields, {"stale": sorted(named - fields), "missing": sorted(fields - named)}


def test_every_deviation_has_a_section() -> None:
    """A field whose value differs between profiles is a deviation: some `###` heading under
    "Deviations" in engines.md names it and the prose below explains it."""
    from corssim.profiles import PROFILES

    text = (NOTES / "engines.md").read_text(encoding="utf-8")
    headings = " ".join(re.findall(r"^###.*$", text[text.index("## Deviations"):], re.M))
    deviating = [f.name for f in attrs.fields(Profile) if f.name not in ("name", "label")
                 and len({repr(getattr(p, f.name)) for p in PROFILES.values()}) > 1]
    assert len(deviating) > 20
    missing = [f for f in deviating if f"`{f}`" not in headings]
    assert not missing, f"engines.md has no deviation section naming: {missing}"
