"""The single-digit path on the pictures issue 27 found it weak on, generated from the MNIST
training split's validation part (its last 6,000 digits; never the test split), against another
revision's digit_core (default: main) and the plain MNIST recipe, all in the same run.

    python -m benchmarks.single_digit [--per-suite 2000] [--baseline main]

Suites: 8x8 optical scans filling their frame edge to edge, enlarged to 96 px (UCI-like, no
margin); canvas exports whose paper is partly transparent (alpha 40-250, strokes opaque) or fades
from partly transparent to opaque; thick digits filling a canvas to its edges. Refused: the reader
raised NoDigitError; crashed: any other exception (both counted wrong).
"""

import argparse
import json
from pathlib import Path

import numpy as np

from benchmarks.baseline import run_at_revision
from benchmarks.robustness import mnist_recipe
from training.drawings import black_on_white, filling_scan, ink_strokes

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "mnist.npz"
VALIDATION = 6000  # the last training digits, as train.py holds them out


def partly_transparent(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    ink = ink_strokes(digit, int(rng.integers(200, 600)), height=rng.uniform(0.4, 0.8))
    alpha = np.where(ink > 0.5, 255, int(rng.integers(40, 251))).astype(np.uint8)
    return np.dstack([black_on_white(ink), alpha])


def fading(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    ink = ink_strokes(digit, int(rng.integers(200, 600)), height=rng.uniform(0.4, 0.8))
    ramp = np.linspace(rng.uniform(20, 250), 255, ink.shape[1])[None, :].repeat(len(ink), 0)
    return np.dstack([black_on_white(ink), np.round(ramp).astype(np.uint8)])


def thick_to_the_edges(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    ink = ink_strokes(
        digit,
        int(rng.integers(64, 300)),
        height=rng.uniform(0.95, 1.0),
        stroke=rng.uniform(2.5, 4.0),
    )
    return black_on_white(ink)


SUITES = {
    "8x8 filling the frame": lambda digit, rng: filling_scan(digit),
    "partly transparent paper": partly_transparent,
    "fading transparency": fading,
    "thick, to the edges": thick_to_the_edges,
}


def suite(name: str, per_suite: int) -> tuple[list[np.ndarray], np.ndarray]:
    with np.load(DATA) as f:
        x, y = f["x_train"][-VALIDATION:], f["y_train"][-VALIDATION:]
    rng = np.random.default_rng(list(SUITES).index(name))
    index = rng.choice(len(x), per_suite, replace=False)
    return [SUITES[name](x[i], rng) for i in index], y[index]


def answers(pictures: list[np.ndarray], prepare=None) -> list[int]:
    """Each picture's digit; -1 where it was refused (NoDigitError), -2 where it crashed."""
    from digit_core import NoDigitError, predict_proba, preprocess

    batch, failed = [], []
    for picture in pictures:
        try:
            batch.append((prepare or preprocess)(picture))
            failed.append(0)
        except NoDigitError:
            failed.append(-1)
        except Exception:  # what this benchmark counts: today's main raised IndexError here
            failed.append(-2)
        if failed[-1]:
            batch.append(np.zeros((28, 28), np.float32))
    digits = predict_proba(np.stack(batch)).argmax(1)
    return [f or int(d) for d, f in zip(digits, failed)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-suite", type=int, default=2000)
    parser.add_argument("--baseline", default="main")
    parser.add_argument("--answers-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.answers_only:  # the baseline's child process
        print(json.dumps({name: answers(suite(name, args.per_suite)[0]) for name in SUITES}))
        return
    before = run_at_revision(
        args.baseline, "benchmarks.single_digit", ["--per-suite", str(args.per_suite)]
    )
    print(
        f"validation digits (last {VALIDATION} of MNIST's training split), "
        f"{args.per_suite} a suite; right (refused, crashed)"
    )
    print(f"{'suite':26} {'digit_core':>18} {args.baseline:>18} {'MNIST recipe':>18}")
    for name in SUITES:
        pictures, labels = suite(name, args.per_suite)
        cells = []
        for got in (answers(pictures), before[name], answers(pictures, mnist_recipe)):
            got = np.array(got)
            cells.append(
                f"{(got == labels).mean():7.2%} ({(got == -1).sum()}, {(got == -2).sum()})"
            )
        print(f"{name:26} " + " ".join(f"{c:>18}" for c in cells))


if __name__ == "__main__":
    main()
