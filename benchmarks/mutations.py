"""Real pictures mutated the way files arrive in the wild, read by read_digit and read_number:
crashes per kind of mutation (anything but the core's typed errors; must be 0) and how stable
the answers are, against today's main in the same run.

    python -m benchmarks.mutations [--per-kind 26] [--baseline main] [--seed 0]

The pictures are the real development sets beside the repository (`../shared/data/real-dev`,
one digit each, and `real-numbers-dev`, whole numbers), for measuring only. Each kind below
mutates a picture drawn at random (seeded); the same mutated files go to both readers, and to
the baseline: the `--baseline` git revision's digit_core, run in a child process with the same
model, so the two columns are the same pictures.
"""

import argparse
import io
import json
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks.baseline import run_at_revision

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
# Every mode Pillow converts to from RGB/RGBA; the formats that can hold it, tried in order.
MODES = {
    "1": ("PNG", "BMP", "TIFF"),
    "L": ("PNG", "JPEG", "GIF"),
    "P": ("PNG", "GIF", "BMP"),
    "LA": ("PNG", "TIFF"),
    "PA": ("PNG",),
    "I": ("TIFF",),
    "I;16": ("PNG", "TIFF"),
    "F": ("TIFF",),
    "CMYK": ("JPEG", "TIFF"),
    "YCbCr": ("JPEG", "TIFF"),
    "LAB": ("TIFF",),
    "HSV": (),
    "RGBX": (),
    "RGBa": (),
    "La": (),
    "RGB": ("WEBP", "BMP"),
    "RGBA": ("WEBP", "TIFF"),
}


def real_files(folders: tuple[str, ...] = ("real-dev", "real-numbers-dev")) -> list[Path]:
    """The pictures in these folders of the real development sets (sub-folders included)."""
    return sorted(
        p
        for folder in folders
        for p in (DATA / folder).rglob("*")
        if p.suffix.lower() in (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
    )


def label(path: Path) -> str:
    """The digits a real picture shows: its name up to the first '-'."""
    return path.name.split("-")[0]


def encode(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def rgba(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGBA")).copy()


def with_alpha(image: Image.Image, alpha: np.ndarray) -> bytes:
    pixels = rgba(image)
    pixels[..., 3] = np.clip(alpha, 0, 255).astype(np.uint8)
    return encode(Image.fromarray(pixels))


def uniform_alpha(image: Image.Image, rng: np.random.Generator) -> bytes:
    """The whole picture partly transparent (a canvas export whose background alpha is 159)."""
    return with_alpha(image, np.full(image.size[::-1], int(rng.integers(1, 255))))


def alpha_gradient(image: Image.Image, rng: np.random.Generator) -> bytes:
    """Transparency fading across the picture in any direction."""
    height, width = image.size[::-1]
    ys, xs = np.mgrid[0:height, 0:width]
    angle = rng.uniform(0, 2 * np.pi)
    ramp = np.cos(angle) * xs / width + np.sin(angle) * ys / height
    ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
    low, high = sorted(rng.integers(0, 256, 2))
    return with_alpha(image, low + (high - low) * ramp)


def alpha_holes(image: Image.Image, rng: np.random.Generator) -> bytes:
    """Opaque with transparent holes, whose hidden colour is anything (often black)."""
    pixels = rgba(image)
    height, width = pixels.shape[:2]
    pixels[..., 3] = 255
    for _ in range(int(rng.integers(1, 5))):
        top, left = int(rng.integers(0, height)), int(rng.integers(0, width))
        bottom = top + int(rng.integers(1, max(2, height // 2)))
        right = left + int(rng.integers(1, max(2, width // 2)))
        pixels[top:bottom, left:right] = (*rng.integers(0, 256, 3), 0)
    return encode(Image.fromarray(pixels))


def ink_as_alpha(image: Image.Image, rng: np.random.Generator) -> bytes:
    """A drawing layer: the ink carried by alpha alone, in one colour, the rest transparent."""
    grey = np.asarray(image.convert("L")).astype(np.float32)
    dark_ink = np.median(np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])) > 127
    ink = 255 - grey if dark_ink else grey
    ink = (ink - ink.min()) * 255 / max(float(np.ptp(ink)), 1)
    pixels = np.zeros(grey.shape + (4,), np.uint8)
    pixels[..., :3] = rng.integers(0, 256, 3)
    pixels[..., 3] = ink.astype(np.uint8)
    return encode(Image.fromarray(pixels))


def in_mode(image: Image.Image, mode: str) -> bytes | Image.Image:
    """The picture converted to `mode` and saved in the first format that holds it (the image
    object itself for modes no format saves)."""
    if mode in ("I", "I;16", "F"):  # the 16-bit and float modes from a grey picture
        converted = image.convert("L").convert(mode)
    else:
        converted = image.convert("RGBA" if mode in ("PA", "La", "RGBa") else "RGB").convert(mode)
    for fmt in MODES[mode]:
        try:
            return encode(converted, fmt)
        except (OSError, ValueError, KeyError):
            continue
    return converted


def other_mode(image: Image.Image, rng: np.random.Generator) -> bytes | Image.Image:
    """Converted to another Pillow mode, as a file where a format holds it."""
    return in_mode(image, str(rng.choice(list(MODES))))


def resized(image: Image.Image, longer: int) -> Image.Image:
    scale = longer / max(image.size)
    return image.resize(
        (max(1, round(image.width * scale)), max(1, round(image.height * scale))),
        Image.Resampling.BILINEAR,
    )


def strip(image: Image.Image, rng: np.random.Generator) -> bytes:
    """A thin strip across the picture, 8-40 px thick, along either axis."""
    width, height = image.size
    thick = int(rng.integers(8, 41))
    if rng.random() < 0.5:
        top = int(rng.integers(0, max(1, height - thick)))
        return encode(image.crop((0, top, width, top + thick)))
    left = int(rng.integers(0, max(1, width - thick)))
    return encode(image.crop((left, 0, left + thick, height)))


def tiny(image: Image.Image, rng: np.random.Generator) -> bytes:
    return encode(resized(image, int(rng.integers(8, 33))))


def huge(image: Image.Image, rng: np.random.Generator) -> bytes:
    """Enlarged to a 2,000-6,000 px side, as a phone photo, saved as JPEG."""
    return encode(resized(image, int(rng.integers(2000, 6001))).convert("RGB"), "JPEG", quality=90)


def crop(image: Image.Image, rng: np.random.Generator) -> bytes:
    """30-100 % of each side, anywhere: a digit cut off at the edge, or a piece of paper."""
    width, height = image.size
    w, h = (max(1, int(side * rng.uniform(0.3, 1.0))) for side in (width, height))
    left, top = int(rng.integers(0, width - w + 1)), int(rng.integers(0, height - h + 1))
    return encode(image.crop((left, top, left + w, top + h)))


def damage(data: bytes, rng: np.random.Generator) -> bytes:
    """Truncated, or a few bytes past the header overwritten."""
    if rng.random() < 0.4:
        return data[: int(len(data) * rng.uniform(0.2, 0.99))]
    damaged = bytearray(data)
    for _ in range(int(rng.integers(1, 9))):
        damaged[int(rng.integers(min(64, len(data) - 1), len(data)))] = int(rng.integers(256))
    return bytes(damaged)


def jpeg_damage(image: Image.Image, rng: np.random.Generator) -> bytes:
    return damage(encode(image.convert("RGB"), "JPEG", quality=int(rng.integers(5, 70))), rng)


def png_damage(image: Image.Image, rng: np.random.Generator) -> bytes:
    return damage(encode(image), rng)


def border(image: Image.Image, rng: np.random.Generator) -> bytes:
    """A margin of one colour (a scanner's black edge, a mat) on some sides, 1-30 % wide."""
    pixels = np.asarray(image.convert("RGB"))
    height, width = pixels.shape[:2]
    widths = [
        int(rng.integers(0, 2)) * int(rng.uniform(0.01, 0.3) * side)
        for side in (height, height, width, width)
    ]
    colour = [(0, 0, 0), (255, 255, 255), tuple(int(c) for c in rng.integers(0, 256, 3))][
        int(rng.integers(3))
    ]
    padded = np.stack(
        [
            np.pad(pixels[..., c], (widths[:2], widths[2:]), constant_values=colour[c])
            for c in range(3)
        ],
        axis=-1,
    )
    return encode(Image.fromarray(padded))


KINDS: dict[str, Callable[[Image.Image, np.random.Generator], bytes | Image.Image]] = {
    f.__name__: f
    for f in (
        uniform_alpha,
        alpha_gradient,
        alpha_holes,
        ink_as_alpha,
        other_mode,
        strip,
        tiny,
        huge,
        crop,
        jpeg_damage,
        png_damage,
        border,
    )
}


def mutations(per_kind: int, seed: int) -> list[tuple[str, Path, bytes | Image.Image]]:
    """(kind, original file, mutated picture), per_kind of each kind, seeded."""
    files = real_files()
    out = []
    for k, (kind, mutate) in enumerate(KINDS.items()):
        rng = np.random.default_rng([seed, k])
        for path in rng.choice(files, per_kind, replace=False):
            with Image.open(path) as image:
                image.load()
                out.append((kind, path, mutate(image, rng)))
    return out


# ----------------------------------------------------------------------------- reading


def answer(read: Callable, picture, typed: tuple) -> str:
    """The reader's answer; 'refused' for a typed error; 'CRASH <type>' for anything else."""
    try:
        reading = read(picture)
    except typed:
        return "refused"
    except Exception as error:  # what this benchmark counts
        traceback.print_exc(limit=-2)
        return f"CRASH {type(error).__name__}"
    return getattr(reading, "text", None) or reading.digit


def read_all(pictures: list) -> list[tuple[str, str]]:
    """(read_digit's answer, read_number's answer) for each picture."""
    from digit_core import InvalidImageError, NoDigitError, read_digit, read_number

    typed = (InvalidImageError, NoDigitError)
    return [(answer(read_digit, p, typed), answer(read_number, p, typed)) for p in pictures]


def read_cases(cases: list) -> tuple[list, dict[str, tuple[str, str]]]:
    """The readers' answers on each mutated picture, and on each original (by file name)."""
    paths = sorted({path for _, path, _ in cases})
    answers = read_all([picture for _, _, picture in cases] + [p.read_bytes() for p in paths])
    return answers[: len(cases)], {p.name: a for p, a in zip(paths, answers[len(cases) :])}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-kind", type=int, default=26)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--baseline", default="main", help="git revision to compare with")
    parser.add_argument("--answers-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    cases = mutations(args.per_kind, args.seed)
    if args.answers_only:  # the baseline's child process: answers as JSON on the last line
        print(json.dumps(read_cases(cases)))
        return
    start = time.time()
    now = read_cases(cases)
    seconds = time.time() - start
    options = ["--per-kind", str(args.per_kind), "--seed", str(args.seed)]
    before = (
        run_at_revision(args.baseline, "benchmarks.mutations", options) if args.baseline else None
    )
    print(
        f"{len(cases)} mutations of {len(now[1])} real pictures (seed {args.seed}); "
        f"{seconds:.0f} s to read them and the originals"
    )
    print(
        "crashes: any exception but InvalidImageError/NoDigitError (digit reader + number "
        "reader); refused: a typed error; same: the answer that reader gave the unmutated picture "
        "(a refusal or crash never counts as the same)"
    )
    head = f"{'kind':15} {'n':>4} {'crashes':>8} {'refused':>8} {'same':>7}"
    print(head + (f"   {head[20:]}  (baseline: {args.baseline})" if before else ""))
    rows = {kind: [i for i, (k, _, _) in enumerate(cases) if k == kind] for kind in KINDS}
    rows["all"] = list(range(len(cases)))
    for kind, index in rows.items():
        line = f"{kind:15} {len(index):4d} " + summary(index, cases, *now)
        if before:
            line += "   " + summary(index, cases, *before)
        print(line)


def summary(index: list[int], cases: list, answers: list, unmutated: dict) -> str:
    """Crashes and refusals over both readers; same: the one reader that fits the picture
    (digits for real-dev, numbers for real-numbers-dev) giving the answer it gave the unmutated
    picture (a refusal or a crash is never the same answer)."""
    crashes = sum(a.startswith("CRASH") for i in index for a in answers[i])
    refused = sum(a == "refused" for i in index for a in answers[i])
    fits = [int(len(label(cases[i][1])) > 1) for i in index]
    same = np.mean(
        [
            answers[i][f] == unmutated[cases[i][1].name][f] != "refused"
            and not answers[i][f].startswith("CRASH")
            for i, f in zip(index, fits)
        ]
    )
    return f"{crashes:8d} {refused:8d} {same:7.1%}"


if __name__ == "__main__":
    main()
