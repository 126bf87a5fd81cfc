"""Regenerate the bundled examples in examples/ from MNIST *test* digits (tests/fixtures):

    python -m training.examples

Four looks people bring: a black-on-white drawing, a white-on-dark canvas, dark ink photographed
on paper, and a transparent PNG (a sketch layer). Every digit appears at least once.
"""

from pathlib import Path

import numpy as np
from PIL import Image

from training.drawings import (
    black_on_white,
    ink_strokes,
    mnist_fixture,
    paper_photo,
    rgba_layer,
    white_on_black,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
LOOKS = ["drawing", "dark-canvas", "paper-photo", "transparent"]


def main() -> None:
    digits, labels = mnist_fixture()
    rng = np.random.default_rng(2026)
    for n in range(12):
        digit = n % 10
        look = LOOKS[n % 4]
        i = int(np.flatnonzero(labels == digit)[n // 10 * 3])  # the first (or fourth) test digit
        ink = ink_strokes(
            digits[i],
            canvas=400,
            height=rng.uniform(0.45, 0.7),
            offset=tuple(rng.uniform(0.4, 0.6, 2)),
            stroke=rng.uniform(0.9, 1.6),
        )
        name = EXAMPLES / f"{digit}-{look}"
        if look == "drawing":
            Image.fromarray(black_on_white(ink)).save(f"{name}.png")
        elif look == "dark-canvas":
            Image.fromarray(white_on_black(ink)).save(f"{name}.png")
        elif look == "paper-photo":
            Image.fromarray(paper_photo(ink, rng, jpeg_quality=85)).save(f"{name}.jpg", quality=90)
        else:
            colour = tuple(int(c) for c in rng.integers(0, 200, 3))
            Image.fromarray(rgba_layer(ink, colour)).save(f"{name}.png")


if __name__ == "__main__":
    main()
