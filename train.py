"""Train the digit CNN on MNIST and write everything the app and the Hub need into model/.

    python train.py                              # ylecun/mnist through `datasets`
    python train.py --data ../shared/data/mnist.npz --resume
    python train.py evaluate --data ../shared/data/mnist.npz   # test accuracy of model/
    python train.py --push-to-hub you/digit-cnn  # after training: upload model/

    python train.py digit-check --data ../shared/data/mnist.npz  # redo only the step below

Steps, top to bottom: data -> model -> train (a checkpoint every epoch) -> calibrate and fit the
"is it a digit at all?" head (classifier frozen) -> evaluate once on the test split -> save the
.keras (source of truth) and its LiteRT conversion -> plots, metrics, card.
"""

import argparse
import hashlib
import json
import shutil
import time
from pathlib import Path

import keras
import matplotlib
import numpy as np
import tensorflow as tf

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the file-only backend)

from digit_core.feedback import load_feedback
from digit_core.model import build_model
from drawings import canvas_drawing
from non_digits import KINDS, non_digit

VALIDATION_SIZE = 6000  # the last 6,000 training digits; the test split is touched once
CHECKPOINTS = Path("checkpoints")
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


def random_stroke_width(x):
    """Thicker or thinner pen strokes for some digits: people draw with every brush size."""
    thicker = tf.nn.max_pool2d(x, 2, 1, "SAME")
    thinner = 0.5 * (x - tf.nn.max_pool2d(-x, 2, 1, "SAME"))
    pick = tf.random.uniform([tf.shape(x)[0], 1, 1, 1])
    return tf.where(pick < 0.15, thicker, tf.where(pick < 0.25, thinner, x))


def training_dataset(x, y, batch_size: int, seed: int) -> tf.data.Dataset:
    # Handwriting varies in slant, size and position; these ranges stay legible (a 6 never
    # turns into a 9) and cover what the preprocessing leaves behind.
    augment = keras.Sequential([
        keras.layers.RandomRotation(0.035, fill_mode="constant", seed=seed),  # +-12.6 degrees
        keras.layers.RandomShear(0.15, 0.15, fill_mode="constant", seed=seed),
        keras.layers.RandomZoom(0.12, fill_mode="constant", seed=seed),
        keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant", seed=seed),
    ])
    return (
        tf.data.Dataset.from_tensor_slices((x, y))
        .shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
        .batch(batch_size)
        .map(lambda a, b: (augment(random_stroke_width(a), training=True), b),
             num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )


# ----------------------------------------------------------------------------- train

def train(args) -> None:
    keras.utils.set_random_seed(args.seed)
    t0 = time.time()
    data = load_mnist(args.data)
    if args.limit:
        for k in data:
            data[k] = data[k][: args.limit]
    x, y = as_input(data["x_train"]), data["y_train"].astype("int32")
    n_val = validation_size(len(x))
    x_train, y_train, x_val, y_val = x[:-n_val], y[:-n_val], x[-n_val:], y[-n_val:]
    if args.extra_data:  # corrections people sent from the app: training only, never validation
        x_extra, y_extra = load_feedback(Path(args.extra_data))
        x_train = np.concatenate([x_train, as_input(x_extra)])
        y_train = np.concatenate([y_train, y_extra.astype("int32")])
        print(f"extra data: {len(y_extra)} corrections from {args.extra_data}")
    print(f"data: {args.data}  train {len(x_train)}  validation {len(x_val)}  "
          f"test {len(data['x_test'])}")

    steps = -(-len(x_train) // args.batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(
        1e-4, decay_steps=steps * max(1, args.epochs - 1), alpha=0.01,
        warmup_target=2e-3, warmup_steps=steps)
    model = build_model()
    model.compile(optimizer=keras.optimizers.Adam(schedule),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    backup = CHECKPOINTS / "backup"
    if not args.resume and CHECKPOINTS.exists():
        shutil.rmtree(CHECKPOINTS)
    CHECKPOINTS.mkdir(exist_ok=True)
    history_csv = CHECKPOINTS / "history.csv"
    callbacks = [
        # Saves model, optimizer and epoch after every epoch; `--resume` continues from there.
        keras.callbacks.BackupAndRestore(str(backup), delete_checkpoint=False),
        keras.callbacks.CSVLogger(str(history_csv), append=args.resume),
    ]
    model.fit(training_dataset(x_train, y_train, args.batch_size, args.seed),
              validation_data=(x_val, y_val), epochs=args.epochs,
              callbacks=callbacks, verbose=2)
    train_seconds = time.time() - t0

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    val_accuracy = float(model.evaluate(x_val, y_val, verbose=0)[1])
    serving, check_report = add_digit_check(model, data["x_train"][:-n_val],
                                            data["x_train"][-n_val:], y_val, args.seed)
    save_serving_model(serving, out)
    history = read_history(history_csv)
    metrics = {
        "validation_accuracy": round(val_accuracy, 5),
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "seed": args.seed,
        "parameters": int(model.count_params()),
        "training_seconds": round(train_seconds, 1),
        "data_source": args.data,
        "data_sha256": data_sha256(data),
        "train_size": len(x_train),
        "validation_size": len(x_val),
        **check_report,
    }
    metrics.update(evaluate_on_test(out, data, history))
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    write_model_card(out, metrics)
    print(json.dumps(metrics, indent=2))


def read_history(path: Path) -> dict[str, list[float]]:
    rows = np.genfromtxt(path, delimiter=",", names=True)
    rows = np.atleast_1d(rows)
    return {name: rows[name].tolist() for name in rows.dtype.names}


def save_serving_model(serving: keras.Model, out: Path) -> None:
    serving.save(out / "digit_cnn.keras")
    serving.export(str(out / "digit_cnn.tflite"), format="litert", verbose=False)


# ----------------------------------------------------------------------------- calibrate, check

CHECK_SIZE = 8000  # training digits (half drawn) and generated non-digits the check learns from
FLAGGED_ON_VALIDATION = 0.005  # share of drawn validation digits the check may call "not a digit"


def features_model(classifier: keras.Model) -> keras.Model:
    """The classifier up to its last layer: the 2,048 features both heads read."""
    return keras.Model(classifier.inputs, classifier.get_layer("probabilities").input)


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


def drawn(images: list[np.ndarray]) -> np.ndarray:
    """Pictures through the app's own preprocessing; the ones it refuses (noise) are left out."""
    from digit_core import NoDigitError, preprocess

    inputs = []
    for image in images:
        try:
            inputs.append(preprocess(image))
        except NoDigitError:
            pass
    return np.stack(inputs)[..., None]


def add_digit_check(classifier: keras.Model, x_train: np.ndarray, x_val: np.ndarray,
                    y_val: np.ndarray, seed: int) -> tuple[keras.Model, dict]:
    """Temperature-scale the classifier on validation, then fit the "is_digit" head on its frozen
    features: drawn training digits vs generated letters, scribbles, shapes, noise and text."""
    rng = np.random.default_rng(seed)
    head, features = classifier.get_layer("probabilities"), features_model(classifier)
    logits = features.predict(as_input(x_val), batch_size=500, verbose=0) @ head.kernel.numpy() \
        + head.bias.numpy()
    temperature = fit_temperature(logits, y_val)
    ece_before = expected_calibration_error(softmax(logits), y_val)
    ece_after = expected_calibration_error(softmax(logits / temperature), y_val)
    head.kernel.assign(head.kernel / temperature)  # the served probabilities are calibrated
    head.bias.assign(head.bias / temperature)

    size = min(CHECK_SIZE, len(x_train))
    digits = x_train[rng.choice(len(x_train), size, replace=False)]
    x = np.concatenate([as_input(digits[: size // 2]),  # MNIST as is, and as drawings
                        drawn([canvas_drawing(d, rng) for d in digits[size // 2:]]),
                        drawn([non_digit(KINDS[i % len(KINDS)], rng, fonts="train")
                               for i in range(size)])])
    y = (np.arange(len(x)) < size).astype("float32")
    check = keras.Sequential([keras.Input(features.output.shape[1:]),
                              keras.layers.Dense(1, activation="sigmoid", name="is_digit")])
    check.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    check.fit(features.predict(x, batch_size=500, verbose=0), y, epochs=30, batch_size=128,
              verbose=0, class_weight={0: size / (len(y) - size), 1: 1.0})

    # Threshold on drawn validation digits, folded into the bias so that 0.5 is the cut.
    val_drawings = drawn([canvas_drawing(d, rng) for d in x_val[:3000]])
    dense = check.get_layer("is_digit")
    scores = features.predict(val_drawings, batch_size=500, verbose=0) \
        @ dense.kernel.numpy()[:, 0] + dense.bias.numpy()[0]
    dense.bias.assign(dense.bias - np.quantile(scores, FLAGGED_ON_VALIDATION))

    serving = build_model(digit_check=True)  # fresh and uncompiled: no optimizer state shipped
    same = [layer for layer in serving.layers if layer.name != "is_digit"]
    for target, source in zip(same, classifier.layers, strict=True):  # built in the same order
        assert type(target) is type(source), (target, source)
        target.set_weights(source.get_weights())
    serving.get_layer("is_digit").set_weights(dense.get_weights())
    report = {"temperature": round(temperature, 4),
              "validation_ece_before": round(ece_before, 5),
              "validation_ece_after": round(ece_after, 5),
              "digit_check_flagged_on_validation": FLAGGED_ON_VALIDATION}
    print(f"temperature {temperature:.3f}: validation ECE {ece_before:.4f} -> {ece_after:.4f}")
    return serving, report


# ----------------------------------------------------------------------------- evaluate

def evaluate_on_test(out: Path, data: dict[str, np.ndarray], history=None) -> dict:
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
    if history is not None:
        plot_training_curves(out, history)
    return results


def evaluate(args) -> None:
    out = Path(args.out)
    results = evaluate_on_test(out, load_mnist(args.data))
    metrics = json.loads((out / "metrics.json").read_text())
    for key in ("test_accuracy", "test_errors"):
        print(f"{key}: now {results[key]}, metrics.json {metrics.get(key)}")


def digit_check(args) -> None:
    """Calibrate and fit the digit check again for the classifier saved in --out."""
    out, data = Path(args.out), load_mnist(args.data)
    saved = keras.saving.load_model(out / "digit_cnn.keras", safe_mode=True)
    classifier = keras.Model(saved.inputs, saved.get_layer("probabilities").output)
    n_val = validation_size(len(data["x_train"]))
    serving, report = add_digit_check(classifier, data["x_train"][:-n_val],
                                      data["x_train"][-n_val:], data["y_train"][-n_val:], args.seed)
    save_serving_model(serving, out)
    metrics = json.loads((out / "metrics.json").read_text()) | report
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    write_model_card(out, metrics)


# ----------------------------------------------------------------------------- pictures

def plot_training_curves(out: Path, history: dict[str, list[float]]) -> None:
    epochs = np.arange(1, len(history["loss"]) + 1)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for ax, key in zip(axes, ("loss", "accuracy")):
        ax.plot(epochs, history[key], label="train (augmented)")
        ax.plot(epochs, history[f"val_{key}"], label="validation")
        ax.set(xlabel="epoch", title=key)
        ax.grid(alpha=0.3)
        ax.legend()
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
    template = (Path(__file__).parent / "model_card.md").read_text()
    (out / "README.md").write_text(template.format(**metrics))


def push_to_hub(out: Path, repo_id: str) -> None:
    from huggingface_hub import create_repo, upload_folder

    create_repo(repo_id, exist_ok=True)
    commit = upload_folder(repo_id=repo_id, folder_path=out, commit_message="Train digit CNN")
    print(f"pushed {out} to {repo_id} at {commit.oid}: pin this revision in digit_core/weights.py")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("command", nargs="?", choices=["train", "evaluate", "digit-check"],
                   default="train")
    p.add_argument("--data", default=HUB_DATASET,
                   help="a `datasets` name or folder (default ylecun/mnist), or a Keras .npz")
    p.add_argument("--out", default="model", help="where the weights, metrics and card go")
    p.add_argument("--epochs", type=int, default=32)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--resume", action="store_true", help="continue from checkpoints/")
    p.add_argument("--limit", type=int, default=0, help="use only the first N digits (smoke runs)")
    p.add_argument("--extra-data", metavar="FOLDER",
                   help="also train on the corrections the app saved in this folder")
    p.add_argument("--push-to-hub", metavar="REPO_ID", help="upload --out to this Hub model repo")
    args = p.parse_args()
    {"train": train, "evaluate": evaluate, "digit-check": digit_check}[args.command](args)
    if args.push_to_hub:
        push_to_hub(Path(args.out), args.push_to_hub)


if __name__ == "__main__":
    main()
