"""`digit-studio read PATH... [--out FILE]`: the bulk reader's command line."""

import argparse
import os
import sys
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from tqdm import tqdm

from digit_bulk.output import finish, ids_in, journal, journal_path, journal_rows, output_format
from digit_bulk.reader import columns
from digit_bulk.sources import Source, dataset_source, paths_source

BATCH = 64  # pictures an interpreter run: as fast a picture as 256 here, and less to redo


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="digit-studio", description="Digit Studio from the command line."
    )
    commands = top.add_subparsers(dest="command", required=True)
    read = commands.add_parser(
        "read",
        help="read many pictures: one row each",
        description="Read every picture named (files, folders, glob patterns, list files, or "
        "a datasets dataset): one row each, the reading or why it failed.",
    )
    read.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="a picture, a folder (searched recursively) or a glob pattern "
        "(quote it; ** crosses folders)",
    )
    read.add_argument(
        "--list",
        action="append",
        default=[],
        metavar="FILE",
        help="a file of paths, one a line (may repeat)",
    )
    read.add_argument(
        "--dataset",
        metavar="NAME",
        help="a datasets dataset: a Hub id, a local .parquet file or a folder",
    )
    read.add_argument("--split", default="train", help="the dataset's split (default: train)")
    read.add_argument("--image-column", default="image", help="default: image")
    read.add_argument(
        "--id-column", help="the dataset's column naming each row (default: SPLIT/ROW_NUMBER)"
    )
    read.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="results.parquet, .csv or .jsonl; rerunning skips the pictures it "
        "holds (default: JSON Lines on stdout)",
    )
    read.add_argument(
        "--numbers",
        action="store_true",
        help="read each picture as a whole number (several digits)",
    )
    read.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="processes (or Ray workers) reading at once; default: one a core",
    )
    read.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="read on a Ray cluster: auto, HOST:PORT, ray://HOST:10001, or local (start one here)",
    )
    read.add_argument("--batch-size", type=int, default=BATCH, help=f"default: {BATCH}")
    return top


def source_of(args: argparse.Namespace) -> Source:
    if args.dataset and (args.paths or args.list):
        raise ValueError("Read either paths or a --dataset, not both.")
    if args.dataset:
        return dataset_source(args.dataset, args.split, args.image_column, args.id_column)
    if not (args.paths or args.list):
        raise ValueError("Name pictures to read: files, folders, patterns or --list FILE.")
    return paths_source(args.paths, args.list)


def row_batches(args: argparse.Namespace, source: Source, todo: list[int]) -> Iterator[list[dict]]:
    if args.ray:
        from digit_bulk.on_ray import read_on_ray

        return read_on_ray(args.ray, source, todo, args.numbers, args.workers, args.batch_size)
    from digit_bulk.local import read_locally

    return read_locally(
        source, todo, args.numbers, args.workers or os.cpu_count() or 1, args.batch_size
    )


def read(args: argparse.Namespace) -> str:
    """Reads, writes, and says what it did."""
    if args.workers is not None and args.workers < 1 or args.batch_size < 1:
        raise ValueError("--workers and --batch-size must be at least 1.")
    names = columns(args.numbers)
    kept: list[dict] = []
    done: set[str] = set()
    if args.out:
        output_format(args.out)  # refuse an unknown format before reading anything
        kept = journal_rows(journal_path(args.out))
        if kept and set(kept[0]) != set(names):
            raise ValueError(
                f"{journal_path(args.out)} is a stopped run's with other columns: "
                "finish it with the same options, or remove it."
            )
        done = ids_in(args.out, names) | {row["id"] for row in kept}
    source = source_of(args)
    todo = [i for i, picture_id in enumerate(source.ids) if picture_id not in done]
    failed = 0
    with (
        journal(args.out, kept) as write,
        tqdm(total=len(todo), unit=" pictures", file=sys.stderr, smoothing=0.1) as bar,
    ):
        for rows in row_batches(args, source, todo):
            write(rows)
            failed += sum(row["error"] is not None for row in rows)
            bar.update(len(rows))
    skipped = f", {len(source) - len(todo)} already done" if done else ""
    summary = f"Read {len(todo)} pictures ({failed} could not be read){skipped}"
    if args.out:
        return f"{summary}; {finish(args.out, names)} rows in {args.out}."
    return summary + "."


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        print(read(args), file=sys.stderr)
    except (ValueError, OSError) as e:  # what the person asked for can't be done: say why
        print(f"digit-studio: {e}", file=sys.stderr)
        return 2
    except BrokenProcessPool:  # a worker killed (out of memory) or crashed in a decoder
        print(
            "digit-studio: a reading process died; run the same command again to go on.",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print("digit-studio: stopped; run the same command again to go on.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
