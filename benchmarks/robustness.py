"""Real-world accuracy of the whole path (image -> digit_core.predict) against a naive pipeline.

    python benchmarks/robustness.py [--data ../shared/data/mnist.npz] [--per-suite 1000]

Every suite is built deterministically from MNIST *test* digits (never training digits) and
run through (a) this project's preprocessing and (b) the naive "grayscale -> Otsu -> bounding-box
crop -> pad -> resize to 28x28" that most digit apps use, both feeding the same model.
"""

import argparse
import importlib
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from digit_core import NoDigitError, predict_proba, preprocess  # noqa: E402
from drawings import black_on_white, canvas_drawing, ink_strokes, paper_photo, white_on_black  # noqa: E402


# ----------------------------------------------------------------------------- the suites

def paper(digit, rng):
    canvas = int(rng.integers(300, 700))
    ink = ink_strokes(digit, canvas, height=rng.uniform(0.3, 0.7),
                      offset=tuple(rng.uniform(0.3, 0.7, 2)), stroke=rng.uniform(0.8, 2.0))
    return paper_photo(ink, rng, jpeg_quality=int(rng.integers(40, 90)))


def slanted(digit, rng):
    shear = np.tan(np.radians(rng.choice([-1, 1]) * rng.uniform(15, 20)))
    move = np.float32([[1, shear, -shear * 14], [0, 1, 0]])
    return black_on_white(ink_strokes(cv2.warpAffine(digit, move, (28, 28)), 400, height=0.6))


def tiny(digit, rng):
    canvas = int(rng.integers(150, 400))
    return black_on_white(ink_strokes(digit, canvas, height=rng.uniform(12, 20) / canvas,
                                      offset=tuple(rng.uniform(0.2, 0.8, 2))))


def at_the_edge(digit, rng):
    corner = tuple(rng.choice([0.0, 1.0], 2))  # pushed against one side and one end
    return white_on_black(ink_strokes(digit, 400, height=rng.uniform(0.4, 0.8), offset=corner))


def specks(digit, rng):
    ink = ink_strokes(digit, 400, height=rng.uniform(0.4, 0.7), offset=tuple(rng.uniform(0.3, 0.7, 2)))
    for _ in range(int(rng.integers(3, 9))):
        centre = tuple(int(v) for v in rng.integers(5, 395, 2))
        cv2.circle(ink, centre, int(rng.integers(1, 4)), 1.0, -1, lineType=cv2.LINE_AA)
    return black_on_white(ink)


def lined_paper(digit, rng):
    ink = ink_strokes(digit, 400, height=rng.uniform(0.4, 0.7), offset=tuple(rng.uniform(0.35, 0.65, 2)))
    lines = np.zeros_like(ink)
    gap = int(rng.integers(18, 40))
    lines[::gap, :] = 1
    if rng.random() < 0.5:  # squared paper
        lines[:, ::gap] = 1
    faint = rng.uniform(0.15, 0.35)
    return black_on_white(np.maximum(ink, faint * lines))


SUITES = {
    "canvas drawings": [canvas_drawing],
    "photos of paper": [paper],
    "hard cases": [slanted, tiny, at_the_edge, specks, lined_paper],
}


# ----------------------------------------------------------------------------- the baseline

def naive_preprocess(image: np.ndarray) -> np.ndarray:
    """What most digit demos do: grey, Otsu, crop to the ink box, pad square, resize to 28x28."""
    grey = cv2.cvtColor(image, cv2.COLOR_RGBA2GRAY if image.shape[-1] == 4 else cv2.COLOR_RGB2GRAY) \
        if image.ndim == 3 else image
    _, mask = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if mask.mean() > 127:  # ink is the minority
        mask = 255 - mask
    x, y, w, h = cv2.boundingRect(mask)
    if w == 0 or h == 0:
        return np.zeros((28, 28), np.float32)
    side = int(max(w, h) * 1.4)  # MNIST-like margin: a 20-px digit in 28 px
    square = np.zeros((side, side), np.uint8)
    square[(side - h) // 2:(side - h) // 2 + h, (side - w) // 2:(side - w) // 2 + w] = mask[y:y + h, x:x + w]
    return cv2.resize(square, (28, 28), interpolation=cv2.INTER_AREA).astype(np.float32) / 255


# ----------------------------------------------------------------------------- ablations

STEPS = importlib.import_module("digit_core.preprocess")  # the module, not the function


@contextmanager
def without(step: str):
    """digit_core's pipeline with one step replaced by "leave the image as it is"."""
    original = getattr(STEPS, step)
    setattr(STEPS, step, lambda image: image)
    try:
        yield
    finally:
        setattr(STEPS, step, original)


ABLATIONS = ["normalise_stroke", "flatten_background"]


# ----------------------------------------------------------------------------- run

def right(images, labels, prepare) -> np.ndarray:
    batch = []
    for image in images:
        try:
            batch.append(prepare(image))
        except NoDigitError:
            batch.append(np.zeros((28, 28), np.float32))  # counted as wrong
    return predict_proba(np.stack(batch)).argmax(1) == labels


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "mnist.npz"))
    parser.add_argument("--per-suite", type=int, default=1000)
    parser.add_argument("--ablations", action="store_true",
                        help="also run digit_core without each of: " + ", ".join(ABLATIONS))
    args = parser.parse_args()
    ablations = ABLATIONS if args.ablations else []
    with np.load(args.data) as f:
        x_test, y_test = f["x_test"], f["y_test"]

    extra = "".join(f" {'no ' + a.split('_')[0]:>12}" for a in ablations)
    print(f"{'suite':18} {'images':>7} {'digit_core':>11} {'naive':>8}{extra} {'seconds':>8}")
    raw = float((predict_proba(x_test.astype(np.float32) / 255).argmax(1) == y_test).mean())
    print(f"{'raw MNIST test':18} {len(x_test):7d} {raw:11.2%} {raw:8.2%}"
          + " " * 13 * len(ablations) + f" {'-':>8}")
    for s, (name, makers) in enumerate(SUITES.items()):
        rng = np.random.default_rng(1000 + s)
        index = rng.choice(len(x_test), args.per_suite, replace=False)
        kinds = np.arange(len(index)) % len(makers)
        start = time.time()
        images = [makers[k](x_test[i], rng) for i, k in zip(index, kinds)]
        results = [right(images, y_test[index], preprocess),
                   right(images, y_test[index], naive_preprocess)]
        for step in ablations:
            with without(step):
                results.append(right(images, y_test[index], preprocess))
        print(f"{name:18} {len(index):7d} {results[0].mean():11.2%} "
              + " ".join(f"{r.mean():{12 if i > 1 else 8}.2%}" for i, r in enumerate(results[1:], 1))
              + f" {time.time() - start:8.0f}")
        for k, maker in enumerate(makers if len(makers) > 1 else []):
            part = kinds == k
            print(f"  {maker.__name__:16} {part.sum():7d} {results[0][part].mean():11.2%} "
                  + " ".join(f"{r[part].mean():{12 if i > 1 else 8}.2%}"
                             for i, r in enumerate(results[1:], 1)))


if __name__ == "__main__":
    main()
