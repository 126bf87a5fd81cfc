"""Another revision's digit_core, run on the same pictures in the same benchmark run."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_at_revision(revision: str, module: str, args: list[str]) -> object:
    """`python -m module --answers-only args` in a child process started in a folder holding
    only `revision`'s digit_core (first on its path; the benchmarks from this tree, the model
    from this tree's model/); its last line of output, read as JSON."""
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", revision, "digit_core"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        child = subprocess.run(
            [sys.executable, "-m", module, "--answers-only", *args],
            cwd=folder,
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT), "DIGIT_MODEL": str(ROOT / "model")},
        )
    return json.loads(child.stdout.strip().splitlines()[-1])
