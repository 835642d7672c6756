"""What an operation cell of a note says: `Conv 3x3`, `conv3x3 s2`, `Max Pooling 2×2`, `Up-conv 2x2`,
`Conv 3x3 + BN + ReLU` (folded steps), `Conv2d(64, 128, kernel_size=(3, 3))` (a PyTorch printout), and
the operation a layer name implies (`conv2_2`, `pool3`) when a table has no Operation column.

Every pattern here reads one cell of at most MAX_CELL characters, so none can run long.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from unetcalc.ops.registry import DEFINITIONS


@dataclass(slots=True)
class Operation:
    op: str | None  # None: the input row
    params: dict[str, Any]
    concat_with: str | None = None  # "Concat with Conv3": the skip's name, when the cell names it
    skip: bool = False  # a concat without a named tensor (`Copy and crop`)
    axes: int = 0  # how many axes its window was written with (`3x3x3`: 3; `3`, or none: 0)


class OperationError(ValueError):
    """An operation cell that is not a known operation (the message says what was read)."""


MAX_CELL = 400  # characters of an operation cell: none real is longer; a longer one is not read


_IMPLIED = (  # a layer name's start → the operation it names (VGG/Caffe-style tables: conv2_2, pool3, up1)
    (re.compile(r"(?:input|image|data)\b"), "input"),
    (re.compile(r"(?:conv|c\d)"), "conv"),
    (re.compile(r"(?:max ?pool|pool|mp\d)"), "maxpool"),
    (re.compile(r"(?:avg ?pool|ap\d)"), "avgpool"),
    (re.compile(r"(?:up ?conv|deconv|up\d|up\b|upsample)"), "upconv"),
    (re.compile(r"(?:concat|cat\d|cat\b|merge|skip)"), "concat"),
    (re.compile(r"(?:relu|act)"), "relu"),
    (re.compile(r"(?:bn|batch ?norm)"), "batchnorm"),
    (re.compile(r"(?:drop)"), "dropout"),
    (re.compile(r"(?:softmax)"), "softmax"),
    (re.compile(r"(?:sigmoid)"), "sigmoid"),
)


def implied_op(name: str) -> str | None:
    """The operation a layer name implies (`conv2_2` → conv, `pool3` → maxpool), or None."""
    text = name.strip().lower()[:40]
    return next((op for pattern, op in _IMPLIED if pattern.match(text)), None)


_SIZE = r"(\d+)(?:\s*x\s*(\d+))?(?:\s*x\s*(\d+))?"


def _window(match: re.Match[str], first: int = 1) -> list[int]:
    """The kernel sizes a match's groups ``first``… (`3x3`, `3 x 3 x 3`) hold."""
    return [int(v) for v in match.groups()[first - 1 : first + 2] if v is not None]


def parse_operation(cell: str) -> Operation:
    """`Conv 3x3`, `conv3x3 s2`, `Max Pooling 2×2`, `Up-conv 2x2`, `Upsample x2`, `Relu`, `Concat with Conv3`…"""
    raw = cell.strip()
    if len(raw) > MAX_CELL:  # bounds every pattern below: none real is this long
        raise OperationError(f"an operation cell of {len(raw):,} characters is not an operation")
    printed = _torch_printout(raw)
    if printed is not None:
        return printed
    text = raw.lower().replace("×", "x").replace("*", "x").strip()
    text = re.sub(r"(?<=\d)\s*x\s*(?=\d)", "x", text)
    words = re.sub(r"[-_]", " ", text)
    if text in ("", "input", "input layer", "image", "input image"):
        return Operation(None, {})
    concat = re.match(r"^(?:concat(?:enate)?|concatenation|copy(?: and| &)? crop|copy|skip|merge)\b(.*)$", words)
    if concat:
        rest = concat.group(1).strip()
        target = (
            re.match(r"^(?:with|from|of|to)?\s*([A-Za-z_][\w.]*)$", raw.split(None, 1)[1].strip()) if rest else None
        )
        params: dict[str, Any] = {}
        if "crop" in words:
            params["crop"] = "center"
        if target and target.group(1).lower() not in ("and", "crop", "with"):
            name = target.group(1)
            return Operation("concat", params, concat_with=name)
        with_match = re.search(r"\b(?:with|from|of)\s+([A-Za-z_][\w.]*)\s*$", raw)
        if with_match:
            return Operation("concat", params, concat_with=with_match.group(1))
        return Operation("concat", params, skip=True)
    upconv = re.match(
        r"^(?:up ?conv(?:olution)?|transposed conv(?:olution)?|deconv(?:olution)?)\s*(?:" + _SIZE + r")?$", words
    )
    if upconv:
        window = _window(upconv) if upconv.group(1) else [2]
        return Operation("upconv", {"kernel": _axes(window)}, axes=_written_axes(window))
    upsample = re.match(r"^(?:upsample|upsampling|up sampling|upscale)\s*x?\s*(\d+)?\s*x?$", words)
    if upsample:
        return Operation("upsample", {"scale": int(upsample.group(1) or 2)})
    pool = re.match(r"^(max|avg|average)\s*pool(?:ing)?\s*(?:" + _SIZE + r")?(|[\s/].*)$", words)
    if pool:
        op = "maxpool" if pool.group(1) == "max" else "avgpool"
        window = _window(pool, 2) or [2]
        params = {"kernel": _axes(window)}
        params.update(_stride(pool.group(5)))
        return Operation(op, params, axes=_written_axes(window))
    conv = re.match(r"^conv(?:olution)?\s*" + _SIZE + r"(.*)$", words)
    if conv:
        window = _window(conv)
        params = {"kernel": _axes(window)}
        rest = conv.group(4)
        params.update(_stride(rest))
        if "same" in rest:
            params["padding"] = "same"
        padding = re.search(r"\b(?:pad|padding|p)\s*(\d+)", rest)
        if padding:
            params["padding"] = int(padding.group(1))
        return Operation("conv", params, axes=_written_axes(window))
    dropout = re.match(r"^dropout\s*(0?\.\d+|1(?:\.0)?|0)?$", words.replace(" .", "."))
    if dropout:
        return Operation("dropout", {"p": float(dropout.group(1))} if dropout.group(1) else {})
    key = re.sub(r"\s+", " ", words.replace(".", "")).strip()
    simple = _one_word_ops()
    if key in simple:
        return Operation(simple[key], {})
    raise OperationError(f"cannot read the operation `{raw}`")


_STEP_SEPARATORS = re.compile(r"(\+|→|->|;|,|&| then )")


def parse_operations(cell: str) -> list[Operation]:
    """The steps of an operation cell: `Conv 3x3 + BN + ReLU`, `Conv 3×3 → ReLU`, `Conv 3x3, ReLU` are three,
    two and two layers. A piece that is no operation by itself stays with the one before it
    (`Conv 3x3, padding 1`, `Copy & crop`)."""
    if len(cell) > MAX_CELL:
        raise OperationError(f"an operation cell of {len(cell):,} characters is not an operation")
    pieces = _STEP_SEPARATORS.split(cell)
    if len(pieces) == 1:
        return [parse_operation(cell)]
    steps: list[str] = [pieces[0]]
    for separator, piece in zip(pieces[1::2], pieces[2::2], strict=True):
        if _is_operation(piece) and _is_operation(steps[-1]):
            steps.append(piece)
        else:
            steps[-1] += separator + piece
    return [parse_operation(step) for step in steps]


def _is_operation(text: str) -> bool:
    try:
        return parse_operation(text).op is not None
    except OperationError:
        return False


@functools.cache
def _one_word_ops() -> dict[str, str]:
    """The ops a cell names by a word alone (`ReLU`, `BN`, `Leaky ReLU`): those that keep the shape and need
    no parameter, by their name, their PyTorch class and the words their definition lists."""
    words: dict[str, str] = {}
    for op in DEFINITIONS.values():
        if op.keeps_shape and not any(p.required for p in op.params.values()):
            for word in (op.name, *(c.lower() for c in op.torch_classes), *op.note_words):
                words.setdefault(word, op.name)
    return words


_PRINTOUT = re.compile(r"([A-Za-z]+?)([123]d)?\((.*)\)")
# PyTorch's module names (without 1d/2d/3d) whose printout is read with its arguments below.
_PRINTED_WINDOWS = {"conv": "conv", "convtranspose": "upconv", "maxpool": "maxpool", "avgpool": "avgpool"}
_PRINTED_OTHERS = {"dropout": "dropout", "upsample": "upsample"}


def _torch_printout(raw: str) -> Operation | None:
    """A module as PyTorch prints it: `Conv2d(64, 128, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))`,
    `MaxPool2d(kernel_size=2, stride=2)`, `ReLU(inplace=True)`, `Dropout(p=0.5)`; None for anything else."""
    found = _PRINTOUT.fullmatch(raw.strip())
    printed = {**_PRINTED_WINDOWS, **_PRINTED_OTHERS, **{w: op for w, op in _one_word_ops().items() if " " not in w}}
    if found is None or found.group(1).lower() not in printed:
        return None
    op = printed[found.group(1).lower()]
    axes = int(found.group(2)[0]) if found.group(2) else 0
    positional: list[str] = []
    named: dict[str, str] = {}
    for part in re.split(r",(?![^()]*\))", found.group(3)):  # commas outside the tuples `(3, 3)`
        key, sep, value = part.partition("=")
        if sep:
            named[key.strip()] = value.strip()
        elif part.strip():
            positional.append(part.strip())

    def sizes(value: str) -> int | list[int] | None:
        numbers = [int(v) for v in re.findall(r"\d+", value)[:3]]
        return _axes(numbers) if numbers else None

    params: dict[str, Any] = {}
    if op in ("conv", "upconv"):
        if len(positional) >= 2 and positional[1].isdigit():
            params["filters"] = int(positional[1])
        kernel = sizes(named.get("kernel_size", positional[2] if len(positional) > 2 else ""))
        if kernel is not None:
            params["kernel"] = kernel
        for key in ("stride", "padding", "dilation"):
            if (
                key in named
                and (value := sizes(named[key])) is not None
                and value not in (1 if key != "padding" else 0,)
            ):
                params[key] = value
        if op == "conv" and "padding" not in params:
            params["padding"] = 0
    elif op in ("maxpool", "avgpool"):
        kernel = sizes(named.get("kernel_size", positional[0] if positional else ""))
        params["kernel"] = kernel if kernel is not None else 2
        if "stride" in named and (stride := sizes(named["stride"])) is not None:
            params["stride"] = stride
    elif op == "dropout":
        p = named.get("p", positional[0] if positional else "")
        if re.fullmatch(r"\d*\.?\d+", p):
            params["p"] = float(p)
    elif op == "upsample":
        scale = named.get("scale_factor", "")
        if re.fullmatch(r"\d+(?:\.0)?", scale):
            params["scale"] = int(float(scale))
    return Operation(op, params, axes=axes if op in ("conv", "upconv", "maxpool", "avgpool") else 0)


def _written_axes(window: list[int]) -> int:
    return len(window) if len(window) > 1 else 0


def _axes(window: list[int]) -> int | list[int]:
    return window[0] if len(set(window)) == 1 else window


def _stride(rest: str) -> dict[str, Any]:
    match = re.search(r"(?:\b(?:s|stride)|/)\s*(\d+)", rest)  # `s2`, `stride 2`, `/2`
    return {"stride": int(match.group(1))} if match else {}


OPERATION_EXAMPLES = (
    "Conv 3x3",
    "conv3x3 s2",
    "Max Pooling 2x2",
    "Up-conv 2x2",
    "Upsample x2",
    "Relu",
    "Batch norm",
    "Dropout 0.5",
    "Copy and crop",
    "Concat with Conv3",
    "Softmax",
)


# What the reader understands, for did-you-mean on an unreadable cell.
OPERATION_WORDS = (
    "Conv", "Convolution", "Max Pooling", "MaxPool", "Avg Pooling", "Up-conv", "Up-convolution", "Upsample",
    "Relu", "Leaky ReLU", "PReLU", "Sigmoid", "Softmax", "Tanh", "Batch norm", "Instance norm", "Dropout",
    "Concat", "Copy and crop",
)  # fmt: skip
