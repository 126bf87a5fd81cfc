"""The layout shows the design: a one-way import graph, scripts never used as libraries, small
modules, no sys.path edits (tests.layout draws the graph)."""

import ast
import subprocess

from tests.layout import ROOT, SCRIPTS, cycles, import_graph, mermaid, modules

MAX_LINES = 350


def test_the_import_graph_has_no_cycle():
    assert cycles(import_graph()) == []


def test_no_script_is_imported_as_a_library():
    """app.py, train.py and publish.py are run; only tests reach into a script to test it."""
    graph = import_graph()
    users = {
        (a, b)
        for a, targets in graph.items()
        for b in targets
        if b in SCRIPTS and not a.startswith("tests.")
    }
    assert users == set()


def test_modules_are_small_and_train_py_is_a_command_line():
    """(Test modules mirror the module they test and may run longer.)"""
    sizes = {
        name: len(path.read_text().splitlines())
        for name, path in modules().items()
        if not name.startswith("tests.")
    }
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}
    assert sizes["train"] <= 150


def test_nothing_edits_sys_path():
    """Packages are imported as packages (`python -m benchmarks.NAME`), never by path."""
    edits = []
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "path"
                and isinstance(node.value, ast.Name)
                and node.value.id == "sys"
            ):
                edits.append(name)
    assert edits == []


def test_the_top_level_holds_the_design_and_a_few_more():
    design = {
        "app.py",
        "digit_core",
        "train.py",
        "model",
        "examples",
        "tests",
        "requirements.txt",
        "README.md",
    }
    others = {
        "studio",
        "training",
        "digit_bulk",
        "publish.py",
        "benchmarks",
        "docs",
        "pyproject.toml",
        "requirements-train.txt",
        "requirements-test.txt",
        ".ci",
        ".gitattributes",
        ".gitignore",
    }
    listed = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    tracked = {path.split("/")[0] for path in listed}
    assert design <= tracked and tracked - design <= others, tracked - design - others


def test_docs_layout_shows_the_graph_as_it_is():
    """Regenerate with `python -m tests.layout` when an import changes."""
    assert mermaid(import_graph()) in (ROOT / "docs" / "layout.md").read_text()
