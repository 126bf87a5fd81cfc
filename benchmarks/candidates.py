"""Trained networks side by side on validation only, before any of them is finished: how the
candidates in docs/training-log.md "How it was chosen" were judged against the served network.

    python -m benchmarks.candidates runs/seed-14 runs/seed-16 [--data ../shared/data/mnist.npz]
    python -m benchmarks.candidates runs/seed-1 runs/seed-4 --data tiny.npz --limit 20  # smoke

Every measure reads the validation digits (the last 6,000 training digits, never trained on)
or pictures generated from them or from the training fonts; the test split is not opened. The
first network is the baseline: the drawn-canvas row also counts the canvases only one of the two
misreads (a paired comparison: two networks of one lineage differ by a few digits either way).
Each network's "is it a digit?" cut is set as `finish` sets it, with one draw for all.
"""

import argparse
from collections.abc import Iterable
from pathlib import Path

import keras
import numpy as np

from training.check import set_check_threshold
from training.data import (
    as_input,
    continental_forms,
    drawn,
    load_mnist,
    scanned,
    validation_size,
)
from training.drawings import canvas_drawing, enlarged
from training.finish import joined_networks
from training.lettering import lettered_digit
from training.non_digits import KINDS, non_digit

ROOT = Path(__file__).resolve().parent.parent


CANVASES_PER_DIGIT = 2  # 12,000 drawn canvases: a 4,000 draw could not tell 19 errors from 22
NON_DIGITS_PER_KIND = 150
LETTERED = 500


def serving_model(run: Path, digits: np.ndarray) -> keras.Model:
    """The network of runs/seed-N served alone, with its own digit check, cut as `finish` does
    (on canvases drawn from the validation `digits`)."""
    serving, _ = joined_networks([run])
    set_check_threshold(serving, digits, seed=7)
    return serving


def as_inputs(pictures: Iterable, count: int) -> tuple[np.ndarray, np.ndarray]:
    """`count` pictures (made one at a time) through the app's preprocessing, and which of them
    it refused (blank inputs stand in for those, so that every picture keeps its place)."""
    kept_inputs, kept = drawn(pictures)
    inputs = np.zeros((count, *kept_inputs.shape[1:]), np.float32)
    inputs[kept] = kept_inputs
    refused = np.ones(count, bool)
    refused[kept] = False
    return inputs, refused


def read(
    model: keras.Model, inputs: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """The digit each picture reads as (-1: refused) and whether it is flagged "not a digit"
    (refused ones are)."""
    x, refused = inputs
    out = model.predict(x, batch_size=500, verbose=0)
    digit = np.where(refused, -1, out["probabilities"].argmax(1))
    return digit, refused | (out["is_digit"][:, 0] < 0.5)


def accuracy(predicted: np.ndarray, labels: np.ndarray) -> str:
    wrong = int((predicted != labels).sum())
    return f"{1 - wrong / len(labels):.3%} ({wrong})"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("runs", nargs="+", type=Path, help="runs/seed-N folders, baseline first")
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "mnist.npz"))
    parser.add_argument(
        "--limit", type=int, help="at most this many lettered digits and non-digits of each kind"
    )
    args = parser.parse_args()
    lettered_count = min(LETTERED, args.limit or LETTERED)
    per_kind = min(NON_DIGITS_PER_KIND, args.limit or NON_DIGITS_PER_KIND)

    data = load_mnist(args.data)
    n_val = validation_size(len(data["x_train"]))
    digits, labels = data["x_train"][-n_val:], data["y_train"][-n_val:].astype(int)
    clean = as_input(digits), np.zeros(n_val, bool)
    x_scans, y_scans = scanned(digits, labels, seed=1)
    scans = x_scans, np.zeros(len(y_scans), bool)
    small = as_inputs((enlarged(d, 8) for d in digits), n_val)
    rng = np.random.default_rng(41)
    y_drawn = np.tile(labels, CANVASES_PER_DIGIT)
    drawn = as_inputs(
        (canvas_drawing(d, rng) for d in np.tile(digits, (CANVASES_PER_DIGIT, 1, 1))), len(y_drawn)
    )
    rng = np.random.default_rng(35)  # GENERATED: the validation 1s flagged, 7s crossed, drawn
    european, y_european = continental_forms(digits, labels, 1.0, rng)
    european_drawn = as_inputs((canvas_drawing(d, rng) for d in european), len(european))
    rng = np.random.default_rng(34)
    y_lettered = np.arange(lettered_count) % 10
    lettered = as_inputs((lettered_digit(int(d), rng, "train") for d in y_lettered), lettered_count)
    rng = np.random.default_rng(33)
    non_digits = as_inputs(
        (non_digit(kind, rng, fonts="train") for kind in KINDS for _ in range(per_kind)),
        len(KINDS) * per_kind,
    )

    rows: dict[str, list[str]] = {}
    baseline_wrong = None
    for run in args.runs:
        model = serving_model(run, digits)
        wrong = read(model, drawn)[0] != y_drawn
        baseline_wrong = wrong if baseline_wrong is None else baseline_wrong
        lettered_read, lettered_flagged = read(model, lettered)
        european_read = read(model, european_drawn)[0]
        cells = {
            f"clean digits ({n_val}), right": accuracy(read(model, clean)[0], labels),
            f"blurry scans ({len(y_scans)}), right": accuracy(read(model, scans)[0], y_scans),
            f"8x8 -> 96x96 ({n_val}), right": accuracy(read(model, small)[0], labels),
            f"drawn canvases ({len(y_drawn)}), wrong": (
                f"{wrong.sum()} ({(wrong & ~baseline_wrong).sum()} / "
                f"{(baseline_wrong & ~wrong).sum()})"
            ),
            **{
                f"{name} ({(y_european == d).sum()}), right": accuracy(
                    european_read[y_european == d], y_european[y_european == d]
                )
                for d, name in ((1, "flagged 1s, drawn"), (7, "crossed 7s, drawn"))
            },
            f"lettered digits ({lettered_count}), right": accuracy(lettered_read, y_lettered),
            "lettered digits, flagged": f"{lettered_flagged.mean():.1%}",
            f"generated non-digits ({len(non_digits[1])}), flagged": (
                f"{read(model, non_digits)[1].mean():.2%}"
            ),
        }
        for measure, cell in cells.items():
            rows.setdefault(measure, []).append(cell)

    names = [run.name for run in args.runs]
    print(f"{'validation only':38}" + "".join(f"{name:>22}" for name in names))
    for measure, cells in rows.items():
        print(f"{measure:38}" + "".join(f"{cell:>22}" for cell in cells))
    print(f"drawn canvases: misread (of those, only by this network / only by {names[0]})")


if __name__ == "__main__":
    main()
