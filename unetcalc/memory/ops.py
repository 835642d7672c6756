"""What each op keeps for backward, what it allocates, and in which dtype: PyTorch's rules, per op.

The rules follow ATen's autograd formulas (derivatives.yaml) and CUDA autocast's op lists:
- a conv (and its transposed form) keeps its input and its weight; under autocast both are
  half-precision copies when they were float32 (the weight copy lives in autocast's cache);
- ReLU, sigmoid, tanh and softmax keep their output; leaky ReLU, ELU, GELU, SiLU and PReLU their input;
- max pooling keeps its input and int64 indices of the output's size (CUDA computes the indices
  even without grad, so inference allocates them for a moment too); average pooling keeps its input;
- batch and instance norm keep their input (plus per-channel statistics); group and layer norm run in
  float32 under autocast and keep that input;
- dropout keeps a one-byte mask; multiply keeps both factors; reflect/replicate padding its input;
- concat, add, upsample, resize, constant padding keep nothing; a crop is a view of its input.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

HALF = 2
FLOAT = 4
INDEX = 8  # int64 pooling indices
MASK = 1  # bool dropout mask

CONV_OPS = frozenset({"conv", "upconv", "linear"})
FLOAT32_OPS = frozenset({"groupnorm", "layernorm", "softmax"})  # autocast runs them in float32
SAVES_OUTPUT = frozenset({"relu", "sigmoid", "tanh", "softmax"})
SAVES_INPUT = frozenset(
    {
        "leakyrelu",
        "elu",
        "gelu",
        "silu",
        "prelu",
        "maxpool",
        "avgpool",
        "batchnorm",
        "instancenorm",
        "groupnorm",
        "layernorm",
    }
)
ALIAS_OPS = frozenset({"crop", "identity"})  # a view or the same tensor: no memory of their own
JOIN_OPS = frozenset({"concat", "add", "multiply"})
# Activations whose in-place form keeps its result for backward (relu_, leaky_relu_, elu_): the output is
# the input's storage. silu_ and the rest keep a copy, as the out-of-place form does.
INPLACE_OPS = frozenset({"relu", "leakyrelu", "elu"})
NO_GRAD_INPUT = frozenset({"identity"})  # backward passes the gradient on as it is


@dataclass(frozen=True, slots=True)
class OpMemory:
    """One op's memory behaviour in PyTorch, for a given compute precision."""

    op: str
    saves_input: bool  # the (possibly cast) input tensor is kept for backward
    saves_output: bool
    extra_saved_bytes: int  # bytes per output element kept besides input/output (indices, masks)
    casts_to: int | None  # element size autocast casts the input to (None: no cast)
    alias: bool  # the output is a view of (or is) the input
    shares_grad: bool  # backward hands the output's gradient to the inputs without a new tensor


@functools.lru_cache(maxsize=512)
def op_memory(op: str, mode: str, compute: int, training: bool) -> OpMemory:
    """How ``op`` behaves (``mode``: a pad's mode); ``compute``: autocast's element size (4: no autocast)."""
    casts_to: int | None = None
    if op in CONV_OPS and compute != FLOAT:
        casts_to = compute
    elif op in FLOAT32_OPS and compute != FLOAT:
        casts_to = FLOAT
    extra = 0
    # Dropout with p = 0 returns its input itself (ATen's dropout: `if (p == 0 || !train) return input`): no
    # mask, no copy. An in-place activation writes into its input and keeps that storage for backward.
    identity_dropout = op == "dropout" and (not training or mode == "p0")
    in_place = mode == "inplace" and op in INPLACE_OPS
    if op == "maxpool":
        extra = INDEX
    elif op == "dropout" and not identity_dropout:
        extra = MASK
    saves_input = (op in SAVES_INPUT or op in CONV_OPS or op == "multiply") and not in_place
    if op == "pad" and mode not in ("None", "constant", "zeros"):
        saves_input = True
    alias = op in ALIAS_OPS or identity_dropout or in_place
    return OpMemory(
        op=op,
        saves_input=saves_input,
        saves_output=op in SAVES_OUTPUT or in_place,
        extra_saved_bytes=extra,
        casts_to=casts_to,
        alias=alias,
        shares_grad=op in NO_GRAD_INPUT or op in ("concat", "add"),
    )
