""" "That's not a digit": how often the digit check flags non-digits and real digits, and the
calibration of the probabilities before/after temperature scaling.

    python -m benchmarks.ood [--digits 2000] [--per-kind 300]

Digits: MNIST test digits drawn as canvas drawings (drawings.canvas_drawing). Non-digits:
non_digits.py with the fonts the check was not fitted on. "Flagged" means the app would not show
a digit: the check says no, or preprocessing refuses the picture (NoDigitError, e.g. noise).
"""

import argparse
import json
from pathlib import Path

import numpy as np

from digit_core import NoDigitError, predict_proba, read_digit
from training.calibrate import expected_calibration_error
from training.drawings import canvas_drawing
from training.non_digits import KINDS, non_digit

ROOT = Path(__file__).resolve().parent.parent


def flagged(image: np.ndarray) -> bool:
    try:
        return not read_digit(image).is_digit
    except NoDigitError:
        return True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "mnist.npz"))
    parser.add_argument("--digits", type=int, default=2000)
    parser.add_argument("--per-kind", type=int, default=300)
    args = parser.parse_args()
    with np.load(args.data) as f:
        x_test, y_test = f["x_test"], f["y_test"]
    rng = np.random.default_rng(11)
    rows = []
    index = rng.choice(len(x_test), args.digits, replace=False)
    digit_flags = [flagged(canvas_drawing(x_test[i], rng)) for i in index]
    rows.append(("MNIST test digits, drawn", len(index), np.mean(digit_flags)))
    all_flags = []
    for kind in KINDS:
        flags = [flagged(non_digit(kind, rng)) for _ in range(args.per_kind)]
        all_flags += flags
        rows.append((f"non-digits: {kind}", len(flags), np.mean(flags)))
    rows.append(("non-digits: all", len(all_flags), np.mean(all_flags)))
    print(f"| {'inputs':28} | {'count':>6} | {'flagged':>8} |\n|{'-' * 30}|{'-' * 8}|{'-' * 10}|")
    for name, count, share in rows:
        print(f"| {name:28} | {count:6d} | {share:8.2%} |")

    temperature = json.loads((ROOT / "model" / "metrics.json").read_text())["temperature"]
    after = predict_proba(x_test.astype(np.float32) / 255).astype(np.float64)
    before = after**temperature  # undo the scaling: softmax(T * log p) = softmax(logits)
    before /= before.sum(1, keepdims=True)
    print(f"\n| calibration on the MNIST test split (T = {temperature}) | ECE |\n|---|---|")
    print(f"| before temperature scaling | {expected_calibration_error(before, y_test):.4f} |")
    print(f"| after | {expected_calibration_error(after, y_test):.4f} |")


if __name__ == "__main__":
    main()
