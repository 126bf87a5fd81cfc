"""The Draw tab reading in the browser (after) against reading on the server (before: the same
page with the WebAssembly refused, so the pad falls back), same run, same browser:

    python -m benchmarks.live [--digits 5] [--canvases 1120]

For each: when the Label first shows the right digit (before or after the pen lifts), the last
pen move -> that label (p50 / p95), pointer input delay while reading, requests to the server
per drawn digit (while the pen moves / from pen-up until the page settles), a first visit's
bytes and the time until the pad reads. Then the in-page cost of one read, and parity with
digit_core on generated pad canvases, listing the disagreements. Headless Debian Chromium,
software rendering, no GPU (as the browser tests).
"""

import argparse
import time

import numpy as np
from playwright.sync_api import sync_playwright

from studio.live import LiveReader
from tests.app_server import running_app
from tests.browser import SEVEN, browser_args, canvas_points
from tests.pad_canvases import browser_readings, mnist_canvases, scribbles, server_reading

LIVE = "#sketch .inkpad[data-live]"
READER = LiveReader(revision="", not_a_digit="")  # its files and their URLs
# Page-side clocks: each pointer move (time and input delay) and each change of the Label.
WATCH = """() => {
  window.moves = []; window.labels = [];
  document.querySelector("#sketch canvas").addEventListener("pointermove", (e) => {
    moves.push([performance.now(), performance.now() - e.timeStamp]);
  }, true);
  new MutationObserver(() => {
    const top = document.querySelector("#prediction [data-testid='label-output-value']");
    labels.push([performance.now(), top ? top.innerText : ""]);
  }).observe(document.querySelector("#prediction"), {subtree: true, childList: true,
                                                     characterData: true});
}"""
TIME_ONE_READ = """async ([reader, model, runs]) => {
  const { loadReader } = await import(reader);
  const read = await loadReader(model);
  const canvas = document.querySelector("#sketch canvas");
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    read(pixels, canvas.width, canvas.height);
    times.push(performance.now() - start);
  }
  return times;
}"""


def asks_the_server(request) -> bool:
    return not (
        request.method == "GET" and ("/static/" in request.url or "/assets/" in request.url)
    )


def open_page(context, url: str, live: bool) -> dict:
    """Bytes and seconds from opening the page until the pad reads (the context's cache kept)."""
    page = context.new_page()
    if not live:
        page.route("**/*.wasm?v=*", lambda route: route.abort())
    sizes: dict[str, int] = {}
    page.on("requestfinished", lambda r: sizes.__setitem__(r.url, r.sizes()["responseBodySize"]))
    start = time.perf_counter()
    page.goto(url)
    if live:
        page.locator(LIVE).wait_for(state="attached", timeout=60_000)
    else:
        page.locator("#sketch canvas[data-ready]").wait_for(timeout=60_000)
    ready = time.perf_counter() - start
    page.wait_for_timeout(1000)
    reader = {u: n for u, n in sizes.items() if "/gradio_api/file=" in u}
    return {
        "page": page,
        "ready s": ready,
        "bytes": sum(sizes.values()),
        "reader bytes": sum(reader.values()),
        "reader files": reader,
    }


def draw_one(page, stroke) -> dict:
    """Draw, watch, lift, wait for the explanation; what the page and the server saw."""
    page.evaluate(WATCH)
    moving, after = [], []
    page.on(
        "request",
        lambda r: (after if lifted else moving).append(r.url) if asks_the_server(r) else None,
    )
    lifted = False
    points = canvas_points(page, stroke)
    page.mouse.move(*points[0])
    page.mouse.down()
    for point in points[1:]:
        page.mouse.move(*point, steps=6)
    page.wait_for_timeout(300)
    up = page.evaluate("performance.now()")
    lifted = True
    page.mouse.up()
    page.locator("#why img").wait_for(timeout=30_000)
    page.wait_for_timeout(300)
    moves, labels = page.evaluate("[window.moves, window.labels]")
    right = next(t for t, text in labels if text == "7")
    before_up = right < up
    last_move = max(t for t, _ in moves if t <= right) if before_up else up
    page.locator("#sketch").get_by_role("button", name="Clear").click()
    page.locator("#why img").wait_for(state="detached", timeout=30_000)
    page.wait_for_timeout(300)
    return {
        "before pen-up": before_up,
        "latency ms": right - last_move,
        "delays ms": [d for _, d in moves],
        "moving": len(moving),
        "after": len(after),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--digits", type=int, default=5)
    parser.add_argument("--canvases", type=int, default=1120)
    args = parser.parse_args()
    print(
        f"{'path':34} {'7 before up':>11} {'move->label p50/p95 ms':>23} "
        f"{'input delay p95 ms':>18} {'requests moving/up':>18} {'first visit MB':>14} "
        f"{'reader MB':>9} {'ready s':>7}"
    )
    with running_app(HF_HUB_OFFLINE="1") as (url, _), sync_playwright() as p:
        browser = p.chromium.launch(**browser_args())
        for name, live in (
            ("server (before: wasm refused)", False),
            ("in the browser (after)", True),
        ):
            context = browser.new_context(viewport={"width": 1366, "height": 900})
            first = open_page(context, url, live)
            runs = [draw_one(first["page"], SEVEN) for _ in range(args.digits)]
            latency = [r["latency ms"] for r in runs]
            delays = [d for r in runs for d in r["delays ms"]]
            print(
                f"{name:34} {sum(r['before pen-up'] for r in runs):>5}/{len(runs):<5} "
                f"{np.median(latency):11.1f} / {np.percentile(latency, 95):7.1f} "
                f"{np.percentile(delays, 95):18.1f} "
                f"{np.mean([r['moving'] for r in runs]):8.1f} / "
                f"{np.mean([r['after'] for r in runs]):<7.1f} "
                f"{first['bytes'] / 1e6:14.2f} {first['reader bytes'] / 1e6:9.2f} "
                f"{first['ready s']:7.2f}"
            )
            if live:
                again = open_page(context, url, live)
                print(
                    f"    the same browser again: {again['bytes'] / 1e6:.2f} MB, reader "
                    f"{again['reader bytes'] / 1e6:.2f} MB, pad reads after "
                    f"{again['ready s']:.2f} s"
                )
                again["page"].close()
                for file, size in first["reader files"].items():
                    print(f"    {size / 1e6:6.3f} MB  {file.rsplit('/', 1)[-1]}")
                reads = first["page"].evaluate(
                    TIME_ONE_READ,
                    [
                        READER.bundle_url,
                        READER.model_url,
                        50,
                    ],
                )
                print(
                    f"one read in the page (preprocessing + network, a drawn 7's canvas): "
                    f"p50 {np.median(reads):.1f} ms, p95 {np.percentile(reads, 95):.1f} ms"
                )
                parity(first["page"], args.canvases)
            context.close()
        browser.close()


def parity(page, count: int) -> None:
    rng = np.random.default_rng(25)
    canvases = mnist_canvases(count * 25 // 28, rng) + scribbles(count - count * 25 // 28, rng)
    start = time.perf_counter()
    browser_answers = browser_readings(
        page,
        READER.bundle_url,
        READER.model_url,
        canvases,
    )
    seconds = time.perf_counter() - start
    server_answers = [server_reading(c) for c in canvases]
    differ = [i for i, (b, s) in enumerate(zip(browser_answers, server_answers)) if b != s]
    print(
        f"parity on {len(canvases)} generated pad canvases: {1 - len(differ) / len(canvases):.2%}"
        f" same digit and verdict ({len(differ)} differ; the browser took {seconds:.1f} s)"
    )
    for i in differ:
        print(
            f"    canvas {i}: browser {browser_answers[i]}, digit_core {server_answers[i]}"
            " (digit, is_digit; None: no digit)"
        )


if __name__ == "__main__":
    main()
