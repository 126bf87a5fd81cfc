"""train.py end to end on a few hundred digits: every file it promises, resume, both loaders."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.test_preprocess import centre_of_mass
from training.drawings import mnist_fixture

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def tiny_npz(tmp_path_factory):
    """MNIST's Keras layout, filled with the 300 fixture digits (a smoke run, not a real one)."""
    x, y = mnist_fixture()
    path = tmp_path_factory.mktemp("data") / "tiny.npz"
    np.savez(path, x_train=x[:250], y_train=y[:250], x_test=x[250:], y_test=y[250:])
    return path


def run_train(cwd, *args):
    run = subprocess.run(
        [sys.executable, str(ROOT / "train.py"), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    return run.stdout


def train_one_epoch(cwd, data, *args):
    """train.py for one epoch of small batches on `data`, with these further arguments."""
    return run_train(cwd, "--data", data, "--epochs", 1, "--batch-size", 32, *args)


def assert_check_kept_with_only_its_cut_moved(network_file: Path, served_file: Path):
    """A network trained alone learns `is_digit` with the digits; `finish` serves that head and
    only moves its cut (the bias) so that 0.5 % of drawn validation digits are flagged."""
    import keras

    network, served = (keras.saving.load_model(f) for f in (network_file, served_file))
    for name in ("features_0", "is_digit_hidden"):
        for ours, theirs in zip(
            network.get_layer(name).get_weights(), served.get_layer(name).get_weights()
        ):
            np.testing.assert_array_equal(ours, theirs)
    (kernel, bias), (served_kernel, served_bias) = (
        network.get_layer("is_digit").get_weights(),
        served.get_layer("is_digit").get_weights(),
    )
    np.testing.assert_array_equal(kernel, served_kernel)
    assert not np.array_equal(bias, served_bias)


def test_train_writes_everything_then_resumes(tiny_npz, tmp_path):
    out = tmp_path / "model"
    run_train(tmp_path, "--data", tiny_npz, "--epochs", 1, "--out", out, "--batch-size", 32)
    for name in (
        "digit_cnn.keras",
        "digit_cnn.tflite",
        "metrics.json",
        "README.md",
        "training_curves.png",
        "confusion_matrix.png",
        "misclassified.png",
    ):
        assert (out / name).stat().st_size > 0, name
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs"] == [1] and metrics["test_size"] == 50 and metrics["train_size"] == 225
    assert metrics["data_sha256"] and metrics["parameters"] > 100_000
    assert metrics["litert_vs_keras_max_abs_diff"] <= 1e-4
    assert metrics["temperature"] > 0 and 0 <= metrics["validation_ece_after"] <= 1
    # beside the 225 digits: each as a blurry scan, drawn digits and non-digits, all generated
    assert metrics["generated_inputs"] > 225 and metrics["member_validation_scan_accuracy"][0] > 0
    assert metrics["digit_check"] == "learnt with the network"
    assert metrics["commands"] == [  # trained and finished by one command
        f"python train.py --data {tiny_npz} --epochs 1 --out {out} --batch-size 32"
    ]
    assert_check_kept_with_only_its_cut_moved(
        tmp_path / "runs/seed-1/network.keras", out / "digit_cnn.keras"
    )
    from digit_core import load_model
    from digit_core.predict import run_model

    proba, scores = run_model(mnist_fixture()[0][:5] / 255, load_model(str(out)))
    assert proba.shape == (5, 10) and scores.shape == (5,)  # both heads are served
    card = (out / "README.md").read_text()
    assert card.startswith("---\n") and "library_name: keras" in card and "{" not in card

    # --resume continues from the checkpoint of epoch 1 instead of starting over
    log = run_train(
        tmp_path, "--data", tiny_npz, "--epochs", 2, "--out", out, "--batch-size", 32, "--resume"
    )
    assert "Epoch 2/2" in log and "Epoch 1/2" not in log
    assert json.loads((out / "metrics.json").read_text())["epochs"] == [2]

    evaluation = run_train(tmp_path, "evaluate", "--data", tiny_npz, "--out", out)
    assert "test_accuracy: now" in evaluation


def test_finish_serves_the_mean_of_several_networks(tiny_npz, tmp_path):
    """Two networks joined by `finish`: the served probabilities are the softmax of the mean of
    their logits over the fitted temperature, and one look at the test split. The second goes on
    from the first (one training run fewer than two trained apart)."""
    import keras

    from digit_core import load_model, predict_proba
    from digit_core.model import logits_model

    train_one_epoch(tmp_path, tiny_npz, "--seed", 1, "--network-only")
    assert not (tmp_path / "model").exists()  # --network-only stops before the served model
    # a trained network's run goes on learning, with smaller scans (how seeds 15 and 16 were made)
    log = train_one_epoch(
        tmp_path,
        tiny_npz,
        "--seed",
        4,
        "--network-only",
        "--start-from",
        "runs/seed-1",
        "--small-scans",
        1,
    )
    assert "starting from runs/seed-1: the network of seed 1" in log
    assert json.loads((tmp_path / "runs/seed-4/network.json").read_text())["started_from"] == (
        "the network of seed 1"
    )
    # candidates are judged side by side on validation before any is finished
    table = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.candidates",
            "runs/seed-1",
            "runs/seed-4",
            "--data",
            tiny_npz,
            "--limit",
            "20",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert table.returncode == 0, table.stderr[-3000:]
    lines = table.stdout.splitlines()
    assert lines[0].split()[-2:] == ["seed-1", "seed-4"] and len(lines) == 11
    drawn = next(line for line in lines if line.startswith("drawn canvases (50)"))
    assert drawn.split(", wrong")[1].split()[1:3] == ["(0", "/"]  # the baseline against itself
    out = tmp_path / "ensemble"
    log = run_train(
        tmp_path,
        "finish",
        "--data",
        tiny_npz,
        "--out",
        out,
        "--networks",
        "runs/seed-1",
        "runs/seed-4",
        "--note",
        "two seeds, one epoch",
    )
    assert log.count("test accuracy") == 1
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["members"] == 2 and metrics["seeds"] == [1, 4]
    assert metrics["started_from"] == ["random weights", "the network of seed 1"]
    # the reading is recorded under its note, with the three commands that made the model
    assert [r["candidate"] for r in metrics["test_split_readings"]] == ["two seeds, one epoch"]
    train_1, train_4, finish = metrics["commands"]
    assert "--seed 1 " in train_1 and "--seed 4 " in train_4 and "--start-from" in train_4
    assert finish.startswith("python train.py finish ")
    assert finish.endswith("--note 'two seeds, one epoch'")
    assert metrics["digit_check"] == "fitted on the frozen features"  # one head for both

    x = mnist_fixture()[0][:20].astype(np.float32) / 255
    logits = [
        logits_model(net).predict(x[..., None], verbose=0)
        for net in (
            keras.saving.load_model(tmp_path / f"runs/seed-{s}/network.keras") for s in (1, 4)
        )
    ]
    mean = np.mean(logits, axis=0) / metrics["temperature"]
    expected = np.exp(mean) / np.exp(mean).sum(1, keepdims=True)
    np.testing.assert_allclose(predict_proba(x, load_model(str(out))), expected, atol=1e-4)


def test_distillation_loss_is_the_label_loss_when_the_student_matches_the_teacher():
    from training import calibrate, fit

    logits = np.array([[4.0, 1.0, -2.0, 0, 0, 0, 0, 0, 0, 0]], np.float32)
    hot = np.eye(10, dtype=np.float32)[[0]]
    label_loss = -np.log(calibrate.softmax(logits)[0, 0])
    same = float(fit.distillation_loss(hot, np.concatenate([logits, logits], 1))[0])
    assert same == pytest.approx((1 - fit.DISTILL_WEIGHT) * label_loss, rel=1e-4)
    other = np.concatenate([logits, logits[:, ::-1]], 1)
    assert float(fit.distillation_loss(hot, other)[0]) > same + 1


def test_distortion_is_one_random_warp_per_digit_within_its_ranges():
    """Off outside training; in training every digit gets its own warp: the shift alone moves
    it by at most 10 % of 28 px, and the whole warp keeps its ink within the zoom's range."""
    from training import augment

    x = mnist_fixture()[0][:64, ..., None].astype(np.float32) / 255
    layer = augment.RandomDistortion(seed=0)
    np.testing.assert_array_equal(layer(x, training=False), x)
    still = augment.RandomDistortion(0, rotation=0, shear=0, zoom=0, shift=0)
    np.testing.assert_allclose(still(x, training=True), x, atol=1e-5)

    shifted = np.asarray(augment.RandomDistortion(0, rotation=0, shear=0, zoom=0)(x, training=True))
    moves = np.array(
        [
            np.subtract(centre_of_mass(after[..., 0]), centre_of_mass(before[..., 0]))
            for after, before in zip(shifted, x)
        ]
    )
    assert np.abs(moves).max() <= 0.1 * 28 + 0.05 and moves.std(0).min() > 1.0

    warped = np.asarray(layer(x, training=True))
    ink = warped.sum((1, 2, 3)) / x.sum((1, 2, 3))  # zoom +-12 %: area x 0.80 ... 1.29
    assert ink.min() > 0.75 and ink.max() < 1.35 and ink.std() > 0.03
    assert np.abs(warped - x).mean((1, 2, 3)).min() > 0.005  # every digit moved


def test_the_teacher_answers_in_inference_mode_and_never_learns():
    """Keras passes training=True down to nested models: dropout in the teacher would blur
    its answers, and its batch-norm statistics would drift, unless it is frozen."""
    import keras

    from digit_core.model import build_model, logits_model
    from training import augment, fit

    teacher = logits_model(keras.saving.load_model(ROOT / "model/digit_cnn.keras"))
    x = np.random.default_rng(0).random((64, 28, 28, 1)).astype("float32")
    expected = teacher.predict(x, verbose=0)
    inputs = keras.Input((28, 28, 1))
    in_training = keras.Model(inputs, augment.Frozen(teacher)(inputs))(x, training=True)
    np.testing.assert_allclose(in_training, expected, atol=1e-5)

    trainer = augment.with_augmentation(logits_model(build_model()), 0, teacher)
    before = [w.numpy().copy() for w in teacher.weights]
    trainer.compile(optimizer="adam", loss=fit.distillation_loss, metrics=[fit.accuracy])
    trainer.fit(x, np.eye(10)[np.arange(64) % 10], epochs=1, verbose=0)
    assert all(np.array_equal(w.numpy(), b) for w, b in zip(teacher.weights, before))
    assert len(trainer.trainable_weights) == len(build_model().trainable_weights)


def test_a_student_learns_from_a_served_model(tiny_npz, tmp_path):
    log = train_one_epoch(
        tmp_path, tiny_npz, "--seed", 3, "--network-only", "--teacher", ROOT / "model"
    )
    assert "teacher: " in log and "val_accuracy" in log
    report = json.loads((tmp_path / "runs/seed-3/network.json").read_text())
    seeds = json.loads((ROOT / "model/metrics.json").read_text())["seeds"]
    assert report["teacher"] == f"the served model of seeds {', '.join(map(str, seeds))}"


def test_datasets_loader_reads_the_hub_layout(tmp_path):
    """`datasets` reads ylecun/mnist's layout (image + label, train/test); a local copy here."""
    import datasets
    from PIL import Image

    from training.data import load_mnist

    x, y = mnist_fixture()
    features = datasets.Features(
        {"image": datasets.Image(), "label": datasets.ClassLabel(names=[str(d) for d in range(10)])}
    )
    for split, rows in (("train", slice(0, 20)), ("test", slice(20, 30))):
        data = {"image": [Image.fromarray(a) for a in x[rows]], "label": y[rows].tolist()}
        datasets.Dataset.from_dict(data, features=features).to_parquet(
            tmp_path / "data" / f"{split}-00000-of-00001.parquet"
        )
    data = load_mnist(str(tmp_path))
    assert data["x_train"].shape == (20, 28, 28) and data["x_train"].dtype == np.uint8
    np.testing.assert_array_equal(data["x_test"], x[20:30])
    np.testing.assert_array_equal(data["y_train"], y[:20])


def test_accepted_corrections_from_the_app_join_the_training_split(tiny_npz, tmp_path):
    from digit_core.feedback import record_review, save_feedback

    x, y = mnist_fixture()
    for i in range(7):
        record = save_feedback(
            tmp_path / "feedback", x[i] / 255, x[i], {str(d): 0.1 for d in range(10)}, int(y[i])
        )
        if i < 5:  # two left unreviewed: they wait
            record_review(tmp_path / "feedback", record["id"], accepted=True)
    log = train_one_epoch(
        tmp_path, tiny_npz, "--out", tmp_path / "model", "--extra-data", tmp_path / "feedback"
    )
    assert "extra data: 5 corrections" in log
    assert json.loads((tmp_path / "model" / "metrics.json").read_text())["train_size"] == 225 + 5


def test_the_fitted_digit_check_is_the_same_every_run():
    """Several networks get one check fitted on their features; from the same seed, the same."""
    from digit_core.model import build_model
    from training.check import fit_digit_check

    x, _ = mnist_fixture()
    serving = build_model(members=2, digit_check=True)
    weights = []
    for _ in range(2):
        fit_digit_check(serving, x[:250], x[250:], seed=5)
        weights.append(
            [
                w.copy()
                for name in ("is_digit_hidden", "is_digit")
                for w in serving.get_layer(name).get_weights()
            ]
        )
    for first, second in zip(*weights):
        np.testing.assert_array_equal(first, second)


def added_ink(digit: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Where `continental` drew: pixels at least half lit now that were nearly dark before."""
    return (out >= 128) & (digit < 32)


def test_european_forms_add_a_flag_to_the_top_of_a_1_and_a_bar_across_a_7():
    """The digit itself is kept (its ink only grows); a 1's new ink lies left of its top, in
    its upper half, or is a foot along its bottom; a 7's is a level band around its middle, on
    both sides of the stem."""
    from training.continental import continental

    x, y = mnist_fixture()
    rng = np.random.default_rng(0)
    assert all(
        continental(x[i], int(y[i]), rng) is None for i in np.nonzero(~np.isin(y, (1, 7)))[0]
    )
    for i in np.nonzero(np.isin(y, (1, 7)))[0]:
        out = continental(x[i], int(y[i]), rng)
        if out is None:
            assert y[i] == 7
            continue
        assert out.shape == (28, 28) and out.dtype == np.uint8
        assert (out >= x[i]).all()  # the digit as it was written, under the new stroke
        new_rows, new_cols = np.nonzero(added_ink(x[i], out))
        assert new_rows.size >= 3
        rows, cols = np.nonzero(x[i] > 127)
        middle = (rows.min() + rows.max()) / 2
        if y[i] == 1:
            upper = new_rows <= middle
            assert upper.sum() >= 3, i
            assert np.median(new_cols[upper]) < cols[rows <= rows.min() + 2].mean(), i
            assert (new_rows[~upper] >= rows.max() - 3).all(), i  # a foot
        else:
            band = (rows.max() - rows.min()) * 0.3
            assert np.abs(np.median(new_rows) - middle) <= band, i
            stem = cols[np.abs(rows - np.median(new_rows)) <= 1].mean()
            assert new_cols.min() < stem < new_cols.max(), i


def test_european_forms_are_the_1s_and_7s_read_as_the_app_reads_them():
    from training.data import european_forms

    x, y = mnist_fixture()
    inputs, labels = european_forms(x, y, share=1.0, seed=3)
    assert set(labels.tolist()) == {1, 7}
    assert len(labels) >= 0.9 * np.isin(y, (1, 7)).sum()
    assert inputs.shape == (len(labels), 28, 28, 1)
    assert inputs.min() >= 0 and inputs.max() <= 1 and inputs.mean() > 0.03
    half, _ = european_forms(x, y, share=0.5, seed=3)
    assert 0.3 * len(labels) < len(half) < 0.7 * len(labels)


def test_touching_pairs_leave_no_gap_between_their_digits():
    """compose_number(touching=1) sets every neighbour against the last (their boxes overlap):
    no empty column between two digits; read as the app reads one picture, a pair fills the
    input wider than a single digit does."""
    from training.data import as_input, touching_pairs
    from training.drawings import compose_number

    x, _ = mnist_fixture()
    rng = np.random.default_rng(0)
    for _ in range(10):
        picture = compose_number(list(x[rng.choice(len(x), 2, replace=False)]), rng, touching=1)
        columns = np.nonzero((picture[..., 0] < 250).any(axis=0))[0]  # faint edges too
        assert np.ptp(columns) + 1 == len(columns)
    pairs = touching_pairs(x, 40, np.random.default_rng(1))
    assert pairs.shape == (40, 28, 28, 1) and pairs.min() >= 0 and pairs.max() <= 1

    def widths(inputs):
        return np.array([np.ptp(np.nonzero(i[..., 0] > 0.3)[1]) for i in inputs])

    assert np.median(widths(pairs)) > np.median(widths(as_input(x[:40]))) + 3


def test_composed_numbers_know_where_each_digit_lies():
    """composed_with_places draws what compose_number draws (same random numbers), and each
    digit's columns hold ink; split_choice labels pieces by them."""
    from training.drawings import compose_number, composed_with_places

    x, _ = mnist_fixture()
    digits = list(x[:4])
    picture, places = composed_with_places(digits, np.random.default_rng(5))
    assert np.array_equal(picture, compose_number(digits, np.random.default_rng(5)))
    ink = (picture[..., 0] < 128).any(axis=0)
    assert len(places) == 4 and all(a < b for a, b in places)
    assert all(ink[left:right].mean() > 0.5 for left, right in places)
    assert all(b[0] >= a[0] for a, b in zip(places, places[1:]))


def test_split_choice_labels_touching_single_and_non_digit_pieces():
    """The learnt split's examples: each piece the split looks at, its features in
    SPLIT_WEIGHTS' order, 1 for touching digits the surest split separates, 0 for one digit and
    for every piece of a row of GENERATED letters, words, scribbles, shapes and doodles; and the
    weights it prints decide as the fitted regression does, for both kinds of whole."""
    from digit_core.segment import SPLIT_WEIGHTS, passes_check, several_digits
    from training.split_choice import (
        by_check,
        fit,
        labelled_pieces,
        non_digit_pieces,
        split_weights,
    )

    x, _ = mnist_fixture()
    features, labels = labelled_pieces(x, 60, seed=3)
    others = non_digit_pieces(20, seed=4)
    assert features.shape == (len(labels), SPLIT_WEIGHTS.shape[1]) and len(others) > 5
    assert 0 < labels.sum() < len(labels)
    every = np.concatenate([features, others])
    labels = np.concatenate([labels, np.zeros(len(others), int)])
    model = fit(every, labels)
    assert (model.predict(by_check(every)) == labels).mean() > 0.9
    assert 0 < passes_check(every).sum() < len(every)  # both rows of weights are tried
    served = several_digits(every, *split_weights(model))
    assert np.array_equal(served, model.predict(by_check(every)) == 1)
