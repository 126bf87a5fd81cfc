"""MNIST's American 1s and 7s written as much of Europe writes them (GENERATED): a 1 with a flag
from its top, sometimes a foot, and a 7 crossed through its stem. MNIST holds few of either, and
the network read real ones as other digits (a crossed 7 as a 4, a flagged 1 as a 7:
docs/numbers.md). The strokes are drawn at four times the digit's size, with its own pen width,
and laid over the real training digit, which stays as it was written."""

import cv2
import numpy as np

SCALE = 4  # the added stroke is drawn 4x larger, then shrunk to the digit (anti-aliased)

Stroke = tuple[tuple[float, float], tuple[float, float]]  # from (x, y) to (x, y), enlarged


def pen_width(ink: np.ndarray) -> int:
    """The stroke's width in pixels: 1.8 times the largest distance from inside the ink to its
    edge (a little under the full width, which the anti-aliased line widens again)."""
    inside = cv2.distanceTransform((ink > 127).astype(np.uint8), cv2.DIST_L2, 3)
    return max(2, int(round(1.8 * inside.max())))


def flagged_one(big: np.ndarray, width: int, rng: np.random.Generator) -> list[Stroke]:
    """A flag from the top of the 1 down to its left, 30-60 degrees below level, 20-45 % of its
    height long; a quarter of them stand on a foot too."""
    ys, xs = np.nonzero(big > 127)
    top, bottom = ys.min(), ys.max()
    x_top = xs[ys <= top + width].mean()
    angle, length = np.radians(rng.uniform(30, 60)), rng.uniform(0.2, 0.45) * (bottom - top)
    strokes = [((x_top, top), (x_top - length * np.cos(angle), top + length * np.sin(angle)))]
    if rng.random() < 0.25:
        x_bottom = xs[ys >= bottom - width].mean()
        half = rng.uniform(0.18, 0.3) * (bottom - top)
        strokes.append(((x_bottom - half, bottom), (x_bottom + half, bottom)))
    return strokes


def crossed_seven(big: np.ndarray, width: int, rng: np.random.Generator) -> list[Stroke]:
    """A bar across the stem, 45-62 % of the way down, 30-60 % of the digit's width (at least
    15-30 % of its height and 1.8 pen widths), nearly level; none where the stem has no ink at
    that height."""
    ys, xs = np.nonzero(big > 127)
    top, height = ys.min(), ys.max() - ys.min()
    row = int(top + rng.uniform(0.45, 0.62) * height)
    stem = np.nonzero(big[row] > 127)[0]
    if stem.size == 0:
        return []
    strokes = np.split(stem, np.nonzero(np.diff(stem) > 1)[0] + 1)  # runs of ink in that row
    middle = (xs.min() + xs.max()) / 2
    x = min((run.mean() for run in strokes), key=lambda c: abs(c - middle))  # the stem's centre
    length = rng.uniform(0.3, 0.6) * max(xs.max() - xs.min(), 0.5 * height, 6 * width)
    centre = x - rng.uniform(-0.1, 0.15) * length
    rise = np.tan(np.radians(rng.uniform(-8, 8))) * length / 2
    return [((centre - length / 2, row + rise), (centre + length / 2, row - rise))]


STYLES = {1: flagged_one, 7: crossed_seven}


def continental(digit: np.ndarray, label: int, rng: np.random.Generator) -> np.ndarray | None:
    """An MNIST 1 or 7 (28x28, white on black) in its European form, 28x28 again; None for other
    digits and for 7s with no stem to cross."""
    if label not in STYLES:
        return None
    big = cv2.resize(digit, None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_CUBIC)
    width = pen_width(big)
    strokes = STYLES[label](big, width, rng)
    if not strokes:
        return None
    drawn = np.zeros_like(big)
    for start, end in strokes:
        cv2.line(drawn, np.int32(start), np.int32(end), 255, width, cv2.LINE_AA)
    shrunk = cv2.resize(drawn, digit.shape[::-1], interpolation=cv2.INTER_AREA)
    return np.maximum(digit, shrunk)
