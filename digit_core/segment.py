"""A row's ink -> its digits, one mask a digit, left to right.

Connected ink blobs are grouped when they share columns (a two-stroke 4 or 7) or when one is a
flat fragment of its neighbour (the bar of a 5 drawn apart); neighbouring groups are joined
where the network reads them better as one digit (a stroke broken in two); a group too wide for
one digit may be cut into the digits touching in it: cut at many columns, every run of them
read, the segmentation the network is surest of found (a width prior tells "32" read as a sure,
too-wide 3), and a learnt choice says whether it or the whole is right ("31" read as a sure 3,
a 7 read as a sure "71"). Each piece is read by the single-digit steps (`as_input`).
"""

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from digit_core.errors import NoDigitError
from digit_core.predict import run_model
from digit_core.preprocess import BLANK, HALO, centre_by_mass, crop_digit, fit_box, shrink

PIECE_SIDE = 256  # a piece is shrunk to this before its single-digit steps: bounded work
OVERLAP = 0.5  # blobs sharing this much of the narrower one's columns are one digit
FRAGMENT = 0.45  # a group this much shorter than the median one belongs to a neighbour
JOIN = 3  # at most this many neighbouring groups may be one digit
JOIN_WIDTH = 0.9  # ... together no wider than this times the digits' height
JOIN_GAP = 0.15  # ... when no gap between them is wider than this times the digits' height
SHORT = 0.9  # pieces shorter than this times the digits' height are seldom whole digits
SPLIT_ASPECT = 0.7  # only groups wider than this times their height may be two digits
CUT_STEP = 0.1  # such a piece may be cut every this much of its height,
CUTS = 48  # at this many places at most (bounded work),
SEGMENT = 1.7  # into segments at most this much wider than it is tall; its digits must read
HALF_CHECK = 0.9  # each a digit this surely to the check (a doodle's pieces seldom are)
ALONG = 0.3  # a cut through more ink than this times its height runs along a stroke
RUN = 4  # at most this many digits touch in a row; a longer run of "digits" is a scribble
# The widest (width / height) each digit 0-9 is written but 1 in 100: MNIST's training split,
# its first 54,000 (`python -m training.widths`).
WIDEST = (1.43, 1.0, 1.67, 1.25, 1.25, 1.67, 1.11, 1.25, 1.25, 1.05)
# Whether a piece holds touching digits, or one wide digit or no digit at all (a letter, a
# doodle): a logistic regression over `split_features`, one row of weights for wholes that pass
# the digit check and one for those that fail it, fitted on GENERATED numbers of those training
# digits and GENERATED rows of non-digits (`python -m training.split_choice`).
SPLIT_WEIGHTS = np.array(
    [
        # the whole: top probability, check, width prior, aspect
        [-0.2707, -0.6627, 1.2828, 0.8237]
        # the split: its least segment score, top probability and check; how many segments
        + [-0.0163, 0.5847, 0.3913, -0.463]
        # its narrowest and shortest segment; whether the narrowest reads 1, its width, height
        + [3.4169, 3.7078, -1.9574, -0.8088, 0.6378]
        # the whole's class, 0-9
        + [-1.7183, -4.249, -0.4383, 0.937, -0.3599, 0.5657, 0.6271, -1.1154, 0.0715, 0.9392],
        # the same for a whole that fails the check
        [-0.1846, 0.2524, 0.0432, 1.1774]
        + [-0.0027, 0.6019, 0.4149, -0.6499]
        + [0.6713, 2.0122, -1.1172, -1.3795, -1.168]
        + [-0.0564, -1.0958, 0.7052, 2.8433, 0.7226, 0.6543, 0.9579, 0.8978, 2.0158, 1.2678],
    ]
)
SPLIT_BIAS = np.array([-5.6158, -4.7232])


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
    if not piece.any():  # a cut between a piece's blobs leaves an empty side
        raise NoDigitError(BLANK)
    x, y, width, height = cv2.boundingRect(piece.astype(np.uint8))
    reach = round(HALO * max(width, height)) + 2
    around = np.s_[max(0, y - reach) : y + height + reach, max(0, x - reach) : x + width + reach]
    ink, piece = ink[around], piece[around]
    # Bounded work: a texture's one giant blob took 0.5 s a reading at full size.
    side = round(max(ink.shape) * min(1, PIECE_SIDE / max(width, height)))
    piece = shrink(piece.astype(np.float32), side) > 0
    return centre_by_mass(fit_box(crop_digit(shrink(ink, side), piece)))


def has_ink(ink: np.ndarray, piece: np.ndarray) -> bool:
    """False for a piece with no ink left once cropped (a hairline fainter than the paper)."""
    try:
        as_input(ink, piece)
    except NoDigitError:
        return False
    return True


def stature(tall: np.ndarray, height: float) -> np.ndarray:
    """How likely pieces this tall are whole digits of this height: a piece much shorter than
    the digits is more likely part of one than a digit itself."""
    return np.minimum(1, tall / (SHORT * height)) ** 2


def surest(value: dict[tuple[int, int], float], count: int) -> list[tuple[int, int]]:
    """The runs (i, j) that cover 0..count with the highest sum of values (dynamic programming
    over the runs, each value a log probability), or [] when no runs cover it."""
    best: list[tuple[float, list[tuple[int, int]]]] = [(0.0, [])]
    for j in range(1, count + 1):
        best.append(
            max(
                (
                    (best[i][0] + v, best[i][1] + [(i, j)])
                    for (i, end), v in value.items()
                    if end == j and (i == 0 or best[i][1])
                ),
                default=(-np.inf, []),
            )
        )
    return best[-1][1]


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
            if j - i > 1 and (right - left > JOIN_WIDTH * height or max(gaps) > JOIN_GAP * height):
                break
            runs[i, j] = members
    pieces = {run: np.isin(labels, members) for run, members in runs.items()}
    proba, scores = run_model(np.stack([as_input(ink, p) for p in pieces.values()]), model)
    tall = np.array([extent(stats, m)[3] - extent(stats, m)[1] for m in runs.values()])
    value = dict(zip(runs, np.log(proba.max(axis=1) * scores * stature(tall, height) + 1e-9)))
    # (i, i + 1) is always a run: every group is reached
    return [pieces[run] for run in surest(value, len(groups))]


def cut_columns(piece: np.ndarray, x: int, width: int, height: int) -> list[int]:
    """Where a piece may be cut (columns from its left edge, both edges included): one place
    every CUT_STEP of its height (at most CUTS places), each moved to the column near it with the
    least ink that crosses one stroke at most (where two digits touch; a column crossing two
    goes through a ring or a digit's body), none where no column near it does."""
    columns = piece[:, x : x + width]
    strokes = np.count_nonzero(np.diff(columns.astype(np.int8), axis=0) == 1, axis=0) + columns[0]
    cost = np.where(strokes <= 1, columns.sum(axis=0), np.inf)
    step = max(1, round(max(CUT_STEP * height, width / CUTS)))
    cuts = {0, width}
    for column in range(step, width - step // 2, step):
        low, high = max(1, column - step // 2), min(width - 1, column + step // 2 + 1)
        if low < high and np.isfinite(cost[low:high].min()):
            cuts.add(low + int(np.argmin(cost[low:high])))
    return sorted(cuts)


def width_prior(proba: np.ndarray, aspect: np.ndarray) -> np.ndarray:
    """How likely pieces this wide (width / height) are one digit of the class each reads as:
    1 up to the class's WIDEST, falling as (WIDEST / aspect) ** 4 beyond ("32" read as a sure 3
    twice as wide as a 3 is written)."""
    return np.minimum(1, np.asarray(WIDEST)[proba.argmax(axis=1)] / aspect) ** 4


def logit(p: np.ndarray | float) -> np.ndarray:
    q = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(q / (1 - q))


def split_features(
    whole: np.ndarray,
    check: float,
    aspect: float,
    prior: float,
    digits: np.ndarray,
    checks: np.ndarray,
    value: np.ndarray,
    sizes: np.ndarray,
) -> np.ndarray:
    """What tells a piece of touching digits from one wide digit (`SPLIT_WEIGHTS`' order): the
    whole's reading (top probability, check, width prior, width / height, class), and the
    surest segmentation's (its least sure segment's score, top probability and check, how many
    segments, the narrowest and the shortest (over the piece's height), and whether the
    narrowest reads 1, with its width and height: a 1 leaning on a digit, or a digit's end)."""
    narrow = int(np.argmin(sizes[:, 0]))
    one = float(digits[narrow].argmax() == 1)
    return np.concatenate(
        [
            [
                logit(whole.max()),
                logit(check),
                np.log(max(prior, 1e-6)),
                aspect,
            ],
            [logit(value.min()), logit(digits.max(axis=1).min()), logit(checks.min()), len(digits)],
            [
                sizes[:, 0].min(),
                sizes[:, 1].min(),
                one,
                one * sizes[narrow, 0],
                one * sizes[narrow, 1],
            ],
            np.eye(10)[whole.argmax()],
        ]
    )


def passes_check(features: np.ndarray) -> np.ndarray:
    """Whether each piece's whole passes the digit check (`split_features` holds its logit
    second): which row of SPLIT_WEIGHTS decides."""
    return features[..., 1] >= 0


def several_digits(
    features: np.ndarray, weights: np.ndarray = SPLIT_WEIGHTS, bias: np.ndarray = SPLIT_BIAS
) -> np.ndarray:
    """The learnt choice for pieces (rows of `split_features`): whether the surest
    segmentation's several digits are right rather than the whole (one wide digit, or none: a
    letter's slices are sure 1s), by the row of weights for a whole that passes the check or
    the one for a whole that fails it."""
    row = np.where(passes_check(features), 0, 1)
    return np.einsum("...i,...i->...", features, weights[row]) + bias[row] > 0


@dataclass(frozen=True)
class Split:
    segments: list[np.ndarray]  # the surest segmentation's digits, left to right
    features: np.ndarray  # `split_features`


def surest_split(ink: np.ndarray, piece: np.ndarray, model) -> Split | None:
    """A piece wide enough for two digits -> its surest segmentation: cut at `cut_columns`,
    every run of neighbouring cuts up to SEGMENT times its height read (but no slice between two
    cuts that run along strokes: a filled blob or a letter sliced into 1s), each segment scored
    by its top probability, digit check, stature and `width_prior` (one failing the check at
    HALF_CHECK counts 0), and the best covering found by `surest`. None when the piece is one
    digit's width, wider than RUN digits (a wavy scribble is a run of 1s), or no segmentation
    reads at all."""
    x, _, width, height = cv2.boundingRect(piece.astype(np.uint8))
    if width <= SPLIT_ASPECT * height or width < 8 or width > RUN * SEGMENT * height:
        return None
    whole, check = run_model(as_input(ink, piece)[None], model)
    cuts = cut_columns(piece, x, width, height)
    along = [0 < c < width and piece[:, x + c].sum() > ALONG * height for c in cuts]
    segments: dict[tuple[int, int], int] = {}  # (first cut, last cut) -> its row in the batch
    inputs: list[np.ndarray] = []
    sizes: list[Sequence[int]] = []
    for i in range(len(cuts)):
        for j in range(i + 1, len(cuts)):
            if cuts[j] - cuts[i] > SEGMENT * height:
                break
            if (i, j) == (0, len(cuts) - 1):  # the whole, read above
                continue
            if along[i] and along[j]:  # a slice of one stroke or blob: a 1 to the network
                continue
            segment = cut(piece, x + cuts[i], x + cuts[j])
            try:
                inputs.append(as_input(ink, segment))
            except NoDigitError:  # a sliver with no ink left once cropped
                continue
            segments[i, j] = len(sizes)
            sizes.append(cv2.boundingRect(segment.astype(np.uint8))[2:])
    if not segments:
        return None
    proba, scores = run_model(np.stack(inputs), model)
    wide, tall = np.array(sizes, dtype=np.float64).T
    reading = proba.max(axis=1) * scores * (scores >= HALF_CHECK) * stature(tall, height)
    value = reading * width_prior(proba, wide / tall)
    path = surest({run: np.log(value[k] + 1e-9) for run, k in segments.items()}, len(cuts) - 1)
    if not path or len(path) > RUN:
        return None
    k = [segments[run] for run in path]
    aspect = width / height
    prior = float(width_prior(whole, np.array([aspect]))[0])
    return Split(
        segments=[cut(piece, x + cuts[i], x + cuts[j]) for i, j in path],
        features=split_features(
            whole[0],
            float(check[0]),
            aspect,
            prior,
            proba[k],
            scores[k],
            value[k],
            np.array(sizes, dtype=np.float64)[k] / height,
        ),
    )


def cut(piece: np.ndarray, left: int, right: int) -> np.ndarray:
    segment = np.zeros_like(piece)
    segment[:, left:right] = piece[:, left:right]
    return segment


def split_touching(ink: np.ndarray, piece: np.ndarray, model) -> list[np.ndarray]:
    """A piece -> the digits touching in it: its `surest_split` when `several_digits` says so,
    else the piece."""
    split = surest_split(ink, piece, model)
    return split.segments if split is not None and several_digits(split.features) else [piece]
