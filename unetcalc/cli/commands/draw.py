"""`unetcalc draw`: the network as people draw U-Nets."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from unetcalc.check import CheckResult
from unetcalc.cli.common import (
    InputOption,
    check_targets,
    fail,
    input_option,
    load,
    print_report,
    write_output,
)
from unetcalc.cli.console import EXIT_FINDINGS, EXIT_OK, Line, status, text_err


class Layout(StrEnum):
    u = "u"
    flat = "flat"


class Detail(StrEnum):
    blocks = "blocks"
    layers = "layers"


class DrawStyle(StrEnum):
    boxes = "boxes"
    paper = "paper"


def _width_cm(text: str) -> float:
    import re

    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(cm|mm|in|pt)?\s*", text)
    if match is None:
        raise fail(f"--width {text!r}: write a length such as 17cm, 85mm or 6.7in")
    value = float(match.group(1)) * {"cm": 1.0, "mm": 0.1, "in": 2.54, "pt": 2.54 / 72, None: 1.0}[match.group(2)]
    if not 2.0 <= value <= 200.0:
        raise fail(f"--width {text}: between 2 cm and 200 cm")
    return value


def _draw_paper(result: CheckResult, fmt: str, target: str, width: str) -> None:
    """`draw --style paper`: SVG and PDF written directly, PNG through resvg-py."""
    from unetcalc.draw.paper import PT_PER_CM, paper_figure
    from unetcalc.draw.paper_pdf import figure_pdf
    from unetcalc.draw.paper_svg import figure_svg

    if fmt == "dot":
        raise fail("--style paper writes svg, pdf or png (dot is for the box diagram)")
    wanted = _width_cm(width)
    figure = paper_figure(result, wanted)
    if fmt == "pdf":
        data = figure_pdf(figure)
    else:
        data = figure_svg(figure)
        if fmt == "png":
            try:
                import resvg_py
            except ImportError:
                raise fail(
                    "PNG of --style paper needs a rasteriser: pip install 'unetcalc[png]' "
                    "(SVG and PDF work as they are)"
                ) from None
            data = bytes(resvg_py.svg_to_bytes(svg_string=data.decode("utf-8"), dpi=300.0, background="white"))
    write_output(target, lambda tmp: tmp.write_bytes(data))
    actual = figure.width * figure.scale / PT_PER_CM
    if target != "-":
        note = f"; shrunk to fit: text {figure.text_size:.1f} pt" if figure.scale < 0.999 else ""
        text_err().print(
            f"wrote {target} ({fmt}, paper style, {actual:.1f} × "
            f"{figure.height * figure.scale / PT_PER_CM:.1f} cm{note})"
        )


def draw(
    spec: Annotated[str, typer.Argument(help="Spec file.", show_default=False)],
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Output file (default: <spec name>.svg); - for stdout.")
    ] = None,
    output_format: Annotated[
        str | None, typer.Option("--format", "-f", help="svg, png, pdf or dot (default: from the file extension).")
    ] = None,
    layout: Annotated[Layout, typer.Option("--layout", help="u: the U shape (falls back to flat); flat.")] = Layout.u,
    detail: Annotated[Detail, typer.Option("--detail", help="blocks: one box per level run; layers.")] = Detail.blocks,
    input_size: InputOption = None,
    style: Annotated[
        DrawStyle, typer.Option("--style", help="boxes (Graphviz) or paper: the 2015 paper's bars, no Graphviz.")
    ] = DrawStyle.boxes,
    width: Annotated[
        str, typer.Option("--width", help="--style paper: the figure's width, e.g. 17cm, 8.5cm, 6.7in.")
    ] = "17cm",
) -> int:
    """Draw the architecture with graphviz: encoder down the left, decoder up the right, skips across."""
    from unetcalc.draw.render import FORMATS, RendererMissing, RenderFailed, render, renderer_name

    if output is not None:
        check_targets([output], [spec])
    fmt = output_format or (Path(output).suffix.lstrip(".").lower() if output and output != "-" else "svg")
    if fmt not in FORMATS:
        raise fail(f"unknown drawing format {fmt!r}: use one of {', '.join(FORMATS)} (or -f)")
    target = output or f"{'stdin' if spec == '-' else Path(spec).stem}.{fmt}"
    check_targets([target], [spec])
    result = load(spec, input_option(input_size))
    if result.inference is None or result.validity is None or not result.layers_ok():
        print_report(result)
        text_err().print(Line("error:", "bold red") + " the spec cannot be drawn until it parses; nothing was written")
        return EXIT_FINDINGS
    if style is DrawStyle.paper:
        _draw_paper(result, fmt, target, width)
        return EXIT_FINDINGS if result.errors else EXIT_OK
    from unetcalc.draw.dot import to_dot
    from unetcalc.draw.layout import build_diagram

    diagram = build_diagram(result, layout.value, detail.value)
    source = to_dot(result, diagram, detail.value)
    try:
        with status(f"rendering {fmt} with {renderer_name(fmt)}…"):
            data = render(source, fmt)
    except RendererMissing as exc:
        raise fail(f"cannot write {fmt}: {exc}") from None
    except RenderFailed as exc:
        raise fail(str(exc)) from None
    write_output(target, lambda tmp: tmp.write_bytes(data))
    if target != "-":
        note = "" if diagram.kind == layout.value else " (not U-shaped: drawn flat)"
        text_err().print(f"wrote {target} ({fmt}, {diagram.kind} layout{note}, {len(diagram.blocks)} boxes)")
    return EXIT_FINDINGS if result.errors else EXIT_OK
