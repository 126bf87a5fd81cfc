"""What the Number tab shows for a reading: the number, how sure the reader is of it and of each
digit it doubts, and the picture with every digit boxed (unsure ones in amber, with a "?")."""

import numpy as np

from digit_core import NumberReading
from digit_core.decode import as_float
from digit_core.pictures import boxes_picture, to_uint8


def doubts_text(reading: NumberReading) -> str:
    """How sure the reader is of the whole number, and each unsure digit with its runner-up;
    first, when most pieces are no digits, that it may not be a number at all."""
    paragraphs = [f"Sure of the whole number: {reading.confidence:.0%}"]
    if not reading.is_number:
        paragraphs.insert(0, f"⚠️ **{reading.reason}** If it is one, it reads **{reading.text}**.")
    doubts = []
    for i in reading.unsure:
        (first, p1), (second, p2) = sorted(reading.digits[i].items(), key=lambda d: -d[1])[:2]
        doubts.append(f"- digit {i + 1} is unsure: {first} ({p1:.0%}), maybe {second} ({p2:.0%})")
    return "\n\n".join(paragraphs + ["\n".join(doubts)] * bool(doubts))


def number_view(pixels: np.ndarray, reading: NumberReading) -> tuple[str, str, np.ndarray]:
    """(the number as a heading, the doubts, the boxed picture) for the tab's three outputs."""
    picture = boxes_picture(to_uint8(as_float(pixels)), reading.boxes, reading.text, reading.unsure)
    heading = f"## {reading.text}" if reading.is_number else "## Not a number?"
    return heading, doubts_text(reading), picture
