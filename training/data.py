"""The data, as the network is fed it: MNIST (from `datasets` or a Keras .npz), its validation
split, and the generated inputs read by the app's own preprocessing -- every training digit as a
blurry scan, drawn and lettered digits, and non-digits for the "is it a digit?" check."""

import hashlib
from collections.abc import Iterable

import numpy as np

from training.continental import continental
from training.drawings import canvas_drawing, compose_number, low_resolution_scan
from training.lettering import lettered_digit
from training.non_digits import non_digit

VALIDATION_SIZE = 6000  # the last 6,000 training digits; the test split is touched once

HUB_DATASET = "ylecun/mnist"


def load_mnist(source: str) -> dict[str, np.ndarray]:
    """x_train, y_train, x_test, y_test as uint8 arrays, from a Keras-layout .npz or `datasets`."""
    if source.endswith(".npz"):
        with np.load(source) as f:
            return {k: f[k] for k in ("x_train", "y_train", "x_test", "y_test")}
    import datasets

    splits = datasets.load_dataset(source)
    data = {}
    for split in ("train", "test"):
        rows = splits[split].with_format("numpy")
        data[f"x_{split}"] = np.stack([np.asarray(img, dtype=np.uint8) for img in rows["image"]])
        data[f"y_{split}"] = np.asarray(rows["label"], dtype=np.uint8)
    return data


def limited(data: dict[str, np.ndarray], limit: int) -> dict[str, np.ndarray]:
    """The first `limit` digits of each split (smoke runs), or all of them."""
    return {k: v[:limit] for k, v in data.items()} if limit else data


def validation_size(n: int) -> int:
    """The last 6,000 training digits, or a tenth of a small (smoke-run) training split."""
    return min(VALIDATION_SIZE, n // 10)


def data_sha256(data: dict[str, np.ndarray]) -> str:
    """One fingerprint for the same digits, whichever way they were loaded."""
    h = hashlib.sha256()
    for k in ("x_train", "y_train", "x_test", "y_test"):
        h.update(np.ascontiguousarray(data[k], dtype=np.uint8).tobytes())
    return h.hexdigest()


def as_input(x: np.ndarray) -> np.ndarray:
    return (x.astype("float32") / 255.0)[..., None]


def drawn(images: Iterable[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Pictures through the app's own preprocessing, one at a time (a generator of them never
    holds more than one picture), and which of them it kept: the ones it refuses (noise) are
    left out."""
    from digit_core import NoDigitError, preprocess

    inputs, kept = [], []
    for i, image in enumerate(images):
        try:
            inputs.append(preprocess(image))
            kept.append(i)
        except NoDigitError:
            pass
    return np.stack(inputs)[..., None], np.array(kept, int)


# Letters and drawings of things are what people most often draw instead of a digit: twice each.
CHECK_MIX = ("letter", "letter", "doodle", "doodle", "scribble", "shape", "noise", "text")


def generated_non_digits(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`count` non-digits, kinds in turn as in CHECK_MIX, drawn with the training fonts, as the
    app reads them (see `drawn`)."""
    return drawn(non_digit(CHECK_MIX[i % len(CHECK_MIX)], rng, fonts="train") for i in range(count))


def touching_pairs(digits: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` pairs of these digits drawn touching (`compose_number`), as the app reads them: two
    digits are not one, and a reader that meets a pair as one piece must not trust it."""
    pairs = (rng.choice(len(digits), 2, replace=False) for _ in range(count))
    return drawn(compose_number(list(digits[pair]), rng, touching=1) for pair in pairs)[0]


def canvas_drawings(digits: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Each digit drawn on a canvas (`canvas_drawing`) as the app reads it, and which were kept."""
    return drawn(canvas_drawing(d, rng) for d in digits)


def lettered_digits(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Digits lettered in the training fonts like the non-digits (`lettered_digit`), as the app
    reads them, with their labels."""
    labels = rng.integers(0, 10, count)
    inputs, kept = drawn(lettered_digit(int(d), rng, "train") for d in labels)
    return inputs, labels[kept]


def scanned(
    digits: np.ndarray, labels: np.ndarray, seed: int, small_share: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Each digit as a small, blurry scan (`low_resolution_scan`) read by the app's own
    preprocessing -- what the network is fed for such pictures -- with its label."""
    rng = np.random.default_rng(seed)
    inputs, kept = drawn(low_resolution_scan(d, rng, small_share) for d in digits)
    return inputs, labels[kept]


def european_forms(
    digits: np.ndarray, labels: np.ndarray, share: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """`share` of the 1s and 7s again, flagged and crossed (`continental`), as a dark digit on
    light paper read as the app reads it, with their labels: GENERATED from the training digits.
    (Seed 17 drew them on canvases, seed 18 on paper: docs/training-log.md, neither served.)"""
    forms, form_labels = continental_forms(digits, labels, share, np.random.default_rng(seed))
    inputs, kept = drawn(255 - np.pad(d, 14) for d in forms)
    return inputs, form_labels[kept]


def continental_forms(
    digits: np.ndarray, labels: np.ndarray, share: float, rng: np.random.Generator
) -> tuple[list[np.ndarray], np.ndarray]:
    """`share` of the 1s and 7s in their European form (28x28, white on black), with labels;
    7s with no stem to cross are left out."""
    chosen = [
        i for i in np.nonzero(np.isin(labels, (1, 7)))[0] if share >= 1 or rng.random() < share
    ]
    forms = [(continental(digits[i], int(labels[i]), rng), labels[i]) for i in chosen]
    forms = [(d, y) for d, y in forms if d is not None]
    return [d for d, _ in forms], np.array([y for _, y in forms])


NOT_DIGITS = 32000  # generated non-digits the network learns to call "not a digit"

DRAWN_DIGITS = 6000  # training digits drawn on canvases, so the check knows drawings are digits

LETTERED_DIGITS = 6000  # digits in the fonts the letters come from, so fonts alone tell nothing


def with_check(
    x: np.ndarray,
    y: np.ndarray,
    digits: np.ndarray,
    labels: np.ndarray,
    seed: int,
    pairs: int = 0,
) -> tuple[np.ndarray, dict]:
    """Training inputs with generated non-digits (and `pairs` touching pairs of digits) and drawn
    and lettered digits added, all read by the app's own preprocessing, and both targets: the
    digit (-1, no digit loss, for non-digits) and whether it is one. Learnt together, the
    features themselves tell a letter from a digit."""
    rng = np.random.default_rng(seed)
    drawings, kept = canvas_drawings(digits[:DRAWN_DIGITS], rng)
    scale = len(digits) / 54000  # fewer in a smoke run on a few digits
    printed, printed_labels = lettered_digits(int(LETTERED_DIGITS * scale), rng)
    not_digits, _ = generated_non_digits(int(NOT_DIGITS * scale), rng)
    if int(pairs * scale):
        not_digits = np.concatenate([not_digits, touching_pairs(digits, int(pairs * scale), rng)])
    x = np.concatenate([x, drawings, printed, not_digits])
    digit = np.concatenate(
        [y, labels[kept], printed_labels.astype(y.dtype), np.full(len(not_digits), -1, y.dtype)]
    )
    return x, {"probabilities": digit, "is_digit": (digit >= 0).astype("float32")}
