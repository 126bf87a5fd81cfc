"""Pictures that are not digits, drawn the way people would: letters, scribbles, shapes, noise and
lines of text. The "that's not a digit" check is measured and tested on these.

Letters come from the TrueType fonts Debian ships (fonts-dejavu-core), distorted like
handwriting. Left out on purpose: shapes that ARE how people write a digit (O/o/D/Q and a circle
for 0, I/l/i/j for 1, Z/z for 2, S/s for 5, G/b for 6, B for 8, q/g for 9); no picture alone can
tell those from their digit twin. The fonts are split in two halves: the digit check is fitted on
the "train" half and measured on the "test" half, so its score is for lettering it never saw.
"""

from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from drawings import black_on_white

LETTERS = "ACEFHKLMNPRTUVWXYacefhkmnprtuvwxy"  # the alphabet minus the digit twins
KINDS = ("letter", "scribble", "shape", "noise", "text")
WORDS = ("hello", "digit", "studio", "handwriting", "Keras", "MNIST", "why not", "test me",
         "coffee", "the end", "Hugging Face", "wave", "yes", "no way")


def font_files(half: str) -> list[Path]:
    """Every other installed TrueType font: half "train" or "test"."""
    found = sorted(Path("/usr/share/fonts").rglob("*.ttf"))
    if len(found) < 2:
        raise FileNotFoundError("Need 2+ TrueType fonts in /usr/share/fonts: "
                                "apt-get install fonts-dejavu-core")
    return found[{"train": 0, "test": 1}[half]::2]


def handwritten(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Tilt, shear and wobble a clean rendering and vary the pen, like a hand would."""
    h, w = ink.shape
    shear, angle = rng.uniform(-0.3, 0.3), rng.uniform(-15, 15)
    move = cv2.getRotationMatrix2D((w / 2, h / 2), angle, rng.uniform(0.8, 1.1))
    move[0, 1] += shear
    move[0, 2] -= shear * h / 2
    ink = cv2.warpAffine(ink, move, (w, h))
    # elastic wobble: a smooth random displacement field
    dx, dy = (cv2.GaussianBlur(rng.uniform(-1, 1, (h, w)).astype(np.float32), (0, 0), 24)
              * rng.uniform(200, 500) for _ in range(2))
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    ink = cv2.remap(ink, xs + dx, ys + dy, cv2.INTER_LINEAR)
    pen = int(rng.integers(1, 4)) * 2 + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (pen, pen))
    ink = cv2.dilate(ink, kernel) if rng.random() < 0.6 else cv2.erode(ink, kernel)
    return np.clip(cv2.GaussianBlur(ink, (0, 0), 1.2), 0, 1)


def rendered(text: str, font: Path, size: int, canvas: tuple[int, int]) -> np.ndarray:
    picture = Image.new("L", canvas[::-1], 0)
    draw = ImageDraw.Draw(picture)
    face = ImageFont.truetype(str(font), size)
    draw.text((canvas[1] / 2, canvas[0] / 2), text, fill=255, font=face, anchor="mm")
    return np.asarray(picture, np.float32) / 255


def letter(rng: np.random.Generator, canvas: int, fonts: str) -> np.ndarray:
    font = rng.choice(font_files(fonts))
    size = int(canvas * rng.uniform(0.4, 0.7))
    return handwritten(rendered(rng.choice(list(LETTERS)), font, size, (canvas, canvas)), rng)


def text_line(rng: np.random.Generator, canvas: int, fonts: str) -> np.ndarray:
    font = rng.choice(font_files(fonts))
    line = rendered(str(rng.choice(WORDS)), font, int(canvas * rng.uniform(0.1, 0.18)),
                    (canvas, canvas))
    return handwritten(line, rng)


def scribble(rng: np.random.Generator, canvas: int) -> np.ndarray:
    """A smooth random pen path through many points: the doodle of a bored user."""
    points = rng.uniform(0.15, 0.85, (int(rng.integers(6, 16)), 2)) * canvas
    t = np.linspace(0, 1, 400)
    knots = np.linspace(0, 1, len(points))
    curve = np.stack([np.interp(t, knots, points[:, k]) for k in (0, 1)], 1)
    curve = cv2.GaussianBlur(curve.astype(np.float32)[:, None, :], (1, 0), 8)[:, 0, :]
    ink = np.zeros((canvas, canvas), np.float32)
    cv2.polylines(ink, [np.round(curve).astype(np.int32)], False, 1.0,
                  int(rng.integers(6, 20)), cv2.LINE_AA)
    return ink


def shape(rng: np.random.Generator, canvas: int) -> np.ndarray:
    """A triangle, square, star, cross, arrow or heart-ish blob, outlined or filled."""
    c, r = canvas / 2, canvas * rng.uniform(0.2, 0.35)
    kind = rng.choice(["triangle", "square", "star", "cross", "arrow", "hatch"])
    ink = np.zeros((canvas, canvas), np.float32)
    pen = int(rng.integers(6, 18))
    if kind in ("triangle", "square", "star"):
        corners = {"triangle": 3, "square": 4, "star": 10}[kind]
        angles = np.linspace(0, 2 * np.pi, corners, endpoint=False) + rng.uniform(0, np.pi)
        radius = np.where(np.arange(corners) % 2, 0.45 * r, r) if kind == "star" else r
        poly = np.stack([c + radius * np.cos(angles), c + radius * np.sin(angles)], 1)
        poly = np.round(poly).astype(np.int32)
        if rng.random() < 0.3:
            cv2.fillPoly(ink, [poly], 1.0, cv2.LINE_AA)
        else:
            cv2.polylines(ink, [poly], True, 1.0, pen, cv2.LINE_AA)
    elif kind == "cross":
        for a in np.array([0, np.pi / 2]) + rng.uniform(0, np.pi):
            d = np.array([np.cos(a), np.sin(a)]) * r
            cv2.line(ink, tuple(np.int32([c, c] - d)), tuple(np.int32([c, c] + d)), 1.0, pen,
                     cv2.LINE_AA)
    elif kind == "arrow":
        start, end = (int(c - r), int(c)), (int(c + r), int(c))
        cv2.arrowedLine(ink, start, end, 1.0, pen, cv2.LINE_AA, tipLength=0.35)
    else:  # hatching: parallel strokes
        for k in range(int(rng.integers(4, 9))):
            y = int(c - r + k * 2 * r / 8)
            cv2.line(ink, (int(c - r), y), (int(c + r), y + int(r / 3)), 1.0, pen, cv2.LINE_AA)
    return handwritten(ink, rng) if rng.random() < 0.5 else ink


def noise(rng: np.random.Generator, canvas: int) -> np.ndarray:
    """Speckle, salt-and-pepper or smooth blotches over the whole field."""
    kind = rng.integers(3)
    if kind == 0:
        return rng.uniform(0, 1, (canvas, canvas)).astype(np.float32)
    if kind == 1:
        return (rng.random((canvas, canvas)) < rng.uniform(0.01, 0.2)).astype(np.float32)
    blotches = cv2.GaussianBlur(rng.uniform(0, 1, (canvas, canvas)).astype(np.float32), (0, 0), 12)
    return np.clip((blotches - blotches.mean()) * 12 + 0.5, 0, 1)


def non_digit(kind: str, rng: np.random.Generator, canvas: int = 512,
              fonts: str = "test") -> np.ndarray:
    """One non-digit of this kind drawn black on white (RGB uint8, canvas x canvas)."""
    if kind in ("letter", "text"):
        ink = {"letter": letter, "text": text_line}[kind](rng, canvas, fonts)
    else:
        ink = {"scribble": scribble, "shape": shape, "noise": noise}[kind](rng, canvas)
    return black_on_white(ink)
