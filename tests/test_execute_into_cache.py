"""tools/execute_into_cache.py: notebooks land in the build's cache, with their times, under the
cell limit they set themselves."""

import json
from pathlib import Path

import nbformat
import pytest
from jupyter_cache import get_cache

from tools.execute_into_cache import (
    cell_timeout,
    expected_seconds,
    main,
    planned_minutes,
    progress,
)


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


def test_the_plan_puts_each_job_longest_first_on_the_first_free_worker():
    # 30 | 20 on two workers, then 20 joins the 20 (40) and 10 joins the 30 (40).
    assert planned_minutes([10, 20, 30, 20], 2) == pytest.approx(40 / 60)
    assert planned_minutes([60, 60, 60], 2) == pytest.approx(2.0)
    assert planned_minutes([60, 60, 60], 3) == pytest.approx(1.0)


def test_progress_says_what_is_left_by_the_estimate_or_that_it_is_past_it():
    assert (
        progress({"a.ipynb": 600}, "a.ipynb", 240) == " for 4.0 min, about 6.0 min left of 10.0 min"
    )
    assert progress({"a.ipynb": 600}, "a.ipynb", 660) == " for 11.0 min, past its expected 10.0 min"
    assert progress({}, "a.ipynb", 30) == " for 30 s"


def test_expected_times_are_read_from_their_seconds_mapping(tmp_path):
    path = tmp_path / "times.json"
    path.write_text(json.dumps({"about": "a laptop", "seconds": {"a.ipynb": 90}}))
    assert expected_seconds(path) == {"a.ipynb": 90.0}
    assert expected_seconds(None) == {}


@pytest.mark.parametrize(
    "content", ["{not json", '{"minutes": {"a.ipynb": 1}}', '{"seconds": {"a.ipynb": "soon"}}']
)
def test_a_bad_expected_file_is_refused_before_anything_runs(tmp_path, capsys, content):
    path = tmp_path / "times.json"
    path.write_text(content)
    cache_dir = tmp_path / "_build" / ".jupyter_cache"
    good = notebook(tmp_path / "good.ipynb", "1")
    with pytest.raises(SystemExit) as stop:
        main([str(cache_dir), str(good), "--expected", str(path)])
    assert stop.value.code == 2
    said = capsys.readouterr().err
    assert str(path) in said and "'seconds' mapping" in said
    assert not cache_dir.exists()


def test_the_books_expected_times_name_every_chapter():
    root = Path(__file__).resolve().parents[1]
    chapters = {nb.name for nb in (root / "book").glob("[0-9][0-9]_*.ipynb")}
    expected = expected_seconds(root / "book" / "chapter_times.json")
    assert set(expected) == chapters
    assert all(seconds > 0 for seconds in expected.values())


@pytest.mark.slow
def test_notebooks_are_cached_with_their_times_and_failures_are_reported(tmp_path, capsys):
    good = notebook(tmp_path / "good.ipynb", "import time\ntime.sleep(1)\nprint(6 * 7)")
    bad = notebook(tmp_path / "bad.ipynb", "raise ValueError('no')")
    slow = notebook(tmp_path / "slow.ipynb", "import time\ntime.sleep(30)", timeout=2)
    cache_dir = tmp_path / "_build" / ".jupyter_cache"
    expected = tmp_path / "expected.json"
    seconds = {"good.ipynb": 120, "bad.ipynb": 60, "slow.ipynb": 60}
    expected.write_text(json.dumps({"seconds": seconds}))
    argv = [str(cache_dir), str(good), str(bad), str(slow), "--jobs", "2"]
    assert main([*argv, "--expected", str(expected), "--heartbeat", "0.2"]) == 0
    said = capsys.readouterr().err
    # By the expected times: 120 s on one worker, 60 + 60 on the other.
    assert "2 at a time, expected to take about 2 min" in said
    assert "good.ipynb started (expected: about 2.0 min)" in said
    # Kernels take longer than the heartbeat to start, so a progress report comes first.
    assert "still running:" in said and "left of 2.0 min" in said
    assert "good.ipynb done in" in said
    assert "bad.ipynb FAILED" in said and "slow.ipynb FAILED" in said  # over its own limit
    cached = {Path(r.uri).name for r in get_cache(cache_dir).list_cache_records()}
    assert cached == {"good.ipynb"}
    times = json.loads((cache_dir.parent / ".jupyter_cache-times.json").read_text())
    assert set(times) == {"good.ipynb"} and times["good.ipynb"] > 0
    # A second run finds the good notebook cached and executes only the others.
    main([str(cache_dir), str(good), "--jobs", "1"])
    assert "already in the cache" in capsys.readouterr().err
