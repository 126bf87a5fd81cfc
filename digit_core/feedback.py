"""Corrections people send when a prediction is wrong: a folder of small pictures plus one JSON
line each.

Nothing is written unless someone presses Send. Each picture is stored once, the original shrunk
to ORIGINAL_SIDE, and the folder never grows past MAX_FOLDER_BYTES. With HF_TOKEN and
FEEDBACK_DATASET set, a huggingface_hub CommitScheduler pushes the folder to that dataset repo in
batches. `train.py --extra-data FOLDER` folds the corrections back into training (`load_feedback`).
"""

import hashlib
import json
import os
import threading
import time
import uuid
from collections.abc import Collection
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from digit_core.decode import ImageInput, as_float, to_array
from digit_core.pictures import to_uint8

LOG = "feedback.jsonl"
REVIEWS = "reviews.jsonl"  # a person's accept/reject of each correction (training/review.py)
IMAGES = "images"
UPLOAD_MINUTES = 5  # how often the scheduler commits new corrections
ORIGINAL_SIDE = 512  # enough to see what was drawn; tens of KB as WebP
MAX_FOLDER_BYTES = 200_000_000  # thousands of corrections; beyond it Send is refused politely
# Two 28x28 inputs (0-1) closer than this mean absolute difference show one picture: the 12
# examples re-saved as PNG, JPEG (quality 30-95) or WebP, or resized 0.7-1.5x, came within
# 0.0042 of their own input; the nearest of 300 other MNIST digits was 0.0108 away.
SAME_INPUT = 0.006
_local_lock = threading.Lock()


class FeedbackRefused(ValueError):
    """A correction we will not store, with a message for the person who sent it."""


def file_sha256(source: ImageInput) -> str:
    """The fingerprint of what was sent: the file's bytes, or the array's."""
    if isinstance(source, (str, os.PathLike)):
        return hashlib.sha256(Path(source).read_bytes()).hexdigest()
    if isinstance(source, (bytes, bytearray)):
        return hashlib.sha256(source).hexdigest()
    return hashlib.sha256(to_array(source).tobytes()).hexdigest()


def start_hub_upload(folder: Path, repo_id: str | None = None, token: str | None = None):
    """A CommitScheduler for FEEDBACK_DATASET with HF_TOKEN, or None when they are not set."""
    repo_id = repo_id or os.environ.get("FEEDBACK_DATASET")
    token = token or os.environ.get("HF_TOKEN")
    if not (repo_id and token):
        return None
    from huggingface_hub import CommitScheduler

    folder.mkdir(parents=True, exist_ok=True)
    return CommitScheduler(
        repo_id=repo_id,
        repo_type="dataset",
        folder_path=folder,
        path_in_repo="data",
        every=UPLOAD_MINUTES,
        token=token,
        private=True,
    )


def save_feedback(
    folder: Path,
    model_input: np.ndarray,
    original: ImageInput,
    probabilities: dict[str, float],
    correction: int,
    is_digit: bool = True,
    lock: AbstractContextManager | None = None,
    test_inputs: Collection[np.ndarray] = (),
    max_bytes: int = MAX_FOLDER_BYTES,
) -> dict:
    """Store one correction; `lock` is the scheduler's, so a push never sees half a record.
    `test_inputs`: the 28x28 inputs of pictures made from MNIST test digits (the bundled
    examples), whose corrections must never reach training, however the file was re-saved.
    Raises FeedbackRefused for a picture already stored, a test picture or a full folder."""
    if not (isinstance(correction, (int, np.integer)) and 0 <= correction <= 9):
        raise ValueError(f"The right digit must be one of 0-9, not {correction!r}.")
    if model_input.shape != (28, 28):
        raise ValueError(f"Expected the 28x28 model input, got {model_input.shape}.")
    if any(same_input(model_input, test_input) for test_input in test_inputs):
        raise FeedbackRefused(
            "This is one of our examples, made from the digits the model is "
            "tested on: corrections on it can't be used."
        )
    model_input = to_uint8(model_input)
    key = uuid.uuid4().hex
    predicted = max(probabilities, key=probabilities.__getitem__)
    record: dict[str, Any] = {
        "id": key,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "predicted": int(predicted),
        "confidence": round(probabilities[predicted], 5),
        "is_digit": bool(is_digit),
        "correction": int(correction),
        "input_sha256": hashlib.sha256(model_input.tobytes()).hexdigest(),
        "original_sha256": file_sha256(original),
        "input": f"{IMAGES}/{key}-input.png",
        "original": f"{IMAGES}/{key}-original.webp",
    }
    # Re-encoded from pixels, shrunk: no EXIF (location, camera) from an uploaded file is kept.
    small = Image.fromarray(to_uint8(as_float(to_array(original))).squeeze())
    small.thumbnail((ORIGINAL_SIDE, ORIGINAL_SIDE), Image.Resampling.LANCZOS)
    with lock or _local_lock:
        stored = read_records(folder)
        if any(r.get("input_sha256") == record["input_sha256"] for r in stored):
            raise FeedbackRefused("We already have a correction for this picture: thank you!")
        if folder_bytes(folder) > max_bytes:
            raise FeedbackRefused("Our box of corrections is full for now: thank you all the same.")
        (folder / IMAGES).mkdir(parents=True, exist_ok=True)
        Image.fromarray(model_input).save(folder / record["input"])
        small.save(folder / record["original"], "WEBP", quality=85)
        with open(folder / LOG, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
    return record


def same_input(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two 28x28 model inputs (0-1) show the same picture (see SAME_INPUT)."""
    return float(np.abs(np.asarray(a, np.float32) - np.asarray(b, np.float32)).mean()) < SAME_INPUT


def read_records(folder: Path) -> list[dict]:
    log = folder / LOG
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return [json.loads(line) for line in lines if line.strip()]


def folder_bytes(folder: Path) -> int:
    """Bytes of the files under `folder`; files vanishing meanwhile (a cache sweep) are skipped."""
    total = 0
    for root, _, names in os.walk(folder):
        for name in names:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def record_review(folder: Path, record_id: str, accepted: bool) -> None:
    """A person's decision on one correction; a later decision on the same one replaces it."""
    with open(folder / REVIEWS, "a", encoding="utf-8") as f:
        f.write(
            json.dumps(
                {
                    "id": record_id,
                    "accepted": accepted,
                    "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                }
            )
            + "\n"
        )


def reviews(folder: Path) -> dict[str, bool]:
    """Each reviewed correction's id -> whether it was accepted (the latest decision)."""
    log = folder / REVIEWS
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return {r["id"]: r["accepted"] for r in map(json.loads, filter(str.strip, lines))}


def load_feedback(
    folder: Path, test_pictures: Collection[str] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """The corrections a person accepted (training/review.py) as training data: (N, 28, 28)
    uint8 inputs and their labels; an anonymous label alone never reaches training. Left out
    too: pictures the model called "not a digit", any record of a picture in `test_pictures`
    (sha256 of files made from test digits) and repeats."""
    x, y, seen, accepted = [], [], set(), reviews(folder)
    for r in read_records(folder):
        if (
            not accepted.get(r["id"])
            or not r.get("is_digit", True)
            or r.get("original_sha256") in test_pictures
        ):
            continue
        pixels = np.asarray(Image.open(folder / r["input"]).convert("L"))
        fingerprint = hashlib.sha256(pixels.tobytes()).hexdigest()  # older records have none
        if fingerprint in seen:
            continue
        seen.add(fingerprint)
        x.append(pixels)
        y.append(r["correction"])
    return (np.stack(x) if x else np.zeros((0, 28, 28), np.uint8)), np.asarray(y, np.uint8)
