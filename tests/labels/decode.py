"""Decodes the barcodes on rendered label files with zxing-cpp, for tests/tests/label_decode.rs.

Usage: decode.py FILE...   (FILE: .svg, rendered with resvg; .pdf, rendered with PDFium; .png)
Prints one JSON object: file -> list of {"format", "text", "symbology_identifier", "content_type"}.
Run from the test command's own virtual environment (scripts/test.sh installs the packages).
"""

import io
import json
import sys

import pypdfium2
import resvg_py
import zxingcpp
from PIL import Image


def image(path):
    if path.endswith(".svg"):
        with open(path, encoding="utf-8") as f:
            png = resvg_py.svg_to_bytes(svg_string=f.read(), background="#ffffff", zoom=2.0)
        return Image.open(io.BytesIO(bytes(png))).convert("L")
    if path.endswith(".pdf"):
        pdf = pypdfium2.PdfDocument(path)
        # 300 dpi: a label printer's resolution or better.
        return pdf[0].render(scale=300 / 72).to_pil().convert("L")
    return Image.open(path).convert("L")


def main(paths):
    out = {}
    for path in paths:
        found = zxingcpp.read_barcodes(image(path))
        out[path] = [
            {
                "format": str(b.format).split(".")[-1],
                "text": b.text,
                "symbology_identifier": b.symbology_identifier,
                "content_type": str(b.content_type).split(".")[-1],
            }
            for b in found
        ]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
