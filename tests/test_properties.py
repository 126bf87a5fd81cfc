"""No picture crashes the readers: read_digit and read_number answer (probabilities summing to 1,
one box per digit) or raise InvalidImageError / NoDigitError, never anything else.

Hypothesis draws the pictures: generated ones (digits, numbers, noise, lines, blank) in every
Pillow mode and array type, with alpha patterns (uniform partial alpha, fades, holes, ink carried
by alpha, noise), sizes from 8 px to thousands, strips, borders, as files damaged or not; and the
real development pictures (../shared/data/real-*, beside the clone in CI too) mutated the ways
benchmarks/mutations.py counts, one or two mutations at a time. Then the bad-input corpus and
the size limits themselves.

CI draws the same examples every run (derandomized). To look further, with fresh random
examples: DIGIT_PROPERTY_EXAMPLES=2000 python -m pytest tests/test_properties.py
"""

import io
import os

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from benchmarks.mutations import KINDS, MODES, damage, in_mode, real_files
from digit_core import InvalidImageError, NoDigitError, read_digit, read_number
from digit_core.decode import MAX_ASPECT, MAX_PIXELS
from digit_core.number import MAX_DIGITS
from tests.bad_inputs import corpus
from training.drawings import compose_number, ink_strokes, mnist_fixture

DIGITS, LABELS = mnist_fixture()
REAL = real_files(("real-dev", "real-numbers-dev", "real-nondigits-dev"))
EXPLORE = int(os.environ.get("DIGIT_PROPERTY_EXAMPLES", "0"))
PROPERTY = settings(
    max_examples=EXPLORE or 100,
    derandomize=not EXPLORE,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def check_readers(picture) -> None:
    """Both readers answer sensibly or refuse with a typed error."""
    try:
        digit = read_digit(picture)
    except (InvalidImageError, NoDigitError):
        pass
    else:
        probabilities = np.array(list(digit.probabilities.values()))
        assert np.isfinite(probabilities).all() and abs(probabilities.sum() - 1) < 1e-5
    try:
        number = read_number(picture)
    except (InvalidImageError, NoDigitError):
        return
    assert 1 <= len(number.text) <= MAX_DIGITS and number.text.isdigit()
    assert len(number.digits) == len(number.boxes) == len(number.text)
    assert all(min(box) >= 0 for box in number.boxes)


# ----------------------------------------------------------------------------- generated

SIDES = st.one_of(st.integers(8, 64), st.integers(8, 700), st.integers(700, 3000))


def content(kind: str, height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """Ink coverage in [0, 1], height x width."""
    if kind == "digit":
        side = max(height, width)
        ink = ink_strokes(
            DIGITS[rng.integers(len(DIGITS))],
            canvas=side,
            height=rng.uniform(0.05, 1.0),
            offset=tuple(rng.uniform(0, 1, 2)),
            stroke=rng.uniform(0.3, 4.0),
        )
        return ink[:height, :width]
    if kind == "number":
        number = compose_number(
            list(DIGITS[rng.integers(len(DIGITS), size=rng.integers(1, 15))]), rng
        )
        return 1 - cv2.resize(number[..., 0], (width, height)).astype(np.float32) / 255
    if kind == "noise":
        return rng.random((height, width), dtype=np.float32)
    ink = np.zeros((height, width), np.float32)
    if kind == "lines":  # ruled or squared paper, a frame, scribbles
        for _ in range(int(rng.integers(1, 30))):
            ends = rng.integers(-20, max(height, width) + 20, 4)
            cv2.line(
                ink,
                (int(ends[0]), int(ends[1])),
                (int(ends[2]), int(ends[3])),
                1.0,
                int(rng.integers(1, 6)),
            )
    return ink  # "blank": nothing at all


def alpha_channel(
    pattern: str, level: int, ink: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    height, width = ink.shape
    if pattern == "uniform":
        return np.full(ink.shape, level, np.uint8)
    if pattern == "fade":  # from `level` on one side to opaque on the other
        ys, xs = np.mgrid[0:height, 0:width]
        ramp = xs / max(width - 1, 1) if rng.random() < 0.5 else ys / max(height - 1, 1)
        return np.round(level + (255 - level) * ramp).astype(np.uint8)
    if pattern == "holes":
        alpha = np.full(ink.shape, 255, np.uint8)
        for _ in range(int(rng.integers(1, 5))):
            top, left = int(rng.integers(height)), int(rng.integers(width))
            alpha[
                top : top + int(rng.integers(1, height + 1)),
                left : left + int(rng.integers(1, width + 1)),
            ] = level
        return alpha
    if pattern == "ink":  # a drawing layer: alpha carries the strokes
        return np.round(ink * 255).astype(np.uint8)
    return rng.integers(0, 256, ink.shape, dtype=np.uint8)  # "noise"


def as_array(rgba: np.ndarray, layout: str) -> np.ndarray:
    """The RGBA picture as one of the array layouts and types callers pass."""
    grey = cv2.cvtColor(rgba[..., :3], cv2.COLOR_RGB2GRAY)
    return {
        "grey": grey,
        "grey-1": grey[..., None],
        "grey-alpha": np.dstack([grey, rgba[..., 3]]),
        "rgb": rgba[..., :3],
        "rgba": rgba,
        "rgba-16": rgba.astype(np.uint16) * 257,
        "rgb-float": rgba[..., :3].astype(np.float32) / 255,
        "bool": grey > 127,
        "int32": grey.astype(np.int32),
        "float64-alpha": rgba.astype(np.float64) / 255,
    }[layout]


@st.composite
def generated_pictures(draw):
    height, width = draw(SIDES), draw(SIDES)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    ink = content(
        draw(st.sampled_from(["digit", "number", "noise", "lines", "blank"])), height, width, rng
    )
    paper, pen = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
    rgb = paper * (1 - ink[..., None]) + pen * ink[..., None]
    alpha = alpha_channel(
        draw(st.sampled_from(["none", "uniform", "fade", "holes", "ink", "noise"])),
        draw(st.integers(0, 255)),
        ink,
        rng,
    )
    rgba = np.dstack([np.round(rgb).astype(np.uint8), alpha])
    if draw(st.booleans()):  # a border of one colour on every side
        pad = draw(st.integers(1, 60))
        rgba = np.pad(
            rgba, ((pad, pad), (pad, pad), (0, 0)), constant_values=draw(st.integers(0, 255))
        )
    form = draw(st.sampled_from(["array", "mode", "file"]))
    if form == "array":
        return as_array(
            rgba,
            draw(
                st.sampled_from(
                    [
                        "grey",
                        "grey-1",
                        "grey-alpha",
                        "rgb",
                        "rgba",
                        "rgba-16",
                        "rgb-float",
                        "bool",
                        "int32",
                        "float64-alpha",
                    ]
                )
            ),
        )
    image = Image.fromarray(rgba)
    picture = in_mode(image, draw(st.sampled_from(sorted(MODES))))
    if form == "file" and isinstance(picture, bytes) and draw(st.booleans()):
        return damage(picture, rng)
    return picture


@PROPERTY
@given(generated_pictures())
def test_generated_pictures_are_read_or_refused(picture):
    check_readers(picture)


# ----------------------------------------------------------------------------- real, mutated

ANY_KIND = sorted(KINDS)
FIRST_KIND = [kind for kind in ANY_KIND if kind != "huge"]  # a huge picture ends the chain


@st.composite
def mutated_real_pictures(draw):
    """One or two mutations of a real picture; a damaged file, or one in a mode the mutations
    do not start from, goes to the readers as it is."""
    kinds = draw(st.lists(st.sampled_from(FIRST_KIND), max_size=1)) + [
        draw(st.sampled_from(ANY_KIND))
    ]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    picture = Image.open(draw(st.sampled_from(REAL)))
    for kind in kinds:
        image = picture
        if isinstance(picture, bytes):  # a file: mutated further as Pillow decodes it
            try:
                image = Image.open(io.BytesIO(picture))
                image.load()
            except (OSError, SyntaxError, ValueError):
                break
        if image.mode not in ("1", "L", "P", "RGB", "RGBA"):  # the mutations start from these
            break
        picture = KINDS[kind](image, rng)
    return picture


@PROPERTY
@given(mutated_real_pictures())
def test_mutated_real_pictures_are_read_or_refused(picture):
    check_readers(picture)


# ----------------------------------------------------------------------------- fixed cases


@pytest.mark.parametrize("name, data, expected", corpus(), ids=[c[0] for c in corpus()])
def test_bad_input_corpus_is_read_or_refused(name, data, expected):
    check_readers(data)


def digit_on_paper(height: int, width: int) -> np.ndarray:
    """A digit (drawn at most 512 px tall) dark on white in the middle of a height x width grey
    picture."""
    side = min(height, width, 512)
    grey = np.full((height, width), 255, np.uint8)
    top, left = (height - side) // 2, (width - side) // 2
    grey[top : top + side, left : left + side] = np.round(
        255 * (1 - ink_strokes(DIGITS[0], canvas=side, height=0.7))
    ).astype(np.uint8)
    return grey


@pytest.mark.parametrize(
    "height, width",
    [
        (8, 8),
        (8, 8 * MAX_ASPECT),
        (8 * MAX_ASPECT, 8),
        (int((MAX_PIXELS / MAX_ASPECT) ** 0.5), int((MAX_PIXELS * MAX_ASPECT) ** 0.5)),
        (int(MAX_PIXELS**0.5), int(MAX_PIXELS**0.5)),
    ],
)
def test_pictures_at_the_size_limits_are_read_or_refused(height, width):
    check_readers(digit_on_paper(height, width))
