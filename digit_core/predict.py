"""Probabilities from the CNN: one default model, loaded once and reused."""

import threading

import numpy as np

from digit_core.decode import ImageInput
from digit_core.preprocess import preprocess_stages
from digit_core.weights import LoadedModel, load_model

CHUNK = 256  # big batches run in chunks: the interpreter's buffers grow with the batch
_default: LoadedModel | None = None
_default_lock = threading.Lock()


def default_model() -> LoadedModel:
    global _default
    with _default_lock:
        if _default is None:
            _default = load_model()
        return _default


def predict_proba(batch: np.ndarray, model: LoadedModel | None = None) -> np.ndarray:
    """(N, 28, 28) float32 in [0, 1], already preprocessed -> (N, 10) probabilities."""
    batch = np.asarray(batch, dtype=np.float32)
    if batch.ndim != 3 or batch.shape[1:] != (28, 28):
        raise ValueError(f"Expected a batch of shape (N, 28, 28), got {batch.shape}.")
    model = model or default_model()
    interpreter = model.interpreter
    results = []
    with model.lock:
        for start in range(0, len(batch), CHUNK):
            chunk = batch[start:start + CHUNK, ..., None]
            (inp,), (out,) = interpreter.get_input_details(), interpreter.get_output_details()
            if tuple(inp["shape"]) != chunk.shape:  # resizing re-plans: only when it changes
                interpreter.resize_tensor_input(inp["index"], chunk.shape)
                interpreter.allocate_tensors()
            interpreter.set_tensor(inp["index"], chunk)
            interpreter.invoke()
            results.append(interpreter.get_tensor(out["index"]).copy())
    return np.concatenate(results) if results else np.zeros((0, 10), np.float32)


def predict_with_stages(image: ImageInput, model: LoadedModel | None = None
                        ) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """The probabilities and every preprocessing stage that led to them."""
    stages = preprocess_stages(image)
    proba = predict_proba(stages["centred 28x28"][None], model)[0].astype(np.float64)
    proba /= proba.sum()
    return {str(digit): float(p) for digit, p in enumerate(proba)}, stages


def predict(image: ImageInput, model: LoadedModel | None = None) -> dict[str, float]:
    """Any picture of one digit -> {"0": p0, ..., "9": p9}, summing to 1."""
    return predict_with_stages(image, model)[0]
