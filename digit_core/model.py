"""The CNN: one definition, used by train.py and by serving.

It grew from the seed (2xConv32 -> pool -> 2xConv64 -> pool -> Dense256 -> Dense10): batch norm
after every convolution, the max-pools replaced by learnable strided 5x5 convolutions, and the
800k-parameter Dense256 replaced by a 4x4 convolution, which keeps the file small (~1.3 MB).
The served model has a second head on the same features, "is_digit" (a letter? a scribble?),
fitted by train.py after the classifier, with the classifier frozen.
"""

import keras
from keras import layers

INPUT_SHAPE = (28, 28, 1)
NUM_CLASSES = 10


def conv_bn(x, filters: int, kernel: int, strides: int = 1, padding: str = "same"):
    x = layers.Conv2D(filters, kernel, strides=strides, padding=padding, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(x)


def build_model(dropout: float = 0.4, digit_check: bool = False) -> keras.Model:
    """28x28x1 floats in [0, 1] (white digit on black) -> 10 softmax probabilities; with
    `digit_check`, a dict that also holds "is_digit", the sigmoid of a digit-or-not score."""
    inputs = keras.Input(INPUT_SHAPE, name="digit")
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
    x = layers.Dropout(dropout)(x)
    probabilities = layers.Dense(NUM_CLASSES, activation="softmax", name="probabilities")(x)
    if not digit_check:
        return keras.Model(inputs, probabilities, name="digit_cnn")
    is_digit = layers.Dense(1, activation="sigmoid", name="is_digit")(x)
    return keras.Model(inputs, {"probabilities": probabilities, "is_digit": is_digit},
                       name="digit_cnn")
