"""The app, started once per test session on a free loopback port, as `python app.py` runs it."""

from pathlib import Path

import pytest
from gradio_client import Client
from playwright.sync_api import sync_playwright

from tests.app_server import running_app
from tests.browser import ARTIFACTS, CHROMIUM, browser_args


@pytest.fixture(scope="session")
def feedback_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("feedback")


@pytest.fixture(scope="session")
def app(tmp_path_factory, feedback_dir):
    """(url, server process)."""
    log = tmp_path_factory.mktemp("app") / "app.log"
    try:
        with running_app(log, HF_HUB_OFFLINE="1", FEEDBACK_DIR=str(feedback_dir)) as running:
            yield running
    except RuntimeError as e:
        pytest.fail(str(e))


@pytest.fixture(scope="session")
def app_url(app):
    return app[0]


@pytest.fixture(scope="session")
def client(app_url):
    return Client(app_url, verbose=False)


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium for the browser tests; never skipped (they fail without it)."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(**browser_args())
        yield browser
        browser.close()
