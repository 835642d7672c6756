"""Valid-input facts as short text, shared by renderers (a layer's label is its op's: ops/registry.op_label)."""

from __future__ import annotations

from unetcalc.shapes.validity import AxisValidity
from unetcalc.textsafe import whole


def _class_text(s: str, modulus: int, residues: tuple[int, ...]) -> str:
    if modulus <= 1:
        return ""
    if len(residues) > 6:
        shown = ", ".join(whole(r) for r in residues[:5]) + f", … ({len(residues)} residues)"
    else:
        shown = ", ".join(whole(r) for r in residues)
    return f"{s} ≡ {shown} (mod {whole(modulus)})"


def validity_text(axis: AxisValidity) -> str:
    """``H ≡ 12 (mod 16), H ≥ 188 → output H - 184``; several residue classes are listed together."""
    s = axis.symbol
    if not axis.feasible:
        return f"{s}: no valid size"
    classes = axis.classes
    low = min(c.min for c in classes)
    alike = all(
        (c.modulus, c.max, str(c.output)) == (classes[0].modulus, classes[0].max, str(classes[0].output))
        and c.min == low + (c.residue - low) % c.modulus  # no residue starts later than the others
        for c in classes
    )
    if not alike:  # residues that need their own bounds or give their own output: one clause each
        return "; ".join(validity_text(AxisValidity(axis.axis, s, (c,))) for c in classes)
    if axis.min is not None and axis.min == axis.max:  # one size only (an equality between two slopes)
        return f"{s} = {whole(axis.min)}" + (f" → output {axis.output}" if axis.output is not None else "")
    parts = [p for p in (_class_text(s, axis.modulus, axis.residues),) if p]
    if axis.min is not None:
        parts.append(f"{s} ≥ {whole(axis.min)}")
    if axis.max is not None:
        parts.append(f"{s} ≤ {whole(axis.max)}")
    text = ", ".join(parts)
    if axis.output is not None:
        text += f" → output {axis.output}"
    return text


def validity_summary(axes: list[AxisValidity]) -> str:
    """One line for all axes; axes that behave alike are named once."""
    first = axes[0]
    shape = validity_text(first).replace(first.symbol, "·")
    alike = all(validity_text(a).replace(a.symbol, "·") == shape for a in axes[1:])
    if alike and len(axes) > 1:
        return f"{validity_text(first)}  (same for {', '.join(a.symbol for a in axes[1:])})"
    return "; ".join(validity_text(a) for a in axes)
