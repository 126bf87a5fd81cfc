"""Issue 26's table: one caller against everyone else, the app run as on a Space. Each attack's
outcome, the same measure without the attack in the same run where there is one, and the
issue's figure measured before its guards. Printed by `python -m benchmarks.abuse --fairness`.
"""

import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np

from digit_core.decode import to_array
from digit_core.errors import InvalidImageError
from studio import guards
from studio.server import HEADER_SECONDS
from tests.app_server import running_app
from tests.attacks import (
    DIGITS,
    call,
    events,
    heavy_png,
    join,
    padded_drawing,
    rotated,
    rss_mb,
    settled_rss_mb,
    slow_connections,
    upload,
)
from tests.bad_inputs import encode

ROOT = Path(__file__).resolve().parent.parent

BEFORE_26 = {  # issue 26, measured on the code before its guards
    "rotated X-Forwarded-For, 70 /read_digit": "70 of 70 answered (limit 60 a minute)",
    "300 joins of a 7000x7000 PNG, one address": "normal /predict: 503 Queue is full",
    "12 clients, one address, looping that PNG": "normal /predict p50 0.17 -> 1.46 s (max 5.7 s)",
    "12 clients, 12 addresses, looping that PNG": "(one address: p50 0.17 -> 1.46 s)",
    "costliest legal picture (CPU)": "7000x7000 PNG: 0.55 s",
    "300 one-call sessions, 0.75 MB each": "+420 MB ten seconds later",
    "300 one-call sessions, 290 KB each": "(0.75 MB: +420 MB)",
    "300 stalled connections": "1,500 held, 3,013 open files",
    'fn_index 9999.0 / "9999"': "HTTP 500 + traceback",
    "GET file=https://...": "fetched for the caller",
    # not in issue 26; measured in session 43 on f45173a, before demo.queue(api_open=False)
    "12 clients, one address, /run/predict, off a Space": (
        "2,733 run at once in 30 s (scratch: examples/8-drawing.png); "
        "normal /predict p50 0.05 -> 0.26 s"
    ),
}


def predictions(url: str, named: dict, example: dict, n: int = 10) -> list[float]:
    """Seconds of `n` predictions by one normal visitor (None for any not answered)."""
    seconds = []
    for _ in range(n):
        start = time.monotonic()
        ok, _ = call(url, named["predict"], [example], visitor="198.51.100.200")
        seconds.append(time.monotonic() - start if ok is True else float("nan"))
    return seconds


def spread(seconds: list[float]) -> str:
    answered = [s for s in seconds if s == s]
    if not answered:
        return f"none of {len(seconds)} answered"
    return (
        f"{len(answered)} of {len(seconds)} answered, p50 {statistics.median(answered):.2f} s, "
        f"max {max(answered):.2f} s"
    )


def decode_cpu_seconds() -> tuple[str, float]:
    """The costliest legal picture to decode: for each format, the largest square of noise that
    is a legal upload (<= 10 MB, within every check), decoded; its CPU seconds."""
    worst = ("", 0.0)
    rng = np.random.default_rng(0)
    for fmt, options in (
        ("PNG", {}),
        ("WEBP", {}),
        ("TIFF", {"compression": "tiff_deflate"}),
        ("BMP", {}),
        ("GIF", {}),
        ("JPEG", {"quality": 30}),
        ("JPEG", {"quality": 90, "progressive": True}),
    ):
        for side in (7000, 5000, 4000, 3000, 2500, 2000, 1700, 1400, 1200, 1000):
            noise = np.clip(rng.normal(128, 60, (side, side, 3)), 0, 255).astype(np.uint8)
            data = encode(noise[..., 0] if fmt == "GIF" else noise, fmt, **options)
            if len(data) > guards.MAX_FILE_BYTES:
                continue
            start = time.process_time()
            try:
                to_array(data)
            except InvalidImageError:
                continue  # refused from its header: not legal
            used = time.process_time() - start
            name = f"{fmt}{' progressive' if options.get('progressive') else ''} {side}x{side}"
            worst = max(worst, (name, used), key=lambda w: w[1])
            break
    return worst


def fairness() -> list[tuple[str, str, str, str]]:
    rows = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_app(
            Path(tmp) / "app.log",
            HF_HUB_OFFLINE="1",
            SPACE_ID="you/digit-studio",
            FEEDBACK_DIR=str(Path(tmp) / "feedback"),
        ) as (url, server),
    ):
        named = {e.get("api_name"): i for i, e in events(url).items()}

        def row(name: str, now: str, baseline: str = "—") -> None:
            rows.append((name, now, baseline, BEFORE_26[name]))

        example = upload(
            url,
            (ROOT / "examples" / "3-transparent.png").read_bytes(),
            "3.png",
            visitor="198.51.100.200",
        )
        picture = upload(url, encode(255 - DIGITS[5], "PNG"), "5.png", visitor="203.0.113.70")
        answered = sum(
            call(url, named["read_digit"], [picture], visitor=rotated("203.0.113.70", n))[0] is True
            for n in range(70)
        )
        row("rotated X-Forwarded-For, 70 /read_digit", f"{answered} of 70 answered")

        alone = predictions(url, named, example)
        heavy_bytes = heavy_png()  # encoded once: 49 megapixels take the client a second
        heavy = upload(url, heavy_bytes, "heavy.png", visitor="192.0.2.150")
        with ThreadPoolExecutor(8) as pool:
            statuses = list(
                pool.map(lambda n: join(url, named["predict"], [heavy], "192.0.2.150"), range(300))
            )
            flooded = predictions(url, named, example)
        row(
            "300 joins of a 7000x7000 PNG, one address",
            f"{statuses.count(429)} refused (429), {statuses.count(200)} queued in turn; "
            f"normal /predict {spread(flooded)}",
            f"alone: {spread(alone)}",
        )

        for addresses, name in (
            (1, "12 clients, one address, looping that PNG"),
            (12, "12 clients, 12 addresses, looping that PNG"),
        ):
            stop = time.monotonic() + 20

            def loop(n: int, addresses: int = addresses, stop: float = stop) -> None:
                who = f"192.0.2.{160 + n % addresses}"
                mine = upload(url, heavy_bytes, f"h{n}.png", visitor=who)
                while time.monotonic() < stop:
                    call(url, named["predict"], [mine], visitor=who)

            with ThreadPoolExecutor(12) as pool:
                for n in range(12):
                    pool.submit(loop, n)
                time.sleep(5)
                looped = predictions(url, named, example)
            row(name, f"normal /predict {spread(looped)}", f"alone: {spread(alone)}")

        shape, seconds = decode_cpu_seconds()
        row("costliest legal picture (CPU)", f"{shape}: {seconds:.3f} s (in this process)")

        pad = next(i for i, e in events(url).items() if e.get("api_name") == "predict_drawing")
        for size, name in (
            (750_000, "300 one-call sessions, 0.75 MB each"),
            (290_000, "300 one-call sessions, 290 KB each"),
        ):
            data = [padded_drawing(size)]
            before = settled_rss_mb(url, server.pid)
            with ThreadPoolExecutor(6) as pool:
                outcomes = list(
                    pool.map(
                        lambda n, data=data: call(url, pad, data, f"198.18.{n // 250}.{n % 250}")[
                            0
                        ],
                        range(300),
                    )
                )
            time.sleep(10)
            answers = ", ".join(f"{outcomes.count(o)} {o}" for o in sorted(set(outcomes), key=str))
            row(name, f"{rss_mb(server.pid) - before:+.0f} MB ten seconds later ({answers})")

        fds = len(list(Path(f"/proc/{server.pid}/fd").iterdir()))
        stalled = slow_connections(url, 150, body=False) + slow_connections(url, 150, body=True)
        time.sleep(2)
        held_early = len(list(Path(f"/proc/{server.pid}/fd").iterdir())) - fds
        time.sleep(HEADER_SECONDS + 5)
        held = len(list(Path(f"/proc/{server.pid}/fd").iterdir())) - fds
        for connection in stalled:
            connection.close()
        row(
            "300 stalled connections",
            f"server holds +{held} files 15 s later (+{held_early} after 2 s)",
        )

        statuses = [call(url, odd, [])[0] for odd in (9999.0, "9999")]
        row('fn_index 9999.0 / "9999"', " / ".join(f"HTTP {s}" for s in statuses))
        status = httpx.get(url + "gradio_api/file=https://1.1.1.1/x.png", timeout=30).status_code
        row("GET file=https://...", f"HTTP {status}" + (" (refused)" if status == 400 else ""))
    return rows


def direct_routes() -> tuple[str, str, str, str]:
    """Gradio's /run/ and /api/ run an event past the queue, and are open wherever the app does
    not run on a Space: the app run as `python app.py` runs it, flooded there."""
    name = "12 clients, one address, /run/predict, off a Space"
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_app(Path(tmp) / "app.log", HF_HUB_OFFLINE="1") as (url, server),
    ):
        named = {e.get("api_name"): i for i, e in events(url).items()}
        drawing = (ROOT / "examples" / "3-transparent.png").read_bytes()
        example = upload(url, drawing, "3.png", visitor="198.51.100.200")
        alone = predictions(url, named, example)
        stop, answers = time.monotonic() + 20, []

        def loop() -> None:
            with httpx.Client(timeout=60) as client:
                while time.monotonic() < stop:
                    sent = client.post(url + "gradio_api/run/predict", json={"data": [example]})
                    answers.append(sent.status_code)

        with ThreadPoolExecutor(12) as pool:
            for _ in range(12):
                pool.submit(loop)
            time.sleep(2)
            flooded = predictions(url, named, example)
    return (
        name,
        f"{answers.count(200)} run at once, {answers.count(404)} refused (404) in 20 s; "
        f"normal /predict {spread(flooded)}",
        f"alone: {spread(alone)}",
        BEFORE_26[name],
    )


def print_fairness() -> None:
    header = ("attack (issue 26)", "now", "same run without the attack", "before (issue 26)")
    print("\n| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in [*fairness(), direct_routes()]:
        print("| " + " | ".join(r) + " |")
