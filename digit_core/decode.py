"""Anything a user may hand us -> a checked pixel array (H x W, or H x W x 1/3/4 channels).

Files are decoded with Pillow, after checking their format and pixel count from the header, so a
decompression bomb is refused before a single pixel is allocated, and no picture may take more
than DECODE_BYTES while it is decoded and converted.
"""

import io
import math
import os
from typing import cast

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from digit_core.cost import check_decode_work
from digit_core.errors import InvalidImageError

FORMATS = {"PNG", "JPEG", "MPO", "BMP", "GIF", "WEBP", "TIFF"}  # MPO: JPEGs from some phones
FORMAT_NAMES = "PNG, JPEG, BMP, GIF, WebP or TIFF"
MAX_PIXELS = 50_000_000  # a 50-megapixel phone photo; bigger files are refused from the header
DECODE_BYTES = 64_000_000  # decoding plus one conversion, before the picture is reduced
DECODE_SIDE = 1024  # enough for any digit; big images are reduced while decoding
MIN_SIDE = 8
MAX_ASPECT = 25
UNREADABLE = f"This file is not an image we can read ({FORMAT_NAMES})."
# Pillow's own bomb check, for every decoder in the process (Gradio's included): it refuses
# above twice this, so above MAX_PIXELS.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS // 2

ImageInput = np.ndarray | Image.Image | str | os.PathLike | bytes | bytearray


def to_array(image: ImageInput) -> np.ndarray:
    if isinstance(image, np.ndarray):
        return normalise_array(image)
    if isinstance(image, (str, os.PathLike, bytes, bytearray)):
        return normalise_array(pil_to_array(open_image(image)))
    if isinstance(image, Image.Image):
        return normalise_array(pil_to_array(image))
    raise InvalidImageError(f"Expected an image, got {type(image).__name__}.")


def open_image(source: str | os.PathLike | bytes | bytearray) -> Image.Image:
    """Open lazily (header only) and refuse what we won't decode."""
    try:
        image = Image.open(io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source)
    except Image.DecompressionBombError:
        raise InvalidImageError(too_large_message()) from None
    except (UnidentifiedImageError, OSError, ValueError):  # a missing file says the same
        raise InvalidImageError(UNREADABLE) from None
    if image.format not in FORMATS:
        raise InvalidImageError(f"{image.format} files are not supported: use {FORMAT_NAMES}.")
    return image


def check_size(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise InvalidImageError(too_large_message(f" ({width}x{height} pixels)"))
    if min(width, height) < MIN_SIDE:
        raise InvalidImageError(
            f"The image is too small ({width}x{height}); "
            f"it needs at least {MIN_SIDE} pixels a side."
        )
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise InvalidImageError(
            f"The image is too long and thin ({width}x{height}) to hold a single digit."
        )


def pil_to_array(image: Image.Image) -> np.ndarray:
    check_size(*image.size)  # from the header, before any pixel is decoded
    try:
        plan_decode(image)
        image.load()
        plain = file_tones(to_plain_mode(image))
        if max(plain.size) > 2 * DECODE_SIDE:
            plain = plain.reduce(min(max(plain.size) // DECODE_SIDE, min(plain.size) // MIN_SIDE))
        plain.info.update(image.info)  # the EXIF orientation, read by exif_transpose
        return np.asarray(ImageOps.exif_transpose(plain))
    except InvalidImageError:  # too large to decode: says so (it is a ValueError too)
        raise
    except (OSError, SyntaxError, ValueError, EOFError):
        raise InvalidImageError("The image file is damaged or incomplete.") from None


def plan_decode(image: Image.Image) -> None:
    """Choose the first frame and the JPEG scale, then check what decoding it will take; from
    the header alone."""
    image.seek(0)  # animated GIF/WebP/TIFF: the first frame
    if image.format in ("JPEG", "MPO"):
        image.draft(image.mode, (DECODE_SIDE, DECODE_SIDE))  # decode at 1/2, 1/4 or 1/8 scale
    check_decode_bytes(image)
    check_decode_work(image)


def pixel_bytes(mode: str) -> int:
    """What Pillow allocates per pixel: one byte, two for 16-bit greys, else four."""
    return 1 if mode in ("1", "L", "P") else 2 if mode.startswith("I;16") else 4


def check_decode_bytes(image: Image.Image) -> None:
    """The decoded picture and its conversion to a plain mode must fit in DECODE_BYTES."""
    width, height = image.size
    per_pixel = pixel_bytes(image.mode) + (0 if image.mode in PLAIN_MODES else 4)
    if width * height * per_pixel > DECODE_BYTES:
        size = f" to decode ({width}x{height} pixels, {image.mode})"
        raise InvalidImageError(too_large_message(size, DECODE_BYTES // per_pixel // 10**6))


PLAIN_MODES = ("L", "RGB", "RGBA", "I", "F")


def to_plain_mode(image: Image.Image) -> Image.Image:
    """Palette, 1-bit, 16-bit, CMYK, LA... -> L, RGB, RGBA or 32-bit I (16-bit greys keep their
    values), all modes Pillow can reduce."""
    if image.mode in PLAIN_MODES:
        return image
    if image.mode.startswith("I;16"):
        return image.convert("I")
    if image.mode == "La":  # premultiplied alpha: Pillow converts it to RGBA only through LA
        image = image.convert("LA")
    if image.has_transparency_data:
        return image.convert("RGBA")
    return image.convert("L" if image.mode == "1" else "RGB")


def file_tones(image: Image.Image) -> Image.Image:
    """A float or 32-bit file holds tones in whatever range its maker chose (Pillow's own float
    pictures run 0-255): stretched to the range arrays are held to, 0-1 or 0-65535. Tones
    already inside it, and NaN or infinity (refused later), are left as they are."""
    if image.mode not in ("F", "I"):
        return image
    low, high = cast(tuple[float, float], image.getextrema())  # one band: (lowest, highest)
    top = 1.0 if image.mode == "F" else 65535
    if not (math.isfinite(low) and math.isfinite(high)) or (low >= 0 and high <= top):
        return image
    return image.point(lambda v: (v - low) * (top / max(high - low, 1e-9)))


def too_large_message(size: str = "", megapixels: int = MAX_PIXELS // 1_000_000) -> str:
    return f"The image is too large{size}; the limit is {megapixels} megapixels."


def normalise_array(a: np.ndarray) -> np.ndarray:
    """Check shape and values; return uint8, uint16 or float32 in [0, 1] (see `as_float`)."""
    if a.ndim == 3 and a.shape[2] == 2:  # grey + alpha
        a = np.dstack([a[..., 0], a[..., 0], a[..., 0], a[..., 1]])
    if not (a.ndim == 2 or (a.ndim == 3 and a.shape[2] in (1, 3, 4))):
        raise InvalidImageError(
            f"Expected a grey, RGB or RGBA image; got an array of shape {a.shape}."
        )
    check_size(a.shape[1], a.shape[0])
    if a.dtype in (np.uint8, np.uint16):
        return a
    if a.dtype == bool:
        return a.astype(np.uint8) * 255
    if np.issubdtype(a.dtype, np.floating):
        if not np.isfinite(a).all():
            raise InvalidImageError("The image contains NaN or infinite values.")
        if a.min() < 0 or a.max() > 1:
            raise InvalidImageError("Float images must have values between 0 and 1.")
        return a.astype(np.float32, copy=False)
    if np.issubdtype(a.dtype, np.integer):
        if a.min() < 0 or a.max() > 65535:
            raise InvalidImageError("Integer images must have values between 0 and 65535.")
        # e.g. 16-bit PNGs that Pillow opens as int32
        return a.astype(np.uint8 if a.max() <= 255 else np.uint16)
    raise InvalidImageError(f"Unsupported pixel type {a.dtype}.")


def as_float(a: np.ndarray) -> np.ndarray:
    """uint8, uint16 or float32 -> float32 in [0, 1], in one pass."""
    if a.dtype == np.float32:
        return a
    return np.multiply(a, np.float32(1 / np.iinfo(a.dtype).max), dtype=np.float32)
