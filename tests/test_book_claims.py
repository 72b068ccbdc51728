"""The chapters' prose rests on what their build computes and checks.

- every number about our own runs is glued (myst-nb glue), and every glued name the Markdown
  uses is glued by a code cell of the same chapter;
- every cell that checks a claim (an ``assert``) is tagged ``remove-cell``: it runs at build
  time but stays off the page; every chapter has such checks.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"))
GLUE_ROLE = re.compile(r"\{glue(?::text|:md)?\}`(?:[^`:]+::)?([A-Za-z0-9_]+)")
GLUE_CALL = re.compile(r"""\bglue\(\s*(f?)["']([^"']+)["']""")
ASSERT = re.compile(r"^\s*assert\b", re.MULTILINE)


# What the reader sees of the code: cells not removed or folded. The theme's code column holds
# 77 characters (652 px of 14 px monospace); tests/test_book_browser.py checks the built page.
HIDDEN = {"remove-cell", "remove-input", "hide-input", "hide-cell", "remove_cell", "remove_input"}
COLUMN_CHARS = 77
MAX_VISIBLE_CODE_LINES = 600


def cells(path):
    return json.loads(path.read_text())["cells"]


def source(cell):
    return "".join(cell["source"])


def glued_names(path):
    # literal names, and f-string names as patterns ("{x}" matches any one name part)
    names, patterns = set(), []
    for cell in cells(path):
        if cell["cell_type"] != "code":
            continue
        for is_f, name in GLUE_CALL.findall(source(cell)):
            if is_f:
                patterns.append(
                    re.compile(
                        "^" + re.sub(r"\\\{[^}]*\\\}", "[A-Za-z0-9_]+", re.escape(name)) + "$"
                    )
                )
            else:
                names.add(name)
    return names, patterns


def used_names(path):
    return [
        name
        for cell in cells(path)
        if cell["cell_type"] == "markdown"
        for name in GLUE_ROLE.findall(source(cell))
    ]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_glued_name_in_the_prose_is_glued_by_the_chapter(path):
    names, patterns = glued_names(path)
    missing = [
        n for n in used_names(path) if n not in names and not any(p.match(n) for p in patterns)
    ]
    assert not missing, f"{path.name}: the Markdown uses glue names no cell glues: {missing}"


def test_the_prose_glues_at_least_30_numbers():
    total = sum(len(set(used_names(p))) for p in CHAPTERS)
    assert total >= 30, f"only {total} glued names across the chapters"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_claim_checks_are_off_the_page(path):
    shown = [
        i
        for i, cell in enumerate(cells(path))
        if cell["cell_type"] == "code"
        and ASSERT.search(source(cell))
        and "remove-cell" not in cell.get("metadata", {}).get("tags", [])
    ]
    assert not shown, f"{path.name}: cells {shown} check claims but are not tagged remove-cell"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_checks_its_claims(path):
    checks = [
        cell
        for cell in cells(path)
        if cell["cell_type"] == "code"
        and ASSERT.search(source(cell))
        and "remove-cell" in cell.get("metadata", {}).get("tags", [])
    ]
    assert checks, f"{path.name} has no claim-check cell"


def visible_code_lines(path):
    return [
        line
        for cell in cells(path)
        if cell["cell_type"] == "code"
        and not HIDDEN & set(cell.get("metadata", {}).get("tags", []))
        for line in source(cell).rstrip().splitlines()
    ]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_visible_code_fits_the_column(path):
    wide = [line for line in visible_code_lines(path) if len(line) > COLUMN_CHARS]
    assert not wide, f"{path.name}: {len(wide)} visible code lines over {COLUMN_CHARS} characters"


def test_visible_code_fits_the_budget():
    per_chapter = {p.stem: len(visible_code_lines(p)) for p in CHAPTERS}
    assert sum(per_chapter.values()) <= MAX_VISIBLE_CODE_LINES, per_chapter
