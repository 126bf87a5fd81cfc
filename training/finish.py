"""Finish: join trained networks into the served model, calibrate it, set its digit check, save
the .keras and its LiteRT conversion, read the test split once, write metrics and the card."""

import json
import shlex
import sys
from pathlib import Path

import keras
import numpy as np

from digit_core.model import build_model
from digit_core.weights import PIN
from training.calibrate import calibrate, expected_calibration_error
from training.check import fit_digit_check, set_check_threshold
from training.data import as_input, data_sha256, validation_size
from training.report import (
    plot_confusion_and_errors,
    plot_training_curves,
    read_history,
    write_model_card,
)


def this_command() -> str:
    return shlex.join(["python", "train.py", *sys.argv[1:]])


def finish(
    runs: list[Path], data: dict[str, np.ndarray], source: str, out: Path, note: str = ""
) -> None:
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
        check = {
            "digit_check": "learnt with the network",
            **set_check_threshold(serving, data["x_train"][-n_val:], reports[0]["seed"]),
        }
    else:
        check = {
            "digit_check": "fitted on the frozen features",
            **fit_digit_check(
                serving, data["x_train"][:-n_val], data["x_train"][-n_val:], reports[0]["seed"]
            ),
        }
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
    metrics["test_split_readings"] = earlier.get("test_split_readings", []) + [
        {
            "candidate": note or f"seeds {', '.join(str(r['seed']) for r in reports)}",
            "test_accuracy": metrics["test_accuracy"],
            "test_errors": metrics["test_errors"],
        }
    ]
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
            serving.get_layer(f"{part}_{i}").set_weights(
                network.get_layer(f"{part}_0").get_weights()
            )
    learnt_check = len(runs) == 1 and "is_digit" in {layer.name for layer in network.layers}
    if learnt_check:
        for name in ("is_digit_hidden", "is_digit"):
            serving.get_layer(name).set_weights(network.get_layer(name).get_weights())
    return serving, learnt_check


def save_serving_model(serving: keras.Model, out: Path) -> None:
    serving.save(out / "digit_cnn.keras")
    serving.export(str(out / "digit_cnn.tflite"), format="litert", verbose=False)


def evaluate_on_test(out: Path, data: dict[str, np.ndarray], histories=None) -> dict:
    """The one look at the test split: accuracy of the saved files, plus the pictures."""
    from digit_core import load_model, predict_proba

    x_test, y_test = as_input(data["x_test"])[..., 0], data["y_test"]
    model = load_model(str(out))
    proba = predict_proba(x_test, model)
    keras_proba = model.keras_model.predict(x_test[..., None], batch_size=500, verbose=0)[
        "probabilities"
    ]
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
