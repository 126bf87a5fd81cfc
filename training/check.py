"""The "is it a digit at all?" check: its head fitted on frozen features, and its cut."""

import keras
import numpy as np
from keras import layers

from digit_core.model import CHECK_HIDDEN
from training.data import as_input, canvas_drawings, generated_non_digits, lettered_digits, scanned

CHECK_SIZE = 12000  # digits (as they are, drawn, scanned, lettered), non-digits: a fitted check

FLAGGED_ON_VALIDATION = 0.005  # share of drawn validation digits the check may call "not a digit"


def fit_digit_check(
    serving: keras.Model, x_train: np.ndarray, x_val: np.ndarray, seed: int
) -> dict:
    """Fit the "is_digit" head on the frozen networks' features: training digits as they are,
    drawn, scanned and lettered (the digits a network's own check learns with) vs generated
    letters, scribbles, shapes, doodles, noise and text."""
    rng = np.random.default_rng(seed)
    served_hidden = serving.get_layer("is_digit_hidden")
    served_score = serving.get_layer("is_digit")
    features = keras.Model(serving.inputs, served_hidden.input)
    size = min(CHECK_SIZE, len(x_train))
    digits = x_train[rng.choice(len(x_train), size, replace=False)]
    as_they_are, to_draw, to_scan = np.split(digits[: size // 4 * 3], 3)
    # (without scans and lettered digits, on validation: 2.4 % of lettered digits flagged, not 0.2)
    x = np.concatenate(
        [
            as_input(as_they_are),
            canvas_drawings(to_draw, rng)[0],
            scanned(to_scan, np.zeros(len(to_scan), int), seed)[0],
            lettered_digits(size - 3 * len(to_scan), rng)[0],
        ]
    )
    digit_count = len(x)  # (pictures the preprocessing refuses are left out)
    x = np.concatenate([x, generated_non_digits(size, rng)[0]])
    y = (np.arange(len(x)) < digit_count).astype("float32")
    keras.utils.set_random_seed(seed)  # the head's first weights and batches: the same each run
    hidden = layers.Dense(CHECK_HIDDEN, activation="relu")
    score = layers.Dense(1)  # the digit-or-not score; the sigmoid comes with the served layer
    check = keras.Sequential([keras.Input(features.output.shape[1:]), hidden, score])
    check.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
    )
    check.fit(
        features.predict(x, batch_size=500, verbose=0),
        y,
        epochs=30,
        batch_size=128,
        verbose=0,
        class_weight={0: digit_count / (len(y) - digit_count), 1: 1.0},
    )
    served_hidden.set_weights(hidden.get_weights())
    served_score.set_weights(score.get_weights())
    return set_check_threshold(serving, x_val, seed)


def set_check_threshold(serving: keras.Model, x_val: np.ndarray, seed: int) -> dict:
    """Move the check's cut so that FLAGGED_ON_VALIDATION of drawn validation digits fall below
    it, folded into the bias so that 0.5 stays the cut."""
    rng = np.random.default_rng(seed)
    served_score = serving.get_layer("is_digit")
    hidden = keras.Model(serving.inputs, served_score.input)
    val_drawings = canvas_drawings(x_val[:3000], rng)[0]
    kernel, bias = served_score.get_weights()
    scores = hidden.predict(val_drawings, batch_size=500, verbose=0) @ kernel[:, 0] + bias[0]
    served_score.set_weights([kernel, bias - np.quantile(scores, FLAGGED_ON_VALIDATION)])
    return {"digit_check_flagged_on_validation": FLAGGED_ON_VALIDATION}
