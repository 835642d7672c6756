"""`unetcalc tile`: tiling plans for images larger than the network takes."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from unetcalc.cli.common import (
    Precision,
    PrecisionOption,
    ReportFormat,
    ReportFormatOption,
    check_targets,
    checked,
    fail,
    write_output,
)
from unetcalc.cli.console import EXIT_OK, text_err, text_out


class Runtime(StrEnum):
    overlap_tile = "overlap-tile"
    monai = "monai"
    nnunet = "nnunet"


MAX_IMAGE_SIDE = 1 << 20  # pixels per axis: a whole-slide image is ~10^5


def _sizes_option(text: str, option: str) -> tuple[int, ...]:
    """``4096x4096``, ``300x512x512`` (x, × or commas between) → sizes in pixels."""
    parts = [p.strip() for p in text.replace("×", "x").replace(",", "x").split("x")]
    if not 1 <= len(parts) <= 3 or not all(p.isascii() and p.isdigit() and len(p) <= 8 for p in parts):
        raise fail(f"{option} {text[:40]!r}: give 1 to 3 sizes in pixels, e.g. 4096x4096 or 300x512x512")
    sizes = tuple(int(p) for p in parts)
    if not all(1 <= n <= MAX_IMAGE_SIDE for n in sizes):
        raise fail(f"{option} {text[:40]!r}: each size must be between 1 and {MAX_IMAGE_SIDE:,} pixels")
    return sizes


def tile(
    spec: Annotated[str, typer.Argument(help="Spec file.", show_default=False)],
    image: Annotated[
        str, typer.Option("--image", help="The image or volume to segment: 4096x4096, 300x512x512.", show_default=False)
    ],
    runtime: Annotated[
        Runtime,
        typer.Option("--runtime", help="overlap-tile (exact stitching), monai (sliding_window_inference), nnunet."),
    ] = Runtime.overlap_tile,
    tile_size: Annotated[
        str | None, typer.Option("--tile", help="The tile (network input); default: the largest that fits --memory.")
    ] = None,
    budget: Annotated[
        str | None, typer.Option("--memory", "-m", help="GPU memory to fit in: 8GiB, 24GB, 80G.", show_default=False)
    ] = None,
    reserve: Annotated[str, typer.Option("--reserve", help="Keep this much of --memory free, e.g. 1GiB.")] = "0",
    batch: Annotated[
        int | None, typer.Option("--batch", "-b", min=1, help="Tiles per forward pass (MONAI's sw_batch_size).")
    ] = None,
    overlap: Annotated[
        float | None, typer.Option("--overlap", help="monai: its overlap (default: the smallest that is seamless).")
    ] = None,
    step_size: Annotated[float, typer.Option("--step-size", help="nnunet: its tile_step_size.")] = 0.5,
    no_mirroring: Annotated[bool, typer.Option("--no-mirroring", help="nnunet: without test-time mirroring.")] = False,
    exact: Annotated[
        bool,
        typer.Option(
            "--exact/--no-exact",
            help="overlap-tile: steps on the pooling grid, so the stitched output equals one pass (default); "
            "--no-exact takes the longest steps instead.",
        ),
    ] = True,
    precision: PrecisionOption = Precision.fp32,
    plot: Annotated[
        str | None, typer.Option("--plot", help="Draw the plan: tiles.svg or tiles.png (3D: a slice).")
    ] = None,
    output_format: ReportFormatOption = ReportFormat.text,
) -> int:
    """Plan inference on an image larger than one pass: tile, step, padding, passes, memory, exactness.

    overlap-tile keeps every tile on the network's pooling grid and every kept output row clear of
    padding, so the stitched result equals one pass over the (mirror-)padded image.
    """
    from unetcalc.memory.fit import parse_bytes
    from unetcalc.report.tile_report import render_tile, tile_json
    from unetcalc.tiling.plan import TileError, TileRequest, plan_tiles

    sizes = _sizes_option(image, "--image")
    tile_option = _sizes_option(tile_size, "--tile") if tile_size is not None else None
    limit = None
    if budget is not None:
        try:
            limit = parse_bytes(budget) - parse_bytes(reserve)
        except ValueError as exc:
            raise fail(str(exc)) from None
        if limit <= 0:
            raise fail(f"--reserve {reserve} leaves nothing of --memory {budget}")
    if plot is not None:
        if Path(plot).suffix.lower() not in (".svg", ".png"):
            raise fail(f"--plot {plot}: write a .svg or .png file")
        check_targets([plot], [spec])
    result = checked(spec, None, "tile")
    request = TileRequest(
        sizes, runtime.value, tile_option, limit, precision.value, batch, overlap, step_size, not no_mirroring, exact
    )
    try:
        plan = plan_tiles(result, request)
    except TileError as exc:
        raise fail(f"{spec}: {exc}") from None
    if plot is not None:
        from unetcalc.draw.render import RendererMissing
        from unetcalc.draw.tiles_svg import tiles_image

        try:
            picture = tiles_image(result, plan, Path(plot).suffix.lower().lstrip("."))
        except RendererMissing as exc:
            raise fail(str(exc)) from None
        write_output(plot, lambda path: path.write_bytes(picture))
    if output_format is ReportFormat.json:
        from unetcalc.textsafe import safe_json

        sys.stdout.write(safe_json(tile_json(result, plan)) + "\n")
    else:
        render_tile(text_out(), result, plan)
        if plot is not None:
            text_err().print(f"wrote {plot}")
    return EXIT_OK
