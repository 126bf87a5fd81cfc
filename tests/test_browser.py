"""A real browser (Debian's Chromium, driven by Playwright) using the app as people do."""

from pathlib import Path

import numpy as np
from PIL import Image
from playwright.sync_api import expect

from tests.browser import (
    ARTIFACTS,
    CANVAS,
    ONE,
    PHONE,
    SEVEN,
    TOP_LABEL,
    draw_with_finger,
    draw_with_mouse,
    open_studio,
    wait_until_drawable,
)
from training.drawings import compose_number, mnist_fixture
from training.non_digits import non_digit

ROOT = Path(__file__).resolve().parent.parent
DIGITS, LABELS = mnist_fixture()


def test_draw_clear_draw_again_with_the_mouse(browser, app_url):
    """Draw a 7, read 7; clear; draw a 1, read 1: no other click, the canvas the same size."""
    page = open_studio(browser, app_url, viewport={"width": 1366, "height": 900})
    size = page.locator(CANVAS).bounding_box()
    draw_with_mouse(page, SEVEN)
    expect(page.locator(TOP_LABEL)).to_have_text("7", timeout=20_000)  # no button pressed
    expect(page.locator("#why img")).to_be_visible(timeout=20_000)  # the explanation map
    page.wait_for_timeout(500)
    page.screenshot(path=ARTIFACTS / "drawn.png")  # docs/screenshot.png: README "Screenshot"

    page.locator("#sketch").get_by_role("button", name="Clear").click()
    expect(page.locator(TOP_LABEL)).to_have_count(0, timeout=20_000)  # cleared, no stale digit
    expect(page.locator(".toast-body")).to_have_count(0)  # and no error popup
    assert page.locator(CANVAS).bounding_box() == size
    page.screenshot(path=ARTIFACTS / "cleared.png")
    draw_with_mouse(page, ONE)
    expect(page.locator(TOP_LABEL)).to_have_text("1", timeout=20_000)


def test_send_a_correction(browser, app_url, feedback_dir):
    page = open_studio(browser, app_url, viewport={"width": 1280, "height": 860})
    expect(page.get_by_text("Nothing you draw is stored unless you press Send")).to_be_visible()
    draw_with_mouse(page, SEVEN)
    expect(page.locator(TOP_LABEL)).to_have_text("7", timeout=20_000)
    page.locator("#correction input").click()
    page.get_by_role("option", name="1", exact=True).click()
    page.locator("#send").click()
    expect(page.locator("#thanks")).to_contain_text("saved as a 1", timeout=20_000)
    records = (feedback_dir / "feedback.jsonl").read_text().splitlines()
    assert '"correction": 1' in records[-1] and '"predicted": 7' in records[-1]


def test_a_letter_gets_a_warning_not_a_digit(browser, app_url, tmp_path):
    page = open_studio(browser, app_url, viewport={"width": 1280, "height": 860})
    page.get_by_role("tab", name="Upload").click()
    letter = tmp_path / "letter.png"
    Image.fromarray(non_digit("letter", np.random.default_rng(4))).save(letter)
    page.locator("#upload input[type=file]").set_input_files(letter)
    expect(page.locator(TOP_LABEL)).to_have_text("Not a digit?", timeout=20_000)
    expect(page.locator("#warning")).to_contain_text("doesn't look like a digit")
    page.screenshot(path=ARTIFACTS / "not-a-digit.png")


def test_write_a_number(browser, app_url):
    page = open_studio(browser, app_url, viewport={"width": 1280, "height": 900})
    page.get_by_role("tab", name="Number").click()
    canvas = "#number-sketch canvas"
    expect(page.locator("#prediction")).to_be_hidden(timeout=10_000)  # the tab has the width
    wait_until_drawable(page, canvas)
    draw_with_mouse(page, [(0.3, 0.2), (0.3, 0.8)], canvas)  # a 1
    draw_with_mouse(page, [(0.45, 0.2), (0.62, 0.2), (0.5, 0.8)], canvas)  # then a 7
    expect(page.locator("#number")).to_have_text("17", timeout=20_000)
    page.screenshot(path=ARTIFACTS / "number.png", full_page=True)
    page.locator("#number-sketch").get_by_role("button", name="Undo").click()  # the 7 goes
    expect(page.locator("#number")).to_have_text("1", timeout=20_000)
    draw_with_mouse(page, [(0.45, 0.2), (0.62, 0.2), (0.5, 0.8)], canvas)  # and comes back
    expect(page.locator("#number")).to_have_text("17", timeout=20_000)


def test_upload_a_number(browser, app_url, tmp_path):
    page = open_studio(browser, app_url, viewport={"width": 1280, "height": 900})
    page.get_by_role("tab", name="Number").click()
    picture = tmp_path / "number.png"
    Image.fromarray(compose_number([DIGITS[i] for i in (3, 1, 4)], np.random.default_rng(0))).save(
        picture
    )
    page.locator("#number-upload input[type=file]").set_input_files(picture)
    expect(page.locator("#number")).to_have_text(
        "".join(str(LABELS[i]) for i in (3, 1, 4)), timeout=20_000
    )


def test_upload_a_photo(browser, app_url):
    page = open_studio(browser, app_url, viewport={"width": 1280, "height": 860})
    page.get_by_role("tab", name="Upload").click()
    page.locator("#upload input[type=file]").set_input_files(
        ROOT / "examples" / "6-paper-photo.jpg"
    )
    expect(page.locator(TOP_LABEL)).to_have_text("6", timeout=20_000)
    page.screenshot(path=ARTIFACTS / "upload.png", full_page=True)


def test_upload_of_a_non_image_shows_the_message(browser, app_url, tmp_path):
    page = open_studio(browser, app_url, viewport={"width": 1280, "height": 860})
    page.get_by_role("tab", name="Upload").click()
    bad = tmp_path / "notes.png"
    bad.write_text("not a picture")
    page.locator("#upload input[type=file]").set_input_files(bad)
    expect(page.get_by_text("not an image we can read")).to_be_visible(timeout=20_000)
    expect(page.locator(TOP_LABEL)).to_have_count(0)
    page.screenshot(path=ARTIFACTS / "invalid-upload.png")


def test_click_an_example(browser, app_url):
    page = open_studio(browser, app_url, viewport={"width": 1280, "height": 860})
    page.get_by_role("tab", name="Upload").click()
    page.locator("button.gallery-item").nth(6).click()  # sorted: 4-drawing.png
    expect(page.locator(TOP_LABEL)).to_have_text("4", timeout=20_000)


def test_phone_draw_clear_draw_again_with_a_finger(browser, app_url):
    """On a phone the answer shows beside the canvas, in view without scrolling."""
    page = open_studio(browser, app_url, **PHONE)
    draw_with_finger(page, SEVEN)
    expect(page.locator(TOP_LABEL)).to_have_text("7", timeout=20_000)
    assert page.evaluate("window.scrollY") == 0
    top = page.locator(TOP_LABEL).bounding_box()
    assert top["y"] >= 0 and top["y"] + top["height"] <= 844, top
    page.screenshot(path=ARTIFACTS / "phone.png")
    expect(page.locator("#why img")).to_be_visible(timeout=20_000)  # the page has settled
    # Headless Chromium's emulated touch drops a tap that comes soon after the emulated stroke
    # (seen here: no click event at all after 0.8 s, always one after 2 s); a person reads the
    # answer before clearing anyway.
    page.wait_for_timeout(2000)
    page.locator("#sketch").get_by_role("button", name="Clear").tap()
    expect(page.locator(TOP_LABEL)).to_have_count(0, timeout=20_000)
    draw_with_finger(page, ONE)
    expect(page.locator(TOP_LABEL)).to_have_text("1", timeout=20_000)


def test_the_about_page_leads_back_to_the_canvas(browser, app_url):
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    page.goto(app_url + "about")
    expect(page.get_by_text("How good is it?")).to_be_visible(timeout=30_000)
    page.screenshot(path=ARTIFACTS / "about.png", full_page=True)
    page.get_by_text("Draw a digit ✏️").click()
    expect(page.locator(CANVAS)).to_be_visible(timeout=30_000)
