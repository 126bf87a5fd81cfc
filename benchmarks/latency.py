"""How long one prediction takes: digit_core.predict against the naive Keras path, same run,
and what the explanation map and a whole number cost on top.

    python -m benchmarks.latency [--calls 300]

Input: a 512x512 black-on-white drawing of an MNIST test digit (and the same digit as a blurry
scan, shrunk to 8x8 and enlarged to 512x512, which takes the blurry path; a 4-digit number for
read_number). Prints a table of p50/p95 in ms.
"""

import argparse
import time

import numpy as np

import digit_core
from digit_core.explain import explain
from digit_core.predict import default_model
from training.drawings import black_on_white, compose_number, enlarged, ink_strokes, mnist_fixture


def timings(fn, calls: int, warmup: int = 20) -> np.ndarray:
    for _ in range(warmup):
        fn()
    seconds = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - start)
    return np.array(seconds) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()

    digits, _ = mnist_fixture()
    drawing = black_on_white(ink_strokes(digits[0], canvas=512, height=0.6))
    blurry = enlarged(digits[0], 8, big=512)
    model = default_model()
    x = digit_core.preprocess(drawing)[None]
    number = compose_number(list(digits[:4]), np.random.default_rng(0))
    naive_calls = max(50, args.calls // 6)  # model.predict is slow: fewer calls

    paths = [  # (name, calls, what one call does)
        (
            "digit_core.predict (preprocess + LiteRT)",
            args.calls,
            lambda: digit_core.predict(drawing),
        ),
        ("  of which preprocess", args.calls, lambda: digit_core.preprocess(drawing)),
        ("  of which predict_proba (LiteRT)", args.calls, lambda: digit_core.predict_proba(x)),
        ("blurry scan: digit_core.predict", args.calls, lambda: digit_core.predict(blurry)),
        ("extra: explain (integrated gradients)", naive_calls, lambda: explain(x[0], 3)),
        ("read_number, 4 digits", naive_calls, lambda: digit_core.read_number(number)),
        (
            "keras model(x) direct call",
            naive_calls,
            lambda: model.keras_model(x[..., None], training=False),
        ),
    ]
    rows = [(name, calls, timings(call, calls)) for name, calls, call in paths]

    def naive():  # what a first version would do: Keras' predict, one picture at a time
        return model.keras_model.predict(digit_core.preprocess(drawing)[None, ..., None], verbose=0)

    rows.append(
        (
            "naive: preprocess + keras model.predict",
            naive_calls,
            timings(naive, naive_calls, warmup=5),
        )
    )
    naive_p50 = np.percentile(rows[-1][2], 50)
    print(f"512x512 drawing, {len(rows)} paths, model from {model.source}")
    print(f"{'path':44} {'calls':>6} {'p50 ms':>8} {'p95 ms':>8} {'vs naive':>9}")
    for name, calls, ms in rows:
        p50, p95 = np.percentile(ms, [50, 95])
        print(f"{name:44} {calls:6d} {p50:8.2f} {p95:8.2f} {naive_p50 / p50:8.0f}x")


if __name__ == "__main__":
    main()
