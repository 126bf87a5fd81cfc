"""Canvases as the Draw tab's pad makes them (280 x 280, black ink on opaque white), read by
both implementations of its preprocessing: digit_core on the server, studio/browser in Chromium.
For tests/test_live.py and benchmarks/live.py."""

import base64
from pathlib import Path

import cv2
import numpy as np

import digit_core
from training.drawings import black_on_white, ink_strokes

PAD = 280
PEN = 14  # the Draw tab's pen (app.py)
# MNIST training digits (a seeded sample of the first 54,000: validation and test untouched).
TRAINING_DIGITS = Path(__file__).parent / "fixtures" / "mnist_train_520.npz"


def mnist_canvases(count: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Training digits redrawn by training.drawings at 10-90 % of the pad, anywhere on it, pens
    from very thin to very thick: RGB uint8."""
    with np.load(TRAINING_DIGITS) as f:
        digits = f["x"]
    return [
        black_on_white(
            ink_strokes(
                digits[i % len(digits)],
                PAD,
                height=rng.uniform(0.1, 0.9),
                offset=tuple(rng.uniform(0, 1, 2)),
                stroke=float(np.exp(rng.uniform(np.log(0.35), np.log(3.5)))),
            )
        )
        for i in range(count)
    ]


def scribbles(count: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Marks drawn with the pad's round pen: one or two strokes of 2-6 points, or a dot."""
    canvases = []
    for _ in range(count):
        canvas = np.full((PAD, PAD, 3), 255, np.uint8)
        kind = rng.integers(3)
        for _ in range(1 if kind < 2 else 2):
            points = rng.uniform(20, PAD - 20, (1 if kind == 0 else rng.integers(2, 7), 2))
            cv2.polylines(
                canvas,
                [np.round(points * 16).astype(np.int32)],
                False,
                (0, 0, 0),
                PEN,
                cv2.LINE_AA,
                shift=4,
            )
        canvases.append(canvas)
    return canvases


def server_reading(canvas: np.ndarray) -> tuple[str, bool] | None:
    """(digit, is_digit) as digit_core reads the pad's picture; None for no digit at all."""
    try:
        reading = digit_core.read_digit(canvas)
    except digit_core.NoDigitError:
        return None
    return reading.digit, reading.is_digit


READ_IN_PAGE = """async ([reader, model, pngs]) => {
  const { loadReader } = await import(reader);
  const read = await loadReader(model);
  const answers = [];
  for (const png of pngs) {
    const picture = await createImageBitmap(await (await fetch(png)).blob());
    const canvas = new OffscreenCanvas(picture.width, picture.height);
    const pen = canvas.getContext("2d");
    pen.drawImage(picture, 0, 0);
    const reading = read(pen.getImageData(0, 0, picture.width, picture.height).data,
                         picture.width, picture.height);
    const best = reading && reading.probabilities.indexOf(Math.max(...reading.probabilities));
    answers.push(reading && [String(best), reading.score >= 0.5]);
  }
  return answers;
}"""


def browser_readings(
    page, reader_url: str, model_url: str, canvases: list[np.ndarray]
) -> list[tuple[str, bool] | None]:
    """The same as server_reading, by the bundle the pad loads, in the page."""
    pngs = [
        "data:image/png;base64," + base64.b64encode(cv2.imencode(".png", c)[1]).decode()
        for c in canvases
    ]
    answers = page.evaluate(READ_IN_PAGE, [reader_url, model_url, pngs])
    return [tuple(a) if a else None for a in answers]
