"""A corpus of awkward and hostile files, generated on the fly (no binaries committed).

Each case: (name, file bytes, expected), where expected is the digit a usable picture shows, or
the error class and a part of its message. Shared by the tests and benchmarks/load.py.
"""

import io
import zlib

import numpy as np
from PIL import Image

from digit_core import InvalidImageError, NoDigitError
from training.drawings import black_on_white, ink_strokes, mnist_fixture, rgba_layer, white_on_black

DIGITS, LABELS = mnist_fixture()


def digit_ink(label: int, canvas: int = 200) -> np.ndarray:
    return ink_strokes(DIGITS[int(np.flatnonzero(label == LABELS)[0])], canvas=canvas, height=0.6)


def encode(image, fmt: str, **options) -> bytes:
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    buf = io.BytesIO()
    image.save(buf, fmt, **options)
    return buf.getvalue()


def png_bomb(width: int, height: int, bit_depth: int = 8) -> bytes:
    """A few hundred bytes declaring width x height pixels (a valid header, no pixel data)."""
    data = bytearray(encode(np.zeros((1, 1), np.uint8), "PNG"))
    data[16:25] = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([bit_depth])
    data[29:33] = zlib.crc32(data[12:29]).to_bytes(4, "big")
    return bytes(data)


def animated_gif() -> bytes:
    frames = [Image.fromarray(black_on_white(digit_ink(d))[..., 0]) for d in (3, 8, 1)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=200, loop=0)


def exif_rotated_jpeg() -> bytes:
    """A 7 stored sideways; the EXIF orientation tag says how to turn it upright."""
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    sideways = np.ascontiguousarray(np.rot90(black_on_white(digit_ink(7))))
    return encode(sideways, "JPEG", exif=exif, quality=92)


def palette_png_with_transparency() -> bytes:
    layer = Image.fromarray(rgba_layer(digit_ink(4), (200, 30, 30)))
    return encode(layer.convert("P", palette=Image.Palette.ADAPTIVE, colors=16), "PNG")


def cmyk_jpeg() -> bytes:
    return encode(Image.fromarray(black_on_white(digit_ink(5))).convert("CMYK"), "JPEG")


def grey_alpha_png() -> bytes:
    ink = digit_ink(6)
    la = np.dstack([np.zeros_like(ink, np.uint8), np.round(ink * 255).astype(np.uint8)])
    return encode(Image.fromarray(la, "LA"), "PNG")


def sixteen_bit_png() -> bytes:
    grey16 = (digit_ink(2) * 65535).astype(np.uint16)
    return encode(Image.fromarray(grey16), "PNG")


def one_bit_bmp() -> bytes:
    return encode(Image.fromarray(white_on_black(digit_ink(9)) > 127), "BMP")


def noise(side: int = 300, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (side, side, 3), dtype=np.uint8)


def corpus() -> list[tuple[str, bytes, object]]:
    png_digit = encode(black_on_white(digit_ink(0)), "PNG")
    jpeg_digit = encode(black_on_white(digit_ink(1)), "JPEG")
    not_image = (InvalidImageError, "not an image")
    return [
        ("zero-byte.png", b"", not_image),
        ("truncated.png", png_digit[: len(png_digit) // 2], (InvalidImageError, "damaged")),
        ("truncated.jpg", jpeg_digit[: len(jpeg_digit) // 2], (InvalidImageError, "damaged")),
        ("text-named.png", b"Just some text, not a picture.\n" * 5, not_image),
        (
            "page.html",
            b"<!doctype html><html><body><img src=x onerror=alert(1)></body></html>",
            not_image,
        ),
        (
            "document.pdf",
            b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n",
            not_image,
        ),
        (
            "drawing.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
            b'<text x="30" y="70" font-size="60">7</text></svg>',
            not_image,
        ),
        ("animated.gif", animated_gif(), "3"),  # the first frame
        ("16-bit.png", sixteen_bit_png(), "2"),
        ("1-bit.bmp", one_bit_bmp(), "9"),
        ("palette-transparent.png", palette_png_with_transparency(), "4"),
        ("cmyk.jpg", cmyk_jpeg(), "5"),
        ("exif-rotated.jpg", exif_rotated_jpeg(), "7"),
        ("grey-alpha.png", grey_alpha_png(), "6"),
        ("webp.webp", encode(white_on_black(digit_ink(8)), "WEBP", lossless=True), "8"),
        ("multipage.tiff", encode(Image.fromarray(black_on_white(digit_ink(3))), "TIFF"), "3"),
        ("1x1.png", encode(np.zeros((1, 1), np.uint8), "PNG"), (InvalidImageError, "too small")),
        (
            "sliver-3x3000.png",
            encode(np.zeros((3000, 3), np.uint8), "PNG"),
            (InvalidImageError, "too small"),
        ),
        (
            "strip-10000x10.png",
            encode(np.zeros((10, 10000), np.uint8), "PNG"),
            (InvalidImageError, "long and thin"),
        ),
        (
            "all-white.png",
            encode(np.full((300, 300), 255, np.uint8), "PNG"),
            (NoDigitError, "blank"),
        ),
        ("all-black.png", encode(np.zeros((300, 300), np.uint8), "PNG"), (NoDigitError, "blank")),
        (
            "all-transparent.png",
            encode(np.zeros((300, 300, 4), np.uint8), "PNG"),
            (NoDigitError, "blank"),
        ),
        ("noise.png", encode(noise(), "PNG"), (NoDigitError, "noise")),
        ("bomb-30000x30000.png", png_bomb(30000, 30000), (InvalidImageError, "too large")),
        ("over-pixel-cap.png", png_bomb(9000, 6000), (InvalidImageError, "too large")),
        ("jpeg-named.png", jpeg_digit, "1"),  # the extension lies; the content decides
    ]
