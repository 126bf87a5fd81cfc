"""Driving the Studio in a real browser (Debian's Chromium through Playwright): shared by the
browser tests and the browser benchmarks."""

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CANVAS = "#sketch canvas"
TOP_LABEL = "#prediction [data-testid='label-output-value']"
# A 7 as fractions of the canvas: the top bar, then the long diagonal.
SEVEN = [(0.28, 0.22), (0.72, 0.22), (0.45, 0.82)]
ONE = [(0.5, 0.2), (0.5, 0.8)]
# A phone as Chromium emulates one: 390x844, touch, a 2x screen.
PHONE = dict(
    viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2
)


def browser_args() -> dict:
    """Headless Debian Chromium, quiet: no sandbox (containers), GPU, updates or sync."""
    return {
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


def wait_until_drawable(page, canvas=CANVAS):
    """The pad shows a moment before a stroke on it counts: before its script has run, and
    while Gradio's page-loading overlay still lies over it (a first stroke lost that way: 6 of
    45 page loads on a machine kept busy, 0 of 45 after this wait)."""
    page.locator(canvas + "[data-ready]").wait_for(timeout=30_000)
    page.wait_for_function(
        """(selector) => {
        const canvas = document.querySelector(selector), box = canvas.getBoundingClientRect();
        return document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2) === canvas;
    }""",
        arg=canvas,
        timeout=30_000,
    )


def open_studio(browser, app_url, **context):
    """The Studio is the front page: the canvas, ready to draw on (no tool to pick)."""
    page = browser.new_context(**context).new_page()
    page.goto(app_url)
    wait_until_drawable(page)
    return page


def canvas_points(page, stroke, canvas=CANVAS):
    box = page.locator(canvas).bounding_box()
    return [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in stroke]


def draw_with_mouse(page, stroke, canvas=CANVAS):
    points = canvas_points(page, stroke, canvas)
    page.mouse.move(*points[0])
    page.mouse.down()
    for point in points[1:]:
        page.mouse.move(*point, steps=3)
    page.mouse.up()


def draw_with_finger(page, stroke):
    """Real touch events through the DevTools protocol (Playwright's touchscreen only taps)."""
    points = canvas_points(page, stroke)
    cdp = page.context.new_cdp_session(page)

    def touch(kind, point):
        touches = [] if kind == "touchEnd" else [{"x": point[0], "y": point[1]}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": touches})

    touch("touchStart", points[0])
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        for t in (0.25, 0.5, 0.75, 1.0):
            touch("touchMove", (x0 + t * (x1 - x0), y0 + t * (y1 - y0)))
    touch("touchEnd", points[-1])
