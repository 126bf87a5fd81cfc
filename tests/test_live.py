"""The Draw tab reading in the visitor's browser as the pen moves (docs/in-browser.md): in a real
Chromium, with the page's own request log; and the two preprocessing implementations held
together on generated canvases."""

import urllib.request

import numpy as np
from playwright.sync_api import expect

from studio.live import LiveReader
from tests.browser import (
    ARTIFACTS,
    CANVAS,
    ONE,
    PHONE,
    SEVEN,
    TOP_LABEL,
    canvas_points,
    open_studio,
)
from tests.pad_canvases import browser_readings, mnist_canvases, scribbles, server_reading

LIVE = "#sketch .inkpad[data-live]"
READER = LiveReader(revision="", not_a_digit="")  # its files and their URLs


def asks_the_server(request) -> bool:
    """A request other than for the page's own files (the first Label drawn fetches its font)."""
    own_files = "/static/" in request.url or "/assets/" in request.url
    return not (request.method == "GET" and own_files)


def pen_down_and_move(page, stroke):
    """A stroke with the pen still on the pad at its end."""
    points = canvas_points(page, stroke)
    page.mouse.move(*points[0])
    page.mouse.down()
    for point in points[1:]:
        page.mouse.move(*point, steps=3)


def test_a_drawn_7_reads_7_before_the_pen_lifts_with_no_request(browser, app_url):
    """Then Clear, and a 1, the same way; the server adds the explanation after pen-up."""
    page = open_studio(browser, app_url, viewport={"width": 1366, "height": 900})
    expect(page.locator(LIVE)).to_be_attached(timeout=60_000)
    expect(page.locator("#sketch .live")).to_contain_text("in your browser: model seed")
    for stroke, digit in ((SEVEN, "7"), (ONE, "1")):
        sent = []
        page.on("request", lambda r, sent=sent: sent.append(r.url) if asks_the_server(r) else None)
        pen_down_and_move(page, stroke)
        expect(page.locator(TOP_LABEL)).to_have_text(digit, timeout=10_000)
        expect(page.locator("#sketch .seen")).to_be_visible()  # the 28x28 the network saw
        page.wait_for_timeout(300)  # any request a move might set off has gone by now
        assert sent == [], sent
        page.screenshot(path=ARTIFACTS / f"live-{digit}-pen-down.png")
        page.mouse.up()
        expect(page.locator("#why img")).to_be_visible(timeout=20_000)  # asked as the pen lifts
        expect(page.locator(TOP_LABEL)).to_have_text(digit)
        page.locator("#sketch").get_by_role("button", name="Clear").click()
        expect(page.locator(TOP_LABEL)).to_have_count(0, timeout=10_000)
        expect(page.locator("#why img")).to_have_count(0, timeout=20_000)


def test_on_a_phone_the_live_label_is_in_view_while_the_finger_draws(browser, app_url):
    page = open_studio(browser, app_url, **PHONE)
    expect(page.locator(LIVE)).to_be_attached(timeout=60_000)
    cdp = page.context.new_cdp_session(page)
    points = canvas_points(page, SEVEN)
    for kind, (x, y) in [("touchStart", points[0]), *(("touchMove", p) for p in points[1:])]:
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x, "y": y}]})
    expect(page.locator(TOP_LABEL)).to_have_text("7", timeout=10_000)  # the finger still down
    top = page.locator(TOP_LABEL).bounding_box()
    assert page.evaluate("window.scrollY") == 0 and 0 <= top["y"] <= 844 - top["height"], top
    page.screenshot(path=ARTIFACTS / "live-phone-finger-down.png")
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_not_a_digit_live(browser, app_url):
    """Scribbled writing gets the verdict, live, as the server would give it."""
    page = open_studio(browser, app_url, viewport={"width": 1366, "height": 900})
    expect(page.locator(LIVE)).to_be_attached(timeout=60_000)
    pen_down_and_move(
        page,
        [(0.05, 0.5), (0.2, 0.4), (0.35, 0.6), (0.5, 0.4), (0.65, 0.6), (0.8, 0.4), (0.95, 0.5)],
    )
    expect(page.locator(TOP_LABEL)).to_have_text("Not a digit?", timeout=10_000)
    page.mouse.up()
    expect(page.locator("#warning")).to_contain_text("writing or several marks", timeout=20_000)


def test_without_the_runtime_the_pad_reads_on_the_server(browser, app_url):
    """The WebAssembly refused (blocked, an old browser): no live reading, and the answer comes
    from the server after pen-up, as before."""
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    refused = []
    page.route("**/*.wasm?v=*", lambda route: refused.append(route.request.url) or route.abort())
    page.goto(app_url)
    page.locator(CANVAS + "[data-ready]").wait_for(timeout=30_000)
    page.wait_for_timeout(2000)  # time for the reader to try and fail
    expect(page.locator(LIVE)).to_have_count(0)
    assert refused  # the reader did ask for its runtime
    pen_down_and_move(page, SEVEN)
    page.wait_for_timeout(500)
    expect(page.locator(TOP_LABEL)).to_have_count(0)  # nothing before the pen lifts
    page.mouse.up()
    expect(page.locator(TOP_LABEL)).to_have_text("7", timeout=20_000)
    expect(page.locator("#why img")).to_be_visible(timeout=20_000)


def test_the_browser_reads_generated_canvases_as_digit_core_does(browser, app_url):
    """>= 99.5 % of 1,120 pad canvases get the same digit and verdict (or both no digit)."""
    rng = np.random.default_rng(25)
    canvases = mnist_canvases(1000, rng) + scribbles(120, rng)
    page = browser.new_context().new_page()
    page.goto(app_url)
    browser_answers = browser_readings(page, READER.bundle_url, READER.model_url, canvases)
    server_answers = [server_reading(c) for c in canvases]
    differ = [i for i, (b, s) in enumerate(zip(browser_answers, server_answers)) if b != s]
    assert len(differ) <= 0.005 * len(canvases), [
        (i, browser_answers[i], server_answers[i]) for i in differ
    ]


def test_the_reader_files_are_kept_by_the_browser(app_url):
    """Their URLs carry their version, so they may be cached for good; unversioned, not."""
    wasm = READER.bundle_url.replace("live.mjs", "tfjs-backend-wasm-simd.wasm")
    for url in (READER.bundle_url, READER.model_url, wasm):
        with urllib.request.urlopen(app_url.rstrip("/") + url) as answer:
            assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    with urllib.request.urlopen(app_url.rstrip("/") + READER.bundle_url.split("?")[0]) as answer:
        assert answer.headers["Cache-Control"] is None
