"""Where the weights come from: a local folder, the Hub at a pinned revision, or the bundled copy.

Order: `source` argument, else the DIGIT_MODEL environment variable, else the model repo and
commit that `publish.py` recorded in model/hub.json (downloaded once, cached by huggingface_hub,
checked against the sha256 recorded beside the pin), else -- not published yet, the Hub
unreachable or the files not the published ones -- the copy shipped in model/.
A source is a folder, "hf://org/name@revision" or "org/name@revision".
"""

import hashlib
import json
import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from ai_edge_litert.interpreter import Interpreter

log = logging.getLogger("digit_core")

KERAS_FILE = "digit_cnn.keras"  # the source of truth
LITERT_FILE = "digit_cnn.tflite"  # converted from it by train.py; what serving runs
# The copy shipped with the code: model/ beside the package in a checkout; inside the package in
# an installed wheel (pyproject.toml puts the served file there).
INSTALLED = Path(__file__).resolve().parent / "model"
BUNDLED = INSTALLED if INSTALLED.is_dir() else INSTALLED.parent.parent / "model"
PIN = "hub.json"  # {"repo_id", "revision", "sha256": {file: hex}}, written by publish.py
HUB_PROBE_SECONDS = 3.0


@dataclass
class LoadedModel:
    interpreter: Interpreter  # what predictions run on: no TensorFlow needed
    folder: Path
    source: str
    lock: threading.Lock = field(
        default_factory=threading.Lock
    )  # the interpreter isn't thread-safe
    keras_lock: threading.Lock = field(default_factory=threading.Lock)
    _keras_model: object = None

    @property
    def keras_model(self):
        """The Keras model (explanations, training checks), loaded on first use: importing
        Keras and TensorFlow takes seconds that a prediction should not wait for."""
        with self.keras_lock:
            if self._keras_model is None:
                import keras

                self._keras_model = keras.saving.load_model(
                    self.folder / KERAS_FILE, safe_mode=True
                )
            return self._keras_model


def load_model(source: str | None = None, threads: int = 2) -> LoadedModel:
    source = source or os.environ.get("DIGIT_MODEL")
    if source and Path(source).is_dir():
        folder, used = Path(source), f"local folder {source}"
    elif source:
        repo, revision = parse_hub_source(source)
        folder, used = download(repo, revision), f"Hub {repo}@{revision}"
    else:
        folder, used = pinned_or_bundled(BUNDLED)
    log.warning("digit_core: using model weights from %s", used)
    return load_folder(folder, used, threads)


def pinned_or_bundled(bundled: Path) -> tuple[Path, str]:
    """The published files at the recorded pin, or the bundled copy and why."""
    pin_file = bundled / PIN
    if not pin_file.exists():
        return bundled, f"bundled copy {bundled} (not published yet: using the bundled model)"
    pin = json.loads(pin_file.read_text())
    repo, revision = pin["repo_id"], pin["revision"]
    try:
        folder = download(repo, revision)
        check_sha256(folder, pin["sha256"])
    except (OSError, ValueError) as e:  # unreachable Hub, missing repo/revision, other files
        return bundled, (
            f"bundled copy {bundled} (Hub {repo}@{revision} unavailable: {type(e).__name__})"
        )
    return folder, f"Hub {repo}@{revision}"


def served_sha256(folder: Path) -> dict[str, str]:
    """The fingerprints of the two files that serving reads, as publish.py records them."""
    return {
        name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
        for name in (KERAS_FILE, LITERT_FILE)
    }


def check_sha256(folder: Path, expected: dict[str, str]) -> None:
    if served_sha256(folder) != expected:
        raise ValueError(f"the files in {folder} are not the ones that were published")


def parse_hub_source(source: str) -> tuple[str, str]:
    repo, _, revision = source.removeprefix("hf://").partition("@")
    if repo.count("/") != 1:
        raise ValueError(f"Not a folder or a Hub repo id (org/name[@revision]): {source!r}")
    return repo, revision or "main"


def download(repo: str, revision: str) -> Path:
    """Both files at one revision; a cached pinned revision costs no request at all."""
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    def fetch(local_only: bool) -> Path:
        paths = [
            hf_hub_download(repo, name, revision=revision, local_files_only=local_only)
            for name in (KERAS_FILE, LITERT_FILE)
        ]
        return Path(paths[0]).parent

    try:
        return fetch(local_only=True)
    except LocalEntryNotFoundError:
        pass
    require_hub_reachable()
    return fetch(local_only=False)


def require_hub_reachable() -> None:
    """huggingface_hub retries an unreachable Hub for ~24 s; a quick connect says it sooner."""
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        raise ConnectionError("HF_HUB_OFFLINE is set")
    url = urlparse(constants.ENDPOINT)
    port = url.port or (443 if url.scheme == "https" else 80)
    with socket.create_connection((url.hostname, port), timeout=HUB_PROBE_SECONDS):
        pass


def load_folder(folder: Path, used: str, threads: int = 2) -> LoadedModel:
    # Two threads: 0.36 instead of 0.60 ms a call here; calls are serialised by `lock` anyway.
    # One per process when processes share the cores (the bulk reader).
    interpreter = Interpreter(model_path=str(folder / LITERT_FILE), num_threads=threads)
    interpreter.allocate_tensors()
    return LoadedModel(interpreter, folder, used)
