"""A whole number ("2026") -> its digits: find the line's ink, segment it, read each piece.

The ink: digit_core.number_line (paper light, ruled/squared/form/frame lines, specks and marks off
the row taken away). The pieces: digit_core.segment (blobs grouped into digits, strokes broken
in two joined, touching digits cut). Each piece goes through the single-digit steps; the number's
confidence is the product of its digits' top probabilities, and it is not a number when most
pieces fail the digit check (letters, a doodle, noise).
"""

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from digit_core.decode import ImageInput, to_array
from digit_core.errors import NoDigitError
from digit_core.number_line import INKY, line_ink_mask, tilt, written_ink
from digit_core.page_angle import skew, turned
from digit_core.paper import flatten_light
from digit_core.predict import run_model
from digit_core.preprocess import (
    FINE,
    NOISE,
    ink_mask,
    light_ink_on_dark,
    shrink,
    to_grayscale,
)
from digit_core.segment import as_input, digit_groups, joined, split_touching
from digit_core.strokes import stroke_width
from digit_core.weights import LoadedModel

NUMBER_SIDE = 1024  # numbers are wide: keep more columns than for one digit
MIN_SIDE = 96  # a smaller picture (a form field scanned small) is enlarged to this height
MAX_DIGITS = 12
UNSURE = 0.8  # a digit read with a lower top probability is marked as unsure
MARKS = 4 * MAX_DIGITS  # more separate marks than this: not a number, and not worth reading
LEVEL = 12  # degrees: a row tilted more than this is turned level before its digits are read
NOT_A_NUMBER = "This doesn't look like a number (letters, a drawing or a pattern?)."
TEXTURE = "This looks like noise or a texture, not handwritten digits."


@dataclass(frozen=True)
class NumberReading:
    text: str  # the digits, left to right
    digits: list[dict[str, float]]  # each digit's 10 probabilities
    boxes: list[tuple[int, int, int, int]]  # each digit's (x, y, width, height) in the image
    confidence: (
        float  # how likely the whole number is right: its digits' top probabilities, multiplied
    )
    is_number: bool = True  # False when most pieces fail the digit check (letters, a doodle)
    reason: str = ""  # why it is not a number ("" when it is one)

    @property
    def unsure(self) -> list[int]:
        """Where the digits the network is unsure of stand in the text."""
        return [i for i, p in enumerate(self.digits) if max(p.values()) < UNSURE]


def scaled_box(box: Sequence[int], scale: float) -> tuple[int, int, int, int]:
    x, y, w, h = box
    return round(x * scale), round(y * scale), round(w * scale), round(h * scale)


def box_on_picture(
    piece: np.ndarray, back: np.ndarray | None, shape: tuple[int, ...]
) -> tuple[int, int, int, int]:
    """The piece's (x, y, width, height), taken back onto the unturned picture (of this shape)
    if it was turned, and kept inside it."""
    x, y, width, height = cv2.boundingRect(piece.astype(np.uint8))
    if back is None:
        return x, y, width, height
    corners = np.array([[x, y], [x + width, y], [x, y + height], [x + width, y + height]])
    turned_back = cv2.transform(corners[None].astype(np.float32), back)[0]
    left, top = np.clip(turned_back.min(axis=0), 0, None)
    right, bottom = np.minimum(turned_back.max(axis=0), (shape[1], shape[0]))
    return round(left), round(top), max(1, round(right - left)), max(1, round(bottom - top))


def too_many_marks(grey: np.ndarray, count: int) -> NoDigitError:
    """The refusal for more marks than a number has: a texture or noise is called that, by the
    single-digit path's own test, and anything else is told to write fewer digits."""
    try:
        ink_mask(light_ink_on_dark(grey))
    except NoDigitError as refused:
        if str(refused) == NOISE:
            return NoDigitError(TEXTURE)
    return NoDigitError(
        f"Found {count} separate marks, but a number here has at most {MAX_DIGITS} digits. "
        "If you wrote fewer, some strokes came apart: try darker ink or a closer photo."
    )


def enlarged(grey: np.ndarray) -> np.ndarray:
    """A picture too small for its thin pen and printed lines to be told apart, enlarged (at
    most to NUMBER_SIDE wide)."""
    height, width = grey.shape
    scale = min(MIN_SIDE / min(height, width), NUMBER_SIDE / max(height, width))
    if scale <= 1:
        return grey
    size = (round(width * scale), round(height * scale))
    return np.clip(cv2.resize(grey, size, interpolation=cv2.INTER_CUBIC), 0, 1)


def number_grey(pixels: np.ndarray) -> np.ndarray:
    """A decoded picture -> grey in [0, 1] at the number reader's size."""
    return enlarged(shrink(to_grayscale(pixels), NUMBER_SIDE))


def levelled_ink(grey: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The line's ink and the digits' mask (number_line.line_ink), found on the picture turned
    level first when its printed lines run askew (a page laid crooked: `skew`) or, with none,
    when its row is tilted more than LEVEL degrees (digits read upright, the paper's lines run
    level again); and the matrix taking the levelled picture back (None when it was not
    turned)."""
    flat = flatten_light(grey)
    ink = written_ink(flat)
    angle = skew(ink)
    if not angle:
        mask = line_ink_mask(ink)
        angle = tilt(mask)
        if abs(angle) <= LEVEL:
            return flat, mask, None
    level, move = turned(flat, -angle)  # the light is flat already: turned, it stays flat
    return level, line_ink_mask(written_ink(level)), cv2.invertAffineTransform(move)


def row_pieces(
    pixels: np.ndarray, model: LoadedModel | None = None
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], np.ndarray | None]:
    """A decoded picture -> its grey at the reader's size, the line's ink, the pieces of the
    row before touching digits are split (strokes grouped and joined into digits), and the
    matrix taking a levelled picture back (`levelled_ink`)."""
    grey = number_grey(pixels)
    ink, mask, back = levelled_ink(grey)
    if mask.mean() > INKY and stroke_width(mask) < FINE * min(mask.shape):
        raise NoDigitError(TEXTURE)  # ink all over, in a fine grain: one giant blob, no digits
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    groups = digit_groups(stats)
    if len(groups) > MARKS:  # bounded work: a texture is thousands of marks
        raise too_many_marks(grey, len(groups))
    return grey, ink, joined(groups, stats, labels, ink, model), back


def read_number(image: ImageInput, model: LoadedModel | None = None) -> NumberReading:
    pixels = to_array(image)
    grey, ink, joined_pieces, back = row_pieces(pixels, model)
    scale = pixels.shape[1] / grey.shape[1]
    pieces = [part for piece in joined_pieces for part in split_touching(ink, piece, model)]
    proba, scores = run_model(np.stack([as_input(ink, p) for p in pieces]), model)
    proba = proba.astype(np.float64) / proba.sum(axis=1, keepdims=True)
    is_number = bool(np.mean(scores >= 0.5) >= 0.5)  # most pieces are digits to the check
    if len(pieces) > MAX_DIGITS:  # a number too long, or no number at all (a page's lines)
        raise too_many_marks(grey, len(pieces)) if is_number else NoDigitError(NOT_A_NUMBER)
    return NumberReading(
        text="".join(str(int(row.argmax())) for row in proba),
        digits=[{str(d): float(p) for d, p in enumerate(row)} for row in proba],
        boxes=[scaled_box(box_on_picture(p, back, grey.shape), scale) for p in pieces],
        confidence=float(np.prod(proba.max(axis=1))),
        is_number=is_number,
        reason="" if is_number else NOT_A_NUMBER,
    )
