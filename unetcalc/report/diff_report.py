"""`unetcalc diff` renderers: rich text, markdown (pull-request comments), JSON."""

from __future__ import annotations

from typing import Any

from unetcalc.diff import FieldChange, LayerChange, SpecDiff
from unetcalc.report.labels import validity_text
from unetcalc.report.styled import Line, Printer
from unetcalc.shapes.validity import AxisValidity, classes_json
from unetcalc.textsafe import markdown_code, markdown_text, safe_json

SYMBOL = {"added": "+", "removed": "-", "renamed": "~", "changed": "~"}


def _params(d: SpecDiff) -> str:
    if d.old_params is None or d.new_params is None:
        return "?"
    delta = d.new_params - d.old_params
    return f"{d.old_params:,} → {d.new_params:,} ({delta:+,})"


def _findings(d: SpecDiff) -> str:
    (oe, ow), (ne, nw) = d.findings
    return f"{oe} errors, {ow} warnings → {ne} errors, {nw} warnings"


def _value(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, tuple):
        if value and all(isinstance(v, str) for v in value):
            return ", ".join(value)  # the tensors a layer reads
        return "[" + ", ".join(str(v) for v in value) + "]" if len(set(value)) > 1 else str(value[0])
    return str(value)


def _change(change: FieldChange) -> str:
    return f"{change.field} {_value(change.old)} → {_value(change.new)}"


def _axis(axis: AxisValidity) -> str:
    return validity_text(axis) if axis.feasible else "none"


def _axis_json(axis: AxisValidity) -> dict[str, Any]:
    return {
        "feasible": axis.feasible,
        "modulus": axis.modulus,
        "residue": axis.residue,
        "min": axis.min,
        "max": axis.max,
        "output": None if axis.output is None else str(axis.output),
        "classes": classes_json(axis),
    }


def _layer_line(change: LayerChange) -> str:
    if change.kind == "added":
        head = f"{change.new} ({change.op}) added"
    elif change.kind == "removed":
        head = f"{change.old} ({change.op}) removed"
    elif change.kind == "renamed":
        head = f"{change.old} → {change.new} ({change.op}) renamed"
    else:
        head = f"{change.new} ({change.op})"
    return head + (": " + "; ".join(_change(c) for c in change.details) if change.details else "")


SHAPES_SHOWN = 8  # a longer list of changed shapes is cut (--all shows every one)


def render_text(console: Printer, d: SpecDiff, show_all: bool = False) -> None:
    console.print(Line("diff ").styled(d.old.path, "bold") + " → " + Line(d.new.path, "bold"))
    if d.unchanged:
        console.print("  no changes in layers, shapes, parameters, output or valid inputs")
        return
    in_old, in_new = d.input
    if in_old != in_new:
        console.print(f"  input     {in_old} → {in_new}")
    console.print(f"  params    {_params(d)}")
    out_old, out_new = d.output
    console.print(f"  output    {out_old} → {out_new}" if out_old != out_new else f"  output    {out_new} (unchanged)")
    for old, new in d.valid_input:
        console.print(f"  valid {new.symbol}   {_axis(old)} → {_axis(new)}")
    console.print(f"  findings  {_findings(d)}")
    for sign, colour, found in (("+", "red", d.findings_added), ("-", "green", d.findings_removed)):
        for f in found:
            console.print(Line("    ").styled(sign, colour) + f" {f.code} {f.message} (line {f.line})")
    if d.layers:
        console.print(f"  layers ({len(d.layers)} changed):")
        for change in d.layers:
            colour = {"added": "green", "removed": "red"}.get(change.kind, "yellow")
            console.print(Line("    ").styled(SYMBOL[change.kind], colour) + f" {_layer_line(change)}")
    if d.shapes:
        console.print(f"  shapes ({len(d.shapes)} changed):")
        shown = d.shapes if show_all or len(d.shapes) <= SHAPES_SHOWN else d.shapes[:SHAPES_SHOWN]
        for s in shown:
            console.print(f"    {s.layer}: {s.old} → {s.new}")
        if len(shown) < len(d.shapes):
            console.print(f"    … and {len(d.shapes) - len(shown)} more (--all shows every one)")


def render_markdown(d: SpecDiff) -> str:
    lines = [f"### unetcalc diff: {markdown_code(d.old.path)} → {markdown_code(d.new.path)}", ""]
    if d.unchanged:
        return "\n".join([*lines, "No changes in layers, shapes, parameters, output or valid inputs.", ""])
    out_old, out_new = d.output
    in_old, in_new = d.input
    lines += [
        "| | before | after |",
        "|---|---|---|",
        *([f"| input | {in_old} | {in_new} |"] if in_old != in_new else []),
        f"| parameters | {d.old_params:,} | {d.new_params:,} |"
        if d.old_params is not None and d.new_params is not None
        else "| parameters | ? | ? |",
        f"| output | {out_old} | {out_new} |",
        f"| findings | {d.findings[0][0]} errors, {d.findings[0][1]} warnings | "
        f"{d.findings[1][0]} errors, {d.findings[1][1]} warnings |",
    ]
    lines += [
        f"| valid {new.symbol} | {markdown_text(_axis(old))} | {markdown_text(_axis(new))} |"
        for old, new in d.valid_input
    ]
    for sign, found in (("new", d.findings_added), ("gone", d.findings_removed)):
        lines += [f"| {sign} finding | | {f.code} {markdown_text(f.message)} (line {f.line}) |" for f in found]
    if d.layers:
        lines += ["", f"**Layers** ({len(d.layers)} changed)", ""]
        lines += [f"- `{SYMBOL[c.kind]}` {markdown_text(_layer_line(c))}" for c in d.layers]
    if d.shapes:
        lines += ["", f"**Shapes** ({len(d.shapes)} changed)", "", "| layer | before | after |", "|---|---|---|"]
        lines += [f"| {markdown_text(s.layer)} | {markdown_text(s.old)} | {markdown_text(s.new)} |" for s in d.shapes]
    return "\n".join(lines) + "\n"


def render_json(d: SpecDiff) -> str:
    data = {
        "version": 1,
        "old": d.old.path,
        "new": d.new.path,
        "params": {
            "old": d.old_params,
            "new": d.new_params,
            "delta": None if d.old_params is None or d.new_params is None else d.new_params - d.old_params,
        },
        "input": {"old": d.input[0], "new": d.input[1]},
        "output": {"old": d.output[0], "new": d.output[1]},
        "valid_input": [
            {"axis": new.axis, "symbol": new.symbol, "old": _axis_json(old), "new": _axis_json(new)}
            for old, new in d.valid_input
        ],
        "findings": {
            "old": {"errors": d.findings[0][0], "warnings": d.findings[0][1]},
            "new": {"errors": d.findings[1][0], "warnings": d.findings[1][1]},
            "added": [f.to_json() for f in d.findings_added],
            "removed": [f.to_json() for f in d.findings_removed],
        },
        "layers": [
            {
                "kind": c.kind,
                "old": c.old,
                "new": c.new,
                "op": c.op,
                "details": [
                    {"field": f.field, "old": _json_value(f.old), "new": _json_value(f.new)} for f in c.details
                ],
                "old_line": c.old_line,
                "new_line": c.new_line,
            }
            for c in d.layers
        ],
        "shapes": [{"layer": s.layer, "old": s.old, "new": s.new} for s in d.shapes],
    }
    return safe_json(data) + "\n"


def _json_value(value: object) -> object:
    """A parameter value for JSON: tuples as lists, exact fractions (upsample scales) as strings."""
    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
