"""The work a picture costs to decode, judged from its header before any pixel is decoded.

JPEG is decoded at 1/2, 1/4 or 1/8 scale (`Image.draft`), so even a 50-megapixel photo costs a
few milliseconds; every other format is decoded whole before it can be reduced, so its pixels
are capped where the costliest picture of that format still decodes in DECODE_BUDGET_SECONDS.
"""

from PIL import Image

from digit_core.errors import InvalidImageError

REDUCED_SCALE_FORMATS = {"JPEG", "MPO"}
DECODE_BUDGET_SECONDS = 0.15
# CPU seconds per megapixel of each format's costliest picture: random RGB(A) noise, decoded by
# digit_core.decode.to_array on a 2-core machine (benchmarks/abuse.py prints the costliest now).
SECONDS_PER_MEGAPIXEL = {"WEBP": 0.036, "PNG": 0.027, "TIFF": 0.014, "GIF": 0.009, "BMP": 0.003}
UNMEASURED = max(SECONDS_PER_MEGAPIXEL.values())


def max_megapixels(image_format: str | None) -> float:
    """The most megapixels a picture of this format may have."""
    return DECODE_BUDGET_SECONDS / SECONDS_PER_MEGAPIXEL.get(image_format or "", UNMEASURED)


def check_decode_work(image: Image.Image) -> None:
    """Refuse a picture that would take more than DECODE_BUDGET_SECONDS to decode."""
    width, height = image.size
    if image.format in REDUCED_SCALE_FORMATS:
        return
    if width * height > max_megapixels(image.format) * 1_000_000:
        raise InvalidImageError(
            f"The image is too large to read quickly ({width}x{height} pixels): the limit for "
            f"{image.format} is {max_megapixels(image.format):.1f} megapixels "
            "(a JPEG may be larger)."
        )
