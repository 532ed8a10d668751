// The camera's decoder: a frame (grey or RGBA pixels) in, the scan text a wedge scanner would
// have sent out, with its AIM symbology identifier in front (`]C1`, `]d2`, `]E0`...), so a camera
// scan goes to the same parser and handlers as a wedge scan. zxing-cpp compiled to WebAssembly
// (zxing-wasm) does the decoding. Plain JavaScript with types beside it (camera-decode.d.ts), so
// the decode-rate test (tests/tests/camera_decode.rs, through scripts/decode-frames.mjs) runs this
// very module under Node.

import { prepareZXingModule, readBarcodes } from "zxing-wasm/reader";

/** What a warehouse label carries; fewer formats decode faster and misread less. */
export const FORMATS = ["EAN13", "EAN8", "UPCA", "UPCE", "Code128", "DataMatrix", "QRCode", "ITF"];

/** Reader settings for a live camera: one symbol a frame, rotated and blurred frames tried. */
export const READER_OPTIONS = {
  formats: FORMATS,
  tryHarder: true,
  tryRotate: true,
  tryInvert: false,
  tryDownscale: true,
  maxNumberOfSymbols: 1,
  textMode: "Plain",
};

/**
 * Loads the decoder from `wasmUrl` (served with the app, never from the network: the default of
 * zxing-wasm is a CDN, which a warehouse tablet may not reach and the app's CSP forbids).
 */
export function useWasm(wasmUrl) {
  prepareZXingModule({
    overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? wasmUrl : prefix + path) },
  });
}

/** Loads the decoder from its bytes (Node, where the WebAssembly file is read from disk). */
export function useWasmBinary(bytes) {
  prepareZXingModule({ overrides: { wasmBinary: bytes } });
}

/** A decoded symbol as a scanner sends it: the AIM identifier, then the data (GS between GS1 elements). */
export function scanText(result) {
  return `${result.symbologyIdentifier}${result.text}`;
}

/**
 * Turns a frame by `degrees` about its centre into a grey frame large enough to hold it (paper
 * white around it). A long linear code tilted more than about 12 degrees is crossed by no single
 * row of pixels, and the reader looks along rows (and columns): turning the frame back lets it.
 */
export function rotateFrame(image, degrees) {
  const { width: w, height: h, data } = image;
  const rad = (degrees * Math.PI) / 180;
  const cos = Math.cos(rad);
  const sin = Math.sin(rad);
  const W = Math.ceil(Math.abs(w * cos) + Math.abs(h * sin));
  const H = Math.ceil(Math.abs(w * sin) + Math.abs(h * cos));
  const grey = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i += 1) {
    grey[i] = (306 * data[4 * i] + 601 * data[4 * i + 1] + 117 * data[4 * i + 2] + 512) >> 10;
  }
  const out = new Uint8ClampedArray(W * H * 4);
  const cx = w / 2;
  const cy = h / 2;
  const CX = W / 2;
  const CY = H / 2;
  for (let y = 0; y < H; y += 1) {
    for (let x = 0; x < W; x += 1) {
      // Where this output pixel comes from in the input (the inverse rotation), bilinear.
      const dx = x + 0.5 - CX;
      const dy = y + 0.5 - CY;
      const sx = cos * dx + sin * dy + cx - 0.5;
      const sy = -sin * dx + cos * dy + cy - 0.5;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      let v = 255;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
        const fx = sx - x0;
        const fy = sy - y0;
        const i = y0 * w + x0;
        const top = grey[i] * (1 - fx) + grey[i + 1] * fx;
        const bottom = grey[i + w] * (1 - fx) + grey[i + w + 1] * fx;
        v = top * (1 - fy) + bottom * fy;
      }
      const o = 4 * (y * W + x);
      out[o] = v;
      out[o + 1] = v;
      out[o + 2] = v;
      out[o + 3] = 255;
    }
  }
  return { width: W, height: H, data: out };
}

/** Turns tried when the frame as it is gives nothing (degrees): no code tilted up to 30 is more than 6 off one. */
export const TURNS = [12, -12, 24, -24];

async function readOne(image) {
  const results = await readBarcodes(image, READER_OPTIONS);
  const found = results.find((r) => r.isValid && r.text !== "");
  return found === undefined ? null : scanText(found);
}

/** Decodes one frame: its scan text, or null when no symbol was read whole. */
export async function decodeFrame(image) {
  const text = await readOne(image);
  if (text !== null) return text;
  for (const degrees of TURNS) {
    const turned = await readOne(rotateFrame(image, degrees));
    if (turned !== null) return turned;
  }
  return null;
}
