"""Real MNIST test digits turned into the pictures users bring: canvas drawings and RGBA layers."""

from pathlib import Path

import cv2
import numpy as np

FIXTURE = Path(__file__).parent / "tests" / "fixtures" / "mnist_test_300.npz"


def mnist_fixture() -> tuple[np.ndarray, np.ndarray]:
    """300 digits of the MNIST test split (seeded sample), uint8 28x28, and their labels."""
    with np.load(FIXTURE) as f:
        return f["x"], f["y"]


def ink_strokes(digit: np.ndarray, canvas: int = 512, height: float = 0.6,
                offset: tuple[float, float] = (0.5, 0.5), stroke: float = 1.0) -> np.ndarray:
    """A digit redrawn as smooth anti-aliased pen strokes on a canvas x canvas field.

    Returns ink coverage in [0, 1] (float32). `height` is the digit's share of the canvas,
    `offset` where its centre goes, `stroke` scales the pen width (0.5 thin, 3 thick).
    """
    side = max(8, int(canvas * height))
    big = cv2.resize(digit.astype(np.float32) / 255, (side, side), interpolation=cv2.INTER_CUBIC)
    ink = (big > 0.45).astype(np.uint8)
    pen = int(round(abs(stroke - 1) * side / 28 * 1.5)) | 1
    if stroke > 1:
        ink = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (pen, pen)))
    elif stroke < 1:
        ink = cv2.erode(ink, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (pen, pen)))
    ink = cv2.GaussianBlur(ink.astype(np.float32), (0, 0), max(0.6, side / 250))  # anti-aliasing
    field = np.zeros((canvas, canvas), np.float32)
    top = int(np.clip(offset[1] * canvas - side / 2, 0, canvas - side))
    left = int(np.clip(offset[0] * canvas - side / 2, 0, canvas - side))
    field[top:top + side, left:left + side] = ink
    return np.clip(field, 0, 1)


def black_on_white(ink: np.ndarray) -> np.ndarray:
    grey = np.round((1 - ink) * 255).astype(np.uint8)
    return np.dstack([grey] * 3)


def white_on_black(ink: np.ndarray) -> np.ndarray:
    return np.round(ink * 255).astype(np.uint8)


def rgba_layer(ink: np.ndarray, colour=(0, 0, 0)) -> np.ndarray:
    """A transparent layer carrying the strokes in its alpha, as a Sketchpad layer does."""
    rgb = np.broadcast_to(np.array(colour, np.uint8), ink.shape + (3,))
    return np.dstack([rgb, np.round(ink * 255).astype(np.uint8)])


def paper_photo(ink: np.ndarray, rng: np.random.Generator, jpeg_quality: int = 70) -> np.ndarray:
    """Dark ink on tinted paper, photographed: uneven light, slight blur and tilt, sensor noise,
    JPEG compression. Returns the decoded RGB photo (uint8)."""
    h, w = ink.shape
    tilt = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-8, 8), 1.0)
    ink = cv2.warpAffine(ink, tilt, (w, h))
    paper = np.array([rng.uniform(0.75, 1.0), rng.uniform(0.7, 0.95), rng.uniform(0.5, 0.9)])
    pen = np.array([rng.uniform(0.0, 0.25), rng.uniform(0.0, 0.25), rng.uniform(0.05, 0.45)])
    angle = rng.uniform(0, 2 * np.pi)
    ys, xs = np.mgrid[0:h, 0:w] / max(h, w)
    light = 1 - rng.uniform(0.2, 0.5) * (np.cos(angle) * xs + np.sin(angle) * ys + 1) / 2
    coverage = ink[..., None] * rng.uniform(0.75, 1.0)
    photo = ((1 - coverage) * paper + coverage * pen) * light[..., None]
    photo = cv2.GaussianBlur(photo, (0, 0), rng.uniform(0.5, 1.5))
    photo += rng.normal(0, rng.uniform(0.01, 0.04), photo.shape)
    rgb = np.clip(photo * 255, 0, 255).astype(np.uint8)
    _, jpeg = cv2.imencode(".jpg", rgb[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality])
    return cv2.imdecode(jpeg, cv2.IMREAD_COLOR)[..., ::-1].copy()
