"""Makes camera-like frames of rendered labels, for tests/tests/camera_decode.rs.

Usage: camera_frames.py OUT_DIR SEED COUNT < spec.json
spec.json: [{"name": ..., "svg": path, "expect": scan text}, ...]
For every label and every distortion level, COUNT frames are drawn with their parameters from
random.Random(f"{SEED}/{name}/{level}/{i}"), so any frame is made again from its seed alone. Each
frame is written as a binary PGM (8-bit grey, what the app's decoder gets after the camera).
Prints the manifest as JSON: [{"file", "label", "level", "expect", "params"}, ...].
"""

import io
import json
import os
import random
import sys

import resvg_py
from PIL import Image, ImageChops, ImageFilter

# Each level: scale (pixels per label unit: a 1D module is 2 units), rotation in degrees either
# way, Gaussian blur radius in pixels, contrast (ink to paper as a share of full range), noise
# amplitude (grey levels either way) and uneven light (share of the range lost across the frame).
LEVELS = {
    "clean": dict(scale=(1.5, 1.5), rotate=0, blur=(0, 0), contrast=(1, 1), noise=0, light=0),
    "mild": dict(scale=(1.2, 1.6), rotate=5, blur=(0, 0.6), contrast=(0.7, 1), noise=6, light=0.1),
    "moderate": dict(
        scale=(1.0, 1.5), rotate=20, blur=(0.4, 1.0), contrast=(0.45, 0.7), noise=12, light=0.25
    ),
    "severe": dict(
        scale=(0.75, 1.1), rotate=180, blur=(0.8, 1.6), contrast=(0.25, 0.45), noise=24, light=0.4
    ),
}


def render(svg_path):
    with open(svg_path, encoding="utf-8") as f:
        svg = f.read()
    png = resvg_py.svg_to_bytes(svg_string=svg, background="#ffffff", zoom=4.0)
    return Image.open(io.BytesIO(bytes(png))).convert("L")


def frame(base, level, rng):
    spec = LEVELS[level]
    scale = rng.uniform(*spec["scale"])
    # Rendered at 4 pixels a unit: scale down to the frame's resolution (a camera sees less).
    w, h = base.size
    img = base.resize((max(1, round(w * scale / 4)), max(1, round(h * scale / 4))), Image.LANCZOS)
    angle = rng.uniform(-spec["rotate"], spec["rotate"])
    if angle:
        img = img.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=255)
    # A margin of background around the label, as in a frame from a camera.
    pad = 40
    canvas = Image.new("L", (img.width + 2 * pad, img.height + 2 * pad), 235)
    canvas.paste(img, (pad, pad))
    img = canvas
    blur = rng.uniform(*spec["blur"])
    if blur > 0:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    contrast = rng.uniform(*spec["contrast"])
    low = round(255 * (1 - contrast) / 2)
    img = img.point(lambda v: low + v * contrast)
    light = spec["light"]
    if light:
        # Light falling off across the frame from a random side.
        # A smooth ramp at a random angle: drawn larger than the frame, turned, and cut to size,
        # so no edge of the ramp itself falls inside the frame.
        side = 2 * max(img.size)
        ramp = Image.linear_gradient("L").resize((side, side)).rotate(rng.uniform(0, 360))
        left = (side - img.width) // 2
        top = (side - img.height) // 2
        ramp = ramp.crop((left, top, left + img.width, top + img.height))
        img = ImageChops.subtract(img, ramp.point(lambda v: v * light))
    noise = spec["noise"]
    if noise:
        raw = Image.frombytes("L", img.size, rng.randbytes(img.width * img.height))
        img = ImageChops.add(img, raw.point(lambda v: 128 + (v - 128) * noise / 128), 1.0, -128)
    params = dict(scale=scale, angle=angle, blur=blur, contrast=contrast, light=light, noise=noise)
    return img, params


def main(out_dir, seed, count):
    spec = json.load(sys.stdin)
    manifest = []
    for label in spec:
        base = render(label["svg"])
        for level in LEVELS:
            for i in range(count):
                rng = random.Random(f"{seed}/{label['name']}/{level}/{i}")
                img, params = frame(base, level, rng)
                path = os.path.join(out_dir, f"{label['name']}-{level}-{i}.pgm")
                with open(path, "wb") as f:
                    f.write(f"P5 {img.width} {img.height} 255\n".encode())
                    f.write(img.tobytes())
                params = {k: round(v, 3) if isinstance(v, float) else v for k, v in params.items()}
                manifest.append(
                    dict(file=path, label=label["name"], level=level, expect=label["expect"], params=params)
                )
    json.dump(manifest, sys.stdout)


if __name__ == "__main__":
    if len(sys.argv) != 4 or not sys.argv[3].isdigit():
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
