"""Text and JSON for `unetcalc rf`: the exact receptive field of the output, per axis and phase."""

from __future__ import annotations

from typing import Any

from unetcalc.check import CheckResult
from unetcalc.report.styled import Line, Printer
from unetcalc.textsafe import path_text
from unetcalc.tiling.receptive import AxisField, ReceptiveField, Windows


def windows_json(windows: Windows | None) -> list[int] | None:
    return None if windows is None else list(windows.sizes)


def axis_json(axis: AxisField) -> dict[str, Any]:
    windows = axis.windows
    return {
        "axis": axis.axis,
        "name": axis.name,
        "period": windows.period if windows else None,
        "shift": windows.shift if windows else None,
        "sizes": windows_json(windows),
        "halo": list(axis.halo) if windows else None,
        "centre_of_output_0": float(axis.anchor),
        "phases": [{"first": p.first, "last": p.last, "lo": p.lo, "hi": p.hi} for p in axis.phases],
        "reason": axis.reason or None,
    }


def field_json(result: CheckResult, field: ReceptiveField) -> dict[str, Any]:
    return {
        "path": result.path,
        "name": result.spec.name,
        "axes": [axis_json(axis) for axis in field.axes],
        "statistics_layers": field.statistics,
        "layers": [
            {"name": layer.name, "sizes": [windows_json(w) for w in field.per_layer.get(layer.id, [])]}
            for layer in result.spec.layers
            if layer.id in field.per_layer
        ],
    }


def render_field(console: Printer, result: CheckResult, field: ReceptiveField) -> None:
    console.print(Line(f"{path_text(result.path)} (").styled(result.spec.name, "bold") + ")  exact receptive field")
    for axis in field.axes:
        windows = axis.windows
        if windows is None:
            console.print(f"  axis {axis.name}: not the same at every size: {axis.reason}")
            continue
        low, high = windows.sizes
        size = f"{low}" if low == high else f"{low}–{high}"
        before, after = axis.halo
        console.print(
            Line("  axis ").styled(axis.name, "bold") + f": window {size} input rows; the pattern repeats every "
            f"{windows.period} output rows ({windows.shift} input rows); halo {before} before, {after} after"
        )
        for phase in axis.phases:
            rows = f"{phase.first}" if phase.first == phase.last else f"{phase.first}–{phase.last}"
            if phase.lo is None or phase.hi is None:
                console.print(f"    output {rows:>9}  read no input (bias only)")
                continue
            console.print(
                f"    output {rows:>9}  read input [{phase.lo}, {phase.hi}]  ({phase.hi - phase.lo + 1} rows)"
            )
    if field.statistics:
        shown = ", ".join(field.statistics[:6]) + (" …" if len(field.statistics) > 6 else "")
        console.print(
            Line("  ").styled("instance/group norm", "yellow")
            + f" ({shown}) also reads statistics of the whole tensor: "
            "windows above are what the convolutions, pools and resamplings read"
        )
