"""Learn when a wide piece of a number is touching digits and when it is one wide digit, or
no digit at all.

`segment.surest_split` finds the best way to cut a piece into digits; whether to take it or
the whole is a choice no single score makes well ("31" read as a sure 3, a 7 read as a sure
"71", an M sliced into three sure 1s). This fits a logistic regression over
`segment.split_features` on two kinds of GENERATED rows, read up to the split:
- numbers of MNIST training digits (the first 54,000; the last 6,000 are validation), composed
  on a white canvas as the benchmark composes them (`drawings.composed_with_places`, so where
  each digit lies is known); every piece the split looks at is labelled by how many digits'
  centres lie in its columns (1: keep it whole; more, and the surest split cuts it into that
  many: split);
- rows of letters, words, scribbles, shapes and doodles (`training/non_digits.py`, the "train"
  fonts): every piece is kept whole, since its slices are no digits.
`segment.SPLIT_WEIGHTS` and `SPLIT_BIAS` hold what it prints.

    python -m training.split_choice [--numbers 4000] [--rows 2000] [--seeds 101 102 103 104]
"""

import argparse
from functools import partial
from multiprocessing import Pool

import cv2
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from digit_core import InvalidImageError, NoDigitError
from digit_core.number import row_pieces
from digit_core.segment import SPLIT_WEIGHTS, passes_check, surest_split
from training.data import VALIDATION_SIZE, load_mnist
from training.drawings import composed_with_places
from training.non_digits import KINDS, non_digit

# The non-digit kinds a row is drawn from: all but noise (a texture, refused before the split)
NON_DIGITS = tuple(kind for kind in KINDS if kind != "noise")
# A non-digit's piece counts this much against a number's: chosen on GENERATED validation
# numbers and non-digit rows (at 1 it kept more touching digits whole: 3 numbers fewer).
NON_DIGIT_WEIGHT = 0.3


def labelled_pieces(x: np.ndarray, numbers: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(features, 1 where the piece is several digits the surest split separates, 0 where it is
    one digit) for the pieces of `numbers` GENERATED numbers of 2-6 of these digits."""
    rng = np.random.default_rng(seed)
    features, labels = [], []
    for _ in range(numbers):
        index = rng.choice(len(x), int(rng.integers(2, 7)), replace=False)
        picture, places = composed_with_places([x[i] for i in index], rng)
        grey, ink, pieces, back = row_pieces(picture)
        if back is not None:  # turned level: columns no longer match the places
            continue
        scale = picture.shape[1] / grey.shape[1]
        centres = np.array([(left + right) / 2 for left, right in places]) / scale
        for piece in pieces:
            split = surest_split(ink, piece, None)
            if split is None:
                continue
            left, _, width, _ = cv2.boundingRect(piece.astype(np.uint8))
            count = int(((centres >= left) & (centres < left + width)).sum())
            if count == 1 or count == len(split.segments):
                features.append(split.features)
                labels.append(int(count > 1))
    return np.array(features), np.array(labels)


def non_digit_pieces(rows: int, seed: int) -> np.ndarray:
    """The features of the pieces the split looks at in `rows` GENERATED rows of 1-3 letters,
    words, scribbles, shapes or doodles side by side: all to be kept whole."""
    rng = np.random.default_rng(seed)
    features = []
    for _ in range(rows):
        count, canvas = int(rng.integers(1, 4)), int(rng.integers(100, 300))
        picture = np.hstack(
            [
                non_digit(str(rng.choice(NON_DIGITS)), rng, canvas, fonts="train")
                for _ in range(count)
            ]
        )
        try:
            _, ink, pieces, _ = row_pieces(picture)
        except (NoDigitError, InvalidImageError):  # blank, or a texture: nothing to split
            continue
        for piece in pieces:
            split = surest_split(ink, piece, None)
            if split is not None:
                features.append(split.features)
    return np.reshape(features, (-1, SPLIT_WEIGHTS.shape[1]))


def by_check(features: np.ndarray) -> np.ndarray:
    """The features twice, once for wholes that pass the digit check and once for those that
    fail it (`split_features` holds the check's logit second), and which it is: one regression
    over these is two, one for each kind of whole (`SPLIT_WEIGHTS`' two rows)."""
    sure = passes_check(features)[:, None].astype(np.float64)
    return np.hstack([features * sure, features * (1 - sure), sure])


def fit(features: np.ndarray, labels: np.ndarray, weights: np.ndarray | None = None):
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)).fit(
        by_check(features), labels, logisticregression__sample_weight=weights
    )


def split_weights(model) -> tuple[np.ndarray, np.ndarray]:
    """A fitted `fit` -> (SPLIT_WEIGHTS, SPLIT_BIAS) on the raw features: a row and a bias for
    wholes that pass the check, then for those that fail it."""
    scaler, regression = model[0], model[1]
    weights = regression.coef_[0] / scaler.scale_
    bias = regression.intercept_[0] - float(weights @ scaler.mean_)
    size = (len(weights) - 1) // 2
    return np.stack([weights[:size], weights[size:-1]]), np.array([bias + weights[-1], bias])


def pieces_of_seed(x: np.ndarray, numbers: int, rows: int, seed: int):
    """(features, labels, 1 for a non-digit's piece) of one seed's numbers and rows."""
    features, labels = labelled_pieces(x, numbers, seed)
    others = non_digit_pieces(rows, seed + 100)
    return (
        np.concatenate([features, others]),
        np.concatenate([labels, np.zeros(len(others), int)]),
        np.concatenate([np.zeros(len(labels), bool), np.ones(len(others), bool)]),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mnist", default="../shared/data/mnist.npz")
    parser.add_argument("--numbers", type=int, default=4000, help="GENERATED numbers a seed")
    parser.add_argument("--rows", type=int, default=2000, help="GENERATED non-digit rows a seed")
    parser.add_argument("--seeds", type=int, nargs="+", default=[101, 102, 103, 104])
    args = parser.parse_args()
    data = load_mnist(args.mnist)
    training = slice(0, len(data["x_train"]) - VALIDATION_SIZE)
    x = data["x_train"][training]  # each digit's place labels a piece, not its class
    with Pool() as pool:
        sets = pool.map(partial(pieces_of_seed, x, args.numbers, args.rows), args.seeds)
    half = len(sets) // 2
    first, second = (
        tuple(np.concatenate([s[k] for s in part]) for k in range(3))
        for part in (sets[:half], sets[half:])
    )
    for name, (a, b) in {
        "first half -> second": (first, second),
        "second -> first": (second, first),
    }.items():
        weights = np.where(a[2], NON_DIGIT_WEIGHT, 1.0)
        wrong = fit(a[0], a[1], weights).predict(by_check(b[0])) != b[1]
        touching, single, other = b[1] == 1, (b[1] == 0) & ~b[2], b[2]
        print(
            f"{name}: {int(wrong.sum())} of {len(wrong)} pieces wrong: touching digits kept "
            f"whole {int((wrong & touching).sum())} of {int(touching.sum())}, one digit split "
            f"{int((wrong & single).sum())} of {int(single.sum())}, a non-digit's piece split "
            f"{int((wrong & other).sum())} of {int(other.sum())}"
        )
    every = tuple(np.concatenate([first[k], second[k]]) for k in range(3))
    model = fit(every[0], every[1], np.where(every[2], NON_DIGIT_WEIGHT, 1.0))
    for sure, row, bias in zip(("passes", "fails"), *split_weights(model)):
        print(
            f"a whole that {sure} the check: {tuple(round(float(w), 4) for w in row)}, {bias:.4f}"
        )


if __name__ == "__main__":
    main()
