"""Digit Studio: draw or upload a handwritten digit and see what a CNN thinks it is.

This file lays out the page and wires its components to the handlers (studio/handlers.py),
which hand every picture to digit_core; studio/server.py puts the guards in front.
"""

from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from digit_core.pictures import stage_pictures
from studio import handlers, inkpad, live, server

# Uploads live only in Gradio's cache, swept every 10 minutes once 30 minutes old; only a
# correction someone sends is kept.
with gr.Blocks(title="Digit Studio", delete_cache=(600, 1800)) as demo:
    gr.Markdown(
        "# ✏️ Digit Studio\nDraw a digit (0–9) or upload a picture of one: "
        "the network's probabilities for every digit update as you draw.",
        elem_id="title",
    )
    kept = gr.State(time_to_live=120)  # the last reading, per visitor, freed after two minutes
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=300):
            with gr.Tab("Draw") as draw_tab:
                # 280 px is 10x MNIST's 28. The pad reads in the browser as the pen moves
                # (docs/in-browser.md); until its reader has loaded, or where it cannot run,
                # it sends one PNG as the pen lifts and the answer shows ~0.1 s later.
                sketch = inkpad.inkpad(
                    "sketch",
                    "Draw one digit",
                    280,
                    280,
                    pen=14,
                    shown_height=460,
                    reader=handlers.LIVE_READER,
                )
            with gr.Tab("Upload") as upload_tab:
                upload = gr.Image(
                    elem_id="upload",
                    label="A picture of one digit",
                    type="filepath",
                    image_mode=None,
                    height=360,
                    sources=["upload", "clipboard", "webcam"],
                )
                gr.Examples(
                    handlers.EXAMPLES,
                    inputs=upload,
                    label="Examples: click one",
                    examples_per_page=12,
                )
            with gr.Tab("Number", elem_id="number-tab") as number_tab:
                number_sketch = inkpad.inkpad(
                    "number-sketch", "Write a whole number", 1200, 400, pen=20, shown_height=300
                )
                number_upload = gr.Image(
                    elem_id="number-upload",
                    label="…or a picture of one",
                    type="filepath",
                    image_mode=None,
                    height=160,
                    sources=["upload", "clipboard"],
                )
                number = gr.Markdown(elem_id="number")
                number_doubts = gr.Markdown(elem_id="number-confidence")
                number_boxes = gr.Image(
                    label="The digits it found", interactive=False, height=260, buttons=[]
                )
        with gr.Column(scale=2, min_width=260) as results:  # one digit's results
            label = gr.Label(num_top_classes=10, label="Prediction", elem_id="prediction")
            warning = gr.Markdown(elem_id="warning")
            with gr.Row():
                seen = gr.Image(
                    label="What the model saw (28×28)", interactive=False, height=230, buttons=[]
                )
                why = gr.Image(
                    label="Why: ink for (orange) / against (blue)",
                    elem_id="why",
                    interactive=False,
                    height=230,
                    buttons=[],
                )
            with gr.Group():
                with gr.Row(equal_height=True):
                    correction = gr.Dropdown(
                        handlers.DIGITS,
                        value=None,
                        scale=2,
                        label="Wrong? The right digit is",
                        elem_id="correction",
                    )
                    send = gr.Button("Send", scale=1, elem_id="send")
                thanks = gr.Markdown(
                    "Nothing you draw is stored unless you press Send.", elem_id="thanks"
                )
            with gr.Accordion("How it saw it", open=False):
                gallery = gr.Gallery(
                    label="Preprocessing stages", columns=3, height="auto", object_fit="contain"
                )

    # Files reach digit_core as paths it checks and decodes itself (preprocess=False), drawings
    # as the PNG bytes the pad sent: Gradio decodes no picture. Predictions have two workers;
    # everything that costs more (explanations, numbers, corrections, API reads) shares one, so
    # a flood of it never delays a prediction.
    predicting: dict[str, Any] = dict(concurrency_id="predict", concurrency_limit=2)
    costly: dict[str, Any] = dict(concurrency_id="costly", concurrency_limit=1)
    for reading in (
        sketch.submit(
            handlers.predict_drawing,
            sketch,
            [label, kept],
            api_visibility="private",
            trigger_mode="always_last",
            show_progress="hidden",
            **predicting,
        ),
        upload.change(
            handlers.predict_file,
            upload,
            [label, kept],
            api_name="predict",
            preprocess=False,
            show_progress="hidden",
            **predicting,
        ),
    ):
        reading.failure(
            lambda: ({}, "", None, None, []),
            None,
            [label, warning, seen, why, gallery],
            api_visibility="private",
        )
        # The details are a separate event in their own group, so that the next stroke (or
        # Clear) never waits behind an explanation; only the newest reading is explained.
        reading.success(
            handlers.show_details,
            kept,
            [warning, seen, why, gallery],
            api_visibility="private",
            trigger_mode="always_last",
            show_progress="hidden",
            **costly,
        )
    # Reading in the browser: each reading goes to the Label with no request (a js-only event);
    # as the pen lifts the server is asked only for what it alone makes.
    sketch.input(
        None,
        None,
        label,
        js=live.live_label("sketch"),
        api_visibility="private",
        queue=False,
        show_progress="hidden",
    )
    sketch.release(
        handlers.details_drawing,
        sketch,
        [kept, warning, seen, why, gallery],
        api_visibility="private",
        trigger_mode="always_last",
        show_progress="hidden",
        concurrency_id="costly",
        concurrency_limit=1,
    )
    number_outputs = [number, number_doubts, number_boxes]
    number_sketch.submit(
        handlers.show_number_drawing,
        number_sketch,
        number_outputs,
        trigger_mode="always_last",
        api_visibility="private",
        **costly,
    )
    number_upload.change(
        handlers.show_number_upload,
        number_upload,
        number_outputs,
        preprocess=False,
        api_visibility="private",
        **costly,
    )
    send.click(
        handlers.send_feedback, [correction, kept], thanks, api_visibility="private", **costly
    )
    gr.api(handlers.predict_sketch_api, api_name="predict_sketch", **predicting)
    for fn, api_name in (
        (handlers.read_digit_api, "read_digit"),
        (handlers.explain_api, "explain"),
        (handlers.read_number_api, "read_number"),
        (handlers.feedback_api, "feedback"),
    ):
        gr.api(fn, api_name=api_name, **costly)
    number_tab.select(lambda: gr.Column(visible=False), None, results, api_visibility="private")
    for tab in (draw_tab, upload_tab):
        tab.select(lambda: gr.Column(visible=True), None, results, api_visibility="private")

with demo.route("How it works", "/about"):
    gr.Markdown((handlers.ROOT / "docs" / "home.md").read_text().format(**handlers.METRICS))
    gr.Button("Draw a digit ✏️", link="/", variant="primary", size="lg")
    gr.Gallery(
        stage_pictures(handlers.PIPELINE),
        label="How an image becomes the model's input",
        columns=5,
        rows=1,
        height=230,
        object_fit="contain",
    )
    with gr.Row():
        gr.Image(
            str(handlers.ROOT / "model" / "training_curves.png"),
            label="Training curves",
            interactive=False,
            scale=3,
        )
        gr.Image(
            str(handlers.ROOT / "model" / "confusion_matrix.png"),
            label="Test-set confusion matrix",
            interactive=False,
            scale=2,
        )

# A burst waits in a bounded queue instead of piling up; no event skips it by Gradio's direct
# routes (/run/, /api/), which it leaves open everywhere but on a Space.
demo.queue(default_concurrency_limit=1, max_size=256, api_open=False)

if __name__ == "__main__":
    served = server.guarded_app(
        demo,
        handlers.UPLOADS,
        handlers.READABLE,
        handlers.UPLOAD_BUDGET,
        middleware=[Middleware(live.LongCache, folders=handlers.LIVE_READER.folders)],
        theme=gr.themes.Soft(primary_hue="indigo"),
        css_paths=[handlers.ROOT / "studio" / "studio.css"],
        run_history=False,  # no copy of anyone's drawings, not even in their browser
    )
    handlers.warm_up_explanations()
    server.serve(served)
