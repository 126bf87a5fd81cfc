"""The CNN: one definition, used by train.py and by serving.

It grew from the seed (2xConv32 -> pool -> 2xConv64 -> pool -> Dense256 -> Dense10): batch norm
after every convolution, the max-pools replaced by learnable strided 5x5 convolutions, and the
800k-parameter Dense256 replaced by a 4x4 convolution, which keeps each network small (~1.3 MB).
train.py trains one network at a time; the served model holds `members` of them, trained from
different seeds, side by side (an ensemble: their logits are averaged), and a second head on
their joined features, "is_digit" (a letter? a scribble?: one hidden layer, then a sigmoid),
fitted with the networks frozen.
"""

import keras
from keras import layers

INPUT_SHAPE = (28, 28, 1)
NUM_CLASSES = 10
# The digit check's hidden units: on validation non-digits, 128 flagged 98.9 % where one
# logistic unit flagged 97.4 %, for 262k more parameters.
CHECK_HIDDEN = 128


def conv_bn(x, filters: int, kernel: int, strides: int = 1, padding: str = "same"):
    x = layers.Conv2D(filters, kernel, strides=strides, padding=padding, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(x)


def build_features(dropout: float, name: str) -> keras.Model:
    """One network's convolutions: 28x28x1 -> 2,048 features."""
    inputs = keras.Input(INPUT_SHAPE)
    x = conv_bn(inputs, 32, 3)
    x = conv_bn(x, 32, 3)
    x = conv_bn(x, 32, 5, strides=2)  # 28 -> 14
    x = layers.Dropout(dropout)(x)
    x = conv_bn(x, 64, 3)
    x = conv_bn(x, 64, 3)
    x = conv_bn(x, 64, 5, strides=2)  # 14 -> 7
    x = layers.Dropout(dropout)(x)
    x = conv_bn(x, 128, 4, padding="valid")  # 7 -> 4
    x = layers.Flatten()(x)
    return keras.Model(inputs, layers.Dropout(dropout)(x), name=name)


def build_model(members: int = 1, digit_check: bool = False, dropout: float = 0.4) -> keras.Model:
    """28x28x1 floats in [0, 1] (white digit on black) -> 10 softmax probabilities of the mean
    logits of `members` networks ("features_i" -> "logits_i"); with `digit_check`, a dict that
    also holds "is_digit", the sigmoid of a digit-or-not score read off all their features."""
    inputs = keras.Input(INPUT_SHAPE, name="digit")
    features = [build_features(dropout, f"features_{i}")(inputs) for i in range(members)]
    logits = [layers.Dense(NUM_CLASSES, name=f"logits_{i}")(f) for i, f in enumerate(features)]
    mean_logits = logits[0] if members == 1 else layers.Average(name="mean_logits")(logits)
    probabilities = layers.Activation("softmax", name="probabilities")(mean_logits)
    if not digit_check:
        return keras.Model(inputs, probabilities, name="digit_cnn")
    joined = features[0] if members == 1 else layers.Concatenate(name="joined")(features)
    hidden = layers.Dense(CHECK_HIDDEN, activation="relu", name="is_digit_hidden")(joined)
    is_digit = layers.Dense(1, activation="sigmoid", name="is_digit")(hidden)
    return keras.Model(
        inputs, {"probabilities": probabilities, "is_digit": is_digit}, name="digit_cnn"
    )


def logit_layers(model: keras.Model) -> list[layers.Dense]:
    """Each network's last layer ("logits_i"), in order."""
    return [layer for layer in model.layers if layer.name.startswith("logits_")]


def logits_model(model: keras.Model) -> keras.Model:
    """The model up to its softmax: the (mean) logits, the scores before the probabilities."""
    return keras.Model(model.inputs, model.get_layer("probabilities").input)
