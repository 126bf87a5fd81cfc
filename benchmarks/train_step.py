"""What augmentation costs a training step: the bare network, ours (stroke width + one
RandomDistortion warp) and Keras' four Random* layers with the same ranges, same run.

    python -m benchmarks.train_step [--steps 20]              # TensorFlow
    KERAS_BACKEND=jax python -m benchmarks.train_step         # or jax, torch: any backend

Random 28x28 inputs, batch 128, one plain (no teacher) Adam step each; prints ms per step.
"""

import argparse
import time

import keras
import numpy as np
from keras import layers

from digit_core.model import build_model
from training.augment import RandomDistortion, RandomStrokeWidth


def keras_layers(seed: int) -> list[layers.Layer]:
    """The baseline: one warp per kind of distortion, Keras' own layers (same ranges)."""
    return [
        layers.RandomRotation(0.035, fill_mode="constant", seed=seed),  # +-12.6 degrees
        layers.RandomShear(0.15, 0.15, fill_mode="constant", seed=seed),
        layers.RandomZoom(0.12, fill_mode="constant", seed=seed),
        layers.RandomTranslation(0.1, 0.1, fill_mode="constant", seed=seed),
    ]


def ms_per_step(augment: list[layers.Layer], x: np.ndarray, y: np.ndarray, batch: int) -> float:
    model = keras.Sequential([keras.Input((28, 28, 1)), *augment, build_model()])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x[: batch * 2], y[: batch * 2], batch_size=batch, epochs=1, verbose=0)  # compile
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
    return (time.perf_counter() - start) / (len(x) // batch) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    batch = 128
    rng = np.random.default_rng(0)
    x = rng.random((batch * args.steps, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, len(x))
    variants = {
        "bare network (no augmentation)": [],
        "ours: stroke width + RandomDistortion": [RandomStrokeWidth(0), RandomDistortion(0)],
        "stroke width + Keras' four Random* layers": [RandomStrokeWidth(0), *keras_layers(0)],
    }
    print(f"backend {keras.backend.backend()}, batch {batch}, {args.steps} steps each\n")
    print(f"{'augmentation':46s} {'ms/step':>8s}")
    for name, augment in variants.items():
        print(f"{name:46s} {ms_per_step(augment, x, y, batch):8.1f}", flush=True)


if __name__ == "__main__":
    main()
