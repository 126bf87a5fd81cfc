"""Learn when a wide piece of a number is touching digits and when it is one wide digit.

`segment.surest_split` finds the best way to cut a piece into digits; whether to take it or
the whole is a choice no single score makes well ("31" read as a sure 3, a 7 read as a sure
"71"). This fits a logistic regression over `segment.split_features` on GENERATED numbers of
MNIST training digits (the first 54,000; the last 6,000 are validation): each number composed
on a white canvas as the benchmark composes them (`drawings.composed_with_places`, so where
each digit lies is known), read up to the split, and every piece the split looks at labelled
by how many digits' centres lie in its columns (1: keep it whole; more, and the surest split
cuts it into that many: split). Only pieces whose whole is a digit to the check: the others
are the margin rule's (`segment.split_touching`). `segment.SPLIT_WEIGHTS` and `SPLIT_BIAS`
hold what it prints.

    python -m training.split_choice [--numbers 4000] [--seeds 101 102 103 104]
"""

import argparse
from functools import partial
from multiprocessing import Pool

import cv2
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from digit_core.number import row_pieces
from digit_core.segment import surest_split
from training.data import VALIDATION_SIZE, load_mnist
from training.drawings import composed_with_places


def labelled_pieces(
    x: np.ndarray, y: np.ndarray, numbers: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
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
            if split is None or split.check < 0.5:  # not the learnt choice's to make
                continue
            left, _, width, _ = cv2.boundingRect(piece.astype(np.uint8))
            count = int(((centres >= left) & (centres < left + width)).sum())
            if count == 1 or count == len(split.segments):
                features.append(split.features)
                labels.append(int(count > 1))
    return np.array(features), np.array(labels)


def fit(features: np.ndarray, labels: np.ndarray):
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(features, labels)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mnist", default="../shared/data/mnist.npz")
    parser.add_argument("--numbers", type=int, default=4000, help="GENERATED numbers a seed")
    parser.add_argument("--seeds", type=int, nargs="+", default=[101, 102, 103, 104])
    args = parser.parse_args()
    data = load_mnist(args.mnist)
    training = slice(0, len(data["x_train"]) - VALIDATION_SIZE)
    x, y = data["x_train"][training], data["y_train"][training]
    with Pool() as pool:
        sets = pool.map(partial(labelled_pieces, x, y, args.numbers), args.seeds)
    half = len(sets) // 2
    first_x, first_y = (np.concatenate([s[k] for s in sets[:half]]) for k in (0, 1))
    second_x, second_y = (np.concatenate([s[k] for s in sets[half:]]) for k in (0, 1))
    for name, (a, b, c, d) in {
        "first half -> second": (first_x, first_y, second_x, second_y),
        "second half -> first": (second_x, second_y, first_x, first_y),
    }.items():
        wrong = fit(a, b).predict(c) != d
        print(
            f"{name}: {int(wrong.sum())} of {len(d)} pieces wrong "
            f"({int((wrong & (d == 1)).sum())} of {int(d.sum())} touching pieces kept whole)"
        )
    model = fit(np.concatenate([first_x, second_x]), np.concatenate([first_y, second_y]))
    scaler, regression = model[0], model[1]
    weights = regression.coef_[0] / scaler.scale_
    bias = regression.intercept_[0] - float(weights @ scaler.mean_)
    print(f"SPLIT_WEIGHTS = {tuple(round(float(w), 4) for w in weights)}")
    print(f"SPLIT_BIAS = {bias:.4f}")


if __name__ == "__main__":
    main()
