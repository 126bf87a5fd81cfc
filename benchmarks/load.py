"""Many gradio_client clients at once against `python app.py` on 127.0.0.1: nothing lost.

    python -m benchmarks.load [--requests 400] [--clients 8]

A mix of valid drawings and photos (each with its true digit) and bad files from the corpus
(each with its expected message). Prints throughput, latency, outcome counts and the server's
resident memory before and after.
"""

import argparse
import re
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from tests.app_server import running_app
from tests.bad_inputs import corpus, encode
from training.drawings import black_on_white, ink_strokes, mnist_fixture, paper_photo

ROOT = Path(__file__).resolve().parent.parent


def workload(folder: Path, n: int, seed: int = 0) -> list[tuple[Path, object]]:
    """n requests: (file, expected), about two valid pictures for each bad file.

    Valid pictures are ones digit_core reads right, and as a digit, when called alone, so any
    wrong answer under load is the server's fault, not the model's.
    """
    from digit_core import read_digit

    digits, labels = mnist_fixture()
    rng = np.random.default_rng(seed)
    bad = corpus()
    items = []
    while len(items) < n:
        i = len(items)
        if i % 3 == 2:
            name, data, expected = bad[(i // 3) % len(bad)]
            path = folder / f"{i}-{name}"
            path.write_bytes(data)
            # A digit, or ("error", part of the message): the client sees only the message.
            items.append((path, expected if isinstance(expected, str) else ("error", expected[1])))
            continue
        j = int(rng.integers(len(digits)))
        ink = ink_strokes(
            digits[j],
            canvas=int(rng.integers(200, 600)),
            height=rng.uniform(0.3, 0.8),
            offset=tuple(rng.uniform(0.3, 0.7, 2)),
            stroke=rng.uniform(0.6, 2.5),
        )
        if i % 2:
            path = folder / f"{i}.png"
            path.write_bytes(encode(black_on_white(ink), "PNG"))
        else:
            path = folder / f"{i}.jpg"
            path.write_bytes(encode(paper_photo(ink, rng), "JPEG", quality=85))
        reading = read_digit(path)
        if reading.is_digit and reading.digit == str(labels[j]):
            items.append((path, str(labels[j])))
    return items


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024


def fire(url: str, items, clients: int) -> dict:
    """Every item sent once, spread over `clients` threads each holding its own Client."""
    from gradio_client import Client, handle_file
    from gradio_client.exceptions import AppError

    outcomes, latencies, lock = [], [], threading.Lock()

    def worker(share):
        client = Client(url, verbose=False)
        for path, expected in share:
            start = time.perf_counter()
            try:
                label = client.predict(handle_file(str(path)), api_name="/predict")["label"]
                outcome = (
                    "right"
                    if label == expected
                    else (
                        "wrong" if isinstance(expected, str) else "unexpected: predicted " + label
                    )
                )
            except AppError as e:
                outcome = (
                    "expected error"
                    if isinstance(expected, tuple) and re.search(expected[1], str(e))
                    else f"unexpected: {e}"
                )
            except Exception as e:  # noqa: BLE001  (anything else is a failure to count)
                outcome = f"unexpected: {type(e).__name__}: {e}"
            with lock:
                outcomes.append((path.name, outcome))
                latencies.append(time.perf_counter() - start)

    threads = [threading.Thread(target=worker, args=(items[k::clients],)) for k in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {
        "outcomes": outcomes,
        "latencies": np.array(latencies),
        "seconds": time.perf_counter() - start,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, running_app(HF_HUB_OFFLINE="1") as (url, server):
        items = workload(Path(tmp), args.requests)
        fire(url, items[:10], 2)  # warm-up
        before = rss_mb(server.pid)
        result = fire(url, items, args.clients)
        after = rss_mb(server.pid)
    outcomes = [o for _, o in result["outcomes"]]
    ms = result["latencies"] * 1000
    print(f"{args.requests} requests from {args.clients} concurrent clients")
    print(f"{'requests sent':28} {len(items):8d}")
    print(f"{'answered':28} {len(outcomes):8d}")
    print(f"{'requests/s':28} {len(outcomes) / result['seconds']:8.1f}")
    for q in (50, 95, 99):
        print(f"{f'latency p{q} (ms)':28} {np.percentile(ms, q):8.0f}")
    for kind in ("right", "wrong", "expected error"):
        print(f"{kind:28} {outcomes.count(kind):8d}")
    unexpected = [(n, o) for n, o in result["outcomes"] if o.startswith("unexpected")]
    print(f"{'unexpected errors':28} {len(unexpected):8d}")
    print(f"{'server RSS before (MB)':28} {before:8.0f}")
    print(f"{'server RSS after (MB)':28} {after:8.0f}")
    print(f"{'RSS growth (MB)':28} {after - before:8.0f}")
    for name, outcome in unexpected[:10]:
        print(f"  {name}: {outcome}")


if __name__ == "__main__":
    main()
