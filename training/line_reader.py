"""A learned line reader (issue 27): a small CNN+CTC over the height-normalised ink of a line of
digits, trained on GENERATED lines, to measure against the segmenting reader
(digit_core.read_number). An experiment: nothing here ships.

    python -m training.line_reader --limit 200          # every step, small, in /tmp/ctc/limit-200
    python -m training.line_reader --steps lines        # GENERATED training lines, cached
    python -m training.line_reader --steps train        # one thread; resumes from its checkpoint
    python -m training.line_reader --steps validate     # both readers on GENERATED validation
                                                        # lines; the combination rule -> rule.json

Steps:
1. Lines: MNIST training digits (the first 54,000 of the training split; its last 6,000 are
   validation; the test split is never read) written as one number of 1-10 digits, on generated
   paper (training/number_paper.py: plain, ruled, squared, form box, cheque, scan edge; photo
   light, shadows, vignettes, blur, JPEG; some slanted, some with a skipping pen) or composed on
   a white canvas (drawings.compose_number). Every line is GENERATED.
2. Input: the line's cleaned ink from digit_core.number_line.line_ink, cropped to the digits'
   mask, scaled to HEIGHT pixels high (aspect kept, squeezed to WIDTH when wider), padded to
   WIDTH (`line_input`); a picture is read as read_number reads it (to_array, to_grayscale,
   shrink to NUMBER_SIDE, small ones enlarged, a tilted row turned level: `picture_input`).
3. Model: conv blocks pooling the height to 1 and the width by 4, a bidirectional GRU, 11 classes
   per step (blank + 10 digits), CTC loss; greedy decoding; the number's confidence is the
   product of the best path's per-step top probabilities.
4. Validate: both readers on GENERATED lines of validation digits, each kind of paper apart; the
   rule "take the CTC reading when the segmenting reader's confidence is below X (or it refused)
   and CTC's is at least Y" chosen there, never on real pictures.
"""

import argparse
import json
import os
import time
from pathlib import Path

import cv2
import numpy as np

from digit_core.decode import ImageInput, to_array
from digit_core.errors import InvalidImageError, NoDigitError
from digit_core.number import LEVEL, MAX_DIGITS, NUMBER_SIDE, enlarged, read_number
from digit_core.number_line import line_ink, tilt, turned
from digit_core.preprocess import quantile, shrink, to_grayscale
from training.drawings import compose_number
from training.number_paper import PAPERS, number_on_paper, validation_digits

HEIGHT, WIDTH = 32, 256  # the line's input: 32 px high, at most 256 wide (64 CTC steps)
MARGIN = 0.1  # paper kept round the digits' box, share of its height
BLANK = 0  # CTC's blank is class 0; digit d is class d + 1
CLASSES = 11
TRAINING_DIGITS = 54000  # the training split's first 54,000: its last 6,000 are validation
KINDS = ("composed", *PAPERS)  # kinds of generated line
LENGTHS = (1, 10)  # digits per generated line, both included
SLANTED, SKIPPING = 0.3, 0.15  # shares of lines on paper written slanted, with a skipping pen
SMALLER = (0.4, 0.9)  # lines on paper photographed this much smaller (real ones are small too)
STRETCH = (0.8, 1.25)  # each epoch, lines' ink this much narrower or wider at random
THINNER, THICKER = 0.35, 0.15  # shares of lines whose pen is made a pixel thinner, thicker
CHUNK = 2500  # training lines per cached file: training may start before the last is made
WORK = Path("/tmp/ctc")


def line_input(ink: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """A line's cleaned ink and the mask of its digits (number_line.line_ink) -> the line
    reader's HEIGHT x WIDTH input (float32, ink 1 on paper 0): the digits' ink only."""
    if not mask.any():
        raise NoDigitError("No digits found.")
    stroke = max(quantile(ink[mask], 0.9), 1e-6)
    ink = ink * cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8)) / stroke
    left, top, width, height = cv2.boundingRect(mask.astype(np.uint8))
    pad = int(MARGIN * height) + 1
    crop = np.pad(ink[top : top + height, left : left + width], pad)
    scaled = min(WIDTH, max(1, round(crop.shape[1] * HEIGHT / crop.shape[0])))
    line = np.zeros((HEIGHT, WIDTH), np.float32)
    line[:, :scaled] = cv2.resize(crop, (scaled, HEIGHT), interpolation=cv2.INTER_AREA)
    return np.clip(line, 0, 1)


def picture_input(image: ImageInput) -> np.ndarray:
    """Any picture -> the line reader's input, its ink found as read_number finds it (shrunk,
    a small one enlarged, a tilted row turned level)."""
    grey = enlarged(shrink(to_grayscale(to_array(image)), NUMBER_SIDE))
    ink, mask = line_ink(grey)
    angle = tilt(mask)
    if abs(angle) > LEVEL:
        ink, mask = line_ink(turned(grey, -angle)[0])
    return line_input(ink, mask)


def generated_line(
    digits: np.ndarray, kind: str, rng: np.random.Generator, smaller: bool = True
) -> np.ndarray:
    """A GENERATED picture (RGB uint8) of these MNIST digits as one number, of this kind."""
    if kind == "composed":
        return compose_number(list(digits), rng)
    picture = number_on_paper(
        list(digits),
        rng,
        kind,
        slanted=rng.random() < SLANTED,
        skipping=rng.random() < SKIPPING,
    )
    if not smaller:
        return picture
    scale = rng.uniform(*SMALLER)
    size = (max(8, round(picture.shape[1] * scale)), max(8, round(picture.shape[0] * scale)))
    return cv2.resize(picture, size, interpolation=cv2.INTER_AREA)


def labels_of(text: str) -> np.ndarray:
    """'2026' -> [3, 1, 3, 7, -1, ...]: CTC classes, padded with -1 to MAX_DIGITS."""
    row = np.full(MAX_DIGITS, -1, np.int32)
    row[: len(text)] = [int(c) + 1 for c in text]
    return row


def make_lines(x: np.ndarray, y: np.ndarray, count: int, seed: int) -> dict[str, np.ndarray]:
    """`count` GENERATED lines of these digits, kinds in turn: inputs as uint8, labels, kinds.
    Lines whose ink the line finder refuses are left out (the reader would refuse them too)."""
    rng = np.random.default_rng(seed)
    inputs, labels, kinds = [], [], []
    for i in range(count):
        kind = i % len(KINDS)
        index = rng.choice(len(x), int(rng.integers(LENGTHS[0], LENGTHS[1] + 1)), replace=False)
        try:
            grey = to_grayscale(generated_line(x[index], KINDS[kind], rng))
            line = line_input(*line_ink(grey))
        except NoDigitError:
            continue
        inputs.append(np.round(line * 255).astype(np.uint8))
        labels.append(labels_of("".join(str(d) for d in y[index])))
        kinds.append(kind)
    return {"x": np.stack(inputs), "y": np.stack(labels), "kind": np.array(kinds, np.int8)}


def training_digits(mnist: str, limit: int) -> tuple[np.ndarray, np.ndarray]:
    with np.load(mnist) as f:
        x, y = f["x_train"][:TRAINING_DIGITS], f["y_train"][:TRAINING_DIGITS]
    return (x[:limit], y[:limit]) if limit else (x, y)


def generate(mnist: str, count: int, limit: int, work: Path) -> None:
    """The training lines, CHUNK at a time, each chunk cached once (a rerun goes on)."""
    x, y = training_digits(mnist, limit)
    for chunk in range((count + CHUNK - 1) // CHUNK):
        path = work / f"lines-{chunk:03d}.npz"
        if path.exists():
            continue
        start = time.perf_counter()
        lines = make_lines(x, y, min(CHUNK, count - chunk * CHUNK), seed=1000 + chunk)
        np.savez_compressed(work / "partial.npz", x=lines["x"], y=lines["y"], kind=lines["kind"])
        (work / "partial.npz").rename(path)
        took = time.perf_counter() - start
        print(f"{path.name}: {len(lines['x'])} GENERATED lines in {took:.0f} s", flush=True)


def one_thread() -> None:
    """The machine is shared: TensorFlow on one thread."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)


def build_model():
    """Conv blocks pool the height 32 -> 1 and the width by 4 (64 steps); a bidirectional GRU
    reads the steps in context; 11 logits a step (blank + 10 digits). About 345k parameters."""
    import keras
    from keras import layers

    inputs = keras.Input((HEIGHT, WIDTH, 1))
    x = inputs
    for filters, pool in ((32, (2, 2)), (64, (2, 2)), (96, (2, 1)), (96, (2, 1)), (128, (2, 1))):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
        x = layers.MaxPooling2D(pool)(x)
    x = layers.Reshape((WIDTH // 4, 128))(x)
    x = layers.Bidirectional(layers.GRU(64, return_sequences=True))(x)
    return keras.Model(inputs, layers.Dense(CLASSES)(x), name="line_reader")


def ctc_loss(y_true, logits):
    """CTC over all 64 steps (the padding right of the ink is read as blanks); y_true holds the
    classes padded with -1."""
    from keras import ops

    y_true = ops.cast(ops.reshape(y_true, (-1, MAX_DIGITS)), "int32")
    target_length = ops.sum(ops.cast(y_true >= 0, "int32"), axis=1)
    steps = ops.full((ops.shape(y_true)[0],), ops.shape(logits)[1], "int32")
    return ops.ctc_loss(ops.maximum(y_true, 0), logits, target_length, steps, mask_index=BLANK)


def decoded(logits: np.ndarray) -> list[tuple[str, float]]:
    """Greedy CTC decoding: each step's likeliest class, repeats merged, blanks dropped; the
    confidence is the product of those steps' probabilities (the best path's probability)."""
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    proba = shifted / shifted.sum(axis=-1, keepdims=True)
    best = proba.argmax(axis=-1)
    readings = []
    for path, p in zip(best, proba.max(axis=-1)):
        kept = [c for i, c in enumerate(path) if c != BLANK and (i == 0 or c != path[i - 1])]
        readings.append(("".join(str(c - 1) for c in kept), float(np.prod(p.astype(np.float64)))))
    return readings


def read_inputs(model, inputs: np.ndarray) -> list[tuple[str, float]]:
    """Line inputs (N x HEIGHT x WIDTH, float in [0, 1]) -> (digits, confidence) for each."""
    return decoded(np.asarray(model.predict(inputs[..., None], batch_size=64, verbose=0)))


def read_picture(model, image: ImageInput) -> tuple[str, float] | None:
    """The line reader on one picture; None where the line finder refuses it."""
    try:
        line = picture_input(image)
    except (NoDigitError, InvalidImageError):
        return None
    text, confidence = read_inputs(model, line[None])[0]
    return (text, confidence) if text else None


def cached_lines(work: Path) -> dict[str, np.ndarray]:
    chunks = [np.load(p) for p in sorted(work.glob("lines-*.npz"))]
    return {k: np.concatenate([c[k] for c in chunks]) for k in ("x", "y", "kind")}


def validation_lines(mnist: str, count: int, work: Path) -> dict[str, np.ndarray]:
    """GENERATED lines of validation digits, for the loss to watch while training (cached)."""
    path = work / "validation-lines.npz"
    if not path.exists():
        x, y = validation_digits(mnist)
        lines = make_lines(x, y, count, seed=7)
        np.savez_compressed(path, x=lines["x"], y=lines["y"], kind=lines["kind"])
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def varied(lines: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each line's ink made STRETCH wider or narrower at random (handwriting is wide or narrow)
    and, for a share of them, its pen THINNER or THICKER by a pixel (real pens are often finer
    than MNIST's): cheap, so each epoch sees new lines. Returns the model's float input."""
    out = np.zeros(lines.shape + (1,), np.float32)
    pixel = np.ones((2, 2), np.uint8)
    for line, into in zip(lines, out):
        width = int(np.nonzero(line.max(axis=0))[0][-1]) + 1 if line.any() else 1
        new = int(np.clip(round(width * rng.uniform(*STRETCH)), 1, WIDTH))
        ink = cv2.resize(line[:, :width], (new, HEIGHT), interpolation=cv2.INTER_AREA)
        pen = rng.random()
        if pen < THINNER:
            ink = cv2.erode(ink, pixel)
        elif pen < THINNER + THICKER:
            ink = cv2.dilate(ink, pixel)
        into[:, :new, 0] = ink
    return out / 255


def train(mnist: str, epochs: int, limit: int, work: Path) -> None:
    """Train on the cached lines, one thread; the model saved each epoch (with its optimizer),
    and a rerun goes on from the last epoch saved."""
    one_thread()
    import keras

    keras.utils.set_random_seed(0)
    lines = cached_lines(work)
    val = validation_lines(mnist, 70 if limit else 700, work)
    checkpoint, history = work / "line_reader.keras", work / "history.csv"
    done = len(history.read_text().splitlines()) - 1 if history.exists() else 0
    if done and checkpoint.exists():
        model = keras.saving.load_model(checkpoint, custom_objects={"ctc_loss": ctc_loss})
    else:
        done, model = 0, build_model()
        steps = epochs * ((len(lines["x"]) + 31) // 32)
        schedule = keras.optimizers.schedules.CosineDecay(1e-3, steps)
        model.compile(optimizer=keras.optimizers.Adam(schedule), loss=ctc_loss)
    print(f"{len(lines['x'])} GENERATED lines, {model.count_params()} parameters", flush=True)
    start = time.perf_counter()
    for epoch in range(done, epochs):
        model.fit(
            varied(lines["x"], np.random.default_rng(epoch)),
            lines["y"],
            batch_size=32,
            initial_epoch=epoch,
            epochs=epoch + 1,
            validation_data=(val["x"].astype(np.float32)[..., None] / 255, val["y"]),
            callbacks=[keras.callbacks.CSVLogger(str(history), append=True)],
            verbose=2,
        )
        model.save(checkpoint)
        print(f"epoch {epoch + 1}: {(time.perf_counter() - start) / 60:.1f} min", flush=True)


Reading = tuple[str, float] | None  # (digits, confidence), or None: the reader refused


def text_of(reading: Reading) -> str | None:
    return reading[0] if reading else None


def segmenting(image: ImageInput) -> Reading:
    """digit_core.read_number's reading, None where it refuses."""
    try:
        number = read_number(image)
    except (NoDigitError, InvalidImageError):
        return None
    return number.text, number.confidence


def combined(segmented: Reading, learned: Reading, rule: dict[str, float]) -> Reading:
    """The line reader's reading where the segmenting reader is unsure (confidence below
    rule["below"], or it refused) and the line reader is sure enough (rule["ctc_at_least"])."""
    unsure = segmented is None or segmented[1] < rule["below"]
    if unsure and learned is not None and learned[1] >= rule["ctc_at_least"]:
        return learned
    return segmented


def best_rule(segmented: list[Reading], learned: list[Reading], truth: list[str]) -> dict:
    """The rule with the most whole numbers right (ties: the one changing fewest readings)."""
    grid = np.round(np.linspace(0, 1, 21), 2)
    scored = []
    for below in [*grid, 1.01]:  # 1.01: always the line reader when it is sure enough
        for at_least in grid:
            rule = {"below": float(below), "ctc_at_least": float(at_least)}
            picked = [combined(s, c, rule) for s, c in zip(segmented, learned)]
            right = sum(text_of(p) == t for p, t in zip(picked, truth))
            changed = sum(p != s for p, s in zip(picked, segmented))
            scored.append((right, -changed, rule))
    right, _, rule = max(scored, key=lambda s: s[:2])
    return {**rule, "validation_right": right, "validation_count": len(truth)}


def validate(mnist: str, per_kind: int, work: Path) -> None:
    """Both readers on GENERATED lines of validation digits, each kind apart, at the size
    benchmarks/read_numbers.py makes them; the combination rule chosen on all of them, written
    to rule.json beside the model."""
    one_thread()
    import keras

    model = keras.saving.load_model(work / "line_reader.keras", compile=False)
    x, y = validation_digits(mnist)
    rng = np.random.default_rng(11)
    segmented, learned, truth, kinds = [], [], [], []
    for kind in KINDS:
        for _ in range(per_kind):
            index = rng.choice(len(x), int(rng.integers(LENGTHS[0], LENGTHS[1] + 1)), replace=False)
            picture = generated_line(x[index], kind, rng, smaller=False)
            segmented.append(segmenting(picture))
            learned.append(read_picture(model, picture))
            truth.append("".join(str(d) for d in y[index]))
            kinds.append(kind)
    rule = best_rule(segmented, learned, truth)
    (work / "rule.json").write_text(json.dumps(rule, indent=1))
    print(f"rule (chosen on GENERATED validation lines): {rule}")
    print("| GENERATED validation lines | count | segmenting | line reader | combined |")
    print("|---|---|---|---|---|")
    for kind in (*KINDS, "all"):
        rows = [i for i, k in enumerate(kinds) if kind in (k, "all")]
        cells = [
            f"{sum(text_of(readings[i]) == truth[i] for i in rows) / len(rows):.1%}"
            for readings in (
                segmented,
                learned,
                [combined(*r, rule) for r in zip(segmented, learned)],
            )
        ]
        print(f"| {kind} | {len(rows)} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="../shared/data/mnist.npz")
    parser.add_argument("--steps", default="lines,train,validate")
    parser.add_argument("--lines", type=int, default=30000, help="GENERATED training lines")
    parser.add_argument("--epochs", type=int, help="12; 1 with --limit")
    parser.add_argument("--per-kind", type=int, default=100, help="validation lines a kind")
    parser.add_argument("--limit", type=int, default=0, help="a quick run: this many digits")
    args = parser.parse_args()
    work = WORK / f"limit-{args.limit}" if args.limit else WORK
    work.mkdir(parents=True, exist_ok=True)
    steps = args.steps.split(",")
    if "lines" in steps:
        count = min(args.lines, args.limit) if args.limit else args.lines
        generate(args.data, count, args.limit, work)
    if "train" in steps:
        train(args.data, args.epochs or (1 if args.limit else 12), args.limit, work)
    if "validate" in steps:
        validate(args.data, 3 if args.limit else args.per_kind, work)


if __name__ == "__main__":
    main()
