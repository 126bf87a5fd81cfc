"""Each preprocessing step on its own, then the whole path on every kind of input."""

import cv2
import numpy as np
import pytest
from PIL import Image

from digit_core import (
    InvalidImageError,
    NoDigitError,
    decode,
    predict,
    preprocess,
    preprocess_stages,
)
from digit_core.preprocess import (
    BLURRY,
    HALO,
    WORK_SIDE,
    centre_by_mass,
    crop_to_ink,
    find_ink,
    fit_box,
    flatten_background,
    ink_mask,
    light_ink_on_dark,
    shrink,
    to_grayscale,
)
from digit_core.strokes import STROKE, edge_softness, normalise_stroke, stroke_width
from tests.bad_inputs import encode, png_bomb
from training.drawings import (
    black_on_white,
    enlarged,
    filling_scan,
    ink_strokes,
    mnist_fixture,
    rgba_layer,
    white_on_black,
)

DIGITS, LABELS = mnist_fixture()


@pytest.fixture
def ink():
    return ink_strokes(DIGITS[0], canvas=300, height=0.5)


def centre_of_mass(img):
    m = cv2.moments(img)
    return m["m01"] / m["m00"], m["m10"] / m["m00"]


# -- to_grayscale ------------------------------------------------------------------------------


def test_grayscale_rgb_black_on_white(ink):
    grey = to_grayscale(decode.to_array(black_on_white(ink)))
    assert grey.shape == ink.shape and grey.dtype == np.float32
    np.testing.assert_allclose(grey, 1 - ink, atol=0.01)


@pytest.mark.parametrize("colour", [(0, 0, 0), (255, 255, 255), (220, 30, 30), (250, 230, 20)])
def test_grayscale_transparent_layer_keeps_strokes_of_any_colour(ink, colour):
    grey = to_grayscale(decode.to_array(rgba_layer(ink, colour)))
    strokes, background = grey[ink > 0.9], grey[ink == 0]
    assert np.ptp(background) == 0  # all transparent pixels map to one backdrop
    assert abs(strokes.mean() - background[0]) > 0.3  # strokes stand out whatever their colour


def test_grayscale_opaque_rgba_is_rgb(ink):
    rgb = black_on_white(ink)
    rgba = np.dstack([rgb, np.full(ink.shape, 255, np.uint8)])
    np.testing.assert_array_equal(
        to_grayscale(decode.to_array(rgba)), to_grayscale(decode.to_array(rgb))
    )


@pytest.mark.parametrize("alpha", [40, 100, 159, 254])
def test_uniform_partial_alpha_reads_as_the_picture(ink, alpha):
    """The same alpha everywhere says nothing about where the ink is: the picture reads as if
    opaque (above half opacity it raised IndexError: the opaque area had no edge)."""
    rgba = np.dstack([black_on_white(ink), np.full(ink.shape, alpha, np.uint8)])
    np.testing.assert_allclose(preprocess(rgba), preprocess(black_on_white(ink)), atol=0.02)


def test_a_fade_that_never_clears_reads_as_the_picture(ink):
    """Alpha fading from 140 to opaque across the picture: shown up to its border all round."""
    rgba = np.dstack([black_on_white(ink), np.zeros(ink.shape, np.uint8)])
    rgba[..., 3] = np.linspace(140, 255, ink.shape[1]).astype(np.uint8)[None, :]
    assert predict(rgba) == pytest.approx(predict(black_on_white(ink)), abs=0.1)


@pytest.mark.parametrize("alpha", [60, 159])
def test_a_canvas_with_a_partly_transparent_background_is_read(alpha):
    """A drawing app's export: opaque black strokes on white paper whose alpha is 159: the paper
    is the backdrop, each digit reads as it does opaque."""
    for digit in DIGITS[:10]:
        ink = ink_strokes(digit, canvas=200, height=0.6)
        rgba = np.dstack([black_on_white(ink), np.where(ink > 0.5, 255, alpha).astype(np.uint8)])
        assert predict(rgba) == pytest.approx(predict(black_on_white(ink)), abs=0.1)


def test_fully_transparent_image_has_no_digit():
    with pytest.raises(NoDigitError):
        preprocess(np.zeros((100, 100, 4), np.uint8))


# -- polarity ----------------------------------------------------------------------------------


def test_grayscale_letterbox_continues_its_own_background(ink):
    """An opaque picture (light ink on a dark card) with transparent margins round it: the
    margins take the card's colour, not the one that contrasts with the ink."""
    card = np.zeros((400, 500, 4), np.uint8)
    card[50:350, 100:400, 3] = 255  # the opaque card, transparent all round
    card[50:350, 100:400, :3] = white_on_black(ink)[..., None]
    grey = to_grayscale(decode.to_array(card))
    assert grey[:50].max() < 0.05 and grey[:, :100].max() < 0.05  # margins as dark as the card
    on_black = card.copy()
    on_black[..., 3] = 255  # what the picture means: the card on a card-coloured ground
    np.testing.assert_allclose(preprocess(card), preprocess(on_black), atol=0.02)


def test_polarity_inverts_dark_ink_on_light(ink):
    np.testing.assert_allclose(light_ink_on_dark(1 - ink), ink, atol=1e-6)


def test_polarity_keeps_light_ink_on_dark(ink):
    np.testing.assert_array_equal(light_ink_on_dark(ink), ink)


def test_polarity_of_dim_photo():
    """Dark ink on grey paper in poor light: the background is below 0.5, still inverted."""
    photo = 0.4 - 0.3 * ink_strokes(DIGITS[1], canvas=200, height=0.5)
    out = light_ink_on_dark(photo.astype(np.float32))
    assert out[100, 5] < out.max() - 0.2  # paper is now the dark side


# -- background and mask -----------------------------------------------------------------------


def test_flatten_background_removes_a_lighting_gradient(ink):
    gradient = np.linspace(0, 0.5, ink.shape[1], dtype=np.float32)[None, :]
    flat = flatten_background(np.clip(ink * 0.5 + gradient, 0, 1))
    assert np.percentile(flat[ink == 0], 99) < 0.1
    assert flat[ink > 0.9].mean() > 0.35


def test_flatten_background_removes_a_shadow_over_half_the_paper(ink):
    """A soft shadow darkens half the paper by 30 %: in light-ink terms that half is 0.3 lighter.
    Otsu takes the shadow for ink there, so flatness must not be judged outside Otsu's ink."""
    shadow = np.zeros_like(ink)
    shadow[:, ink.shape[1] // 2 :] = 0.3
    flat = flatten_background(np.clip(ink * 0.7 + cv2.GaussianBlur(shadow, (0, 0), 10), 0, 1))
    assert np.percentile(flat[ink == 0], 99) < 0.1
    assert flat[ink > 0.9].mean() > 0.5


def test_flatten_background_leaves_clean_canvas_untouched(ink):
    np.testing.assert_array_equal(flatten_background(ink), ink)


@pytest.mark.parametrize("label", range(10))
def test_flatten_background_takes_no_thick_pen_for_lighting(label):
    """A marker 3.5x MNIST's pen on a flat canvas is wider than the lighting estimate's opening;
    the paper is flat, so the strokes must stay as drawn."""
    thick = ink_strokes(
        DIGITS[int(np.flatnonzero(label == LABELS)[0])], canvas=128, height=0.85, stroke=3.5
    )
    np.testing.assert_array_equal(flatten_background(thick), thick)


@pytest.mark.parametrize("value", [0.0, 0.5, 1.0])
def test_uniform_image_has_no_digit(value):
    with pytest.raises(NoDigitError, match="blank"):
        ink_mask(np.full((64, 64), value, np.float32))


def test_mask_drops_specks_of_dirt(ink):
    dirty = ink.copy()
    dirty[10:13, 10:13] = 1.0  # a 9-pixel speck far from the digit
    mask = ink_mask(dirty)
    assert not mask[10:13, 10:13].any()
    assert mask[ink > 0.9].all()


@pytest.mark.parametrize("edge", ["bottom", "left"])
def test_a_line_along_the_edge_is_frame_not_digit(ink, edge):
    """The paper's edge or a ruled border running along the picture is left out of the ink."""
    paper = black_on_white(ink).copy()
    line = (slice(-12, -6), slice(None)) if edge == "bottom" else (slice(None), slice(4, 10))
    paper[line] = 0
    mask = ink_mask(light_ink_on_dark(to_grayscale(decode.to_array(paper))))
    assert not mask[line].any()
    np.testing.assert_allclose(preprocess(paper), preprocess(black_on_white(ink)), atol=0.02)


def test_a_digit_touching_the_edge_is_kept():
    """A tall 1 from top to bottom is not a frame: it is the digit, in the middle."""
    one = np.zeros((200, 200), np.float32)
    one[:, 95:105] = 1
    assert ink_mask(one)[:, 95:105].all()


def test_a_thick_digit_filling_the_picture_is_not_noise():
    """A 0 drawn with a thick pen across the whole frame covers over half the picture, in one
    smooth blob: a digit, not a texture (it was refused as noise)."""
    ring = np.zeros((64, 64), np.float32)
    cv2.circle(ring, (32, 32), 24, 1.0, 14)
    assert ring.mean() > 0.45
    assert ink_mask(ring)[ring > 0.5].all()


def test_a_blurry_scan_filling_its_frame_is_not_flattened():
    """8x8 scans filling their frame, enlarged: strokes as wide as the lighting estimate's
    opening reach the edge, and flattening took them for light (the top bar of a 7 vanished).
    Most are now read as they are (before: 5 of 60); a shadow is still flattened (below)."""
    inks = [light_ink_on_dark(to_grayscale(filling_scan(d))) for d in DIGITS[:60]]
    assert np.mean([flatten_background(ink) is ink for ink in inks]) > 0.5


def test_a_shadow_over_a_blurry_scan_is_still_flattened():
    for digit in DIGITS[:10]:
        scan = on_paper(filling_scan(digit)).astype(np.float32)
        shade = cv2.GaussianBlur(
            (np.arange(scan.shape[1]) > scan.shape[1] // 2)
            .astype(np.float32)[None, :]
            .repeat(scan.shape[0], 0),
            (0, 0),
            8,
        )
        ink = light_ink_on_dark(to_grayscale((scan * (1 - 0.35 * shade)).astype(np.uint8)))
        assert flatten_background(ink) is not ink


def test_noise_is_not_a_digit():
    noise = np.random.default_rng(0).random((200, 200)).astype(np.float32)
    with pytest.raises(NoDigitError, match="noise"):
        ink_mask(noise)


# -- crop, box, centre ------------------------------------------------------------------------


def test_crop_is_the_ink_bounding_box(ink):
    crop = crop_to_ink(ink, ink_mask(ink))
    ys, xs = np.nonzero(ink > 0.5)
    assert abs(crop.shape[0] - (np.ptp(ys) + 1)) <= 4 and abs(crop.shape[1] - (np.ptp(xs) + 1)) <= 4
    assert crop.max() == pytest.approx(1.0)


def test_crop_stretches_faint_ink_to_full_range():
    faint = 0.2 + 0.15 * ink_strokes(DIGITS[2], canvas=200, height=0.5)
    crop = crop_to_ink(faint, ink_mask(faint))
    assert crop.max() == pytest.approx(1.0) and crop.min() == 0.0


def relative_stroke(crop):
    return stroke_width(crop > 0.5) / max(crop.shape)


@pytest.mark.parametrize("pen", [0.3, 3.0, 4.0])
def test_very_thin_or_thick_pens_are_brought_to_mnist_width(pen):
    ink = ink_strokes(DIGITS[3], canvas=400, height=0.6, stroke=pen)
    crop = crop_to_ink(ink, ink_mask(ink))
    before, after = relative_stroke(crop), relative_stroke(normalise_stroke(crop))
    assert abs(after - STROKE) < abs(before - STROKE)
    assert 0.6 * STROKE < after < 1.6 * STROKE


def test_mnist_like_pen_is_left_as_drawn():
    ink = ink_strokes(DIGITS[3], canvas=400, height=0.6, stroke=1.0)
    crop = crop_to_ink(ink, ink_mask(ink))
    assert normalise_stroke(crop) is crop


@pytest.mark.parametrize("pen", [0.35, 1.0, 3.5])
def test_pen_strokes_have_sharp_edges(pen):
    ink = ink_strokes(DIGITS[3], canvas=500, height=0.6, stroke=pen)
    assert edge_softness(crop_to_ink(ink, ink_mask(ink))) < BLURRY


@pytest.mark.parametrize("small", [7, 8, 10])
def test_a_blurry_enlargement_keeps_its_grey_levels(small):
    """Enlarged from a few pixels, the grey fringes are the digit's detail: no pen is redrawn
    (that turned such digits into blobs) and the fringes are kept."""
    picture = enlarged(DIGITS[3], small)
    ink, mask = find_ink(to_grayscale(picture))
    assert edge_softness(crop_to_ink(ink, mask)) > BLURRY
    crop = preprocess_stages(picture)["crop"]
    np.testing.assert_array_equal(crop, crop_to_ink(ink, mask, blurry=True))
    assert ((crop > 0.1) & (crop < 0.9)).mean() > (
        (crop_to_ink(ink, mask) > 0.1) & (crop_to_ink(ink, mask) < 0.9)
    ).mean()


def on_paper(picture, margin=40):
    return np.pad(picture, margin, constant_values=255)


@pytest.mark.parametrize("small", [7, 8, 10])
def test_a_blurry_digit_is_boxed_where_its_halo_ends(small):
    """The halo is part of a blurry digit: the box reaches its faint end (boxed at Otsu's cut,
    the edges of the crop ran through the blur at 0.27-0.39 of the stroke)."""
    edges = []
    for digit in DIGITS[:20]:
        ink, mask = find_ink(to_grayscale(on_paper(enlarged(digit, small))))
        crop = crop_to_ink(ink, mask, blurry=True)
        edges.append(max(crop[0].max(), crop[-1].max(), crop[:, 0].max(), crop[:, -1].max()))
    assert np.median(edges) < 0.25


def test_a_shadow_edge_through_a_blurry_digit_does_not_stretch_its_box():
    """A shadow's soft edge joins the halo; the box grows by at most HALO of the digit a side."""
    for digit in DIGITS[:20]:
        picture = on_paper(enlarged(digit, 8)).astype(np.float32)
        height, width = picture.shape
        shaded = np.tile((np.arange(width) > width // 2).astype(np.float32), (height, 1))
        picture *= 1 - 0.3 * cv2.GaussianBlur(shaded, (0, 0), 8)
        ink, mask = find_ink(to_grayscale(picture.astype(np.uint8)))
        _, _, otsu_width, otsu_height = cv2.boundingRect(mask.astype(np.uint8))
        crop = crop_to_ink(ink, mask, blurry=True)
        assert crop.shape[0] <= (1 + 2 * HALO) * otsu_height + 2
        assert crop.shape[1] <= (1 + 2 * HALO) * otsu_width + 2


@pytest.mark.parametrize("shape", [(100, 40), (40, 100), (7, 5), (300, 300)])
def test_fit_box_longer_side_is_20_and_aspect_kept(shape):
    box = fit_box(np.ones(shape, np.float32))
    assert max(box.shape) == 20
    assert box.shape[0] / box.shape[1] == pytest.approx(shape[0] / shape[1], rel=0.15)


def test_fit_box_keeps_grey_levels():
    stripes = np.tile(np.array([0, 1], np.float32), (200, 100))  # 1-px stripes average to grey
    box = fit_box(stripes)
    assert 0.3 < box.mean() < 0.7 and np.ptp(box) < 0.2


def test_centre_of_mass_lands_at_14_14():
    blob = np.zeros((20, 12), np.float32)
    blob[:6, 8:] = 1.0  # mass far off the box centre
    centred = centre_by_mass(blob)
    assert centred.shape == (28, 28)
    cy, cx = centre_of_mass(centred)
    assert abs(cy - 14) <= 1 and abs(cx - 14) <= 1


# -- the whole path ----------------------------------------------------------------------------


def test_output_format_and_centring(ink):
    out = preprocess(black_on_white(ink))
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1 and out.max() > 0.9
    cy, cx = centre_of_mass(out)
    assert abs(cy - 14) <= 1 and abs(cx - 14) <= 1
    ys, xs = np.nonzero(out > 0.05)
    assert max(np.ptp(ys), np.ptp(xs)) + 1 in (19, 20, 21)  # the 20-pixel box


def test_mnist_digit_comes_out_nearly_unchanged():
    """MNIST digits are already in this format: preprocessing must not distort them."""
    corr = [np.corrcoef(preprocess(d).ravel(), d.ravel())[0, 1] for d in DIGITS[:50]]
    assert np.median(corr) > 0.95


def test_drawing_styles_agree(ink):
    """Black on white, white on black and a transparent layer are the same digit."""
    reference = preprocess(white_on_black(ink))
    for image in (black_on_white(ink), rgba_layer(ink), rgba_layer(ink, (30, 90, 220))):
        np.testing.assert_allclose(preprocess(image), reference, atol=0.08)


def test_stages_are_named_in_order(ink):
    stages = preprocess_stages(black_on_white(ink))
    assert list(stages) == ["grayscale", "ink mask", "crop", "20x20", "centred 28x28"]
    assert stages["ink mask"].dtype == bool


def test_large_images_are_shrunk_before_work():
    assert shrink(np.zeros((3000, 1500), np.float32)).shape == (WORK_SIDE, WORK_SIDE // 2)


@pytest.mark.parametrize(
    "convert",
    [
        lambda a: a,  # uint8 H x W
        lambda a: a[..., None],  # H x W x 1
        lambda a: a.astype(np.uint16) * 257,  # 16-bit
        lambda a: a.astype(np.float32) / 255,  # float in [0, 1]
        lambda a: a > 127,  # bool
        lambda a: Image.fromarray(a),  # PIL
    ],
    ids=["uint8", "hw1", "uint16", "float", "bool", "pil"],
)
def test_array_types(ink, convert):
    out = preprocess(convert(white_on_black(ink)))
    np.testing.assert_allclose(out, preprocess(white_on_black(ink)), atol=0.15)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "BMP", "GIF", "WEBP", "TIFF"])
def test_file_formats_from_bytes_and_path(ink, fmt, tmp_path):
    data = encode(black_on_white(ink), fmt)
    path = tmp_path / f"digit.{fmt.lower()}"
    path.write_bytes(data)
    reference = preprocess(white_on_black(ink))
    for source in (data, path, str(path)):  # lossy formats differ a little, pixel by pixel
        assert np.abs(preprocess(source) - reference).mean() < 0.02


@pytest.mark.parametrize("scale, offset", [(255.0, 0.0), (1000.0, -300.0)])
def test_float_and_32_bit_files_are_read_in_their_own_range(ink, scale, offset, tmp_path):
    """A float TIFF holds tones in whatever range its maker chose (Pillow's own run 0-255), a
    32-bit one may go below 0: read by their range (they were refused as out of range)."""
    tones = white_on_black(ink).astype(np.float32) / 255 * scale + offset
    reference = preprocess(white_on_black(ink))
    for image in (Image.fromarray(tones), Image.fromarray(tones.astype(np.int32))):
        data = encode(image, "TIFF")
        assert np.abs(preprocess(data) - reference).max() < 0.02


def test_premultiplied_grey_alpha_image_is_read(ink):
    """Pillow's premultiplied "La" converts to RGBA only through "LA" (it was called damaged)."""
    strokes = white_on_black(ink)
    layer = Image.fromarray(np.dstack([np.full_like(strokes, 255), strokes]), "LA").convert("La")
    np.testing.assert_allclose(preprocess(layer), preprocess(white_on_black(ink)), atol=0.05)


def test_exif_rotation_is_applied(ink):
    rotated = np.rot90(black_on_white(ink))  # stored sideways, EXIF says "rotate back"
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 CW to display
    data = encode(np.ascontiguousarray(rotated), "JPEG", exif=exif)
    upright = preprocess(white_on_black(ink))
    assert np.abs(preprocess(data) - upright).mean() < 0.02  # sideways would differ by ~0.2


@pytest.mark.parametrize(
    "junk, message",
    [
        (b"", "not an image"),
        (b"hello, this is text", "not an image"),
        (b"%PDF-1.4\n%...", "not an image"),
        (np.full((30, 30), np.nan, np.float32), "NaN"),
        (np.full((30, 30), 2.0, np.float32), "between 0 and 1"),
        (np.zeros((30, 30, 5), np.uint8), "shape"),
        (np.zeros((4, 4), np.uint8), "too small"),
        (np.zeros((10, 1000), np.uint8), "long and thin"),
        (12345, "Expected an image"),
    ],
    ids=["empty", "text", "pdf", "nan", "float>1", "5-channels", "tiny", "strip", "int"],
)
def test_junk_is_invalid(junk, message):
    with pytest.raises(InvalidImageError, match=message):
        preprocess(junk)


def test_truncated_png_is_invalid(ink):
    data = encode(black_on_white(ink), "PNG")
    with pytest.raises(InvalidImageError, match="damaged"):
        preprocess(data[: len(data) // 2])


def test_decompression_bomb_refused_from_header():
    """A tiny file declaring 20000x20000 pixels: refused before decoding."""
    with pytest.raises(InvalidImageError, match="too large"):
        preprocess(png_bomb(20000, 20000))
