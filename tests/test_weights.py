"""Where the weights come from: the Hub path for real (a loopback Hub), the cache, the fallback.

Each case runs the loader in a fresh Python, because huggingface_hub reads HF_ENDPOINT and the
cache location once, at import.
"""

import os
import subprocess
import sys
import time

import pytest

from digit_core import load_model
from digit_core.weights import BUNDLED, DEFAULT_REPO, DEFAULT_REVISION
from app_server import free_port
from fake_hub import FakeHub

LOADER = "import digit_core; print('USED', digit_core.load_model().source)"


@pytest.fixture
def hub():
    server = FakeHub(DEFAULT_REPO, DEFAULT_REVISION, BUNDLED)
    yield server
    server.close()


def load_in_subprocess(tmp_path, endpoint, **env) -> tuple[str, float, int]:
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("DIGIT_MODEL", "HF_HUB_OFFLINE", "HF_HUB_CACHE")}
    full_env.update(HF_HOME=str(tmp_path / "hf"), HF_ENDPOINT=endpoint, **env)
    start = time.monotonic()
    run = subprocess.run([sys.executable, "-c", LOADER], env=full_env, capture_output=True,
                         text=True, timeout=120)
    return run.stdout + run.stderr, time.monotonic() - start, run.returncode


def resolves(hub):
    return [r for r in hub.requests if "/resolve/" in r]


def test_default_downloads_the_pinned_revision_then_uses_the_cache(hub, tmp_path):
    out, _, code = load_in_subprocess(tmp_path, hub.url)
    assert code == 0, out
    assert f"USED Hub {DEFAULT_REPO}@{DEFAULT_REVISION}" in out
    assert f"GET /{DEFAULT_REPO}/resolve/{DEFAULT_REVISION}/digit_cnn.keras" in resolves(hub)
    assert f"GET /{DEFAULT_REPO}/resolve/{DEFAULT_REVISION}/digit_cnn.tflite" in resolves(hub)
    assert all(DEFAULT_REVISION in r for r in resolves(hub))  # never a branch name

    before = len(resolves(hub))
    out, _, code = load_in_subprocess(tmp_path, hub.url)  # cached: not one request
    assert code == 0 and f"USED Hub {DEFAULT_REPO}" in out
    assert len(resolves(hub)) == before

    hub.close()  # the Hub goes away: the cached copy still serves
    out, _, code = load_in_subprocess(tmp_path, hub.url)
    assert code == 0 and f"USED Hub {DEFAULT_REPO}" in out


def test_unreachable_hub_falls_back_to_the_bundled_copy_quickly(tmp_path):
    out, seconds, code = load_in_subprocess(tmp_path, f"http://127.0.0.1:{free_port()}")
    assert code == 0, out
    assert "USED bundled copy" in out and "Hub unavailable" in out
    assert seconds < 20  # huggingface_hub alone would retry for ~24 s before giving up


def test_offline_mode_uses_the_bundled_copy(tmp_path):
    out, _, code = load_in_subprocess(tmp_path, "http://127.0.0.1:9", HF_HUB_OFFLINE="1")
    assert code == 0 and "USED bundled copy" in out


def test_explicit_hub_source_from_environment(hub, tmp_path):
    out, _, code = load_in_subprocess(
        tmp_path, hub.url, DIGIT_MODEL=f"hf://{DEFAULT_REPO}@{DEFAULT_REVISION}")
    assert code == 0 and f"USED Hub {DEFAULT_REPO}@{DEFAULT_REVISION}" in out


def test_explicit_source_that_does_not_exist_fails_loudly(hub, tmp_path):
    """Asked for a specific model, we never silently serve another one."""
    out, _, code = load_in_subprocess(tmp_path, hub.url, DIGIT_MODEL=f"{DEFAULT_REPO}@{'0' * 40}")
    assert code != 0 and "RevisionNotFound" in out


def test_local_folder_source():
    model = load_model(str(BUNDLED))
    assert model.source == f"local folder {BUNDLED}"
    assert sorted(model.keras_model.output_shape) == [(None, 1), (None, 10)]  # is_digit, classes


def test_not_a_source():
    with pytest.raises(ValueError, match="Not a folder or a Hub repo id"):
        load_model("no-such-folder")
