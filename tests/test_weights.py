"""Where the weights come from: the pinned Hub revision for real (a loopback Hub), the cache,
the fallbacks and their log lines.

Each case runs the loader in a fresh Python, because huggingface_hub reads HF_ENDPOINT and the
cache location once, at import; and in a copy of the project, whose model/hub.json it may write.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from digit_core import load_model
from digit_core.weights import BUNDLED, PIN, served_sha256
from tests.app_server import free_port
from tests.fake_hub import FakeHub

REPO, COMMIT = "team/digit-cnn", "4b1f0c2d" * 5
LOADER = (
    "import digit_core.weights as w; print('USED', w.load_model().source); "
    "print('FOLDER', w.pinned_or_bundled(w.BUNDLED)[0])"
)


def project_copy(root: Path) -> Path:
    """digit_core and the served files, as a fresh checkout (or the Space) has them."""
    shutil.copytree(
        BUNDLED.parent / "digit_core",
        root / "digit_core",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    (root / "model").mkdir(parents=True)
    for path in BUNDLED.iterdir():
        if path.is_file() and path.name != PIN:
            shutil.copy(path, root / "model" / path.name)
    return root


def pin(root: Path, revision: str = COMMIT, sha256: dict | None = None) -> None:
    record = {
        "repo_id": REPO,
        "revision": revision,
        "sha256": sha256 or served_sha256(root / "model"),
    }
    (root / "model" / PIN).write_text(json.dumps(record))


@pytest.fixture
def hub():
    server = FakeHub(REPO, COMMIT, BUNDLED)
    yield server
    server.close()


def load_in_subprocess(root, hf_home, endpoint, **env) -> tuple[str, int]:
    full_env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DIGIT_MODEL", "HF_HUB_OFFLINE", "HF_HUB_CACHE")
    }
    full_env.update(HF_HOME=str(hf_home), HF_ENDPOINT=endpoint, PYTHONPATH=str(root), **env)
    run = subprocess.run(
        [sys.executable, "-c", LOADER],
        cwd=root,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return run.stdout + run.stderr, run.returncode


def resolves(hub):
    return [r for r in hub.requests if "/resolve/" in r]


def test_the_pinned_revision_is_downloaded_then_cached(hub, tmp_path):
    root = project_copy(tmp_path / "project")
    pin(root)
    out, code = load_in_subprocess(root, tmp_path / "hf", hub.url)
    assert code == 0, out
    assert f"USED Hub {REPO}@{COMMIT}" in out
    assert f"GET /{REPO}/resolve/{COMMIT}/digit_cnn.keras" in resolves(hub)
    assert f"GET /{REPO}/resolve/{COMMIT}/digit_cnn.tflite" in resolves(hub)
    assert all(COMMIT in r for r in resolves(hub))  # never a branch name

    before = len(resolves(hub))
    out, code = load_in_subprocess(root, tmp_path / "hf", hub.url)  # cached: no request
    assert code == 0 and f"USED Hub {REPO}" in out
    assert len(resolves(hub)) == before

    hub.close()  # the Hub goes away: the cached copy still serves
    out, code = load_in_subprocess(root, tmp_path / "hf", hub.url)
    assert code == 0 and f"USED Hub {REPO}" in out


def test_not_published_yet_uses_the_bundled_model_and_says_so(hub, tmp_path):
    root = project_copy(tmp_path / "project")
    out, code = load_in_subprocess(root, tmp_path / "hf", hub.url)
    assert code == 0, out
    assert "USED bundled copy" in out and "not published yet: using the bundled model" in out
    assert resolves(hub) == []


def test_a_wrong_pin_falls_back_to_the_bundled_model(hub, tmp_path):
    root = project_copy(tmp_path / "project")
    pin(root, revision="0" * 40)
    out, code = load_in_subprocess(root, tmp_path / "hf", hub.url)
    assert code == 0, out
    assert (
        f"USED bundled copy {root / 'model'} (Hub {REPO}@{'0' * 40} unavailable: "
        "RevisionNotFoundError)" in out
    )


def test_files_that_are_not_the_published_ones_are_not_served(hub, tmp_path):
    root = project_copy(tmp_path / "project")
    pin(root, sha256={"digit_cnn.keras": "0" * 64, "digit_cnn.tflite": "0" * 64})
    out, code = load_in_subprocess(root, tmp_path / "hf", hub.url)
    assert code == 0, out
    assert "USED bundled copy" in out and "unavailable: ValueError" in out


def test_unreachable_hub_falls_back_to_the_bundled_copy_without_retrying(tmp_path):
    root = project_copy(tmp_path / "project")
    pin(root)
    out, code = load_in_subprocess(root, tmp_path / "hf", f"http://127.0.0.1:{free_port()}")
    assert code == 0, out
    # Our one connect said so; huggingface_hub alone retries for ~24 s and then raises
    # LocalEntryNotFoundError (../shared/notes).
    assert "USED bundled copy" in out and "unavailable: ConnectionRefusedError" in out


def test_offline_mode_uses_the_bundled_copy(tmp_path):
    root = project_copy(tmp_path / "project")
    pin(root)
    out, code = load_in_subprocess(root, tmp_path / "hf", "http://127.0.0.1:9", HF_HUB_OFFLINE="1")
    assert code == 0 and "USED bundled copy" in out


def test_explicit_hub_source_from_environment(hub, tmp_path):
    root = project_copy(tmp_path / "project")
    out, code = load_in_subprocess(
        root, tmp_path / "hf", hub.url, DIGIT_MODEL=f"hf://{REPO}@{COMMIT}"
    )
    assert code == 0 and f"USED Hub {REPO}@{COMMIT}" in out


def test_explicit_source_that_does_not_exist_fails_loudly(hub, tmp_path):
    """Asked for a specific model, we never silently serve another one."""
    root = project_copy(tmp_path / "project")
    out, code = load_in_subprocess(root, tmp_path / "hf", hub.url, DIGIT_MODEL=f"{REPO}@{'0' * 40}")
    assert code != 0 and "RevisionNotFound" in out


def test_local_folder_source():
    model = load_model(str(BUNDLED))
    assert model.source == f"local folder {BUNDLED}"
    assert sorted(model.keras_model.output_shape) == [(None, 1), (None, 10)]  # is_digit, classes


def test_not_a_source():
    with pytest.raises(ValueError, match="Not a folder or a Hub repo id"):
        load_model("no-such-folder")
