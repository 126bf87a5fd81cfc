"""Train the digit CNN on MNIST and write everything the app and the Hub need into model/.

    python train.py                              # ylecun/mnist through `datasets`
    python train.py --data ../shared/data/mnist.npz --resume
    python train.py evaluate --data ../shared/data/mnist.npz   # test accuracy of model/
    python train.py card                         # model/README.md again from metrics.json
    python publish.py --model you/digit-cnn --space you/digit-studio  # after training

    # the shipped model: three networks joined into a teacher (an ensemble), then one network
    # that learns from the labels and from the teacher (any backend: KERAS_BACKEND=jax on a GPU),
    # then that network fine-tuned with blurry scans, learning "is it a digit?" with the digits
    python train.py --data D --seed 1 --network-only    # -> runs/seed-1/, also seeds 3 and 4
    python train.py finish --data D --networks runs/seed-1 runs/seed-3 runs/seed-4
    python train.py --data D --seed 7 --epochs 120 --teacher model --network-only
    python train.py finish --data D --networks runs/seed-7
    python train.py --data D --seed 9 --epochs 10 --learning-rate 5e-4 --start-from model \
        --network-only
    python train.py finish --data D --networks runs/seed-9
    python train.py --data D --seed 10 --epochs 6 --learning-rate 2e-4 --start-from model \
        --network-only                                  # 6 epochs more, fresh generated inputs
    python train.py finish --data D --networks runs/seed-10
    python train.py --data D --seed 12 --epochs 5 --learning-rate 1.5e-4 --start-from model \
        --network-only                                  # the handwriting fonts, lettered digits
    python train.py finish --data D --networks runs/seed-12
    python train.py --data D --seed 14 --epochs 5 --learning-rate 1.5e-4 --start-from model \
        --network-only                                  # doodled fruit
    python train.py finish --data D --networks runs/seed-14
    python train.py --data D --seed 15 --epochs 5 --learning-rate 1.5e-4 --start-from model \
        --network-only --small-scans 0.5                # half the blurry scans at 7-10 px
    python train.py finish --data D --networks runs/seed-15

Steps, top to bottom: data (MNIST, plus generated inputs read by the app's own preprocessing:
every digit as a blurry scan; drawn and lettered digits and non-digits for the check) -> model
-> train one network (a checkpoint every epoch, in runs/seed-N/) -> finish: join the networks,
calibrate, set the cut of the "is it a digit at all?" head (or fit one on the joined networks'
features) -> save the .keras (source of truth) and its LiteRT conversion -> evaluate once on the
test split (recorded in metrics.json under `finish --note`, with the commands that made the
model) -> plots, metrics, card.
"""

import argparse
import hashlib
import json
import shlex
import shutil
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import keras
import matplotlib
import numpy as np
from keras import layers, ops

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # after choosing the file-only backend

from digit_core.feedback import file_sha256, load_feedback
from digit_core.weights import PIN
from digit_core.model import (CHECK_HIDDEN, NUM_CLASSES, build_model, logit_layers,
                               logits_model)
from drawings import canvas_drawing, low_resolution_scan
from non_digits import lettered_digit, non_digit

VALIDATION_SIZE = 6000  # the last 6,000 training digits; the test split is touched once
RUNS = Path("runs")  # one folder per trained network: checkpoints, network.keras, history
HUB_DATASET = "ylecun/mnist"


# ----------------------------------------------------------------------------- data

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


class RandomStrokeWidth(layers.Layer):
    """Thicker or thinner pen strokes for some digits: people draw with every brush size."""

    def __init__(self, seed: int):
        super().__init__()
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, x, training=False):
        if not training:
            return x
        thicker = ops.max_pool(x, 2, 1, "same")
        thinner = 0.5 * (x - ops.max_pool(-x, 2, 1, "same"))
        pick = keras.random.uniform((ops.shape(x)[0], 1, 1, 1), seed=self.seed_generator)
        return ops.where(pick < 0.15, thicker, ops.where(pick < 0.25, thinner, x))


class Frozen(layers.Layer):
    """A model run in inference mode (no dropout, fixed batch statistics) and never trained,
    even inside a model being trained: Keras passes `training` down to nested models."""

    def __init__(self, model: keras.Model):
        super().__init__(trainable=False)
        model.trainable = False
        self.model = model

    def call(self, x):
        return self.model(x, training=False)


class RandomDistortion(layers.Layer):
    """Handwriting varies in slant, size and position: each digit gets its own random rotation
    (+-0.22 radians, 12.6 degrees), shear (+-0.15), zoom (+-12 %) and shift (+-10 % of the
    side), joined into one matrix and applied by one `ops.image.affine_transform`. (Keras'
    RandomRotation, RandomShear, RandomZoom and RandomTranslation layers, one warp each, made
    a GPU training step ~190x slower than the bare network's: benchmarks/train_step.py.)"""

    def __init__(self, seed: int, rotation: float = 0.22, shear: float = 0.15,
                 zoom: float = 0.12, shift: float = 0.1):
        super().__init__()
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.rotation, self.shear, self.zoom, self.shift = rotation, shear, zoom, shift

    def call(self, x, training=False):
        if not training:
            return x
        size = x.shape[1]  # square digits
        u = keras.random.uniform((ops.shape(x)[0], 6), -1.0, 1.0, seed=self.seed_generator)
        cos, sin = ops.cos(u[:, 0] * self.rotation), ops.sin(u[:, 0] * self.rotation)
        shear_x, shear_y = u[:, 1] * self.shear, u[:, 2] * self.shear
        scale = 1.0 + u[:, 3] * self.zoom
        # Where each output pixel reads from: scale * rotation @ shear about the centre, shifted.
        a, b = scale * (cos - sin * shear_y), scale * (cos * shear_x - sin)
        c, d = scale * (sin + cos * shear_y), scale * (sin * shear_x + cos)
        centre = (size - 1) / 2
        shift_x = centre * (1 - a - b) + u[:, 4] * self.shift * size
        shift_y = centre * (1 - c - d) + u[:, 5] * self.shift * size
        zero = ops.zeros_like(a)
        transform = ops.stack([a, b, shift_x, c, d, shift_y, zero, zero], axis=1)
        return ops.image.affine_transform(x, transform, fill_mode="constant")


def with_augmentation(network: keras.Model, seed: int, teacher: keras.Model | None = None
                      ) -> keras.Model:
    """The network behind random distortions that act only in training, on whatever device
    trains it; the ranges stay legible (a 6 never turns into a 9) and cover what the
    preprocessing leaves behind. With a `teacher`, its logits on the same distorted digit are
    put beside the network's (a consistent teacher)."""
    augment = keras.Sequential([RandomStrokeWidth(seed), RandomDistortion(seed)], name="augment")
    inputs = keras.Input(network.input_shape[1:])
    seen = augment(inputs)
    outputs = network(seen)
    if teacher is not None:
        outputs = layers.Concatenate()([outputs, Frozen(teacher)(seen)])
    return keras.Model(inputs, outputs, name="training")


# ----------------------------------------------------------------------------- train

DISTILL_TEMPERATURE = 4.0  # softens the teacher's answers so that its second guesses count
DISTILL_WEIGHT = 0.5  # the teacher's share of the loss; the labels have the rest


def distillation_loss(y, logits):
    """y: the one-hot label; logits: the student's, then the teacher's (10 + 10 columns)."""
    student, teacher = logits[:, :NUM_CLASSES], ops.stop_gradient(logits[:, NUM_CLASSES:])
    labels = keras.losses.categorical_crossentropy(y, student, from_logits=True)
    imitation = keras.losses.kl_divergence(ops.softmax(teacher / DISTILL_TEMPERATURE),
                                           ops.softmax(student / DISTILL_TEMPERATURE))
    return (1 - DISTILL_WEIGHT) * labels + DISTILL_WEIGHT * DISTILL_TEMPERATURE**2 * imitation


def accuracy(y, logits):
    return ops.cast(ops.argmax(y, -1) == ops.argmax(logits[:, :NUM_CLASSES], -1), "float32")


def train(args) -> None:
    """Train one network into runs/seed-N/; then, unless --network-only, finish it alone.
    With --teacher, it learns from a served model's answers as well as from the labels."""
    keras.utils.set_random_seed(args.seed)
    t0 = time.time()
    data = limited(load_mnist(args.data), args.limit)
    x, y = as_input(data["x_train"]), data["y_train"].astype("int32")
    n_val = validation_size(len(x))
    x_train, y_train, x_val, y_val = x[:-n_val], y[:-n_val], x[-n_val:], y[-n_val:]
    # Every training digit a second time as a small, blurry scan, as the app would read it.
    x_scans, y_scans = scanned(data["x_train"][:-n_val], y_train, args.seed, args.small_scans)
    x_val_scans, y_val_scans = scanned(data["x_train"][-n_val:], y_val, args.seed + 1,
                                       args.small_scans)
    if args.extra_data:  # corrections people sent from the app: training only, never validation
        examples = {file_sha256(p) for p in (Path(__file__).parent / "examples").iterdir()
                    if p.suffix != ".py"}
        x_extra, y_extra = load_feedback(Path(args.extra_data), test_pictures=examples)
        x_train = np.concatenate([x_train, as_input(x_extra)])
        y_train = np.concatenate([y_train, y_extra.astype("int32")])
        print(f"extra data: {len(y_extra)} corrections from {args.extra_data}")
    train_size = len(x_train)
    x_train, y_train = np.concatenate([x_train, x_scans]), np.concatenate([y_train, y_scans])
    if not args.teacher:  # the "is it a digit?" head learnt with the digits (see with_check)
        x_train, y_train = with_check(x_train, y_train, data["x_train"][:-n_val],
                                      data["y_train"][:-n_val].astype("int32"), args.seed)
    print(f"data: {args.data}  train {train_size} (+{len(x_train) - train_size} generated)  "
          f"validation {len(x_val)}  test {len(data['x_test'])}  "
          f"backend {keras.backend.backend()}")

    steps = -(-len(x_train) // args.batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(
        1e-4, decay_steps=steps * max(1, args.epochs - 1), alpha=0.01,
        warmup_target=args.learning_rate, warmup_steps=steps)
    network = build_model(digit_check=not args.teacher)
    start = None
    if args.start_from:  # fine-tune a served model's (first) network instead of random weights
        folder = Path(args.start_from)
        from_run = (folder / "network.keras").exists()  # or a trained network's runs/seed-N
        if from_run:
            earlier = keras.saving.load_model(folder / "network.keras", safe_mode=True)
            seeds = [json.loads((folder / "network.json").read_text())["seed"]]
        else:
            earlier = keras.saving.load_model(folder / "digit_cnn.keras", safe_mode=True)
            seeds = json.loads((folder / "metrics.json").read_text())["seeds"]
        parts = ["features_0", "logits_0"]
        if len(seeds) == 1 and not args.teacher:  # its check reads this one network's features
            parts += ["is_digit_hidden", "is_digit"]
        for name in parts:
            network.get_layer(name).set_weights(earlier.get_layer(name).get_weights())
        start = f"the {'network' if from_run else 'served model'} of seed {seeds[0]}"
        print(f"starting from {args.start_from}: {start}")
    teacher_name = None
    if args.teacher:  # the served model (e.g. three networks) teaching one student network
        teacher = keras.saving.load_model(Path(args.teacher) / "digit_cnn.keras", safe_mode=True)
        seeds = json.loads((Path(args.teacher) / "metrics.json").read_text())["seeds"]
        teacher_name = f"the served model of seeds {', '.join(map(str, seeds))}"
        print(f"teacher: {args.teacher}, {teacher_name}, on the same distorted digits as the "
              "student")
        y_train, y_val = np.eye(NUM_CLASSES)[y_train], np.eye(NUM_CLASSES)[y_val]
        trainer = with_augmentation(logits_model(network), args.seed, logits_model(teacher))
        loss, metric = distillation_loss, accuracy
    else:
        y_val = {"probabilities": y_val, "is_digit": np.ones(len(y_val), "float32")}
        trainer = with_augmentation(network, args.seed)
        loss = {"probabilities": keras.losses.SparseCategoricalCrossentropy(ignore_class=-1),
                "is_digit": "binary_crossentropy"}
        metric = {"probabilities": "accuracy", "is_digit": "accuracy"}
    trainer.compile(optimizer=keras.optimizers.Adam(schedule), loss=loss,
                    metrics=metric if isinstance(metric, dict) else [metric])

    run = RUNS / f"seed-{args.seed}"
    if not args.resume and run.exists():
        shutil.rmtree(run)
    run.mkdir(parents=True, exist_ok=True)
    callbacks = [
        # Saves weights, optimizer and epoch after every epoch; `--resume` continues from there.
        keras.callbacks.BackupAndRestore(str(run / "checkpoints"), delete_checkpoint=False),
        keras.callbacks.CSVLogger(str(run / "history.csv"), append=args.resume),
    ]
    trainer.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs, shuffle=True,
                validation_data=(x_val, y_val), callbacks=callbacks, verbose=2)
    network.save(run / "network.keras")
    report = {
        "seed": args.seed,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "validation_accuracy": digit_accuracy(network, x_val, data["y_train"][-n_val:]),
        "validation_scan_accuracy": digit_accuracy(network, x_val_scans, y_val_scans),
        "learning_rate": args.learning_rate,
        "started_from": start,
        "training_seconds": round(time.time() - t0, 1),
        "backend": keras.backend.backend(),
        "teacher": teacher_name,
        "train_size": train_size,
        "generated_inputs": len(x_train) - train_size,
        "data_source": args.data,
        "data_sha256": data_sha256(data),
        "command": this_command(),
    }
    (run / "network.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report))
    if not args.network_only:
        finish([run], data, args.data, Path(args.out))


NOT_DIGITS = 32000  # generated non-digits the network learns to call "not a digit"
DRAWN_DIGITS = 6000  # training digits drawn on canvases, so the check knows drawings are digits
LETTERED_DIGITS = 6000  # digits in the fonts the letters come from, so fonts alone tell nothing


def with_check(x: np.ndarray, y: np.ndarray, digits: np.ndarray, labels: np.ndarray,
               seed: int) -> tuple[np.ndarray, dict]:
    """Training inputs with generated non-digits and drawn and lettered digits added, all read
    by the app's own preprocessing, and both targets: the digit (-1, no digit loss, for
    non-digits) and whether it is one. Learnt together, the features themselves tell a letter
    from a digit."""
    rng = np.random.default_rng(seed)
    drawings, kept = canvas_drawings(digits[:DRAWN_DIGITS], rng)
    scale = len(digits) / 54000  # fewer in a smoke run on a few digits
    printed, printed_labels = lettered_digits(int(LETTERED_DIGITS * scale), rng)
    not_digits, _ = generated_non_digits(int(NOT_DIGITS * scale), rng)
    x = np.concatenate([x, drawings, printed, not_digits])
    digit = np.concatenate([y, labels[kept], printed_labels.astype(y.dtype),
                            np.full(len(not_digits), -1, y.dtype)])
    return x, {"probabilities": digit, "is_digit": (digit >= 0).astype("float32")}


def digit_accuracy(network: keras.Model, x: np.ndarray, y: np.ndarray) -> float:
    proba = network.predict(x, batch_size=500, verbose=0)
    proba = proba["probabilities"] if isinstance(proba, dict) else proba
    return round(float((proba.argmax(1) == y).mean()), 5)


def this_command() -> str:
    return shlex.join(["python", "train.py", *sys.argv[1:]])


def finish(runs: list[Path], data: dict[str, np.ndarray], source: str, out: Path,
           note: str = "") -> None:
    """Join the trained networks (one, or several: an ensemble), calibrate them, fit the digit
    check, save the served model and look at the test split once. `data` (from `source`) must
    be the digits the networks were trained on, wherever that copy lived. The reading is
    recorded under `note` (what this candidate is), with the commands that made it."""
    reports = [json.loads((run / "network.json").read_text()) for run in runs]
    if len({r["data_sha256"] for r in reports} | {data_sha256(data)}) != 1:
        raise SystemExit("The networks were trained on other data than --data.")
    n_val = validation_size(len(data["x_train"]))
    serving, learnt_check = joined_networks(runs)
    x_val, y_val = as_input(data["x_train"][-n_val:]), data["y_train"][-n_val:]
    calibration = calibrate(serving, x_val, y_val)
    if learnt_check:
        check = {"digit_check": "learnt with the network",
                 **set_check_threshold(serving, data["x_train"][-n_val:], reports[0]["seed"])}
    else:
        check = {"digit_check": "fitted on the frozen features",
                 **fit_digit_check(serving, data["x_train"][:-n_val], data["x_train"][-n_val:],
                                   reports[0]["seed"])}
    out.mkdir(parents=True, exist_ok=True)
    save_serving_model(serving, out)
    metrics = {
        **calibration,
        "members": len(runs),
        "seeds": [r["seed"] for r in reports],
        "member_validation_accuracy": [r["validation_accuracy"] for r in reports],
        "epochs": [r["epochs"] for r in reports],
        "batch_size": reports[0]["batch_size"],
        "parameters": int(serving.count_params()),
        "training_seconds": round(sum(r["training_seconds"] for r in reports), 1),
        "backend": sorted({r["backend"] for r in reports}),
        "data_source": source,
        "data_sha256": reports[0]["data_sha256"],
        "train_size": reports[0]["train_size"],
        "teachers": [r.get("teacher") or "none" for r in reports],  # older runs: no key
        "started_from": [r.get("started_from") or "random weights" for r in reports],
        "member_validation_scan_accuracy": [r.get("validation_scan_accuracy") for r in reports],
        "generated_inputs": reports[0].get("generated_inputs", 0),
        "validation_size": n_val,
        **check,
    }
    histories = [read_history(run / "history.csv") for run in runs]
    metrics.update(evaluate_on_test(out, data, histories))
    earlier_file = out / "metrics.json"
    earlier = json.loads(earlier_file.read_text()) if earlier_file.exists() else {}
    metrics["earlier_stages"] = earlier.get("earlier_stages", [])  # kept from run to run
    made_by = [r["command"] for r in reports if "command" in r] + [this_command()]
    metrics["commands"] = list(dict.fromkeys(earlier.get("commands", []) + made_by))
    metrics["test_split_readings"] = earlier.get("test_split_readings", []) + [{
        "candidate": note or f"seeds {', '.join(str(r['seed']) for r in reports)}",
        "test_accuracy": metrics["test_accuracy"], "test_errors": metrics["test_errors"]}]
    (out / PIN).unlink(missing_ok=True)  # these files are not the published ones any more
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    write_model_card(out, metrics)
    print(json.dumps(metrics, indent=2))


def joined_networks(runs: list[Path]) -> tuple[keras.Model, bool]:
    """The runs' networks side by side in one serving model (uncompiled: no optimizer state),
    and whether it holds a digit check learnt with its network (one network trained alone; its
    cut is not set yet)."""
    serving = build_model(members=len(runs), digit_check=True)
    for i, run in enumerate(runs):
        network = keras.saving.load_model(run / "network.keras", safe_mode=True)
        for part in ("features", "logits"):
            serving.get_layer(f"{part}_{i}").set_weights(network.get_layer(f"{part}_0")
                                                         .get_weights())
    learnt_check = len(runs) == 1 and "is_digit" in {layer.name for layer in network.layers}
    if learnt_check:
        for name in ("is_digit_hidden", "is_digit"):
            serving.get_layer(name).set_weights(network.get_layer(name).get_weights())
    return serving, learnt_check


def read_history(path: Path) -> dict[str, list[float]]:
    rows = np.genfromtxt(path, delimiter=",", names=True)
    rows = np.atleast_1d(rows)
    history = {name: rows[name].tolist() for name in rows.dtype.names}
    for key in ("loss", "accuracy"):  # trained with the check: the digits' own loss and accuracy
        for prefix in ("", "val_"):
            history[prefix + key] = history.get(f"{prefix}probabilities_{key}",
                                                history.get(prefix + key))
    return history


def save_serving_model(serving: keras.Model, out: Path) -> None:
    serving.save(out / "digit_cnn.keras")
    serving.export(str(out / "digit_cnn.tflite"), format="litert", verbose=False)


# ----------------------------------------------------------------------------- calibrate, check

CHECK_SIZE = 12000  # digits (as they are, drawn, scanned, lettered), non-digits: a fitted check
FLAGGED_ON_VALIDATION = 0.005  # share of drawn validation digits the check may call "not a digit"


def softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def expected_calibration_error(proba: np.ndarray, y: np.ndarray, bins: int = 15) -> float:
    """How far confidence is from accuracy, averaged over 15 confidence bins (Guo et al. 2017)."""
    confidence, right = proba.max(1), proba.argmax(1) == y
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    gaps = [abs(confidence[which == b].mean() - right[which == b].mean()) * (which == b).sum()
            for b in range(bins) if (which == b).any()]
    return float(sum(gaps) / len(y))


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The T minimising validation log-loss of softmax(logits / T) (Guo et al.), by grid search."""
    grid = np.geomspace(0.25, 8, 400)
    nll = [-np.log(softmax(logits / t)[np.arange(len(y)), y] + 1e-12).mean() for t in grid]
    return float(grid[int(np.argmin(nll))])


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
    return drawn(non_digit(CHECK_MIX[i % len(CHECK_MIX)], rng, fonts="train")
                 for i in range(count))


def canvas_drawings(digits: np.ndarray, rng: np.random.Generator
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Each digit drawn on a canvas (`canvas_drawing`) as the app reads it, and which were kept."""
    return drawn(canvas_drawing(d, rng) for d in digits)


def lettered_digits(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Digits lettered in the training fonts like the non-digits (`lettered_digit`), as the app
    reads them, with their labels."""
    labels = rng.integers(0, 10, count)
    inputs, kept = drawn(lettered_digit(int(d), rng, "train") for d in labels)
    return inputs, labels[kept]


def scanned(digits: np.ndarray, labels: np.ndarray, seed: int, small_share: float = 0.0
            ) -> tuple[np.ndarray, np.ndarray]:
    """Each digit as a small, blurry scan (`low_resolution_scan`) read by the app's own
    preprocessing -- what the network is fed for such pictures -- with its label."""
    rng = np.random.default_rng(seed)
    inputs, kept = drawn(low_resolution_scan(d, rng, small_share) for d in digits)
    return inputs, labels[kept]


def calibrate(serving: keras.Model, x_val: np.ndarray, y_val: np.ndarray) -> dict:
    """Validation accuracy, and a temperature fitted on validation folded into every network's
    last layer: the mean of the scaled logits is the scaled mean, so the served probabilities
    are calibrated."""
    logits = logits_model(serving).predict(x_val, batch_size=500, verbose=0)
    temperature = fit_temperature(logits, y_val)
    ece_before = expected_calibration_error(softmax(logits), y_val)
    ece_after = expected_calibration_error(softmax(logits / temperature), y_val)
    for layer in logit_layers(serving):
        layer.kernel.assign(layer.kernel / temperature)
        layer.bias.assign(layer.bias / temperature)
    print(f"temperature {temperature:.3f}: validation ECE {ece_before:.4f} -> {ece_after:.4f}")
    return {"validation_accuracy": round(float((logits.argmax(1) == y_val).mean()), 5),
            "temperature": round(temperature, 4),
            "validation_ece_before": round(ece_before, 5),
            "validation_ece_after": round(ece_after, 5)}


def fit_digit_check(serving: keras.Model, x_train: np.ndarray, x_val: np.ndarray,
                    seed: int) -> dict:
    """Fit the "is_digit" head on the frozen networks' features: training digits as they are,
    drawn, scanned and lettered (the digits a network's own check learns with) vs generated
    letters, scribbles, shapes, doodles, noise and text."""
    rng = np.random.default_rng(seed)
    served_hidden = serving.get_layer("is_digit_hidden")
    served_score = serving.get_layer("is_digit")
    features = keras.Model(serving.inputs, served_hidden.input)
    size = min(CHECK_SIZE, len(x_train))
    digits = x_train[rng.choice(len(x_train), size, replace=False)]
    as_they_are, to_draw, to_scan = np.split(digits[: size // 4 * 3], 3)
    # (without scans and lettered digits, on validation: 2.4 % of lettered digits flagged, not 0.2)
    x = np.concatenate([as_input(as_they_are), canvas_drawings(to_draw, rng)[0],
                        scanned(to_scan, np.zeros(len(to_scan), int), seed)[0],
                        lettered_digits(size - 3 * len(to_scan), rng)[0]])
    digit_count = len(x)  # (pictures the preprocessing refuses are left out)
    x = np.concatenate([x, generated_non_digits(size, rng)[0]])
    y = (np.arange(len(x)) < digit_count).astype("float32")
    keras.utils.set_random_seed(seed)  # the head's first weights and batches: the same each run
    hidden = layers.Dense(CHECK_HIDDEN, activation="relu")
    score = layers.Dense(1)  # the digit-or-not score; the sigmoid comes with the served layer
    check = keras.Sequential([keras.Input(features.output.shape[1:]), hidden, score])
    check.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.BinaryCrossentropy(from_logits=True))
    check.fit(features.predict(x, batch_size=500, verbose=0), y, epochs=30, batch_size=128,
              verbose=0, class_weight={0: digit_count / (len(y) - digit_count), 1: 1.0})
    served_hidden.set_weights(hidden.get_weights())
    served_score.set_weights(score.get_weights())
    return set_check_threshold(serving, x_val, seed)


def set_check_threshold(serving: keras.Model, x_val: np.ndarray, seed: int) -> dict:
    """Move the check's cut so that FLAGGED_ON_VALIDATION of drawn validation digits fall below
    it, folded into the bias so that 0.5 stays the cut."""
    rng = np.random.default_rng(seed)
    served_score = serving.get_layer("is_digit")
    hidden = keras.Model(serving.inputs, served_score.input)
    val_drawings = canvas_drawings(x_val[:3000], rng)[0]
    kernel, bias = served_score.get_weights()
    scores = hidden.predict(val_drawings, batch_size=500, verbose=0) @ kernel[:, 0] + bias[0]
    served_score.set_weights([kernel, bias - np.quantile(scores, FLAGGED_ON_VALIDATION)])
    return {"digit_check_flagged_on_validation": FLAGGED_ON_VALIDATION}


# ----------------------------------------------------------------------------- evaluate

def evaluate_on_test(out: Path, data: dict[str, np.ndarray], histories=None) -> dict:
    """The one look at the test split: accuracy of the saved files, plus the pictures."""
    from digit_core import load_model, predict_proba

    x_test, y_test = as_input(data["x_test"])[..., 0], data["y_test"]
    model = load_model(str(out))
    proba = predict_proba(x_test, model)
    keras_proba = model.keras_model.predict(x_test[..., None], batch_size=500,
                                            verbose=0)["probabilities"]
    predicted = proba.argmax(1)
    results = {
        "test_accuracy": round(float((predicted == y_test).mean()), 5),
        "test_accuracy_keras": round(float((keras_proba.argmax(1) == y_test).mean()), 5),
        "test_errors": int((predicted != y_test).sum()),
        "test_size": len(y_test),
        "test_ece": round(expected_calibration_error(proba, y_test), 5),
        "litert_vs_keras_max_abs_diff": float(np.abs(proba - keras_proba).max()),
    }
    print(f"test accuracy {results['test_accuracy']:.4%} ({results['test_errors']} errors)")
    plot_confusion_and_errors(out, data["x_test"], y_test, predicted)
    if histories:
        plot_training_curves(out, histories)
    return results


def evaluate(args) -> None:
    out = Path(args.out)
    results = evaluate_on_test(out, load_mnist(args.data))
    metrics = json.loads((out / "metrics.json").read_text())
    for key in ("test_accuracy", "test_errors"):
        print(f"{key}: now {results[key]}, metrics.json {metrics.get(key)}")


def finish_command(args) -> None:
    finish([Path(run) for run in args.networks], limited(load_mnist(args.data), args.limit),
           args.data, Path(args.out), args.note)


# ----------------------------------------------------------------------------- pictures

def plot_training_curves(out: Path, histories: list[dict[str, list[float]]]) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for i, history in enumerate(histories):
        epochs = np.arange(1, len(history["loss"]) + 1)
        name = f"network {i + 1} " if len(histories) > 1 else ""
        for ax, key in zip(axes, ("loss", "accuracy")):
            ax.plot(epochs, history[key], color=f"C{i}", label=f"{name}train (augmented)")
            ax.plot(epochs, history[f"val_{key}"], color=f"C{i}", linestyle="--",
                    label=f"{name}validation")
    for ax, key in zip(axes, ("loss", "accuracy")):
        ax.set(xlabel="epoch", title=key)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    axes[0].set_yscale("log")
    fig.tight_layout()
    fig.savefig(out / "training_curves.png", dpi=100)
    plt.close(fig)


def plot_confusion_and_errors(out: Path, x_test, y_test, predicted) -> None:
    confusion = np.zeros((10, 10), int)
    np.add.at(confusion, (y_test, predicted), 1)
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.imshow(np.log1p(confusion), cmap="Blues")
    for (i, j), n in np.ndenumerate(confusion):
        ax.text(j, i, n, ha="center", va="center", fontsize=7,
                color="white" if i == j else "black")
    ax.set(xticks=range(10), yticks=range(10), xlabel="predicted", ylabel="true",
           title=f"MNIST test: {(predicted != y_test).sum()} errors in {len(y_test)}")
    fig.tight_layout()
    fig.savefig(out / "confusion_matrix.png", dpi=100)
    plt.close(fig)

    wrong = np.flatnonzero(predicted != y_test)[:40]
    cols = 10
    rows = max(1, -(-len(wrong) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.1, rows * 1.3), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i in zip(axes.ravel(), wrong):
        ax.imshow(x_test[i], cmap="gray")
        ax.set_title(f"{y_test[i]} -> {predicted[i]}", fontsize=9, color="crimson")
    fig.suptitle("Misclassified test digits (true -> predicted)")
    fig.tight_layout()
    fig.savefig(out / "misclassified.png", dpi=100)
    plt.close(fig)


# ----------------------------------------------------------------------------- publish

def write_model_card(out: Path, metrics: dict) -> None:
    """model/README.md from metrics.json: the Hub's metadata (with the test result as a
    model-index) and the text of model_card.md."""
    from huggingface_hub import EvalResult, ModelCardData

    data = ModelCardData(
        library_name="keras", license="mit", datasets=["ylecun/mnist"], metrics=["accuracy"],
        pipeline_tag="image-classification", tags=["mnist", "digits", "litert"],
        model_name="digit-cnn", eval_results=[EvalResult(
            task_type="image-classification", dataset_type="ylecun/mnist", dataset_name="MNIST",
            dataset_split="test", metric_type="accuracy", metric_value=metrics["test_accuracy"])])
    fields = {k: ", ".join(map(str, v)) if isinstance(v, list) else v for k, v in metrics.items()}
    n = metrics["members"]
    fields["networks"] = ("A small convolutional network" if n == 1 else
                          f"{n} small convolutional networks side by side (an ensemble)")
    fields["commands"] = "\n".join(f"    {c}" for c in metrics.get("commands", []))
    fields["earlier_stages"] = "\n".join(f"- {stage}" for stage in metrics["earlier_stages"])
    fields["test_split_readings"] = "\n".join(
        f"- {r['candidate']}: {r['test_accuracy']:.2%} ({r['test_errors']} errors)"
        for r in metrics.get("test_split_readings", []))
    template = (Path(__file__).parent / "model_card.md").read_text()
    (out / "README.md").write_text(f"---\n{data.to_yaml()}\n---\n\n{template.format(**fields)}")


def card(args) -> None:
    """Rewrite --out/README.md from --out/metrics.json (no data, no training)."""
    out = Path(args.out)
    write_model_card(out, json.loads((out / "metrics.json").read_text()))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("command", nargs="?", choices=["train", "evaluate", "finish", "card"],
                   default="train")
    p.add_argument("--data", default=HUB_DATASET,
                   help="a `datasets` name or folder (default ylecun/mnist), or a Keras .npz")
    p.add_argument("--out", default="model", help="where the weights, metrics and card go")
    p.add_argument("--epochs", type=int, default=32)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--learning-rate", type=float, default=2e-3, help="the peak, after warm-up")
    p.add_argument("--start-from", metavar="FOLDER",
                   help="train: begin from this served model's or runs/seed-N's network")
    p.add_argument("--small-scans", type=float, default=0.0, metavar="SHARE",
                   help="train: this share of the blurry scans shrunk to 7-10 px, not 6-20")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--resume", action="store_true", help="continue from runs/seed-N/checkpoints")
    p.add_argument("--network-only", action="store_true",
                   help="train: stop after the network (join networks later with `finish`)")
    p.add_argument("--networks", nargs="+", metavar="RUN",
                   help="finish: the runs/seed-N folders of the networks to serve together")
    p.add_argument("--note", default="",
                   help="finish: what this candidate is, for the record of test-split readings")
    p.add_argument("--limit", type=int, default=0, help="use only the first N digits (smoke runs)")
    p.add_argument("--teacher", metavar="FOLDER",
                   help="train: also imitate this served model's answers (distillation)")
    p.add_argument("--extra-data", metavar="FOLDER",
                   help="also train on the corrections the app saved in this folder")
    args = p.parse_args()
    commands = {"train": train, "evaluate": evaluate, "finish": finish_command, "card": card}
    commands[args.command](args)


if __name__ == "__main__":
    main()
