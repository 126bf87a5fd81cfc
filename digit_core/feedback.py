"""Corrections people send when a prediction is wrong: a folder of PNGs plus one JSON line each.

Nothing is written unless someone presses Send. With HF_TOKEN and FEEDBACK_DATASET set, a
huggingface_hub CommitScheduler pushes the folder to that dataset repo in batches.
`train.py --extra-data FOLDER` folds the corrections back into training (`load_feedback`).
"""

import json
import os
import threading
import time
import uuid
from contextlib import AbstractContextManager
from pathlib import Path

import numpy as np
from PIL import Image

from digit_core.decode import ImageInput, as_float, to_array
from digit_core.pictures import to_uint8

LOG = "feedback.jsonl"
IMAGES = "images"
UPLOAD_MINUTES = 5  # how often the scheduler commits new corrections
_local_lock = threading.Lock()


def start_hub_upload(folder: Path, repo_id: str | None = None, token: str | None = None):
    """A CommitScheduler for FEEDBACK_DATASET with HF_TOKEN, or None when they are not set."""
    repo_id = repo_id or os.environ.get("FEEDBACK_DATASET")
    token = token or os.environ.get("HF_TOKEN")
    if not (repo_id and token):
        return None
    from huggingface_hub import CommitScheduler

    folder.mkdir(parents=True, exist_ok=True)
    return CommitScheduler(repo_id=repo_id, repo_type="dataset", folder_path=folder,
                           path_in_repo="data", every=UPLOAD_MINUTES, token=token, private=True)


def save_feedback(folder: Path, model_input: np.ndarray, original: ImageInput,
                  probabilities: dict[str, float], correction: int,
                  lock: AbstractContextManager | None = None) -> dict:
    """Store one correction; `lock` is the scheduler's, so a push never sees half a record."""
    if not (isinstance(correction, (int, np.integer)) and 0 <= correction <= 9):
        raise ValueError(f"The right digit must be one of 0-9, not {correction!r}.")
    if model_input.shape != (28, 28):
        raise ValueError(f"Expected the 28x28 model input, got {model_input.shape}.")
    key = uuid.uuid4().hex
    predicted = max(probabilities, key=probabilities.get)
    record = {"id": key, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "predicted": int(predicted), "confidence": round(probabilities[predicted], 5),
              "correction": int(correction), "input": f"{IMAGES}/{key}-input.png",
              "original": f"{IMAGES}/{key}-original.png"}
    # Re-encoded from pixels: no EXIF (location, camera) from an uploaded file is kept.
    original_pixels = to_uint8(as_float(to_array(original))).squeeze()
    with lock or _local_lock:
        (folder / IMAGES).mkdir(parents=True, exist_ok=True)
        Image.fromarray(to_uint8(model_input)).save(folder / record["input"])
        Image.fromarray(original_pixels).save(folder / record["original"])
        with open(folder / LOG, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
    return record


def load_feedback(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """The stored corrections as training data: (N, 28, 28) uint8 inputs and their labels."""
    log = folder / LOG
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    records = [json.loads(line) for line in lines if line.strip()]
    x = [np.asarray(Image.open(folder / r["input"]).convert("L")) for r in records]
    y = [r["correction"] for r in records]
    return (np.stack(x) if x else np.zeros((0, 28, 28), np.uint8)), np.asarray(y, np.uint8)
