"""The README is the Space's front page: short, and every figure in it traceable."""

import json
import re
from pathlib import Path

from training.report import README_FIGURES, with_model_figures

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_the_front_page_is_short():
    assert len(README.encode()) <= 12 * 1024


def test_the_model_figures_are_the_ones_in_metrics_json():
    """Run `python train.py card` after training: it copies them."""
    metrics = json.loads((ROOT / "model" / "metrics.json").read_text())
    assert README_FIGURES[0] in README
    assert with_model_figures(README, metrics) == README


def test_every_results_row_names_where_its_figure_comes_from():
    section = README.split("## How good is it")[1].split("\n## ")[0]
    lines = section.splitlines()
    rows = [
        row
        for row, after in zip(lines, lines[1:] + [""])
        if row.startswith("| ") and not after.startswith("|---")
    ]  # not the headers
    assert len(rows) >= 6
    for row in rows:
        source = row.rstrip(" |").rsplit("|", 1)[1]
        assert re.search(r"`(python [^`]+|model/metrics\.json)`", source), row


def test_the_linked_documents_exist():
    for link in re.findall(r"\]\(((?:docs|model)/[^)#]+)", README):
        assert (ROOT / link).is_file(), link
