"""GENERATED lines of digits for the learned line reader (training/line_reader.py), and the
line reader's input: the cleaned ink of a line, 32 px high.

Lines: MNIST training digits (the first 54,000 of the training split; its last 6,000 are
validation; the test split is never read) written as one number of 1-10 digits, on generated
paper (training/number_paper.py: plain, ruled, squared, form box, cheque, scan edge; photo light,
shadows, vignettes, blur, JPEG; some slanted, some with a skipping pen) or composed on a white
canvas (drawings.compose_number). Every line is GENERATED.

Input: the line's cleaned ink from digit_core.number_line.line_ink, cropped to the digits' mask,
scaled to HEIGHT pixels high (aspect kept, squeezed to WIDTH when wider), padded to WIDTH
(`line_input`); a picture is read as read_number reads it (to_array, to_grayscale, shrink to
NUMBER_SIDE, small ones enlarged, a tilted row turned level: `picture_input`).
"""

import multiprocessing
import time
from pathlib import Path

import cv2
import numpy as np

from digit_core.decode import ImageInput, to_array
from digit_core.errors import NoDigitError
from digit_core.number import MAX_DIGITS, levelled_ink, number_grey
from digit_core.number_line import line_ink
from digit_core.preprocess import quantile, to_grayscale
from training.drawings import compose_number
from training.number_paper import PAPERS, number_on_paper, validation_digits

HEIGHT, WIDTH = 32, 256  # the line's input: 32 px high, at most 256 wide (64 CTC steps)
MARGIN = 0.1  # paper kept round the digits' box, share of its height
TRAINING_DIGITS = 54000  # the training split's first 54,000: its last 6,000 are validation
KINDS = ("composed", *PAPERS)  # kinds of generated line
LENGTHS = (1, 10)  # digits per generated line, both included
SLANTED, SKIPPING = 0.3, 0.15  # shares of lines on paper written slanted, with a skipping pen
SMALLER = (0.4, 0.9)  # lines on paper photographed this much smaller (real ones are small too)
STRETCH = (0.8, 1.25)  # each epoch, lines' ink this much narrower or wider at random
THINNER, THICKER = 0.35, 0.15  # shares of lines whose pen is made a pixel thinner, thicker
CHUNK = 2500  # training lines per cached file: training may start before the last is made


def line_input(ink: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """A line's cleaned ink and the mask of its digits (number_line.line_ink) -> the line
    reader's HEIGHT x WIDTH input (float32, ink 1 on paper 0): the digits' ink only."""
    if not mask.any():
        raise NoDigitError("No digits found.")
    stroke = max(quantile(ink[mask], 0.9), 1e-6)
    ink = ink * cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8)) / stroke
    left, top, width, height = cv2.boundingRect(mask.astype(np.uint8))
    pad = int(MARGIN * height) + 1
    crop = np.pad(ink[top : top + height, left : left + width], pad)
    scaled = min(WIDTH, max(1, round(crop.shape[1] * HEIGHT / crop.shape[0])))
    line = np.zeros((HEIGHT, WIDTH), np.float32)
    line[:, :scaled] = cv2.resize(crop, (scaled, HEIGHT), interpolation=cv2.INTER_AREA)
    return np.clip(line, 0, 1)


def picture_input(image: ImageInput) -> np.ndarray:
    """Any picture -> the line reader's input, its ink found as read_number finds it (shrunk,
    a small one enlarged, a tilted row turned level)."""
    ink, mask, _ = levelled_ink(number_grey(to_array(image)))
    return line_input(ink, mask)


def generated_line(
    digits: np.ndarray, kind: str, rng: np.random.Generator, smaller: bool = True
) -> np.ndarray:
    """A GENERATED picture (RGB uint8) of these MNIST digits as one number, of this kind."""
    if kind == "composed":
        return compose_number(list(digits), rng)
    picture = number_on_paper(
        list(digits),
        rng,
        kind,
        slanted=rng.random() < SLANTED,
        skipping=rng.random() < SKIPPING,
    )
    if not smaller:
        return picture
    scale = rng.uniform(*SMALLER)
    size = (max(8, round(picture.shape[1] * scale)), max(8, round(picture.shape[0] * scale)))
    return cv2.resize(picture, size, interpolation=cv2.INTER_AREA)


def labels_of(text: str) -> np.ndarray:
    """'2026' -> [3, 1, 3, 7, -1, ...]: CTC classes, padded with -1 to MAX_DIGITS."""
    row = np.full(MAX_DIGITS, -1, np.int32)
    row[: len(text)] = [int(c) + 1 for c in text]  # class 0 is CTC's blank
    return row


def make_lines(x: np.ndarray, y: np.ndarray, count: int, seed: int) -> dict[str, np.ndarray]:
    """`count` GENERATED lines of these digits, kinds in turn: inputs as uint8, labels, kinds.
    Lines whose ink the line finder refuses are left out (the reader would refuse them too)."""
    rng = np.random.default_rng(seed)
    inputs, labels, kinds = [], [], []
    for i in range(count):
        kind = i % len(KINDS)
        index = rng.choice(len(x), int(rng.integers(LENGTHS[0], LENGTHS[1] + 1)), replace=False)
        try:
            grey = to_grayscale(generated_line(x[index], KINDS[kind], rng))
            line = line_input(*line_ink(grey))
        except NoDigitError:
            continue
        inputs.append(np.round(line * 255).astype(np.uint8))
        labels.append(labels_of("".join(str(d) for d in y[index])))
        kinds.append(kind)
    return {"x": np.stack(inputs), "y": np.stack(labels), "kind": np.array(kinds, np.int8)}


def training_digits(mnist: str, limit: int) -> tuple[np.ndarray, np.ndarray]:
    with np.load(mnist) as f:
        x, y = f["x_train"][:TRAINING_DIGITS], f["y_train"][:TRAINING_DIGITS]
    return (x[:limit], y[:limit]) if limit else (x, y)


def make_chunk(mnist: str, limit: int, work: Path, chunk: int, count: int) -> str:
    """One cached chunk of `count` training lines (seed 1000 + chunk), written whole or not at
    all."""
    cv2.setNumThreads(1)  # one process a core
    x, y = training_digits(mnist, limit)
    start = time.perf_counter()
    lines = make_lines(x, y, count, seed=1000 + chunk)
    partial = work / f"partial-{chunk:03d}.npz"
    np.savez_compressed(partial, x=lines["x"], y=lines["y"], kind=lines["kind"])
    partial.rename(work / f"lines-{chunk:03d}.npz")
    took = time.perf_counter() - start
    return f"lines-{chunk:03d}.npz: {len(lines['x'])} GENERATED lines in {took:.0f} s"


def generate(mnist: str, count: int, limit: int, work: Path, processes: int = 1) -> None:
    """The training lines, CHUNK at a time in `processes` processes, each chunk cached once (a
    rerun goes on; the same chunks whatever the number of processes)."""
    todo = [
        (mnist, limit, work, chunk, min(CHUNK, count - chunk * CHUNK))
        for chunk in range((count + CHUNK - 1) // CHUNK)
        if not (work / f"lines-{chunk:03d}.npz").exists()
    ]
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        for job in [pool.apply_async(make_chunk, args) for args in todo]:
            print(job.get(), flush=True)


def cached_lines(work: Path) -> dict[str, np.ndarray]:
    chunks = [np.load(p) for p in sorted(work.glob("lines-*.npz"))]
    return {k: np.concatenate([c[k] for c in chunks]) for k in ("x", "y", "kind")}


def validation_lines(mnist: str, count: int, work: Path) -> dict[str, np.ndarray]:
    """GENERATED lines of validation digits, for the loss to watch while training (cached)."""
    path = work / "validation-lines.npz"
    if not path.exists():
        x, y = validation_digits(mnist)
        lines = make_lines(x, y, count, seed=7)
        np.savez_compressed(path, x=lines["x"], y=lines["y"], kind=lines["kind"])
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def varied(lines: np.ndarray, seed: list[int]) -> np.ndarray:
    """Each line's ink made STRETCH wider or narrower at random (handwriting is wide or narrow)
    and, for a share of them, its pen THINNER or THICKER by a pixel (real pens are often finer
    than MNIST's): cheap, so each epoch sees new lines. Returns uint8 lines with a channel."""
    rng = np.random.default_rng(seed)
    out = np.zeros(lines.shape + (1,), np.uint8)
    pixel = np.ones((2, 2), np.uint8)
    for line, into in zip(lines, out):
        width = int(np.nonzero(line.max(axis=0))[0][-1]) + 1 if line.any() else 1
        new = int(np.clip(round(width * rng.uniform(*STRETCH)), 1, WIDTH))
        ink = cv2.resize(line[:, :width], (new, HEIGHT), interpolation=cv2.INTER_AREA)
        pen = rng.random()
        if pen < THINNER:
            ink = cv2.erode(ink, pixel)
        elif pen < THINNER + THICKER:
            ink = cv2.dilate(ink, pixel)
        into[:, :new, 0] = ink
    return out


def varied_inputs(pool, lines: np.ndarray, epoch: int, parts: int) -> np.ndarray:
    """One epoch's `varied` lines, made in `parts` slices by the pool: the model's float input.
    Each slice has its own seed, so an epoch's lines depend on the number of parts too (a run
    resumed with another --processes sees other lines)."""
    slices = [(part, [epoch, i]) for i, part in enumerate(np.array_split(lines, parts))]
    return np.concatenate(pool.starmap(varied, slices)).astype(np.float32) / 255
