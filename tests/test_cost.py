"""What a picture may cost to decode, judged from its header (benchmarks/abuse.py times the
costliest legal one)."""

import io

import numpy as np
import pytest
from PIL import Image

from digit_core import InvalidImageError
from digit_core.cost import check_decode_work
from tests.attacks import heavy_png
from tests.bad_inputs import encode


def noise(side: int, spread: float = 60) -> np.ndarray:
    picture = np.random.default_rng(0).normal(128, spread, (side, side, 3))
    return np.clip(picture, 0, 255).astype(np.uint8)


@pytest.mark.parametrize(
    "data",
    [
        heavy_png(),  # 62 KB, 49 megapixels to inflate
        encode(noise(2200), "WEBP"),
        encode(noise(2000), "JPEG", quality=90, progressive=True),  # 3 MB: every byte decoded
    ],
    ids=["7000x7000 PNG", "2200x2200 WebP", "3 MB progressive JPEG"],
)
def test_a_costly_picture_is_refused_from_its_header(data):
    with pytest.raises(InvalidImageError, match="too large to read quickly"):
        check_decode_work(Image.open(io.BytesIO(data)))


@pytest.mark.parametrize(
    "data",
    [
        encode(noise(1000), "PNG"),
        encode(noise(4000, spread=4), "JPEG", quality=85),  # like a 16-megapixel photo of paper
        encode(noise(1500), "JPEG", quality=90, progressive=True),
    ],
    ids=["1000x1000 PNG", "4000x4000 JPEG", "1500x1500 progressive JPEG"],
)
def test_ordinary_pictures_pass(data):
    check_decode_work(Image.open(io.BytesIO(data)))
