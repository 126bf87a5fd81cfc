"""A whole number ("2026") -> its digits: find the line's ink, segment it, read each piece.

The ink: digit_core.number_line (paper light, ruled/squared/form/frame lines, specks and marks off
the row taken away). Segmentation: connected ink blobs, grouped when they share columns (a
two-stroke 4 or 7) or when one is a flat fragment of its neighbour (the bar of a 5 drawn apart);
neighbouring groups joined where the network reads them better as one digit (a stroke broken in
two); a group too wide for one digit cut where both halves read as digits more surely than the
whole (two digits touching). Each piece goes through the single-digit steps; the number's
confidence is the product of its digits' top probabilities, and it is not a number when most
pieces fail the digit check (letters, a doodle, noise).
"""

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from digit_core.decode import ImageInput, to_array
from digit_core.errors import NoDigitError
from digit_core.number_line import (
    INKY,
    flatten_light,
    line_ink_mask,
    threshold,
    tilt,
)
from digit_core.page_angle import skew, turned
from digit_core.predict import run_model
from digit_core.preprocess import (
    BLANK,
    FINE,
    HALO,
    NOISE,
    centre_by_mass,
    crop_digit,
    fit_box,
    ink_mask,
    light_ink_on_dark,
    shrink,
    to_grayscale,
)
from digit_core.strokes import stroke_width
from digit_core.weights import LoadedModel

NUMBER_SIDE = 1024  # numbers are wide: keep more columns than for one digit
PIECE_SIDE = 256  # a piece is shrunk to this before its single-digit steps: bounded work
MIN_SIDE = 96  # a smaller picture (a form field scanned small) is enlarged to this height
MAX_DIGITS = 12
UNSURE = 0.8  # a digit read with a lower top probability is marked as unsure
MARKS = 4 * MAX_DIGITS  # more separate marks than this: not a number, and not worth reading
OVERLAP = 0.5  # blobs sharing this much of the narrower one's columns are one digit
FRAGMENT = 0.45  # a group this much shorter than the median one belongs to a neighbour
SPLIT_ASPECT = 0.9  # only groups wider than this times their height may be two digits
CUTS = 13  # a piece that wide is tried cut at this many columns, evenly spread over
CUT_SPAN = (0.15, 0.85)  # this share of its width (a 1 touching a 0 is cut near a side)
SPLIT_MARGIN = 0.2  # its halves must read this much more surely than the whole,
HALF_CHECK = 0.9  # and both be digits this surely to the check (a doodle's halves seldom are)
JOIN = 3  # at most this many neighbouring groups may be one digit
JOIN_GAP = 0.15  # ... when no gap between them is wider than this times the digits' height
LEVEL = 12  # degrees: a row tilted more than this is turned level before its digits are read
SHORT = 0.9  # pieces shorter than this times the digits' height are seldom whole digits
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


def extent(stats: np.ndarray, labels: list[int]) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) around these blobs."""
    s = stats[labels]
    return (
        s[:, cv2.CC_STAT_LEFT].min(),
        s[:, cv2.CC_STAT_TOP].min(),
        (s[:, cv2.CC_STAT_LEFT] + s[:, cv2.CC_STAT_WIDTH]).max(),
        (s[:, cv2.CC_STAT_TOP] + s[:, cv2.CC_STAT_HEIGHT]).max(),
    )


def digit_groups(stats: np.ndarray) -> list[list[int]]:
    """Blob labels grouped into digits, left to right."""
    groups: list[list[int]] = []
    for label in sorted(range(1, len(stats)), key=lambda k: stats[k, cv2.CC_STAT_LEFT]):
        if groups:
            g_left, _, g_right, _ = extent(stats, groups[-1])
            left, _, right, _ = extent(stats, [label])
            if min(right, g_right) - max(left, g_left) >= OVERLAP * min(
                right - left, g_right - g_left
            ):
                groups[-1].append(label)
                continue
        groups.append([label])
    heights = [extent(stats, g)[3] - extent(stats, g)[1] for g in groups]
    median = np.median(heights)
    for i in sorted(range(len(groups)), key=lambda k: heights[k]):  # shortest first
        if heights[i] >= FRAGMENT * median:
            break
        left, _, right, _ = extent(stats, groups[i])
        gaps = {
            j: max(extent(stats, groups[j])[0] - right, left - extent(stats, groups[j])[2])
            for j in (i - 1, i + 1)
            if 0 <= j < len(groups) and groups[j]
        }
        if gaps:
            groups[min(gaps, key=lambda j: gaps[j])] += groups[i]
            groups[i] = []
    return [g for g in groups if g]


def as_input(ink: np.ndarray, piece: np.ndarray) -> np.ndarray:
    """One digit's ink -> the model's 28x28 input, by the single-digit steps, taken on the
    piece's surroundings (as far as a blurry digit's halo reaches), not on the whole picture:
    the picture's paper level took 2 ms a piece on a 1024 px page. A piece bigger than
    PIECE_SIDE is shrunk to it first: its pen is measured and redrawn at that size."""
    x, y, width, height = cv2.boundingRect(piece.astype(np.uint8))
    reach = round(HALO * max(width, height)) + 2
    around = np.s_[max(0, y - reach) : y + height + reach, max(0, x - reach) : x + width + reach]
    ink, piece = ink[around], piece[around]
    # Bounded work: a texture's one giant blob took 0.5 s a reading at full size.
    side = round(max(ink.shape) * min(1, PIECE_SIDE / max(width, height)))
    piece = shrink(piece.astype(np.float32), side) > 0
    return centre_by_mass(fit_box(crop_digit(shrink(ink, side), piece)))


def split_touching(ink: np.ndarray, piece: np.ndarray, model) -> list[np.ndarray]:
    """Cut a piece too wide for one digit where its halves read most surely as digits (the
    less sure half counts; CUTS columns tried), if they read more surely than the whole by
    SPLIT_MARGIN (top probability times the digit check: two joined digits are seldom one
    digit to the check) and both pass the check at HALF_CHECK; recursive, so three can touch
    too."""
    x, y, width, height = cv2.boundingRect(piece.astype(np.uint8))
    if width <= SPLIT_ASPECT * height or width < 8:
        return [piece]
    proba, scores = run_model(as_input(ink, piece)[None], model)
    whole = float(proba.max() * scores[0])
    if whole + SPLIT_MARGIN >= 1:  # no halves could beat it: spare the network 26 readings
        return [piece]
    halves, inputs = [], []
    for cut in sorted({x + int(f * width) for f in np.linspace(*CUT_SPAN, CUTS)}):
        left, right = piece.copy(), piece.copy()
        left[:, cut:] = False
        right[:, :cut] = False
        try:
            pair = [as_input(ink, left), as_input(ink, right)]
        except NoDigitError:  # a sliver with no ink left once cropped
            continue
        halves.append((left, right))
        inputs += pair
    if not halves:
        return [piece]
    proba, scores = run_model(np.stack(inputs), model)
    value = proba.max(axis=1) * scores * (scores >= HALF_CHECK)  # a doubtful half counts 0
    surest = value.reshape(-1, 2).min(axis=1)
    best = int(np.argmax(surest))
    if surest[best] <= whole + SPLIT_MARGIN:
        return [piece]
    left, right = halves[best]
    return split_touching(ink, left, model) + split_touching(ink, right, model)


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


def has_ink(ink: np.ndarray, piece: np.ndarray) -> bool:
    """False for a piece with no ink left once cropped (a hairline fainter than the paper)."""
    try:
        as_input(ink, piece)
    except NoDigitError:
        return False
    return True


def joined(
    groups: list[list[int]], stats: np.ndarray, labels: np.ndarray, ink: np.ndarray, model
) -> list[np.ndarray]:
    """Neighbouring groups joined where they read better as one digit: a faint stroke broken
    in two, a 7's bar apart from its stem. Every run of up to JOIN groups close enough to be one
    digit is read; the reading of the whole row that the network is surest of wins (dynamic
    programming over the runs, each scored by its top probability, its digit check and how
    tall it is)."""
    groups = [g for g in groups if has_ink(ink, np.isin(labels, g))]
    if not groups:
        raise NoDigitError(BLANK)
    height = float(np.median([extent(stats, g)[3] - extent(stats, g)[1] for g in groups]))
    runs: dict[tuple[int, int], list[int]] = {}
    for i in range(len(groups)):
        for j in range(i + 1, min(i + JOIN, len(groups)) + 1):
            members = [label for g in groups[i:j] for label in g]
            left, _, right, _ = extent(stats, members)
            gaps = [
                extent(stats, groups[k + 1])[0] - extent(stats, groups[k])[2]
                for k in range(i, j - 1)
            ]
            if j - i > 1 and (
                right - left > SPLIT_ASPECT * height or max(gaps) > JOIN_GAP * height
            ):
                break
            runs[i, j] = members
    pieces = {run: np.isin(labels, members) for run, members in runs.items()}
    proba, scores = run_model(np.stack([as_input(ink, p) for p in pieces.values()]), model)
    tall = np.array([extent(stats, m)[3] - extent(stats, m)[1] for m in runs.values()])
    # A piece much shorter than the digits is more likely part of one than a digit itself.
    stature = np.minimum(1, tall / (SHORT * height)) ** 2
    value = dict(zip(runs, np.log(proba.max(axis=1) * scores * stature + 1e-9)))
    best: list[tuple[float, list[tuple[int, int]]]] = [(0.0, [])]
    for j in range(1, len(groups) + 1):  # (i, i + 1) is always a run: every j is reachable
        best.append(
            max(
                (best[i][0] + value[i, j], best[i][1] + [(i, j)])
                for i in range(max(0, j - JOIN), j)
                if (i, j) in value
            )
        )
    return [pieces[run] for run in best[-1][1]]


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
    ink = threshold(flat)
    angle = skew(ink)
    if not angle:
        mask = line_ink_mask(ink)
        angle = tilt(mask)
        if abs(angle) <= LEVEL:
            return flat, mask, None
    level, move = turned(flat, -angle)  # the light is flat already: turned, it stays flat
    return level, line_ink_mask(threshold(level)), cv2.invertAffineTransform(move)


def read_number(image: ImageInput, model: LoadedModel | None = None) -> NumberReading:
    pixels = to_array(image)
    grey = number_grey(pixels)
    scale = pixels.shape[1] / grey.shape[1]
    ink, mask, back = levelled_ink(grey)
    if mask.mean() > INKY and stroke_width(mask) < FINE * min(mask.shape):
        raise NoDigitError(TEXTURE)  # ink all over, in a fine grain: one giant blob, no digits
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    groups = digit_groups(stats)
    if len(groups) > MARKS:  # bounded work: a texture is thousands of marks
        raise too_many_marks(grey, len(groups))
    pieces = [
        part
        for piece in joined(groups, stats, labels, ink, model)
        for part in split_touching(ink, piece, model)
    ]
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
