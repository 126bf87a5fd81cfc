"""Reading whole numbers: digit_core.read_number on real pictures first, then generated ones.

    python -m benchmarks.read_numbers [--numbers 500] [--paper 60] [--real DIR] [--non-digits DIR]
    DIGIT_MODEL=FOLDER python -m benchmarks.read_numbers --validation-only --numbers 600 --paper 40

1. The real dev set (`../shared/data/real-numbers-dev`, files named `<digits>-<source>-<n>.<ext>`):
   whole numbers read exactly, digits read right (digits of the truth matched in order by the
   reading, so one missed digit costs one), how the wrong ones went wrong, per source, and the
   time per picture (p50, p90).
2. GENERATED numbers of 2-6 MNIST test digits composed on a white canvas (drawings.compose_number:
   random sizes, baselines and gaps, about one gap in six lightly touching): the no-regression
   figure.
3. GENERATED numbers of 2-8 MNIST validation digits (the training split's last 6,000) on
   generated paper (training/number_paper.py), each kind of paper apart, then written with a
   skipping pen, slanted, photographed at an angle, scanned small, form fields cut from a scanned
   form, pages with printed lines laid crooked (turned up to 6 degrees, lines and all), pages
   photographed curled (printed lines bent), and written in pencil (often fainter than the
   paper's printed lines); then numbers of 1-3 digits cropped close (a margin of at most 15 % of
   their height), on plain and on ruled paper, and one digit drawn big with a thick pen on a
   square (as on a drawing pad).
With --validation-only (to choose between readers or models), only generated numbers of
validation digits: 2-6 composed on a white canvas (seeds 7 and 99), then the paper suites.
Each wrong reading is one of: a digit misread (length right), extra digits, missing digits, or
no reading at all (the reader refused the picture, or said it is not a number).
"""

import argparse
import difflib
import time
from collections import Counter
from functools import partial
from pathlib import Path

import numpy as np

from digit_core import InvalidImageError, NoDigitError, read_number
from training.drawings import black_on_white, compose_number, ink_strokes
from training.number_paper import PAPERS, form_field, number_on_paper, validation_digits

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"


def digits_matched(text: str, truth: str) -> int:
    return sum(b.size for b in difflib.SequenceMatcher(None, text, truth).get_matching_blocks())


def failure(text: str | None, truth: str) -> str:
    """How a reading went wrong ("" when it is right)."""
    if text is None:
        return "no reading (refused)"
    if text == truth:
        return ""
    if len(text) == len(truth):
        return "a digit misread"
    return "extra digits" if len(text) > len(truth) else "missing digits"


class Tally:
    """Whole numbers and digits right, and the kinds of failure."""

    def __init__(self) -> None:
        self.numbers = self.right = self.digits = self.digits_right = 0
        self.failures: Counter[str] = Counter()

    def add(self, text: str | None, truth: str) -> None:
        self.numbers += 1
        self.right += text == truth
        self.digits += len(truth)
        self.digits_right += digits_matched(text or "", truth)
        self.failures[failure(text, truth)] += 1

    def row(self, what: str) -> str:
        return (
            f"| {what:34} | {self.numbers:6d} | {self.right / self.numbers:7.1%} "
            f"| {self.digits_right / self.digits:7.1%} |"
        )


HEADER = (
    f"| {'pictures':34} | {'count':>6} | {'whole':>7} | {'digits':>7} |\n"
    f"|{'-' * 36}|{'-' * 8}|{'-' * 9}|{'-' * 9}|"
)


def reading(picture) -> str | None:
    """The number read, or None when the reader refused it or says it is not a number."""
    try:
        number = read_number(picture)
        return number.text if number.is_number else None
    except (NoDigitError, InvalidImageError):
        return None


def real_set(folder: Path) -> None:
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in {".png", ".jpg", ".jpeg"})
    everything, by_source = Tally(), {}
    seconds = []
    for path in files:
        truth, source = path.name.split("-")[:2]
        start = time.perf_counter()
        text = reading(str(path))
        seconds.append(time.perf_counter() - start)
        everything.add(text, truth)
        by_source.setdefault(source, Tally()).add(text, truth)
    print(f"## Real pictures: {folder.name}\n\n{HEADER}\n{everything.row('all')}")
    for source, tally in sorted(by_source.items(), key=lambda s: -s[1].numbers):
        print(tally.row(source[:34]))
    print("\n| failure | count |\n|---|---|")
    for kind, count in everything.failures.most_common():
        if kind:
            print(f"| {kind} | {count} |")
    p50, p90 = np.percentile(seconds, [50, 90]) * 1000
    slowest = max(seconds) * 1000
    print(
        f"\nTime per picture (decoding included): p50 {p50:.0f} ms, p90 {p90:.0f} ms, "
        f"max {slowest:.0f} ms\n"
    )


def non_numbers(folder: Path) -> None:
    """Doodles and letters people drew, each read as if it were a number: how many the reader
    catches (refused, or "not a number")."""
    print(f"## Real non-digits read as numbers: {folder.name}\n")
    print("| pictures | count | caught |\n|---|---|---|")
    everything = caught = 0
    for kind in sorted(p for p in folder.iterdir() if p.is_dir()):
        files = [p for p in kind.iterdir() if p.suffix.lower() in {".png", ".jpg", ".jpeg"}]
        kind_caught = sum(reading(str(path)) is None for path in files)
        print(f"| {kind.name} | {len(files)} | {kind_caught / len(files):.1%} |")
        everything, caught = everything + len(files), caught + kind_caught
    print(f"| all | {everything} | {caught / everything:.1%} |\n")


def composed(x: np.ndarray, y: np.ndarray, numbers: int, seed: int, which: str) -> None:
    rng = np.random.default_rng(seed)
    tally, by_length = Tally(), {}
    for _ in range(numbers):
        index = rng.choice(len(x), int(rng.integers(2, 7)), replace=False)
        truth = "".join(str(y[i]) for i in index)
        text = reading(compose_number([x[i] for i in index], rng))
        tally.add(text, truth)
        by_length.setdefault(len(truth), Tally()).add(text, truth)
    print(f"## GENERATED: MNIST {which} digits composed on a white canvas, seed {seed}\n\n{HEADER}")
    print(tally.row("all"))
    for length, t in sorted(by_length.items()):
        print(t.row(f"numbers of {length} digits"))
    print()


def filling_a_square(digits: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """One digit drawn big with a thick pen on a 512 px square, as on a drawing pad: its bars
    span most of the picture."""
    (digit,) = digits
    height, pen = rng.uniform(0.6, 0.9), rng.uniform(1, 2.5)
    return black_on_white(ink_strokes(digit, 512, height, stroke=pen))


def on_paper(mnist: Path, numbers: int) -> None:
    x, y = validation_digits(str(mnist))
    print(f"## GENERATED: MNIST validation digits on generated paper\n\n{HEADER}")
    total = Tally()

    def on(paper: str, **kind):
        return partial(number_on_paper, paper=paper, **kind)

    suites = (
        [(paper, on(paper)) for paper in PAPERS]
        + [
            ("skipping pen", on("plain", skipping=True)),
            ("slanted", on("plain", slanted=True)),
            ("tilted (photographed at an angle)", on("plain", tilted=True)),
            ("small (32-64 px tall)", on("plain", small=True)),
            ("form field from a scan (34-42 px)", form_field),
        ]
        + [(f"crooked page: {p}", on(p, askew=True)) for p in PAPERS if p != "plain"]
        + [(f"bowed page: {p}", on(p, bowed=True)) for p in ("ruled", "squared")]
        + [(f"pencil: {p}", on(p, pencil=True)) for p in ("plain", "ruled", "squared", "form box")]
    )
    short = [
        (f"cropped close, 1-3 digits: {p}", on(p, cropped=True), (1, 4)) for p in ("plain", "ruled")
    ]
    short.append(("one digit filling a square", filling_a_square, (1, 2)))
    for name, make, lengths in [(*s, (2, 9)) for s in suites] + short:
        rng = np.random.default_rng(11)
        tally = Tally()
        for _ in range(numbers):
            index = rng.choice(len(x), int(rng.integers(*lengths)), replace=False)
            truth = "".join(str(y[i]) for i in index)
            text = reading(make([x[i] for i in index], rng))
            tally.add(text, truth)
            total.add(text, truth)
        print(tally.row(name))
    print(total.row("all"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(DATA / "mnist.npz"))
    parser.add_argument("--real", default=str(DATA / "real-numbers-dev"))
    parser.add_argument("--non-digits", default=str(DATA / "real-nondigits-dev"))
    parser.add_argument("--numbers", type=int, default=500, help="composed MNIST test numbers")
    parser.add_argument("--paper", type=int, default=60, help="numbers per kind of paper")
    parser.add_argument(
        "--validation-only",
        action="store_true",
        help="to choose a reader or a model (DIGIT_MODEL=folder): only numbers GENERATED from "
        "validation digits (composed, seeds 7 and 99; paper), no real pictures, no test digits",
    )
    args = parser.parse_args()
    if args.validation_only:
        x, y = validation_digits(args.data)
        for seed in (7, 99):
            composed(x, y, args.numbers, seed, "validation")
        on_paper(Path(args.data), args.paper)
        return
    if Path(args.real).is_dir():
        real_set(Path(args.real))
    if Path(args.non_digits).is_dir():
        non_numbers(Path(args.non_digits))
    with np.load(args.data) as f:
        composed(f["x_test"], f["y_test"], args.numbers, 7, "test")
    on_paper(Path(args.data), args.paper)


if __name__ == "__main__":
    main()
