"""The running app through gradio_client, as API users call it."""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from gradio_client import handle_file
from PIL import Image

from training.drawings import compose_number, mnist_fixture
from training.non_digits import non_digit

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.suffix in (".png", ".jpg"))


def test_api_lists_the_endpoints(client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert set(endpoints) == {
        "/predict",
        "/predict_sketch",
        "/read_digit",
        "/explain",
        "/read_number",
        "/feedback",
    }


def test_examples_cover_every_digit_and_look():
    assert len(EXAMPLES) >= 10
    assert {p.name[0] for p in EXAMPLES} == set("0123456789")
    assert {p.stem.split("-", 1)[1] for p in EXAMPLES} == {
        "drawing",
        "dark-canvas",
        "paper-photo",
        "transparent",
    }


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_each_example_is_read_right(client, example):
    result = client.predict(handle_file(str(example)), api_name="/predict")
    assert result["label"] == example.name[0]
    assert len(result["confidences"]) == 10
    assert sum(c["confidence"] for c in result["confidences"]) == pytest.approx(1, abs=1e-4)


def test_sketch_endpoint_reads_a_composite(client):
    example = str(ROOT / "examples" / "8-drawing.png")
    sketch = {"background": None, "layers": [], "composite": handle_file(example)}
    assert client.predict(sketch, api_name="/predict_sketch")["label"] == "8"


def test_blank_sketch_gives_an_empty_label(client, tmp_path):
    blank = tmp_path / "blank.png"
    Image.fromarray(np.full((560, 560, 3), 255, np.uint8)).save(blank)
    empty = {"background": None, "layers": [], "composite": None}
    for sketch in (empty, dict(empty, composite=handle_file(str(blank)))):
        result = client.predict(sketch, api_name="/predict_sketch")
        assert not result.get("confidences")


def test_blank_upload_says_so_and_server_keeps_answering(client, tmp_path):
    blank = tmp_path / "blank.png"
    Image.fromarray(np.full((300, 300), 255, np.uint8)).save(blank)
    with pytest.raises(Exception, match="blank"):
        client.predict(handle_file(str(blank)), api_name="/predict")
    assert client.predict(handle_file(str(EXAMPLES[0])), api_name="/predict")["label"] == "0"


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("notes.png", b"this is not an image", "not an image"),
        ("page.html", b"<html><body>hi</body></html>", "not an image"),
        ("empty.jpg", b"", "not an image"),
    ],
)
def test_invalid_file_gives_a_clear_error_and_server_keeps_answering(
    client, tmp_path, name, data, message
):
    bad = tmp_path / name
    bad.write_bytes(data)
    with pytest.raises(Exception, match=message):
        client.predict(handle_file(str(bad)), api_name="/predict")
    assert client.predict(handle_file(str(EXAMPLES[1])), api_name="/predict")["label"] == "0"


def test_readme_snippet_runs_as_written(app_url):
    readme = (ROOT / "README.md").read_text()
    snippet = re.search(r"<!-- api-snippet -->\s*```python\n(.*?)```", readme, re.S).group(1)
    assert 'Client("http://127.0.0.1:7860/")' in snippet
    code = snippet.replace("http://127.0.0.1:7860/", app_url)
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1].split()[0] == "7"  # after "Loaded as API: ..."


def save(tmp_path, name: str, pixels: np.ndarray) -> str:
    Image.fromarray(pixels).save(tmp_path / name)
    return str(tmp_path / name)


def test_read_digit_says_whether_it_is_a_digit(client, tmp_path):
    result = client.predict(handle_file(str(EXAMPLES[-1])), api_name="/read_digit")
    assert result["is_digit"] and result["digit"] == EXAMPLES[-1].name[0] and not result["reason"]
    assert sum(result["probabilities"].values()) == pytest.approx(1, abs=1e-5)
    scribble = save(tmp_path, "scribble.png", non_digit("scribble", np.random.default_rng(2)))
    text = save(tmp_path, "text.png", non_digit("text", np.random.default_rng(1)))
    for path in (scribble, text):
        result = client.predict(handle_file(path), api_name="/read_digit")
        assert not result["is_digit"] and result["digit_score"] < 0.5 and result["reason"]
        # the Label shows no confident digit for it
        assert client.predict(handle_file(path), api_name="/predict")["label"] == "Not a digit?"


def test_explain_returns_the_map_over_the_input(client):
    result = client.predict(handle_file(str(EXAMPLES[7])), api_name="/explain")
    x, attribution = np.array(result["input"]), np.array(result["attribution"])
    assert result["digit"] == EXAMPLES[7].name[0]
    assert x.shape == attribution.shape == (28, 28)
    assert np.all(attribution[x == 0] == 0) and attribution.max() > 0


def test_read_number_returns_the_digits_and_their_boxes(client, tmp_path):
    digits, labels = mnist_fixture()
    picture = compose_number([digits[i] for i in (3, 1, 4, 5)], np.random.default_rng(0))
    result = client.predict(
        handle_file(save(tmp_path, "number.png", picture)), api_name="/read_number"
    )
    assert result["text"] == "".join(str(labels[i]) for i in (3, 1, 4, 5))
    assert len(result["boxes"]) == len(result["digits"]) == 4
    assert result["is_number"] is True and result["reason"] == ""


def test_read_number_says_when_a_picture_is_not_a_number(client, tmp_path):
    rng = np.random.default_rng(0)
    doodles = np.hstack([non_digit("doodle", rng, 160) for _ in range(3)])
    result = client.predict(
        handle_file(save(tmp_path, "doodles.png", doodles)), api_name="/read_number"
    )
    assert result["is_number"] is False and "doesn't look like a number" in result["reason"]


def test_feedback_is_stored_only_when_sent(client, feedback_dir, tmp_path):
    digits, _ = mnist_fixture()
    picture = handle_file(save(tmp_path, "mine.png", 255 - digits[40]))
    log = feedback_dir / "feedback.jsonl"
    before = log.read_text().count("\n") if log.exists() else 0
    client.predict(picture, api_name="/predict")  # reading stores nothing
    assert (log.read_text().count("\n") if log.exists() else 0) == before
    message = client.predict(picture, 7, api_name="/feedback")
    assert "saved as a **7**" in message
    record = json.loads(log.read_text().splitlines()[-1])
    assert record["correction"] == 7 and (feedback_dir / record["input"]).exists()
    with pytest.raises(Exception, match="already have"):  # the same picture is stored once
        client.predict(picture, 5, api_name="/feedback")


def test_feedback_on_a_bundled_example_is_refused(client, feedback_dir):
    """The examples are MNIST test digits: a correction on one must never reach training."""
    log = feedback_dir / "feedback.jsonl"
    before = log.read_text() if log.exists() else ""
    with pytest.raises(Exception, match="one of our examples"):
        client.predict(handle_file(str(EXAMPLES[2])), 7, api_name="/feedback")
    assert (log.read_text() if log.exists() else "") == before
