"""tools/execute_into_cache.py: notebooks land in the build's cache, with their times, under the
cell limit they set themselves."""

import json
from pathlib import Path

import nbformat
import pytest
from jupyter_cache import get_cache

from tools.execute_into_cache import cell_timeout, main


def notebook(path: Path, code: str, timeout: int | None = None) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code)]
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["kernelspec"] = kernel
    if timeout is not None:
        nb.metadata["mystnb"] = {"execution_timeout": timeout}
    nbformat.write(nb, path)
    return path


def test_a_notebooks_own_cell_limit_wins_over_the_default(tmp_path):
    assert cell_timeout(notebook(tmp_path / "a.ipynb", "1", timeout=1800), 600) == 1800
    assert cell_timeout(notebook(tmp_path / "b.ipynb", "1"), 600) == 600


@pytest.mark.slow
def test_notebooks_are_cached_with_their_times_and_failures_are_reported(tmp_path, capsys):
    good = notebook(tmp_path / "good.ipynb", "x = 6 * 7\nprint(x)")
    bad = notebook(tmp_path / "bad.ipynb", "raise ValueError('no')")
    slow = notebook(tmp_path / "slow.ipynb", "import time\ntime.sleep(30)", timeout=2)
    cache_dir = tmp_path / "_build" / ".jupyter_cache"
    assert main([str(cache_dir), str(good), str(bad), str(slow), "--jobs", "2"]) == 0
    said = capsys.readouterr().err
    assert "good.ipynb done in" in said
    assert "bad.ipynb FAILED" in said and "slow.ipynb FAILED" in said  # over its own limit
    cached = {Path(r.uri).name for r in get_cache(cache_dir).list_cache_records()}
    assert cached == {"good.ipynb"}
    times = json.loads((cache_dir.parent / ".jupyter_cache-times.json").read_text())
    assert set(times) == {"good.ipynb"} and times["good.ipynb"] > 0
    # A second run finds the good notebook cached and executes only the others.
    main([str(cache_dir), str(good), "--jobs", "1"])
    assert "already in the cache" in capsys.readouterr().err
