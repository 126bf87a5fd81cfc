"""Probabilities from the CNN, and whether the picture is a digit at all: one default model,
loaded once and reused."""

import threading
from dataclasses import dataclass

import numpy as np

from digit_core.decode import ImageInput
from digit_core.preprocess import preprocess_stages
from digit_core.weights import LoadedModel, load_model

CHUNK = 256  # big batches run in chunks: the interpreter's buffers grow with the batch
WRITING_ASPECT = 2.0  # wider than this times its height: a word or several marks (MNIST: <1.8)
_default: LoadedModel | None = None
_default_lock = threading.Lock()


def default_model() -> LoadedModel:
    global _default
    with _default_lock:
        if _default is None:
            _default = load_model()
        return _default


def run_model(batch: np.ndarray, model: LoadedModel | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(N, 28, 28) float32 in [0, 1], already preprocessed -> (N, 10) calibrated probabilities
    and (N,) digit scores (below 0.5: probably not a digit), from one interpreter run."""
    batch = np.asarray(batch, dtype=np.float32)
    if batch.ndim != 3 or batch.shape[1:] != (28, 28):
        raise ValueError(f"Expected a batch of shape (N, 28, 28), got {batch.shape}.")
    model = model or default_model()
    interpreter = model.interpreter
    probabilities: list[np.ndarray] = []
    scores: list[np.ndarray] = []
    with model.lock:
        for start in range(0, len(batch), CHUNK):
            chunk = batch[start : start + CHUNK, ..., None]
            (inp,) = interpreter.get_input_details()
            if tuple(inp["shape"]) != chunk.shape:  # resizing re-plans: only when it changes
                interpreter.resize_tensor_input(inp["index"], chunk.shape)
                interpreter.allocate_tensors()
            interpreter.set_tensor(inp["index"], chunk)
            interpreter.invoke()
            for out in interpreter.get_output_details():  # told apart by shape: (N, 10), (N, 1)
                result = interpreter.get_tensor(out["index"])
                (probabilities if result.shape[1] == 10 else scores).append(result.copy())
    if not probabilities:
        return np.zeros((0, 10), np.float32), np.zeros(0, np.float32)
    return np.concatenate(probabilities), np.concatenate(scores)[:, 0]


def predict_proba(batch: np.ndarray, model: LoadedModel | None = None) -> np.ndarray:
    """(N, 28, 28) float32 in [0, 1], already preprocessed -> (N, 10) probabilities."""
    return run_model(batch, model)[0]


@dataclass(frozen=True)
class DigitReading:
    probabilities: dict[str, float]  # "0".."9", summing to 1
    is_digit: bool  # False: a letter, doodle, shape or writing rather than one digit
    reason: str  # why it is not a digit, for the person who drew it ("" when it is one)
    digit_score: float  # the check's sigmoid; 0.5 is the cut
    stages: dict[str, np.ndarray]  # every preprocessing picture, the model's input last

    @property
    def digit(self) -> str:
        """The most probable digit, "0".."9"."""
        return max(self.probabilities, key=self.probabilities.__getitem__)


def read_digit(image: ImageInput, model: LoadedModel | None = None) -> DigitReading:
    """Any picture -> the probabilities, the digit check and the stages that led to them."""
    return read_preprocessed([preprocess_stages(image)], model)[0]


def read_preprocessed(
    stages: list[dict[str, np.ndarray]], model: LoadedModel | None = None
) -> list[DigitReading]:
    """Several pictures' preprocessing stages -> their readings, from one interpreter run (the
    bulk reader's batches). Each needs only its "crop" and "centred 28x28" stages."""
    if not stages:
        return []
    probabilities, scores = run_model(np.stack([s["centred 28x28"] for s in stages]), model)
    return [reading(p, float(score), s) for p, score, s in zip(probabilities, scores, stages)]


def reading(probabilities: np.ndarray, score: float, stages: dict[str, np.ndarray]) -> DigitReading:
    proba = probabilities.astype(np.float64) / probabilities.sum()
    is_digit = score >= 0.5
    height, width = stages["crop"].shape
    reason = (
        ""
        if is_digit
        else "This looks like writing or several marks: draw a single digit."
        if width > WRITING_ASPECT * height
        else "This doesn't look like a digit 0-9 (a letter, a doodle or a shape?)."
    )
    return DigitReading(
        {str(d): float(p) for d, p in enumerate(proba)}, is_digit, reason, score, stages
    )


def predict(image: ImageInput, model: LoadedModel | None = None) -> dict[str, float]:
    """Any picture of one digit -> {"0": p0, ..., "9": p9}, summing to 1."""
    return read_digit(image, model).probabilities
