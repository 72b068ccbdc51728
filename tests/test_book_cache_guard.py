"""tools/book_cache_guard.py: a cache made with other gan_toy code is deleted, not served."""

from pathlib import Path

import pytest

from tools.book_cache_guard import code_fingerprint, fingerprint_file, guard


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "gan_toy" / "data").mkdir(parents=True)
    (tmp_path / "gan_toy" / "losses.py").write_text("def loss(): return 1\n")
    (tmp_path / "gan_toy" / "data" / "subset.bin").write_bytes(b"\x00\x01")
    (tmp_path / "requirements.txt").write_text("torch==2.13.0\n")
    return tmp_path


def filled_cache(repo: Path) -> Path:
    cache = repo / "_build" / ".jupyter_cache"
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "global.db").write_text("executed chapters")
    return cache


@pytest.mark.parametrize(
    "change",
    [
        lambda r: (r / "gan_toy" / "losses.py").write_text("def loss(): return 2\n"),
        lambda r: (r / "gan_toy" / "data" / "subset.bin").write_bytes(b"\x00\x02"),
        lambda r: (r / "gan_toy" / "new_module.py").write_text(""),
        lambda r: (r / "requirements.txt").write_text("torch==2.14.0\n"),
    ],
    ids=["code", "data file", "new file", "requirements"],
)
def test_a_change_deletes_the_cache_once(repo, change):
    cache = filled_cache(repo)
    guard(cache, root=repo)  # first run: no record yet, so the cache goes
    assert not cache.exists()
    cache = filled_cache(repo)  # the build fills it again
    assert "unchanged" in guard(cache, root=repo)
    assert cache.exists(), "an unchanged gan_toy must keep the cache"

    change(repo)
    message = guard(cache, root=repo)
    assert not cache.exists() and "gan_toy changed" in message
    filled_cache(repo)
    assert "unchanged" in guard(cache, root=repo)


def test_keep_reports_the_change_and_remembers_it(repo):
    cache = filled_cache(repo)
    guard(cache, root=repo)
    cache = filled_cache(repo)
    (repo / "gan_toy" / "losses.py").write_text("def loss(): return 3\n")
    assert "kept" in guard(cache, keep=True, root=repo) and cache.exists()
    # Without --keep the next build still sees the change.
    guard(cache, root=repo)
    assert not cache.exists()


def test_bytecode_does_not_count(repo):
    before = code_fingerprint(repo)
    (repo / "gan_toy" / "__pycache__").mkdir()
    (repo / "gan_toy" / "__pycache__" / "losses.cpython-311.pyc").write_bytes(b"junk")
    assert code_fingerprint(repo) == before


def test_a_renamed_file_changes_the_fingerprint(repo):
    before = code_fingerprint(repo)
    (repo / "gan_toy" / "losses.py").rename(repo / "gan_toy" / "loss.py")
    assert code_fingerprint(repo) != before


def test_the_record_lives_beside_the_cache(repo):
    cache = repo / "_build" / ".jupyter_cache"
    guard(cache, root=repo)
    record = fingerprint_file(cache)
    assert record.parent == cache.parent and record.read_text().strip() == code_fingerprint(repo)
