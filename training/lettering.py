"""Lettering, as people write it: letters, words and digits in fonts Debian ships -- DejaVu
(print) and twelve handwriting families (see HAND_FONTS) -- and in OpenCV's Hershey fonts, drawn
with a pen along single lines (two of them joined-up script) as a hand writes, all distorted like
handwriting. Left out on purpose: letters that ARE how people write a digit (O/o/D/Q for 0,
I/l/i/j for 1, Z/z for 2, S/s for 5, G/b for 6, B for 8, q/g for 9); no picture alone can tell
those from their digit twin. Each kind of font is split in two halves, "train" and "test", so the
digit check's score is for lettering it never saw.
"""

from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from training.drawings import black_on_white

LETTERS = "ACEFHKLMNPRTUVWXYacdefhkmnprtuvwxy"  # the alphabet minus the digit twins
WORDS = (
    "hello",
    "digit",
    "studio",
    "handwriting",
    "Keras",
    "MNIST",
    "why not",
    "test me",
    "coffee",
    "the end",
    "Hugging Face",
    "wave",
    "yes",
    "no way",
)

FONTS = Path("/usr/share/fonts")
PRINT_FONTS = "truetype/dejavu"  # fonts-dejavu-core: split file by file
# Handwriting fonts, each a Debian package (fonts-<name>), split family by family so the test
# half is lettering by hands the check never saw.
HAND_FONTS = {
    "train": (
        "opentype/bwht",
        "truetype/fifthhorseman",
        "opentype/dancingscript",
        "truetype/kristi",
        "truetype/breip",
        "truetype/sjfonts",
    ),
    "test": (
        "opentype/comic-neue",
        "truetype/humor-sans",
        "opentype/kaushanscript",
        "truetype/rufscript",
        "truetype/ecolier-court",
        "truetype/femkeklaver",
    ),
}


def font_families(half: str) -> list[list[Path]]:
    """The fonts of half "train" or "test", a list per family: every other DejaVu file, then
    half the hands."""
    printed = sorted((FONTS / PRINT_FONTS).glob("*.ttf"))[{"train": 0, "test": 1}[half] :: 2]
    families = [printed] + [
        sorted((FONTS / folder).glob("*.[ot]tf")) for folder in HAND_FONTS[half]
    ]
    if len(printed) < 2 or not all(families):
        raise FileNotFoundError(
            f"Fonts missing in {FONTS}: apt-get install $(cat .ci/debian-packages)"
        )
    return families


# OpenCV's stroke fonts, split like the font files; each can also be slanted (FONT_ITALIC).
PEN_FONTS = {
    "train": (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_COMPLEX, cv2.FONT_HERSHEY_SCRIPT_SIMPLEX),
    "test": (cv2.FONT_HERSHEY_PLAIN, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_SCRIPT_COMPLEX),
}


def handwritten(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Tilt, shear and wobble a clean rendering and vary the pen, like a hand would."""
    h, w = ink.shape
    shear, angle = rng.uniform(-0.3, 0.3), rng.uniform(-15, 15)
    move = cv2.getRotationMatrix2D((w / 2, h / 2), angle, rng.uniform(0.8, 1.1))
    move[0, 1] += shear
    move[0, 2] -= shear * h / 2
    ink = cv2.warpAffine(ink, move, (w, h))
    # elastic wobble: a smooth random displacement field
    dx, dy = (
        cv2.GaussianBlur(rng.uniform(-1, 1, (h, w)).astype(np.float32), (0, 0), 24)
        * rng.uniform(200, 500)
        for _ in range(2)
    )
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    ink = cv2.remap(ink, xs + dx, ys + dy, cv2.INTER_LINEAR)
    pen = int(rng.integers(1, 4)) * 2 + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (pen, pen))
    ink = cv2.dilate(ink, kernel) if rng.random() < 0.6 else cv2.erode(ink, kernel)
    return np.clip(cv2.GaussianBlur(ink, (0, 0), 1.2), 0, 1)


def rendered(text: str, font: Path, size: int, canvas: tuple[int, int]) -> np.ndarray:
    picture = Image.new("L", canvas[::-1], 0)
    draw = ImageDraw.Draw(picture)
    face = ImageFont.truetype(str(font), size)
    draw.text((canvas[1] / 2, canvas[0] / 2), text, fill=255, font=face, anchor="mm")
    return np.asarray(picture, np.float32) / 255


def pen_written(
    text: str, rng: np.random.Generator, size: int, canvas: tuple[int, int], fonts: str
) -> np.ndarray:
    """Text drawn along one of OpenCV's stroke fonts with a pen of random width."""
    face = int(rng.choice(PEN_FONTS[fonts])) | (cv2.FONT_ITALIC if rng.random() < 0.3 else 0)
    pen = max(3, int(size * rng.uniform(0.05, 0.14)))
    scale = cv2.getFontScaleFromHeight(face, size, pen)
    (width, height), _ = cv2.getTextSize(text, face, scale, pen)
    ink = np.zeros(canvas, np.uint8)  # (putText draws on 8-bit pictures only)
    corner = ((canvas[1] - width) // 2, (canvas[0] + height) // 2)
    cv2.putText(ink, text, corner, face, scale, 255, pen, cv2.LINE_AA)
    return ink.astype(np.float32) / 255


def lettering(
    text: str, rng: np.random.Generator, size: int, canvas: int, fonts: str
) -> np.ndarray:
    """Text in a font file or a stroke font (half and half), distorted like handwriting."""
    if rng.random() < 0.5:
        families = font_families(fonts)
        font = rng.choice(families[rng.integers(len(families))])
        ink = rendered(text, font, size, (canvas, canvas))
    else:
        ink = pen_written(text, rng, size, (canvas, canvas), fonts)
    return handwritten(ink, rng)


def character(text: str, rng: np.random.Generator, canvas: int, fonts: str) -> np.ndarray:
    """One letter or digit, 40-70 % of the canvas tall, lettered like handwriting."""
    return lettering(text, rng, int(canvas * rng.uniform(0.4, 0.7)), canvas, fonts)


def letter(rng: np.random.Generator, canvas: int, fonts: str) -> np.ndarray:
    return character(str(rng.choice(list(LETTERS))), rng, canvas, fonts)


def lettered_digit(digit: int, rng: np.random.Generator, fonts: str) -> np.ndarray:
    """A digit lettered exactly like the letters (RGB uint8, 512 x 512): the check must tell
    them apart by shape, not by font; and closed-top 4s, flat-topped 3s, printed 1s."""
    return black_on_white(character(str(digit), rng, 512, fonts))


def text_line(rng: np.random.Generator, canvas: int, fonts: str) -> np.ndarray:
    return lettering(
        str(rng.choice(WORDS)), rng, int(canvas * rng.uniform(0.1, 0.18)), canvas, fonts
    )
