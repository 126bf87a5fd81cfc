"""Preprocessing stages as pictures people can look at (uint8, small ones enlarged)."""

from collections.abc import Sequence

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
    return [
        (enlarge(image) if max(image.shape) < 100 else to_uint8(image), name)
        for name, image in stages.items()
    ]


def attribution_picture(x: np.ndarray, attribution: np.ndarray, side: int = 168) -> np.ndarray:
    """The model's input with each ink pixel coloured by its attribution: orange argued for the
    digit, blue against it, grey hardly mattered. RGB uint8, side x side."""
    strength = attribution / max(float(np.abs(attribution).max()), 1e-9)  # -1..1
    grey = np.repeat(0.45 * x[..., None], 3, axis=2)
    towards = np.where(strength[..., None] > 0, (1.0, 0.55, 0.1), (0.2, 0.5, 1.0))
    weight = np.abs(strength)[..., None] ** 0.7  # lift the small shares into view
    return enlarge(grey * (1 - weight) + towards * weight * np.maximum(x[..., None], 0.35), side)


VIEW_SIDE = 720  # a smaller picture (a form field scanned at 320x38) is drawn this wide or tall


def boxes_picture(
    image: np.ndarray, boxes: list[tuple[int, int, int, int]], text: str, unsure: Sequence[int] = ()
) -> np.ndarray:
    """The picture (RGB uint8; transparent parts shown white, like the canvas) with each digit's
    box and reading drawn over it; the digits at the `unsure` places in amber, with a "?". A
    small picture is enlarged first and a white band is added above the digits when their
    labels would not fit there, so that no label covers a digit."""
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    elif image.shape[2] == 4:
        alpha = image[..., 3:].astype(np.float32) / 255
        image = np.round(image[..., :3] * alpha + 255 * (1 - alpha)).astype(np.uint8)
    scale = max(1.0, VIEW_SIDE / max(image.shape[:2]))
    picture = cv2.resize(image[..., :3], None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    thick = max(2, round(max(picture.shape[:2]) / 300))
    font = 0.4 * thick
    (_, label_height), _ = cv2.getTextSize("0?", cv2.FONT_HERSHEY_SIMPLEX, font, thick)
    room = label_height + 3 * thick  # a label's height above its box
    boxes = [tuple(round(v * scale) for v in box) for box in boxes]
    band = max([0] + [room - y for _, y, _, _ in boxes])
    if band:
        picture = cv2.copyMakeBorder(picture, band, 0, 0, 0, cv2.BORDER_CONSTANT, value=(255,) * 3)
    for i, ((x, y, w, h), digit) in enumerate(zip(boxes, text)):
        doubt = i in unsure
        box, label = ((245, 158, 11), (180, 83, 9)) if doubt else ((79, 70, 229), (220, 38, 38))
        y += band
        cv2.rectangle(picture, (x, y), (x + w, y + h), box, thick)
        cv2.putText(
            picture,
            digit + "?" * doubt,
            (x, y - 2 * thick),
            cv2.FONT_HERSHEY_SIMPLEX,
            font,
            label,
            thick,
            cv2.LINE_AA,
        )
    return picture
