"""A row's ink -> its digits, one mask a digit, left to right.

Connected ink blobs are grouped when they share columns (a two-stroke 4 or 7) or when one is a
flat fragment of its neighbour (the bar of a 5 drawn apart); neighbouring groups are joined
where the network reads them better as one digit (a stroke broken in two); a group too wide for
one digit is cut into the digits touching in it: cut at many columns, every run of them read,
the segmentation the network is surest of kept (a width prior tells "32" read as a sure,
too-wide 3). Each piece is read by the single-digit steps (`as_input`).
"""

import cv2
import numpy as np

from digit_core.errors import NoDigitError
from digit_core.predict import run_model
from digit_core.preprocess import BLANK, HALO, centre_by_mass, crop_digit, fit_box, shrink

PIECE_SIDE = 256  # a piece is shrunk to this before its single-digit steps: bounded work
OVERLAP = 0.5  # blobs sharing this much of the narrower one's columns are one digit
FRAGMENT = 0.45  # a group this much shorter than the median one belongs to a neighbour
JOIN = 3  # at most this many neighbouring groups may be one digit
JOIN_GAP = 0.15  # ... when no gap between them is wider than this times the digits' height
SHORT = 0.9  # pieces shorter than this times the digits' height are seldom whole digits
SPLIT_ASPECT = 0.9  # only groups wider than this times their height may be two digits
CUT_STEP = 0.1  # such a piece may be cut every this much of its height,
CUTS = 48  # at this many places at most (bounded work),
SEGMENT = 1.7  # into segments at most this much wider than it is tall; its digits must read
SPLIT_MARGIN = 0.2  # this much more surely than the whole,
HALF_CHECK = 0.9  # and each be a digit this surely to the check (a doodle's pieces seldom are)
ALONG = 0.3  # a cut through more ink than this times its height runs along a stroke
RUN = 4  # at most this many digits touch in a row; a longer run of "digits" is a scribble
# The widest (width / height) each digit 0-9 is written but 1 in 100: MNIST's training split,
# its first 54,000 (`python -m training.widths`).
WIDEST = (1.43, 1.0, 1.67, 1.25, 1.25, 1.67, 1.11, 1.25, 1.25, 1.05)


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
            if j - i > 1 and (
                right - left > SPLIT_ASPECT * height or max(gaps) > JOIN_GAP * height
            ):
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


def split_touching(ink: np.ndarray, piece: np.ndarray, model) -> list[np.ndarray]:
    """A piece too wide for one digit -> the digits touching in it: cut at `cut_columns`, every
    run of neighbouring cuts up to SEGMENT times its height read (but no slice between two cuts
    that run along strokes: a filled blob or a letter sliced into 1s), and the segmentation the
    network is surest of kept (`surest`: each segment scored by its top probability, digit
    check, stature and `width_prior`; a segment failing the check at HALF_CHECK counts 0), if
    its least sure digit reads more surely than the whole by SPLIT_MARGIN and it has at most
    RUN digits (a wavy scribble is a run of 1s)."""
    x, _, width, height = cv2.boundingRect(piece.astype(np.uint8))
    if width <= SPLIT_ASPECT * height or width < 8 or width > RUN * SEGMENT * height:
        return [piece]  # one digit, or more than RUN digits (segments are SEGMENT wide at most)
    proba, scores = run_model(as_input(ink, piece)[None], model)
    whole = float(proba.max() * scores[0] * width_prior(proba, np.array([width / height]))[0])
    if whole + SPLIT_MARGIN >= 1:  # no cut could beat it: spare the network the segments
        return [piece]
    cuts = cut_columns(piece, x, width, height)
    along = [0 < c < width and piece[:, x + c].sum() > ALONG * height for c in cuts]
    segments, inputs, sizes = {}, [], []
    for i in range(len(cuts)):
        for j in range(i + 1, len(cuts)):
            if cuts[j] - cuts[i] > SEGMENT * height:
                break
            if (i, j) == (0, len(cuts) - 1):  # the whole, read above
                continue
            if along[i] and along[j]:  # a slice of one stroke or blob: a 1 to the network
                continue
            segment = piece.copy()
            segment[:, : x + cuts[i]] = False
            segment[:, x + cuts[j] :] = False
            try:
                inputs.append(as_input(ink, segment))
            except NoDigitError:  # a sliver with no ink left once cropped
                continue
            segments[i, j] = segment
            sizes.append(cv2.boundingRect(segment.astype(np.uint8))[2:])
    if not segments:
        return [piece]
    proba, scores = run_model(np.stack(inputs), model)
    wide, tall = np.array(sizes, dtype=np.float64).T
    reading = proba.max(axis=1) * scores * (scores >= HALF_CHECK) * stature(tall, height)
    value = dict(zip(segments, reading * width_prior(proba, wide / tall)))
    path = surest({run: np.log(v + 1e-9) for run, v in value.items()}, len(cuts) - 1)
    if not path or len(path) > RUN or min(value[run] for run in path) <= whole + SPLIT_MARGIN:
        return [piece]
    return [segments[run] for run in path]
