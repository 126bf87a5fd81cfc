// Builds dist/ from src/ and the locked packages: `npm ci && node build.mjs`. The output is
// committed; .ci/check-bundle rebuilds it and fails when it differs.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";

const WASM = "node_modules/@tensorflow/tfjs-backend-wasm/dist/";
rmSync("dist", { recursive: true, force: true });
mkdirSync("dist");
await build({
  entryPoints: ["src/live.js"],
  bundle: true,
  format: "esm",
  minify: true,
  target: "es2020",
  outfile: "dist/live.mjs",
  legalComments: "eof",
  logLevel: "warning",
});
for (const file of ["tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm"]) {
  copyFileSync(WASM + file, "dist/" + file);
}
