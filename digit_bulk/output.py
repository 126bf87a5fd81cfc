"""Rows -> a Parquet, CSV or JSON Lines file, resumably.

While a run goes, each batch's rows are appended to a journal beside the output
(`OUT.partial.jsonl`, flushed batch by batch), so a run that is stopped loses at most the batch
in flight; at the end the journal's rows are added to OUT, written whole to a temporary file
and renamed over it, and the journal is removed. A rerun skips every id that OUT or the journal
already holds: read pictures, and pictures that could not be read alike.
"""

import csv
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import IO

FORMATS = {".parquet": "parquet", ".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl"}


def output_format(out: Path) -> str:
    try:
        return FORMATS[out.suffix.lower()]
    except KeyError:
        raise ValueError(f"Write to a .parquet, .csv or .jsonl file, not {out.name!r}.") from None


def journal_path(out: Path) -> Path:
    return out.with_name(out.name + ".partial.jsonl")


def ids_in(out: Path, columns: list[str]) -> set[str]:
    """The ids an earlier run's output holds (none when there is no output yet); it must hold
    these columns (a digits run can't be resumed into a numbers file, nor into another file)."""
    if not out.exists():
        return set()
    kind = output_format(out)
    if kind == "parquet":
        import pyarrow.parquet as pq

        require_columns(out, pq.read_schema(out).names, columns)
        return set(pq.read_table(out, columns=["id"]).column("id").to_pylist())
    with open(out, newline="", encoding="utf-8") as f:
        if kind == "csv":
            reader = csv.DictReader(f)
            require_columns(out, list(reader.fieldnames or columns), columns)
            return {row["id"] for row in reader}
        rows = [json.loads(line) for line in f if line.strip()]
    for row in rows[:1]:
        require_columns(out, list(row) if isinstance(row, dict) else [], columns)
    return {row["id"] for row in rows}


def require_columns(out: Path, found: list[str], columns: list[str]) -> None:
    if set(found) != set(columns):
        raise ValueError(
            f"{out} holds other columns ({', '.join(found)}) than this run writes: "
            "write to a new file."
        )


def journal_rows(journal: Path) -> list[dict]:
    """The journal's whole rows; a line cut short by a stopped run is dropped (its picture is
    read again)."""
    if not journal.exists():
        return []
    rows = []
    with open(journal, encoding="utf-8") as f:
        for line in f:
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                break
    return rows


@contextmanager
def journal(out: Path | None, kept: list[dict]) -> Iterator[Callable[[list[dict]], None]]:
    """A function that appends rows as JSON Lines: to the journal beside OUT (rewritten first
    with the rows kept from a stopped run, which drops a line it cut short), or to stdout when
    there is no OUT."""
    if out is None:
        yield partial(write_rows, sys.stdout)
        return
    with open(journal_path(out), "w", encoding="utf-8") as f:
        write_rows(f, kept)
        yield partial(write_rows, f)


def write_rows(f: IO[str], rows: list[dict]) -> None:
    f.writelines(json.dumps(row) + "\n" for row in rows)
    f.flush()


def finish(out: Path, columns: list[str]) -> int:
    """Add the journal's rows that OUT lacks to OUT, atomically; remove the journal. Returns
    how many rows OUT holds."""
    journal = journal_path(out)
    done = ids_in(out, columns)
    new = [row for row in journal_rows(journal) if row["id"] not in done]
    temporary = out.with_name(out.name + ".tmp")
    kind = output_format(out)
    if kind == "parquet":
        write_parquet(out, temporary, new, columns)
    else:
        if out.exists():
            shutil.copyfile(out, temporary)
        with open(temporary, "a", newline="", encoding="utf-8") as f:
            if kind == "csv":
                writer = csv.DictWriter(f, columns)
                if f.tell() == 0:
                    writer.writeheader()
                writer.writerows(new)
            else:
                f.writelines(json.dumps(row) + "\n" for row in new)
    os.replace(temporary, out)
    journal.unlink(missing_ok=True)
    return len(done) + len(new)


def write_parquet(out: Path, temporary: Path, new: list[dict], columns: list[str]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(new, schema=schema(columns))
    if out.exists():
        table = pa.concat_tables([pq.read_table(out), table])
    pq.write_table(table, temporary)


def schema(columns: list[str]):
    import pyarrow as pa

    types = {
        "id": pa.string(),
        "digit": pa.int8(),
        "is_digit": pa.bool_(),
        "reason": pa.string(),
        "error": pa.string(),
        "number": pa.string(),
    }
    return pa.schema([(name, types.get(name, pa.float64())) for name in columns])
