"""The costliest pictures for the number reader: GENERATED textures that are ink all over, read
by digit_core.read_number, timed, with what it answered; against a baseline revision's
digit_core in the same run (the same pictures, the same model).

    python -m benchmarks.textures [--baseline REVISION] [--runs 3]

A texture in a fine grain thresholds into one giant blob, which the reader once cut into trial
halves and sent through the single-digit steps at full size (the eighth session of
docs/numbers.md: 15 s for salt and pepper). Each time is the best of --runs readings.
"""

import argparse
import json
import time

import cv2
import numpy as np

from benchmarks.baseline import run_at_revision
from digit_core import InvalidImageError, NoDigitError, read_number


def textures() -> dict[str, np.ndarray]:
    """GENERATED pictures, 1024 px: fine textures, and a page holding a patch or band of one."""
    rng = np.random.default_rng(0)
    side = 1024
    rows, cols = np.indices((side, side))
    blurred = cv2.GaussianBlur(rng.random((side, side)).astype(np.float32), (0, 0), 6)
    pictures = {
        "salt and pepper 50 %": rng.random((side, side)) > 0.5,
        "salt and pepper 20 %": rng.random((side, side)) > 0.2,
        "checkerboard of 8 px": (rows + cols) // 8 % 2 == 1,
        "checkerboard of 32 px": (rows // 32 + cols // 32) % 2 == 1,
        "concentric rings 6 px apart": np.hypot(rows - side / 2, cols - side / 2) // 6 % 2 == 1,
        "blurred noise": blurred > 0.5,
    }
    patch = np.ones((side, side), bool)
    patch[256:768, 256:768] = rng.random((512, 512)) > 0.5
    pictures["a 512-px patch of noise on a page"] = patch
    band = np.ones((side, side), bool)
    band[200:300] = rng.random((100, side)) > 0.5
    pictures["a band of noise across a page"] = band
    return {name: (white * 255).astype(np.uint8) for name, white in pictures.items()}


def answer(picture: np.ndarray) -> str:
    try:
        number = read_number(picture)
    except (NoDigitError, InvalidImageError) as refused:
        return f"refused: {refused}"[:70]
    return f'"{number.text}"' + ("" if number.is_number else " (not a number)")


def timings(runs: int) -> dict[str, tuple[float, str]]:
    """Each picture's best time of `runs` readings (seconds), and the answer."""
    read_number(np.full((64, 64), 255, np.uint8) - np.eye(64, dtype=np.uint8) * 255)  # warm
    out = {}
    for name, picture in textures().items():
        seconds = []
        for _ in range(runs):
            start = time.perf_counter()
            said = answer(picture)
            seconds.append(time.perf_counter() - start)
        out[name] = (min(seconds), said)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", help="a git revision whose digit_core reads the same")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--answers-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    now = timings(args.runs)
    if args.answers_only:  # the baseline's child process: one line of JSON
        print(json.dumps(now))
        return
    before = (
        run_at_revision(args.baseline, "benchmarks.textures", ["--runs", str(args.runs)])
        if args.baseline
        else None
    )
    head = f"| {'picture (GENERATED, 1024x1024)':36} | {'now s':>6} | {'answer now':70} |"
    rule = f"|{'-' * 38}|{'-' * 8}|{'-' * 72}|"
    if before:
        head += f" {'before s':>8} | answer before ({args.baseline})"
        rule += f"{'-' * 10}|---|"
    print(head + "\n" + rule)
    for name, (seconds, said) in now.items():
        row = f"| {name:36} | {seconds:6.2f} | {said:70} |"
        if before:
            then, said_then = before[name]  # type: ignore[index]
            row += f" {then:8.2f} | {said_then} |"
        print(row)


if __name__ == "__main__":
    main()
