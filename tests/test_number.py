"""Whole numbers: segmentation into digits, boxes, and a small run of the reading benchmark."""

import contextlib
from functools import partial

import cv2
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from benchmarks.read_numbers import digits_matched
from benchmarks.textures import textures
from digit_core import NoDigitError, read_number
from digit_core.line_runs import runs
from digit_core.number import NOT_A_NUMBER
from digit_core.number_line import (
    blob_heights,
    digit_bars,
    digit_height,
    line_ink_mask,
    written_ink,
)
from digit_core.page_angle import skew, turned
from digit_core.paper import flatten_light, strongest, threshold
from digit_core.preprocess import crop_digit, quantile
from digit_core.segment import as_input
from training.drawings import black_on_white, compose_number, ink_strokes, mnist_fixture
from training.number_paper import form_field, ink_rows, number_ink, number_on_paper

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
        right_numbers += reading.text == truth and reading.is_number
        right_digits += digits_matched(reading.text, truth)
    assert right_digits / digits >= 0.97 and right_numbers / numbers >= 0.85, (
        right_digits / digits,
        right_numbers / numbers,
    )


def test_boxes_are_left_to_right_in_image_coordinates():
    rng = np.random.default_rng(0)
    picture = compose_number([DIGITS[i] for i in range(4)], rng)
    reading = read_number(picture)
    assert len(reading.boxes) == len(reading.text) == len(reading.digits)
    lefts = [x for x, _, _, _ in reading.boxes]
    assert lefts == sorted(lefts)
    for x, y, w, h in reading.boxes:  # every box holds ink and lies inside the picture
        assert x >= 0 and y >= 0 and x + w <= picture.shape[1] and y + h <= picture.shape[0]
        assert (picture[y : y + h, x : x + w] < 128).any()
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
    assert picture.shape == (480, 720, 3)  # small pictures are drawn 720 px on their long side
    assert (picture[16, 16] == 255).all() and (picture[240, 250] == 0).all()


def test_the_number_picture_is_drawn_on_a_copy():
    """It drew the boxes into the caller's own RGB array (and failed on a read-only one)."""
    from digit_core.pictures import boxes_picture

    picture = np.full((60, 90, 3), 255, np.uint8)
    picture.flags.writeable = False
    boxed = boxes_picture(picture, [(28, 18, 8, 24)], "1")
    assert (picture == 255).all() and (boxed != 255).any()


def reads_on_paper(paper: str, count: int, seed: int, **kinds) -> int:
    """How many of `count` GENERATED numbers on this paper read exactly."""
    return reads(partial(number_on_paper, paper=paper, **kinds), count, seed)


def reads(make, count: int, seed: int) -> int:
    """How many of `count` GENERATED numbers made by make(digits, rng) read exactly."""
    rng = np.random.default_rng(seed)
    right = 0
    for _ in range(count):
        index = rng.choice(len(DIGITS), int(rng.integers(3, 7)), replace=False)
        picture = make([DIGITS[i] for i in index], rng)
        try:
            right += read_number(picture).text == "".join(str(LABELS[i]) for i in index)
        except NoDigitError:
            pass
    return right


@pytest.mark.parametrize("paper", ["ruled", "form box", "scan edge"])
def test_lines_frames_and_scan_edges_do_not_join_the_digits(paper):
    """The old reader read 2 of 30 such numbers on ruled paper, 0 of 30 in form boxes."""
    assert reads_on_paper(paper, 8, seed=1) >= 5


def reads_with_printed_marks(count: int, seed: int, digits: tuple, pad: int, marks) -> int:
    """How many of `count` GENERATED numbers of fixture digits (`digits`: how many, as
    rng.integers takes it) read exactly with `marks(lines, top, bottom, first, last)` printed
    round them: `lines` is blank paper to draw on, the rest where the number's ink lies."""
    rng = np.random.default_rng(seed)
    right = 0
    for _ in range(count):
        index = rng.choice(len(DIGITS), int(rng.integers(*digits)), replace=False)
        ink = np.pad(number_ink([DIGITS[i] for i in index], rng), pad)
        top, bottom = ink_rows(ink)
        cols = np.nonzero(ink.max(axis=0) > 0.5)[0]
        lines = marks(np.zeros_like(ink), top, bottom, cols[0], cols[-1])
        picture = black_on_white(np.maximum(ink, lines))
        right += read_number(picture).text == "".join(str(LABELS[i]) for i in index)
    return right


def test_a_dashed_form_box_leaves_no_digits():
    """Pieces of a dashed box's sides were read as 1s (old reader: 1 of 8 right, now 7)."""

    def dashed_sides(box, top, bottom, first, last):
        box[top - 6 : bottom + 6, first - 8 : first - 6] = 1  # the sides, a thin pen...
        box[top - 6 : bottom + 6, last + 6 : last + 8] = 1
        dash = int(0.6 * (bottom - top))
        box[((np.arange(len(box)) // dash) % 2 == 1)] = 0  # ... printed dashed
        return box

    assert reads_with_printed_marks(8, seed=4, digits=(3, 7), pad=20, marks=dashed_sides) >= 6


def test_a_form_fields_printed_corner_brackets_are_not_digits():
    """Thin L-shaped corners round the field were read as 1s and 7s (old reader: 5 of 10)."""

    def corner_brackets(corners, top, bottom, first, last):
        arm = (bottom - top) // 3
        for y, down in ((top - 8, 1), (bottom + 8, -1)):
            for x, across in ((first - 10, 1), (last + 10, -1)):
                corners[min(y, y + down * arm) : max(y, y + down * arm) + 1, x : x + 2] = 1
                corners[y : y + 2, min(x, x + across * arm) : max(x, x + across * arm) + 1] = 1
        return corners

    assert reads_with_printed_marks(10, seed=1, digits=(2, 6), pad=30, marks=corner_brackets) >= 8


def test_a_number_photographed_at_an_angle_is_read_and_boxed_on_the_picture():
    """Rows turned by up to 35 degrees (old reader: 2 of 8, the row's ends cut off; now 8)."""
    assert reads_on_paper("plain", 8, seed=2, tilted=True) >= 6
    rng = np.random.default_rng(5)
    ink = np.pad(number_ink([DIGITS[i] for i in range(5)], rng), 40)
    picture = black_on_white(turned(ink, 30)[0])
    reading = read_number(picture)
    for x, y, w, h in reading.boxes:  # each box holds ink, and they climb to the right
        assert (picture[y : y + h, x : x + w] < 128).any()
    assert [y for _, y, _, _ in reading.boxes] == sorted(
        (y for _, y, _, _ in reading.boxes), reverse=True
    )


@pytest.mark.parametrize(("paper", "least"), [("ruled", 8), ("form box", 5)])
def test_a_crooked_page_is_turned_level_by_its_printed_lines(paper, least):
    """Pages turned by up to 6 degrees, lines and all: a tilted line has no straight run long
    enough to be found (old reader: 5 of 10 ruled, 2 of 10 form boxes; now 10 and 7)."""
    assert reads_on_paper(paper, 10, seed=1, askew=True) >= least


def ruled_page(degrees: float, upright: float | None = None) -> np.ndarray:
    """The ink of ruled lines turned by `degrees`, and of a frame's side turned by `upright`."""
    page = np.ones((300, 900), np.float32)
    rise = np.tan(np.radians(degrees)) * 450
    for y in (60, 150, 240):
        cv2.line(page, (0, round(y + rise)), (899, round(y - rise)), 0.0, 3)
    if upright is not None:
        lean = np.tan(np.radians(upright)) * 150
        cv2.line(page, (round(850 - lean), 0), (round(850 + lean), 299), 0.0, 2)
    return threshold(flatten_light(page))


def test_the_page_angle_is_its_printed_lines_angle():
    for degrees in (-5, -2, 3):
        assert skew(ruled_page(degrees)) == pytest.approx(degrees, abs=0.25)
        assert skew(ruled_page(degrees, upright=degrees)) == pytest.approx(degrees, abs=0.25)
    assert skew(ruled_page(0.3)) == 0  # level enough: not worth a turn
    # A square frame whose level lines run crooked: turning would tilt its upright side.
    assert skew(ruled_page(3, upright=0)) == 0


def test_a_small_scan_is_enlarged_before_it_is_read():
    """Whole pictures 32-64 px tall, digits 6-20 px (old reader: 6 of 20, now 12)."""
    assert reads_on_paper("plain", 20, seed=3, small=True) >= 9


@pytest.mark.parametrize("tone, darker_lines", [(0.75, True), (0.6, True), (0.1, False)])
def test_ink_fainter_than_the_printed_lines_is_cut_at_its_own_level(tone, darker_lines):
    """A ring drawn at `tone` between ruled lines at 0.1: Otsu's cut falls between the paper and
    the lines and loses a pencil's ring whole; `written_ink` cuts again at the ring's level and
    keeps it, adding nothing off it. A pen as dark as the lines is cut as before."""
    page = np.ones((300, 900), np.float32)
    for y in (60, 150, 240):
        cv2.line(page, (0, y), (899, y), 0.1, 3)
    ring = np.zeros(page.shape, np.uint8)
    cv2.circle(ring, (450, 105), 30, 1, 4)
    page[ring > 0] = tone
    flat = flatten_light(page)
    before, now = threshold(flat), written_ink(flat)
    assert now[ring > 0].all()
    assert np.array_equal(now[ring == 0], before[ring == 0])
    assert before[ring > 0].any() != darker_lines


@pytest.mark.parametrize("paper", ["plain", "ruled"])
def test_numbers_in_pencil_are_read(paper):
    """A pencil's grey, 0.3-0.6 of a pen's, on ruled lines as dark as 0.8 (now: 19, 17 of 20;
    18 on ruled before the ink was cut again at the pencil's own level, which gained 3 of 40 on
    GENERATED validation pencil on ruled paper)."""
    assert reads_on_paper(paper, 20, seed=3, pencil=True) >= 16


def test_form_fields_cut_from_a_scan_are_read():
    """Fields 34-42 px tall in black and white, their frame partly inside (now: 14 of 20)."""
    rng = np.random.default_rng(0)
    fields = [form_field([DIGITS[i] for i in rng.choice(len(DIGITS), 8)], rng) for _ in range(5)]
    assert all(34 <= f.shape[0] <= 42 and f.shape[1] > 3 * f.shape[0] for f in fields)
    assert reads(form_field, 20, seed=3) >= 12


@given(
    arrays(
        np.float32,
        st.tuples(st.integers(1, 60), st.integers(1, 60)),
        elements=st.sampled_from([0.0, 0.0, 0.0, 0.25, 0.5, 1.0, 3.0]),
    )
)
def test_the_strongest_ink_is_its_top_quantile(ink):
    """The ink's 99.9th percentile, read off its positive values alone, is exactly quantile's."""
    assert strongest(ink) == quantile(ink, 0.999)


def test_dark_ink_on_a_vignetted_photo_is_the_ink():
    """Dark corners made the picture's edge look like dark paper: the ink was taken for paper."""
    ink = np.zeros((200, 300), np.float32)
    ink[80:120, 100:104] = ink[80:120, 180:184] = 1  # two dark strokes
    ys, xs = np.mgrid[0:200, 0:300]
    light = 1 - 0.8 * np.hypot((xs - 150) / 150, (ys - 100) / 100) ** 2 / 2
    grey = np.clip((0.9 - 0.8 * ink) * light, 0, 1).astype(np.float32)
    flat = flatten_light(grey)
    assert flat[80:120, 100:104].mean() > 0.8 and flat[5:20, 5:20].mean() < 0.2


def test_box_sides_go_and_a_boxed_one_stays():
    mask = np.zeros((60, 200), bool)
    mask[10:12, 20:180] = mask[48:50, 20:180] = True  # a form box's top and bottom lines
    mask[10:50, 20:22] = mask[10:50, 178:180] = True  # its sides, line to line
    mask[14:48, 60:63] = True  # a 1 written inside, touching the bottom line only
    kept = line_ink_mask(mask)
    assert kept[14:46, 60:63].all()
    assert not kept[:, 15:25].any() and not kept[:, 175:185].any()


def bent_lined_page(index: list[int], sag: float) -> np.ndarray:
    """Fixture digits written above ruled lines that bend by `sag` px in their middle (a page
    photographed curled, not lying flat)."""
    row = np.hstack([ink_strokes(DIGITS[i], canvas=80, height=0.7, stroke=1.0) for i in index])
    page = np.zeros((600, 1000), np.float32)
    page[40 : 40 + row.shape[0], 100 : 100 + row.shape[1]] = row
    xs = np.arange(1000)
    for y in range(160, 600, 70):
        ys = y + sag * (1 - (2 * xs / 999 - 1) ** 2)
        cv2.polylines(page, [np.column_stack([xs, ys]).astype(np.int32)], False, 1.0, 4)
    return black_on_white(page)


@pytest.mark.parametrize("sag", [0, 10, 20, 30])
def test_a_number_above_bent_ruled_lines_is_read(sag):
    """Lines bent by 10 px left pieces wider than any digit, carrying the most ink: the digits'
    height was taken from them (10 px against the digits' 40), and the digits' strokes were
    then taken away as lines (old reader: 0 of 10 at a 10 px bend). Bent by 30 px, the steep
    ends of the lines were left, and the row was taken from them (0 of 10 without
    `sloped_runs`)."""
    for first in range(10):
        index = list(range(first, first + 6))
        truth = "".join(str(LABELS[i]) for i in index)
        assert read_number(bent_lined_page(index, sag)).text == truth


def test_numbers_on_a_page_photographed_curled_are_read():
    """GENERATED ruled pages bent as a page not lying flat, ink and lines (old reader: 12 of
    20, now 16; the benchmark's validation suite: 25 -> 34 of 40)."""
    assert reads_on_paper("ruled", 20, seed=3, bowed=True) >= 15


def fixture_digits_read(picture_of) -> int:
    """How many of the 300 fixture digits `read_number` reads right, each drawn by `picture_of`."""
    right = 0
    for digit, label in zip(DIGITS, LABELS):
        with contextlib.suppress(NoDigitError):
            right += read_number(picture_of(digit)).text == str(label)
    return right


def test_a_digit_cropped_close_keeps_its_bar():
    """A 4's bar or a 7's top spans a third of a picture cropped close round one digit: the
    first pass took it for a printed line (292 of the 300 fixture digits read, 298 now)."""
    assert fixture_digits_read(lambda digit: np.pad(255 - digit, 4, constant_values=255)) >= 297


def test_a_digit_filling_a_square_keeps_its_bars():
    """A digit drawn big with a thick pen: its bar, taken for a line, cut it into pieces, and
    the digits' height measured on the pieces was too short to give it back (235 of the 300
    fixture digits read, 296 now). That a line is not given back is held below."""
    big = partial(ink_strokes, canvas=256, height=0.85, stroke=2.5)
    assert fixture_digits_read(lambda digit: black_on_white(big(digit))) >= 288


@pytest.mark.parametrize("paper", ["plain", "ruled"])
def test_numbers_cropped_close_are_read(paper):
    """GENERATED photos cut close round the number: 15 of 20 plain and 16 ruled read before,
    20 and 19 now."""
    assert reads_on_paper(paper, 20, seed=3, cropped=True) >= 18


def test_a_bar_is_given_back_by_the_height_it_joins_and_a_line_is_not():
    """A 7's top taken for a line, 160 px long, joins a stem about 150 px tall: a stroke. A
    ruled line across the picture joins digits about 50 px tall: a line."""
    seven = np.zeros((200, 200), bool)
    seven[20:40, 20:180] = True
    cv2.line(seven.view(np.uint8), (170, 40), (60, 190), 1, 20)
    top = np.zeros_like(seven)
    top[20:40, 20:180] = True
    assert (digit_bars(top, *blob_heights(seven & ~top)[:2]) == top).all()
    row = np.zeros((200, 200), bool)
    row[100:104] = True
    for left in (20, 80, 140):
        row[54:100, left : left + 8] = True
    line = runs(row, 150, True)
    assert not digit_bars(line, *blob_heights(row & ~line)[:2]).any()


def test_a_crossed_seven_filling_the_picture_keeps_its_top():
    """A thick cross cuts a slanted stem in two (the halves share no column to bridge), so the
    7's top joins only the upper half, too short to give it back, until the cross is back: of
    the 7's ink 13 % was kept, 69 % with one round of giving back, all with rounds."""
    seven = np.zeros((200, 200), np.uint8)
    seven[20:40, 20:180] = 1
    cv2.line(seven, (170, 40), (40, 190), 1, 16)
    seven[100:136, 40:170] = 1
    kept = line_ink_mask(seven.astype(bool))
    assert kept[seven > 0].mean() > 0.99


def test_streaks_do_not_set_the_digits_height():
    """A printed line's bent piece, far wider than tall and inkier than the digits, is left out
    of the digits' height, unless nothing else is there."""
    digits = [[100 + 40 * k, 50, 25, 40, 300] for k in range(4)]
    streak = [0, 200, 900, 12, 5000]
    assert digit_height(np.array(digits + [streak])) == 40
    assert digit_height(np.array([streak])) == 12


@pytest.mark.parametrize("seed", [17, 26])
def test_a_frame_side_askew_and_broken_is_no_end_one(seed):
    """GENERATED form fields whose frame side leans and is broken by the scan: no straight run
    of it is long enough for a line, and it was read as a first or last "1"."""
    rng = np.random.default_rng(seed)
    index = rng.choice(len(DIGITS), 5, replace=False)
    field = form_field([DIGITS[i] for i in index], rng)
    assert read_number(field).text == "".join(str(LABELS[i]) for i in index)


def row_of(digits: list[tuple[int, float]]) -> np.ndarray:
    """Fixture digits side by side, each drawn with its own pen: (index, pen)."""
    inks = []
    for digit, stroke in digits:
        ink = ink_strokes(DIGITS[digit], canvas=200, height=0.7, stroke=stroke)
        columns = np.nonzero(ink.max(axis=0) > 0.05)[0]
        inks.append(ink[:, columns[0] - 10 : columns[-1] + 11])
    return black_on_white(np.pad(np.hstack(inks), ((0, 0), (30, 30))))


def finer_ones_read(seed: int, pen: float, at_end: bool) -> int:
    """How many of 20 numbers of two fixture digits drawn with `pen` and a fixture 1 drawn with
    0.6 read exactly: the 1 between them, or ending the number."""
    rng = np.random.default_rng(seed)
    others = np.flatnonzero(LABELS != 1)
    right = 0
    for one in np.flatnonzero(LABELS == 1)[:20]:
        a, b = rng.choice(others, 2)
        if at_end:
            number, truth = row_of([(a, pen), (b, pen), (one, 0.6)]), f"{LABELS[a]}{LABELS[b]}1"
        else:
            number, truth = row_of([(a, pen), (one, 0.6), (b, pen)]), f"{LABELS[a]}1{LABELS[b]}"
        right += read_number(number).text == truth
    return right


def test_a_one_drawn_finer_than_its_neighbours_is_no_printed_line():
    """A 1 between two digits, drawn with a third of their pen: thin and straight, it was taken
    for a printed line's piece (GENERATED composed numbers give each digit its own pen); the old
    reader read 16 of 20. A frame's side stands at an end, never between digits."""
    right = finer_ones_read(seed=0, pen=2.0, at_end=False)
    assert right >= 18, right


def test_a_finer_one_ending_a_number_on_a_clean_page_is_read():
    """A 1 ending a number, drawn with a fifth of its neighbours' pen, was taken for a frame's
    side: 11 of 20 read before, 19 now. On a page with no printed line the one thin blob is a
    1 (a frame or a box has several sides; the form-field, boxed and scan-edge tests hold
    those)."""
    right = finer_ones_read(seed=1, pen=3.0, at_end=True)
    assert right >= 18, right


def test_a_pieces_input_does_not_depend_on_the_picture_far_from_it():
    """A grey region over two thirds of the page, far from the digit, moved the paper level the
    digit was stretched by (inputs 0.15 apart): each piece is now taken on its surroundings."""
    page = np.zeros((200, 600), np.float32)
    page[70:130, 30:90] = ink_strokes(DIGITS[0], canvas=60, height=1.0, stroke=1.0)
    piece = page > 0.5
    shaded = page.copy()
    shaded[:, 200:] = 0.3
    np.testing.assert_array_equal(as_input(shaded, piece), as_input(page, piece))


def test_a_digit_cut_in_two_is_read_as_one():
    """0s, 2s and 8s with a 3-px gap down the middle: the old reader read 0 of 20 as one digit
    (two pieces that share no column were two digits); 8 now. Joins are capped at JOIN_WIDTH,
    not at the split's lower gate: at 0.7 for both, 4 were read."""
    wide = [i for i in range(len(DIGITS)) if LABELS[i] in (0, 2, 8)][:20]
    right = 0
    for i in wide:
        ink = ink_strokes(DIGITS[i], canvas=200, height=0.6)
        columns = np.nonzero(ink.max(axis=0) > 0.5)[0]
        middle = (columns[0] + columns[-1]) // 2
        ink[:, middle - 1 : middle + 2] = 0
        right += read_number(black_on_white(ink)).text == str(LABELS[i])
    assert right >= 6


def touching(digits: list[np.ndarray], overlap: int) -> np.ndarray:
    """Digits side by side, each drawn `overlap` pixels into the one before it."""
    inks = []
    for digit in digits:
        ink = ink_strokes(digit, canvas=120, height=0.7)
        columns = np.nonzero(ink.max(axis=0) > 0.05)[0]
        inks.append(ink[:, columns[0] : columns[-1] + 1])
    width = sum(ink.shape[1] for ink in inks) - overlap * (len(inks) - 1)
    canvas = np.zeros((120, width + 60), np.float32)
    x = 30
    for ink in inks:
        region = canvas[:, x : x + ink.shape[1]]
        np.maximum(region, ink, out=region)
        x += ink.shape[1] - overlap
    return black_on_white(canvas)


def test_touching_round_digits_are_cut_between_them_not_through_a_ring():
    """Two of 0, 6, 8, 9 drawn 6 px into each other: the old cut, at the thinnest column of the
    middle half, often fell inside a ring (two thin strokes: "00" read "017"): 7 of 20 right."""
    rng = np.random.default_rng(0)
    round_digits = np.flatnonzero(np.isin(LABELS, [0, 6, 8, 9]))
    right = 0
    for _ in range(20):
        a, b = rng.choice(round_digits, 2)
        right += read_number(touching([DIGITS[a], DIGITS[b]], 6)).text == f"{LABELS[a]}{LABELS[b]}"
    assert right >= 15, right


def test_three_or_four_touching_digits_are_each_read():
    """Three or four digits (not 1s) drawn 4 px into each other: the old split cut a piece in
    two, and only when both halves were digits and the whole read unsurely, so a run read as one
    sure digit ("4632" read 4) or stayed whole (no half of "647" is one digit): 13 of 20 right."""
    rng = np.random.default_rng(0)
    others = np.flatnonzero(LABELS != 1)
    right = 0
    for count in (3, 4) * 10:
        chosen = rng.choice(others, count, replace=False)
        text = read_number(touching([DIGITS[i] for i in chosen], 4)).text
        right += text == "".join(str(LABELS[i]) for i in chosen)
    assert right >= 18, right


def test_a_one_touching_its_neighbour_is_read():
    """GENERATED pairs of a fixture 1 and another digit, touching (`compose_number`): a pair
    read as one sure digit ("31" read 3 at 1.00, the check passing) was never split, since the
    split had to beat the whole by a margin: 135 of 150 read before the learnt choice
    (`segment.SPLIT_WEIGHTS`), 139 with it, 137 since it also learnt to keep non-digits whole
    (a row of letters is far likelier caught: see the test below), 141 since pieces down to
    0.7 of their height are tried (`SPLIT_ASPECT`: a 1 leaning on its neighbour is narrow)."""
    rng = np.random.default_rng(3)
    others, ones = np.flatnonzero(LABELS != 1), np.flatnonzero(LABELS == 1)
    right = 0
    for k in range(150):
        pair = [rng.choice(others), rng.choice(ones)][:: 1 if k % 2 else -1]
        text = read_number(compose_number([DIGITS[i] for i in pair], rng, touching=1)).text
        right += text == "".join(str(LABELS[i]) for i in pair)
    assert right >= 139, right


def test_single_digits_are_not_cut():
    """Each of the 300 fixture digits alone, read as a number: a wide digit must stay whole (a
    learnt choice that splits freely reads a 7 as "71"). 0 were cut before pieces down to 0.7
    of their height were tried, 1 since."""
    cut = [i for i, digit in enumerate(DIGITS) if len(read_number(touching([digit], 0)).text) > 1]
    assert len(cut) <= 3, cut


def test_confidence_is_the_product_of_the_digits_and_doubts_are_marked():
    rng = np.random.default_rng(8)
    reading = read_number(compose_number([DIGITS[i] for i in range(5)], rng))
    tops = [max(p.values()) for p in reading.digits]
    assert reading.confidence == pytest.approx(float(np.prod(tops)), rel=1e-6)
    assert 0 < reading.confidence <= 1
    assert reading.unsure == [i for i, top in enumerate(tops) if top < 0.8]


def test_rows_of_doodles_shapes_scribbles_and_letters_are_not_numbers():
    """They were read as numbers: three doodles side by side read "0868", sure of it at 16 %."""
    from training.non_digits import non_digit

    flagged = 0
    for seed in range(6):
        rng = np.random.default_rng(seed)
        for kind in ("doodle", "shape", "scribble", "letter"):
            reading = read_number(np.hstack([non_digit(kind, rng, 160) for _ in range(3)]))
            flagged += not reading.is_number
            assert reading.reason == ("" if reading.is_number else NOT_A_NUMBER)
    # of 24 GENERATED rows: 17 with the old split into halves, 15 with the segmentation search
    # (8 when it could slice a filled shape into 1s between cuts along its strokes); 8 when a
    # split needed no sure digit check on both halves; 16 with the learnt choice for digits and a
    # margin for non-digit wholes, 22 since the choice also learnt from rows of non-digits
    assert flagged >= 20, flagged


@pytest.mark.parametrize("amplitude", [40, 120, 300])
def test_a_long_wavy_scribble_is_not_a_number(amplitude):
    """One wavy stroke across the page: every column crosses it once, so the segmentation search
    cut it at each crest into 40 upright strokes, each a sure 1 ("Found 41 separate marks")."""
    picture = np.full((400, 2000), 255, np.uint8)
    xs = np.arange(50, 1950)
    ys = 200 + amplitude / 2 * np.sin(xs / 15)
    cv2.polylines(picture, [np.stack([xs, ys], 1).astype(np.int32)], False, 0, 6)
    reading = read_number(picture)
    assert not reading.is_number and reading.reason == NOT_A_NUMBER, reading.text


@pytest.mark.parametrize("name", ["salt and pepper 50 %", "checkerboard of 8 px", "blurred noise"])
def test_fine_textures_are_noise(name):
    """Ink all over in a fine grain is one giant blob: salt and pepper was read "1" (not a
    number) in 11 s, the checkerboard "81", a number, blurred noise "11" (not a number)."""
    with pytest.raises(NoDigitError, match="noise or a texture, not handwritten digits"):
        read_number(textures()[name])


def test_a_big_pieces_single_digit_steps_run_on_a_bounded_picture(monkeypatch):
    """A piece is shrunk to PIECE_SIDE before its pen is measured and redrawn: on a texture's
    giant blob those steps took 0.5 s a reading, 26 readings a split."""
    import digit_core.segment as segment

    sides = []

    def crop(ink, mask):
        sides.append(max(ink.shape))
        return crop_digit(ink, mask)

    monkeypatch.setattr(segment, "crop_digit", crop)
    inks = [ink_strokes(DIGITS[i], canvas=500, height=0.8) for i in (0, 1)]
    assert read_number(black_on_white(np.hstack(inks))).text == f"{LABELS[0]}{LABELS[1]}"
    assert max(sides) <= 2 * segment.PIECE_SIDE, max(sides)


def test_a_crooked_lined_page_with_no_number_is_called_that():
    """Ruled lines 1.5 degrees off level leave 21 steps of a pixel: they were refused as "Found
    21 separate marks: write at most 12 digits"."""
    page = np.full((600, 800), 255, np.uint8)
    page[10::40] = page[11::40] = 120
    turn = cv2.getRotationMatrix2D((400, 300), 1.5, 1.0)
    page = cv2.warpAffine(page, turn, (800, 600), borderValue=255)
    with pytest.raises(NoDigitError, match="doesn't look like a number"):
        read_number(page)


def test_a_number_too_long_is_refused_as_too_long():
    rng = np.random.default_rng(0)
    index = rng.choice(len(DIGITS), 14, replace=False)
    with pytest.raises(NoDigitError, match="has at most 12 digits. If you wrote fewer"):
        read_number(compose_number([DIGITS[i] for i in index], rng))


def test_thousands_of_specks_are_refused_quickly():
    rng = np.random.default_rng(0)
    picture = np.full((400, 1200), 255, np.uint8)
    ys, xs = rng.integers(0, 396, 3000), rng.integers(0, 1196, 3000)
    for y, x in zip(ys, xs):
        picture[y : y + 4, x : x + 4] = 0
    with pytest.raises(NoDigitError):
        read_number(picture)


def test_a_texture_of_digit_sized_blobs_is_refused_in_bounded_memory():
    """Salt and pepper at 20 %: ~10,000 blobs the size of its "digits". Comparing every straight
    blob with every other for printed dashes took 8 GB and 22 s."""
    import tracemalloc

    noise = (np.random.default_rng(0).random((1024, 1024)) > 0.2).astype(np.uint8) * 255
    tracemalloc.start()
    try:
        with pytest.raises(NoDigitError):
            read_number(noise)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 300e6, peak


def test_the_number_tab_names_and_marks_the_unsure_digit():
    from digit_core import NumberReading
    from studio.number_view import number_view

    sure = {str(d): 0.0 for d in range(10)} | {"1": 1.0}
    doubt = {str(d): 0.0 for d in range(10)} | {"3": 0.55, "8": 0.45}
    reading = NumberReading("13", [sure, doubt], [(2, 2, 6, 16), (12, 2, 8, 16)], 0.55)
    heading, doubts, picture = number_view(np.full((20, 24), 255, np.uint8), reading)
    assert heading == "## 13"
    assert "55%" in doubts and "digit 2 is unsure: 3 (55%), maybe 8 (45%)" in doubts
    assert "digit 1" not in doubts
    # 24 px wide, drawn 30 times larger: the boxes' corners at 30 times their places
    assert picture.shape == (600, 720, 3)
    assert tuple(picture[60, 360]) == (245, 158, 11) and tuple(picture[60, 60]) == (79, 70, 229)
    doodle = NumberReading("13", [sure, sure], reading.boxes, 1.0, False, NOT_A_NUMBER)
    heading, doubts, _ = number_view(np.full((20, 24), 255, np.uint8), doodle)
    assert heading == "## Not a number?"
    assert doubts.startswith(f"⚠️ **{NOT_A_NUMBER}** If it is one, it reads **13**.")


def test_small_pictures_are_enlarged_and_labels_never_cover_digits():
    """A 320x38 form field was boxed at its own size: its labels crowded over the digits."""
    from digit_core.pictures import boxes_picture

    field = np.full((38, 320), 255, np.uint8)
    field[4:34, 20:24] = 0  # a "1" from top to bottom: no room above it for its label
    picture = boxes_picture(field, [(18, 3, 8, 32)], "1")
    band = picture.shape[0] - round(38 * 720 / 320)
    assert picture.shape[1] == 720 and band > 0
    assert (picture[:band] != 255).any(axis=2).any()  # the label, in the band
    x, y = round(18 * 720 / 320), band + round(3 * 720 / 320)
    assert tuple(picture[y, x]) == (79, 70, 229)  # the box, moved down with the picture
