"""What each attack from issues 13 and 26 costs `python app.py` on 127.0.0.1, beside the figures
the issues measured on the code before the guards (same machine kind; not re-run here).

    python -m benchmarks.abuse              # both tables
    python -m benchmarks.abuse --fairness   # issue 26's only

Issue 13's table: each attack, its time, the server's resident memory before and at its peak
(sampled every 5 ms), what was stored or read, and whether it was refused. Issue 26's table
(one caller against everyone else, the app run as on a Space): each attack's outcome, the same
measure without the attack in the same run where there is one, and the issue's figure.
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.fairness import print_fairness
from digit_core.feedback import folder_bytes
from studio import upload_cache
from tests.app_server import running_app
from tests.attacks import (
    DIGITS,
    call,
    chunked_field,
    costly_flood,
    events,
    number_4821,
    peak_memory,
    rss_mb,
    sketch_bomb,
    upload,
)
from tests.bad_inputs import encode

ROOT = Path(__file__).resolve().parent.parent

BEFORE = {  # issue 13, measured on the code before the guards
    "server file read, every event": "files read by 6 events + 1 private; paths' existence told",
    "sketch bomb (179 MP, 4 parts)": "19 s, +4.3 GB",
    "100 corrections in a burst": "100 stored",
    "one big picture corrected": "10 MB PNG stored (from a 1.2 MB WebP)",
    "300 MB field, chunked": "+0.9 GB, answered 200",
    "80 visitors flooding costly calls": "/predict refused 34 of 52, p50 0.46 s",
    "unknown event number": "HTTP 500 + traceback",
    "a 900 KB path of ../": "not in issue 13; guards.event_problem before the cap: 21.6 s",
}


def main() -> None:
    parser = argparse.ArgumentParser(description="What each attack costs the running app.")
    parser.add_argument("--fairness", action="store_true", help="issue 26's table only")
    if not parser.parse_args().fairness:
        issue_13()
    print_fairness()


def issue_13() -> None:
    rows = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_app(
            Path(tmp) / "app.log", HF_HUB_OFFLINE="1", FEEDBACK_DIR=str(Path(tmp) / "feedback")
        ) as (url, server),
    ):
        feedback = Path(tmp) / "feedback"
        named = {e.get("api_name"): i for i, e in events(url).items()}

        def row(name, memory, outcome, refused):
            rows.append(
                (
                    name,
                    f"{memory['seconds']:.2f}",
                    f"{memory['before']:.0f}",
                    f"{memory['peak']:.0f}",
                    outcome,
                    refused,
                    BEFORE[name],
                )
            )

        secret = Path(tmp) / "secret.png"
        secret.write_bytes(number_4821())
        with peak_memory(server.pid) as memory:
            answers = {}
            for fn_index, event in events(url).items():
                for path in (str(secret), str(secret) + ".missing"):
                    data = [{"path": path}] * max(1, len(event.get("inputs", []))) + [3]
                    ok, out = call(url, fn_index, data, visitor=f"198.51.100.{fn_index}")
                    answers.setdefault(fn_index, []).append((ok, str(out).replace(path, "")))
        read = sum("4821" in str(a) or "confidences" in str(a) for a in answers.values())
        told = sum(a[0] != a[1] for a in answers.values())
        row(
            "server file read, every event",
            memory,
            f"{read} read, {told} existence answers ({len(answers)} events)",
            "yes" if not read else "no",
        )

        bomb = upload(url, sketch_bomb(), "bomb.png")
        part = {"background": bomb, "layers": [bomb, bomb], "composite": bomb}
        with peak_memory(server.pid) as memory:
            ok, out = call(url, named["predict_sketch"], [part])
        read_it = ok is True and bool((out[0] or {}).get("confidences"))
        row(
            "sketch bomb (179 MP, 4 parts)",
            memory,
            f"HTTP {ok}" if ok not in (True, False) else "empty answer" if ok else str(out)[:40],
            "no" if read_it else "yes",
        )

        with peak_memory(server.pid) as memory:
            stored = 0
            for i in range(100):
                picture = upload(
                    url, encode(255 - DIGITS[100 + i], "PNG"), f"d{i}.png", visitor="192.0.2.77"
                )
                ok, _ = call(url, named["feedback"], [picture, 3], visitor="192.0.2.77")
                stored += ok is True
        row("100 corrections in a burst", memory, f"{stored} stored", "rate-limited")

        rng = np.random.default_rng(0)
        big = np.clip(rng.normal(200, 25, (2500, 2500, 3)), 0, 255).astype(np.uint8)
        big[600:1900, 1150:1350] = 30
        before = folder_bytes(feedback)
        picture = upload(url, encode(big, "WEBP", quality=80), "big.webp", visitor="192.0.2.78")
        with peak_memory(server.pid) as memory:
            ok, _ = call(url, named["feedback"], [picture, 1], visitor="192.0.2.78")
        row(
            "one big picture corrected",
            memory,
            f"{(folder_bytes(feedback) - before) / 1000:.0f} KB stored (upload "
            f"{Path(picture['path']).stat().st_size / 1e6:.1f} MB)",
            "shrunk",
        )

        with peak_memory(server.pid) as memory:
            status, _ = chunked_field(url, megabytes=300)
        row("300 MB field, chunked", memory, f"HTTP {status}", "yes" if status == 413 else "no")

        example = upload(url, (ROOT / "examples" / "3-transparent.png").read_bytes(), "3.png")

        def predictions() -> tuple[list[float], int]:
            """20 predictions from one visitor: their seconds, and how many were refused."""
            seconds, refused = [], 0
            for _ in range(20):
                start = time.monotonic()
                ok, out = call(url, named["predict"], [example], visitor="198.51.100.200")
                seconds.append(time.monotonic() - start)
                refused += ok is not True
            return seconds, refused

        alone, _ = predictions()  # the baseline, same server, same run
        with peak_memory(server.pid) as memory, costly_flood(url, visitors=80):
            seconds, refused = predictions()
        row(
            "80 visitors flooding costly calls",
            memory,
            f"/predict refused {refused} of 20, p50 {statistics.median(seconds):.2f} s "
            f"(alone {statistics.median(alone):.2f} s)",
            "—",
        )

        with peak_memory(server.pid) as memory:
            status, _ = call(url, 9999, [])
        row("unknown event number", memory, f"HTTP {status}", "yes" if status == 400 else "no")

        with peak_memory(server.pid) as memory:
            status, _ = call(url, named["predict"], [{"path": "../" * 300_000}])
        row(
            "a 900 KB path of ../",
            memory,
            f"HTTP {status}",
            "yes" if status in (400, 413) else "no",
        )

        after = rss_mb(server.pid)
        time.sleep(upload_cache.SWEEP_SECONDS + 5)  # one sweep: malloc_trim
        settled = rss_mb(server.pid)

    header = (
        "attack",
        "s",
        "RSS before MB",
        "RSS peak MB",
        "outcome",
        "refused",
        "before the guards (issue 13)",
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print(
        f"\nserver RSS after the attacks {after:.0f} MB, one sweep later {settled:.0f} MB "
        "(before the guards: 0.8 -> 2.9 GB after a burst, never returned)"
    )


if __name__ == "__main__":
    main()
