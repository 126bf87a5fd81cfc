"""Segmentation: the search over runs, where a piece may be cut, the width table."""

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from digit_core import NoDigitError
from digit_core.segment import WIDEST, as_input, cut_columns, surest
from training.data import VALIDATION_SIZE, load_mnist
from training.drawings import ink_strokes, mnist_fixture
from training.widths import widest

MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist.npz"  # in CI too


def covers(count: int):
    """Every way to cover 0..count with runs (i, j), as lists of runs."""
    for ends in itertools.product((False, True), repeat=count - 1):
        cuts = [0] + [k + 1 for k, end in enumerate(ends) if end] + [count]
        yield list(itertools.pairwise(cuts))


@given(
    st.integers(1, 6).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.dictionaries(
                st.tuples(st.integers(0, n - 1), st.integers(1, n)).filter(lambda r: r[0] < r[1]),
                st.floats(-20, 0),
                max_size=21,
            ),
        )
    )
)
def test_surest_is_the_best_cover_of_all(case):
    count, value = case
    path = surest(value, count)
    possible = [c for c in covers(count) if all(run in value for run in c)]
    if not possible:
        assert path == []
        return
    best = max(sum(value[run] for run in c) for c in possible)
    assert path in possible
    assert sum(value[run] for run in path) == pytest.approx(best)


def test_a_cut_never_crosses_two_strokes():
    """Columns through a ring (a 0's top and bottom) are never cut; two rings joined by a bar
    are cut along the bar."""
    ring = np.zeros((40, 40), bool)
    ring[5:35, 5:35] = True
    ring[9:31, 9:31] = False  # the ring's walls are columns 5-8 and 31-34
    pair = np.hstack([ring, np.zeros((40, 10), bool), ring])
    pair[18:22, 35:55] = True  # the bar between them
    cuts = [5 + c for c in cut_columns(pair, 5, 80, 30)]
    assert not [c for c in cuts if 9 <= c < 31 or 59 <= c < 81], cuts
    assert [c for c in cuts if 35 <= c <= 55], cuts


def test_an_empty_piece_is_a_typed_refusal():
    """A cut between a piece's blobs can leave one side empty (it raised ZeroDivisionError)."""
    ink = ink_strokes(mnist_fixture()[0][0], canvas=60, height=0.7)
    with pytest.raises(NoDigitError):
        as_input(ink, np.zeros(ink.shape, bool))


def test_the_width_table_is_measured_on_the_training_split():
    data = load_mnist(str(MNIST))
    training = slice(0, len(data["x_train"]) - VALIDATION_SIZE)
    assert widest(data["x_train"][training], data["y_train"][training]) == WIDEST
