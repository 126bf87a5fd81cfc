"""Any picture of one digit -> the 28x28 white-on-black format MNIST was made in.

MNIST (LeCun et al.): each digit was size-normalised into a 20x20 box keeping its aspect ratio,
with anti-aliased grey levels, then centred in 28x28 by its centre of mass. We do the same after
turning the picture into "light ink on a dark, flat background". Each step is a pure function;
`preprocess_stages` runs them all and keeps every intermediate picture for the UI.
"""

import cv2
import numpy as np

from digit_core.decode import ImageInput, as_float, to_array
from digit_core.errors import NoDigitError
from digit_core.strokes import edge_softness, normalise_stroke, stroke_width

WORK_SIDE = 128  # images are shrunk to this before any work: 6x the 20-px box, bounded cost
ZOOM_BELOW = 48  # a digit smaller than this on the work image is looked at again, zoomed in
BOX = 20  # MNIST's digit box
SIZE = 28
CENTRE = 14.0  # where MNIST's centres of mass sit (measured on its test set: 13.99, 14.00)
MIN_CONTRAST = 0.1  # darkest to lightest below this: a blank or uniform picture
UNEVEN = 0.08  # a lighting estimate spread wider than this along the edge is uneven light
INKED = 0.6  # of the way from the paper's tone to the ink's: surely ink
EDGE_INK = 1 / 3  # surely-ink pixels along more of the edge than this: a region, not strokes
REGION = 0.25  # surely-ink surviving an opening wider than a pen: a region (filling scans: <0.01)
# An ink blob at least FRAME_LENGTH of a side long, at most FRAME_THICKNESS thick, within
# FRAME_BAND of that side: a frame or the paper's edge, not the digit.
FRAME_LENGTH, FRAME_THICKNESS, FRAME_BAND = 0.9, 0.1, 0.2
SPECK_FRACTION = 0.06  # ink blobs smaller than this share of the largest one are dirt
FINE = 0.04  # strokes narrower than this share of the picture's side: a texture's grain
# Edge softness (see edge_softness) above which a digit is a blurry enlargement: pen strokes
# stay below 0.055 (99 % of generated canvas drawings), digits enlarged from 8 px are above 0.08.
BLURRY = 0.07
# A blurry digit's halo ends where its ink falls to FRINGE of the way from paper to stroke, and
# reaches at most HALO of the digit's size past Otsu's cut: unlimited, it ran along shadow edges
# (0.05-0.15 read 8x8 validation digits alike; see README, "How it was chosen").
FRINGE, HALO = 0.1, 0.1
BLANK = "The image is blank: draw or upload a digit."
NOISE = "This looks like noise or a texture, not a handwritten digit."


def quantile(values: np.ndarray, q: float) -> float:
    """Nearest-rank quantile by partial sort: np.percentile's interpolation costs 3-5x more."""
    rank = round(q * (values.size - 1))
    return float(np.partition(values.ravel(), rank)[rank])


def to_grayscale(pixels: np.ndarray) -> np.ndarray:
    """H x W float32 in [0, 1]. Transparent areas are background; alpha carries the ink."""
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = pixels[..., 0]
    if pixels.ndim == 2:
        return as_float(pixels)
    # Grey in the input's own type first: converting one channel to float beats converting three.
    grey = as_float(cv2.cvtColor(np.ascontiguousarray(pixels[..., :3]), cv2.COLOR_RGB2GRAY))
    if pixels.shape[2] == 3:
        return grey
    alpha = as_float(np.ascontiguousarray(pixels[..., 3]))
    if alpha.min() >= 1.0:  # fully opaque RGBA is just RGB
        return grey
    return (alpha * grey + (1 - alpha) * backdrop(grey, alpha)).astype(np.float32)


def backdrop(grey: np.ndarray, alpha: np.ndarray) -> float:
    """What the transparent pixels become. Strokes on a transparent layer (the pixels with any
    opacity are all ink, of one colour): a backdrop that contrasts with them, white under dark
    ink, black under light. A picture with any opacity over more than its ink -- transparent
    margins (a letterbox), holes, a fade, a background alpha of 159 -- shows its own colours
    there: its own background, read on the outer edge of the part that is not clear."""
    shown = alpha > 0
    tones = grey[shown]
    if tones.size and quantile(tones, 0.99) - quantile(tones, 0.01) > MIN_CONTRAST:
        # Outside the picture counts as clear: a picture shown up to its border has its border
        # as its edge, never an empty one.
        inner = cv2.erode(
            shown.astype(np.uint8),
            np.ones((3, 3), np.uint8),
            borderType=cv2.BORDER_CONSTANT,
            borderValue=0,
        )
        return quantile(grey[shown & ~inner.astype(bool)], 0.5)
    ink_lightness = float((grey * alpha).sum() / max(alpha.sum(), 1e-6))
    return 0.0 if ink_lightness > 0.5 else 1.0


def shrink(grey: np.ndarray, side: int = WORK_SIDE) -> np.ndarray:
    height, width = grey.shape
    scale = side / max(height, width)
    if scale >= 1:
        return grey
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    # Area averaging avoids aliasing when shrinking a lot; above half size, linear is as good
    # and several times faster.
    return cv2.resize(grey, size, interpolation=cv2.INTER_AREA if scale < 0.5 else cv2.INTER_LINEAR)


def border(image: np.ndarray, width: int = 1) -> np.ndarray:
    """The pixels of the picture's outer `width` rows and columns (corners counted twice)."""
    return np.concatenate(
        [
            image[:width].ravel(),
            image[-width:].ravel(),
            image[:, :width].ravel(),
            image[:, -width:].ravel(),
        ]
    )


def light_ink_on_dark(grey: np.ndarray) -> np.ndarray:
    """Invert when the ink is darker than the background (drawings, paper, photos)."""
    smooth = cv2.medianBlur(grey, 3)  # single noisy pixels must not decide
    background = quantile(border(smooth, 2), 0.5)
    darker_ink = background - smooth.min() > smooth.max() - background
    return 1.0 - grey if darker_ink else grey


def flatten_background(ink: np.ndarray) -> np.ndarray:
    """Remove uneven lighting (shadows, gradients) so one threshold fits the whole photo."""
    # Lighting varies slowly: estimate it on a 64-pixel thumbnail, where it is cheap.
    height, width = ink.shape
    scale = 64 / max(height, width)
    small = cv2.resize(
        ink,
        (max(1, round(width * scale)), max(1, round(height * scale))),
        interpolation=cv2.INTER_AREA,
    )
    side = 17  # a quarter of the thumbnail: wider than a pen at MNIST's width
    background = cv2.morphologyEx(small, cv2.MORPH_OPEN, np.ones((side, side), np.uint8))
    background = cv2.blur(background, (side, side))
    # Flat already (canvas drawings): leave the strokes untouched. Judged along the picture's
    # edge, which shadows and gradients reach and a digit seldom does: a marker wider than the
    # opening leaves a bump in the middle that is ink, not light; a blurry digit filling its
    # frame leaves bumps on the edge.
    if not uneven(border(background)) or strokes_reach_the_edge(ink, small, background, side):
        return ink
    background = cv2.resize(background, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.clip(ink - background, 0, 1)


def uneven(edge: np.ndarray) -> bool:
    return edge.size > 0 and quantile(edge, 0.95) - quantile(edge, 0.05) >= UNEVEN


def strokes_reach_the_edge(
    ink: np.ndarray, small: np.ndarray, background: np.ndarray, side: int
) -> bool:
    """A blurry digit filling its frame (a scan of a few pixels, enlarged): its strokes are as
    wide as the lighting estimate's opening, so where they cross the edge the estimate is
    raised by ink, not light, and flattening would erase them. Then the edge's paper, further
    than the opening from surely-ink pixels, is flat, and the surely-ink pixels cover less
    than EDGE_INK of the edge (strokes cross it; a lit or shadowed region runs along it) and
    are strokes, not a region."""
    paper, stroke = quantile(small, 0.05), quantile(small, 0.99)
    inked = (small > paper + INKED * (stroke - paper)).astype(np.uint8)
    # Strokes are narrower than the opening everywhere, outside the picture counting as paper;
    # a shadow or a lit region is not.
    kernel = np.ones((side, side), np.uint8)
    opened = cv2.morphologyEx(
        inked, cv2.MORPH_OPEN, kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0
    )
    if border(inked).mean() >= EDGE_INK or opened.sum() >= REGION * inked.sum():
        return False
    near = border(cv2.dilate(inked, kernel)).astype(bool)
    if uneven(border(background)[~near]):
        return False
    ink8 = cv2.convertScaleAbs(ink, alpha=255)
    _, mask = cv2.threshold(ink8, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return edge_softness(crop_to_ink(ink, mask.astype(bool))) > BLURRY


def ink_mask(ink: np.ndarray) -> np.ndarray:
    """Otsu's threshold, then dirt specks removed. Raises NoDigitError when there is no digit."""
    ink8 = cv2.convertScaleAbs(ink, alpha=255)  # rounds and saturates, faster than numpy
    smooth = cv2.GaussianBlur(ink8, (3, 3), 0)
    if int(smooth.max()) - int(smooth.min()) < MIN_CONTRAST * 255:
        raise NoDigitError(BLANK)
    _, mask = cv2.threshold(ink8, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    frame = frame_lines(stats[1:], mask.shape)
    areas = np.where(frame & ~frame.all(), 0, stats[1:, cv2.CC_STAT_AREA])
    if len(areas) == 0:
        raise NoDigitError(BLANK)
    keep = areas >= max(SPECK_FRACTION * areas.max(), 1)
    kept = np.concatenate([[False], keep])[labels]
    # Ink over half the picture is a texture when it is fine-grained; a digit filling its frame
    # with thick strokes covers as much (measured: noise ~0.01 of the side wide, such digits 0.13).
    if (areas[keep].sum() > 0.45 * mask.size and stroke_width(kept) < FINE * max(mask.shape)) or (
        len(areas) > 50 and areas.max() < 0.5 * areas.sum()
    ):
        raise NoDigitError(NOISE)
    return kept


def frame_lines(stats: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Which ink blobs are a line along the picture's edge -- the paper's edge, a frame, a ruled
    border -- rather than the digit: nearly as long as the side, thin, and near it."""
    height, width = shape
    left, top = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    w, h = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    near_top_or_bottom = (top <= FRAME_BAND * height) | (top + h >= (1 - FRAME_BAND) * height)
    along_top_or_bottom = (
        (w >= FRAME_LENGTH * width) & (h <= FRAME_THICKNESS * height) & near_top_or_bottom
    )
    along_a_side = (
        (h >= FRAME_LENGTH * height)
        & (w <= FRAME_THICKNESS * width)
        & ((left <= FRAME_BAND * width) | (left + w >= (1 - FRAME_BAND) * width))
    )
    return along_top_or_bottom | along_a_side


def find_ink(grey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Light ink on a flat dark background, and the mask of the ink (specks removed)."""
    ink = flatten_background(light_ink_on_dark(grey))
    return ink, ink_mask(ink)


def crop_to_ink(ink: np.ndarray, mask: np.ndarray, blurry: bool = False) -> np.ndarray:
    """The ink's bounding box, with grey levels stretched so strokes are 1 and paper is 0. A sharp
    digit keeps only the pixels next to its ink (its anti-aliasing); a blurry one keeps its grey
    fringes, which are its detail, is stretched to its darkest core, and is boxed where those
    fringes end: Otsu's cut runs through the blur, so its box clipped the halo off at the edges
    and made the box depend on where the threshold happened to fall."""
    sample, sample_mask = ink[::4, ::4], mask[::4, ::4]  # a median needs no more
    paper = quantile(sample[~sample_mask], 0.5) if (~sample_mask).any() else 0.0
    stroke = quantile(ink[mask], 0.99 if blurry else 0.9)
    crop = (ink - paper) / max(stroke - paper, 1e-6)
    if blurry:
        mask = with_halo(crop, mask)
    else:
        crop *= cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8))
    left, top, width, height = cv2.boundingRect(mask.astype(np.uint8))
    return np.clip(crop[top : top + height, left : left + width], 0, 1).astype(np.float32)


def with_halo(stretched: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The mask and the blurred fringe joined to it: pixels of the stretched ink (paper 0,
    stroke 1, not clipped) above FRINGE, 8-connected to the mask, at most HALO of the digit's
    size away (a shadow's edge touching the halo is not the digit)."""
    _, _, width, height = cv2.boundingRect(mask.astype(np.uint8))
    reach = max(1, round(HALO * max(width, height)))
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1, 2 * reach + 1))
    near = cv2.dilate(mask.astype(np.uint8), disc).astype(bool)
    fringe = (stretched > FRINGE) & near
    _, labels = cv2.connectedComponents(fringe.astype(np.uint8), connectivity=8)
    joined = np.unique(labels[mask])
    return np.isin(labels, joined[joined > 0]) | mask


def crop_digit(ink: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The digit cut out for its box: a blurry enlargement keeps its grey levels (there is no
    pen to redraw), a sharp digit gets its pen brought to MNIST's width."""
    crop = crop_to_ink(ink, mask)
    if edge_softness(crop) > BLURRY:
        return crop_to_ink(ink, mask, blurry=True)
    return normalise_stroke(crop)


def fit_box(crop: np.ndarray, box: int = BOX) -> np.ndarray:
    """Scale so the longer side is `box` pixels, keeping the aspect ratio and grey levels."""
    height, width = crop.shape
    scale = box / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return np.clip(cv2.resize(crop, size, interpolation=interpolation), 0, 1)


def centre_by_mass(digit: np.ndarray, size: int = SIZE) -> np.ndarray:
    """Paste into size x size so the centre of mass lands where MNIST's do."""
    mass = digit.sum()  # (numpy, not cv2.moments, which reads an N x 2 image as N points)
    if mass <= 0:
        raise NoDigitError(BLANK)
    rows, cols = np.indices(digit.shape)
    shift_x = round(CENTRE - (cols * digit).sum() / mass)
    shift_y = round(CENTRE - (rows * digit).sum() / mass)
    move = np.array([[1, 0, shift_x], [0, 1, shift_y]], np.float32)
    return cv2.warpAffine(digit, move, (size, size), flags=cv2.INTER_NEAREST)


def zoom_in(full: np.ndarray, grey: np.ndarray, mask: np.ndarray) -> np.ndarray | None:
    """A small digit in a big picture: its neighbourhood cut from the full-resolution image,
    so shrinking the whole picture costs it no detail. None when no zoom is needed."""
    scale = full.shape[0] / grey.shape[0]
    left, top, width, height = cv2.boundingRect(mask.astype(np.uint8))
    if scale <= 1 or max(width, height) >= ZOOM_BELOW:
        return None
    margin = max(width, height)  # the digit's own size on every side: the border is paper
    rows = slice(int(max(0, top - margin) * scale), int((top + height + margin) * scale))
    cols = slice(int(max(0, left - margin) * scale), int((left + width + margin) * scale))
    return shrink(full[rows, cols])


def preprocess_stages(image: ImageInput) -> dict[str, np.ndarray]:
    """Every intermediate picture, in order; the last one is the model's input."""
    full = to_grayscale(to_array(image))
    grey = shrink(full)
    try:
        ink, mask = find_ink(grey)
    except NoDigitError as error:
        # Texture finer than the work image averages out to flat grey when shrunk: not blank.
        if str(error) == BLANK and float(full.std()) > MIN_CONTRAST:
            raise NoDigitError(NOISE) from None
        raise
    closer = zoom_in(full, grey, mask)
    if closer is not None:
        grey = closer
        ink, mask = find_ink(grey)
    crop = crop_digit(ink, mask)
    box = fit_box(crop)
    return {
        "grayscale": grey,
        "ink mask": mask,
        "crop": crop,
        "20x20": box,
        "centred 28x28": centre_by_mass(box),
    }


def preprocess(image: ImageInput) -> np.ndarray:
    """(28, 28) float32 in [0, 1], white digit on black, centred like MNIST."""
    return preprocess_stages(image)["centred 28x28"]
