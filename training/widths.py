"""How wide each digit is written: the widest (width / height of its ink) that all but 1 in 100
of MNIST's training digits of that class reach, the first 54,000 (the last 6,000 are
validation). `segment.WIDEST` holds these numbers; `segment.width_prior` tells a piece too
wide for the digit it reads as (two digits touching) by them.

    python -m training.widths [--mnist ../shared/data/mnist.npz]
"""

import argparse

import cv2
import numpy as np

from training.data import VALIDATION_SIZE, load_mnist

SHARE = 0.99
INK = 50  # of 255: MNIST's anti-aliased rim is not ink


def widest(images: np.ndarray, labels: np.ndarray, share: float = SHARE) -> tuple[float, ...]:
    """Per digit 0-9, the `share` quantile of width / height, rounded to 2 decimals."""
    boxes = np.array([cv2.boundingRect((image > INK).astype(np.uint8)) for image in images])
    aspect = boxes[:, 2] / boxes[:, 3]
    return tuple(round(float(np.quantile(aspect[labels == d], share)), 2) for d in range(10))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mnist", default="../shared/data/mnist.npz")
    args = parser.parse_args()
    data = load_mnist(args.mnist)
    training = slice(0, len(data["x_train"]) - VALIDATION_SIZE)
    print(widest(data["x_train"][training], data["y_train"][training]))


if __name__ == "__main__":
    main()
