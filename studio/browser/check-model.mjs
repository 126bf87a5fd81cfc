// Runs the converted browser model on the inputs training/convert.py checks it with, on the
// same TF.js WebAssembly backend the page uses:
//   node check-model.mjs MODEL_DIR INPUTS.f32 OUTPUTS.json
// INPUTS.f32: N x 28 x 28 float32 (little-endian); OUTPUTS.json: [{probabilities, score}, ...].
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { setBackend, ready, io } from "@tensorflow/tfjs-core";
import { loadGraphModel } from "@tensorflow/tfjs-converter";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { runModel } from "./src/live.js";

const [modelDir, inputsPath, outputsPath] = process.argv.slice(2);
setWasmPaths(resolve("node_modules/@tensorflow/tfjs-backend-wasm/dist") + "/");
await setBackend("wasm");
await ready();
const manifest = JSON.parse(readFileSync(join(modelDir, "model.json")));
const weights = manifest.weightsManifest.flatMap((group) => group.paths.map((p) => readFileSync(join(modelDir, p))));
const model = await loadGraphModel(io.fromMemory({
  modelTopology: manifest.modelTopology,
  weightSpecs: manifest.weightsManifest.flatMap((group) => group.weights),
  weightData: Buffer.concat(weights).buffer.slice(0),
  signature: manifest.signature,
}));
const bytes = readFileSync(inputsPath);
const inputs = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
const outputs = [];
for (let i = 0; i < inputs.length / 784; i++) outputs.push(runModel(model, inputs.subarray(784 * i, 784 * (i + 1))));
writeFileSync(outputsPath, JSON.stringify(outputs));
