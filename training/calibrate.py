"""Calibration: a temperature fitted on validation, folded into the served networks."""

import keras
import numpy as np

from digit_core.model import logit_layers, logits_model


def softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def expected_calibration_error(proba: np.ndarray, y: np.ndarray, bins: int = 15) -> float:
    """How far confidence is from accuracy, averaged over 15 confidence bins (Guo et al. 2017)."""
    confidence, right = proba.max(1), proba.argmax(1) == y
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    gaps = [
        abs(confidence[which == b].mean() - right[which == b].mean()) * (which == b).sum()
        for b in range(bins)
        if (which == b).any()
    ]
    return float(sum(gaps) / len(y))


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The T minimising validation log-loss of softmax(logits / T) (Guo et al.), by grid search."""
    grid = np.geomspace(0.25, 8, 400)
    nll = [-np.log(softmax(logits / t)[np.arange(len(y)), y] + 1e-12).mean() for t in grid]
    return float(grid[int(np.argmin(nll))])


def calibrate(serving: keras.Model, x_val: np.ndarray, y_val: np.ndarray) -> dict:
    """Validation accuracy, and a temperature fitted on validation folded into every network's
    last layer: the mean of the scaled logits is the scaled mean, so the served probabilities
    are calibrated."""
    logits = logits_model(serving).predict(x_val, batch_size=500, verbose=0)
    temperature = fit_temperature(logits, y_val)
    ece_before = expected_calibration_error(softmax(logits), y_val)
    ece_after = expected_calibration_error(softmax(logits / temperature), y_val)
    for layer in logit_layers(serving):
        layer.kernel.assign(layer.kernel / temperature)
        layer.bias.assign(layer.bias / temperature)
    print(f"temperature {temperature:.3f}: validation ECE {ece_before:.4f} -> {ece_after:.4f}")
    return {
        "validation_accuracy": round(float((logits.argmax(1) == y_val).mean()), 5),
        "temperature": round(temperature, 4),
        "validation_ece_before": round(ece_before, 5),
        "validation_ece_after": round(ece_after, 5),
    }
