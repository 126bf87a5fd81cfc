"""The bulk reader (`digit-studio read`): rows equal digit_core's answers, bad pictures become
error rows, reruns skip what is done, every output format, the `datasets` path, a Ray cluster,
and the package installed alone."""

import csv
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np
import pyarrow.parquet as pq
import pytest

from digit_bulk.cli import main
from digit_bulk.output import journal_path
from digit_bulk.reader import DIGIT_COLUMNS
from digit_core import read_digit
from training.drawings import black_on_white, ink_strokes, mnist_fixture
from training.non_digits import non_digit

ROOT = Path(__file__).resolve().parent.parent
DIGITS, LABELS = mnist_fixture()


def drawn(i: int, canvas: int = 96) -> np.ndarray:
    """Fixture digit i % 300, redrawn at a size and place of its own."""
    rng = np.random.default_rng(i)
    return black_on_white(
        ink_strokes(
            DIGITS[i % len(DIGITS)],
            canvas,
            height=rng.uniform(0.4, 0.8),
            offset=tuple(rng.uniform(0.4, 0.6, 2)),
        )
    )


def write_pictures(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{i:04d}.png" for i in range(count)]
    for i, path in enumerate(paths):
        cv2.imwrite(str(path), drawn(i))
    return paths


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """Eight digits, a corrupt PNG, a text file named .png, and a shape that is no digit."""
    folder = tmp_path_factory.mktemp("pictures")
    write_pictures(folder / "digits", 8)
    whole = cv2.imencode(".png", drawn(8))[1].tobytes()
    (folder / "corrupt.png").write_bytes(whole[: len(whole) // 2])
    (folder / "text.png").write_text("not a picture")
    cv2.imwrite(str(folder / "shape.png"), non_digit("shape", np.random.default_rng(0), 256))
    return folder


def rows_of(path: Path) -> dict[str, dict]:
    """An output file's rows by id, values as JSON would hold them."""
    if path.suffix == ".parquet":
        rows = pq.read_table(path).to_pylist()
    elif path.suffix == ".csv":
        with open(path, newline="") as f:
            rows = [{k: parse_csv(v) for k, v in row.items()} for row in csv.DictReader(f)]
    else:
        rows = [json.loads(line) for line in path.read_text().splitlines()]
    by_id = {row["id"]: row for row in rows}
    assert len(by_id) == len(rows), "an id appears twice"
    return by_id


def parse_csv(value: str):
    if value in ("", "True", "False"):
        return {"": None, "True": True, "False": False}[value]
    try:
        return int(value) if value.isdigit() else float(value)
    except ValueError:
        return value


def read(*argv: str) -> None:
    assert main(["read", *argv]) == 0


def expected_row(path: Path) -> dict:
    reading = read_digit(path)
    return {
        "digit": int(reading.digit),
        "is_digit": reading.is_digit,
        "digit_score": reading.digit_score,
        "reason": reading.reason or None,
        "error": None,
        **{f"p{d}": p for d, p in enumerate(reading.probabilities.values())},
    }


def test_rows_equal_read_digit_and_bad_pictures_are_error_rows(folder, tmp_path):
    out = tmp_path / "rows.jsonl"
    read(str(folder), str(folder / "missing.png"), "--out", str(out), "--workers", "2")
    rows = rows_of(out)
    assert len(rows) == 12 and list(next(iter(rows.values()))) == DIGIT_COLUMNS
    for path in sorted((folder / "digits").iterdir()) + [folder / "shape.png"]:
        assert {k: v for k, v in rows[str(path)].items() if k != "id"} == expected_row(path)
    assert [rows[str(folder / f"digits/{i:04d}.png")]["digit"] for i in range(8)] == list(
        LABELS[:8]
    )
    assert rows[str(folder / "shape.png")]["is_digit"] is False
    assert rows[str(folder / "shape.png")]["reason"].startswith("This doesn't look like a digit")
    assert rows[str(folder / "corrupt.png")]["error"] == "The image file is damaged or incomplete."
    assert rows[str(folder / "text.png")]["error"].startswith("This file is not an image")
    assert rows[str(folder / "missing.png")]["error"] == "No such file."
    assert all(
        rows[name]["digit"] is None and rows[name]["p0"] is None
        for name in (str(folder / "corrupt.png"), str(folder / "missing.png"))
    )


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".jsonl"])
def test_rerun_reads_only_what_is_new(folder, tmp_path, suffix, capsys):
    pictures = tmp_path / "pictures"
    write_pictures(pictures, 3)
    out = tmp_path / f"rows{suffix}"
    read(str(pictures), "--out", str(out), "--workers", "1")
    first = rows_of(out)
    read(str(pictures), "--out", str(out), "--workers", "1")
    assert "Read 0 pictures (0 could not be read), 3 already done" in capsys.readouterr().err
    cv2.imwrite(str(pictures / "new.png"), drawn(3))
    read(str(pictures), str(folder / "corrupt.png"), "--out", str(out), "--workers", "1")
    assert (
        "Read 2 pictures (1 could not be read), 3 already done; 5 rows" in capsys.readouterr().err
    )
    rows = rows_of(out)
    assert {k: rows[k] for k in first} == first
    assert rows[str(pictures / "new.png")]["digit"] == LABELS[3]
    assert not journal_path(out).exists()


def test_a_stopped_run_goes_on_from_its_journal(folder, tmp_path, capsys):
    """A run stopped mid-batch leaves whole rows and a line cut short in the journal: the rerun
    keeps the whole rows, reads the rest once, and leaves no journal."""
    out = tmp_path / "rows.csv"
    paths = sorted(str(p) for p in (folder / "digits").iterdir())
    done = [{"id": paths[0], **expected_row(Path(paths[0]))}]
    journal_path(out).write_text(json.dumps(done[0]) + "\n" + json.dumps(done[0])[:40])
    read(*paths, "--out", str(out), "--workers", "1")
    assert (
        "Read 7 pictures (0 could not be read), 1 already done; 8 rows" in capsys.readouterr().err
    )
    assert sorted(rows_of(out)) == paths
    assert not journal_path(out).exists()


def test_formats_hold_the_same_rows(folder, tmp_path):
    found = {}
    for suffix in (".parquet", ".csv", ".jsonl"):
        out = tmp_path / f"rows{suffix}"
        read(str(folder), "--out", str(out), "--workers", "1")
        found[suffix] = rows_of(out)
    assert found[".parquet"] == found[".jsonl"]
    for row_id, row in found[".csv"].items():  # CSV keeps floats to 17 digits, as repr does
        assert row == found[".jsonl"][row_id]


def test_numbers(tmp_path):
    picture = np.full((100, 300), 255, np.uint8)
    for place, i in enumerate((1, 2, 3)):  # the fixture's 2, 1 and 0
        picture[10:90, 20 + 90 * place : 100 + 90 * place] = 255 - cv2.resize(DIGITS[i], (80, 80))
    cv2.imwrite(str(tmp_path / "number.png"), picture)
    out = tmp_path / "numbers.jsonl"
    read(str(tmp_path / "number.png"), "--numbers", "--out", str(out), "--workers", "1")
    (row,) = rows_of(out).values()
    assert row["number"] == "".join(str(LABELS[i]) for i in (1, 2, 3)) and row["error"] is None
    assert 0.5 < row["least_sure"] <= 1


def test_refusals_are_messages_not_tracebacks(folder, tmp_path, capsys):
    assert main(["read", str(folder), "--out", str(tmp_path / "rows.xlsx")]) == 2
    assert "Write to a .parquet, .csv or .jsonl file" in capsys.readouterr().err
    numbers = tmp_path / "numbers.jsonl"
    numbers.write_text(json.dumps({"id": "x", "number": "1", "least_sure": 1, "error": None}))
    assert main(["read", str(folder), "--out", str(numbers)]) == 2
    assert "holds other columns" in capsys.readouterr().err
    assert main(["read"]) == 2
    assert "Name pictures to read" in capsys.readouterr().err


def test_datasets_path_on_a_local_parquet(folder, tmp_path):
    import datasets

    paths = sorted((folder / "digits").iterdir()) + [folder / "corrupt.png"]
    table = datasets.Dataset.from_dict(
        {"image": [str(p) for p in paths], "name": [p.name for p in paths]}
    )
    parquet = tmp_path / "pictures.parquet"
    table.cast_column("image", datasets.Image()).to_parquet(parquet)  # the bytes go inside
    out = tmp_path / "rows.jsonl"
    read("--dataset", str(parquet), "--id-column", "name", "--out", str(out), "--workers", "2")
    rows = rows_of(out)
    assert sorted(rows) == sorted(p.name for p in paths)
    for path in paths[:-1]:
        assert {k: v for k, v in rows[path.name].items() if k != "id"} == expected_row(path)
    assert rows["corrupt.png"]["error"] == "The image file is damaged or incomplete."


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def ray_cluster():
    """A one-node Ray cluster with 2 CPUs, in a process group of its own, ended with it; the
    address, and the environment that holds its token (Ray 2.59+ asks for one)."""
    port = free_port()
    env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(16)}
    temporary = tempfile.mkdtemp(prefix="ray-", dir="/tmp")  # short: Ray's sockets live there
    head = subprocess.Popen(
        [
            Path(sys.executable).parent / "ray",
            "start",
            "--head",
            "--block",
            "--num-cpus=2",
            f"--port={port}",
            f"--ray-client-server-port={free_port()}",
            "--include-dashboard=false",
            "--disable-usage-stats",
            "--object-store-memory=100000000",
            f"--temp-dir={temporary}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        env=env,
    )
    try:
        said = []
        for line in head.stdout:
            said.append(line)
            if "Ray runtime started" in line:
                break
        else:
            pytest.fail("ray start ended without starting:\n" + "".join(said))
        yield f"127.0.0.1:{port}", env
    finally:
        os.killpg(head.pid, signal.SIGKILL)  # the head, the raylet, the workers: all ours
        head.wait(60)
        shutil.rmtree(temporary, ignore_errors=True)


def test_ray_cluster_gives_the_single_process_answers(ray_cluster, tmp_path):
    pictures = tmp_path / "pictures"
    write_pictures(pictures, 1000)
    (pictures / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    on_ray, alone = tmp_path / "ray.parquet", tmp_path / "alone.parquet"
    address, env = ray_cluster
    subprocess.run(
        [
            sys.executable,
            "-m",
            "digit_bulk.cli",
            "read",
            str(pictures),
            "--out",
            str(on_ray),
            "--ray",
            address,
            "--workers",
            "2",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    read(str(pictures), "--out", str(alone), "--workers", "1")
    assert len(rows_of(on_ray)) == 1001 and rows_of(on_ray) == rows_of(alone)


def test_installed_alone_it_reads_without_gradio_or_tensorflow(tmp_path):
    """`pip install .` into a fresh venv, then `digit-studio read examples/` from elsewhere:
    the wheel's own model, no Gradio, no TensorFlow."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    python = venv / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", ROOT], check=True, timeout=600)
    for absent in ("gradio", "tensorflow", "keras"):
        assert subprocess.run([python, "-c", f"import {absent}"]).returncode == 1
    out = tmp_path / "examples.csv"
    ran = subprocess.run(
        [venv / "bin" / "digit-studio", "read", ROOT / "examples", "--out", out],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    assert f"weights from bundled copy {venv}" in ran.stderr  # the wheel's, not the checkout's
    rows = rows_of(out)
    assert len(rows) == 12
    assert all(row["digit"] == int(Path(row_id).name[0]) for row_id, row in rows.items())
