"""Augmentation: random distortions that act only in training, on whatever device trains."""

import keras
from keras import layers, ops


class RandomStrokeWidth(layers.Layer):
    """Thicker or thinner pen strokes for some digits: people draw with every brush size."""

    def __init__(self, seed: int):
        super().__init__()
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, x, training=False):
        if not training:
            return x
        thicker = ops.max_pool(x, 2, 1, "same")
        thinner = 0.5 * (x - ops.max_pool(-x, 2, 1, "same"))
        pick = keras.random.uniform((ops.shape(x)[0], 1, 1, 1), seed=self.seed_generator)
        return ops.where(pick < 0.15, thicker, ops.where(pick < 0.25, thinner, x))


class Frozen(layers.Layer):
    """A model run in inference mode (no dropout, fixed batch statistics) and never trained,
    even inside a model being trained: Keras passes `training` down to nested models."""

    def __init__(self, model: keras.Model):
        super().__init__(trainable=False)
        model.trainable = False
        self.model = model

    def call(self, x):
        return self.model(x, training=False)


class RandomDistortion(layers.Layer):
    """Handwriting varies in slant, size and position: each digit gets its own random rotation
    (+-0.22 radians, 12.6 degrees), shear (+-0.15), zoom (+-12 %) and shift (+-10 % of the
    side), joined into one matrix and applied by one `ops.image.affine_transform`. (Keras'
    RandomRotation, RandomShear, RandomZoom and RandomTranslation layers, one warp each, made
    a GPU training step ~190x slower than the bare network's: benchmarks/train_step.py.)"""

    def __init__(
        self,
        seed: int,
        rotation: float = 0.22,
        shear: float = 0.15,
        zoom: float = 0.12,
        shift: float = 0.1,
    ):
        super().__init__()
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.rotation, self.shear, self.zoom, self.shift = rotation, shear, zoom, shift

    def call(self, x, training=False):
        if not training:
            return x
        size = x.shape[1]  # square digits
        u = keras.random.uniform((ops.shape(x)[0], 6), -1.0, 1.0, seed=self.seed_generator)
        cos, sin = ops.cos(u[:, 0] * self.rotation), ops.sin(u[:, 0] * self.rotation)
        shear_x, shear_y = u[:, 1] * self.shear, u[:, 2] * self.shear
        scale = 1.0 + u[:, 3] * self.zoom
        # Where each output pixel reads from: scale * rotation @ shear about the centre, shifted.
        a, b = scale * (cos - sin * shear_y), scale * (cos * shear_x - sin)
        c, d = scale * (sin + cos * shear_y), scale * (sin * shear_x + cos)
        centre = (size - 1) / 2
        shift_x = centre * (1 - a - b) + u[:, 4] * self.shift * size
        shift_y = centre * (1 - c - d) + u[:, 5] * self.shift * size
        zero = ops.zeros_like(a)
        transform = ops.stack([a, b, shift_x, c, d, shift_y, zero, zero], axis=1)
        return ops.image.affine_transform(x, transform, fill_mode="constant")


def with_augmentation(
    network: keras.Model, seed: int, teacher: keras.Model | None = None
) -> keras.Model:
    """The network behind random distortions that act only in training, on whatever device
    trains it; the ranges stay legible (a 6 never turns into a 9) and cover what the
    preprocessing leaves behind. With a `teacher`, its logits on the same distorted digit are
    put beside the network's (a consistent teacher)."""
    augment = keras.Sequential([RandomStrokeWidth(seed), RandomDistortion(seed)], name="augment")
    inputs = keras.Input(network.input_shape[1:])
    seen = augment(inputs)
    outputs = network(seen)
    if teacher is not None:
        outputs = layers.Concatenate()([outputs, Frozen(teacher)(seen)])
    return keras.Model(inputs, outputs, name="training")
