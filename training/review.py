"""A person reviews the corrections visitors sent before any of them reaches training
(`train.py --extra-data` takes only accepted ones: digit_core.feedback.load_feedback).

    python -m training.review FOLDER                   # pending ones -> FOLDER/pending.png
    python -m training.review FOLDER --accept ID ... --reject ID ...

The contact sheet shows each pending correction as the model saw it (28x28) beside the picture
sent, captioned with its id, what the model said and the label the visitor chose.
"""

import argparse
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps

from digit_core.feedback import read_records, record_review, reviews

TILE = 112  # each picture's side on the sheet
CAPTION = 16


def pending(folder: Path) -> list[dict]:
    """The corrections nobody has accepted or rejected yet, oldest first."""
    decided = reviews(folder)
    return [r for r in read_records(folder) if r["id"] not in decided]


def contact_sheet(folder: Path, records: list[dict], columns: int = 6) -> Image.Image:
    """One tile per record: the model's input, the picture sent, and a caption."""
    rows = max(1, -(-len(records) // columns))
    sheet = Image.new("RGB", (columns * 2 * TILE, rows * (TILE + CAPTION)), "white")
    draw = ImageDraw.Draw(sheet)
    for n, record in enumerate(records):
        x, y = n % columns * 2 * TILE, n // columns * (TILE + CAPTION)
        seen = (
            Image.open(folder / record["input"])
            .convert("L")
            .resize((TILE, TILE), Image.Resampling.NEAREST)
        )
        sheet.paste(ImageOps.invert(seen), (x, y))  # dark ink on white, like the picture sent
        sent = Image.open(folder / record["original"]).convert("RGB")
        sent.thumbnail((TILE, TILE))
        sheet.paste(sent, (x + TILE, y))
        draw.text(
            (x + 2, y + TILE + 2),
            f"{record['id'][:8]} said {record['predicted']} -> {record['correction']}",
            fill="black",
        )
    return sheet


def matching(records: list[dict], prefixes: list[str]) -> list[str]:
    """The ids named by `prefixes` (each must name exactly one record)."""
    ids = []
    for prefix in prefixes:
        found = [r["id"] for r in records if r["id"].startswith(prefix)]
        if len(found) != 1:
            raise SystemExit(f"{prefix!r} names {len(found)} corrections, not one.")
        ids += found
    return ids


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="a feedback folder (feedback.jsonl, images/)")
    parser.add_argument("--accept", nargs="+", default=[], metavar="ID")
    parser.add_argument("--reject", nargs="+", default=[], metavar="ID")
    args = parser.parse_args(argv)
    records = read_records(args.folder)
    for record_id in matching(records, args.accept):
        record_review(args.folder, record_id, accepted=True)
    for record_id in matching(records, args.reject):
        record_review(args.folder, record_id, accepted=False)
    waiting = pending(args.folder)
    if waiting:
        contact_sheet(args.folder, waiting).save(args.folder / "pending.png")
        print(f"{len(waiting)} pending: {args.folder / 'pending.png'}")
    else:
        print("nothing pending")


if __name__ == "__main__":
    main()
