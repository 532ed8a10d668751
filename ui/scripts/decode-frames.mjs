// Decodes camera frames with the app's own decoder (src/lib/camera-decode.js), for the decode-rate
// test (tests/tests/camera_decode.rs). Usage: node decode-frames.mjs MANIFEST.json
// MANIFEST: [{"file": binary PGM path, ...}, ...]. Prints [{"file", "text" (or null)}, ...].

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { decodeFrame, useWasmBinary } from "../src/lib/camera-decode.js";

/** A binary PGM (P5, 8-bit) as the RGBA pixels a canvas would give. */
function readPgm(path) {
  const bytes = readFileSync(path);
  const header = bytes.subarray(0, 64).toString("latin1").match(/^P5\s+(\d+)\s+(\d+)\s+255\s/);
  if (header === null) throw new Error(`${path}: not an 8-bit binary PGM`);
  const width = Number(header[1]);
  const height = Number(header[2]);
  const grey = bytes.subarray(header[0].length);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i += 1) {
    const v = grey[i] ?? 0;
    data[4 * i] = v;
    data[4 * i + 1] = v;
    data[4 * i + 2] = v;
    data[4 * i + 3] = 255;
  }
  return { width, height, data };
}

const manifest = JSON.parse(readFileSync(process.argv[2], "utf8"));
useWasmBinary(readFileSync(fileURLToPath(import.meta.resolve("zxing-wasm/reader/zxing_reader.wasm"))));
const out = [];
const started = performance.now();
for (const { file } of manifest) {
  out.push({ file, text: await decodeFrame(readPgm(file)) });
}
process.stderr.write(`decoded ${manifest.length} frames in ${Math.round(performance.now() - started)} ms\n`);
process.stdout.write(JSON.stringify(out));
