"""A learned line reader (issue 27): a small CNN+CTC over the height-normalised ink of a line of
digits, trained on GENERATED lines, to measure against the segmenting reader
(digit_core.read_number). An experiment: nothing here ships.

    python -m training.line_reader --limit 200          # every step, small, in /tmp/ctc/limit-200
    python -m training.line_reader --steps lines        # GENERATED training lines, cached
    python -m training.line_reader --steps train        # one thread; resumes from its checkpoint
    KERAS_BACKEND=jax python -m training.line_reader --steps lines,train --processes 16 --batch 128
                                                        # on a GPU machine (see docs/numbers.md)
    python -m training.line_reader --steps validate     # both readers on GENERATED validation
                                                        # lines; the combination rule -> rule.json

Steps:
1. Lines: GENERATED lines of MNIST training digits on generated paper, cached in chunks
   (training/number_lines.py).
2. Input: the line's cleaned ink, 32 px high (number_lines.line_input; real pictures through
   number_lines.picture_input, read as read_number reads them).
3. Model: conv blocks pooling the height to 1 and the width by 4, a bidirectional GRU, 11 classes
   per step (blank + 10 digits), CTC loss; greedy decoding; the number's confidence is the
   product of the best path's per-step top probabilities.
4. Validate: both readers on GENERATED lines of validation digits, each kind of paper apart; the
   rule "take the CTC reading when the segmenting reader's confidence is below X (or it refused)
   and CTC's is at least Y" chosen there, never on real pictures.
"""

import argparse
import json
import multiprocessing
import os
import time
from pathlib import Path

import numpy as np

from digit_core.decode import ImageInput
from digit_core.errors import InvalidImageError, NoDigitError
from digit_core.number import MAX_DIGITS, read_number
from training.number_lines import (
    HEIGHT,
    KINDS,
    LENGTHS,
    WIDTH,
    cached_lines,
    generate,
    generated_line,
    picture_input,
    validation_lines,
    varied_inputs,
)
from training.number_paper import validation_digits

BLANK = 0  # CTC's blank is class 0; digit d is class d + 1 (number_lines.labels_of)
CLASSES = 11
WORK = Path("/tmp/ctc")


def one_thread() -> None:
    """The machine is shared: TensorFlow on one thread (other backends, on a GPU, as they are)."""
    if os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow":
        return
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


def train(mnist: str, epochs: int, limit: int, work: Path, batch: int, processes: int) -> None:
    """Train on the cached lines (TensorFlow on one thread; JAX on a GPU machine), each epoch's
    lines varied in `processes` processes; the model saved each epoch (with its optimizer), and a
    rerun goes on from the last epoch saved."""
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
        steps = epochs * ((len(lines["x"]) + batch - 1) // batch)
        schedule = keras.optimizers.schedules.CosineDecay(1e-3, steps)
        model.compile(optimizer=keras.optimizers.Adam(schedule), loss=ctc_loss)
    print(f"{len(lines['x'])} GENERATED lines, {model.count_params()} parameters", flush=True)
    start = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        for epoch in range(done, epochs):
            model.fit(
                varied_inputs(pool, lines["x"], epoch, processes),
                lines["y"],
                batch_size=batch,
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
    parser.add_argument("--processes", type=int, default=1, help="making and varying lines")
    parser.add_argument("--batch", type=int, default=32, help="lines a training step")
    parser.add_argument("--work", type=Path, default=WORK, help="lines, model, history")
    args = parser.parse_args()
    work = args.work / f"limit-{args.limit}" if args.limit else args.work
    work.mkdir(parents=True, exist_ok=True)
    steps = args.steps.split(",")
    if "lines" in steps:
        count = min(args.lines, args.limit) if args.limit else args.lines
        generate(args.data, count, args.limit, work, args.processes)
    if "train" in steps:
        epochs = args.epochs or (1 if args.limit else 12)
        train(args.data, epochs, args.limit, work, args.batch, args.processes)
    if "validate" in steps:
        validate(args.data, 3 if args.limit else args.per_kind, work)


if __name__ == "__main__":
    main()
