"""Preprocessing stages as pictures people can look at (uint8, small ones enlarged)."""

import cv2
import numpy as np


def to_uint8(image: np.ndarray) -> np.ndarray:
    return np.round(np.clip(image.astype(np.float32), 0, 1) * 255).astype(np.uint8)


def enlarge(image: np.ndarray, side: int = 168) -> np.ndarray:
    """Nearest-neighbour upscaling, so each of the model's 28x28 pixels shows as a square."""
    factor = max(1, side // max(image.shape))
    return cv2.resize(to_uint8(image), None, fx=factor, fy=factor, interpolation=cv2.INTER_NEAREST)


def stage_pictures(stages: dict[str, np.ndarray]) -> list[tuple[np.ndarray, str]]:
    """(picture, caption) for a gallery, in pipeline order."""
    return [(enlarge(image) if max(image.shape) < 100 else to_uint8(image), name)
            for name, image in stages.items()]
