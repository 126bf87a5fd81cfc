"""The paper under a picture of a number, taken away: its light estimated (shadows, vignettes,
a gradient; a median far wider than a pen, and in a picture cropped close the paper round each
stroke) and subtracted, and the ink cut from what is left (Otsu's threshold).

Chosen on GENERATED numbers (training/number_paper.py), never on real pictures.
"""

import cv2
import numpy as np

from digit_core.errors import NoDigitError
from digit_core.preprocess import BLANK, MIN_CONTRAST, UNEVEN, border, quantile
from digit_core.strokes import stroke_width

LIGHT_SIDE = 128  # the light is estimated on a thumbnail with this shorter side
LIGHT_WINDOW = 0.4  # the median window, share of the shorter side (generated: 0.25 -> 0.4 +4)
PEN_SPAN = 3  # the paper round a stroke is found over this many pens
GRAIN = 15  # of 255, taken off it: a closing rides the paper's grain (validation: 0, 5, 10, 15)
STRONG = 0.3  # ink fainter than this share of the darkest strokes is paper texture


def thumbnail(grey: np.ndarray) -> tuple[np.ndarray, float]:
    """The picture as 0-255 on a thumbnail whose shorter side keeps LIGHT_SIDE pixels (light
    varies slowly; fewer, and a thin strip's strokes filled the median's window), and its scale."""
    height, width = grey.shape
    scale = min(1.0, LIGHT_SIDE / min(height, width))
    small = cv2.resize(
        grey,
        (max(1, round(width * scale)), max(1, round(height * scale))),
        interpolation=cv2.INTER_AREA,
    )
    return cv2.convertScaleAbs(small, alpha=255), scale


def round_strokes(small: np.ndarray, dark_ink: bool, span: int) -> np.ndarray:
    """The paper round each stroke narrower than `span` (thumbnail pixels): a morphological
    closing under dark ink (an opening under light), smoothed, less the paper's GRAIN."""
    square = np.ones((span, span), np.uint8)
    around = cv2.morphologyEx(small, cv2.MORPH_CLOSE if dark_ink else cv2.MORPH_OPEN, square)
    around = cv2.blur(around, (span, span))
    return np.clip(around.astype(np.int16) + (-GRAIN if dark_ink else GRAIN), 0, 255)


def full_size(paper: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A thumbnail's paper (0-255) enlarged back to the picture's shape, in [0, 1]."""
    height, width = shape
    return cv2.resize(
        paper.astype(np.float32) / 255, (width, height), interpolation=cv2.INTER_LINEAR
    )


def flatten_light(grey: np.ndarray) -> np.ndarray:
    """Light ink on dark paper with the paper's light taken away, scaled so strokes are ~1.
    The paper's brightness is a median far wider than any pen stroke, on a `thumbnail`. The
    ink is whichever side of the paper stands out more: darker (pen on paper) or lighter
    (chalk, a dark canvas); a vignette's dark corners cannot decide it, as they would by the
    picture's edge. Paper lit evenly along the picture's edge (a canvas, a scan) is one tone:
    the median would hollow out strokes wider than a few of its windows' share. Otherwise,
    once the ink's side and pen are known, the paper is never darker than `round_strokes` (nor
    lighter, under light ink): in a picture cropped close the digits fill half the median's
    window, and it takes them for paper."""
    small, scale = thumbnail(grey)
    window = max(3, int(LIGHT_WINDOW * min(small.shape)) | 1)
    median = cv2.medianBlur(small, window)
    paper = full_size(median, grey.shape)
    edge = border(paper)
    even = quantile(edge, 0.95) - quantile(edge, 0.05) < UNEVEN
    if even:
        paper = np.full_like(paper, quantile(edge, 0.5))
    darker, lighter = np.clip(paper - grey, 0, None), np.clip(grey - paper, 0, None)
    dark_ink = strongest(darker) >= strongest(lighter)
    flat = scaled_ink(darker if dark_ink else lighter)
    if even:
        return flat
    pen = stroke_width(threshold(flat))
    span = min(window, max(3, int(PEN_SPAN * pen * scale) | 1))  # never wider than the median's
    around = round_strokes(small, dark_ink, span)
    paper = full_size(
        np.maximum(median, around) if dark_ink else np.minimum(median, around), grey.shape
    )
    return scaled_ink(np.clip(paper - grey if dark_ink else grey - paper, 0, None))


def scaled_ink(ink: np.ndarray) -> np.ndarray:
    """Ink scaled so its strokes are ~1; none that stands out from the paper: blank."""
    top = strongest(ink)
    if top < MIN_CONTRAST:
        raise NoDigitError(BLANK)
    return np.clip(ink / top, 0, 1).astype(np.float32)


def strongest(ink: np.ndarray) -> float:
    """quantile(ink, 0.999) of ink that is mostly 0 (the paper taken away), read off the
    positive values alone: np.partition (NumPy 2.4) is 10-25x slower on many equal values."""
    positive = ink[ink > 0]
    rank = round(0.999 * (ink.size - 1)) - (ink.size - positive.size)
    return float(np.partition(positive, rank)[rank]) if rank >= 0 else 0.0


def threshold(flat: np.ndarray) -> np.ndarray:
    """Otsu's cut, never below STRONG of the strokes' level (a faint pattern is not ink)."""
    flat8 = cv2.GaussianBlur(cv2.convertScaleAbs(flat, alpha=255), (3, 3), 0)
    otsu, _ = cv2.threshold(flat8, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return flat8 > max(otsu, STRONG * 255)
