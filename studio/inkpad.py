"""A drawing pad for the Studio: a plain 2D canvas in a gr.HTML, pen, mouse or finger.

Why not gr.Sketchpad: after each stroke Gradio 6.31's Sketchpad exports its background, layer
and composite through its WebGL renderer before sending anything, 0.58-0.61 s in headless
Chromium whatever the canvas size (README "Speed"); it also opens with no tool selected and
drops the brush on Clear. This pad sends one PNG (`canvas.toDataURL`) as the event's data the
moment the pen lifts (as the component's value, so Gradio's "always_last" sends the newest
drawing), and is always ready to draw. `picture` turns that value back into bytes for
digit_core, which checks and decodes them like any upload.

With a `reader` (the Draw tab's), the pad also reads as the pen moves, in the visitor's browser:
studio/browser's bundle (digit_core's canvas preprocessing ported to JS, and the served network
on TF.js's WebAssembly backend) runs once per animation frame while drawing, and each reading
fires `input` with no request to the server. When the pen lifts it fires `release` rather than
`submit`, for what only the server does. Until the reader has loaded, or if it ever fails, the
pad stays on `submit` (today's server path), silently.
"""

import base64
import binascii

import gradio as gr

from digit_core.decode import UNREADABLE
from digit_core.errors import InvalidImageError
from studio.guards import MAX_JSON_BODY
from studio.live import LiveReader

PNG_DATA_URL = "data:image/png;base64,"
MAX_DATA_URL = MAX_JSON_BODY  # a 1200x400 drawing is ~30 KB; no event's JSON may be larger

HTML = """
<div class="inkpad">
  <canvas width="${pad_width}" height="${pad_height}" aria-label="${pad_name}"></canvas>
  <div class="tools">
    <span class="name">${pad_name}</span>
    <img class="seen" alt="What the network sees (28x28)" hidden>
    <button type="button" class="undo" aria-label="Undo">↶ Undo</button>
    <button type="button" class="clear" aria-label="Clear">✕ Clear</button>
  </div>
  <div class="live" hidden></div>
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
.inkpad .seen { width: 56px; height: 56px; image-rendering: pixelated; background: #000;
  border-radius: var(--radius-sm); }
.inkpad .live { color: var(--body-text-color-subdued); font-size: var(--text-xs); }
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
// The in-browser reader (null until it has loaded, and again if it ever fails).
let read = null, pending = false;
const pad = element.querySelector(".inkpad");
const seen = element.querySelector(".seen");
const live = element.querySelector(".live");
const seenPixels = new ImageData(28, 28);
const seenCanvas = Object.assign(document.createElement("canvas"), { width: 28, height: 28 });
// The value a gr.Label shows for a reading, as app.py's `read` would send it.
const labelValue = (reading) => {
  if (!reading) return {};
  if (reading.score < 0.5) return { label: props.not_a_digit, confidences: null };
  const total = reading.probabilities.reduce((a, b) => a + b, 0);
  const confidences = reading.probabilities
    .map((p, d) => ({ label: String(d), confidence: p / total }))
    .sort((a, b) => b.confidence - a.confidence);
  return { label: confidences[0].label, confidences };
};
const showSeen = (reading) => {
  seen.hidden = !reading;
  if (!reading) return;
  reading.input.forEach((v, i) => {
    seenPixels.data.fill(Math.round(v * 255), 4 * i, 4 * i + 3);
    seenPixels.data[4 * i + 3] = 255;
  });
  seenCanvas.getContext("2d").putImageData(seenPixels, 0, 0);
  seen.src = seenCanvas.toDataURL();
};
const readNow = () => {
  pending = false;
  if (!read) return;
  try {
    const reading = read(pen.getImageData(0, 0, canvas.width, canvas.height).data,
                         canvas.width, canvas.height);
    pad.dataset.reading = JSON.stringify(labelValue(reading));
    showSeen(reading);
    trigger("input");
  } catch (error) {  // never worse than without it: back to the server path
    console.warn("in-browser reading stopped:", error);
    read = null;
    delete pad.dataset.live;
    live.hidden = true;
  }
};
const readSoon = () => {
  if (read && !pending) { pending = true; requestAnimationFrame(readNow); }
};
const send = () => {
  props.value = strokes.length ? canvas.toDataURL("image/png") : "";
  trigger(read ? "release" : "submit");
};
if (props.reader) {
  (async () => {
    try {
      const { loadReader } = await import(props.reader);
      read = await loadReader(props.model);
      pad.dataset.live = props.revision;
      live.textContent = `Read as you draw, in your browser: model ${props.revision}`;
      live.hidden = false;
    } catch (error) {
      console.warn("reading on the server: the in-browser reader did not load:", error);
    }
  })();
}
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
  readSoon();
});
canvas.addEventListener("pointermove", (event) => {
  if (!current) return;
  current.push(at(event));
  redraw();
  readSoon();
});
const lift = () => { if (current) { current = null; send(); } };
canvas.addEventListener("pointerup", lift);
canvas.addEventListener("pointercancel", lift);
const changed = () => { redraw(); readSoon(); send(); };
element.querySelector(".undo").addEventListener("click", () => { strokes.pop(); changed(); });
element.querySelector(".clear").addEventListener("click", () => { strokes.length = 0; changed(); });
redraw();
canvas.dataset.ready = "";  // the canvas shows before this script runs: strokes count from now
"""


def inkpad(
    elem_id: str,
    name: str,
    width: int,
    height: int,
    pen: float,
    shown_height: int,
    reader: LiveReader | None = None,
) -> gr.HTML:
    """A width x height pad (its own pixels; shown as large as fits, up to shown_height px);
    `pen` is the stroke width in those pixels. `submit` fires when the pen lifts, on Undo and on
    Clear; the value is then the drawing as a PNG data URL ("" when empty). With a `reader`,
    `input` fires on each reading in the browser (the reading is the `data-reading` attribute
    of the pad's `.inkpad`, as a gr.Label value: studio.live.live_label) and `release`
    replaces `submit` once the reader has loaded."""
    return gr.HTML(
        elem_id=elem_id,
        html_template=HTML,
        css_template=CSS,
        js_on_load=JS,
        pad_width=width,
        pad_height=height,
        pen=pen,
        pad_name=name,
        shown_height=shown_height,
        apply_default_css=False,
        reader=reader.bundle_url if reader else "",
        model=reader.model_url if reader else "",
        revision=reader.revision if reader else "",
        not_a_digit=reader.not_a_digit if reader else "",
    )


def picture(url: object) -> bytes | None:
    """The PNG in a pad's value, or None for an empty pad. Anything else a request may carry
    there is refused as an unreadable picture."""
    if url in ("", None):
        return None
    if not (isinstance(url, str) and url.startswith(PNG_DATA_URL) and len(url) <= MAX_DATA_URL):
        raise InvalidImageError(UNREADABLE)
    try:
        return base64.b64decode(url[len(PNG_DATA_URL) :], validate=True)
    except (binascii.Error, ValueError):
        raise InvalidImageError(UNREADABLE) from None
