"""A paper figure (draw/paper.py) as PDF, written directly: vector, no dependency.

One page: rectangles, polylines with arrowheads and text, in PDF's bottom-up coordinates. The text is set
in the embedded DejaVu Sans subset (draw/pdf_font.py), as journals' checkers require.
"""

from __future__ import annotations

import math

from unetcalc.draw.paper import Arrow, Figure, Text
from unetcalc.draw.pdf_font import EmbeddedFont, embedded_font, font_objects, shown


def _rgb(color: str) -> str:
    r, g, b = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return f"{r:.3f} {g:.3f} {b:.3f}"


def figure_pdf(figure: Figure) -> bytes:
    height = figure.height
    scale = figure.scale
    ops: list[bytes] = [
        f"{scale:.4f} 0 0 {scale:.4f} 0 0 cm 1 1 1 rg 0 0 {figure.width:.2f} {height:.2f} re f".encode()
    ]
    for rect in figure.rects:
        ops.append(
            f"{_rgb(rect.fill)} rg 0.169 0.365 0.529 RG 0.4 w "
            f"{rect.x:.2f} {height - rect.y - rect.h:.2f} {rect.w:.2f} {rect.h:.2f} re B".encode()
        )
    for arrow in figure.arrows:
        ops.append(_arrow(arrow, height))
    font = embedded_font()
    for text in figure.texts:
        ops.append(_text(text, height, font))
    content = b"\n".join(ops)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {figure.width * scale:.2f} {height * scale:.2f}] "
        "/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>".encode(),
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        *font_objects(font, {c for text in figure.texts for c in text.text}, 5),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _arrow(arrow: Arrow, height: float) -> bytes:
    points = [(x, height - y) for x, y in arrow.points]
    path = " ".join(f"{x:.2f} {y:.2f} {'m' if i == 0 else 'l'}" for i, (x, y) in enumerate(points))
    (x1, y1), (x2, y2) = points[-2], points[-1]
    angle = math.atan2(y2 - y1, x2 - x1)
    size = 2.6
    left = (x2 - size * math.cos(angle - 0.45), y2 - size * math.sin(angle - 0.45))
    right = (x2 - size * math.cos(angle + 0.45), y2 - size * math.sin(angle + 0.45))
    color = _rgb(arrow.color)
    head = f"{x2:.2f} {y2:.2f} m {left[0]:.2f} {left[1]:.2f} l {right[0]:.2f} {right[1]:.2f} l f"
    return f"{color} RG {color} rg 0.9 w {path} S {head}".encode()


def _text(text: Text, height: float, font: EmbeddedFont) -> bytes:
    width = font.width(text.text, text.size)
    shift = {"start": 0.0, "middle": width / 2, "end": width}[text.anchor]
    x, y = text.x, height - text.y
    rotated = f"0 1 -1 0 {x:.2f} {y - shift:.2f}"  # reads bottom to top
    matrix = rotated if text.rotate else f"1 0 0 1 {x - shift:.2f} {y:.2f}"
    return b"0.1 0.1 0.1 rg BT /F1 %.2f Tf %s Tm " % (text.size, matrix.encode()) + shown(font, text.text) + b" Tj ET"
