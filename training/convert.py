"""The served network for the browser: a TF.js graph model made from the same weights, checked
against Keras on the TF.js WebAssembly backend the page uses.

    python train.py convert [--out model] [--data ylecun/mnist]   # after finish

Three steps: Keras exports a SavedModel here (this environment's TensorFlow); the `tensorflowjs`
converter turns it into model.json + weights in its own environment, because it needs older
TensorFlow, NumPy and protobuf (`python3.11 -m venv .venv-convert && .venv-convert/bin/pip
install --no-deps -r training/requirements-convert.txt`, a full lock; or TFJS_CONVERTER names
its executable); node runs the result (studio/browser/check-model.mjs, after `npm ci` there) on
validation digits, and the largest difference from Keras goes into metrics.json.
"""

import hashlib
import json
import os
import subprocess
import tempfile
from pathlib import Path

import keras
import numpy as np

from training.data import as_input, load_mnist, validation_size

ROOT = Path(__file__).resolve().parent.parent
BROWSER = ROOT / "studio" / "browser"
CONVERTER = os.environ.get(
    "TFJS_CONVERTER", str(ROOT / ".venv-convert" / "bin" / "tensorflowjs_converter")
)
# Weights as float16: 1.2 MB instead of 2.4, answers within 0.0025 of Keras on the 6,000
# validation digits; 8-bit weights (0.6 MB) moved them by up to 0.15 and turned 3 verdicts
# (docs/in-browser.md, "Weights").
QUANTISE = "--quantize_float16"
CHECKED = 6000  # the validation digits (the last 6,000 of MNIST's training split)


def export_saved_model(model: keras.Model, folder: Path) -> None:
    model.export(str(folder), format="tf_saved_model", verbose=False)


def tfjs_convert(saved: Path, out: Path, quantise: str = QUANTISE) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for old in out.iterdir():
        old.unlink()
    subprocess.run(
        [
            CONVERTER,
            "--input_format=tf_saved_model",
            "--output_format=tfjs_graph_model",
            str(saved),
            str(out),
            quantise,
        ],
        check=True,
        capture_output=True,
    )


def browser_outputs(web: Path, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, 10) probabilities and (N,) digit scores from the browser model, run by node."""
    with tempfile.TemporaryDirectory() as tmp:
        given, answers = Path(tmp) / "inputs.f32", Path(tmp) / "outputs.json"
        inputs.astype("<f4").tofile(given)
        subprocess.run(
            ["node", "check-model.mjs", str(web.resolve()), str(given), str(answers)],
            cwd=BROWSER,
            check=True,
            capture_output=True,
        )
        outputs = json.loads(answers.read_text())
    return (
        np.array([o["probabilities"] for o in outputs], np.float32),
        np.array([o["score"] for o in outputs], np.float32),
    )


def compare(model: keras.Model, web: Path, inputs: np.ndarray) -> dict[str, float]:
    """How far the browser model's answers are from Keras's on the same 28x28 inputs."""
    scores, probabilities = keras_outputs(model, inputs)
    web_probabilities, web_scores = browser_outputs(web, inputs)
    return {
        "browser_vs_keras_max_abs_diff": float(
            max(np.abs(web_probabilities - probabilities).max(), np.abs(web_scores - scores).max())
        ),
        "browser_same_digit": float(
            np.mean(web_probabilities.argmax(1) == probabilities.argmax(1))
        ),
        "browser_same_verdict": float(np.mean((web_scores >= 0.5) == (scores >= 0.5))),
        "browser_checked_on": len(inputs),
    }


def keras_outputs(model: keras.Model, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N,) digit scores and (N, 10) probabilities."""
    outputs = model.predict(inputs[..., None], batch_size=512, verbose=0)
    return outputs["is_digit"][:, 0], outputs["probabilities"]


def validation_digits(source: str) -> np.ndarray:
    """The validation digits (never the test split), loaded as training loads them."""
    x = load_mnist(source)["x_train"]
    return as_input(x[-validation_size(len(x)) :])[..., 0]


def sha256(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.read_bytes())
    return digest.hexdigest()


def browser_model(model_path: Path, out: Path, data: str, metrics: Path) -> dict:
    """Convert, check, and record in metrics.json the check, the files' digest and which .keras
    file they were made from (a test holds the served files to it)."""
    model = keras.saving.load_model(model_path, compile=False)
    with tempfile.TemporaryDirectory() as tmp:
        export_saved_model(model, Path(tmp) / "saved")
        tfjs_convert(Path(tmp) / "saved", out)
    found = compare(model, out, validation_digits(data))
    found["browser_model_sha256"] = sha256(sorted(out.iterdir()))
    found["browser_model_from_keras_sha256"] = sha256([model_path])
    found["browser_model_bytes"] = sum(f.stat().st_size for f in out.iterdir())
    recorded = json.loads(metrics.read_text())
    recorded.update(found)
    metrics.write_text(json.dumps(recorded, indent=2) + "\n")
    return found
