"""benchmarks/bench_chapters.py times a notebook's execution and reports a failing one."""

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from benchmarks.bench_chapters import time_chapter


def write(path, code):
    nbformat.write(new_notebook(cells=[new_code_cell(code)]), path)
    return path


def test_times_a_notebook_and_leaves_it_alone(tmp_path):
    notebook = write(tmp_path / "ok.ipynb", "import os\nassert os.environ['GAN_TOY_STATIC'] == '1'")
    before = notebook.read_text()
    out = tmp_path / "out"
    result = time_chapter(notebook, fast=True, out_dir=out)
    assert result["failed"] is None
    assert result["chapter"] == "ok" and result["wall_s"] > 0 and result["cpu_s"] >= 0
    assert notebook.read_text() == before  # the executed copy went elsewhere
    assert (out / "ok.ipynb").exists()


def test_reports_the_error_of_a_failing_notebook(tmp_path):
    notebook = write(tmp_path / "bad.ipynb", "raise ValueError('no such setting')")
    result = time_chapter(notebook, fast=True, out_dir=tmp_path / "out")
    assert result["failed"] and "ValueError" in " ".join(result["failed"])
