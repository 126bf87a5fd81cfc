"""Seconds from lifting the pen to the answer on screen, in headless Chromium: the Studio's
drawing pad beside a gr.Sketchpad wired to the same model (what the Studio used before), same
run, same browser; and the server's share, a drawing sent straight to /predict_sketch.

    python -m benchmarks.pen_up [--strokes 10]

Each stroke is a 7 on a fresh page; the clock starts when the pen lifts. Breakdown: the first
request the page sends (the Sketchpad first exports its canvas through WebGL, the pad encodes
one PNG), the event joining the queue, the answer shown. Needs Debian's chromium, as the browser
tests do; it renders in software (--disable-gpu), slower than a laptop's browser.
"""

import argparse
import tempfile
import time
from pathlib import Path

import gradio as gr
import numpy as np
from PIL import Image

import digit_core
from tests.app_server import free_port, running_app
from tests.browser import SEVEN, browser_args, canvas_points
from training.drawings import black_on_white, ink_strokes, mnist_fixture

ROOT = Path(__file__).resolve().parent.parent


# The Sketchpad as the Studio had it, brush picked at load (it opens with no tool selected).
PICK_BRUSH = """() => { const t = setInterval(() => {
  const brush = document.querySelector('#sketch button[aria-label="Brush"]');
  if (brush && document.querySelector('#sketch .pixi-target canvas')) {
    brush.click(); clearInterval(t);
  }
}, 100); }"""


def sketchpad_app() -> str:
    """A gr.Sketchpad (280 px canvas, as the Studio had) and a Label, on a free port."""

    def predict(sketch):
        try:
            return digit_core.predict(sketch["composite"])
        except (ValueError, TypeError, KeyError):
            return {}

    with gr.Blocks() as demo, gr.Row():  # the Studio's columns, so the 7 lands on the canvas
        with gr.Column(scale=3):
            sketch = gr.Sketchpad(
                elem_id="sketch",
                canvas_size=(280, 280),
                height=460,
                layers=False,
                brush=gr.Brush(default_size=7, colors=["#000000"], color_mode="fixed"),
            )
        with gr.Column(scale=2):
            label = gr.Label(num_top_classes=10, elem_id="prediction")
        sketch.change(predict, sketch, label, trigger_mode="always_last", show_progress="hidden")
        demo.load(None, js=PICK_BRUSH)
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    return f"http://127.0.0.1:{port}/"


def pen_up_to_answer(browser, url: str, canvas: str) -> dict[str, float]:
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    page.goto(url)
    page.locator(canvas).wait_for(state="visible", timeout=30_000)
    page.wait_for_timeout(1000)  # the page's scripts are in place (the Sketchpad's brush)
    marks: dict[str, float] = {}

    def seen(request) -> None:
        if request.method == "POST":
            marks.setdefault("first request", time.perf_counter())
            if "queue/join" in request.url:
                marks.setdefault("join", time.perf_counter())

    page.on("request", seen)
    points = canvas_points(page, SEVEN, canvas)
    page.mouse.move(*points[0])
    page.mouse.down()
    for point in points[1:]:
        page.mouse.move(*point, steps=3)
    start = time.perf_counter()
    page.mouse.up()
    page.wait_for_function("document.querySelector('#prediction').innerText.includes('%')")
    shown = time.perf_counter()
    page.context.close()
    return {
        "-> first request": marks["first request"] - start,
        "-> event joins the queue": marks["join"] - start,
        "-> answer shown": shown - start,
    }


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
    parser.add_argument("--strokes", type=int, default=10)
    args = parser.parse_args()
    digits, labels = mnist_fixture()
    seven = digits[int(np.flatnonzero(labels == 7)[0])]
    rows = {}
    with tempfile.TemporaryDirectory() as tmp, running_app(HF_HUB_OFFLINE="1") as (url, _):
        drawing = Path(tmp) / "seven.png"
        Image.fromarray(black_on_white(ink_strokes(seven, canvas=280))).save(drawing)
        with sync_playwright() as p:
            browser = p.chromium.launch(**browser_args())
            for name, page_url, canvas in (
                ("Studio's drawing pad", url, "#sketch canvas"),
                ("gr.Sketchpad (baseline)", sketchpad_app(), "#sketch .pixi-target canvas"),
            ):
                strokes = [pen_up_to_answer(browser, page_url, canvas) for _ in range(args.strokes)]
                for step in strokes[0]:
                    rows[f"{name}: pen up {step}"] = [s[step] for s in strokes]
            browser.close()
        rows["/predict_sketch round trip (gradio_client)"] = server_round_trip(
            url, drawing, args.strokes
        )
    print(
        f"{'what (headless Chromium, software rendering)':60} {'runs':>5} {'p50 s':>7} {'max s':>7}"
    )
    for name, seconds in rows.items():
        print(f"{name:60} {len(seconds):5d} {np.median(seconds):7.2f} {max(seconds):7.2f}")


if __name__ == "__main__":
    main()
