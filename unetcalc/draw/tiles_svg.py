"""`unetcalc tile --plot`: the plan drawn — the image, its padding, each tile and the output it keeps.

SVG written directly (rectangles and text: no Graphviz); PNG rasterised from it with resvg. A 3D plan is
drawn as its last two axes (a slice through the volume).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from unetcalc.check import CheckResult
from unetcalc.draw.paper_svg import FONT_FAMILY
from unetcalc.draw.render import RendererMissing
from unetcalc.textsafe import printable
from unetcalc.tiling.plan import AxisPlan, TilePlan

WIDTH = 760.0  # drawing width in px (the picture's own, title and legend included)
MARGIN = 24.0
HEADER = 58.0
LEGEND = 40.0
MAX_DRAWN = 48  # tiles per axis drawn; a plan with more is drawn in its first ones (and says so)
HUES = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf")


def _n(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _kept(axis: AxisPlan, plan: TilePlan, k: int) -> tuple[int, int]:
    """The image rows tile ``k`` contributes, in padded-image coordinates (what falls on padding is cut)."""
    start = axis.starts[k]
    if plan.runtime != "overlap-tile":  # at the image's edge the whole image sees the same border
        first = 0 if start == 0 else start + axis.exact[0]
        last = axis.padded if start + axis.tile >= axis.padded else start + axis.exact[1]
    else:
        shift = axis.pad[0] if plan.valid_padded else 0  # a valid network's output row 0 sits at the pad's end
        first, last = start + shift + axis.keep[k][0], start + shift + axis.keep[k][1]
    image_first, image_last = axis.pad[0], axis.pad[0] + axis.image
    return max(first, image_first), max(min(last, image_last), max(first, image_first))


def tiles_svg(result: CheckResult, plan: TilePlan) -> bytes:
    rows_axis, cols_axis = (plan.axes[-2], plan.axes[-1]) if len(plan.axes) > 1 else (None, plan.axes[-1])
    padded_w = cols_axis.padded
    padded_h = rows_axis.padded if rows_axis else max(cols_axis.padded // 8, 1)
    scale = (WIDTH - 2 * MARGIN) / padded_w
    height = HEADER + padded_h * scale + LEGEND + MARGIN
    ox, oy = MARGIN, HEADER

    def x(v: float) -> float:
        return ox + v * scale

    def y(v: float) -> float:
        return oy + v * scale

    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(WIDTH)}" height="{_n(height)}" '
        f'viewBox="0 0 {_n(WIDTH)} {_n(height)}" font-family="{FONT_FAMILY}">',
        f'<rect width="{_n(WIDTH)}" height="{_n(height)}" fill="#ffffff"/>',
    ]
    image = "x".join(map(str, plan.image))
    tiles = "x".join(str(a.windows) for a in plan.axes)
    title = f"{result.spec.name}: {plan.runtime} plan for {image}, {tiles} = {plan.tiles} tiles of " + "x".join(
        str(a.tile) for a in plan.axes
    )
    out.append(f'<text class="title" x="{_n(MARGIN)}" y="22" font-size="14">{escape(printable(title))}</text>')
    subtitle = "exact: the stitched output equals one pass" if plan.exact else "not exact: " + plan.why_not_exact[0]
    if len(plan.axes) == 3:
        subtitle = (
            f"slice through {plan.axes[0].name} (axes {rows_axis.name if rows_axis else ''}, {cols_axis.name}); "
            + subtitle
        )
    out.append(f'<text class="subtitle" x="{_n(MARGIN)}" y="40" font-size="11">{escape(printable(subtitle))}</text>')
    # The padded image, then the image inside it.
    rows_pad = rows_axis.pad if rows_axis else (0, 0)
    out.append(
        f'<rect class="padding" x="{_n(x(0))}" y="{_n(y(0))}" width="{_n(padded_w * scale)}" '
        f'height="{_n(padded_h * scale)}" fill="#eeeeee" stroke="#999999" stroke-dasharray="4 3"/>'
    )
    image_h = rows_axis.image if rows_axis else padded_h
    out.append(
        f'<rect class="image" x="{_n(x(cols_axis.pad[0]))}" y="{_n(y(rows_pad[0]))}" '
        f'width="{_n(cols_axis.image * scale)}" height="{_n(image_h * scale)}" fill="#fafafa" stroke="#222222" '
        'stroke-width="1.5"/>'
    )
    row_tiles = range(min(rows_axis.windows, MAX_DRAWN)) if rows_axis else range(1)
    col_tiles = range(min(cols_axis.windows, MAX_DRAWN))
    for i in row_tiles:
        for j in col_tiles:
            hue = HUES[(i * 2 + j) % len(HUES)]
            top, bottom = (rows_axis.starts[i], rows_axis.starts[i] + rows_axis.tile) if rows_axis else (0, padded_h)
            left, right = cols_axis.starts[j], cols_axis.starts[j] + cols_axis.tile
            keep_top, keep_bottom = _kept(rows_axis, plan, i) if rows_axis else (0, padded_h)
            keep_left, keep_right = _kept(cols_axis, plan, j)
            out.append(
                f'<rect class="kept" data-tile="{i},{j}" x="{_n(x(keep_left))}" y="{_n(y(keep_top))}" '
                f'width="{_n((keep_right - keep_left) * scale)}" height="{_n((keep_bottom - keep_top) * scale)}" '
                f'fill="{hue}" fill-opacity="0.18" stroke="none"/>'
            )
            out.append(
                f'<rect class="tile" data-tile="{i},{j}" x="{_n(x(left) + 1)}" y="{_n(y(top) + 1)}" '
                f'width="{_n(max((right - left) * scale - 2, 1))}" height="{_n(max((bottom - top) * scale - 2, 1))}" '
                f'fill="none" stroke="{hue}" stroke-width="1.2"/>'
            )
    legend_y = HEADER + padded_h * scale + 22
    kept = "output each tile keeps" if plan.runtime == "overlap-tile" else "rows clear of the window's padding"
    entries = [
        ("#eeeeee", "#999999", "padding"),
        ("#fafafa", "#222222", "image"),
        ("none", HUES[0], "tile (network input)" if plan.runtime == "overlap-tile" else "window"),
        (HUES[0], "none", kept),
    ]
    at = MARGIN
    for fill, stroke, label in entries:
        opacity = ' fill-opacity="0.18"' if fill == HUES[0] else ""
        out.append(
            f'<rect class="legend" x="{_n(at)}" y="{_n(legend_y - 10)}" width="14" height="10" fill="{fill}"'
            f'{opacity} stroke="{stroke}"/>'
        )
        out.append(f'<text x="{_n(at + 19)}" y="{_n(legend_y)}" font-size="11">{escape(label)}</text>')
        at += 28 + 6.2 * len(label)
    shown = [a for a in ((rows_axis, len(row_tiles)), (cols_axis, len(col_tiles))) if a[0] is not None]
    if any(axis.windows > drawn for axis, drawn in shown if axis is not None):
        out.append(
            f'<text x="{_n(at)}" y="{_n(legend_y)}" font-size="11">(the first {MAX_DRAWN} tiles per axis drawn)</text>'
        )
    out.append("</svg>\n")
    return "\n".join(out).encode("utf-8")


def tiles_image(result: CheckResult, plan: TilePlan, fmt: str) -> bytes:
    svg = tiles_svg(result, plan)
    if fmt == "svg":
        return svg
    try:
        import resvg_py
    except ImportError:
        raise RendererMissing("PNG needs a rasteriser: pip install 'unetcalc[png]' (or write .svg)") from None
    return bytes(resvg_py.svg_to_bytes(svg_string=svg.decode("utf-8"), dpi=144.0, background="white"))
