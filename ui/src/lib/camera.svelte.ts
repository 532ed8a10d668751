// The camera as a scanner, for tablets without a wedge scanner: frames from the rear camera go
// to the decoder (camera-decode.js) a few times a second, and each new label becomes a scan on the
// same path as a wedge scan (the current screen's handler, in order). A label held in view counts
// once (camera-seen.ts). A photo can be scanned too, where live video is not allowed.

import wasmUrl from "zxing-wasm/reader/zxing_reader.wasm?url";
import { decodeFrame, type Frame, useWasm } from "./camera-decode.js";
import { SeenCodes } from "./camera-seen";

useWasm(wasmUrl);

/** off; starting (asking for the camera); live (scanning); failed (`problem` says why). */
export type CameraState = "off" | "starting" | "live" | "failed";
/** Why the camera could not start, as a catalog key under `camera.`. */
export type CameraProblem = "none" | "denied" | "busy" | "failed";

export const camera: { state: CameraState; problem: CameraProblem | null; detail: string; torch: boolean | null } = $state({
  state: "off",
  problem: null,
  detail: "",
  // null: this camera has no torch; else whether it is on.
  torch: null,
});

/** Whether the camera panel is shown (toggled beside every scan field, closed at sign-out). */
export const cameraPanel: { open: boolean } = $state({ open: false });

/** The decoder sees frames no larger than this on their longest side (faster; scanning distance needs no more). */
const MAX_SIDE = 1280;
/** Pause between the end of one decode and the next frame: leaves the tablet time for the screen. */
const FRAME_GAP_MS = 60;

let stream: MediaStream | null = null;
let timer = 0;
const seen = new SeenCodes();

/** The pixels of a video frame or a picture, scaled to at most MAX_SIDE. */
export function grab(source: CanvasImageSource, width: number, height: number, canvas: HTMLCanvasElement): Frame {
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  if (ctx === null) throw new Error("no 2D canvas");
  ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
  return ctx.getImageData(0, 0, canvas.width, canvas.height);
}

function problemOf(e: unknown): CameraProblem {
  // WebKit's OverconstrainedError (what a tablet with no camera gives) is not a DOMException.
  const name = typeof e === "object" && e !== null && "name" in e ? String(e.name) : "";
  if (name === "NotAllowedError" || name === "SecurityError") return "denied";
  if (name === "NotFoundError" || name === "OverconstrainedError") return "none";
  if (name === "NotReadableError" || name === "AbortError") return "busy";
  return "failed";
}

/** Starts the rear camera into `video` and scans until `stopCamera`. */
export async function startCamera(video: HTMLVideoElement, onscan: (text: string) => void): Promise<void> {
  stopCamera();
  camera.state = "starting";
  camera.problem = null;
  camera.detail = "";
  try {
    if (navigator.mediaDevices?.getUserMedia === undefined) throw new DOMException("no camera API", "NotFoundError");
    stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
    });
    video.srcObject = stream;
    video.muted = true;
    await video.play();
  } catch (e) {
    stopCamera();
    camera.state = "failed";
    camera.problem = problemOf(e);
    camera.detail = e instanceof Error ? e.message : String(e);
    return;
  }
  const track = stream.getVideoTracks()[0];
  const caps = track?.getCapabilities?.() as (MediaTrackCapabilities & { torch?: boolean }) | undefined;
  camera.torch = caps?.torch === true ? false : null;
  camera.state = "live";
  const canvas = document.createElement("canvas");
  const mine = stream;
  const tick = async (): Promise<void> => {
    if (stream !== mine) return;
    try {
      if (video.readyState >= 2 && video.videoWidth > 0) {
        const text = await decodeFrame(grab(video, video.videoWidth, video.videoHeight, canvas));
        if (stream === mine && seen.frame(text, performance.now()) && text !== null) onscan(text);
      }
    } catch (e) {
      camera.detail = e instanceof Error ? e.message : String(e);
    }
    if (stream === mine) timer = window.setTimeout(() => void tick(), FRAME_GAP_MS);
  };
  void tick();
}

/** Stops the camera (the light on the tablet goes off) and forgets the last label. */
export function stopCamera(): void {
  window.clearTimeout(timer);
  for (const track of stream?.getTracks() ?? []) track.stop();
  stream = null;
  seen.reset();
  camera.state = "off";
  camera.torch = null;
}

/** Switches the torch, where the camera has one. */
export async function setTorch(on: boolean): Promise<void> {
  const track = stream?.getVideoTracks()[0];
  if (track === undefined || camera.torch === null) return;
  try {
    await track.applyConstraints({ advanced: [{ torch: on } as MediaTrackConstraintSet] });
    camera.torch = on;
  } catch (e) {
    camera.detail = e instanceof Error ? e.message : String(e);
  }
}

/** Decodes a photo (a picture file): its scan text, or null when no label was read in it. */
export async function scanPicture(file: Blob): Promise<string | null> {
  const bitmap = await createImageBitmap(file);
  try {
    return await decodeFrame(grab(bitmap, bitmap.width, bitmap.height, document.createElement("canvas")));
  } finally {
    bitmap.close();
  }
}
