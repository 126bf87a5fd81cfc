"""Corrections: stored only when sent, read back for training, pushed to a (loopback) Hub dataset."""

import io
import json

import numpy as np
import pytest
from PIL import Image

from digit_core.feedback import load_feedback, save_feedback, start_hub_upload
from drawings import black_on_white, ink_strokes, mnist_fixture
from fake_hub import FakeHub

DIGITS, LABELS = mnist_fixture()
PROBABILITIES = {str(d): 0.01 for d in range(10)} | {"7": 0.91}


def test_saved_corrections_come_back_as_training_data(tmp_path):
    for i in range(3):
        record = save_feedback(tmp_path, DIGITS[i] / 255, black_on_white(ink_strokes(DIGITS[i])),
                               PROBABILITIES, int(LABELS[i]))
        assert record["predicted"] == 7 and record["confidence"] == 0.91
    lines = (tmp_path / "feedback.jsonl").read_text().splitlines()
    assert [json.loads(line)["correction"] for line in lines] == list(LABELS[:3])
    x, y = load_feedback(tmp_path)
    assert x.shape == (3, 28, 28) and x.dtype == np.uint8
    np.testing.assert_array_equal(y, LABELS[:3])
    assert np.abs(x.astype(int) - DIGITS[:3]).max() <= 1  # the 28x28 input, losslessly


def test_an_empty_folder_is_no_training_data(tmp_path):
    x, y = load_feedback(tmp_path)
    assert x.shape == (0, 28, 28) and y.shape == (0,)


def test_originals_are_re_encoded_without_exif(tmp_path):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make; GPS would travel the same way
    buffer = io.BytesIO()
    Image.fromarray(black_on_white(ink_strokes(DIGITS[0]))).save(buffer, "JPEG", exif=exif)
    record = save_feedback(tmp_path, DIGITS[0] / 255, buffer.getvalue(), PROBABILITIES, 7)
    stored = Image.open(tmp_path / record["original"])
    assert stored.format == "PNG" and not stored.getexif()


@pytest.mark.parametrize("correction", [-1, 10, "3", 2.0, None])
def test_a_correction_must_be_a_digit(tmp_path, correction):
    with pytest.raises(ValueError, match="0-9"):
        save_feedback(tmp_path, DIGITS[0] / 255, DIGITS[0], PROBABILITIES, correction)
    assert not (tmp_path / "feedback.jsonl").exists()


def test_no_hub_upload_without_token_and_dataset(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("FEEDBACK_DATASET", raising=False)
    assert start_hub_upload(tmp_path) is None


def test_scheduler_pushes_corrections_to_the_hub_dataset(tmp_path, monkeypatch):
    hub = FakeHub("unused/model", "0" * 40, tmp_path)
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "ENDPOINT", hub.url)
    scheduler = start_hub_upload(tmp_path / "feedback", "team/digit-feedback", "hf_test_token")
    try:
        record = save_feedback(tmp_path / "feedback", DIGITS[1] / 255, DIGITS[1], PROBABILITIES,
                               int(LABELS[1]), lock=scheduler.lock)
        scheduler.push_to_hub()
    finally:
        scheduler.stop()
        hub.close()
    uploaded = hub.uploads["team/digit-feedback"]
    assert f"data/{record['input']}" in uploaded and f"data/{record['original']}" in uploaded
    assert json.loads(uploaded["data/feedback.jsonl"])["correction"] == int(LABELS[1])
    assert any(r.startswith("POST /api/datasets/team/digit-feedback/commit/") for r in hub.requests)
