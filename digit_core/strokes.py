"""Pen strokes: how wide they are, how soft their edges are (a blurry enlargement or a pen), and
redrawing them at MNIST's pen width."""

import cv2
import numpy as np

STROKE = 2.2 / 20  # MNIST's median pen width (measured: 2.2 px) over its 20-px digit box
STROKE_RANGE = (0.7, 1.5)  # pens within this factor of MNIST's are left as drawn


def outline_length(mask: np.ndarray) -> float:
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    return max(sum(cv2.arcLength(c, closed=True) for c in contours), 1.0)


def edge_softness(crop: np.ndarray) -> float:
    """How wide the ink's edges are for the digit's size: the pixels between paper and stroke
    per pixel of outline, over the crop's longer side. Pen strokes at any size: ~0.02; a digit
    enlarged from 8 px: ~0.1."""
    edges = float(((crop > 0.1) & (crop < 0.9)).sum())
    return edges / outline_length(crop > 0.5) / max(crop.shape)


def stroke_width(mask: np.ndarray) -> float:
    """Mean pen width in pixels: ink area over half its outline length (long thin strokes)."""
    return 2 * float(mask.sum()) / outline_length(mask)


def normalise_stroke(crop: np.ndarray) -> np.ndarray:
    """Redraw strokes far thinner or thicker than MNIST's pen at MNIST's pen width."""
    mask = crop > 0.5
    target = STROKE * max(crop.shape)
    width = stroke_width(mask)
    low, high = STROKE_RANGE
    if low * target <= width <= high * target or not mask.any():
        return crop
    pad = int(np.ceil(target))
    pen_mask: np.ndarray = np.pad(mask, pad).astype(np.uint8)
    size = int(round(abs(target - width))) | 1
    pen = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    if width < target:
        pen_mask = cv2.dilate(pen_mask, pen)
    else:
        thinner = cv2.erode(pen_mask, pen)
        if thinner.sum() >= 0.25 * pen_mask.sum():  # never erase whole parts of the digit
            pen_mask = thinner
    ys, xs = np.nonzero(pen_mask)
    redrawn = cv2.GaussianBlur(pen_mask.astype(np.float32), (0, 0), max(0.5, target / 6))
    return redrawn[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
