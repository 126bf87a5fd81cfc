"""Accuracy of the whole path (picture -> digit_core) on real pictures first, then on pictures
generated from MNIST test digits and digits lettered in fonts, against two baselines feeding the
same model.

    python -m benchmarks.robustness [--data ../shared/data/mnist.npz] [--per-suite 1000]

A suite of 1,000 measures to about +-0.6 points at 99 % (95 % interval); `--per-suite 10000`
draws every MNIST test digit once per suite (+-0.2 points), in about half an hour.

Real pictures (../shared/data, for measuring only): `real-dev/`, digits people drew or
photographed (label = first character of the file name), and `real-nondigits-dev/`, doodles and
handwritten letters, which should be called "not a digit". Generated suites are built
deterministically from MNIST *test* digits (never training digits); the lettered digits use the
fonts and hands the network was not trained on (non_digits.py, "test" half). Baselines: the naive
"grayscale -> Otsu -> bounding-box crop -> pad -> resize to 28x28" that most digit apps use, and
the plain MNIST recipe (crop -> 20x20 box -> centre of mass), both compositing transparency onto
white first like any careful demo.
"""

import argparse
import importlib
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path

import cv2
import numpy as np

from benchmarks.ood import flagged
from digit_core import NoDigitError, predict_proba, preprocess
from training.drawings import (
    black_on_white,
    canvas_drawing,
    enlarged,
    ink_strokes,
    paper_photo,
    white_on_black,
)
from training.lettering import lettered_digit

ROOT = Path(__file__).resolve().parent.parent


# ----------------------------------------------------------------------------- the suites


def paper(digit, rng):
    canvas = int(rng.integers(300, 700))
    ink = ink_strokes(
        digit,
        canvas,
        height=rng.uniform(0.3, 0.7),
        offset=tuple(rng.uniform(0.3, 0.7, 2)),
        stroke=rng.uniform(0.8, 2.0),
    )
    return paper_photo(ink, rng, jpeg_quality=int(rng.integers(40, 90)))


def slanted(digit, rng):
    shear = np.tan(np.radians(rng.choice([-1, 1]) * rng.uniform(15, 20)))
    move = np.float32([[1, shear, -shear * 14], [0, 1, 0]])
    return black_on_white(ink_strokes(cv2.warpAffine(digit, move, (28, 28)), 400, height=0.6))


def tiny(digit, rng):
    canvas = int(rng.integers(150, 400))
    return black_on_white(
        ink_strokes(
            digit,
            canvas,
            height=rng.uniform(12, 20) / canvas,
            offset=tuple(rng.uniform(0.2, 0.8, 2)),
        )
    )


def at_the_edge(digit, rng):
    corner = tuple(rng.choice([0.0, 1.0], 2))  # pushed against one side and one end
    return white_on_black(ink_strokes(digit, 400, height=rng.uniform(0.4, 0.8), offset=corner))


def specks(digit, rng):
    ink = ink_strokes(
        digit, 400, height=rng.uniform(0.4, 0.7), offset=tuple(rng.uniform(0.3, 0.7, 2))
    )
    for _ in range(int(rng.integers(3, 9))):
        centre = tuple(int(v) for v in rng.integers(5, 395, 2))
        cv2.circle(ink, centre, int(rng.integers(1, 4)), 1.0, -1, lineType=cv2.LINE_AA)
    return black_on_white(ink)


def lined_paper(digit, rng):
    ink = ink_strokes(
        digit, 400, height=rng.uniform(0.4, 0.7), offset=tuple(rng.uniform(0.35, 0.65, 2))
    )
    lines = np.zeros_like(ink)
    gap = int(rng.integers(18, 40))
    lines[::gap, :] = 1
    if rng.random() < 0.5:  # squared paper
        lines[:, ::gap] = 1
    faint = rng.uniform(0.15, 0.35)
    return black_on_white(np.maximum(ink, faint * lines))


def shadowed(digit, rng):
    """A photo of paper with a soft shadow (a hand, the phone) darkening part of it 20-40 %."""
    photo = paper(digit, rng).astype(np.float32)
    h, w = photo.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w]
    angle = rng.uniform(0, 2 * np.pi)  # the shadow's edge: a line at any angle near the middle
    across = np.cos(angle) * (xs - w / 2) + np.sin(angle) * (ys - h / 2)
    shaded = across > rng.uniform(-0.3, 0.3) * w
    shade = cv2.GaussianBlur(shaded.astype(np.float32), (0, 0), rng.uniform(3, 15))
    return np.clip(photo * (1 - rng.uniform(0.2, 0.4) * shade)[..., None], 0, 255).astype(np.uint8)


def low_resolution(digit, rng):
    """Shrunk to 8x8 (area), then enlarged to 96x96 (cubic): a small, blurry scan."""
    return enlarged(digit, 8)


SUITES = {  # each suite's random draw depends on its position: add new ones at the end
    "canvas drawings": [canvas_drawing],
    "photos of paper": [paper],
    "hard cases": [slanted, tiny, at_the_edge, specks, lined_paper],
    "8x8 -> 96x96": [low_resolution],
    "shadowed photos": [shadowed],
}


# ----------------------------------------------------------------------------- the baseline


def flat_grey(image: np.ndarray) -> np.ndarray:
    """Grey uint8, transparency composited onto white."""
    if image.ndim == 3 and image.shape[-1] == 4:
        alpha = image[..., 3:].astype(np.float32) / 255
        image = np.round(image[..., :3] * alpha + 255 * (1 - alpha)).astype(np.uint8)
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image


def naive_preprocess(image: np.ndarray) -> np.ndarray:
    """What most digit demos do: grey, Otsu, crop to the ink box, pad square, resize to 28x28."""
    grey = flat_grey(image)
    _, mask = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if mask.mean() > 127:  # ink is the minority
        mask = 255 - mask
    x, y, w, h = cv2.boundingRect(mask)
    if w == 0 or h == 0:
        return np.zeros((28, 28), np.float32)
    side = int(max(w, h) * 1.4)  # MNIST-like margin: a 20-px digit in 28 px
    square = np.zeros((side, side), np.uint8)
    square[(side - h) // 2 : (side - h) // 2 + h, (side - w) // 2 : (side - w) // 2 + w] = mask[
        y : y + h, x : x + w
    ]
    return cv2.resize(square, (28, 28), interpolation=cv2.INTER_AREA).astype(np.float32) / 255


def mnist_recipe(image: np.ndarray) -> np.ndarray:
    """The plain MNIST recipe: grey ink on black (by the border's colour), cropped to the Otsu
    box, its longer side scaled to 20 px, centred by mass in 28x28; nothing else."""
    grey = flat_grey(image).astype(np.float32) / 255
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    ink = 1 - grey if np.median(border) > 0.5 else grey
    ink = (ink - ink.min()) / max(float(ink.max() - ink.min()), 1e-6)
    _, mask = cv2.threshold((ink * 255).astype(np.uint8), 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    x, y, w, h = cv2.boundingRect(mask)
    if w == 0 or h == 0:
        return np.zeros((28, 28), np.float32)
    return STEPS.centre_by_mass(STEPS.fit_box(ink[y : y + h, x : x + w]))


# ----------------------------------------------------------------------------- ablations

STEPS = importlib.import_module("digit_core.preprocess")  # the module, not the function


@contextmanager
def without(step: str):
    """digit_core's pipeline with one step replaced by "leave it as it is": the step's last
    input comes back unchanged (the picture it would change; for with_halo, Otsu's mask)."""
    original = getattr(STEPS, step)
    setattr(STEPS, step, lambda *inputs: inputs[-1])
    try:
        yield
    finally:
        setattr(STEPS, step, original)


ABLATIONS = ["normalise_stroke", "flatten_background", "with_halo"]


# ----------------------------------------------------------------------------- run

CHUNK = 1000  # pictures made and read at a time


def right(images, labels, prepare) -> np.ndarray:
    batch = []
    for image in images:
        try:
            batch.append(prepare(image))
        except NoDigitError:
            batch.append(np.zeros((28, 28), np.float32))  # counted as wrong
    return predict_proba(np.stack(batch)).argmax(1) == labels


def real_pictures(folder: Path) -> tuple[list, np.ndarray, list]:
    """(pictures as arrays, labels, non-digit pictures) from the real development sets."""
    from digit_core.decode import to_array

    digits = sorted(p for p in (folder / "real-dev").iterdir() if p.suffix != ".md")
    manifest = json.loads((folder / "real-nondigits-dev" / "manifest.json").read_text())
    others = [to_array(folder / "real-nondigits-dev" / item["file"]) for item in manifest]
    return [to_array(p) for p in digits], np.array([int(p.name[0]) for p in digits]), others


def caught(images) -> np.ndarray:
    """Called "not a digit" (or no digit at all) by digit_core.read_digit."""
    return np.array([flagged(image) for image in images])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "mnist.npz"))
    parser.add_argument("--per-suite", type=int, default=1000)
    parser.add_argument(
        "--ablations",
        action="store_true",
        help="also run digit_core without each of: " + ", ".join(ABLATIONS),
    )
    args = parser.parse_args()
    ablations = ABLATIONS if args.ablations else []
    with np.load(args.data) as f:
        x_test, y_test = f["x_test"], f["y_test"]

    extra = "".join(f" {'no ' + a.split('_')[-1]:>12}" for a in ablations)
    print(
        f"{'suite':24} {'images':>7} {'digit_core':>11} {'naive':>8} {'MNIST':>8}{extra} "
        f"{'seconds':>8}"
    )
    digits, labels, others = real_pictures(Path(args.data).parent)
    results = [
        right(digits, labels, prepare) for prepare in (preprocess, naive_preprocess, mnist_recipe)
    ]
    print(
        f"{'real digits (real-dev)':24} {len(labels):7d} "
        + " ".join(f"{r.mean():{11 if i == 0 else 8}.2%}" for i, r in enumerate(results))
    )
    print(f"{'  flagged not a digit':24} {len(labels):7d} {caught(digits).mean():11.2%}")
    print(f"{'real non-digits caught':24} {len(others):7d} {caught(others).mean():11.2%}")
    raw = float((predict_proba(x_test.astype(np.float32) / 255).argmax(1) == y_test).mean())
    print(
        f"{'raw MNIST test':24} {len(x_test):7d} {raw:11.2%} {raw:8.2%} {raw:8.2%}"
        + " " * 13 * len(ablations)
        + f" {'-':>8}"
    )
    print("generated from MNIST test digits:")
    for s, (name, makers) in enumerate(SUITES.items()):
        rng = np.random.default_rng(1000 + s)
        index = rng.choice(len(x_test), args.per_suite, replace=False)
        kinds = np.arange(len(index)) % len(makers)
        start = time.time()
        images = (makers[k](x_test[i], rng) for i, k in zip(index, kinds))
        results, _ = suite_row(name, images, y_test[index], ablations, start)
        for k, maker in enumerate(makers if len(makers) > 1 else []):
            part = kinds == k
            print(
                f"    {maker.__name__:20} {part.sum():7d} {results[0][part].mean():11.2%} "
                + " ".join(
                    f"{r[part].mean():{12 if i > 2 else 8}.2%}"
                    for i, r in enumerate(results[1:], 1)
                )
            )
    print("generated, not from MNIST:")
    rng, start = np.random.default_rng(2000), time.time()
    labels = np.arange(args.per_suite) % 10
    lettered = (lettered_digit(d, rng, "test") for d in labels)
    _, flags = suite_row("lettered, unseen fonts", lettered, labels, ablations, start, check=True)
    print(f"{'    flagged not a digit':24} {len(labels):7d} {flags.mean():11.2%}")


def suite_row(
    name: str,
    images: Iterator,
    labels: np.ndarray,
    ablations: list[str],
    start: float,
    check: bool = False,
) -> tuple[list[np.ndarray], np.ndarray | None]:
    """Each pipeline's right answers on one suite, printed as a row, and with `check` which
    pictures were called "not a digit". The pictures are made and read CHUNK at a time, so
    memory stays bounded at any --per-suite (10,000 canvases would take ~9 GB at once)."""
    parts, flags = [], []
    for first in range(0, len(labels), CHUNK):
        chunk, chunk_labels = list(islice(images, CHUNK)), labels[first : first + CHUNK]
        part = [
            right(chunk, chunk_labels, prepare)
            for prepare in (preprocess, naive_preprocess, mnist_recipe)
        ]
        for step in ablations:
            with without(step):
                part.append(right(chunk, chunk_labels, preprocess))
        parts.append(part)
        if check:
            flags.append(caught(chunk))
    results = [np.concatenate(column) for column in zip(*parts)]
    print(
        f"  {name:22} {len(labels):7d} {results[0].mean():11.2%} "
        + " ".join(f"{r.mean():{12 if i > 2 else 8}.2%}" for i, r in enumerate(results[1:], 1))
        + f" {time.time() - start:8.0f}"
    )
    return results, np.concatenate(flags) if check else None


if __name__ == "__main__":
    main()
