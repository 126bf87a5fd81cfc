"""Reading whole numbers: digit_core.read_number on numbers composed from MNIST test digits.

    python -m benchmarks.read_numbers [--numbers 500]

2-6 digits each, with random sizes, baselines and gaps, about one gap in six lightly touching
(drawings.compose_number). Prints the share of whole numbers read exactly, and of digits read
right (digits of the truth matched in order by the reading, so one missed digit costs one).
"""

import argparse
import difflib
from pathlib import Path

import numpy as np

from digit_core import read_number
from training.drawings import compose_number

ROOT = Path(__file__).resolve().parent.parent



def digits_matched(text: str, truth: str) -> int:
    return sum(b.size for b in difflib.SequenceMatcher(None, text, truth).get_matching_blocks())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "mnist.npz"))
    parser.add_argument("--numbers", type=int, default=500)
    args = parser.parse_args()
    with np.load(args.data) as f:
        x_test, y_test = f["x_test"], f["y_test"]
    rng = np.random.default_rng(7)
    digits_right = digits_total = numbers_right = 0
    by_length: dict[int, list[bool]] = {}
    for _ in range(args.numbers):
        index = rng.choice(len(x_test), int(rng.integers(2, 7)), replace=False)
        truth = "".join(str(y_test[i]) for i in index)
        text = read_number(compose_number([x_test[i] for i in index], rng)).text
        numbers_right += text == truth
        by_length.setdefault(len(truth), []).append(text == truth)
        digits_total += len(truth)
        digits_right += digits_matched(text, truth)
    print(f"| {'what':24} | {'count':>6} | {'right':>7} |\n|{'-' * 26}|{'-' * 8}|{'-' * 9}|")
    print(f"| {'whole numbers':24} | {args.numbers:6d} | {numbers_right / args.numbers:7.2%} |")
    print(f"| {'digits':24} | {digits_total:6d} | {digits_right / digits_total:7.2%} |")
    for length, right in sorted(by_length.items()):
        print(f"| {f'numbers of {length} digits':24} | {len(right):6d} | {np.mean(right):7.2%} |")


if __name__ == "__main__":
    main()
