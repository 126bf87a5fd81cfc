"""Corrections: stored only when sent, reviewed, read back for training, pushed to a (loopback)
Hub dataset."""

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digit_core import read_digit
from digit_core.feedback import (
    FeedbackRefused,
    file_sha256,
    load_feedback,
    read_records,
    record_review,
    same_input,
    save_feedback,
    start_hub_upload,
)
from tests.attacks import re_saved_example
from tests.fake_hub import FakeHub
from training.drawings import black_on_white, ink_strokes, mnist_fixture

DIGITS, LABELS = mnist_fixture()
ROOT = Path(__file__).resolve().parent.parent
PROBABILITIES = {str(d): 0.01 for d in range(10)} | {"7": 0.91}


def accept_all(folder):
    for record in read_records(folder):
        record_review(folder, record["id"], accepted=True)


def test_saved_corrections_come_back_as_training_data(tmp_path):
    for i in range(3):
        record = save_feedback(
            tmp_path,
            DIGITS[i] / 255,
            black_on_white(ink_strokes(DIGITS[i])),
            PROBABILITIES,
            int(LABELS[i]),
        )
        assert record["predicted"] == 7 and record["confidence"] == 0.91
    assert load_feedback(tmp_path)[1].size == 0  # nobody accepted them yet
    accept_all(tmp_path)
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
    assert stored.format == "WEBP" and not stored.getexif()


def test_a_big_original_is_stored_small(tmp_path):
    """A 3000x3000 photo-like picture (noisy paper, so it compresses badly) is kept <= 512 px."""
    rng = np.random.default_rng(0)
    big = np.clip(rng.normal(200, 25, (3000, 3000, 3)), 0, 255).astype(np.uint8)
    big[800:2200, 1400:1600] = 30
    record = save_feedback(tmp_path, DIGITS[0] / 255, big, PROBABILITIES, 1)
    stored = Image.open(tmp_path / record["original"])
    assert max(stored.size) == 512
    assert sum(f.stat().st_size for f in tmp_path.rglob("*") if f.is_file()) < 200_000


def test_the_same_picture_is_stored_once(tmp_path):
    save_feedback(tmp_path, DIGITS[0] / 255, DIGITS[0], PROBABILITIES, 3)
    with pytest.raises(FeedbackRefused, match="already have"):
        save_feedback(tmp_path, DIGITS[0] / 255, DIGITS[0], PROBABILITIES, 5)
    assert len((tmp_path / "feedback.jsonl").read_text().splitlines()) == 1


def test_a_full_folder_refuses_politely(tmp_path):
    save_feedback(tmp_path, DIGITS[0] / 255, DIGITS[0], PROBABILITIES, 3, max_bytes=1)
    with pytest.raises(FeedbackRefused, match="full"):
        save_feedback(tmp_path, DIGITS[1] / 255, DIGITS[1], PROBABILITIES, 3, max_bytes=1)


def test_training_data_leaves_out_test_pictures_non_digits_and_repeats(tmp_path):
    example = black_on_white(ink_strokes(DIGITS[2]))
    with pytest.raises(FeedbackRefused, match="examples"):
        save_feedback(
            tmp_path, DIGITS[2] / 255, example, PROBABILITIES, 3, test_inputs=[DIGITS[2] / 255]
        )
    save_feedback(tmp_path, DIGITS[0] / 255, DIGITS[0], PROBABILITIES, 3)
    save_feedback(tmp_path, DIGITS[1] / 255, DIGITS[1], PROBABILITIES, 4, is_digit=False)
    save_feedback(tmp_path, DIGITS[3] / 255, DIGITS[3], PROBABILITIES, 5)
    # a record written by an older version (no fingerprint), a repeat of the first
    records = (tmp_path / "feedback.jsonl").read_text().splitlines()
    old = json.loads(records[0]) | {"id": "old", "original_sha256": None}
    del old["input_sha256"]
    (tmp_path / "feedback.jsonl").write_text("\n".join(records + [json.dumps(old)]) + "\n")
    accept_all(tmp_path)
    x, y = load_feedback(tmp_path)
    assert list(y) == [3, 5]  # not the non-digit, not the repeat
    x, y = load_feedback(tmp_path, test_pictures={file_sha256(DIGITS[3])})
    assert list(y) == [3]


@pytest.mark.parametrize(
    "example", sorted((ROOT / "examples").glob("*.[pj][np]g")), ids=lambda p: p.name
)
def test_an_example_re_saved_is_still_an_example(tmp_path, example):
    """Recognised by its 28x28 input, not by its file's bytes (which a re-save changes)."""
    own_input = read_digit(str(example)).stages["centred 28x28"]
    re_saved = re_saved_example(example)
    assert file_sha256(re_saved) != file_sha256(example)
    seen = read_digit(re_saved).stages["centred 28x28"]
    with pytest.raises(FeedbackRefused, match="examples"):
        save_feedback(tmp_path, seen, re_saved, PROBABILITIES, 3, test_inputs=[own_input])
    other = [read_digit(255 - DIGITS[i]).stages["centred 28x28"] for i in range(20)]
    assert not any(same_input(own_input, x) for x in other)  # other digits are not refused


def test_only_corrections_a_person_accepted_reach_training(tmp_path, capsys):
    from training.review import main

    for i in range(4):
        save_feedback(tmp_path, DIGITS[i] / 255, DIGITS[i], PROBABILITIES, int(LABELS[i]))
    ids = [r["id"] for r in read_records(tmp_path)]
    main([str(tmp_path)])
    assert "4 pending" in capsys.readouterr().out
    sheet = Image.open(tmp_path / "pending.png")
    assert sheet.size == (6 * 2 * 112, 112 + 16)  # one row: the input and the picture sent
    main([str(tmp_path), "--accept", ids[0][:8], ids[2], "--reject", ids[1]])
    assert "1 pending" in capsys.readouterr().out
    np.testing.assert_array_equal(load_feedback(tmp_path)[1], LABELS[[0, 2]])
    main([str(tmp_path), "--reject", ids[0]])  # a later decision replaces the first
    np.testing.assert_array_equal(load_feedback(tmp_path)[1], LABELS[[2]])
    with pytest.raises(SystemExit, match="names 0 corrections"):
        main([str(tmp_path), "--accept", "nosuchid"])


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
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)  # the loopback Hub speaks LFS
    scheduler = start_hub_upload(tmp_path / "feedback", "team/digit-feedback", "hf_test_token")
    try:
        record = save_feedback(
            tmp_path / "feedback",
            DIGITS[1] / 255,
            DIGITS[1],
            PROBABILITIES,
            int(LABELS[1]),
            lock=scheduler.lock,
        )
        scheduler.push_to_hub()
    finally:
        scheduler.stop()
        hub.close()
    uploaded = hub.files("team/digit-feedback")
    assert f"data/{record['input']}" in uploaded and f"data/{record['original']}" in uploaded
    assert json.loads(uploaded["data/feedback.jsonl"])["correction"] == int(LABELS[1])
    assert any(r.startswith("POST /api/datasets/team/digit-feedback/commit/") for r in hub.requests)
