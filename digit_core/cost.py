"""The work a picture costs to decode, judged from its header before any pixel is decoded.

JPEG is decoded at 1/2, 1/4 or 1/8 scale (`Image.draft`), so even a 50-megapixel photo costs a
few milliseconds; every other format is decoded whole before it can be reduced, at roughly
3-11 ms of CPU per megapixel (PNG to WebP, benchmarks/abuse.py), so its pixels are capped where a
legal picture still costs under ~0.15 s.
"""

from PIL import Image

from digit_core.errors import InvalidImageError

REDUCED_SCALE_FORMATS = {"JPEG", "MPO"}
FULL_DECODE_PIXELS = 12_000_000  # a 4000x3000 screenshot; WebP this size decodes in ~0.13 s


def check_decode_work(image: Image.Image) -> None:
    """Refuse a picture that only a full-scale decode of more than FULL_DECODE_PIXELS could read."""
    width, height = image.size
    if image.format not in REDUCED_SCALE_FORMATS and width * height > FULL_DECODE_PIXELS:
        raise InvalidImageError(
            f"The image is too large to read quickly ({width}x{height} pixels): the limit is "
            f"{FULL_DECODE_PIXELS // 1_000_000} megapixels (JPEG photos may be larger)."
        )
