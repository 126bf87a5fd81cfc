"""The project's import graph, from the source (ast): which of our modules imports which.

python -m tests.layout        # the graph as a Mermaid diagram (docs/layout.md shows it)
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("digit_core", "studio", "training", "digit_bulk", "benchmarks", "tests")
SCRIPTS = ("app", "train", "publish")  # run, never imported by another module
SKIP = {".venv", "venv", "node_modules", ".git", "runs", "test-artifacts"}


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the project by dotted name: the scripts and the packages' modules."""
    found = {name: root / f"{name}.py" for name in SCRIPTS if (root / f"{name}.py").is_file()}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if SKIP.isdisjoint(path.relative_to(root).parts):
                parts = path.relative_to(root).with_suffix("").parts
                found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imported(path: Path, known: set[str]) -> set[str]:
    """The project modules `path` imports (`from package import module` counts the module)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            inside = {f"{node.module}.{alias.name}" for alias in node.names} & known
            names.update(inside or {node.module})
    return {name for name in names if name in known}


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    found = modules(root)
    return {name: imported(path, set(found)) - {name} for name, path in found.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles, each as the path that closes it (depth-first search)."""
    found, done, path = [], set(), []

    def visit(name: str) -> None:
        if name in path:
            found.append(path[path.index(name) :] + [name])
            return
        if name in done:
            return
        path.append(name)
        for other in sorted(graph.get(name, ())):
            visit(other)
        path.pop()
        done.add(name)

    for name in sorted(graph):
        visit(name)
    return found


def mermaid(graph: dict[str, set[str]]) -> str:
    """The graph between the app, the scripts and the packages (tests and benchmarks left out:
    they import everything)."""

    def node(name: str) -> str:
        return name.split(".")[0] if name.split(".")[0] in ("digit_core",) else name

    edges = sorted(
        {
            (node(a), node(b))
            for a, targets in graph.items()
            for b in targets
            if not a.startswith(("tests", "benchmarks")) and node(a) != node(b)
        }
    )
    return "flowchart TD\n" + "".join(f"    {a} --> {b}\n" for a, b in edges)


if __name__ == "__main__":
    print(mermaid(import_graph()))
