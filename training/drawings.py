"""Real MNIST digits turned into the pictures users bring: canvas drawings, RGBA layers, photos of
paper, small blurry scans and whole numbers."""

from pathlib import Path

import cv2
import numpy as np

FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "mnist_test_300.npz"


def mnist_fixture() -> tuple[np.ndarray, np.ndarray]:
    """300 digits of the MNIST test split (seeded sample), uint8 28x28, and their labels."""
    with np.load(FIXTURE) as f:
        return f["x"], f["y"]


def ink_strokes(
    digit: np.ndarray,
    canvas: int = 512,
    height: float = 0.6,
    offset: tuple[float, float] = (0.5, 0.5),
    stroke: float = 1.0,
) -> np.ndarray:
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
    field[top : top + side, left : left + side] = ink
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


def canvas_drawing(digit, rng):
    """10-90 % of a 300-800 px canvas, anywhere, pens from very thin to very thick."""
    canvas = int(rng.integers(300, 801))
    ink = ink_strokes(
        digit,
        canvas,
        height=rng.uniform(0.1, 0.9),
        offset=tuple(rng.uniform(0, 1, 2)),
        stroke=float(np.exp(rng.uniform(np.log(0.35), np.log(3.5)))),
    )
    style = rng.integers(3)
    if style == 0:
        return black_on_white(ink)
    if style == 1:
        return white_on_black(ink)
    return rgba_layer(ink, tuple(int(c) for c in rng.integers(0, 256, 3)))


def low_resolution_scan(digit, rng, small_share: float = 0.0):
    """A digit scanned or photographed small, then enlarged by software: shrunk to 6-20 px (or,
    for `small_share` of them, to 7-10 px, where most of the errors are), area or linear,
    enlarged to 48-160 px (cubic, linear or Lanczos), dark ink on light paper or light on dark,
    sometimes with sensor noise. Returns grey uint8."""
    # (no draw from rng without small_share: earlier runs' scans stay the same)
    among_small = small_share > 0 and rng.random() < small_share
    side = int(rng.integers(7, 11)) if among_small else int(rng.integers(6, 21))
    shrink = (cv2.INTER_AREA, cv2.INTER_LINEAR)[int(rng.integers(2))]
    small = cv2.resize(digit.astype(np.float32) / 255, (side, side), interpolation=shrink)
    enlarge = (cv2.INTER_CUBIC, cv2.INTER_LINEAR, cv2.INTER_LANCZOS4)[int(rng.integers(3))]
    out = int(rng.integers(48, 161))
    ink = np.clip(cv2.resize(small, (out, out), interpolation=enlarge), 0, 1)
    paper, pen = rng.uniform(0.7, 1.0), rng.uniform(0.0, 0.35)
    picture = paper + (pen - paper) * ink
    if rng.random() < 0.5:
        picture = picture + rng.normal(0, rng.uniform(0.005, 0.03), picture.shape)
    if rng.random() < 0.25:
        picture = 1 - picture
    return np.round(np.clip(picture, 0, 1) * 255).astype(np.uint8)


def enlarged(digit: np.ndarray, small: int, big: int = 96) -> np.ndarray:
    """An MNIST digit (white on black) shrunk to small x small (area) and enlarged to big x big
    (cubic), dark on light: a small, blurry scan. Returns grey uint8."""
    shrunk = cv2.resize(255 - digit, (small, small), interpolation=cv2.INTER_AREA)
    return cv2.resize(shrunk, (big, big), interpolation=cv2.INTER_CUBIC)


def filling_scan(digit: np.ndarray, small: int = 8, big: int = 96) -> np.ndarray:
    """An MNIST digit cropped to its ink and scaled (aspect kept, centred) to fill a 32x32 frame
    edge to edge, shrunk to small x small (area), enlarged to big x big (cubic), dark on light:
    an optical scan of a digit with no margin (like the 8x8 UCI scans). Returns grey uint8."""
    ys, xs = np.nonzero(digit)
    ink = digit[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32)
    scale = 32 / max(ink.shape)
    size = (max(1, round(ink.shape[1] * scale)), max(1, round(ink.shape[0] * scale)))
    fit = cv2.resize(ink, size, interpolation=cv2.INTER_AREA)
    frame = np.zeros((32, 32), np.float32)
    top, left = (32 - fit.shape[0]) // 2, (32 - fit.shape[1]) // 2
    frame[top : top + fit.shape[0], left : left + fit.shape[1]] = fit
    shrunk = cv2.resize(frame, (small, small), interpolation=cv2.INTER_AREA)
    enlarged = cv2.resize(shrunk, (big, big), interpolation=cv2.INTER_CUBIC)
    return np.round(np.clip(255 - enlarged, 0, 255)).astype(np.uint8)


def compose_number(
    digits: list[np.ndarray], rng: np.random.Generator, touching: float = 1 / 6
) -> np.ndarray:
    """Several digits side by side on one wide canvas, black on white (RGB uint8): random sizes,
    a wandering baseline, random gaps, this share of them lightly touching."""
    return composed_with_places(digits, rng, touching)[0]


def composed_with_places(
    digits: list[np.ndarray], rng: np.random.Generator, touching: float = 1 / 6
) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """compose_number's picture, and each digit's (left, right) columns on it."""
    height = rng.uniform(40, 110)
    pieces = []
    for digit in digits:
        ink = ink_strokes(
            digit,
            canvas=int(height * rng.uniform(0.85, 1.15)),
            height=1.0,
            stroke=rng.uniform(0.8, 1.6),
        )
        x, y, w, h = cv2.boundingRect((ink > 0.05).astype(np.uint8))
        pieces.append(ink[y : y + h, x : x + w])
    margin = int(height * 0.4)
    canvas = np.zeros(
        (
            int(height * 1.6) + 2 * margin,
            sum(p.shape[1] for p in pieces) + int(height) * len(pieces) + 2 * margin,
        ),
        np.float32,
    )
    x, places = margin, []
    for piece in pieces:
        top = margin + int(rng.uniform(0, 0.25) * height)  # wandering baseline
        h, w = piece.shape
        region = canvas[top : top + h, x : x + w]
        np.maximum(region, piece, out=region)
        places.append((x, x + w))
        gap = rng.uniform(-0.06, 0.0) if rng.random() < touching else rng.uniform(0.08, 0.45)
        x += w + int(gap * height)
    return black_on_white(canvas[:, : x + margin]), places
