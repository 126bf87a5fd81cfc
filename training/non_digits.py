"""Pictures that are not digits, drawn the way people would: letters, scribbles, shapes, doodles
of things (faces, suns, houses, fish, bicycles, roundish things with parts... as in QuickDraw),
noise and lines of text (the lettering is in lettering.py). The digit check learns from the
"train" half of these and is measured and tested on the "test" half.
"""

import cv2
import numpy as np

from training.drawings import black_on_white
from training.lettering import handwritten, letter, text_line

KINDS = ("letter", "scribble", "shape", "doodle", "noise", "text")


def scribble(rng: np.random.Generator, canvas: int) -> np.ndarray:
    """A smooth random pen path through many points: the doodle of a bored user."""
    points = rng.uniform(0.15, 0.85, (int(rng.integers(6, 16)), 2)) * canvas
    t = np.linspace(0, 1, 400)
    knots = np.linspace(0, 1, len(points))
    curve = np.stack([np.interp(t, knots, points[:, k]) for k in (0, 1)], 1)
    curve = cv2.GaussianBlur(curve.astype(np.float32)[:, None, :], (1, 0), 8)[:, 0, :]
    ink = np.zeros((canvas, canvas), np.float32)
    cv2.polylines(
        ink, [np.round(curve).astype(np.int32)], False, 1.0, int(rng.integers(6, 20)), cv2.LINE_AA
    )
    return ink


def shape(rng: np.random.Generator, canvas: int) -> np.ndarray:
    """A triangle, square, star, cross, arrow or heart-ish blob, outlined or filled."""
    c, r = canvas / 2, canvas * rng.uniform(0.2, 0.35)
    kind = rng.choice(["triangle", "square", "star", "cross", "arrow", "hatch"])
    ink = np.zeros((canvas, canvas), np.float32)
    pen = int(rng.integers(6, 18))
    if kind in ("triangle", "square", "star"):
        corners = {"triangle": 3, "square": 4, "star": 10}[kind]
        angles = np.linspace(0, 2 * np.pi, corners, endpoint=False) + rng.uniform(0, np.pi)
        radius = np.where(np.arange(corners) % 2, 0.45 * r, r) if kind == "star" else r
        poly = np.stack([c + radius * np.cos(angles), c + radius * np.sin(angles)], 1)
        poly = np.round(poly).astype(np.int32)
        if rng.random() < 0.3:
            cv2.fillPoly(ink, [poly], 1.0, cv2.LINE_AA)
        else:
            cv2.polylines(ink, [poly], True, 1.0, pen, cv2.LINE_AA)
    elif kind == "cross":
        for a in np.array([0, np.pi / 2]) + rng.uniform(0, np.pi):
            d = np.array([np.cos(a), np.sin(a)]) * r
            cv2.line(
                ink, tuple(np.int32([c, c] - d)), tuple(np.int32([c, c] + d)), 1.0, pen, cv2.LINE_AA
            )
    elif kind == "arrow":
        start, end = (int(c - r), int(c)), (int(c + r), int(c))
        cv2.arrowedLine(ink, start, end, 1.0, pen, cv2.LINE_AA, tipLength=0.35)
    else:  # hatching: parallel strokes
        for k in range(int(rng.integers(4, 9))):
            y = int(c - r + k * 2 * r / 8)
            cv2.line(ink, (int(c - r), y), (int(c + r), y + int(r / 3)), 1.0, pen, cv2.LINE_AA)
    return handwritten(ink, rng) if rng.random() < 0.5 else ink


def doodle(rng: np.random.Generator, canvas: int) -> np.ndarray:
    """A quick drawing of a thing, from a few outlines: a face, sun, house, fish, flower, fruit,
    car, cup, cat or spiral. Each has parts a digit never has (eyes, rays, a roof...); no tree
    (a round top on a stem is how many people write 9)."""
    ink = np.zeros((canvas, canvas), np.float32)
    pen = int(rng.integers(5, 16))
    c, r = canvas / 2, canvas * rng.uniform(0.18, 0.3)
    p = lambda x, y: (int(c + x * r), int(c + y * r))  # noqa: E731 (a point in units of r)

    def circle(x, y, radius, fill=False):
        cv2.circle(ink, p(x, y), max(2, int(radius * r)), 1.0, -1 if fill else pen, cv2.LINE_AA)

    def lines(*points, closed=False):
        cv2.polylines(ink, [np.int32([p(x, y) for x, y in points])], closed, 1.0, pen, cv2.LINE_AA)

    def arc(x, y, w, h, start, end):
        cv2.ellipse(ink, p(x, y), (int(w * r), int(h * r)), 0, start, end, 1.0, pen, cv2.LINE_AA)

    # fruit twice: round, with a stem, and the nearest of all things to a 0 or a 6
    thing = rng.choice(
        [
            "face",
            "sun",
            "house",
            "fish",
            "flower",
            "fruit",
            "car",
            "cup",
            "cat",
            "spiral",
            "bicycle",
            "cloud",
            "heart",
            "clock",
            "umbrella",
            "envelope",
            "fruit",
            "object",
            "object",
            "object",
        ]
    )
    if thing == "object":  # any roundish thing with parts: a fruit, a pot, an animal, a bag
        outline(ink, rng, c, r, pen)
    elif thing == "bicycle":
        circle(-0.9, 0.4, 0.55)
        circle(0.9, 0.4, 0.55)
        lines((-0.9, 0.4), (-0.2, -0.4), (0.6, -0.4), (0.9, 0.4))
        lines((-0.2, -0.4), (0.05, 0.4), (0.6, -0.4))
        lines((0.5, -0.7), (0.75, -0.7))
    elif thing == "cloud":
        for x in (-0.8, -0.3, 0.3, 0.8):
            arc(x, 0, 0.4, 0.35 + 0.1 * abs(x), 180, 360)
        lines((-1.2, 0.05), (1.2, 0.05))
    elif thing == "heart":
        arc(-0.4, -0.3, 0.42, 0.42, 150, 360)
        arc(0.4, -0.3, 0.42, 0.42, 180, 390)
        lines((-0.8, -0.1), (0, 0.9), (0.8, -0.1))
    elif thing == "clock":
        circle(0, 0, 1)
        lines((0, -0.7), (0, 0), (0.45, 0.2))
        for a in np.linspace(0, 2 * np.pi, 4, endpoint=False):
            circle(0.82 * np.cos(a), 0.82 * np.sin(a), 0.05, fill=True)
    elif thing == "umbrella":
        arc(0, 0, 1.1, 0.8, 180, 360)
        lines((-1.1, 0), (1.1, 0))
        lines((0, 0), (0, 1.1))
        arc(0.2, 1.1, 0.2, 0.2, 0, 180)
    elif thing == "envelope":
        lines((-1.2, -0.7), (1.2, -0.7), (1.2, 0.7), (-1.2, 0.7), closed=True)
        lines((-1.2, -0.7), (0, 0.15), (1.2, -0.7))
    elif thing in ("face", "cat"):
        circle(0, 0, 1)
        circle(-0.35, -0.25, 0.1, fill=True)
        circle(0.35, -0.25, 0.1, fill=True)
        arc(0, 0.2, 0.45, 0.3, 20, 160)
        if thing == "cat":
            lines((-0.9, -0.4), (-0.7, -1.3), (-0.3, -0.9))
            lines((0.9, -0.4), (0.7, -1.3), (0.3, -0.9))
    elif thing == "sun":
        circle(0, 0, 0.6)
        for a in np.linspace(0, 2 * np.pi, int(rng.integers(6, 13)), endpoint=False):
            lines((0.85 * np.cos(a), 0.85 * np.sin(a)), (1.4 * np.cos(a), 1.4 * np.sin(a)))
    elif thing == "house":
        lines((-1, 0), (-1, 1.2), (1, 1.2), (1, 0), closed=True)
        lines((-1.2, 0), (0, -1.1), (1.2, 0))
        lines((-0.25, 1.2), (-0.25, 0.5), (0.25, 0.5), (0.25, 1.2))
    elif thing == "fish":
        arc(-0.2, 0, 1, 0.55, 0, 360)
        lines((0.8, 0), (1.5, -0.6), (1.5, 0.6), closed=True)
        circle(-0.7, -0.1, 0.08, fill=True)
    elif thing == "flower":
        for a in np.linspace(0, 2 * np.pi, int(rng.integers(5, 9)), endpoint=False):
            circle(0.55 * np.cos(a), -0.5 + 0.55 * np.sin(a), 0.3)
        circle(0, -0.5, 0.22, fill=True)
        lines((0, -0.1), (0, 1.5))
    elif thing == "fruit":
        fruit(ink, rng, c, r, pen)
    elif thing == "car":
        lines(
            (-1.4, 0.5),
            (-1.4, 0),
            (-0.6, 0),
            (-0.3, -0.5),
            (0.6, -0.5),
            (0.9, 0),
            (1.4, 0),
            (1.4, 0.5),
            closed=True,
        )
        circle(-0.8, 0.6, 0.28)
        circle(0.8, 0.6, 0.28)
    elif thing == "cup":
        lines((-0.7, -0.8), (-0.6, 0.9), (0.6, 0.9), (0.7, -0.8))
        arc(0.85, 0.05, 0.35, 0.4, -90, 90)
    else:  # a spiral
        t = np.linspace(0, 2 * np.pi * rng.uniform(2, 3.5), 200)
        lines(*zip(0.4 * t / np.pi * np.cos(t) / 2.2, 0.4 * t / np.pi * np.sin(t) / 2.2))
    return handwritten(ink, rng) if rng.random() < 0.5 else ink


def outline(ink: np.ndarray, rng: np.random.Generator, c: float, r: float, pen: int) -> None:
    """A wobbly closed outline with two to four parts a digit never has: a stem, a leaf, ears,
    legs, a handle, dots inside, drawn onto `ink`."""
    angles = np.linspace(0, 2 * np.pi, 120, endpoint=False)
    wobble = sum(
        rng.uniform(0, 0.12) * np.cos(k * angles + rng.uniform(0, 2 * np.pi)) for k in range(2, 5)
    )
    stretch = rng.uniform(0.6, 1.4)
    radius = r * (1 + wobble)
    xs, ys = c + radius * np.cos(angles) * stretch, c + radius * np.sin(angles) / stretch
    cv2.polylines(ink, [np.int32(np.stack([xs, ys], 1))], True, 1.0, pen, cv2.LINE_AA)
    for _ in range(int(rng.integers(2, 5))):
        i = int(rng.integers(len(angles)))
        base, out = np.array([xs[i], ys[i]]), np.array([np.cos(angles[i]), np.sin(angles[i])])
        length = r * rng.uniform(0.2, 0.5)
        part = rng.choice(["stem", "leaf", "ear", "legs", "handle", "dots"])
        if part == "stem":
            cv2.line(
                ink,
                tuple(np.int32(base)),
                tuple(np.int32(base + length * out)),
                1.0,
                pen,
                cv2.LINE_AA,
            )
        elif part == "leaf":
            tip = base + length * out
            cv2.ellipse(
                ink,
                tuple(np.int32((base + tip) / 2)),
                (int(length / 2), int(length / 4)),
                float(np.degrees(angles[i])),
                0,
                360,
                1.0,
                pen,
                cv2.LINE_AA,
            )
        elif part == "ear":
            side = np.array([-out[1], out[0]]) * length / 2
            cv2.polylines(
                ink,
                [np.int32([base - side, base + length * out, base + side])],
                False,
                1.0,
                pen,
                cv2.LINE_AA,
            )
        elif part == "legs":
            side = np.array([-out[1], out[0]]) * length / 2
            for s in (-1, 1):
                cv2.line(
                    ink,
                    tuple(np.int32(base + s * side)),
                    tuple(np.int32(base + s * side + length * out)),
                    1.0,
                    pen,
                    cv2.LINE_AA,
                )
        elif part == "handle":
            cv2.ellipse(
                ink,
                tuple(np.int32(base)),
                (int(length), int(length * 0.7)),
                float(np.degrees(angles[i])),
                -90,
                90,
                1.0,
                pen,
                cv2.LINE_AA,
            )
        else:
            for _ in range(int(rng.integers(1, 4))):
                dot = c + rng.uniform(-0.5, 0.5, 2) * r
                cv2.circle(ink, tuple(np.int32(dot)), max(2, pen), 1.0, -1, cv2.LINE_AA)


def fruit(ink: np.ndarray, rng: np.random.Generator, c: float, r: float, pen: int) -> None:
    """An apple, tomato, pear or orange as people doodle one, drawn onto `ink`: a round outline
    dipping where the stem goes (the dip and the stem are what tell it from a 0 or a 6), maybe
    a bite, a leaf, a crown of sepals or a shine."""
    angles = np.linspace(-np.pi / 2, 3 * np.pi / 2, 160, endpoint=False)  # from the top
    dip = rng.uniform(0.12, 0.35) * np.exp(-((angles + np.pi / 2) ** 2) / rng.uniform(0.04, 0.2))
    radius = r * (1 - dip - rng.uniform(0, 0.1) * np.exp(-((angles - np.pi / 2) ** 2) / 0.1))
    if rng.random() < 0.25:  # a pear: narrower towards the top
        radius *= 1 - rng.uniform(0.1, 0.3) * np.clip(-np.sin(angles), 0, 1)
    if rng.random() < 0.2:  # a bite out of one side
        side = rng.choice([0.0, np.pi]) + rng.uniform(-0.4, 0.4)
        radius *= 1 - rng.uniform(0.2, 0.35) * np.exp(-((angles - side) ** 2) / 0.06)
    wide = rng.uniform(0.9, 1.35)  # tomatoes and oranges are wider than tall
    xs, ys = c + radius * np.cos(angles) * wide, c + r * 0.15 + radius * np.sin(angles)
    cv2.polylines(ink, [np.int32(np.stack([xs, ys], 1))], True, 1.0, pen, cv2.LINE_AA)
    top = np.array([xs[0], ys[0]])
    tip = top + r * np.array([rng.uniform(-0.25, 0.25), -rng.uniform(0.35, 0.7)])
    if rng.random() < 0.2:  # a tomato's crown of sepals instead of a stem
        for a in np.linspace(-2.4, -0.7, int(rng.integers(3, 6))):
            end = top + r * 0.35 * np.array([np.cos(a), np.sin(a) * 0.6 + 0.3])
            cv2.line(ink, tuple(np.int32(top)), tuple(np.int32(end)), 1.0, pen, cv2.LINE_AA)
    else:
        bend = (top + tip) / 2 + r * np.array([rng.uniform(-0.15, 0.15), 0])
        stem = np.int32([top, bend, tip])
        cv2.polylines(ink, [stem], False, 1.0, pen, cv2.LINE_AA)
    if rng.random() < 0.6:  # a leaf: an almond-shaped loop off the stem or its tip
        at = (top + tip) / 2 if rng.random() < 0.5 else tip
        length, angle = r * rng.uniform(0.4, 0.8), rng.uniform(-70, 0)  # up and to the right
        angle = angle if rng.random() < 0.5 else 180 - angle  # or to the left
        centre = at + length / 2 * np.array([np.cos(np.radians(angle)), np.sin(np.radians(angle))])
        cv2.ellipse(
            ink,
            tuple(np.int32(centre)),
            (int(length / 2), int(length / 4) + 1),
            angle,
            0,
            360,
            1.0,
            pen,
            cv2.LINE_AA,
        )
    if rng.random() < 0.3:  # a shine
        cv2.ellipse(
            ink,
            (int(c + r * 0.45 * wide), int(c - r * 0.1)),
            (int(r * 0.25),) * 2,
            0,
            -80,
            10,
            1.0,
            pen,
            cv2.LINE_AA,
        )


def noise(rng: np.random.Generator, canvas: int) -> np.ndarray:
    """Speckle, salt-and-pepper or smooth blotches over the whole field."""
    kind = rng.integers(3)
    if kind == 0:
        return rng.uniform(0, 1, (canvas, canvas)).astype(np.float32)
    if kind == 1:
        return (rng.random((canvas, canvas)) < rng.uniform(0.01, 0.2)).astype(np.float32)
    blotches = cv2.GaussianBlur(rng.uniform(0, 1, (canvas, canvas)).astype(np.float32), (0, 0), 12)
    return np.clip((blotches - blotches.mean()) * 12 + 0.5, 0, 1)


def non_digit(
    kind: str, rng: np.random.Generator, canvas: int = 512, fonts: str = "test"
) -> np.ndarray:
    """One non-digit of this kind drawn black on white (RGB uint8, canvas x canvas)."""
    if kind in ("letter", "text"):
        ink = {"letter": letter, "text": text_line}[kind](rng, canvas, fonts)
    else:
        ink = {"scribble": scribble, "shape": shape, "doodle": doodle, "noise": noise}[kind](
            rng, canvas
        )
    return black_on_white(ink)
