// The Draw tab's in-browser reader: digit_core's canvas preprocessing (preprocess.js) and the
// served network, converted to a TF.js graph model, on TF.js's WebAssembly backend. Loaded by
// the drawing pad (studio/inkpad.py) with a dynamic import; any failure leaves the pad on the
// server path.
import { env, setBackend, ready, tensor4d, tidy } from "@tensorflow/tfjs-core";
import { loadGraphModel } from "@tensorflow/tfjs-converter";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { preprocess } from "./preprocess.js";

export { preprocess };

// The network's two outputs, told apart by size as digit_core/predict.py does: ten calibrated
// probabilities, and the digit check's score (below 0.5: probably not a digit).
export function runModel(model, input) {
  return tidy(() => {
    const outputs = model.execute(tensor4d(input, [1, 28, 28, 1]));
    const [probabilities, score] = [10, 1].map((n) => outputs.find((t) => t.size === n).dataSync());
    return { probabilities: Array.from(probabilities), score: score[0] };
  });
}

// The reader: RGBA bytes of an opaque canvas -> null (no digit yet), or the 28x28 input, the
// crop's size, the probabilities and the digit score.
export async function loadReader(modelUrl) {
  // The .wasm files sit beside this bundle and share its version (its URL's ?v=, so browsers
  // may keep them; studio/live.py). Gradio's pages are not cross-origin isolated, so the
  // threaded build could never load: ask for the single-threaded one.
  const here = new URL(import.meta.url);
  const beside = (name) => new URL(name, here).pathname + here.search;
  const binaries = ["tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm",
    "tfjs-backend-wasm-threaded-simd.wasm"];  // (the last is not shipped, and never asked for)
  setWasmPaths(Object.fromEntries(binaries.map((name) => [name, beside(name)])));
  env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  if (!(await setBackend("wasm"))) throw new Error("TF.js wasm backend unavailable");
  await ready();
  // The weights share the model's version in the same way.
  const model = new URL(modelUrl, location.href);
  const network = await loadGraphModel(model.href, {
    weightUrlConverter: async (name) => new URL(name, model).pathname + model.search,
  });
  runModel(network, new Float32Array(784));  // the first run compiles: not on the first stroke
  return (rgba, width, height) => {
    const seen = preprocess(rgba, width, height);
    return seen && { ...seen, ...runModel(network, seen.input) };
  };
}
