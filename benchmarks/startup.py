"""Seconds from `python app.py` to the first answered /predict, next to a bare TensorFlow import.

    python benchmarks/startup.py [--runs 3]
"""

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_to_first_answer(offline: bool) -> float:
    from gradio_client import Client, handle_file

    port = free_port()
    env = dict(os.environ, GRADIO_SERVER_PORT=str(port), GRADIO_ANALYTICS_ENABLED="False")
    if offline:
        env["HF_HUB_OFFLINE"] = "1"
    start = time.monotonic()
    server = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                client = Client(f"http://127.0.0.1:{port}/", verbose=False)
                client.predict(handle_file(str(ROOT / "examples" / "3-transparent.png")),
                               api_name="/predict")
                return time.monotonic() - start
            except Exception:
                if time.monotonic() - start > 120:
                    raise
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait()


def bare_import() -> float:
    start = time.monotonic()
    subprocess.run([sys.executable, "-c", "import tensorflow"], check=True, capture_output=True)
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = [("python -c 'import tensorflow' (baseline)", bare_import),
            ("python app.py -> first /predict (Hub unreachable)", lambda: app_to_first_answer(False)),
            ("python app.py -> first /predict (HF_HUB_OFFLINE=1)", lambda: app_to_first_answer(True))]
    print(f"{'what':52} {'runs':>5} {'best s':>7} {'median s':>9}")
    for name, measure in rows:
        seconds = sorted(measure() for _ in range(args.runs))
        print(f"{name:52} {args.runs:5d} {seconds[0]:7.1f} {seconds[len(seconds) // 2]:9.1f}")


if __name__ == "__main__":
    main()
