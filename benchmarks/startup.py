"""Seconds from `python app.py` to the first answered /predict, next to a bare `import gradio`
(what any Gradio app pays before its own code runs). Predictions run on LiteRT; TensorFlow loads
for the explanation before the server answers (loaded in the background while serving, it stalled
the first requests by seconds).

    python -m benchmarks.startup [--runs 3]
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

from tests.app_server import running_app

ROOT = Path(__file__).resolve().parent.parent


def app_to_first_answer(offline: bool) -> float:
    from gradio_client import Client, handle_file

    env = {"HF_HUB_OFFLINE": "1"} if offline else {}
    start = time.monotonic()
    with running_app(**env) as (url, _):
        Client(url, verbose=False).predict(
            handle_file(str(ROOT / "examples" / "3-transparent.png")), api_name="/predict"
        )
        return time.monotonic() - start


def bare_import() -> float:
    start = time.monotonic()
    subprocess.run([sys.executable, "-c", "import gradio"], check=True, capture_output=True)
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = [
        ("python -c 'import gradio' (baseline)", bare_import),
        ("python app.py -> first /predict", lambda: app_to_first_answer(False)),
        ("python app.py -> first /predict (HF_HUB_OFFLINE=1)", lambda: app_to_first_answer(True)),
    ]
    print(f"{'what':52} {'runs':>5} {'best s':>7} {'median s':>9}")
    for name, measure in rows:
        seconds = sorted(measure() for _ in range(args.runs))
        print(f"{name:52} {args.runs:5d} {seconds[0]:7.1f} {seconds[len(seconds) // 2]:9.1f}")


if __name__ == "__main__":
    main()
