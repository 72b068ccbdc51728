"""The package's shape: imports run one way, no private name crosses modules, files stay small.

These read gan_toy's source with `ast` (every import, the lazy ones inside functions too), so a
cycle that only bites when two lazy imports become eager is caught here, not by a user.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gan_toy"
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported_modules(path: Path) -> list[tuple[str, list[str]]]:
    """(gan_toy module, names taken from it) for every import statement in the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names if a.name.startswith("gan_toy")]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("gan_toy"):
            names = [a.name for a in node.names]
            # `from gan_toy import dirac` imports the submodule gan_toy.dirac
            subs = [f"{node.module}.{n}" for n in names if f"{node.module}.{n}" in MODULES]
            found += [(s, []) for s in subs]
            rest = [n for n in names if f"{node.module}.{n}" not in MODULES]
            if rest:
                found.append((node.module, rest))
    return found


def import_graph() -> dict[str, set[str]]:
    return {
        name: {target for target, _ in imported_modules(path) if target != name}
        for name, path in MODULES.items()
    }


def test_the_import_graph_has_no_cycle():
    graph = import_graph()
    state: dict[str, str] = {}
    cycles = []

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(trail[trail.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_cycle_check_finds_a_cycle(tmp_path, monkeypatch):
    # The check above must be able to fail: two modules importing each other lazily.
    pkg = tmp_path / "gan_toy"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from gan_toy.b import g\n")
    (pkg / "b.py").write_text("def g():\n    from gan_toy import a\n")
    here = sys.modules[__name__]
    monkeypatch.setattr(here, "PACKAGE", pkg)
    monkeypatch.setattr(here, "MODULES", {module_name(p): p for p in pkg.rglob("*.py")})
    with pytest.raises(AssertionError, match="gan_toy.a -> gan_toy.b -> gan_toy.a"):
        test_the_import_graph_has_no_cycle()


def test_no_module_imports_another_modules_private_name():
    leaks = [
        f"{name} imports {target}.{n}"
        for name, path in MODULES.items()
        for target, names in imported_modules(path)
        for n in names
        if n.startswith("_") and target != name
    ]
    assert not leaks, leaks


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_file_is_at_most_400_lines(name):
    lines = len(MODULES[name].read_text().splitlines())
    assert lines <= MAX_LINES, f"{MODULES[name].relative_to(PACKAGE.parent)}: {lines} lines"


def test_the_trainer_never_asks_what_kind_of_data_it_has():
    tree = ast.parse(MODULES["gan_toy.train"].read_text())
    asked = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    asked |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert not asked & {"is_image", "mixture", "classifier", "load_classifier"}
