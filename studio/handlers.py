"""What each event of the Studio does: read a picture, explain it, take a correction, answer the
API. Handlers get a picture as an uploaded file (a path checked against READABLE) or as the
drawing pad's PNG, hand it to digit_core, and turn its typed errors into a message for the
visitor; app.py wires them to components.
"""

import json
import os
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import gradio as gr
import numpy as np
from gradio import FileData
from gradio.components.label import LabelData
from gradio.utils import get_upload_folder

import digit_core
from digit_core.decode import to_array
from digit_core.feedback import FeedbackRefused, save_feedback, start_hub_upload
from digit_core.pictures import attribution_picture, enlarge, stage_pictures
from studio import guards, inkpad, live, visitors
from studio.number_view import number_view

ROOT = Path(__file__).resolve().parent.parent  # the project folder
EXAMPLES = sorted(str(p) for p in (ROOT / "examples").iterdir() if p.suffix in (".png", ".jpg"))
METRICS = json.loads((ROOT / "model" / "metrics.json").read_text())
UPLOADS = Path(get_upload_folder()).resolve()
READABLE = (UPLOADS, (ROOT / "examples").resolve())  # the only places a handler opens files
# Per visitor: the explanation, numbers and API calls cost ~10x a prediction; corrections are rare.
COSTLY = visitors.RateLimit(60, 60)
CORRECTIONS = visitors.RateLimit(5, 60)
UPLOAD_BUDGET = visitors.RateLimit(*guards.UPLOAD_BYTES_PER_VISITOR)

# Read once at start (this loads and warms up the model): the bundled examples are MNIST test
# digits, refused as corrections however they are re-saved, and the first shows the pipeline.
EXAMPLE_STAGES = [digit_core.read_digit(p).stages for p in EXAMPLES]
EXAMPLE_INPUTS = [stages["centred 28x28"] for stages in EXAMPLE_STAGES]
PIPELINE = EXAMPLE_STAGES[0]
FEEDBACK_DIR = Path(os.environ.get("FEEDBACK_DIR", ROOT / "feedback"))
UPLOADER = start_hub_upload(FEEDBACK_DIR)  # None unless HF_TOKEN and FEEDBACK_DATASET are set
NOT_A_DIGIT = "Not a digit?"
# The browser runs the served network converted by training/convert.py (checked in metrics.json).
LIVE_READER = live.LiveReader(
    revision=f"seed {METRICS['seeds'][-1]}, {METRICS['browser_model_sha256'][:8]}",
    not_a_digit=NOT_A_DIGIT,
)
gr.set_static_paths(LIVE_READER.folders)
DIGITS = [str(d) for d in range(10)]
LABEL = gr.Label(num_top_classes=10, render=False)  # the Label's answer format, for the API


def explain(x: np.ndarray, digit: int) -> np.ndarray:
    """The explanation map. Its module loads TensorFlow (seconds): `warm_up_explanations` loads it
    before the server answers."""
    from digit_core.explain import explain as integrated_gradients

    return integrated_gradients(x, digit)


def warm_up_explanations() -> None:
    """Loads TensorFlow and traces the explanation once, before serving. Done in a thread while
    serving, it held the GIL and stalled the first visitors' uploads by 3.2 s (past gradio_client's
    5 s read timeout on a busy machine)."""
    explain(PIPELINE["centred 28x28"], 0)


@contextmanager
def human_errors():
    """digit_core's typed errors become a message in the UI (and for API clients)."""
    try:
        yield
    except (digit_core.InvalidImageError, digit_core.NoDigitError) as e:
        raise gr.Error(str(e), title="Can't read a digit here", print_exception=False) from None


def uploaded(file) -> str | None:
    """The path of a file the visitor uploaded (or a bundled example), whatever they sent."""
    if file is None:
        return None
    with human_errors():
        return guards.checked_path(file, READABLE)


def composite(sketch) -> str | None:
    """The flattened picture of a sketch an API client sent ({background, layers, composite},
    as Gradio's Sketchpad sends it): only the composite is read, as an uploaded file."""
    return uploaded(sketch.get("composite")) if isinstance(sketch, dict) else None


def limit(rate: visitors.RateLimit, request: gr.Request, what: str) -> None:
    if not rate.allow(visitors.request_visitor(request)):
        raise gr.Error(
            f"Too many {what} from you in a minute: wait a moment and try again.",
            title="Slow down",
            print_exception=False,
        )


def read(image: str | bytes | None) -> tuple[dict | str, dict | None]:
    """The Label's value, and what the details, the explanation and feedback need later (small:
    the reading's pictures are <= 128 px, the original a path or a drawing's PNG bytes)."""
    if image is None:
        return {}, None
    with human_errors():
        reading = digit_core.read_digit(image)
    label = reading.probabilities if reading.is_digit else NOT_A_DIGIT
    return label, {"reading": reading, "original": image}


def predict_file(file: dict | None):
    """`/predict`: any uploaded image file, decoded by digit_core itself (not by Gradio)."""
    return read(uploaded(file))


def predict_drawing(drawing: str | None):
    """The drawing pad, after each stroke: its PNG, or nothing for an empty pad."""
    try:
        return read(drawn(drawing))
    except gr.Error:  # a blank canvas or a first dot: show nothing yet, no popup
        return {}, None


def details_drawing(drawing: str | None, request: gr.Request):
    """The drawing pad reading in the browser, as the pen lifts: the Label already shows the
    browser's reading; the server keeps its own (for a correction) and adds what only it makes
    (the explanation map and the stages)."""
    _, kept = predict_drawing(drawing)
    return (kept, *show_details(kept, request))


def drawn(drawing: str | None) -> bytes | None:
    with human_errors():
        return inkpad.picture(drawing)


def predict_sketch_api(sketch: dict) -> dict:
    """`/predict_sketch`: a sketch {background, layers, composite}; answered like `/predict`."""
    try:
        value, _ = read(composite(sketch))
    except gr.Error:  # a blank canvas: no answer yet
        value = {}
    answer = LABEL.postprocess(value)  # what the studio's Label sends for the same value
    return answer.model_dump() if isinstance(answer, LabelData) else {}


def show_details(kept: dict | None, request: gr.Request):
    """Warning, 28x28 input, explanation map and stages for the last reading."""
    if kept is None:
        return "", None, None, []
    limit(COSTLY, request, "explanations")
    reading = kept["reading"]
    x, digit = reading.stages["centred 28x28"], reading.digit
    warning = (
        ""
        if reading.is_digit
        else (
            f"⚠️ **{reading.reason}** If it is a digit, the closest is **{digit}** "
            f"({reading.probabilities[digit]:.0%})."
        )
    )
    why = attribution_picture(x, explain(x, int(digit)))
    return warning, enlarge(x), why, stage_pictures(reading.stages)


def send_feedback(correction: str | None, kept: dict | None, request: gr.Request) -> str:
    """Store one correction (only when Send is pressed)."""
    if kept is None:
        raise gr.Error("Draw or upload a digit first.", print_exception=False)
    if correction not in DIGITS:
        raise gr.Error("Pick the right digit (0-9) first.", print_exception=False)
    limit(CORRECTIONS, request, "corrections")
    reading = kept["reading"]
    try:
        save_feedback(
            FEEDBACK_DIR,
            reading.stages["centred 28x28"],
            kept["original"],
            reading.probabilities,
            int(correction),
            reading.is_digit,
            UPLOADER and UPLOADER.lock,
            EXAMPLE_INPUTS,
        )
    except (FeedbackRefused, OSError) as e:  # OSError: the upload was swept from the cache
        raise gr.Error(
            str(e)
            if isinstance(e, FeedbackRefused)
            else "Your picture is gone from the server: upload it again.",
            print_exception=False,
        ) from None
    return f"Thank you: saved as a **{correction}** (the model said {reading.digit})."


def api_reading(image: FileData | None) -> digit_core.DigitReading:
    """What an API client's picture reads as; sending none gets a clear message."""
    _, kept = read(uploaded(image))
    if kept is None:
        raise gr.Error(
            "Send a picture: this endpoint reads one image file.",
            title="Can't read a digit here",
            print_exception=False,
        )
    return kept["reading"]


def read_digit_api(image: FileData, request: gr.Request) -> dict:
    """`/read_digit`: probabilities, whether it is a digit at all (and why not), the digit score."""
    limit(COSTLY, request, "requests")
    reading = api_reading(image)
    return {
        "digit": reading.digit,
        "probabilities": reading.probabilities,
        "is_digit": reading.is_digit,
        "reason": reading.reason,
        "digit_score": reading.digit_score,
    }


def explain_api(image: FileData, request: gr.Request) -> dict:
    """`/explain`: the 28x28 input and the integrated-gradients map for the top digit."""
    limit(COSTLY, request, "explanations")
    reading = api_reading(image)
    x, digit = reading.stages["centred 28x28"], reading.digit
    return {
        "digit": digit,
        "input": x.round(4).tolist(),
        "attribution": explain(x, int(digit)).round(5).tolist(),
    }


def show_number(image, request: gr.Request) -> tuple[str, str, np.ndarray | None]:
    """A whole number: the digits as text, how sure the reader is, and the picture with a box
    round each digit (unsure ones in amber, with a question mark)."""
    if image is None:
        return "", "", None
    limit(COSTLY, request, "numbers")
    with human_errors():
        pixels = to_array(image)  # decoded once, for the reading and the picture
        reading = digit_core.read_number(pixels)
    return number_view(pixels, reading)


def show_number_upload(file: dict | None, request: gr.Request):
    return show_number(uploaded(file), request)


def show_number_drawing(drawing: str | None, request: gr.Request):
    try:
        return show_number(drawn(drawing), request)
    except gr.Error:  # a blank canvas: nothing to say yet
        return "", "", None


def read_number_api(image: FileData, request: gr.Request) -> dict:
    """`/read_number`: the number as text, each digit's probabilities and box (x, y, w, h), and
    the confidence that the whole number is right."""
    limit(COSTLY, request, "numbers")
    path = uploaded(image)
    if path is None:
        raise gr.Error("Send a picture of a number.", print_exception=False)
    with human_errors():
        return asdict(digit_core.read_number(path))


def feedback_api(image: FileData, correction: int, request: gr.Request) -> str:
    """`/feedback`: tell us the right digit for a picture the model got wrong."""
    _, kept = read(uploaded(image))
    return send_feedback(str(correction), kept, request)
