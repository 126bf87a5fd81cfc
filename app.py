"""Digit Studio: draw or upload a handwritten digit and see what a CNN thinks it is.

The UI only wires Gradio components to digit_core, where all the image work happens.
"""

import json
from pathlib import Path

import gradio as gr

import digit_core
from digit_core.pictures import enlarge, stage_pictures

HERE = Path(__file__).parent
EXAMPLES = sorted(str(p) for p in (HERE / "examples").iterdir() if p.suffix in (".png", ".jpg"))
METRICS = json.loads((HERE / "model" / "metrics.json").read_text())
MAX_FILE_SIZE = "10mb"
# Gradio 6.31 opens the Sketchpad with no tool selected: pick the brush once the canvas exists.
SELECT_BRUSH = """() => { const t = setInterval(() => {
  const brush = document.querySelector('#sketch button[aria-label="Brush"]');
  if (brush && document.querySelector('#sketch .pixi-target canvas')) { brush.click(); clearInterval(t); }
}, 200); setTimeout(() => clearInterval(t), 30000); }"""

_, PIPELINE = digit_core.predict_with_stages(EXAMPLES[0])  # loads and warms up the model now


def read(image) -> tuple[dict, dict | None]:
    """The 10 probabilities for the Label, and the preprocessing stages kept on the server."""
    if image is None:
        return {}, None
    try:
        return digit_core.predict_with_stages(image)
    except (digit_core.InvalidImageError, digit_core.NoDigitError) as e:
        raise gr.Error(str(e), title="Can't read a digit here", print_exception=False) from None


def predict_file(file: dict | None):
    """`/predict`: any image file, decoded by digit_core itself (not by Gradio)."""
    return read(file and file["path"])


def predict_sketch(sketch: dict | None):
    """`/predict_sketch`: the Sketchpad's {background, layers, composite}."""
    try:
        return read((sketch or {}).get("composite"))
    except gr.Error:  # a blank canvas or a first dot: show nothing yet, no popup
        return {}, None


def show_stages(stages: dict | None):
    if stages is None:
        return None, []
    return enlarge(stages["centred 28x28"]), stage_pictures(stages)


# Uploads live only in Gradio's cache, swept hourly; nothing else is written or kept.
with gr.Blocks(title="Digit Studio", delete_cache=(3600, 3600)) as demo:
    gr.Markdown((HERE / "docs" / "home.md").read_text().format(**METRICS))
    gr.Button("Open the Studio ✏️", link="/studio", variant="primary", size="lg")
    gr.Gallery(stage_pictures(PIPELINE), label="How an image becomes the model's input",
               columns=5, rows=1, height=230, object_fit="contain")
    with gr.Row():
        gr.Image(str(HERE / "model" / "training_curves.png"), label="Training curves",
                 interactive=False, scale=3)
        gr.Image(str(HERE / "model" / "confusion_matrix.png"), label="Test-set confusion matrix",
                 interactive=False, scale=2)

with demo.route("Studio", "/studio") as studio:
    gr.Markdown("# ✏️ Digit Studio\nDraw a digit (0–9) or upload a picture of one: "
                "the CNN's probabilities for every digit update as you draw.")
    stages = gr.State(time_to_live=120)  # per-visitor pictures, freed after two minutes
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=300):
            with gr.Tab("Draw"):
                sketch = gr.Sketchpad(elem_id="sketch", label="Draw one digit",
                                      canvas_size=(560, 560), height=460, layers=False,
                                      brush=gr.Brush(default_size=14, colors=["#000000"],
                                                     color_mode="fixed"))
            with gr.Tab("Upload"):
                upload = gr.Image(elem_id="upload", label="A picture of one digit",
                                  type="filepath", image_mode=None, height=360,
                                  sources=["upload", "clipboard", "webcam"])
                gr.Examples(EXAMPLES, inputs=upload, label="Examples: click one", examples_per_page=12)
        with gr.Column(scale=2, min_width=260):
            label = gr.Label(num_top_classes=10, label="Prediction", elem_id="prediction")
            with gr.Row():
                seen = gr.Image(label="What the model saw (28×28)", interactive=False,
                                height=190, buttons=[])
            with gr.Accordion("How it saw it", open=False):
                gallery = gr.Gallery(label="Preprocessing stages", columns=3, height="auto",
                                     object_fit="contain")

    for source, fn, api_name in ((sketch, predict_sketch, "predict_sketch"),
                                 (upload, predict_file, "predict")):
        # Uploads reach digit_core as files (its own checks); Gradio assembles the sketch.
        (source.change(fn, source, [label, stages], api_name=api_name,
                       preprocess=source is sketch, trigger_mode="always_last",
                       show_progress="hidden")
         .success(show_stages, stages, [seen, gallery], api_visibility="private")
         .failure(lambda: ({}, None, []), None, [label, seen, gallery], api_visibility="private"))
    studio.load(None, js=SELECT_BRUSH)

# Two predictions at a time (2 cores); a burst waits in a bounded queue instead of piling up.
demo.queue(default_concurrency_limit=2, max_size=64)

if __name__ == "__main__":
    demo.launch(theme=gr.themes.Soft(primary_hue="indigo"), max_file_size=MAX_FILE_SIZE,
                run_history=False)  # no copy of anyone's drawings, not even in their browser
