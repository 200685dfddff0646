"""The packages depend on each other in one direction only, and no module imports itself back.

    tools ──► api ──► ledger ◄── bidders ◄── tools

- `ledger` imports no other package of the project, and nothing of HTTP serving or SQL;
- `api` imports `ledger`, never `bidders` or `tools`;
- `bidders` imports `ledger` only;
- `tools` may import all three.

Read from the sources with `ast` (nothing is imported), so a violation is named by file and line.
Every import counts for the layers, the ones inside functions too. Cycles are looked for among
the project's modules over every import as well: an import moved into a function still makes
the cycle, it only hides it until run time.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("ledger", "api", "bidders", "tools")

# The project packages each package may import (itself included).
MAY_IMPORT: dict[str, frozenset[str]] = {
    "ledger": frozenset({"ledger"}),
    "api": frozenset({"api", "ledger"}),
    "bidders": frozenset({"bidders", "ledger"}),
    "tools": frozenset({"tools", "api", "bidders", "ledger"}),
}
# Third-party packages a package must not import: the library knows nothing of HTTP or SQL.
MUST_NOT_IMPORT: dict[str, frozenset[str]] = {
    "ledger": frozenset({"fastapi", "sqlmodel", "sqlalchemy", "starlette", "uvicorn"}),
}
# Import cycles tolerated for now, each as the exact set of modules in it (none at present).
ALLOWED_CYCLES: frozenset[frozenset[str]] = frozenset()


@dataclass(frozen=True)
class Import:
    path: Path  # relative to the tree's root
    line: int
    importer: str  # the importing module
    target: str  # the imported module (for `from m import name`: m.name if that is a module)
    in_function: bool

    def where(self) -> str:
        return f"{self.path.as_posix()}:{self.line}"


def module_name(path: Path) -> str:
    parts = list(path.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules(root: Path, packages: Iterable[str]) -> dict[str, Path]:
    """Every module of the given packages: dotted name -> path relative to `root`."""
    modules = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root)
            modules[module_name(relative)] = relative
    return modules


def _resolve_from(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(root: Path, relative: Path, modules: Iterable[str]) -> Iterator[Import]:
    """The imports in one file, each resolved to the module it names."""
    known = set(modules)
    importer = module_name(relative)
    tree = ast.parse((root / relative).read_text(encoding="utf-8"), filename=str(relative))

    def visit(node: ast.AST, in_function: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield Import(relative, child.lineno, importer, alias.name, in_function)
            elif isinstance(child, ast.ImportFrom):
                base = _resolve_from(child, importer, relative.name == "__init__.py")
                named = [f"{base}.{alias.name}" for alias in child.names]
                targets = {n if n in known else base for n in named}  # a submodule, or base's name
                for target in sorted(targets):
                    yield Import(relative, child.lineno, importer, target, in_function)
            else:
                nested = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
                yield from visit(child, in_function or nested)

    yield from visit(tree, False)


def all_imports(root: Path, packages: Iterable[str]) -> tuple[dict[str, Path], list[Import]]:
    modules = project_modules(root, packages)
    found = [imp for path in modules.values() for imp in imports_of(root, path, modules)]
    return modules, found


def layer_violations(
    imports: Iterable[Import],
    may_import: dict[str, frozenset[str]],
    must_not_import: dict[str, frozenset[str]],
) -> list[str]:
    problems = []
    for imp in imports:
        package, top = imp.importer.split(".")[0], imp.target.split(".")[0]
        if top in may_import and top not in may_import[package]:
            allowed = ", ".join(sorted(may_import[package]))
            problems.append(f"{imp.where()}: {imp.importer} imports {imp.target}"
                            f" ({package} may import only {allowed})")
        elif top in must_not_import.get(package, frozenset()):
            problems.append(f"{imp.where()}: {imp.importer} imports {imp.target}"
                            f" ({package} must not import {top})")
    return problems


def _strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative: the strongly connected components of `graph`."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = len(index)
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(graph[succ]))))
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    components.append(component)
    return components


def import_cycles(
    modules: Iterable[str], imports: Iterable[Import], allowed: frozenset[frozenset[str]]
) -> list[str]:
    """One message per cycle among the project's modules that is not exactly an allowed one."""
    known = set(modules)
    graph: dict[str, set[str]] = {m: set() for m in known}
    edges: dict[tuple[str, str], list[Import]] = {}
    for imp in imports:
        if imp.target in known:
            graph[imp.importer].add(imp.target)
            edges.setdefault((imp.importer, imp.target), []).append(imp)
    problems = []
    for component in _strongly_connected(graph):
        member = next(iter(component))
        if len(component) == 1 and member not in graph[member]:
            continue
        if frozenset(component) in allowed:
            continue
        lines = [
            f"  {imp.where()}: {a} imports {b}{' (inside a function)' if imp.in_function else ''}"
            for (a, b), found in sorted(edges.items())
            if a in component and b in component
            for imp in found
        ]
        problems.append(f"import cycle among {', '.join(sorted(component))}:\n" + "\n".join(lines))
    return problems


def check(
    root: Path,
    packages: Iterable[str] = PACKAGES,
    may_import: dict[str, frozenset[str]] = MAY_IMPORT,
    must_not_import: dict[str, frozenset[str]] = MUST_NOT_IMPORT,
    allowed_cycles: frozenset[frozenset[str]] = ALLOWED_CYCLES,
) -> tuple[list[str], list[str]]:
    """(layer violations, import cycles) of the tree at `root`."""
    modules, imports = all_imports(root, packages)
    return (layer_violations(imports, may_import, must_not_import),
            import_cycles(modules, imports, allowed_cycles))


# ----------------------------------------------------------------------------- the project


def test_every_import_points_down_the_layers() -> None:
    violations, _ = check(ROOT)
    assert not violations, "imports against the layers:\n" + "\n".join(violations)


def test_no_module_imports_itself_back_through_others() -> None:
    _, cycles = check(ROOT)
    assert not cycles, "\n".join(cycles)


def test_the_checker_reads_every_package_of_the_project() -> None:
    modules, imports = all_imports(ROOT, PACKAGES)
    assert {m.split(".")[0] for m in modules} == set(PACKAGES)
    assert {"ledger.runtime", "api.app", "api.deps", "bidders.cli", "tools.cli"} <= modules.keys()
    assert any(i.importer == "api.app" and i.target == "ledger.runtime" for i in imports)


# ------------------------------------------------------------------- the checker can fail


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def bad_tree(tmp_path: Path) -> Path:
    _write(tmp_path, {
        "ledger/__init__.py": "",
        "ledger/core.py": "import json\n\nfrom ledger import util\n",
        "ledger/util.py": "from . import core\n",  # a cycle with ledger.core
        "ledger/web.py": "def serve():\n    import fastapi\n    return fastapi\n",
        "api/__init__.py": "",
        "api/app.py": "from ledger.core import json\n\n\ndef run():\n    from tools import cli\n",
        "bidders/__init__.py": "",
        "bidders/http.py": "import api\n",
        "tools/__init__.py": "",
        "tools/cli.py": "from api import app\nfrom bidders import http\n",
    })
    return tmp_path


def test_the_checker_names_file_and_line_of_each_import_against_the_layers(bad_tree: Path) -> None:
    violations, _ = check(bad_tree)
    assert sorted(violations) == [
        "api/app.py:5: api.app imports tools.cli (api may import only api, ledger)",
        "bidders/http.py:1: bidders.http imports api (bidders may import only bidders, ledger)",
        "ledger/web.py:2: ledger.web imports fastapi (ledger must not import fastapi)",
    ]


def test_the_checker_finds_cycles_through_relative_and_deferred_imports(bad_tree: Path) -> None:
    _, cycles = check(bad_tree)
    assert sorted(cycles) == [
        "import cycle among api.app, tools.cli:\n"
        "  api/app.py:5: api.app imports tools.cli (inside a function)\n"
        "  tools/cli.py:1: tools.cli imports api.app",
        "import cycle among ledger.core, ledger.util:\n"
        "  ledger/core.py:3: ledger.core imports ledger.util\n"
        "  ledger/util.py:1: ledger.util imports ledger.core",
    ]


def test_an_allowed_cycle_passes_only_as_exactly_the_modules_listed(bad_tree: Path) -> None:
    allowed = frozenset({frozenset({"ledger.core", "ledger.util"})})
    _, cycles = check(bad_tree, allowed_cycles=allowed)
    assert [c.splitlines()[0] for c in cycles] == ["import cycle among api.app, tools.cli:"]
    # ledger.core -> ledger.util -> ledger.merkle -> ledger.core: more than the allowed pair.
    (bad_tree / "ledger" / "util.py").write_text("from . import merkle\n", encoding="utf-8")
    (bad_tree / "ledger" / "merkle.py").write_text("from ledger import core\n", encoding="utf-8")
    _, cycles = check(bad_tree, allowed_cycles=allowed)
    assert "import cycle among ledger.core, ledger.merkle, ledger.util:" in [
        c.splitlines()[0] for c in cycles
    ]


def test_a_clean_tree_passes(tmp_path: Path) -> None:
    _write(tmp_path, {
        "ledger/__init__.py": "",
        "ledger/core.py": "import json\n",
        "api/__init__.py": "",
        "api/app.py": "import fastapi\n\nfrom ledger import core\n",
        "bidders/__init__.py": "",
        "bidders/http.py": "from ledger.core import json\n",
        "tools/__init__.py": "",
        "tools/cli.py": "from api import app\nfrom bidders import http\nfrom ledger import core\n",
    })
    assert check(tmp_path) == ([], [])
