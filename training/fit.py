"""Train one network into runs/seed-N/ (a checkpoint every epoch), alone or learning from a
teacher (distillation), optionally starting from a trained network."""

import json
import shutil
import time
from pathlib import Path

import keras
import numpy as np
from keras import ops

from digit_core.feedback import file_sha256, load_feedback
from digit_core.model import NUM_CLASSES, build_model, logits_model
from training.augment import with_augmentation
from training.data import (
    as_input,
    data_sha256,
    european_forms,
    limited,
    load_mnist,
    scanned,
    validation_size,
    with_check,
)
from training.finish import finish, this_command

ROOT = Path(__file__).resolve().parent.parent

RUNS = Path("runs")  # one folder per trained network: checkpoints, network.keras, history

DISTILL_TEMPERATURE = 4.0  # softens the teacher's answers so that its second guesses count

DISTILL_WEIGHT = 0.5  # the teacher's share of the loss; the labels have the rest


def distillation_loss(y, logits):
    """y: the one-hot label; logits: the student's, then the teacher's (10 + 10 columns)."""
    student, teacher = logits[:, :NUM_CLASSES], ops.stop_gradient(logits[:, NUM_CLASSES:])
    labels = keras.losses.categorical_crossentropy(y, student, from_logits=True)
    imitation = keras.losses.kl_divergence(
        ops.softmax(teacher / DISTILL_TEMPERATURE), ops.softmax(student / DISTILL_TEMPERATURE)
    )
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
    x_val_scans, y_val_scans = scanned(
        data["x_train"][-n_val:], y_val, args.seed + 1, args.small_scans
    )
    if args.extra_data:  # corrections people sent from the app: training only, never validation
        examples = {file_sha256(p) for p in (ROOT / "examples").iterdir() if p.suffix != ".py"}
        x_extra, y_extra = load_feedback(Path(args.extra_data), test_pictures=examples)
        x_train = np.concatenate([x_train, as_input(x_extra)])
        y_train = np.concatenate([y_train, y_extra.astype("int32")])
        print(f"extra data: {len(y_extra)} corrections from {args.extra_data}")
    train_size = len(x_train)
    x_train, y_train = np.concatenate([x_train, x_scans]), np.concatenate([y_train, y_scans])
    if args.european:  # flagged 1s and crossed 7s, as much of Europe writes them
        x_forms, y_forms = european_forms(
            data["x_train"][:-n_val], data["y_train"][:-n_val], args.european, args.seed + 2
        )
        x_train, y_train = np.concatenate([x_train, x_forms]), np.concatenate([y_train, y_forms])
        print(f"european forms: {len(y_forms)} flagged 1s and crossed 7s")
    if not args.teacher:  # the "is it a digit?" head learnt with the digits (see with_check)
        x_train, y_train = with_check(
            x_train,
            y_train,
            data["x_train"][:-n_val],
            data["y_train"][:-n_val].astype("int32"),
            args.seed,
            args.touching_pairs,
        )
    print(
        f"data: {args.data}  train {train_size} (+{len(x_train) - train_size} generated)  "
        f"validation {len(x_val)}  test {len(data['x_test'])}  "
        f"backend {keras.backend.backend()}"
    )

    steps = -(-len(x_train) // args.batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(
        1e-4,
        decay_steps=steps * max(1, args.epochs - 1),
        alpha=0.01,
        warmup_target=args.learning_rate,
        warmup_steps=steps,
    )
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
        print(
            f"teacher: {args.teacher}, {teacher_name}, on the same distorted digits as the student"
        )
        y_train, y_val = np.eye(NUM_CLASSES)[y_train], np.eye(NUM_CLASSES)[y_val]
        trainer = with_augmentation(logits_model(network), args.seed, logits_model(teacher))
        loss, metric = distillation_loss, accuracy
    else:
        y_val = {"probabilities": y_val, "is_digit": np.ones(len(y_val), "float32")}
        trainer = with_augmentation(network, args.seed)
        loss = {
            "probabilities": keras.losses.SparseCategoricalCrossentropy(ignore_class=-1),
            "is_digit": "binary_crossentropy",
        }
        metric = {"probabilities": "accuracy", "is_digit": "accuracy"}
    trainer.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=loss,
        metrics=metric if isinstance(metric, dict) else [metric],
    )

    run = RUNS / f"seed-{args.seed}"
    if not args.resume and run.exists():
        shutil.rmtree(run)
    run.mkdir(parents=True, exist_ok=True)
    callbacks = [
        # Saves weights, optimizer and epoch after every epoch; `--resume` continues from there.
        keras.callbacks.BackupAndRestore(str(run / "checkpoints"), delete_checkpoint=False),
        keras.callbacks.CSVLogger(str(run / "history.csv"), append=args.resume),
    ]
    trainer.fit(
        x_train,
        y_train,
        batch_size=args.batch_size,
        epochs=args.epochs,
        shuffle=True,
        validation_data=(x_val, y_val),
        callbacks=callbacks,
        verbose=2,
    )
    network.save(run / "network.keras")
    report = {
        "seed": args.seed,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "validation_accuracy": digit_accuracy(network, x_val, data["y_train"][-n_val:]),
        "validation_scan_accuracy": digit_accuracy(network, x_val_scans, y_val_scans),
        "learning_rate": args.learning_rate,
        "european": args.european,
        "touching_pairs": args.touching_pairs,
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


def digit_accuracy(network: keras.Model, x: np.ndarray, y: np.ndarray) -> float:
    proba = network.predict(x, batch_size=500, verbose=0)
    proba = proba["probabilities"] if isinstance(proba, dict) else proba
    return round(float((proba.argmax(1) == y).mean()), 5)
