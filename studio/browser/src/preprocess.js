// digit_core/preprocess.py's canvas path, ported step by step for the drawing pad: an opaque
// canvas, one ink colour on a flat background. digit_core stays the reference; each function
// names the Python one it follows, and tests/test_live.py holds the two together on generated
// canvases. Left out, because a pad's canvas never needs them: alpha (the pad is opaque) and
// flatten_background (its lighting estimate is flat on any canvas whose pen is thinner than a
// quarter of the canvas: the pad's is 1/20).

const WORK_SIDE = 128;
const ZOOM_BELOW = 48;
const BOX = 20;
const SIZE = 28;
const CENTRE = 14;
const MIN_CONTRAST = 0.1;
const FRAME_LENGTH = 0.9;
const FRAME_THICKNESS = 0.1;
const FRAME_BAND = 0.2;
const SPECK_FRACTION = 0.06;
const BLURRY = 0.07;
const FRINGE = 0.1;
const HALO = 0.1;
const STROKE = 2.2 / BOX;
const STROKE_RANGE = [0.7, 1.5];
const BYTE = Math.fround(1 / 255);

// An image: {width, height, data: Float32Array} (masks: Uint8Array of 0/1).
const image = (width, height, data) => ({ width, height, data: data ?? new Float32Array(width * height) });

// Python's round(): halves to even.
export function roundHalfEven(x) {
  const r = Math.round(x);  // halves up
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

// quantile: nearest rank.
function quantile(values, q) {
  const sorted = Float32Array.from(values).sort();
  return sorted[roundHalfEven(q * (sorted.length - 1))];
}

// to_grayscale + as_float for opaque RGBA: OpenCV's fixed-point RGB2GRAY on bytes, then / 255.
export function grayscale(rgba, width, height) {
  const grey = image(width, height);
  for (let i = 0; i < width * height; i++) {
    const g = (rgba[4 * i] * 4899 + rgba[4 * i + 1] * 9617 + rgba[4 * i + 2] * 1868 + 8192) >> 14;
    grey.data[i] = g * BYTE;
  }
  return grey;
}

// OpenCV's INTER_AREA weights along one axis when shrinking (cv::computeResizeAreaTab).
function areaTable(source, target) {
  const scale = source / target;
  const table = [];
  for (let d = 0; d < target; d++) {
    const f1 = d * scale, f2 = f1 + scale;
    let s1 = Math.ceil(f1);
    const s2 = Math.min(Math.floor(f2), source - 1);
    s1 = Math.min(s1, s2);
    const cell = Math.min(scale, source - f1);
    const taps = [];
    if (s1 - f1 > 1e-3) taps.push([s1 - 1, (s1 - f1) / cell]);
    for (let s = s1; s < s2; s++) taps.push([s, 1 / cell]);
    if (f2 - s2 > 1e-3) taps.push([s2, Math.min(Math.min(f2 - s2, 1), cell) / cell]);
    table.push(taps);
  }
  return table;
}

// OpenCV's INTER_LINEAR taps along one axis (float images: float weights, edges clamped).
function linearTable(source, target) {
  const scale = source / target;
  const table = [];
  for (let d = 0; d < target; d++) {
    let f = (d + 0.5) * scale - 0.5;
    let s = Math.floor(f);
    f -= s;
    if (s < 0) { f = 0; s = 0; }
    if (s >= source - 1) { f = 0; s = source - 1; }
    table.push(f ? [[s, 1 - f], [s + 1, f]] : [[s, 1]]);
  }
  return table;
}

// Separable resampling: `table` gives each output pixel's taps as [source index, weight].
function resize(src, width, height, area) {
  const table = area ? areaTable : linearTable;
  const flat = (taps) => ({
    start: Int32Array.from(taps, (t) => t.length),
    index: Int32Array.from(taps.flat(), (t) => t[0]),
    weight: Float64Array.from(taps.flat(), (t) => t[1]),
  });
  const xs = flat(table(src.width, width)), ys = flat(table(src.height, height));
  const rows = new Float64Array(width * src.height);
  for (let y = 0; y < src.height; y++) {
    const row = y * src.width;
    for (let x = 0, t = 0; x < width; x++) {
      let sum = 0;
      for (const end = t + xs.start[x]; t < end; t++) sum += xs.weight[t] * src.data[row + xs.index[t]];
      rows[y * width + x] = sum;
    }
  }
  const out = image(width, height);
  for (let y = 0, t0 = 0; y < height; t0 += ys.start[y], y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let t = t0; t < t0 + ys.start[y]; t++) sum += ys.weight[t] * rows[ys.index[t] * width + x];
      out.data[y * width + x] = sum;
    }
  }
  return out;
}

// shrink
function shrink(grey, side = WORK_SIDE) {
  const scale = side / Math.max(grey.width, grey.height);
  if (scale >= 1) return grey;
  return resize(grey, Math.max(1, roundHalfEven(grey.width * scale)),
    Math.max(1, roundHalfEven(grey.height * scale)), scale < 0.5);
}

function crop(src, left, top, width, height) {
  const out = image(width, height, src.data instanceof Uint8Array ? new Uint8Array(width * height) : null);
  for (let y = 0; y < height; y++) {
    out.data.set(src.data.subarray((top + y) * src.width + left, (top + y) * src.width + left + width), y * width);
  }
  return out;
}

// border: the outer `width` rows and columns, corners counted twice.
function border(img, width) {
  const values = [];
  const { width: w, height: h, data } = img;
  for (let y = 0; y < width; y++) for (let x = 0; x < w; x++) values.push(data[y * w + x]);
  for (let y = h - width; y < h; y++) for (let x = 0; x < w; x++) values.push(data[y * w + x]);
  for (let y = 0; y < h; y++) for (let x = 0; x < width; x++) values.push(data[y * w + x]);
  for (let y = 0; y < h; y++) for (let x = w - width; x < w; x++) values.push(data[y * w + x]);
  return values;
}

// The median of 9 values, in place: Devillard's 19 compare-exchanges ("Fast median search").
const NETWORK = [1, 2, 4, 5, 7, 8, 0, 1, 3, 4, 6, 7, 1, 2, 4, 5, 7, 8, 0, 3, 5, 8, 4, 7, 3, 6, 1,
  4, 2, 5, 4, 7, 4, 2, 6, 4, 4, 2];
function median9(v) {
  for (let i = 0; i < NETWORK.length; i += 2) {
    const a = NETWORK[i], b = NETWORK[i + 1];
    if (v[a] > v[b]) { const t = v[a]; v[a] = v[b]; v[b] = t; }
  }
  return v[4];
}

// cv2.medianBlur(grey, 3): edges replicated.
function median3(img) {
  const { width: w, height: h, data } = img;
  const out = image(w, h);
  const window = new Float32Array(9);
  for (let y = 0; y < h; y++) {
    const up = Math.max(0, y - 1) * w, here = y * w, down = Math.min(h - 1, y + 1) * w;
    for (let x = 0; x < w; x++) {
      const l = Math.max(0, x - 1), r = Math.min(w - 1, x + 1);
      window[0] = data[up + l]; window[1] = data[up + x]; window[2] = data[up + r];
      window[3] = data[here + l]; window[4] = data[here + x]; window[5] = data[here + r];
      window[6] = data[down + l]; window[7] = data[down + x]; window[8] = data[down + r];
      out.data[here + x] = median9(window);
    }
  }
  return out;
}

function range(data) {
  let low = Infinity, high = -Infinity;
  for (let i = 0; i < data.length; i++) {
    if (data[i] < low) low = data[i];
    if (data[i] > high) high = data[i];
  }
  return [low, high];
}

// light_ink_on_dark
function lightInkOnDark(grey) {
  const smooth = median3(grey);
  const background = quantile(border(smooth, 2), 0.5);
  const [low, high] = range(smooth.data);
  if (!(background - low > high - background)) return grey;
  const ink = image(grey.width, grey.height);
  for (let i = 0; i < ink.data.length; i++) ink.data[i] = 1 - grey.data[i];
  return ink;
}

// cv2.connectedComponentsWithStats, 8-connected: labels (0 = background) and per label
// [left, top, width, height, area] (index 0 unused).
function components(mask) {
  const { width: w, height: h, data } = mask;
  const labels = new Int32Array(w * h);
  const stats = [null];
  const stack = [];
  for (let start = 0; start < w * h; start++) {
    if (!data[start] || labels[start]) continue;
    const label = stats.length;
    let left = w, top = h, right = -1, bottom = -1, area = 0;
    labels[start] = label;
    stack.push(start);
    while (stack.length) {
      const i = stack.pop(), x = i % w, y = (i - x) / w;
      area++;
      left = Math.min(left, x); right = Math.max(right, x);
      top = Math.min(top, y); bottom = Math.max(bottom, y);
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx, yy = y + dy, j = yy * w + xx;
          if (xx < 0 || yy < 0 || xx >= w || yy >= h || !data[j] || labels[j]) continue;
          labels[j] = label;
          stack.push(j);
        }
      }
    }
    stats.push([left, top, right - left + 1, bottom - top + 1, area]);
  }
  return { labels, stats };
}

// frame_lines
function isFrameLine([left, top, w, h], width, height) {
  const alongTopOrBottom = w >= FRAME_LENGTH * width && h <= FRAME_THICKNESS * height
    && (top <= FRAME_BAND * height || top + h >= (1 - FRAME_BAND) * height);
  const alongASide = h >= FRAME_LENGTH * height && w <= FRAME_THICKNESS * width
    && (left <= FRAME_BAND * width || left + w >= (1 - FRAME_BAND) * width);
  return alongTopOrBottom || alongASide;
}

// Otsu's threshold on a byte histogram, as OpenCV computes it.
function otsu(bytes) {
  const histogram = new Float64Array(256);
  for (const b of bytes) histogram[b]++;
  let mu = 0;
  for (let i = 0; i < 256; i++) mu += i * (histogram[i] /= bytes.length);
  let q1 = 0, mu1 = 0, best = 0, threshold = 0;
  for (let i = 0; i < 256; i++) {
    const p = histogram[i], q1Before = q1;
    q1 += p;
    const q2 = 1 - q1;
    if (Math.min(q1, q2) < 1.1920929e-7 || Math.max(q1, q2) > 1 - 1.1920929e-7) continue;
    mu1 = (mu1 * q1Before + i * p) / q1;
    const mu2 = (mu - q1 * mu1) / q2;
    const sigma = q1 * q2 * (mu1 - mu2) ** 2;
    if (sigma > best) { best = sigma; threshold = i; }
  }
  return threshold;
}

export class NoDigit extends Error {}

// ink_mask: Otsu's threshold, frames and specks removed; NoDigit for blank or noisy canvases.
function inkMask(ink) {
  const n = ink.data.length;
  const bytes = new Uint8Array(n), levels = new Float32Array(n);
  for (let i = 0; i < n; i++) levels[i] = bytes[i] = roundHalfEven(ink.data[i] * 255);
  // The blank test reads the picture blurred by a 3x3 Gaussian: a peak's height after it.
  const [low, high] = range(blur(image(ink.width, ink.height, levels), 0.8, 3).data);
  if (Math.round(high) - Math.round(low) < MIN_CONTRAST * 255) throw new NoDigit("blank");
  const cut = otsu(bytes);
  const mask = image(ink.width, ink.height, new Uint8Array(n));
  for (let i = 0; i < n; i++) mask.data[i] = bytes[i] > cut ? 1 : 0;
  const { labels, stats } = components(mask);
  if (stats.length === 1) throw new NoDigit("blank");
  const frames = stats.slice(1).map((s) => isFrameLine(s, ink.width, ink.height));
  const allFrames = frames.every(Boolean);
  const areas = stats.slice(1).map((s, i) => (frames[i] && !allFrames ? 0 : s[4]));
  const largest = Math.max(...areas);
  const keep = areas.map((a) => a >= Math.max(SPECK_FRACTION * largest, 1));
  const kept = areas.reduce((sum, a, i) => sum + (keep[i] ? a : 0), 0);
  const total = areas.reduce((sum, a) => sum + a, 0);
  if (kept > 0.45 * mask.data.length || (areas.length > 50 && largest < 0.5 * total)) {
    throw new NoDigit("noise");
  }
  for (let i = 0; i < n; i++) mask.data[i] = labels[i] && keep[labels[i] - 1] ? 1 : 0;
  return mask;
}

function boundingRect(mask) {
  let left = mask.width, top = mask.height, right = -1, bottom = -1;
  for (let y = 0; y < mask.height; y++) {
    for (let x = 0; x < mask.width; x++) {
      if (!mask.data[y * mask.width + x]) continue;
      left = Math.min(left, x); right = Math.max(right, x);
      top = Math.min(top, y); bottom = Math.max(bottom, y);
    }
  }
  return right < 0 ? [0, 0, 0, 0] : [left, top, right - left + 1, bottom - top + 1];
}

// find_ink (flatten_background left out: flat on a pad's canvas).
function findInk(grey) {
  const ink = lightInkOnDark(grey);
  return [ink, inkMask(ink)];
}

// zoom_in
function zoomIn(full, grey, mask) {
  const scale = full.height / grey.height;
  const [left, top, width, height] = boundingRect(mask);
  if (scale <= 1 || Math.max(width, height) >= ZOOM_BELOW) return null;
  const margin = Math.max(width, height);
  const rows = [Math.trunc(Math.max(0, top - margin) * scale), Math.trunc((top + height + margin) * scale)];
  const cols = [Math.trunc(Math.max(0, left - margin) * scale), Math.trunc((left + width + margin) * scale)];
  rows[1] = Math.min(rows[1], full.height);
  cols[1] = Math.min(cols[1], full.width);
  return shrink(crop(full, cols[0], rows[0], cols[1] - cols[0], rows[1] - rows[0]));
}

// cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)) as rows of [from, to).
function ellipse(size) {
  const r = Math.floor(size / 2), c = Math.floor(size / 2);
  const rows = [];
  for (let i = 0; i < size; i++) {
    const dy = i - r;
    if (Math.abs(dy) > r) { rows.push([0, 0]); continue; }
    const dx = r ? roundHalfEven(c * Math.sqrt((r * r - dy * dy) / (r * r))) : c;
    rows.push([Math.max(c - dx, 0), Math.min(c + dx + 1, size)]);
  }
  return rows;
}

// cv2.dilate / cv2.erode of a 0/1 mask by a kernel given as rows of [from, to) around its
// centre; outside the picture counts as neither ink (dilate) nor paper (erode).
function morph(mask, kernel, erode) {
  const { width: w, height: h, data } = mask;
  const out = image(w, h, new Uint8Array(w * h));
  const anchor = Math.floor(kernel.length / 2);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let hit = erode ? 1 : 0;
      for (let k = 0; k < kernel.length && hit === (erode ? 1 : 0); k++) {
        const yy = y + k - anchor;
        if (yy < 0 || yy >= h) continue;
        for (let j = kernel[k][0]; j < kernel[k][1]; j++) {
          const xx = x + j - anchor;
          if (xx < 0 || xx >= w) continue;
          if (erode ? !data[yy * w + xx] : data[yy * w + xx]) { hit = erode ? 0 : 1; break; }
        }
      }
      out.data[y * w + x] = hit;
    }
  }
  return out;
}

const square3 = [[0, 3], [0, 3], [0, 3]];

// cv2.GaussianBlur(img, (size, size) or (0, 0), sigma) on floats: edges reflected (101).
function blur(img, sigma, size = roundHalfEven(sigma * 8 + 1) | 1) {
  const half = (size - 1) / 2;
  const weights = Array.from({ length: size }, (_, i) => Math.exp(-((i - half) ** 2) / (2 * sigma * sigma)));
  const total = weights.reduce((a, b) => a + b, 0);
  const kernel = weights.map((v) => v / total);
  const reflect = (i, n) => (n === 1 ? 0 : i < 0 ? -i : i >= n ? 2 * n - 2 - i : i);
  const pass = (src, horizontal) => {
    const { width: w, height: h } = src;
    const out = image(w, h);
    const n = horizontal ? w : h, stride = horizontal ? 1 : w;
    const at = Int32Array.from({ length: n + size - 1 }, (_, i) => reflect(i - half, n) * stride);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const along = horizontal ? x : y, base = horizontal ? y * w : x;
        let sum = 0;
        for (let k = 0; k < size; k++) sum += kernel[k] * src.data[base + at[along + k]];
        out.data[y * w + x] = sum;
      }
    }
    return out;
  };
  return pass(pass(img, true), false);
}

// The total length of every border of a 0/1 mask, holes included: what
// sum(cv2.arcLength(c, True) for c in cv2.findContours(mask, RETR_LIST, CHAIN_APPROX_NONE))
// gives. Suzuki and Abe's border following, as OpenCV runs it (outside the mask is paper).
function borderLength(mask) {
  const w = mask.width + 2, h = mask.height + 2;
  const f = new Int32Array(w * h);
  for (let y = 0; y < mask.height; y++) {
    for (let x = 0; x < mask.width; x++) f[(y + 1) * w + x + 1] = mask.data[y * mask.width + x];
  }
  // Neighbours counter-clockwise on screen from east, as OpenCV numbers them.
  const steps = [1, 1 - w, -w, -w - 1, -1, w - 1, w, w + 1];
  const lengths = [1, Math.SQRT2, 1, Math.SQRT2, 1, Math.SQRT2, 1, Math.SQRT2];
  let label = 1, total = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      let from;
      if (f[i] === 1 && f[i - 1] === 0) from = 4;  // an outer border, entered from the west
      else if (f[i] >= 1 && f[i + 1] === 0) from = 0;  // a hole's border, from the east
      else continue;
      label++;
      // Clockwise from `from` for the first ink neighbour.
      let s = from, found = -1;
      do {
        s = (s + 7) & 7;
        if (f[i + steps[s]] !== 0) { found = s; break; }
      } while (s !== from);
      if (found < 0) { f[i] = -label; continue; }  // a lone pixel: length 0
      const firstNext = i + steps[found];
      let current = i, back = found, length = 0;
      for (;;) {
        // Counter-clockwise from the pixel we came back from.
        let d = back, eastSeenEmpty = false;
        for (;;) {
          d = (d + 1) & 7;
          if (f[current + steps[d]] !== 0) break;
          if (d === 0) eastSeenEmpty = true;
        }
        if (eastSeenEmpty) f[current] = -label;
        else if (f[current] === 1) f[current] = label;
        length += lengths[d];
        const next = current + steps[d];
        if (next === i && current === firstNext) break;
        back = (d + 4) & 7;
        current = next;
      }
      total += length;
    }
  }
  return Math.max(total, 1);
}

// crop_to_ink
function cropToInk(ink, mask, blurry) {
  const paperSample = [], inkValues = [];
  for (let y = 0; y < ink.height; y += 4) {
    for (let x = 0; x < ink.width; x += 4) {
      if (!mask.data[y * ink.width + x]) paperSample.push(ink.data[y * ink.width + x]);
    }
  }
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) inkValues.push(ink.data[i]);
  const paper = paperSample.length ? quantile(paperSample, 0.5) : 0;
  const stroke = quantile(inkValues, blurry ? 0.99 : 0.9);
  const span = Math.max(stroke - paper, 1e-6);
  const stretched = image(ink.width, ink.height);
  for (let i = 0; i < ink.data.length; i++) stretched.data[i] = (ink.data[i] - paper) / span;
  let box = mask;
  if (blurry) box = withHalo(stretched, mask);
  else {
    const near = morph(mask, square3, false);
    for (let i = 0; i < near.data.length; i++) stretched.data[i] *= near.data[i];
  }
  const [left, top, width, height] = boundingRect(box);
  const out = crop(stretched, left, top, width, height);
  for (let i = 0; i < out.data.length; i++) out.data[i] = Math.min(1, Math.max(0, out.data[i]));
  return out;
}

// with_halo
function withHalo(stretched, mask) {
  const [, , width, height] = boundingRect(mask);
  const reach = Math.max(1, roundHalfEven(HALO * Math.max(width, height)));
  const near = morph(mask, ellipse(2 * reach + 1), false);
  const fringe = image(mask.width, mask.height, near.data.map((n, i) => (n && stretched.data[i] > FRINGE ? 1 : 0)));
  const { labels } = components(fringe);
  const joined = new Set();
  mask.data.forEach((m, i) => { if (m && labels[i]) joined.add(labels[i]); });
  return image(mask.width, mask.height, mask.data.map((m, i) => (m || joined.has(labels[i]) ? 1 : 0)));
}

function threshold(img, level) {
  const mask = image(img.width, img.height, new Uint8Array(img.data.length));
  for (let i = 0; i < img.data.length; i++) mask.data[i] = img.data[i] > level ? 1 : 0;
  return mask;
}

function count(mask) {
  let n = 0;
  for (let i = 0; i < mask.data.length; i++) n += mask.data[i];
  return n;
}

// edge_softness
function edgeSoftness(crop) {
  const edges = crop.data.reduce((n, v) => n + (v > 0.1 && v < 0.9 ? 1 : 0), 0);
  return edges / borderLength(threshold(crop, 0.5)) / Math.max(crop.width, crop.height);
}

function pad(mask, by) {
  const out = image(mask.width + 2 * by, mask.height + 2 * by, new Uint8Array((mask.width + 2 * by) * (mask.height + 2 * by)));
  for (let y = 0; y < mask.height; y++) {
    out.data.set(mask.data.subarray(y * mask.width, (y + 1) * mask.width), (y + by) * out.width + by);
  }
  return out;
}

// normalise_stroke
function normaliseStroke(cropped) {
  let mask = threshold(cropped, 0.5);
  const target = STROKE * Math.max(cropped.width, cropped.height);
  const width = 2 * count(mask) / borderLength(mask);
  const [low, high] = STROKE_RANGE;
  if ((low * target <= width && width <= high * target) || !count(mask)) return cropped;
  mask = pad(mask, Math.ceil(target));
  const pen = ellipse(roundHalfEven(Math.abs(target - width)) | 1);
  if (width < target) mask = morph(mask, pen, false);
  else {
    const thinner = morph(mask, pen, true);
    if (count(thinner) >= 0.25 * count(mask)) mask = thinner;
  }
  const redrawn = blur(image(mask.width, mask.height, Float32Array.from(mask.data)), Math.max(0.5, target / 6));
  const [left, top, w, h] = boundingRect(mask);
  return crop(redrawn, left, top, w, h);
}

// crop_digit
function cropDigit(ink, mask) {
  const sharp = cropToInk(ink, mask, false);
  if (edgeSoftness(sharp) > BLURRY) return cropToInk(ink, mask, true);
  return normaliseStroke(sharp);
}

// fit_box
function fitBox(cropped) {
  const scale = BOX / Math.max(cropped.width, cropped.height);
  const out = resize(cropped, Math.max(1, roundHalfEven(cropped.width * scale)),
    Math.max(1, roundHalfEven(cropped.height * scale)), scale < 1);
  out.data = out.data.map((v) => Math.min(1, Math.max(0, v)));
  return out;
}

// centre_by_mass
function centreByMass(digit) {
  let mass = 0, cx = 0, cy = 0;
  for (let y = 0; y < digit.height; y++) {
    for (let x = 0; x < digit.width; x++) {
      const v = digit.data[y * digit.width + x];
      mass += v; cx += x * v; cy += y * v;
    }
  }
  if (mass <= 0) throw new NoDigit("blank");
  const dx = roundHalfEven(CENTRE - cx / mass), dy = roundHalfEven(CENTRE - cy / mass);
  const out = new Float32Array(SIZE * SIZE);
  for (let y = 0; y < digit.height; y++) {
    for (let x = 0; x < digit.width; x++) {
      const tx = x + dx, ty = y + dy;
      if (tx >= 0 && ty >= 0 && tx < SIZE && ty < SIZE) out[ty * SIZE + tx] = digit.data[y * digit.width + x];
    }
  }
  return out;
}

// preprocess_stages for an opaque canvas's RGBA bytes: the 28x28 input (row-major, white digit
// on black) and the crop's size (a wide crop is writing rather than one digit); null when the
// canvas holds no digit (blank or noise, where digit_core raises NoDigitError).
export function preprocess(rgba, width, height) {
  const full = grayscale(rgba, width, height);
  let grey = shrink(full);
  try {
    let [ink, mask] = findInk(grey);
    const closer = zoomIn(full, grey, mask);
    if (closer) {
      grey = closer;
      [ink, mask] = findInk(grey);
    }
    const cropped = cropDigit(ink, mask);
    return { input: centreByMass(fitBox(cropped)), cropWidth: cropped.width, cropHeight: cropped.height };
  } catch (error) {
    if (error instanceof NoDigit) return null;
    throw error;
  }
}
