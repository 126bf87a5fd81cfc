"""The app, started once per test session on a free loopback port, as `python app.py` runs it."""

import pytest
from gradio_client import Client

from tests.app_server import running_app


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
