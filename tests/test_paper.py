"""The paper's light taken away (digit_core.paper)."""

import numpy as np
import pytest

from digit_core.paper import flatten_light, threshold


@pytest.mark.parametrize("dark_ink", [True, False])
def test_strokes_filling_a_picture_cropped_close_are_not_taken_for_paper(dark_ink):
    """Thick strokes over two thirds of a close crop, the light falling across it: the paper's
    median took the strokes for paper (a third of their ink found); the paper round them is
    the paper."""
    grey = np.tile(np.linspace(0.75, 0.95, 240, dtype=np.float32), (80, 1))
    strokes = np.zeros(grey.shape, bool)
    for x in range(10, 230, 18):
        strokes[8:72, x : x + 12] = True
    grey[strokes] = 0.15
    grey += np.random.default_rng(0).normal(0, 0.02, grey.shape).astype(np.float32)
    grey = np.clip(grey, 0, 1)
    mask = threshold(flatten_light(grey if dark_ink else 1 - grey))
    assert (mask & strokes).sum() > 0.99 * strokes.sum() and not (mask & ~strokes).any()
