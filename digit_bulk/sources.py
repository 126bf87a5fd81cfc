"""What to read -> a Source: every picture's id, and each picture loaded only when its batch is
read (a dataset's bytes are not all held at once).

Paths: files as named (a missing one becomes an error row, not a silent gap), folders searched
recursively for pictures, glob patterns (`**` crosses folders), and list files with one path a
line. Datasets: anything `datasets.load_dataset` opens (a Hub id, a local Parquet file or an
image folder), one picture a row.
"""

import glob
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from digit_bulk.reader import Item

PICTURE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".mpo"}
GLOB_CHARACTERS = set("*?[")


@dataclass(frozen=True)
class Source:
    ids: list[str]
    item: Callable[[int], Item]  # the i-th picture, loaded when it is read

    def __len__(self) -> int:
        return len(self.ids)


def pictures_in(folder: str) -> list[str]:
    found = []
    for root, folders, files in os.walk(folder):
        folders.sort()  # a stable order, so a rerun lists the same pictures the same way
        found += [
            os.path.join(root, name)
            for name in sorted(files)
            if Path(name).suffix.lower() in PICTURE_SUFFIXES
        ]
    return found


def expand(name: str) -> list[str]:
    if os.path.isdir(name):
        return pictures_in(name)
    if GLOB_CHARACTERS & set(name):
        return sorted(path for path in glob.glob(name, recursive=True) if os.path.isfile(path))
    return [name]


def listed(list_file: str) -> list[str]:
    """One path a line; blank lines are skipped."""
    with open(list_file, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


def paths_source(names: Iterable[str], list_files: Iterable[str] = ()) -> Source:
    named = list(names) + [path for list_file in list_files for path in listed(list_file)]
    paths = list(dict.fromkeys(path for name in named for path in expand(name)))
    return Source(paths, lambda i: Item(paths[i], paths[i]))


def dataset_source(name: str, split: str, image_column: str, id_column: str | None) -> Source:
    """A `datasets` dataset: a Hub id, a local .parquet file, or a folder (of Parquet files or of
    pictures). Pictures stay encoded until a reader decodes them, through digit_core's checked
    decoder rather than the dataset's."""
    import datasets

    try:
        if name.endswith(".parquet"):
            dataset = datasets.load_dataset("parquet", data_files=name, split=split)
        else:
            dataset = datasets.load_dataset(name, split=split)
    except Exception as e:  # noqa: BLE001 -- not found, offline, no such split: datasets says which
        raise ValueError(f"Could not open the dataset {name!r}: {e}") from None
    if image_column not in dataset.column_names:
        raise ValueError(
            f"The dataset has no column {image_column!r}: it has "
            f"{', '.join(dataset.column_names)} (choose one with --image-column)."
        )
    if id_column and id_column not in dataset.column_names:
        raise ValueError(f"The dataset has no column {id_column!r} for --id-column.")
    dataset = dataset.cast_column(image_column, datasets.Image(decode=False))
    ids = (
        [str(i) for i in dataset[id_column]]
        if id_column
        else [f"{split}/{i}" for i in range(len(dataset))]
    )
    pictures = dataset.select_columns([image_column])

    def item(i: int) -> Item:
        encoded = pictures[i][image_column] or {}  # an empty cell reads as an unreadable file
        return Item(ids[i], encoded.get("bytes") or encoded.get("path") or b"")

    return Source(ids, item)
