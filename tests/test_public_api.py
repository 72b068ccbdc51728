"""The book and the labs use gan_toy's public API only.

Public means: a name in `gan_toy.__all__`, one of the namespaces `gan_toy.NAMESPACES` (plots,
panels, dirac), or a name in such a namespace's `__all__`. A notebook that reaches into a
submodule (`from gan_toy.train import ...`) or a name that `__init__` merely happens to import
fails here, so the API the reader sees is the one the package promises.
"""

from __future__ import annotations

import ast
import importlib
import json
import re
from pathlib import Path

import pytest

import gan_toy

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(ROOT.glob("book/*.ipynb")) + sorted(ROOT.glob("labs/*/*.ipynb"))


def code_of(notebook: Path) -> str:
    """The notebook's code cells as one Python module (IPython magics and shell lines dropped)."""
    cells = json.loads(notebook.read_text())["cells"]
    lines = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        for line in "".join(cell["source"]).splitlines():
            stripped = line.lstrip()
            # a magic or shell line ("%pip ...", "!ls"), not a continued "% 360" or "!= 0"
            magic = re.match(r"[%!][A-Za-z]", stripped) is not None
            lines.append(line[: len(line) - len(stripped)] + "pass" if magic else line)
        lines.append("")
    return "\n".join(lines)


def public_names(module: str) -> set[str]:
    if module == "gan_toy":
        return set(gan_toy.__all__) | set(gan_toy.NAMESPACES)
    namespace = module.removeprefix("gan_toy.")
    if namespace not in gan_toy.NAMESPACES:
        return set()
    return set(importlib.import_module(module).__all__)


def private_uses(source: str) -> list[str]:
    """Every gan_toy import, and attribute of an imported namespace, that is not public."""
    tree = ast.parse(source)
    found, namespaces = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.startswith("gan_toy.")]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("gan_toy"):
            allowed = public_names(node.module)
            for alias in node.names:
                if alias.name not in allowed:
                    found.append(f"from {node.module} import {alias.name}")
                elif node.module == "gan_toy" and alias.name in gan_toy.NAMESPACES:
                    namespaces[alias.asname or alias.name] = f"gan_toy.{alias.name}"
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in namespaces
            and node.attr not in public_names(namespaces[node.value.id])
        ):
            found.append(f"{node.value.id}.{node.attr}")
    return found


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebooks_import_only_public_names(notebook):
    assert not private_uses(code_of(notebook))


def test_the_check_catches_private_imports():
    source = (
        "from gan_toy.train import Trainer\n"
        "from gan_toy import metrics, dirac\n"
        "from gan_toy.plots import plot_run\n"
        "dirac.simulate\ndirac._as_variant\n"
    )
    assert private_uses(source) == [
        "from gan_toy.train import Trainer",
        "from gan_toy import metrics",
        "dirac._as_variant",
    ]


def test_every_public_name_exists():
    for name in gan_toy.__all__:
        assert hasattr(gan_toy, name), name
    for namespace in gan_toy.NAMESPACES:
        module = importlib.import_module(f"gan_toy.{namespace}")
        missing = [n for n in module.__all__ if not hasattr(module, n)]
        assert not missing, (namespace, missing)
