"""Text and JSON for `unetcalc tile` (JSON: docs/output.md, "tile")."""

from __future__ import annotations

import math
from typing import Any

from unetcalc.check import CheckResult
from unetcalc.report.costs import human_count, precise_bytes
from unetcalc.report.memory_report import NOT_COUNTED
from unetcalc.report.styled import Line, Printer
from unetcalc.textsafe import path_text
from unetcalc.tiling.plan import TilePlan

TILE_JSON_VERSION = 1
RUNTIME_NAMES = {
    "overlap-tile": "overlap-tile",
    "monai": "MONAI sliding_window_inference",
    "nnunet": "nnU-Net predictor",
}


def _x(values: list[int] | tuple[int, ...]) -> str:
    return "x".join(map(str, values))


def snippet(plan: TilePlan) -> str | None:
    """The runtime's call, ready to paste."""
    p = plan.parameters
    window = p.get("roi_size") or p.get("patch_size")
    assert window is None or isinstance(window, list)
    if plan.runtime == "monai":
        return (
            f"SlidingWindowInferer(roi_size={tuple(window or [])!r}, overlap={p['overlap']!r}, "
            f'sw_batch_size={p["sw_batch_size"]}, mode="constant")'
        )
    if plan.runtime == "nnunet":
        return (
            f"nnUNetPredictor(tile_step_size={p['tile_step_size']}, use_gaussian=True, "
            f"use_mirroring={p['use_mirroring']}); plans: patch_size {window}"
        )
    return None


def pad_snippet(plan: TilePlan) -> str | None:
    pads = plan.parameters.get("pad_window")
    if not pads:
        return None
    assert isinstance(pads, list)
    flat = [side for before_after in reversed(pads) for side in before_after]  # F.pad: last axis first
    return f'predictor = lambda x: net(F.pad(x, {tuple(flat)!r}, mode="reflect"))'


def render_tile(console: Printer, result: CheckResult, plan: TilePlan) -> None:
    console.print(
        Line(f"{path_text(result.path)} (").styled(result.spec.name, "bold") + f")  image {_x(plan.image)}, "
        f"{RUNTIME_NAMES[plan.runtime]}, {plan.precision}{' autocast' if plan.precision != 'fp32' else ''}, "
        f"batch {plan.batch}"
    )
    window = "tile" if plan.runtime == "overlap-tile" else ("roi" if plan.runtime == "monai" else "patch")
    header = ("axis", "image", window, "network input", "output", "step", "tiles", "padding", "exact rows")
    rows = [
        (
            axis.name,
            str(axis.image),
            str(axis.tile),
            str(axis.network_input),
            str(axis.output),
            str(axis.step),
            str(axis.windows),
            f"{axis.pad[0]}+{axis.pad[1]}",
            f"{axis.exact[0]}–{axis.exact[1] - 1}" if axis.exact[1] > axis.exact[0] else "none",
        )
        for axis in plan.axes
    ]
    widths = [max(len(row[k]) for row in (header, *rows)) for k in range(len(header))]

    def aligned(row: tuple[str, ...]) -> str:  # the axis name left, numbers right, two spaces between
        return "  ".join(c.ljust(w) if k == 0 else c.rjust(w) for k, (c, w) in enumerate(zip(row, widths, strict=True)))

    console.print(Line(aligned(header), "bold"))
    for row in rows:
        console.print(aligned(row))
    console.print(
        Line("  ").styled(f"{plan.tiles:,} tile{'s' if plan.tiles != 1 else ''}", "bold")
        + (f" × {plan.passes_per_tile} mirrored passes = {plan.passes:,} passes" if plan.passes_per_tile > 1 else "")
        + f"; {'they read' if plan.passes > 1 else 'it reads'} {plan.processed / math.prod(plan.image):.2f}× the "
        "image's pixels"
    )
    macs = f"  MACs {human_count(plan.macs_per_tile)} per pass, {human_count(plan.total_macs)} in all"
    if plan.whole_macs:
        macs += f" ({plan.total_macs / plan.whole_macs:.2f}× one pass over the padded image)"
    console.print(macs)
    if plan.runtime == "overlap-tile":
        mode = "mirror (reflect)" if plan.valid_padded else "zeros, at the end, to a valid size"
        console.print(f"  the image is padded by {mode}: {_x([a.padded for a in plan.axes])}")
    if plan.exact:
        console.print(
            Line("  ").styled("exact", "bold green")
            + ": every tile starts on the pooling grid and keeps only rows that saw no "
            "padding; the stitched output equals one pass over the padded image"
        )
    else:
        for reason in plan.why_not_exact:
            console.print(Line("  ").styled("not exact", "yellow") + f": {reason}")
    code = snippet(plan)
    if code:
        console.print(Line("  ").styled(code, "bold"))
    wrapper = pad_snippet(plan)
    if wrapper:
        console.print(
            "  the network's output is smaller than its input (valid convolutions): run it on each window "
            "padded by what it cuts, " + Line(wrapper, "bold")
        )
    memory = plan.memory
    terms = [f"tile peak {precise_bytes(memory.tile_peak)} (inference, batch {plan.batch})"]
    terms += [f"{name} {precise_bytes(size)}" for name, size in memory.buffers.items()]
    line = Line(f"  memory: {' + '.join(terms)} = ").styled(precise_bytes(memory.total), "bold")
    if memory.limit is not None and memory.margin is not None:
        line += f" of {precise_bytes(memory.limit)}, margin {precise_bytes(memory.margin)}"
    console.print(line)
    if memory.host:
        console.print(
            "  in host memory: " + ", ".join(f"{name} {precise_bytes(size)}" for name, size in memory.host.items())
        )
    if plan.larger_batch is not None and plan.larger_batch > plan.batch:
        console.print(f"  a window batch of {plan.larger_batch} also fits this tile (--batch {plan.larger_batch})")
    console.print(Line("  ").styled(NOT_COUNTED, "dim"))
    for finding in plan.findings:
        console.print(Line("  ").styled(f"warning {finding.code}", "yellow") + f" {finding.message}")


def tile_json(result: CheckResult, plan: TilePlan) -> dict[str, Any]:
    memory = plan.memory
    return {
        "version": TILE_JSON_VERSION,
        "path": result.path,
        "name": result.spec.name,
        "runtime": plan.runtime,
        "image": list(plan.image),
        "precision": plan.precision,
        "batch": plan.batch,
        "axes": [
            {
                "name": axis.name,
                "image": axis.image,
                "tile": axis.tile,
                "network_input": axis.network_input,
                "output": axis.output,
                "step": axis.step,
                "align": axis.align,
                "starts": list(axis.starts),
                "keep": [list(k) for k in axis.keep],
                "pad": list(axis.pad),
                "exact_rows": list(axis.exact),
                "aligned": axis.aligned,
            }
            for axis in plan.axes
        ],
        "tiles": plan.tiles,
        "passes": plan.passes,
        "exact": plan.exact,
        "why_not_exact": plan.why_not_exact,
        "macs_per_pass": plan.macs_per_tile,
        "macs_total": plan.total_macs,
        "macs_whole_image": plan.whole_macs,
        "unit": "bytes",
        "memory": {
            "tile_peak": memory.tile_peak,
            "buffers": memory.buffers,
            "total": memory.total,
            "limit": memory.limit,
            "margin": memory.margin,
            "host": memory.host,
        },
        "largest_window_batch": plan.larger_batch,
        "parameters": plan.parameters,
        "diagnostics": [d.to_json() for d in plan.findings],
    }
