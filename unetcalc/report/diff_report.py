"""`unetcalc diff` renderers: rich text, markdown (pull-request comments), JSON."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from unetcalc.diff import SpecDiff
from unetcalc.report.markup import escape
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


def _layer_line(change: Any) -> str:
    if change.kind == "added":
        head = f"{change.new} ({change.op}) added"
    elif change.kind == "removed":
        head = f"{change.old} ({change.op}) removed"
    elif change.kind == "renamed":
        head = f"{change.old} → {change.new} ({change.op}) renamed"
    else:
        head = f"{change.new} ({change.op})"
    return head + (": " + "; ".join(change.details) if change.details else "")


def render_text(console: Console, d: SpecDiff) -> None:
    console.print(f"diff [bold]{escape(d.old.path)}[/] → [bold]{escape(d.new.path)}[/]")
    if d.unchanged:
        console.print("  no changes in layers, shapes, parameters, output or valid inputs")
        return
    console.print(f"  params    {_params(d)}")
    out_old, out_new = d.output
    console.print(
        f"  output    {escape(out_old)} → {escape(out_new)}"
        if out_old != out_new
        else f"  output    {escape(out_new)} (unchanged)"
    )
    for symbol, old, new in d.valid_input:
        console.print(f"  valid {symbol}   {escape(old)} → {escape(new)}")
    console.print(f"  findings  {_findings(d)}")
    if d.layers:
        console.print(f"  layers ({len(d.layers)} changed):")
        for change in d.layers:
            colour = {"added": "green", "removed": "red"}.get(change.kind, "yellow")
            console.print(f"    [{colour}]{SYMBOL[change.kind]}[/] {escape(_layer_line(change))}")
    if d.shapes:
        console.print(f"  shapes ({len(d.shapes)} changed):")
        for s in d.shapes:
            console.print(f"    {escape(s.layer)}: {escape(s.old)} → {escape(s.new)}")


def render_markdown(d: SpecDiff) -> str:
    lines = [f"### unetcalc diff: {markdown_code(d.old.path)} → {markdown_code(d.new.path)}", ""]
    if d.unchanged:
        return "\n".join([*lines, "No changes in layers, shapes, parameters, output or valid inputs.", ""])
    out_old, out_new = d.output
    lines += [
        "| | before | after |",
        "|---|---|---|",
        f"| parameters | {d.old_params:,} | {d.new_params:,} |"
        if d.old_params is not None and d.new_params is not None
        else "| parameters | ? | ? |",
        f"| output | {out_old} | {out_new} |",
        f"| findings | {d.findings[0][0]} errors, {d.findings[0][1]} warnings | "
        f"{d.findings[1][0]} errors, {d.findings[1][1]} warnings |",
    ]
    lines += [f"| valid {symbol} | {markdown_text(old)} | {markdown_text(new)} |" for symbol, old, new in d.valid_input]
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
        "output": {"old": d.output[0], "new": d.output[1]},
        "valid_input": [{"axis": s, "old": o, "new": n} for s, o, n in d.valid_input],
        "findings": {
            "old": {"errors": d.findings[0][0], "warnings": d.findings[0][1]},
            "new": {"errors": d.findings[1][0], "warnings": d.findings[1][1]},
        },
        "layers": [
            {
                "kind": c.kind,
                "old": c.old,
                "new": c.new,
                "op": c.op,
                "details": list(c.details),
                "old_line": c.old_line,
                "new_line": c.new_line,
            }
            for c in d.layers
        ],
        "shapes": [{"layer": s.layer, "old": s.old, "new": s.new} for s in d.shapes],
    }
    return safe_json(data) + "\n"
