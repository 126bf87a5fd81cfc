"""The learned line reader (CNN+CTC, training/line_reader.py) against the segmenting reader
(digit_core.read_number) on the real dev set, in the same run:

    python -m benchmarks.line_reader [--model /tmp/ctc/line_reader.keras] [--real DIR]

Whole numbers read exactly and digits read right (as benchmarks/read_numbers.py counts them),
for the segmenting reader alone, the line reader alone, and the two combined by the rule chosen
on GENERATED validation lines (rule.json beside the model), and "either right": a number
either reader reads right, the most any rule choosing between them could reach; all pictures,
then each source.
"""

import argparse
from pathlib import Path

from benchmarks.read_numbers import DATA, Tally
from training.line_reader import WORK, combined, one_thread, read_picture, segmenting, text_of

READERS = ("segmenting", "line reader", "combined", "either right")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=str(WORK / "line_reader.keras"))
    parser.add_argument("--real", default=str(DATA / "real-numbers-dev"))
    args = parser.parse_args()
    one_thread()
    import json

    import keras

    model = keras.saving.load_model(args.model, compile=False)
    rule = json.loads((Path(args.model).parent / "rule.json").read_text())
    folder = Path(args.real)
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in {".png", ".jpg", ".jpeg"})
    tallies: dict[str, dict[str, Tally]] = {}
    for path in files:
        truth, rest = path.stem.split("-", 1)
        source = rest.rsplit("-", 1)[0]  # <digits>-<source>-<n>
        segmented = segmenting(str(path))
        learned = read_picture(model, str(path))
        either = learned if text_of(learned) == truth else segmented  # what no rule beats
        readings = (segmented, learned, combined(segmented, learned, rule), either)
        for group in ("all", source):
            for reader, reading in zip(READERS, readings):
                tallies.setdefault(group, {}).setdefault(reader, Tally()).add(
                    text_of(reading), truth
                )
    print(f"## {folder.name}: whole numbers (digits)\n")
    print(f"Combination rule (chosen on GENERATED validation lines): {rule}\n")
    print("| pictures | count | " + " | ".join(READERS) + " |")
    print("|---|---|" + "---|" * len(READERS))
    for group, by_reader in sorted(
        tallies.items(), key=lambda g: (g[0] != "all", -g[1]["combined"].numbers)
    ):
        cells = [
            f"{t.right / t.numbers:.1%} ({t.digits_right / t.digits:.1%})"
            for t in (by_reader[r] for r in READERS)
        ]
        print(f"| {group[:40]} | {by_reader['combined'].numbers} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
