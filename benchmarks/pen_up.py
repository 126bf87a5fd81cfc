"""Seconds from lifting the pen to the answer on screen, in headless Chromium, beside the
server's share: a drawing of the same size sent straight to /predict_sketch, same run.

    python benchmarks/pen_up.py [--strokes 5]

Needs Debian's chromium, as the browser tests do. It renders in software (--disable-gpu), so
the browser's part (the Sketchpad exporting its canvas) is slower here than on a laptop.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
from app_server import running_app  # noqa: E402
from drawings import black_on_white, ink_strokes, mnist_fixture  # noqa: E402
from test_browser import SEVEN, browser_args, canvas_points, open_studio  # noqa: E402


def pen_up_to_answer(browser, url: str) -> float:
    """A 7 drawn in one stroke on a fresh page; the clock starts when the pen lifts."""
    page = open_studio(browser, url)
    points = canvas_points(page, SEVEN)
    page.mouse.move(*points[0])
    page.mouse.down()
    for point in points[1:]:
        page.mouse.move(*point, steps=3)
    start = time.perf_counter()
    page.mouse.up()
    page.wait_for_function("document.querySelector('#prediction').innerText.includes('%')")
    seconds = time.perf_counter() - start
    page.context.close()
    return seconds


def server_round_trip(url: str, drawing: Path, calls: int) -> list[float]:
    from gradio_client import Client, handle_file

    client = Client(url, verbose=False)
    sketch = {"background": None, "layers": [], "composite": handle_file(str(drawing))}
    client.predict(sketch, api_name="/predict_sketch")  # warm-up
    seconds = []
    for _ in range(calls):
        start = time.perf_counter()
        client.predict(sketch, api_name="/predict_sketch")
        seconds.append(time.perf_counter() - start)
    return seconds


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser()
    parser.add_argument("--strokes", type=int, default=5)
    args = parser.parse_args()
    digits, labels = mnist_fixture()
    seven = digits[int(np.flatnonzero(labels == 7)[0])]
    with tempfile.TemporaryDirectory() as tmp, running_app() as (url, _):
        drawing = Path(tmp) / "seven.png"
        side = 280  # the Sketchpad's canvas_size in app.py
        Image.fromarray(black_on_white(ink_strokes(seven, canvas=side))).save(drawing)
        with sync_playwright() as p:
            browser = p.chromium.launch(**browser_args())
            browser_seconds = [pen_up_to_answer(browser, url) for _ in range(args.strokes)]
            browser.close()
        server_seconds = server_round_trip(url, drawing, args.strokes)
    print(f"{'what':52} {'runs':>5} {'p50 s':>7} {'max s':>7}")
    for name, seconds in (("pen up -> answer shown (headless Chromium)", browser_seconds),
                          ("/predict_sketch round trip (gradio_client)", server_seconds)):
        print(f"{name:52} {len(seconds):5d} {np.median(seconds):7.2f} {max(seconds):7.2f}")


if __name__ == "__main__":
    main()
