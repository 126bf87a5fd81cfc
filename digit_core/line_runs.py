"""Runs of ink longer than any stroke of a digit: the pixels of printed lines, level and upright,
or sloping a little where a page photographed curled bends its lines (morphological opening)."""

import cv2
import numpy as np

# A bent line's stretch slopes by up to 0.08 (a page's middle 2 % off), tried 0.04 apart: a run
# 1.3 digits long rises by about a pixel between two of them.
SLOPES = (0.04, 0.08)


def runs(mask: np.ndarray, length: int, horizontal: bool) -> np.ndarray:
    """The pixels of straight runs of ink at least `length` long (morphological opening)."""
    shape = (max(1, length), 1) if horizontal else (1, max(1, length))
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, shape)
    return cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, kernel).astype(bool)


def sloped_runs(mask: np.ndarray, length: int) -> np.ndarray:
    """The pixels of runs at least `length` long, level or sloping by up to SLOPES either way:
    level `runs` of the mask sheared by each slope, sheared back."""
    height, width = mask.shape
    ink = mask.astype(np.uint8)
    found = runs(ink, length, horizontal=True)
    for slope in SLOPES:
        for rise in (slope, -slope):  # (x, y) -> (x, y - rise * x), kept inside the picture
            shear = np.array([[1, 0, 0], [-rise, 1, max(0.0, rise * width)]], np.float32)
            size = (width, height + int(np.ceil(slope * width)) + 1)
            sheared = cv2.warpAffine(ink, shear, size, flags=cv2.INTER_NEAREST)
            level = runs(sheared, length, horizontal=True).astype(np.uint8)
            flags = cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP
            found |= cv2.warpAffine(level, shear, (width, height), flags=flags).astype(bool)
    return found & mask
