"""The ink of one written line of digits in a real picture: paper, light and printed lines taken
away, only the blobs of the row the digits form kept.

Steps, each chosen on GENERATED numbers (training/number_paper.py), never on real pictures:
subtract the paper's light and threshold (digit_core.paper; again at the level of the ink off
the printed lines when those are much darker: a pencil on a printed form); take away ruled,
squared, form and frame lines (runs of ink longer than any stroke of a digit, found by
morphological opening (digit_core.line_runs; sloping a little where a page photographed curled
bends them), or by Hough's transform where a frame's side leans and is broken; the strokes they
crossed closed again); keep the blobs near the row the biggest ones form, dropping specks. A
page laid crooked is first turned level by its printed lines' angle (digit_core.page_angle), or
by its row's (`tilt`).
"""

import cv2
import numpy as np

from digit_core.errors import NoDigitError
from digit_core.line_runs import runs, sloped_runs
from digit_core.paper import flatten_light, strongest, threshold
from digit_core.preprocess import BLANK, MIN_CONTRAST
from digit_core.strokes import stroke_width

LONG = 1.3  # a straight run longer than this times the digits' height is a line, not a stroke
# Before the digits' height is known: runs this share of the picture's width or height are lines
WIDE_LINE, TALL_LINE = 1 / 3, 0.9
SIDE = 0.7  # a box's side is at least this times the digits' height
THIN = 0.2  # a blob this narrow for its height, on the left or right edge, is a frame
SPECK = 0.3  # blobs this much smaller than the digits' height both ways are specks
STREAK = 12  # a blob this many times wider than tall is what is left of a bent printed line
FITS = 3  # the row's line is fitted this many times, each to the blobs near the last one
ROW = 0.75  # a digit's centre lies within this many digits' heights of the row's
AXIS = 3  # degrees: printed lines run along the page's sides, written strokes seldom do
MANY = 500  # more marks than this: a texture (only 48 are ever read as digits)
PRINTED = 0.6  # a straight blob drawn this much thinner than the digits' pen is a printed line
ONE = 0.8  # ... unless it stands upright between digits, at least this times their height
AXIS_RUN, AXIS_SHARE = 3, 0.9  # ... or one made of runs this many pens long, this share of it
VOTES = 0.5  # a line's ink along this share of its length: dashes count
LEAN, GAP = 3, 0.15  # a frame's side may lean this many degrees, with gaps this share of it
FAINT = 0.7  # ink off the printed lines fainter than this share of theirs is cut at its own level
INKY = 0.25  # ink over more of the picture than this: a texture, refused later; not a page
BAR_ROUNDS = 3  # bars given back in turn (a crossed 7 has two): bounded work


def near(mask: np.ndarray) -> np.ndarray:
    """The mask grown by 2 px every way: a line's blurred edge, a stroke's end touching it."""
    return cv2.dilate(mask.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)


def written_ink(flat: np.ndarray) -> np.ndarray:
    """The mask of a picture's ink (light flattened): `threshold`, or, when the page's long
    printed lines are its darkest strokes and the rest of the ink is under FAINT of them (a
    pencil, a light pen on a form printed darker), `threshold` of the picture scaled to that
    rest: Otsu's cut between paper and printed lines would lose the digits. Ink touching the
    picture's edge is not that rest: a line's end cut off by the crop or a turned page's corner."""
    mask = threshold(flat)
    height, width = mask.shape
    lines = runs(mask, int(WIDE_LINE * width), True) | runs(mask, int(TALL_LINE * height), False)
    if not lines.any():
        return mask
    _, labels = cv2.connectedComponents((mask & ~lines).astype(np.uint8))
    edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    printed = lines | np.isin(labels, edge[edge > 0])
    level = strongest(np.where(near(printed), 0, flat))
    if level >= FAINT or level < MIN_CONTRAST:  # as dark as the lines, or only paper left
        return mask
    return threshold(np.clip(flat / level, 0, 1))


def upright_lines(mask: np.ndarray, length: int) -> np.ndarray:
    """The ink of upright lines at least `length` long, leaning up to LEAN degrees and broken
    by gaps up to GAP of their length (a frame's side, printed or cut a little askew and partly
    lost by the scan): Hough's segments, drawn twice as thick as the ink's pen. None in a
    texture (over INKY inked, refused later): the transform's work grows with the ink."""
    lines = np.zeros(mask.shape, np.uint8)
    if mask.mean() > INKY:
        return lines.astype(bool)
    segments = cv2.HoughLinesP(
        mask.astype(np.uint8),
        1,
        np.pi / 180,
        threshold=max(8, int(VOTES * length)),
        minLineLength=length,
        maxLineGap=max(1, int(GAP * length)),
    )
    upright = [
        (int(x0), int(y0), int(x1), int(y1))
        for x0, y0, x1, y1 in np.reshape([] if segments is None else segments, (-1, 4))
        if abs(x1 - x0) <= np.tan(np.radians(LEAN)) * abs(y1 - y0)
    ]
    pen = 2 * round(stroke_width(mask)) + 1 if upright else 0  # most pictures have none
    for x0, y0, x1, y1 in upright:
        cv2.line(lines, (x0, y0), (x1, y1), 1, pen)
    return mask & lines.astype(bool)


def line_thickness(lines: np.ndarray) -> int:
    """The thickest line's thickness: its area over its length."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(lines.astype(np.uint8), connectivity=8)
    widths = np.maximum(stats[1:, cv2.CC_STAT_WIDTH], 1)
    return int(np.ceil((stats[1:, cv2.CC_STAT_AREA] / widths).max(initial=1)))


def without_lines(
    mask: np.ndarray, across_length: int, down_length: int, askew: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """The mask with horizontal and vertical runs at least this long taken away (if `askew`,
    the vertical ones leaning and broken too; if not, the short level ones sloping a little: a
    bent line's stretches), and the strokes that crossed them joined again across the gap; and
    the horizontal lines."""
    down = runs(mask, down_length, False)
    if askew:
        down |= upright_lines(mask, down_length)
    across = runs(mask, across_length, True) if askew else sloped_runs(mask, across_length)
    kept = mask & ~across & ~down
    # A stroke crossing a ruled line was cut by the line's thickness: close the gap, but only
    # inside the line (a bridge anywhere else would join neighbouring digits).
    thickness = line_thickness(across) + 2
    bridge = cv2.morphologyEx(
        kept.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((thickness, 1), np.uint8)
    ).astype(bool)
    return kept | (bridge & across), across


def blob_heights(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    _, labels, stats, centroids = cv2.connectedComponentsWithStats(mask.astype(np.uint8))  # 8-way
    return labels, stats[1:], centroids[1:]


def streaks(stats: np.ndarray) -> np.ndarray:
    """Blobs far wider than tall beside others: a bent printed line's pieces (a page photographed
    curled), no digit. Alone (a wavy scribble), none is: read, it is no number."""
    wide = stats[:, cv2.CC_STAT_WIDTH] > STREAK * stats[:, cv2.CC_STAT_HEIGHT]
    return wide & ~wide.all()


def digit_height(stats: np.ndarray) -> float:
    """The digits' height: the median height of the inkiest blobs, no `streaks` (taken as the
    digits, they made the digits' strokes look like lines)."""
    if len(stats) == 0:
        raise NoDigitError(BLANK)
    areas = np.where(streaks(stats), 0, stats[:, cv2.CC_STAT_AREA])
    return float(np.median(stats[areas >= 0.2 * areas.max(), cv2.CC_STAT_HEIGHT]))


def printed(
    labels: np.ndarray, stats: np.ndarray, sized: np.ndarray, digits: float, lined: bool
) -> np.ndarray:
    """Which blobs are pieces of printed lines (a dashed box, a frame's broken side, a box's
    corner, a comb's tooth): strokes running along the page, much thinner than the pen that
    wrote the digits (the `sized` blobs with most ink), or straight dashes of one line; not a
    thin 1 between digits (`between_digits`; `digits` is their height), nor the one thin blob
    of a page where no printed line was found (`lined` False): boxes and frames have several
    sides, a 1 written with a finer pen at the number's end has none. Blobs
    under 3 px are not looked at, and none when more than MANY are left (a texture, refused
    later for too many marks): the work stays bounded."""
    pens, straight = np.zeros(len(stats)), np.zeros(len(stats), bool)
    marks = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]) >= 3
    if marks.sum() > MANY:
        return straight
    for k in np.flatnonzero(marks):
        left, top, width, height = stats[k, :4]
        blob = labels[top : top + height, left : left + width] == k + 1
        pens[k] = stroke_width(blob)
        ys, xs = np.nonzero(blob)
        _, (w, h), angle = cv2.minAreaRect(np.column_stack([xs, ys]).astype(np.float32))
        level = min(angle % 90, 90 - angle % 90) <= AXIS  # printed lines run along the page
        straight[k] = level and min(w, h) <= 1.5 * pens[k] + 1
    areas = np.where(sized, stats[:, cv2.CC_STAT_AREA], 0)
    thin = marks & (pens <= PRINTED * np.median(pens[areas >= 0.2 * areas.max()]))
    for k in np.flatnonzero(thin & ~straight):  # a thin piece bent along the page's sides?
        left, top, width, height = stats[k, :4]
        thin[k] = along_axes(labels[top : top + height, left : left + width] == k + 1, pens[k])
    lines = thin | (straight & stacked(stats, straight))
    lines &= ~between_digits(stats, lines, sized, digits)
    return lines if lined or lines.sum() > 1 else np.zeros(len(stats), bool)


def along_axes(blob: np.ndarray, pen: float) -> bool:
    """Whether nearly all of the blob (AXIS_SHARE) lies on level or upright runs of ink at
    least AXIS_RUN pens long: strokes along the page only, in any number (an L, a T)."""
    length = int(AXIS_RUN * pen) + 2
    on_axes = runs(blob, length, horizontal=True) | runs(blob, length, horizontal=False)
    return bool(on_axes.sum() >= AXIS_SHARE * blob.sum())


def stacked(stats: np.ndarray, straight: np.ndarray) -> np.ndarray:
    """Straight upright blobs with another one above or below in the same columns: the dashes
    of one printed line (a written 1 has no twin above it)."""
    upright = straight & (stats[:, cv2.CC_STAT_HEIGHT] > stats[:, cv2.CC_STAT_WIDTH])
    left, top, width, height = (stats[upright, k].astype(np.int64) for k in range(4))
    right, bottom = left + width, top + height
    shared = np.minimum(right, right[:, None]) > np.maximum(left, left[:, None])
    apart = (top >= bottom[:, None]) | (top[:, None] >= bottom)
    twins = np.zeros(len(stats), bool)
    twins[upright] = (shared & apart).any(axis=1)
    return twins


def between_digits(
    stats: np.ndarray, lines: np.ndarray, sized: np.ndarray, height: float
) -> np.ndarray:
    """Which of these printed `lines` are upright blobs as tall as the digits (ONE to LONG times
    their height), alone in their columns, with a digit that is no line on either side: a 1
    written with a finer pen than its neighbours. A frame's or a box's side stands at an end."""
    left, width = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_WIDTH]
    right, tall = left + width, stats[:, cv2.CC_STAT_HEIGHT]
    upright = tall > 2 * width
    areas = np.where(sized, stats[:, cv2.CC_STAT_AREA], 0)
    digits = (areas >= 0.2 * areas.max()) & ~lines
    ones = lines & upright & (tall >= ONE * height) & (tall <= LONG * height)
    if not ones.any():  # as in a texture, where `printed` marks nothing: the work stays bounded
        return ones
    for k in np.flatnonzero(ones):
        ones[k] = (digits & (right < left[k])).any() and (digits & (left > right[k])).any()
    return ones & ~stacked(stats, upright)


def row_mask(mask: np.ndarray, lined: bool) -> np.ndarray:
    """Only the blobs of the row of digits: no specks, nothing far above or below, no thin
    bar on the picture's left or right edge (a frame or the paper's edge cut by the crop), no
    piece of a printed line (`printed`, `streaks`; `lined`: printed lines were on the page)."""
    labels, stats, centroids = blob_heights(mask)
    height = digit_height(stats)
    left, width = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_WIDTH]
    on_edge = (left == 0) | (left + width == mask.shape[1])
    size = np.maximum(stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_WIDTH])
    sized = size >= SPECK * height  # a 5's flat bar drawn apart is no speck
    lines = printed(labels, stats, sized, height, lined)
    bar = on_edge & (width <= THIN * stats[:, cv2.CC_STAT_HEIGHT]) | lines | streaks(stats)
    tall = sized & ~bar
    if not tall.any():
        raise NoDigitError(BLANK)
    weights = stats[:, cv2.CC_STAT_AREA] * tall
    order = np.argsort(centroids[:, 1])
    cumulative = np.cumsum(weights[order])
    slope, middle = 0.0, centroids[order[np.searchsorted(cumulative, cumulative[-1] / 2)], 1]
    for _ in range(FITS):  # a row photographed at an angle: follow it from its middle outwards
        near = tall & (np.abs(centroids[:, 1] - slope * centroids[:, 0] - middle) <= ROW * height)
        slope, middle = row_line(centroids[near], weights[near])
    return np.concatenate([[False], near])[labels]


def row_line(centroids: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """(slope, height at x = 0) of the line through these blobs' centres, the inky ones
    counting most; level for a single blob or one column of them."""
    xs, ys = centroids[:, 0], centroids[:, 1]
    if len(xs) < 2 or np.ptp(xs) < 1:
        return 0.0, float(np.average(ys, weights=weights))
    slope, middle = np.polyfit(xs, ys, 1, w=np.sqrt(weights))
    return float(slope), float(middle)


def tilt(mask: np.ndarray) -> float:
    """The row's angle in degrees (positive: rising to the right, as the eye sees it)."""
    _, stats, centroids = blob_heights(mask)
    heights = stats[:, cv2.CC_STAT_HEIGHT]
    whole = heights >= 0.5 * np.median(heights)  # digits, not a 5's bar or a speck
    if whole.sum() < 3:  # two digits on a wandering baseline say nothing of the page's angle
        return 0.0
    slope, _ = row_line(centroids[whole], stats[whole, cv2.CC_STAT_AREA].astype(np.float64))
    return float(-np.degrees(np.arctan(slope)))


def line_ink(grey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A picture of a number (grey, [0, 1]) -> light ink on flat dark paper, and the mask of the
    digits' ink, lines, specks and stray marks taken away."""
    flat = flatten_light(grey)
    return flat, line_ink_mask(written_ink(flat))


def line_ink_mask(mask: np.ndarray) -> np.ndarray:
    """The mask of a picture's ink -> the mask of the digits' ink: lines, box sides, specks and
    marks off the row taken away."""
    height, width = mask.shape
    mask, ruled = without_lines(mask, int(WIDE_LINE * width), int(TALL_LINE * height), askew=True)
    _, stats, _ = blob_heights(mask)
    digits = digit_height(stats)
    # In a picture cropped close, a digit's bar spans a third of it: runs shorter than a line
    # of these digits, or than what they join (one digit filling the picture), are strokes,
    # given back. A crossed 7's top joins the whole 7 only once its cross is back: rounds.
    if ruled.any():  # most pictures have no run taken for a line
        strokes = ruled & ~runs(ruled, int(LONG * digits), True)
        for _ in range(BAR_ROUNDS):
            blobs, stats, _ = blob_heights(mask | strokes)  # what the runs left would join
            bars = digit_bars(ruled & ~strokes, blobs, stats)
            if not bars.any():
                break
            strokes |= bars
        else:
            _, stats, _ = blob_heights(mask | strokes)
        mask, ruled = mask | strokes, ruled & ~strokes
        digits = digit_height(stats)
    mask, more_ruled = without_lines(mask, int(LONG * digits), int(LONG * digits))
    ruled |= more_ruled
    return row_mask(mask & ~box_sides(mask, ruled, digits), bool(ruled.any()))


def box_sides(mask: np.ndarray, ruled: np.ndarray, digits: float) -> np.ndarray:
    """Vertical bars as tall as a digit that run from one ruled line to another: the sides of
    a form's boxes (a 1 written in a box touches at most one of its lines)."""
    bars = runs(mask, int(SIDE * digits), horizontal=False)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(bars.astype(np.uint8))
    near_line = near(ruled)
    sides = np.zeros(count, bool)
    for k in range(1, count):
        left, top, width, height = stats[k, :4]
        columns = slice(left, left + width)
        sides[k] = near_line[top, columns].any() and near_line[top + height - 1, columns].any()
    return sides[labels]


def digit_bars(ruled: np.ndarray, blobs: np.ndarray, stats: np.ndarray) -> np.ndarray:
    """The mask of the runs taken as lines (`ruled`) that are shorter than LONG times the
    height of what they join: their own box and the blobs touching them (`blob_heights`'
    labels and stats). A 4's bar, in a 4 drawn to fill the picture: taken away, it cut the
    digit into pieces too short for the digits' height to give it back."""
    count, labels, runs_stats, _ = cv2.connectedComponentsWithStats(ruled.astype(np.uint8))
    bars = np.zeros(count, bool)
    for k in range(1, count):
        left, top, width, height = runs_stats[k, :4]
        window = np.s_[max(top - 2, 0) : top + height + 2, max(left - 2, 0) : left + width + 2]
        joined = np.unique(blobs[window][near(labels[window] == k)])
        boxes = stats[joined[joined > 0] - 1]  # (blob_heights leaves out the background)
        upper = boxes[:, cv2.CC_STAT_TOP].min(initial=top)
        lower = (boxes[:, cv2.CC_STAT_TOP] + boxes[:, cv2.CC_STAT_HEIGHT]).max(initial=top + height)
        bars[k] = width < LONG * (lower - upper)
    return bars[labels]
