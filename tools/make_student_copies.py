"""Regenerate the labs' student copies, `student/<lab>/<lab>.ipynb`, with nbgrader.

    python tools/make_student_copies.py            # (re)write student/ from labs/
    python tools/make_student_copies.py --check    # exit 1 if student/ is not what it would write

The instructor versions in `labs/` are nbgrader's source (nbgrader_config.py); a student copy is
what `nbgrader generate_assignment` makes of one: solutions replaced by `raise
NotImplementedError()`, hidden tests removed. The copies are committed so that every link meant
for students (the labs' Colab and Binder badges, the README) opens a copy without solutions.
nbgrader runs in a temporary course directory, so nothing it writes (release/, gradebook.db)
lands in the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STUDENT = ROOT / "student"


def labs() -> list[str]:
    return sorted(p.name for p in (ROOT / "labs").iterdir() if (p / f"{p.name}.ipynb").is_file())


def normalised(path: Path) -> str:
    """A notebook's JSON as the repository stores it (nbformat's indent, one final newline)."""
    return json.dumps(json.loads(path.read_text(encoding="utf-8")), indent=1, ensure_ascii=False)


def generate(out: Path) -> list[Path]:
    """Write every lab's student copy under `out`; return the paths written."""
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp)
        shutil.copytree(ROOT / "labs", course / "labs", ignore=shutil.ignore_patterns(".ipynb_*"))
        shutil.copy(ROOT / "nbgrader_config.py", course)
        env = {
            **os.environ,
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        }
        for lab in labs():
            run = subprocess.run(
                [sys.executable, "-m", "nbgrader", "generate_assignment", lab, "--force"],
                cwd=course,
                env=env,
                capture_output=True,
                text=True,
            )
            if run.returncode != 0:
                raise RuntimeError(f"nbgrader generate_assignment {lab} failed:\n{run.stderr}")
            target = out / lab / f"{lab}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(normalised(course / "release" / lab / f"{lab}.ipynb") + "\n")
            written.append(target)
    return written


def differences(committed: Path = STUDENT) -> list[str]:
    """The student copies that differ from what `generate` makes now (missing ones too)."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = generate(Path(tmp))
        wrong = []
        for path in fresh:
            mine = committed / path.parent.name / path.name
            if not mine.is_file() or normalised(mine) != normalised(path):
                wrong.append(str(mine.relative_to(ROOT)))
        extra = {p.parent.name for p in committed.glob("*/*.ipynb")} - set(labs())
        wrong += [f"student/{lab} (no such lab)" for lab in sorted(extra)]
        return wrong


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    if args.check:
        wrong = differences()
        for path in wrong:
            print(f"out of date: {path} (run `make student`)", file=sys.stderr)
        return 1 if wrong else 0
    for path in generate(STUDENT):
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
