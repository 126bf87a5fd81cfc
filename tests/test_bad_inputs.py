"""Every kind of awkward or hostile input: a prediction where a digit is there, else a clear
message (typed exception in the core, gr.Error through the app), and the server stays up."""

import tracemalloc

import numpy as np
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError

from digit_core import InvalidImageError, NoDigitError, predict
from tests.bad_inputs import corpus, encode, noise, png_bomb

CASES = corpus()


def top(probabilities: dict) -> str:
    return max(probabilities, key=probabilities.get)


@pytest.mark.parametrize("name, data, expected", CASES, ids=[c[0] for c in CASES])
def test_core(name, data, expected):
    if isinstance(expected, str):
        assert top(predict(data)) == expected
    else:
        error, message = expected
        with pytest.raises(error, match=message):
            predict(data)


@pytest.mark.parametrize("name, data, expected", CASES, ids=[c[0] for c in CASES])
def test_app(client, tmp_path, name, data, expected):
    path = tmp_path / name
    path.write_bytes(data)
    if isinstance(expected, str):
        assert client.predict(handle_file(str(path)), api_name="/predict")["label"] == expected
    else:
        with pytest.raises(AppError, match=expected[1]):
            client.predict(handle_file(str(path)), api_name="/predict")


@pytest.mark.parametrize("endpoint", ["/read_digit", "/explain", "/read_number", "/feedback"])
def test_every_endpoint_refuses_bad_files_clearly(client, tmp_path, endpoint):
    extra = (3,) if endpoint == "/feedback" else ()
    for name, data, expected in CASES:
        if isinstance(expected, str):
            continue
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(AppError, match=expected[1]):
            client.predict(handle_file(str(path)), *extra, api_name=endpoint)
    example = handle_file("examples/8-drawing.png")
    assert client.predict(example, api_name="/predict")["label"] == "8"


@pytest.mark.parametrize("correction", [-1, 10, 123])
def test_feedback_refuses_a_correction_that_is_not_a_digit(client, correction):
    with pytest.raises(AppError, match="0-9"):
        client.predict(handle_file("examples/8-drawing.png"), correction, api_name="/feedback")


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_floats(value):
    image = np.zeros((50, 50), np.float32)
    image[10:40, 20:25] = value
    with pytest.raises(InvalidImageError, match="NaN or infinite"):
        predict(image)


def test_bomb_is_refused_without_allocating_it():
    tracemalloc.start()
    with pytest.raises(InvalidImageError, match="too large"):
        predict(png_bomb(12000, 12000))  # 144 megapixels declared in ~70 bytes
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 5_000_000  # a decoded 144 MP image would take 144 MB at least


def test_blank_sketches(client, tmp_path):
    white = tmp_path / "white.png"
    white.write_bytes(encode(np.full((560, 560, 3), 255, np.uint8), "PNG"))
    for sketch in (
        {"background": None, "layers": [], "composite": None},  # cleared canvas
        {"background": handle_file(str(white)), "layers": [], "composite": handle_file(str(white))},
    ):  # no strokes
        assert not client.predict(sketch, api_name="/predict_sketch").get("confidences")
    with pytest.raises(NoDigitError):
        predict(np.full((560, 560, 4), 255, np.uint8))


def test_file_over_the_upload_limit_is_refused(client, tmp_path):
    big = tmp_path / "big.png"
    big.write_bytes(encode(noise(2000, seed=1), "PNG"))  # ~12 MB of incompressible pixels
    assert big.stat().st_size > 10_000_000
    with pytest.raises(Exception, match="(?i)size"):
        client.predict(handle_file(str(big)), api_name="/predict")
    example = handle_file("examples/8-drawing.png")
    assert client.predict(example, api_name="/predict")["label"] == "8"
