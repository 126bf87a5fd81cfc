"""Publishing for real, against a loopback Hub that keeps the real one's rules: `publish.py`
sends the model (binaries through LFS) and exactly the Space's allow-list; a fresh process then
loads the model from the Hub at the recorded revision, byte for byte the files in model/."""

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from huggingface_hub import ModelCard, SpaceCard

from digit_core.weights import PIN
from publish import model_files, space_files
from tests.fake_hub import BINARY_REFUSED, FakeHub
from tests.layout import import_graph, modules

ROOT = Path(__file__).resolve().parent.parent
MODEL, SPACE = "team/digit-cnn", "team/digit-studio"


def run(args: list, cwd: Path, **env) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k not in ("DIGIT_MODEL", "HF_HUB_OFFLINE")}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, *map(str, args)],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of what publish.py reads (and writes model/hub.json into)."""
    root = tmp_path / "project"
    for path in space_files(ROOT) + [Path("publish.py")]:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / path, root / path)
    (root / "model" / PIN).unlink(missing_ok=True)
    return root


def test_dry_run_lists_the_allow_list_and_sends_nothing(project, tmp_path):
    hub = FakeHub()
    try:
        done = run(
            [project / "publish.py", "--model", MODEL, "--space", SPACE, "--dry-run"],
            project,
            HF_ENDPOINT=hub.url,
            HF_HOME=str(tmp_path / "hf"),
        )
    finally:
        hub.close()
    assert done.returncode == 0, done.stderr[-3000:]
    listed = re.findall(r"^  (\S+)$", done.stdout, re.M)
    assert listed == [str(p.relative_to(project)) for p in model_files(project)] + [
        str(p) for p in space_files(project)
    ]
    assert not [r for r in hub.requests if not r.startswith("GET /api/agent-harnesses")]


def test_publish_then_a_fresh_process_loads_exactly_that_model(project, tmp_path):
    hub = FakeHub()
    env = dict(HF_ENDPOINT=hub.url, HF_TOKEN="hf_test", HF_HUB_DISABLE_XET="1")
    try:
        done = run(
            [project / "publish.py", "--model", MODEL, "--space", SPACE],
            project,
            HF_HOME=str(tmp_path / "hf-publish"),
            **env,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        pin = json.loads((project / "model" / PIN).read_text())
        assert pin["repo_id"] == MODEL and pin["revision"] == hub.heads[MODEL]
        assert f"pinned revision: {pin['revision']}" in done.stdout
        assert f"{hub.url}/spaces/{SPACE}" in done.stdout

        # The model repo at that commit: model/ byte for byte, binaries sent through LFS
        published = hub.files(MODEL, pin["revision"])
        assert published == {
            str(p.relative_to(project / "model")): p.read_bytes() for p in model_files(project)
        }
        binaries = [p for p in model_files(project) if b"\0" in p.read_bytes()[:8000]]
        assert {"digit_cnn.keras", "digit_cnn.tflite"} <= {p.name for p in binaries}
        assert all(
            f"PUT /lfs/{hashlib.sha256(p.read_bytes()).hexdigest()}" in hub.requests
            for p in binaries
        )

        # The Space: exactly the allow-list (the pin included), its README naming the model
        space = hub.files(SPACE)
        assert sorted(space) == sorted(str(p) for p in space_files(project))
        assert f"model/{PIN}" in space and "tests/conftest.py" not in space
        # the browser's network and runtime, in the model repo and the Space alike
        assert {"web/model.json", "web/group1-shard1of1.bin"} <= set(published)
        assert {
            "model/web/model.json",
            "model/web/group1-shard1of1.bin",
            "studio/browser/dist/live.mjs",
            "studio/browser/dist/tfjs-backend-wasm-simd.wasm",
            "studio/browser/dist/tfjs-backend-wasm.wasm",
        } <= set(space)
        readme = tmp_path / "space-README.md"
        readme.write_bytes(space["README.md"])
        assert SpaceCard.load(readme).data.models == [MODEL]

        # A fresh process with an empty cache, as the Space starts: the Hub's files at the pin
        space_root = tmp_path / "space"
        for name, data in space.items():
            (space_root / name).parent.mkdir(parents=True, exist_ok=True)
            (space_root / name).write_bytes(data)
        loaded = run(
            [
                "-c",
                "import digit_core.weights as w; print('USED', w.load_model().source);"
                " print('FOLDER', w.pinned_or_bundled(w.BUNDLED)[0])",
            ],
            space_root,
            HF_HOME=str(tmp_path / "hf-space"),
            PYTHONPATH=str(space_root),
            **env,
        )
    finally:
        hub.close()
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    assert f"USED Hub {MODEL}@{pin['revision']}" in loaded.stdout + loaded.stderr
    folder = Path(re.search(r"^FOLDER (.+)$", loaded.stdout, re.M).group(1))
    assert str(tmp_path / "hf-space") in str(folder)
    for name in ("digit_cnn.keras", "digit_cnn.tflite"):
        assert (folder / name).read_bytes() == (ROOT / "model" / name).read_bytes()


def test_the_hub_refuses_a_binary_file_committed_as_a_regular_file():
    """What a git push or a careless upload of model/ without LFS would meet."""
    hub = FakeHub()
    keras_bytes = (ROOT / "model" / "digit_cnn.keras").read_bytes()
    lines = [
        {"key": "header", "value": {"summary": "weights", "description": ""}},
        {
            "key": "file",
            "value": {
                "path": "digit_cnn.keras",
                "encoding": "base64",
                "content": base64.b64encode(keras_bytes).decode(),
            },
        },
    ]
    try:
        answer = httpx.post(
            f"{hub.url}/api/models/{MODEL}/commit/main",
            content="\n".join(json.dumps(line) for line in lines).encode(),
        )
    finally:
        hub.close()
    assert answer.status_code == 400
    assert answer.json()["error"].startswith(BINARY_REFUSED) and "digit_cnn.keras" in answer.text
    assert MODEL not in hub.heads


def test_gitattributes_sends_every_binary_file_through_lfs():
    tracked = (
        subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    binary = [p for p in tracked if p and b"\0" in (ROOT / p).read_bytes()[:8000]]
    assert binary  # weights, pictures
    attributes = subprocess.run(
        ["git", "check-attr", "filter", "--", *binary],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert all(line.endswith(": filter: lfs") for line in attributes.splitlines()), attributes
    assert not [p for p in tracked if p.startswith("checkpoints/")]


def test_no_revision_is_typed_by_hand():
    """The only pin is the one publish.py writes into model/hub.json."""
    for path in [ROOT / "app.py", ROOT / "publish.py", *(ROOT / "digit_core").glob("*.py")]:
        assert not re.search(r"\b[0-9a-f]{40}\b", path.read_text()), path


def test_model_card_carries_the_test_result_the_hub_shows():
    card = ModelCard.load(ROOT / "model" / "README.md")
    metrics = json.loads((ROOT / "model" / "metrics.json").read_text())
    (result,) = card.data.eval_results
    assert (result.task_type, result.dataset_split, result.metric_type) == (
        "image-classification",
        "test",
        "accuracy",
    )
    assert result.metric_value == metrics["test_accuracy"]
    assert metrics["data_source"] in card.text
    for reading in metrics["test_split_readings"]:
        assert reading["candidate"] in card.text


def test_the_space_gets_every_module_the_app_imports_and_no_more_code():
    """The allow-list follows the layout: app.py's imports, followed to the end, all travel;
    training, tests and benchmarks stay home."""
    graph, files = import_graph(), modules()
    needed, todo = set(), ["app"]
    while todo:
        name = todo.pop()
        if name not in needed:
            needed.add(name)
            todo.extend(graph[name])
    sent = {str(p) for p in space_files(ROOT) if p.suffix == ".py"}
    assert {str(files[name].relative_to(ROOT)) for name in needed} <= sent
    assert not [p for p in sent if p.split("/")[0] in ("training", "tests", "benchmarks")]
    assert (ROOT / "studio" / "studio.css").relative_to(ROOT) in space_files(ROOT)
