"""The work a picture costs to decode, judged from its header before any pixel is decoded.

Every format but JPEG is decoded whole before it can be reduced, so its cost follows its pixels;
a JPEG is decoded at 1/2, 1/4 or 1/8 scale (`Image.draft`), but every byte of it is still read
and entropy-decoded (a progressive one into a full-size buffer of coefficients), so its cost
follows its bytes. Each is capped where the costliest picture still decodes in
DECODE_BUDGET_SECONDS.
"""

from PIL import Image

from digit_core.errors import InvalidImageError

DECODE_BUDGET_SECONDS = 0.15
# CPU seconds per megapixel of each format's costliest picture (random RGB(A) noise) and per
# megabyte of JPEG, decoded by digit_core.decode.to_array on a 2-core machine
# (benchmarks/abuse.py prints the costliest legal picture now).
SECONDS_PER_MEGAPIXEL = {"WEBP": 0.036, "PNG": 0.027, "TIFF": 0.014, "GIF": 0.009, "BMP": 0.003}
SECONDS_PER_JPEG_MEGABYTE = {"baseline": 0.016, "progressive": 0.07}
JPEG_FORMATS = {"JPEG", "MPO"}


def decode_seconds(image: Image.Image) -> float:
    """The most CPU seconds decoding `image` may take, from its header and its file's size."""
    if image.format in JPEG_FORMATS:
        kind = "progressive" if image.info.get("progressive") else "baseline"
        return file_bytes(image) / 1e6 * SECONDS_PER_JPEG_MEGABYTE[kind]
    rate = SECONDS_PER_MEGAPIXEL.get(image.format or "", max(SECONDS_PER_MEGAPIXEL.values()))
    return image.size[0] * image.size[1] / 1e6 * rate


def file_bytes(image: Image.Image) -> int:
    fp = getattr(image, "fp", None)  # the open file Pillow reads from
    if fp is None:
        return 0
    here = fp.tell()
    end = fp.seek(0, 2)
    fp.seek(here)
    return end


def check_decode_work(image: Image.Image) -> None:
    """Refuse a picture that would take more than DECODE_BUDGET_SECONDS to decode."""
    if decode_seconds(image) > DECODE_BUDGET_SECONDS:
        raise InvalidImageError(
            f"This {image.format} is too large to read quickly: send a smaller picture "
            "(a photo of one digit needs no more than 1000 pixels a side)."
        )
