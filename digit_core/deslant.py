"""Upright handwriting: the shear that makes a line's strokes most vertical, and applying it.

Slanted writing leans its digits into each other's columns, so cuts between them run through
strokes, and the network learned upright MNIST digits. The usual deslant: among shears, the
one whose column profile of the ink is peakiest (vertical strokes stack into few columns).
"""

import cv2
import numpy as np

SHEARS = np.linspace(-0.7, 0.7, 29)  # x moves by shear * (rows above the middle): +-35 degrees
PROFILE_SIDE = 256  # the slant is judged on the mask shrunk to this height at most


def shear_matrix(shear: float, shape: tuple[int, int]) -> np.ndarray:
    """x' = x + shear * (y - middle) + room, so the sheared picture holds all of it."""
    height = shape[0]
    room = abs(shear) * height / 2
    return np.array([[1, shear, room - shear * height / 2], [0, 1, 0]], np.float32)


def sheared(image: np.ndarray, shear: float, nearest: bool = False) -> np.ndarray:
    height, width = image.shape
    size = (width + int(np.ceil(abs(shear) * height)), height)
    flags = cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR
    return cv2.warpAffine(image, shear_matrix(shear, image.shape), size, flags=flags)


def unsheared_box(
    mask: np.ndarray, shear: float, shape: tuple[int, int], scale: float = 1.0
) -> tuple[int, int, int, int]:
    """A piece found on the sheared picture -> its (x, y, w, h) on the original one, whose
    pixels are `scale` times this one's."""
    ys, xs = np.nonzero(mask)
    (_, _, offset), _ = shear_matrix(shear, shape)
    xs = np.round(xs - shear * ys - offset).astype(np.int32)
    left, right = max(0, int(xs.min())), min(shape[1], int(xs.max()) + 1)
    top, bottom = int(ys.min()), int(ys.max()) + 1
    return (
        round(left * scale),
        round(top * scale),
        round((right - left) * scale),
        round((bottom - top) * scale),
    )


def slant(mask: np.ndarray) -> float:
    """The shear that makes this ink most upright (0 for no ink)."""
    scale = min(1.0, PROFILE_SIDE / mask.shape[0])
    small = cv2.resize(
        mask.astype(np.float32), None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA
    )
    if not small.any():
        return 0.0
    peakiness = [float((sheared(small, s).sum(axis=0) ** 2).sum()) for s in SHEARS]
    return float(SHEARS[int(np.argmax(peakiness))])
