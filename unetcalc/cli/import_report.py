"""What `unetcalc import` prints: the findings that stopped it, or the proof line and next steps."""

from __future__ import annotations

from typing import TYPE_CHECKING

from unetcalc.report.styled import Line, Printer

if TYPE_CHECKING:
    from unetcalc.importer.run import ImportResult


def _sizes(sizes: list[tuple[int, ...]]) -> str:
    return ", ".join("x".join(map(str, s)) for s in sizes)


def render_findings(console: Printer, outcome: ImportResult) -> None:
    for d in outcome.findings:
        console.print(Line("✗", "bold red") + f" {outcome.source}: " + Line(d.code, "bold") + f" {d.message}")
        if d.hint:
            console.print(f"    = hint: {d.hint}")
    console.print(Line("error:", "bold red") + " nothing was written")


def render_proof(console: Printer, outcome: ImportResult, target: str | None) -> None:
    result, proof = outcome.result, outcome.proof
    assert result is not None
    layers = len(result.spec.layers)
    traced = f", traced at {_sizes(outcome.traced_sizes)}" if outcome.traced_sizes else ""
    lines = [f"imported {outcome.source}: {layers} layers{traced}"]
    if outcome.multiple_of is not None:
        lines.append(
            f"  the model refuses sizes that are not multiples of {outcome.multiple_of} "
            f"(found by running it at {outcome.probed} sizes): written as `input.multiple_of`"
        )
    if outcome.runs_where_invalid:
        shown = ", ".join(map(str, outcome.runs_where_invalid))
        lines.append(
            f"  note: the model also runs at {shown} on the first axis, which the spec calls invalid: a pooling "
            "floors there and the model still runs, cropping, padding or resizing to its skips "
            "(`check --input` says where)"
        )
    console.print(lines[0])
    for line in lines[1:]:
        console.print(line)
    if outcome.without_torch:
        console.print(
            Line("not proven:", "yellow")
            + " written from the plan as dynamic-network-architectures 0.4 builds it, without "
            "torch; install torch and dynamic-network-architectures and import again for the proof"
        )
    if proof is not None and proof.ok:
        cpu = ""
        if proof.cpu_size is not None:
            cpu = (
                f"; with its weights loaded strictly, CPU outputs equal at "
                f"{_sizes([proof.cpu_size])} (max rel. error {proof.cpu_max_error:.1g})"
            )
        aliased = f" (+{proof.aliased_keys} keys of modules registered twice)" if proof.aliased_keys else ""
        console.print(
            Line("✓ exact:", "green") + f" every layer's shape and the outputs at {_sizes(proof.sizes)}, "
            f"{proof.params:,} parameters, {proof.state_dict_tensors} state_dict tensors{aliased}{cpu}"
        )
    if target is not None:
        shown = target
        console.print(f"wrote {shown}")
        console.print("next:")
        concrete = all(isinstance(s, int) for s in result.spec.input.size) if result.spec.input else True
        for command in (
            f"unetcalc sizes {shown}",
            f"unetcalc memory {shown}",
            f"unetcalc fit {shown} --memory 24GiB"
            + ("" if concrete else f" --size {_sizes(outcome.traced_sizes[:1])}"),
            f"unetcalc draw {shown} --style paper -o {_stem(target)}.svg",
        ):
            console.print(f"  {command}")


def _stem(target: str) -> str:
    return target.rsplit("/", 1)[-1].rsplit(".", 1)[0]
