"""The labs as an instructor uses them: layout, badges, nbgrader cells, and a real nbgrader run.

The fast checks read the notebooks. The slow ones (marked `slow`) copy the course (labs/ and
nbgrader_config.py) to a temporary directory and run nbgrader there, as an instructor would
from the repository root:

- `nbgrader generate_assignment <lab>` makes a student copy without solutions or hidden tests;
- `nbgrader autograde <lab>` grades two submissions, the instructor's version (full points on
  every autograded cell) and the untouched student copy (zero on every code exercise, and the
  grader still finishes).

Each slow test executes one lab twice in fast mode (GAN_TOY_FAST=1); nbval executes the
instructor versions separately (`make nbval`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
LABS = sorted(p.name for p in (ROOT / "labs").iterdir() if p.is_dir() and p.name[0] != ".")
EXPECTED_LABS = [
    "01_first_gan",
    "02_vanishing_gradients",
    "03_mode_collapse",
    "04_non_convergence",
    "05_mnist",
]


def load(lab: str) -> dict:
    return json.loads((ROOT / "labs" / lab / f"{lab}.ipynb").read_text(encoding="utf-8"))


def source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def nbgrader_cells(nb: dict) -> list[tuple[dict, dict]]:
    return [(c, c["metadata"]["nbgrader"]) for c in nb["cells"] if "nbgrader" in c["metadata"]]


def repository() -> tuple[str, str]:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    repo = config["repository"]
    return repo["url"].rstrip("/"), repo.get("branch", "main")


# --- layout and launch badges ------------------------------------------------------------------
def test_every_lab_is_one_notebook_in_a_folder_of_its_name():
    assert LABS == EXPECTED_LABS
    for lab in LABS:
        notebooks = sorted(p.name for p in (ROOT / "labs" / lab).glob("*.ipynb"))
        assert notebooks == [f"{lab}.ipynb"], (lab, notebooks)


@pytest.mark.parametrize("lab", LABS)
def test_lab_opens_with_badges_and_the_install_cell(lab):
    url, branch = repository()
    owner_name = url.split("github.com/", 1)[1]
    path = f"student/{lab}/{lab}.ipynb"  # students open the copy without solutions
    cells = load(lab)["cells"]
    first, second = cells[0], cells[1]
    assert first["cell_type"] == "markdown"
    colab = f"https://colab.research.google.com/github/{owner_name}/blob/{branch}/{path}"
    labpath = urllib.parse.quote(path, safe="")
    binder = f"https://mybinder.org/v2/gh/{owner_name}/{branch}?labpath={labpath}"
    assert f"]({colab})" in source(first), f"{lab}: no Colab badge for {colab}"
    assert f"]({binder})" in source(first), f"{lab}: no Binder badge for {binder}"
    assert second["cell_type"] == "code" and '"google.colab" in sys.modules' in source(second)
    assert f'%pip install -q "gan-toy @ git+{url}"' in source(second)


@pytest.mark.slow  # runs nbgrader once per lab (about 6 s each)
def test_the_committed_student_copies_are_what_nbgrader_makes_now():
    from tools.make_student_copies import differences

    assert not differences(), "student copies out of date: run `make student` and commit"
    for lab in LABS:
        text = (ROOT / "student" / lab / f"{lab}.ipynb").read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text


def test_readme_gives_the_nbgitpuller_link_for_this_repository():
    url, branch = repository()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"https?://[^\s)`\"']*/hub/user-redirect/git-pull\?[^\s)`\"']+", readme)
    assert links, "README.md has no nbgitpuller link"
    for link in links:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)
        assert query["repo"] == [url], link
        assert query["branch"] == [branch], link
        # students land on their copies, without solutions
        assert query["urlpath"][0].endswith(f"{url.rsplit('/', 1)[1]}/student"), link


# --- nbgrader cells -------------------------------------------------------------------------
@pytest.mark.parametrize("lab", LABS)
def test_lab_cells_follow_nbgrader_conventions(lab):
    nb = load(lab)
    cells = nbgrader_cells(nb)
    ids = [meta["grade_id"] for _, meta in cells]
    assert len(ids) == len(set(ids)), f"{lab}: duplicate grade_id"
    kinds = {"code exercise": 0, "tests": 0, "written": 0, "prediction": 0}
    for cell, meta in cells:
        text = source(cell)
        assert meta["schema_version"] == 3
        assert text.count("BEGIN SOLUTION") == text.count("END SOLUTION")
        assert text.count("BEGIN HIDDEN TESTS") == text.count("END HIDDEN TESTS")
        if meta["solution"] and not meta["grade"]:  # autograded answer
            assert cell["cell_type"] == "code" and "### BEGIN SOLUTION" in text, meta
            kinds["prediction" if "prediction =" in text else "code exercise"] += 1
        elif meta["grade"] and not meta["solution"]:  # autograder tests
            assert cell["cell_type"] == "code" and meta["locked"] and meta["points"] > 0
            assert "### BEGIN HIDDEN TESTS" in text, f"{lab}/{meta['grade_id']}: no hidden tests"
            kinds["tests"] += 1
        elif meta["grade"] and meta["solution"]:  # manually graded written answer
            assert cell["cell_type"] == "markdown" and meta["points"] > 0
            kinds["written"] += 1
    assert kinds["code exercise"] >= 2 and kinds["prediction"] >= 1 and kinds["written"] >= 2
    assert kinds["tests"] == kinds["code exercise"] + kinds["prediction"], (lab, kinds)
    for cell in nb["cells"]:  # solution markers only where nbgrader expects them
        if "nbgrader" not in cell["metadata"]:
            assert "BEGIN SOLUTION" not in source(cell) and "HIDDEN TESTS" not in source(cell)


def test_nbgrader_config_makes_labs_the_source_directory():
    from traitlets.config import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    assert config.CourseDirectory.source_directory == "labs"
    assert Path(config.CourseDirectory.root) == ROOT


# --- a real nbgrader run ----------------------------------------------------------------------
def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "GAN_TOY_FAST": "1", "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    # nbgrader runs the `alembic` command of its environment when it creates gradebook.db.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    run = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args, "--force"],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{run.stdout}\n{run.stderr}"
    return run


@pytest.fixture
def course(tmp_path) -> Path:
    shutil.copytree(ROOT / "labs", tmp_path / "labs", ignore=shutil.ignore_patterns(".ipynb_*"))
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    return tmp_path


def solution_lines(nb: dict) -> list[str]:
    """The code between BEGIN and END SOLUTION in every cell (what students must not see)."""
    lines = []
    for cell in nb["cells"]:
        for block in re.findall(r"BEGIN SOLUTION\n(.*?)\n\s*### END SOLUTION", source(cell), re.S):
            lines += [line.strip() for line in block.splitlines() if line.strip()]
    return lines


def grades(course: Path, lab: str, student: str) -> dict[str, tuple[float | None, float]]:
    """grade_id -> (auto score, max score) of one autograded submission."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        notebook = gb.find_submission_notebook(lab, lab, student)
        return {g.name: (g.auto_score, g.max_score) for g in notebook.grades}


@pytest.mark.slow  # executes the lab twice with nbgrader (about 30-60 s per lab on 2 cores)
@pytest.mark.parametrize("lab", LABS)
def test_nbgrader_generates_the_student_copy_and_grades_it(course, lab):
    nbgrader(course, "generate_assignment", lab)
    released = course / "release" / lab / f"{lab}.ipynb"
    student = json.loads(released.read_text(encoding="utf-8"))
    text = "\n".join(source(c) for c in student["cells"])
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    assert "raise NotImplementedError()" in text and "YOUR ANSWER HERE" in text
    solutions = solution_lines(load(lab))
    leaked = [line for line in solutions if line in text and not line.startswith("#")]
    assert not leaked, f"solution code left in the student copy: {leaked}"

    # Two submissions: the instructor's version, and the student copy handed in unchanged.
    for student_id, notebook in (("instructor", course / "labs" / lab), ("blank", released.parent)):
        target = course / "submitted" / student_id / lab
        target.mkdir(parents=True)
        shutil.copy(notebook / f"{lab}.ipynb", target)
    nbgrader(course, "autograde", lab)
    for student_id in ("instructor", "blank"):
        assert (course / "autograded" / student_id / lab / f"{lab}.ipynb").is_file()

    tests = {
        meta["grade_id"]
        for _, meta in nbgrader_cells(load(lab))
        if meta["grade"] and not meta["solution"]
    }
    full = grades(course, lab, "instructor")
    assert {g: full[g] for g in tests} == {g: (full[g][1], full[g][1]) for g in tests}
    blank = grades(course, lab, "blank")
    assert all(blank[g][0] == 0 for g in tests), {g: blank[g] for g in tests}
    assert sum(blank[g][1] for g in tests) == sum(full[g][1] for g in tests) > 0
