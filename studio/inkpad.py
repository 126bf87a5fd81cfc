"""A drawing pad for the Studio: a plain 2D canvas in a gr.HTML, pen, mouse or finger.

Why not gr.Sketchpad: after each stroke Gradio 6.31's Sketchpad exports its background, layer
and composite through its WebGL renderer before sending anything, 0.58-0.61 s in headless
Chromium whatever the canvas size (README "Speed"); it also opens with no tool selected and
drops the brush on Clear. This pad sends one PNG (`canvas.toDataURL`) as the event's data the
moment the pen lifts (as the component's value, so Gradio's "always_last" sends the newest
drawing), and is always ready to draw. `picture` turns that value back into bytes for
digit_core, which checks and decodes them like any upload.
"""

import base64
import binascii

import gradio as gr

from digit_core.decode import UNREADABLE
from digit_core.errors import InvalidImageError

PNG_DATA_URL = "data:image/png;base64,"
MAX_DATA_URL = 1_000_000  # a 1200x400 drawing is ~30 KB; the request limit is the same

HTML = """
<div class="inkpad">
  <canvas width="${pad_width}" height="${pad_height}" aria-label="${pad_name}"></canvas>
  <div class="tools">
    <span class="name">${pad_name}</span>
    <button type="button" class="undo" aria-label="Undo">↶ Undo</button>
    <button type="button" class="clear" aria-label="Clear">✕ Clear</button>
  </div>
</div>
"""

CSS = """
.inkpad { display: flex; flex-direction: column; gap: 6px; }
.inkpad canvas { width: min(100%, ${shown_height * pad_width / pad_height}px); height: auto;
  aspect-ratio: ${pad_width} / ${pad_height}; margin: 0 auto; background: #fff;
  border: 1px solid var(--border-color-primary); border-radius: var(--radius-lg);
  touch-action: none; cursor: crosshair; }
.inkpad canvas:not([data-ready]) { cursor: progress; }
.inkpad .tools { display: flex; gap: 8px; align-items: center; }
.inkpad .name { flex: 1; color: var(--body-text-color-subdued); font-size: var(--text-sm); }
.inkpad button { padding: 4px 12px; border-radius: var(--radius-md);
  border: 1px solid var(--border-color-primary); background: var(--background-fill-secondary); }
"""

# Strokes are kept as point lists so Undo can redraw without the last one. The canvas is drawn
# in its own pixels (width x height), whatever size it is shown at.
JS = """
const canvas = element.querySelector("canvas");
const pen = canvas.getContext("2d");
const strokes = [];
let current = null;
const redraw = () => {
  pen.fillStyle = "#fff";
  pen.fillRect(0, 0, canvas.width, canvas.height);
  pen.strokeStyle = "#000"; pen.fillStyle = "#000";
  pen.lineWidth = props.pen; pen.lineCap = "round"; pen.lineJoin = "round";
  for (const stroke of strokes) {
    pen.beginPath();
    pen.moveTo(stroke[0][0], stroke[0][1]);
    for (const [x, y] of stroke.slice(1)) pen.lineTo(x, y);
    if (stroke.length === 1) pen.lineTo(stroke[0][0] + 0.01, stroke[0][1]);
    pen.stroke();
  }
};
const send = () => {
  props.value = strokes.length ? canvas.toDataURL("image/png") : "";
  trigger("submit");
};
const at = (event) => {
  const box = canvas.getBoundingClientRect();
  return [(event.clientX - box.left) * canvas.width / box.width,
          (event.clientY - box.top) * canvas.height / box.height];
};
canvas.addEventListener("pointerdown", (event) => {
  canvas.setPointerCapture(event.pointerId);
  current = [at(event)];
  strokes.push(current);
  redraw();
});
canvas.addEventListener("pointermove", (event) => {
  if (!current) return;
  current.push(at(event));
  redraw();
});
const lift = () => { if (current) { current = null; send(); } };
canvas.addEventListener("pointerup", lift);
canvas.addEventListener("pointercancel", lift);
element.querySelector(".undo").addEventListener("click", () => { strokes.pop(); redraw(); send(); });
element.querySelector(".clear").addEventListener("click", () => { strokes.length = 0; redraw(); send(); });
redraw();
canvas.dataset.ready = "";  // the canvas shows before this script runs: strokes count from now
"""


def inkpad(elem_id: str, name: str, width: int, height: int, pen: float,
           shown_height: int) -> gr.HTML:
    """A width x height pad (its own pixels; shown as large as fits, up to shown_height px);
    `pen` is the stroke width in those pixels. `submit` fires when the pen lifts, on Undo and on
    Clear; the value is then the drawing as a PNG data URL ("" when empty)."""
    return gr.HTML(elem_id=elem_id, html_template=HTML, css_template=CSS, js_on_load=JS,
                   pad_width=width, pad_height=height, pen=pen, pad_name=name,
                   shown_height=shown_height, apply_default_css=False)


def picture(url: object) -> bytes | None:
    """The PNG in a pad's value, or None for an empty pad. Anything else a request may carry
    there is refused as an unreadable picture."""
    if url in ("", None):
        return None
    if not (isinstance(url, str) and url.startswith(PNG_DATA_URL) and len(url) <= MAX_DATA_URL):
        raise InvalidImageError(UNREADABLE)
    try:
        return base64.b64decode(url[len(PNG_DATA_URL):], validate=True)
    except (binascii.Error, ValueError):
        raise InvalidImageError(UNREADABLE) from None
