"""Whole numbers: segmentation into digits, boxes, and a small run of the reading benchmark."""

import numpy as np
import pytest

from benchmarks.read_numbers import digits_matched
from digit_core import NoDigitError, read_number
from training.drawings import black_on_white, compose_number, ink_strokes, mnist_fixture

DIGITS, LABELS = mnist_fixture()


def test_reads_composed_numbers():
    """A small version of benchmarks/read_numbers.py, on the 300-digit fixture."""
    rng = np.random.default_rng(3)
    numbers = digits = right_numbers = right_digits = 0
    for _ in range(60):
        index = rng.choice(len(DIGITS), int(rng.integers(2, 7)), replace=False)
        truth = "".join(str(LABELS[i]) for i in index)
        reading = read_number(compose_number([DIGITS[i] for i in index], rng))
        numbers, digits = numbers + 1, digits + len(truth)
        right_numbers += reading.text == truth
        right_digits += digits_matched(reading.text, truth)
    assert right_digits / digits >= 0.97 and right_numbers / numbers >= 0.85, \
        (right_digits / digits, right_numbers / numbers)


def test_boxes_are_left_to_right_in_image_coordinates():
    rng = np.random.default_rng(0)
    picture = compose_number([DIGITS[i] for i in range(4)], rng)
    reading = read_number(picture)
    assert len(reading.boxes) == len(reading.text) == len(reading.digits)
    lefts = [x for x, _, _, _ in reading.boxes]
    assert lefts == sorted(lefts)
    for x, y, w, h in reading.boxes:  # every box holds ink and lies inside the picture
        assert x >= 0 and y >= 0 and x + w <= picture.shape[1] and y + h <= picture.shape[0]
        assert (picture[y:y + h, x:x + w] < 128).any()
    for probabilities in reading.digits:
        assert sum(probabilities.values()) == pytest.approx(1, abs=1e-5)


def test_one_digit_is_a_one_digit_number():
    reading = read_number(black_on_white(ink_strokes(DIGITS[0])))
    assert reading.text == str(LABELS[0]) and len(reading.boxes) == 1


def test_a_blank_canvas_has_no_number():
    with pytest.raises(NoDigitError):
        read_number(np.full((200, 600), 255, np.uint8))


def test_the_number_picture_shows_a_transparent_background_as_white():
    from digit_core.pictures import boxes_picture

    layer = np.zeros((60, 90, 4), np.uint8)  # black ink on a transparent layer, as canvases send
    layer[20:40, 30:34, 3] = 255
    picture = boxes_picture(layer, [(28, 18, 8, 24)], "1")
    assert picture.shape == (60, 90, 3)
    assert (picture[2, 2] == 255).all() and (picture[30, 31] == 0).all()
