"""A page laid crooked on the scanner: its angle, by its printed lines (Hough's transform), and
the picture turned level."""

import cv2
import numpy as np

from digit_core.number_line import INKY, TALL_LINE, VOTES, WIDE_LINE

SKEW = 0.5  # degrees: printed lines further off level than this are a page laid crooked
SKEWED = 10  # ... up to this many degrees (the row's own tilt turns steeper rows)


def skew(mask: np.ndarray) -> float:
    """The page's angle in degrees (positive: rising to the right, as `tilt`) by the printed
    lines in the mask of its ink (`threshold`), 0 when it has none or they run level within
    SKEW (a crooked scan's lines escape the straight runs that find them). Upright lines, where
    the page has them, must give the same angle within SKEW: lines not printed square would be
    unlevelled by the turn."""
    if mask.mean() > INKY:  # (and the Hough transform's work grows with the ink)
        return 0.0
    height, width = mask.shape
    across = strongest_line(mask, WIDE_LINE * width)
    if across is None or abs(across) <= SKEW:
        return 0.0
    down = strongest_line(mask.T, TALL_LINE * height)  # a left edge leaning left: page rising
    if down is not None and abs(-down - across) > SKEW:
        return 0.0
    return across


def strongest_line(mask: np.ndarray, length: float) -> float | None:
    """The angle (degrees, positive: rising to the right) of the line within SKEWED degrees
    of level that runs through the most ink, if VOTES of `length` pixels at least; else None.
    Only the ink's upper edges vote: a thick line would back any angle it contains."""
    edges = mask & ~np.vstack([np.zeros_like(mask[:1]), mask[:-1]])
    level = np.pi / 2  # Hough's angle is the normal's: pi/2 for a level line
    lines = cv2.HoughLines(
        np.ascontiguousarray(edges, dtype=np.uint8),
        1,
        np.pi / 720,
        threshold=max(8, int(length * VOTES)),
        min_theta=level - np.radians(SKEWED),
        max_theta=level + np.radians(SKEWED),
    )
    if lines is None:
        return None
    return 90 - float(np.degrees(lines.reshape(-1, 2)[0, 1]))


def turned(image: np.ndarray, degrees: float) -> tuple[np.ndarray, np.ndarray]:
    """The picture turned about its centre (counter-clockwise), widened to hold it all, its
    edge continued; and the 2x3 matrix that took it there."""
    height, width = image.shape[:2]
    move = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    cos, sin = abs(move[0, 0]), abs(move[0, 1])
    size = (int(width * cos + height * sin), int(width * sin + height * cos))
    move[:, 2] += (size[0] - width) / 2, (size[1] - height) / 2
    return cv2.warpAffine(image, move, size, borderMode=cv2.BORDER_REPLICATE), move
