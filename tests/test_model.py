"""The architecture: one network, or several side by side whose mean logits make the answer."""

import keras
import numpy as np

from digit_core.model import CHECK_HIDDEN, build_model, logit_layers


def test_one_network_gives_ten_probabilities():
    model = build_model()
    proba = model.predict(np.random.default_rng(0).random((4, 28, 28, 1)), verbose=0)
    assert proba.shape == (4, 10)
    np.testing.assert_allclose(proba.sum(1), 1, atol=1e-5)
    assert 300_000 < model.count_params() < 400_000  # ~1.3 MB of float32 weights


def test_networks_side_by_side_average_their_logits_and_share_the_digit_check():
    model = build_model(members=3, digit_check=True)
    x = np.random.default_rng(1).random((4, 28, 28, 1)).astype("float32")
    out = model.predict(x, verbose=0)
    assert out["probabilities"].shape == (4, 10) and out["is_digit"].shape == (4, 1)
    logits = [
        keras.Model(model.inputs, layer.output).predict(x, verbose=0)
        for layer in logit_layers(model)
    ]
    assert len(logits) == 3
    mean = np.mean(logits, axis=0)
    expected = np.exp(mean) / np.exp(mean).sum(1, keepdims=True)
    np.testing.assert_allclose(out["probabilities"], expected, atol=1e-5)
    assert model.get_layer("is_digit_hidden").kernel.shape == (3 * 2048, CHECK_HIDDEN)  # all
    assert model.get_layer("is_digit").kernel.shape == (CHECK_HIDDEN, 1)  # networks' features
