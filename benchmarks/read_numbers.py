"""Reading whole numbers: digit_core.read_number on numbers composed from MNIST test digits.

    python benchmarks/read_numbers.py [--numbers 500]

2-6 digits each, with random sizes, baselines and gaps; about one gap in six lightly touching.
Prints digit accuracy (position by position) and whole-number accuracy.
"""

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from digit_core.number import read_number  # noqa: E402
from drawings import black_on_white, ink_strokes  # noqa: E402


def compose_number(digits: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Ink of several digits side by side on one wide canvas."""
    height = rng.uniform(40, 110)
    pieces = []
    for digit in digits:
        ink = ink_strokes(digit, canvas=int(height * rng.uniform(0.85, 1.15)), height=1.0,
                          stroke=rng.uniform(0.8, 1.6))
        x, y, w, h = cv2.boundingRect((ink > 0.05).astype(np.uint8))
        pieces.append(ink[y:y + h, x:x + w])
    margin = int(height * 0.4)
    canvas = np.zeros((int(height * 1.6) + 2 * margin, sum(p.shape[1] for p in pieces)
                       + int(height) * len(pieces) + 2 * margin), np.float32)
    x = margin
    for piece in pieces:
        top = margin + int(rng.uniform(0, 0.25) * height)  # wandering baseline
        h, w = piece.shape
        region = canvas[top:top + h, x:x + w]
        np.maximum(region, piece, out=region)
        touching = rng.random() < 1 / 6
        gap = rng.uniform(-0.06, 0.0) if touching else rng.uniform(0.08, 0.45)
        x += w + int(gap * height)
    return black_on_white(canvas[:, :x + margin])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "mnist.npz"))
    parser.add_argument("--numbers", type=int, default=500)
    args = parser.parse_args()
    with np.load(args.data) as f:
        x_test, y_test = f["x_test"], f["y_test"]
    rng = np.random.default_rng(7)
    digits_right = digits_total = numbers_right = 0
    for _ in range(args.numbers):
        index = rng.choice(len(x_test), int(rng.integers(2, 7)), replace=False)
        truth = "".join(str(y_test[i]) for i in index)
        text = read_number(compose_number([x_test[i] for i in index], rng)).text
        numbers_right += text == truth
        digits_total += len(truth)
        digits_right += sum(a == b for a, b in zip(text, truth)) if len(text) == len(truth) else 0
    print(f"{'numbers':10} {args.numbers:6d}   whole numbers right {numbers_right / args.numbers:7.2%}")
    print(f"{'digits':10} {digits_total:6d}   digits right        {digits_right / digits_total:7.2%}")


if __name__ == "__main__":
    main()
