"""GENERATED numbers on generated paper, for choosing and measuring the number reader.

MNIST digits laid out as a whole number (drawings.compose_number), then put on paper the way
real numbers arrive: ruled or squared paper, a form field's box lines, a cheque's security
pattern, a phone photo's shadow and vignette, a scan's dark edge, blur and JPEG. Every picture
here is generated; none is a real one.
"""

from collections.abc import Callable

import cv2
import numpy as np

from digit_core.page_angle import turned
from training.drawings import compose_number

Rng = np.random.Generator
SLANT = 0.45  # slanted numbers lean by up to this shear (about 24 degrees) either way
TILT = 35  # a number photographed at an angle: its row turned by up to this many degrees
ASKEW = 6  # a page laid crooked on the scanner: ink and printed lines turned by up to this
BOW = (0.005, 0.03)  # a page photographed not lying flat: its middle this share of its width off
FIELD = (34, 42)  # a form field cut out of a scanned form is this many pixels tall
CLOSE = 0.15  # a number cropped close keeps at most this share of its height as margin


def number_ink(digits: list[np.ndarray], rng: Rng) -> np.ndarray:
    """The digits' ink coverage in [0, 1], laid out as one number."""
    return 1 - compose_number(digits, rng)[..., 0].astype(np.float32) / 255


def ink_rows(ink: np.ndarray) -> tuple[int, int]:
    rows = np.nonzero(ink.max(axis=1) > 0.5)[0]
    return int(rows[0]), int(rows[-1])


def ruled(ink: np.ndarray, rng: Rng) -> np.ndarray:
    """Ruled lines across the whole width, one running through the digits' feet."""
    lines = np.zeros_like(ink)
    top, bottom = ink_rows(ink)
    spacing = int((bottom - top) * rng.uniform(1.1, 1.6))
    thick = int(rng.integers(1, 4))
    for y in range(bottom - int(rng.uniform(0, 0.15) * spacing) % spacing, ink.shape[0], spacing):
        lines[y : y + thick] = rng.uniform(0.35, 0.8)
    for y in range(bottom - spacing, -1, -spacing):
        lines[max(0, y) : y + thick] = rng.uniform(0.35, 0.8)
    return lines


def squared(ink: np.ndarray, rng: Rng) -> np.ndarray:
    """Squared (graph) paper: a grid of faint lines about a digit's size apart."""
    lines = np.zeros_like(ink)
    top, bottom = ink_rows(ink)
    spacing = max(6, int((bottom - top) * rng.uniform(0.35, 0.8)))
    level = rng.uniform(0.2, 0.5)
    offset = int(rng.integers(0, spacing))
    lines[offset::spacing] = level
    lines[:, offset::spacing] = level
    return lines


def form_boxes(ink: np.ndarray, rng: Rng) -> np.ndarray:
    """A form field: a rectangle round the number, touching its top or feet, often dashed,
    sometimes combs."""
    lines = np.zeros_like(ink)
    top, bottom = ink_rows(ink)
    cols = np.nonzero(ink.max(axis=0) > 0.5)[0]
    left, right = cols[0] - int(rng.integers(2, 15)), cols[-1] + int(rng.integers(2, 15))
    y0 = max(0, top - int(rng.integers(-2, 8)))
    y1 = min(ink.shape[0] - 1, bottom + int(rng.integers(-2, 8)))
    thick = int(rng.integers(1, 4))
    cv2.rectangle(lines, (max(0, left), y0), (min(ink.shape[1] - 1, right), y1), 1.0, thick)
    if rng.random() < 0.5:  # printed dashed, or faded by the scan: the box comes in pieces
        dash = max(2, int((bottom - top) * rng.uniform(0.1, 1.0)))
        lines[(np.indices(lines.shape).sum(axis=0) // dash) % 2 == 1] = 0
    if rng.random() < 0.4:  # dotted comb marks under each place
        for x in range(max(0, left), min(ink.shape[1], right), max(4, (bottom - top) // 2)):
            lines[y1 - (bottom - top) // 5 : y1, x : x + thick] = 1.0
    return lines


def cheque(ink: np.ndarray, rng: Rng) -> np.ndarray:
    """A security pattern: fine diagonal waves and speckle in mid grey."""
    h, w = ink.shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    period = rng.uniform(4, 10)
    waves = 0.5 + 0.5 * np.sin(
        (xs + ys * rng.uniform(0.5, 1.5)) * 2 * np.pi / period + 3 * np.sin(ys / rng.uniform(8, 20))
    )
    speckle = rng.random((h, w)).astype(np.float32)
    return (rng.uniform(0.15, 0.35) * waves + 0.1 * speckle).astype(np.float32)


def scan_edge(ink: np.ndarray, rng: Rng) -> np.ndarray:
    """A scanner's black edge down one side and a printed frame line beside the number."""
    lines = np.zeros_like(ink)
    h, w = ink.shape
    edge = int(w * rng.uniform(0.05, 0.2))
    lines[:, :edge] = 1.0
    x = int(np.nonzero(ink.max(axis=0) > 0.5)[0][0] - rng.integers(3, 20))
    lines[:, max(edge + 2, x) : max(edge + 2, x) + int(rng.integers(1, 3))] = 0.7
    return lines


def plain(ink: np.ndarray, rng: Rng) -> np.ndarray:
    return np.zeros_like(ink)


PAPERS: dict[str, Callable[[np.ndarray, Rng], np.ndarray]] = {
    "plain": plain,
    "ruled": ruled,
    "squared": squared,
    "form box": form_boxes,
    "cheque": cheque,
    "scan edge": scan_edge,
}


def photographed(darkness: np.ndarray, rng: Rng, shadow: bool) -> np.ndarray:
    """Paper tone, vignette, an optional hard shadow, blur, noise, JPEG: RGB uint8."""
    h, w = darkness.shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    r = np.hypot((xs - w / 2) / w, (ys - h / 2) / h) * 2
    light = 1 - rng.uniform(0.0, 0.5) * r**2
    if shadow:
        angle = rng.uniform(0, np.pi)
        side = np.cos(angle) * (xs / w - rng.uniform(0.2, 0.8)) + np.sin(angle) * (ys / h - 0.5)
        light *= np.where(side > 0, rng.uniform(0.55, 0.8), 1.0)
        light = cv2.GaussianBlur(light, (0, 0), max(1.0, 0.02 * max(h, w)))
    paper = rng.uniform(0.75, 1.0, 3)
    pen = rng.uniform(0.0, 0.3, 3)
    rgb = ((1 - darkness[..., None]) * paper + darkness[..., None] * pen) * light[..., None]
    rgb = cv2.GaussianBlur(rgb.astype(np.float32), (0, 0), rng.uniform(0.3, 1.2))
    rgb += rng.normal(0, rng.uniform(0.0, 0.03), rgb.shape).astype(np.float32)
    out = np.clip(rgb * 255, 0, 255).astype(np.uint8)
    _, jpeg = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(50, 95))])
    return cv2.imdecode(jpeg, cv2.IMREAD_COLOR)


def skipping_pen(ink: np.ndarray, rng: Rng) -> np.ndarray:
    """A pen that skips: the strokes broken by gaps about a pen's width long."""
    top, bottom = ink_rows(ink)
    grain = max(1.5, (bottom - top) / rng.uniform(10, 16))
    field = cv2.GaussianBlur(rng.random(ink.shape).astype(np.float32), (0, 0), grain)
    field = (field - field.mean()) / max(float(field.std()), 1e-6)
    return ink * (field > rng.uniform(-2.0, -1.5))


def leaning(ink: np.ndarray, shear: float) -> np.ndarray:
    """The ink sheared sideways, x + shear * (rows above the middle), widened to hold it all."""
    height, width = ink.shape
    room = abs(shear) * height / 2
    move = np.array([[1, shear, room - shear * height / 2], [0, 1, 0]], np.float32)
    return cv2.warpAffine(ink, move, (width + int(np.ceil(2 * room)), height))


def bowed_page(darkness: np.ndarray, rng: Rng) -> np.ndarray:
    """The page photographed curled, not lying flat: each column moved up or down, its ends
    not at all and its middle by BOW of the width, so printed lines bend (ink and all)."""
    h, w = darkness.shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    sag = rng.uniform(*BOW) * w * rng.choice([-1, 1])
    shift = sag * (1 - (2 * xs / max(w - 1, 1) - 1) ** 2)
    down = (ys + shift).astype(np.float32)
    page = darkness.astype(np.float32)
    return cv2.remap(page, xs, down, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def number_on_paper(
    digits: list[np.ndarray],
    rng: Rng,
    paper: str,
    photo: bool = True,
    skipping: bool = False,
    slanted: bool = False,
    tilted: bool = False,
    small: bool = False,
    askew: bool = False,
    bowed: bool = False,
    pencil: bool = False,
    cropped: bool = False,
) -> np.ndarray:
    """A GENERATED picture (RGB uint8) of these digits written as one number on this paper."""
    ink = number_ink(digits, rng)
    if slanted:  # handwriting leans: MNIST's digits are upright
        ink = leaning(ink, rng.uniform(-SLANT, SLANT))
    if tilted:  # the page photographed at an angle
        ink, _ = turned(ink, rng.uniform(-TILT, TILT))
    if skipping:
        ink = skipping_pen(ink, rng)
    pad = int(ink.shape[0] * rng.uniform(0.2, 1.5))  # more paper round it, as photos have
    ink = np.pad(ink, ((pad, pad), (pad // 2 + 4, pad // 2 + 4)))
    lines = PAPERS[paper](ink, rng)
    if pencil:  # a soft pencil's grey, often fainter than the paper's printed lines
        ink = ink * rng.uniform(0.3, 0.6)
    darkness = np.maximum(ink, lines)
    if askew:  # the whole page crooked, its printed lines too (the frame crops the corners)
        h, w = darkness.shape
        move = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-ASKEW, ASKEW), 1.0)
        darkness = cv2.warpAffine(darkness, move, (w, h))
    if bowed:
        darkness = bowed_page(darkness, rng)
    picture = photographed(darkness, rng, shadow=photo and rng.random() < 0.4)
    if cropped:  # the photo cut close round the digits (their box before any turn or bend)
        x, y, w, h = cv2.boundingRect((ink > 0.05).astype(np.uint8))
        margin = int(h * rng.uniform(0, CLOSE))
        picture = picture[max(0, y - margin) : y + h + margin, max(0, x - margin) : x + w + margin]
    if small:  # a picture scanned or photographed small: the whole of it 32-64 px tall
        scale = rng.uniform(32, 64) / picture.shape[0]
        picture = cv2.resize(picture, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return picture


def frame_side(lines: np.ndarray, x: int, rng: Rng) -> None:
    """A printed frame's upright side drawn into `lines`: a little off the page's axis (the form
    printed or cut a degree or three askew) and broken where the scan lost it."""
    h = lines.shape[0]
    lean = np.tan(np.radians(rng.uniform(-3, 3))) * h
    thick = int(rng.integers(1, 4))
    cv2.line(lines, (x, 0), (x + int(lean), h - 1), 1.0, thick)
    if rng.random() < 0.6:
        gaps = rng.random(h) < rng.uniform(0.01, 0.06)
        lines[cv2.dilate(gaps.astype(np.uint8)[:, None], np.ones((3, 1))).ravel() > 0] = 0


def form_field(digits: list[np.ndarray], rng: Rng) -> np.ndarray:
    """A GENERATED form field cut out of a scanned form (RGB uint8, 34-42 px tall): a tight crop
    round the number, a ballpoint's pen, the printed frame partly inside (its top and bottom at
    the crop's edges, its sides sometimes in, a little askew and broken), scanned in black and
    white, and dust."""
    ink = number_ink(digits, rng)
    top, bottom = ink_rows(ink)
    height = bottom - top
    # A ballpoint's line, thinner than MNIST's marker: up to a 20th of the digits' height thinner.
    thin = max(1, int(height * rng.uniform(0.0, 0.05)))
    ink = np.pad(cv2.erode(ink, np.ones((thin, thin), np.uint8)), height)  # room for the frame
    top, bottom = ink_rows(ink)
    cols = np.nonzero(ink.max(axis=0) > 0.5)[0]
    y0 = top - int(height * rng.uniform(0.05, 0.35))
    y1 = bottom + int(height * rng.uniform(0.0, 0.3))
    x0 = cols[0] - int(height * rng.uniform(0.1, 0.8))
    x1 = cols[-1] + int(height * rng.uniform(0.1, 0.8))
    thick = int(rng.integers(1, 4))
    lines = np.zeros_like(ink)
    lines[y0 : y0 + thick, x0:x1] = lines[y1 : y1 + thick, x0:x1] = 1.0
    frame = lines[y0 : y1 + thick]  # a view: the sides are drawn into `lines`
    for x in (x0, x1):
        if rng.random() < 0.6:
            side = np.zeros_like(frame)
            frame_side(side, x, rng)
            np.maximum(frame, side, out=frame)
    margin = height * rng.uniform(0.05, 0.3, 2)
    cut = np.maximum(ink, lines)[
        y0 + int(rng.integers(0, 3)) : y1 + thick - int(rng.integers(0, 3)),
        x0 - int(margin[0]) : x1 + int(margin[1]),
    ]
    scale = rng.uniform(*FIELD) / cut.shape[0]
    cut = cv2.resize(cut, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    scan = (cut > rng.uniform(0.3, 0.5)).astype(np.float32)  # a black-and-white scan
    scan = np.maximum(scan, rng.random(scan.shape) < rng.uniform(0.0, 0.001))  # dust
    scan = cv2.GaussianBlur(scan, (0, 0), rng.uniform(0.3, 0.7))
    grey = np.clip(255 * (1 - 0.9 * scan), 0, 255).astype(np.uint8)
    return np.repeat(grey[..., None], 3, axis=2)


def validation_digits(mnist_path: str, count: int = 6000) -> tuple[np.ndarray, np.ndarray]:
    """The training split's validation part (its last 6,000 digits, as train.py holds out):
    never the test split, never digits the network was trained on."""
    with np.load(mnist_path) as f:
        return f["x_train"][-count:], f["y_train"][-count:]
