"""The browser's model (model/web) is the one `python train.py convert` made from the served
weights: a model finished without converting again fails here. (Its answers against the
server's are tested in the browser: tests/test_live.py.)"""

import json
from pathlib import Path

from training.convert import sha256

MODEL = Path(__file__).resolve().parent.parent / "model"


def test_the_browser_model_was_made_from_the_served_keras_file():
    metrics = json.loads((MODEL / "metrics.json").read_text())
    assert metrics["browser_model_from_keras_sha256"] == sha256([MODEL / "digit_cnn.keras"])
    assert metrics["browser_model_sha256"] == sha256(sorted((MODEL / "web").iterdir()))
    assert metrics["browser_same_digit"] == 1.0 and metrics["browser_same_verdict"] == 1.0
    assert metrics["browser_vs_keras_max_abs_diff"] < 0.01
