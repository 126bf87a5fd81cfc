"""One batch of pictures -> one row each: the reading, or why the picture could not be read.

A Reader holds one LiteRT interpreter (one thread: the cores are shared out between processes
or Ray workers, not between an interpreter's threads) and reads a batch through one
interpreter run. Rows are plain dicts of the columns below, so every engine and every output
format shares them.
"""

import os
from dataclasses import dataclass

import cv2

from digit_core import InvalidImageError, NoDigitError, load_model, read_number
from digit_core.decode import ImageInput
from digit_core.predict import read_preprocessed
from digit_core.preprocess import preprocess_stages

PROBABILITIES = [f"p{d}" for d in range(10)]
DIGIT_COLUMNS = ["id", "digit", *PROBABILITIES, "is_digit", "digit_score", "reason", "error"]
NUMBER_COLUMNS = ["id", "number", "least_sure", "error"]


@dataclass(frozen=True)
class Item:
    """One picture to read: its id in the output (a path, or a dataset's row id) and where its
    bytes are (a file path, or the encoded bytes themselves)."""

    id: str
    source: str | bytes


def columns(numbers: bool) -> list[str]:
    return NUMBER_COLUMNS if numbers else DIGIT_COLUMNS


def error_row(item_id: str, text: str, numbers: bool) -> dict:
    return {**dict.fromkeys(columns(numbers)), "id": item_id, "error": text}


def message(error: Exception) -> str:
    """The core's own message for a picture it refuses; anything else is a bug, named as one."""
    if isinstance(error, (InvalidImageError, NoDigitError)):
        return str(error)
    return f"Unexpected error, please report it: {type(error).__name__}: {error}"


def picture(item: Item) -> ImageInput:
    """The path or bytes to decode; a missing file says so (the decoder would call it
    unreadable, which sends people looking for a damaged file)."""
    if isinstance(item.source, str) and not os.path.isfile(item.source):
        raise InvalidImageError("Not a file." if os.path.exists(item.source) else "No such file.")
    return item.source


class Reader:
    def __init__(self, numbers: bool = False):
        cv2.setNumThreads(1)  # one core per reader; OpenCV would otherwise start one per core
        self.model = load_model(threads=1)
        self.numbers = numbers

    def read(self, items: list[Item]) -> list[dict]:
        return self.read_numbers(items) if self.numbers else self.read_digits(items)

    def read_digits(self, items: list[Item]) -> list[dict]:
        rows: dict[int, dict] = {}
        # Only the two stages a reading needs: whole stage sets would hold megabytes a picture.
        prepared: dict[int, dict] = {}
        for i, item in enumerate(items):
            try:
                stages = preprocess_stages(picture(item))
                prepared[i] = {name: stages[name] for name in ("crop", "centred 28x28")}
            except Exception as e:  # noqa: BLE001 -- one bad picture must not end the run
                rows[i] = error_row(item.id, message(e), numbers=False)
        for i, reading in zip(prepared, read_preprocessed(list(prepared.values()), self.model)):
            rows[i] = {
                "id": items[i].id,
                "digit": int(reading.digit),
                **dict(zip(PROBABILITIES, reading.probabilities.values())),
                "is_digit": reading.is_digit,
                "digit_score": reading.digit_score,
                "reason": reading.reason or None,
                "error": None,
            }
        return [rows[i] for i in range(len(items))]

    def read_numbers(self, items: list[Item]) -> list[dict]:
        rows = []
        for item in items:
            try:
                number = read_number(picture(item), self.model)
            except Exception as e:  # noqa: BLE001 -- one bad picture must not end the run
                rows.append(error_row(item.id, message(e), numbers=True))
                continue
            rows.append(
                {
                    "id": item.id,
                    "number": number.text,
                    "least_sure": min(max(d.values()) for d in number.digits),
                    "error": None,
                }
            )
        return rows
