"""Why did it say that? Integrated gradients over the model's 28x28 input.

Integrated gradients (Sundararajan et al. 2017) from a black image, the model's own "no ink":
each pixel's share of the change in the digit's logit (its score before the softmax) along the
straight path from black to the input. Shares sum to that change (completeness); positive ink
argued for the digit, negative ink against it. One batched forward and backward pass of STEPS
images: the served model's logit is the mean of its networks' logits, so the path's points are
dealt out to the networks in turn, and each network's integral is estimated from its share --
an ensemble costs no more than one network.
"""

import keras
import numpy as np
import tensorflow as tf

from digit_core.model import logit_layers
from digit_core.predict import default_model
from digit_core.weights import LoadedModel

STEPS = 32
_functions: dict[int, tf.types.experimental.PolymorphicFunction] = {}


def attribution_function(keras_model):
    """A compiled (28, 28) input, digit -> (28, 28) attribution, made once per model."""
    if id(keras_model) not in _functions:
        networks = [
            keras.Model(keras_model.inputs, layer.output) for layer in logit_layers(keras_model)
        ]
        points = STEPS // len(networks) * len(networks)
        alphas = tf.reshape((tf.range(points, dtype=tf.float32) + 0.5) / points, (-1, 1, 1, 1))

        @tf.function(
            input_signature=[tf.TensorSpec((28, 28), tf.float32), tf.TensorSpec((), tf.int32)]
        )
        def attribute(x, digit):
            path = alphas * x[None, :, :, None]  # midpoint rule from black to the input
            with tf.GradientTape() as tape:
                tape.watch(path)
                score = tf.add_n(
                    [
                        tf.reduce_sum(network(path[i :: len(networks)], training=False)[:, digit])
                        for i, network in enumerate(networks)
                    ]
                )
            # mean over all points = mean over networks of each network's own integral
            return x * tf.reduce_mean(tape.gradient(score, path), axis=0)[:, :, 0]

        _functions[id(keras_model)] = attribute
    return _functions[id(keras_model)]


def explain(x: np.ndarray, digit: int, model: LoadedModel | None = None) -> np.ndarray:
    """(28, 28) model input and a digit -> (28, 28) float32 attribution (signed, logit units)."""
    model = model or default_model()
    attribute = attribution_function(model.keras_model)
    return attribute(tf.constant(x, tf.float32), tf.constant(int(digit))).numpy()
