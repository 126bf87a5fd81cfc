"""The explanation map: integrated gradients that sit on the ink and that point at what matters."""

import cv2
import numpy as np

from digit_core import predict_proba
from digit_core.explain import explain
from digit_core.model import logits_model
from digit_core.pictures import attribution_picture
from digit_core.predict import default_model
from training.drawings import mnist_fixture

DIGITS, LABELS = mnist_fixture()
X = DIGITS[:60].astype(np.float32) / 255
PREDICTED = predict_proba(X).argmax(1)


def test_positive_attribution_falls_on_or_next_to_ink():
    shares = []
    for x, digit in zip(X, PREDICTED):
        positive = explain(x, digit).clip(0)
        near_ink = cv2.dilate((x > 0.1).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        shares.append(positive[near_ink].sum() / positive.sum())
    assert np.mean(shares) >= 0.7 and np.percentile(shares, 5) >= 0.7, np.round(shares, 2)


def test_attributions_add_up_to_the_change_in_the_digit_score():
    """Completeness: the shares sum to logit(input) - logit(black), up to the path's 32 steps."""
    model = default_model().keras_model
    logits = logits_model(model)
    errors = []
    for x, digit in zip(X[:20], PREDICTED[:20]):
        logit = logits.predict(np.stack([x, np.zeros_like(x)])[..., None], verbose=0)[:, digit]
        errors.append(
            abs(explain(x, digit).sum() - (logit[0] - logit[1])) / abs(logit[0] - logit[1])
        )
    assert np.median(errors) <= 0.3, np.round(errors, 2)


def test_removing_the_most_credited_ink_hurts_more_than_removing_random_ink():
    rng = np.random.default_rng(0)
    drop_top, drop_random = [], []
    for x, digit in zip(X, PREDICTED):
        attribution, ink = explain(x, digit), np.flatnonzero(x.ravel() > 0.1)
        top = np.argsort(attribution.ravel())[-15:]
        for chosen, drops in ((top, drop_top), (rng.choice(ink, 15, replace=False), drop_random)):
            damaged = x.copy().ravel()
            damaged[chosen] = 0
            drops.append(
                predict_proba(x[None])[0, digit]
                - predict_proba(damaged.reshape(1, 28, 28))[0, digit]
            )
    assert np.mean(drop_top) > 3 * np.mean(drop_random), (np.mean(drop_top), np.mean(drop_random))


def test_attribution_picture_is_an_rgb_image():
    picture = attribution_picture(X[0], explain(X[0], int(PREDICTED[0])))
    assert picture.shape == (168, 168, 3) and picture.dtype == np.uint8
    assert picture[X[0].repeat(6, 0).repeat(6, 1) == 0].max() == 0  # the background stays black
