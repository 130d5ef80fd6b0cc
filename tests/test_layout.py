"""The package's layout is its pipeline: each subpackage imports on its own, there is no import
circle, no module imports another inside a function (to dodge a circle), and the stages depend only
on the stages before them (content ← site, book ← pipeline ← serve, cli)."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "yearbook"

# what each part may import from the package (besides itself); i18n (the messages' catalogues) is a
# leaf that every part may use
LEAF = {"i18n"}
ALLOWED = {part: imports | LEAF for part, imports in {
    "i18n": set(),
    "errors": set(),
    "parallel": set(),
    "progress": set(),
    "output": {"errors"},
    "themes": {"errors"},
    "content": {"errors", "parallel", "output"},
    "site": {"content", "errors", "output", "parallel", "progress", "themes"},
    "book": {"content", "errors", "output", "parallel", "themes"},
    "pipeline": {"book", "content", "errors", "output", "parallel", "progress", "site", "themes"},
    "scaffold": {"content", "errors"},
    "importing": {"content", "errors"},
    "serve": {"book", "content", "errors", "output", "parallel", "pipeline", "site", "themes"},
    "cli": {"content", "errors", "importing", "pipeline", "progress", "scaffold", "serve"},
}.items()}
ALLOWED["i18n"] = set()  # the leaf imports nothing of the package
# imports inside functions that are not there to dodge a circle: cli imports a command's modules
# only when that command runs (serve, new and import bring watchdog, python-docx … : 0.4 s and more)
LAZY = {("cli", "serve"), ("cli", "scaffold"), ("cli", "importing")}


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path) -> tuple[set[str], list[tuple[int, str]]]:
    """The package modules ``name`` imports at its top level, and (line, module) of those it imports
    inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    known = modules()

    def targets(node) -> list[str]:
        if isinstance(node, ast.Import):
            return [alias.name for alias in node.names if alias.name.startswith("yearbook")]
        base = package[:len(package) - node.level + 1] if node.level else []
        base_name = ".".join(base + ([node.module] if node.module else []))
        if not base_name.startswith("yearbook"):
            return []
        return [f"{base_name}.{a.name}" if f"{base_name}.{a.name}" in known else base_name for a in node.names]

    top, inner = set(), []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            top.update(targets(node))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for sub in ast.walk(node):
                if isinstance(sub, (ast.Import, ast.ImportFrom)):
                    inner.extend((sub.lineno, target) for target in targets(sub))
    return top - {name}, inner


def part(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


def test_every_module_imports_only_the_stages_before_it():
    wrong = []
    for name, path in modules().items():
        if name == "yearbook":
            continue
        top, _ = imports_of(name, path)
        for target in top:
            if part(target) != part(name) and part(target) not in ALLOWED[part(name)]:
                wrong.append(f"{name} imports {target}")
    assert not wrong, "\n".join(sorted(wrong))


def test_no_import_inside_a_function_but_a_command_s_modules():
    found = []
    for name, path in modules().items():
        for line, target in imports_of(name, path)[1]:
            if (part(name), part(target)) not in LAZY:
                found.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}")
    assert not found, "\n".join(found)


def test_there_is_no_import_circle():
    known = modules()
    graph = {}
    for name, path in known.items():
        edges = set()
        for target in imports_of(name, path)[0]:
            pieces = target.split(".")
            for i in range(2, len(pieces) + 1):  # importing a.b.c runs a.b first
                prefix = ".".join(pieces[:i])
                if prefix in known and prefix != name and not name.startswith(prefix + "."):
                    edges.add(prefix)
        graph[name] = edges
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                raise AssertionError("import circle: " + " → ".join(path[path.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


@pytest.mark.parametrize("subpackage", ["yearbook.content", "yearbook.site", "yearbook.book", "yearbook.book.split",
                                        "yearbook.serve", "yearbook.importing", "yearbook.output", "yearbook.pipeline"])
def test_each_subpackage_imports_on_its_own(subpackage):
    done = subprocess.run([sys.executable, "-c", f"import {subpackage}"], cwd=PACKAGE.parent, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
