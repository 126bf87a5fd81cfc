"""Pictures per second reading one folder of 10,000 PNGs: a plain loop over digit_core.predict
(the baseline), the bulk reader with 1 and 2 processes, and Ray with 1 and 2 workers; and the
accuracy of each, which must be the same.

    python benchmarks/bulk.py [--data ../shared/data/mnist.npz] [--count 10000] [--photos 1000]

The pictures: MNIST test digits written as 28x28 PNGs, and `--photos` of them (the last ones)
redrawn as 512x512 photos of paper (drawings.paper_photo), also PNG. The test digits are used
here only to time the readers; nothing is decided from them. Each reader's time includes
starting its processes or Ray actors and writing a Parquet file; not the Ray cluster's own
start, which is timed apart (a cluster is started once and serves many runs). CPU time (this
process and the worker processes it waited for; Ray's actors are not its children, so not for
Ray) says what a picture costs a core whatever else the machine is doing.

The most any reader could gain from a second process at that moment is printed first: how much
more two busy-looping processes do than one. On a shared machine it can be far below 2x (Linux's
autogroup scheduling shares the CPU between sessions, not processes), and then so is every
speed-up below it: compare the readers' ratios with it, or run on a quiet machine.
"""

import argparse
import multiprocessing
import os
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import pyarrow.parquet as pq

from digit_bulk.cli import main as digit_studio
from digit_core import predict
from training.drawings import ink_strokes, paper_photo

ROOT = Path(__file__).resolve().parent.parent


def write_pictures(data: str, count: int, photos: int, folder: Path) -> dict[str, int]:
    """The pictures as PNG files; each path's label."""
    with np.load(data) as f:
        digits, labels = f["x_test"][:count], f["y_test"][:count]
    rng = np.random.default_rng(0)
    truth = {}
    for i, (digit, label) in enumerate(zip(digits, labels)):
        path = str(folder / f"{i:05d}.png")
        photo = i >= count - photos
        cv2.imwrite(path, paper_photo(ink_strokes(digit), rng)[..., ::-1] if photo else digit)
        truth[path] = int(label)
    return truth


def loop(paths: list[str]) -> dict[str, int | None]:
    """What someone writes today: one predict call a picture."""
    answers: dict[str, int | None] = {}
    for path in paths:
        try:
            probabilities = predict(path)
        except ValueError:  # the core's two errors
            answers[path] = None
            continue
        answers[path] = int(max(probabilities, key=probabilities.get))
    return answers


def bulk(folder: Path, out: Path, *options: str) -> dict[str, int | None]:
    out.unlink(missing_ok=True)
    assert digit_studio(["read", str(folder), "--out", str(out), *options]) == 0
    table = pq.read_table(out, columns=["id", "digit"]).to_pydict()
    return dict(zip(table["id"], table["digit"]))


def spin(seconds: float) -> int:
    end, turns = time.perf_counter() + seconds, 0
    while time.perf_counter() < end:
        turns += 1
    return turns


def ceiling(seconds: float = 3.0) -> float:
    """How much more work two busy processes do than one, now."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        one = pool.apply(spin, (seconds,))
        two = sum(pool.map(spin, [seconds, seconds]))
    return two / one


def cpu_seconds() -> float:
    """User and system time of this process and of the children it has waited for."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "mnist.npz"))
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--photos", type=int, default=1_000)
    args = parser.parse_args()
    import ray

    with tempfile.TemporaryDirectory(prefix="bulk-bench-") as temporary:
        folder, out = Path(temporary) / "pictures", Path(temporary) / "rows.parquet"
        folder.mkdir()
        truth = write_pictures(args.data, args.count, args.photos, folder)
        paths = sorted(truth)
        print(
            f"{len(paths)} pictures ({args.photos} of them 512x512 photos), "
            f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start; "
            f"2 busy processes do {ceiling():.2f}x one"
        )
        runs = {
            "loop over digit_core.predict": lambda: loop(paths),
            "bulk reader, 1 process": lambda: bulk(folder, out, "--workers", "1"),
            "bulk reader, 2 processes": lambda: bulk(folder, out, "--workers", "2"),
            "Ray Data, 1 worker": lambda: bulk(folder, out, "--ray", "auto", "--workers", "1"),
            "Ray Data, 2 workers": lambda: bulk(folder, out, "--ray", "auto", "--workers", "2"),
        }
        results = {}
        for name, run in runs.items():
            if name.startswith("Ray") and not ray.is_initialized():
                started = time.perf_counter()
                ray.init(num_cpus=2, log_to_driver=False)
                print(f"(a local Ray cluster started in {time.perf_counter() - started:.1f} s)")
            started, cpu = time.perf_counter(), cpu_seconds()
            answers = run()
            cpu = None if name.startswith("Ray") else cpu_seconds() - cpu
            results[name] = (time.perf_counter() - started, cpu, answers)
        ray.shutdown()
    loop_seconds, _, baseline = results["loop over digit_core.predict"]
    print(
        "\n| reader | seconds | pictures/s | vs. the loop | CPU ms a picture | accuracy "
        "| same answers as the loop |"
    )
    print("|---|---:|---:|---:|---:|---:|---|")
    for name, (seconds, cpu, answers) in results.items():
        right = np.mean([answers[p] == truth[p] for p in paths])
        print(
            f"| {name} | {seconds:.1f} | {len(paths) / seconds:.0f} | "
            f"{loop_seconds / seconds:.2f}x | "
            f"{'-' if cpu is None else f'{1000 * cpu / len(paths):.2f}'} | {right:.2%} | "
            f"{'yes' if answers == baseline else 'NO'} |"
        )
    one, two = (results[f"bulk reader, {n}"][0] for n in ("1 process", "2 processes"))
    ray_one, ray_two = (results[f"Ray Data, {n}"][0] for n in ("1 worker", "2 workers"))
    print(
        f"\n2 processes / 1: {one / two:.2f}x; Ray 2 workers / 1: {ray_one / ray_two:.2f}x; "
        f"load average {os.getloadavg()[0]:.1f} at the end; "
        f"2 busy processes do {ceiling():.2f}x one"
    )


if __name__ == "__main__":
    main()
