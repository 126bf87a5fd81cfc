import cv2
import numpy as np

from digit_core.line_runs import SLOPES, runs, sloped_runs


def drawn(*lines: tuple[int, int, int, int]) -> np.ndarray:
    mask = np.zeros((200, 600), np.uint8)
    for x0, y0, x1, y1 in lines:
        cv2.line(mask, (x0, y0), (x1, y1), 1, 3)
    return mask.astype(bool)


def test_a_bent_lines_sloping_stretch_is_found_whole_and_a_digits_stroke_is_not():
    """A line sloping by 0.07 (a stretch of a page photographed curled): level runs 100 px long
    find little of it, sloped runs nearly all of it; a shorter stroke (a digit's) is no line."""
    line = drawn((0, 40, 599, 82))
    stroke = drawn((300, 150, 380, 154))
    mask = line | stroke
    found = sloped_runs(mask, 100)
    assert runs(line, 100, horizontal=True).sum() < 0.1 * line.sum()
    assert found[line].mean() > 0.9
    assert not found[stroke].any()


def test_lines_steeper_than_the_bend_and_upright_strokes_are_left():
    steep = drawn((0, 20, 599, 20 + round(599 * 2.5 * max(SLOPES))))
    upright = drawn((100, 10, 100, 190))
    assert sloped_runs(steep, 100).sum() < 0.05 * steep.sum()
    assert not sloped_runs(upright, 100).any()
    level = drawn((0, 100, 599, 100))
    assert np.array_equal(sloped_runs(level, 100), level)
