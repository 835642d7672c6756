"""`unetcalc table SPEC --format markdown --style note`: the table in a design note's own columns.

Layers | Dimensions | Operation | Filters, as the seed note writes them: each row's input shape as
`252 x 252 x 64`, the operation as people write it (`Conv 3x3`, `Max Pooling 2x2`, `Up-conv 2x2`,
`Concat with Conv4`), and the filters (a conv's, else the channels the row outputs). The shapes are the
inferred ones, so the author can paste the corrected table back into the note; the markdown reader
reads it back to the same network (a property test checks).
"""

from __future__ import annotations

from unetcalc.check import CheckResult
from unetcalc.report.table import markdown_grid
from unetcalc.shapes.shape import Shape, format_shape
from unetcalc.spec.model import Layer
from unetcalc.textsafe import markdown_text

NOTE_HEADER = ("Layers", "Dimensions", "Operation", "Filters")
WORDS = {
    "relu": "Relu", "leakyrelu": "Leaky ReLU", "prelu": "PReLU", "elu": "ELU", "gelu": "GELU", "silu": "SiLU",
    "sigmoid": "Sigmoid", "tanh": "Tanh", "softmax": "Softmax", "batchnorm": "Batch norm",
    "instancenorm": "Instance norm", "identity": "Identity",
}  # fmt: skip


def _dims(shape: Shape | None) -> str:
    return format_shape(shape, " x ") if shape is not None else "?"


def _window(value: object) -> str:
    values = value if isinstance(value, tuple) else (value,)
    if len(set(values)) == 1:
        values = (values[0], values[0]) if len(values) <= 2 else values
    return "x".join(str(v) for v in values)


def operation_text(layer: Layer) -> str | None:
    """How a note writes the layer's operation; None when the note's reader has no words for it."""
    p = layer.params
    op = layer.op
    if op == "conv":
        text = f"Conv {_window(p['kernel'])}"
        stride = p.get("stride")
        if stride not in (None, 1) and set(stride if isinstance(stride, tuple) else (stride,)) != {1}:
            text += f" s{max(stride) if isinstance(stride, tuple) else stride}"
        if p.get("padding") == "same":
            text += " same"
        elif p.get("padding") not in ("valid", None) and set(p["padding"]) != {0}:
            text += f" pad {max(p['padding'])}"
        return text
    if op in ("maxpool", "avgpool"):
        return f"{'Max' if op == 'maxpool' else 'Avg'} Pooling {_window(p['kernel'])}"
    if op == "upconv":
        return f"Up-conv {_window(p['kernel'])}"
    if op == "upsample":
        scale = p["scale"][0] if isinstance(p["scale"], tuple) else p["scale"]
        return f"Upsample x{scale}"
    if op == "concat" and len(layer.refs) == 1:
        return f"{'Copy and crop' if p.get('crop') == 'center' else 'Concat'} with {layer.refs[0]}"
    if op == "dropout":
        return f"Dropout {p['p']}"
    return WORDS.get(op)


def render_note_table(result: CheckResult) -> str:
    """The note's four columns; a layer the note's words cannot say is listed with its op name."""
    inference = result.inference
    if inference is None:
        return ""
    rows = [
        NOTE_HEADER,
        (
            "Input Layer",
            _dims(inference.input)[: -len(f" x {inference.input.channels}")],
            "",
            str(inference.input.channels),
        ),
    ]
    for entry in inference.layers:
        layer = entry.layer
        filters = (
            layer.params.get("filters") if layer.op in ("conv", "upconv") else (entry.out.channels if entry.out else "")
        )
        rows.append(
            (
                layer.name,
                _dims(entry.ins[0] if entry.ins else None),
                operation_text(layer) or layer.op,
                str(filters),
            )
        )
    return "\n".join(markdown_grid([tuple(markdown_text(c) for c in row) for row in rows])) + "\n"
