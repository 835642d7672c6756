"""Short human labels for layers and valid-input facts, shared by renderers."""

from __future__ import annotations

from unetcalc.shapes.validity import AxisValidity
from unetcalc.spec.model import Layer
from unetcalc.textsafe import whole


def _axes(value: object) -> str:
    if isinstance(value, tuple):
        if len(set(value)) == 1:
            value = value[0]
        else:
            return "×".join(str(v) for v in value)
    return f"{value}"


def _window(value: object, rank: int) -> str:
    single = _axes(value)
    return single if "×" in single else "×".join([single] * rank)


def op_label(layer: Layer, rank: int) -> str:
    """``conv 3×3``, ``maxpool 2×2``, ``concat enc4 (crop)``, ``upsample ×2`` …"""
    p = layer.params
    if layer.op == "conv":
        text = f"conv {_window(p.get('kernel'), rank)}"
        if p.get("stride") not in (None, (1,) * rank, 1):
            text += f" /{_axes(p['stride'])}"
        if p.get("dilation") not in (None, (1,) * rank, 1):  # a 3×3 of dilation 2 reads 5×5: say so
            text += f" dil {_axes(p['dilation'])}"
        if p.get("padding") == "same":
            text += " same"
        elif p.get("padding") not in ("valid", None, (0,) * rank, 0):
            text += f" pad {_axes(p['padding'])}"
        return text
    if layer.op in ("upconv", "maxpool", "avgpool"):
        return f"{layer.op} {_window(p.get('kernel'), rank)}"
    if layer.op == "upsample":
        return f"upsample ×{_axes(p.get('scale'))} {p.get('mode', '')}".strip()
    if layer.op in ("concat", "add"):
        text = f"{layer.op} {', '.join(layer.refs)}"
        return text + (" (crop)" if p.get("crop") == "center" else "")
    if layer.op == "crop":
        return f"crop to {layer.refs[0]}" if layer.refs else "crop"
    return layer.op


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
