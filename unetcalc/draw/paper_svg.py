"""A paper figure (draw/paper.py) as SVG, written directly: no Graphviz."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from unetcalc.draw.paper import ARROWS, BAR_STROKE, PT_PER_CM, Arrow, Figure
from unetcalc.textsafe import printable

FONT_FAMILY = "DejaVu Sans, Verdana, Arial, sans-serif"  # the PDF's embedded font first: one set of metrics


def _n(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def figure_svg(figure: Figure) -> bytes:
    width_cm, height_cm = figure.width * figure.scale / PT_PER_CM, figure.height * figure.scale / PT_PER_CM
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width_cm)}cm" height="{_n(height_cm)}cm" '
        f'viewBox="0 0 {_n(figure.width)} {_n(figure.height)}" font-family={quoteattr(FONT_FAMILY)}>',
        "<defs>",
    ]
    for kind, color in ARROWS.items():
        out.append(
            f'<marker id="head-{kind}" viewBox="0 0 6 6" refX="5" refY="3" markerWidth="4" markerHeight="4" '
            f'orient="auto"><path d="M0,0 L6,3 L0,6 z" fill="{color}"/></marker>'
        )
    out += ["</defs>", f'<rect width="{_n(figure.width)}" height="{_n(figure.height)}" fill="#ffffff"/>']
    for rect in figure.rects:
        top, bottom = round(rect.y, 2), round(rect.y + rect.h, 2)  # rounded edges: bars on one baseline stay on it
        out.append(
            f'<rect class="{rect.role}" data-level="{rect.level}" data-layer={quoteattr(printable(rect.name))} '
            f'x="{_n(rect.x)}" y="{_n(top)}" width="{_n(rect.w)}" height="{_n(bottom - top)}" '
            f'fill="{rect.fill}" stroke="{BAR_STROKE}" stroke-width="0.4"/>'
        )
    for arrow in figure.arrows:
        out.append(_arrow(arrow))
    for text in figure.texts:
        anchor = {"start": "start", "middle": "middle", "end": "end"}[text.anchor]
        transform = f' transform="rotate(-90 {_n(text.x)} {_n(text.y)})"' if text.rotate else ""
        out.append(
            f'<text class="{text.role}" x="{_n(text.x)}" y="{_n(text.y)}" font-size="{_n(text.size)}" '
            f'text-anchor="{anchor}"{transform}>{escape(printable(text.text))}</text>'
        )
    out.append("</svg>\n")
    return "\n".join(out).encode("utf-8")


def _arrow(arrow: Arrow) -> str:
    points = " ".join(f"{_n(x)},{_n(y)}" for x, y in arrow.points)
    role = "legend-arrow" if arrow.legend else "arrow"
    return (
        f'<polyline class="{role}" data-kind="{arrow.kind}" points="{points}" fill="none" stroke="{arrow.color}" '
        f'stroke-width="0.9" marker-end="url(#head-{arrow.kind})"/>'
    )
