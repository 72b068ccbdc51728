"""The repository keeps its promises about itself.

- Notebooks are stored clean: no outputs, no execution counts, no widget state (the book and nbval
  execute them; stored outputs would go stale and bloat diffs).
- The public repository URL lives in one place, `_config.yml` -> `repository.url`; notebooks'
  Colab install cells and badges, and the README, use exactly that URL.
- Every file `_toc.yml` names exists.
- requirements.txt is a reproducible build: every requirement pinned with `==`, torch==2.13.0.

Each check is a small function run on the real repository and, in the `*_detects_*` tests, on
a deliberately broken input, so a check that silently stopped checking would fail here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIRS = ("book", "labs")
TOC_SUFFIXES = (".md", ".ipynb", ".rst")


def notebooks() -> list[Path]:
    found = []
    for d in NOTEBOOK_DIRS:
        found += (ROOT / d).rglob("*.ipynb") if (ROOT / d).is_dir() else []
    return sorted(p for p in found if ".ipynb_checkpoints" not in p.parts)


def load_notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def cell_source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def repo_url() -> str:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return config["repository"]["url"].rstrip("/")


# --- (a) notebooks are stored without outputs ---------------------------------------------------


def dirty_cells(nb: dict) -> list[str]:
    """Problems that make a notebook 'not clean', one string per problem."""
    problems = []
    if "widgets" in nb.get("metadata", {}):
        problems.append("notebook metadata holds widget state (metadata.widgets)")
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        if cell.get("outputs"):
            problems.append(f"cell {i} has {len(cell['outputs'])} stored output(s)")
        if cell.get("execution_count") is not None:
            problems.append(f"cell {i} has execution_count {cell['execution_count']}")
    return problems


def test_there_are_notebooks_to_check():
    assert notebooks(), "no notebooks found under book/ or labs/"


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_is_stored_without_outputs(path):
    problems = dirty_cells(load_notebook(path))
    assert not problems, (
        f"{path.relative_to(ROOT)} is not clean: {'; '.join(problems)}. "
        "Run `make format` (nbstripout) or install the pre-commit hooks."
    )


def test_clean_check_detects_outputs_and_counts():
    nb = {
        "metadata": {"widgets": {"state": {}}},
        "cells": [
            {"cell_type": "code", "execution_count": 3, "outputs": [], "source": "1"},
            {
                "cell_type": "code",
                "execution_count": None,
                "outputs": [{"output_type": "stream", "name": "stdout", "text": "hi"}],
                "source": "print('hi')",
            },
            {"cell_type": "markdown", "source": "text"},
        ],
    }
    problems = dirty_cells(nb)
    assert len(problems) == 3
    assert dirty_cells({"metadata": {}, "cells": [nb["cells"][2]]}) == []


# --- (b) one repository URL ----------------------------------------------------------------------

URL_RE = re.compile(r"https?://[^\s\"'<>)\]`]+")


def project_url_problems(text: str, url: str, *, strict_github: bool) -> list[str]:
    """URLs in `text` that point at this project but not at `url`.

    Colab (`colab.research.google.com/github/OWNER/REPO`), Binder (`mybinder.org/v2/gh/OWNER/REPO`)
    and raw.githubusercontent.com links are always project links. A github.com link is a project
    link if `strict_github` (code cells: the install cell has no business pointing elsewhere) or if
    it shares the owner or the repository name with `url` (markdown may cite other projects).
    """
    owner, name = url.split("github.com/", 1)[1].split("/")[:2]
    expected = {
        "github.com": f"github.com/{owner}/{name}",
        "colab": f"colab.research.google.com/github/{owner}/{name}/",
        "binder": f"mybinder.org/v2/gh/{owner}/{name}/",
        "raw": f"raw.githubusercontent.com/{owner}/{name}/",
    }
    problems = []
    for found in URL_RE.findall(text):
        bare = found.split("://", 1)[1]
        if bare.startswith("colab.research.google.com/github/"):
            ok = bare.startswith(expected["colab"])
        elif bare.startswith("mybinder.org/v2/gh/"):
            ok = bare.startswith(expected["binder"])
        elif bare.startswith("raw.githubusercontent.com/"):
            ok = bare.startswith(expected["raw"])
        elif bare.startswith(("github.com/", "www.github.com/")):
            bare = bare.removeprefix("www.")
            parts = bare.split("/")
            if len(parts) < 3:
                continue
            mine = parts[1] == owner or parts[2].removesuffix(".git") == name
            if not (strict_github or mine):
                continue
            rest = bare[len(expected["github.com"]) :]
            ok = bare.startswith(expected["github.com"]) and rest[:1] in ("", "/", ".", "@", "#")
        else:
            continue
        if not ok:
            problems.append(found)
    return problems


def install_cell(nb: dict) -> str | None:
    """The source of the first code cell that checks for Colab, if any."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "google.colab" in cell_source(cell):
            return cell_source(cell)
    return None


def notebook_url_problems(nb: dict, url: str) -> list[str]:
    problems = []
    cell = install_cell(nb)
    if cell is None:
        problems.append("no Colab install cell (a code cell testing 'google.colab' in sys.modules)")
    elif url not in cell:
        problems.append(f"the Colab install cell does not install from {url}")
    for cell in nb.get("cells", []):
        strict = cell.get("cell_type") == "code"
        problems += [
            f"wrong project URL {u}"
            for u in project_url_problems(cell_source(cell), url, strict_github=strict)
        ]
    return problems


def test_repository_url_is_configured():
    url = repo_url()
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url), url


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_uses_the_configured_repository_url(path):
    problems = notebook_url_problems(load_notebook(path), repo_url())
    assert not problems, f"{path.relative_to(ROOT)}: {'; '.join(problems)}"


def test_readme_uses_the_configured_repository_url():
    url = repo_url()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert url in readme, f"README.md never mentions {url}"
    problems = project_url_problems(readme, url, strict_github=False)
    assert not problems, f"README.md links to the wrong repository: {problems}"


def test_url_check_detects_a_stale_repository_url():
    url = "https://github.com/gan-failure-lab/gan-failure-lab"
    good_cell = (
        'import sys\nif "google.colab" in sys.modules:\n'
        f'    %pip install -q "gan-toy @ git+{url}@main"\n'
    )
    colab = "https://colab.research.google.com/github/gan-failure-lab/gan-failure-lab"
    badge = f"[![Open in Colab](badge.svg)]({colab}/blob/main/labs/x/x.ipynb)"

    def nb(code, md):
        return {
            "cells": [
                {"cell_type": "markdown", "source": md},
                {"cell_type": "code", "source": code, "outputs": [], "execution_count": None},
            ]
        }

    assert notebook_url_problems(nb(good_cell, badge), url) == []
    # A fork's URL in the install cell, a renamed repository in a badge, no install cell at all.
    assert notebook_url_problems(nb(good_cell.replace("gan-failure-lab/", "someone/"), badge), url)
    assert notebook_url_problems(
        nb(good_cell, badge.replace("/gan-failure-lab/blob", "/gfl/blob")), url
    )
    assert notebook_url_problems(nb("import gan_toy", badge), url)
    # Other projects may be cited in prose, but not a look-alike of ours.
    assert (
        project_url_problems(
            "see https://github.com/LMescheder/GAN_stability", url, strict_github=False
        )
        == []
    )
    assert project_url_problems(f"{url}-old/issues", url, strict_github=False)


# --- (c) the table of contents ---------------------------------------------------------------


def toc_files(toc: dict) -> list[str]:
    """Every `file:` (and the root) named in a jb-book / jb-article toc, in order."""
    files = [toc["root"]] if "root" in toc else []

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            for key in ("parts", "chapters", "sections"):
                walk(entry.get(key))

    walk([{k: toc[k] for k in ("parts", "chapters", "sections") if k in toc}])
    return files


def missing_toc_files(toc: dict, root: Path) -> list[str]:
    missing = []
    for f in toc_files(toc):
        candidates = [root / f] + [root / (f + s) for s in TOC_SUFFIXES]
        if not any(c.is_file() for c in candidates):
            missing.append(f)
    return missing


def test_every_toc_entry_exists():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    assert toc.get("format") == "jb-book"
    assert len(toc_files(toc)) >= 2, "the toc names no chapters"
    missing = missing_toc_files(toc, ROOT)
    assert not missing, f"_toc.yml names files that do not exist: {missing}"


def test_toc_check_detects_a_missing_file(tmp_path):
    (tmp_path / "intro.md").write_text("# Intro\n")
    (tmp_path / "ch1.ipynb").write_text("{}")
    toc = {
        "format": "jb-book",
        "root": "intro",
        "parts": [{"caption": "P", "chapters": [{"file": "ch1", "sections": [{"file": "gone"}]}]}],
    }
    assert toc_files(toc) == ["intro", "ch1", "gone"]
    assert missing_toc_files(toc, tmp_path) == ["gone"]


# --- (d) requirements.txt ------------------------------------------------------------------------

PIN_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._,-]+\])?==[A-Za-z0-9.+!-]+$")


def requirement_problems(text: str) -> list[str]:
    problems, pins = [], {}
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if not PIN_RE.fullmatch(line):
            problems.append(f"line {n} is not an exact pin (name==version): {raw.strip()!r}")
            continue
        name, version = line.split("==")
        pins[re.sub(r"[-_.]+", "-", name.split("[")[0]).lower()] = version
    if pins.get("torch") != "2.13.0":
        problems.append(f"torch must be pinned to exactly 2.13.0, found {pins.get('torch')!r}")
    return problems


def test_requirements_are_exact_pins():
    problems = requirement_problems((ROOT / "requirements.txt").read_text(encoding="utf-8"))
    assert not problems, "\n".join(problems)


def test_requirements_check_detects_loose_pins():
    assert requirement_problems("torch==2.13.0\nnumpy==2.4.6  # comment\n") == []
    assert requirement_problems("torch==2.13.0\nnumpy>=1.23\n")
    assert requirement_problems("torch==2.13.0\nmatplotlib\n")
    assert requirement_problems("torch==2.13.0\n-e .\n")
    assert requirement_problems("torch>=2.13.0\n")
    assert requirement_problems("torch==2.13.1\n")
    assert requirement_problems("numpy==2.4.6\n")  # torch missing
