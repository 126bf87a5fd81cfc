"""Digit Studio: draw or upload a handwritten digit and see what a CNN thinks it is.

The UI only wires Gradio components to digit_core, where all the image work happens.
"""

import json
import os
import threading
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np
from gradio import FileData
from gradio.components.label import LabelData
from gradio.utils import get_upload_folder
from starlette.middleware import Middleware

import digit_core
from digit_core.decode import to_array
from digit_core.feedback import FeedbackRefused, save_feedback, start_hub_upload
from digit_core.pictures import (
    attribution_picture,
    enlarge,
    stage_pictures,
)
from studio import guards, inkpad, live, server, visitors
from studio.number_view import number_view

HERE = Path(__file__).parent
EXAMPLES = sorted(str(p) for p in (HERE / "examples").iterdir() if p.suffix in (".png", ".jpg"))
METRICS = json.loads((HERE / "model" / "metrics.json").read_text())
UPLOADS = Path(get_upload_folder()).resolve()
READABLE = (UPLOADS, (HERE / "examples").resolve())  # the only places a handler opens files
# Per visitor: the explanation, numbers and API calls cost ~10x a prediction; corrections are rare.
COSTLY = visitors.RateLimit(60, 60)
CORRECTIONS = visitors.RateLimit(5, 60)
UPLOAD_BUDGET = visitors.RateLimit(*guards.UPLOAD_BYTES_PER_VISITOR)

PIPELINE = digit_core.read_digit(EXAMPLES[0]).stages  # loads and warms up the model now
# MNIST test digits: no corrections on them, however they are re-saved
EXAMPLE_INPUTS = [digit_core.read_digit(p).stages["centred 28x28"] for p in EXAMPLES]
FEEDBACK_DIR = Path(os.environ.get("FEEDBACK_DIR", HERE / "feedback"))
UPLOADER = start_hub_upload(FEEDBACK_DIR)  # None unless HF_TOKEN and FEEDBACK_DATASET are set
NOT_A_DIGIT = "Not a digit?"
# The browser runs the served network converted by training/convert.py (checked in metrics.json).
LIVE_READER = live.LiveReader(
    revision=f"seed {METRICS['seeds'][-1]}, {METRICS['browser_model_sha256'][:8]}",
    not_a_digit=NOT_A_DIGIT)
gr.set_static_paths(LIVE_READER.folders)
DIGITS = [str(d) for d in range(10)]


def explain(x: np.ndarray, digit: int) -> np.ndarray:
    """The explanation map. Its module loads TensorFlow (seconds): imported on first use, which
    `warm_up_explanations` makes happen in the background once the server answers."""
    from digit_core.explain import explain as integrated_gradients

    return integrated_gradients(x, digit)


def warm_up_explanations() -> None:
    threading.Thread(target=explain, args=(PIPELINE["centred 28x28"], 0), daemon=True).start()


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
        raise gr.Error(f"Too many {what} from you in a minute: wait a moment and try again.",
                       title="Slow down", print_exception=False)


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
    answer = label.postprocess(value)  # what the Label sends for the same value
    return answer.model_dump() if isinstance(answer, LabelData) else {}


def show_details(kept: dict | None, request: gr.Request):
    """Warning, 28x28 input, explanation map and stages for the last reading."""
    if kept is None:
        return "", None, None, []
    limit(COSTLY, request, "explanations")
    reading = kept["reading"]
    x, digit = reading.stages["centred 28x28"], reading.digit
    warning = "" if reading.is_digit else (
        f"⚠️ **{reading.reason}** If it is a digit, the closest is **{digit}** "
        f"({reading.probabilities[digit]:.0%}).")
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
        save_feedback(FEEDBACK_DIR, reading.stages["centred 28x28"], kept["original"],
                      reading.probabilities, int(correction), reading.is_digit,
                      UPLOADER and UPLOADER.lock, EXAMPLE_INPUTS)
    except (FeedbackRefused, OSError) as e:  # OSError: the upload was swept from the cache
        raise gr.Error(str(e) if isinstance(e, FeedbackRefused) else
                       "Your picture is gone from the server: upload it again.",
                       print_exception=False) from None
    return f"Thank you: saved as a **{correction}** (the model said {reading.digit})."


def api_reading(image: FileData | None) -> digit_core.DigitReading:
    """What an API client's picture reads as; sending none gets a clear message."""
    _, kept = read(uploaded(image))
    if kept is None:
        raise gr.Error("Send a picture: this endpoint reads one image file.",
                       title="Can't read a digit here", print_exception=False)
    return kept["reading"]


def read_digit_api(image: FileData, request: gr.Request) -> dict:
    """`/read_digit`: probabilities, whether it is a digit at all (and why not), the digit score."""
    limit(COSTLY, request, "requests")
    reading = api_reading(image)
    return {"digit": reading.digit, "probabilities": reading.probabilities,
            "is_digit": reading.is_digit, "reason": reading.reason,
            "digit_score": reading.digit_score}


def explain_api(image: FileData, request: gr.Request) -> dict:
    """`/explain`: the 28x28 input and the integrated-gradients map for the top digit."""
    limit(COSTLY, request, "explanations")
    reading = api_reading(image)
    x, digit = reading.stages["centred 28x28"], reading.digit
    return {"digit": digit, "input": x.round(4).tolist(),
            "attribution": explain(x, int(digit)).round(5).tolist()}


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


# Uploads live only in Gradio's cache, swept every 10 minutes once 30 minutes old; only a
# correction someone sends is kept.
with gr.Blocks(title="Digit Studio", delete_cache=(600, 1800)) as demo:
    gr.Markdown("# ✏️ Digit Studio\nDraw a digit (0–9) or upload a picture of one: "
                "the network's probabilities for every digit update as you draw.", elem_id="title")
    kept = gr.State(time_to_live=120)  # the last reading, per visitor, freed after two minutes
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=300):
            with gr.Tab("Draw") as draw_tab:
                # 280 px is 10x MNIST's 28. The pad reads in the browser as the pen moves
                # (docs/in-browser.md); until its reader has loaded, or where it cannot run,
                # it sends one PNG as the pen lifts and the answer shows ~0.1 s later.
                sketch = inkpad.inkpad("sketch", "Draw one digit", 280, 280, pen=14,
                                       shown_height=460, reader=LIVE_READER)
            with gr.Tab("Upload") as upload_tab:
                upload = gr.Image(elem_id="upload", label="A picture of one digit",
                                  type="filepath", image_mode=None, height=360,
                                  sources=["upload", "clipboard", "webcam"])
                gr.Examples(EXAMPLES, inputs=upload, label="Examples: click one", examples_per_page=12)
            with gr.Tab("Number", elem_id="number-tab") as number_tab:
                number_sketch = inkpad.inkpad("number-sketch", "Write a whole number", 1200,
                                              400, pen=20, shown_height=300)
                number_upload = gr.Image(elem_id="number-upload", label="…or a picture of one",
                                         type="filepath", image_mode=None, height=160,
                                         sources=["upload", "clipboard"])
                number = gr.Markdown(elem_id="number")
                number_doubts = gr.Markdown(elem_id="number-confidence")
                number_boxes = gr.Image(label="The digits it found", interactive=False, height=260,
                                        buttons=[])
        with gr.Column(scale=2, min_width=260) as results:  # one digit's results
            label = gr.Label(num_top_classes=10, label="Prediction", elem_id="prediction")
            warning = gr.Markdown(elem_id="warning")
            with gr.Row():
                seen = gr.Image(label="What the model saw (28×28)", interactive=False,
                                height=230, buttons=[])
                why = gr.Image(label="Why: ink for (orange) / against (blue)", elem_id="why",
                               interactive=False, height=230, buttons=[])
            with gr.Group():
                with gr.Row(equal_height=True):
                    correction = gr.Dropdown(DIGITS, value=None, scale=2,
                                             label="Wrong? The right digit is", elem_id="correction")
                    send = gr.Button("Send", scale=1, elem_id="send")
                thanks = gr.Markdown("Nothing you draw is stored unless you press Send.",
                                     elem_id="thanks")
            with gr.Accordion("How it saw it", open=False):
                gallery = gr.Gallery(label="Preprocessing stages", columns=3, height="auto",
                                     object_fit="contain")

    # Files reach digit_core as paths it checks and decodes itself (preprocess=False), drawings
    # as the PNG bytes the pad sent: Gradio decodes no picture. Predictions have two workers;
    # everything that costs more (explanations, numbers, corrections, API reads) shares one, so
    # a flood of it never delays a prediction.
    predicting: dict[str, Any] = dict(concurrency_id="predict", concurrency_limit=2)
    costly: dict[str, Any] = dict(concurrency_id="costly", concurrency_limit=1)
    for reading in (sketch.submit(predict_drawing, sketch, [label, kept], api_visibility="private",
                                  trigger_mode="always_last", show_progress="hidden",
                                  **predicting),
                    upload.change(predict_file, upload, [label, kept], api_name="predict",
                                  preprocess=False, show_progress="hidden", **predicting)):
        reading.failure(lambda: ({}, "", None, None, []), None,
                        [label, warning, seen, why, gallery], api_visibility="private")
        # The details are a separate event in their own group, so that the next stroke (or
        # Clear) never waits behind an explanation; only the newest reading is explained.
        reading.success(show_details, kept, [warning, seen, why, gallery],
                        api_visibility="private", trigger_mode="always_last",
                        show_progress="hidden", **costly)
    # Reading in the browser: each reading goes to the Label with no request (a js-only event);
    # as the pen lifts the server is asked only for what it alone makes.
    sketch.input(None, None, label, js=live.live_label("sketch"), api_visibility="private",
                 queue=False, show_progress="hidden")
    sketch.release(details_drawing, sketch, [kept, warning, seen, why, gallery],
                   api_visibility="private", trigger_mode="always_last", show_progress="hidden",
                   concurrency_id="costly", concurrency_limit=1)
    number_outputs = [number, number_doubts, number_boxes]
    number_sketch.submit(show_number_drawing, number_sketch, number_outputs,
                         trigger_mode="always_last", api_visibility="private", **costly)
    number_upload.change(show_number_upload, number_upload, number_outputs,
                         preprocess=False, api_visibility="private", **costly)
    send.click(send_feedback, [correction, kept], thanks, api_visibility="private", **costly)
    gr.api(predict_sketch_api, api_name="predict_sketch", **predicting)
    for fn, api_name in ((read_digit_api, "read_digit"), (explain_api, "explain"),
                         (read_number_api, "read_number"), (feedback_api, "feedback")):
        gr.api(fn, api_name=api_name, **costly)
    number_tab.select(lambda: gr.Column(visible=False), None, results, api_visibility="private")
    for tab in (draw_tab, upload_tab):
        tab.select(lambda: gr.Column(visible=True), None, results, api_visibility="private")

with demo.route("How it works", "/about"):
    gr.Markdown((HERE / "docs" / "home.md").read_text().format(**METRICS))
    gr.Button("Draw a digit ✏️", link="/", variant="primary", size="lg")
    gr.Gallery(stage_pictures(PIPELINE), label="How an image becomes the model's input",
               columns=5, rows=1, height=230, object_fit="contain")
    with gr.Row():
        gr.Image(str(HERE / "model" / "training_curves.png"), label="Training curves",
                 interactive=False, scale=3)
        gr.Image(str(HERE / "model" / "confusion_matrix.png"), label="Test-set confusion matrix",
                 interactive=False, scale=2)

# A burst waits in a bounded queue instead of piling up.
demo.queue(default_concurrency_limit=1, max_size=256)

if __name__ == "__main__":
    served = server.guarded_app(
        demo, UPLOADS, READABLE, UPLOAD_BUDGET,
        middleware=[Middleware(live.LongCache, folders=LIVE_READER.folders)],
        theme=gr.themes.Soft(primary_hue="indigo"),
        css_paths=[HERE / "studio" / "studio.css"],
        run_history=False,  # no copy of anyone's drawings, not even in their browser
    )
    warm_up_explanations()
    server.serve(served)
