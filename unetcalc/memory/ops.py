"""What each op keeps for backward, what it allocates, and in which dtype, in one precision and mode.

The facts per op are in each op's definition (unetcalc/ops, ``Memory``); they follow ATen's autograd
formulas (derivatives.yaml) and CUDA autocast's op lists:
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

from unetcalc.ops.registry import definition

HALF = 2
FLOAT = 4


@dataclass(frozen=True, slots=True)
class OpMemory:
    """One op's memory behaviour in PyTorch, for a given compute precision and mode."""

    op: str
    saves_input: bool  # the (possibly cast) input tensor is kept for backward
    saves_output: bool
    extra_saved_bytes: int  # bytes per output element kept besides input/output (indices, masks)
    casts_to: int | None  # element size autocast casts the input to (None: no cast)
    alias: bool  # the output is a view of (or is) the input
    shares_grad: bool  # backward hands the output's gradient to the inputs without a new tensor
    computes_in_autocast: bool  # a conv: its output (and its weight's gradient copy) is in the compute dtype
    joins: bool  # reads several tensors: type promotion casts the narrower ones


@functools.lru_cache(maxsize=512)
def op_memory(op: str, mode: str, compute: int, training: bool) -> OpMemory:
    """How ``op`` behaves (``mode``: a pad's mode, "inplace", or "p0" for dropout with p = 0);
    ``compute``: autocast's element size (4: no autocast). The facts are the op's definition's."""
    facts = definition(op).memory
    casts_to: int | None = None
    if facts.autocast == "compute" and compute != FLOAT:
        casts_to = compute
    elif facts.autocast == "float32" and compute != FLOAT:
        casts_to = FLOAT
    # Dropout with p = 0 returns its input itself (ATen's dropout: `if (p == 0 || !train) return input`): no
    # mask, no copy. An in-place activation writes into its input and keeps that storage for backward.
    idle = facts.identity_when_idle and (not training or mode == "p0")
    in_place = mode == "inplace" and facts.inplace_keeps_output
    saves_input = (facts.saves_input or mode in facts.saves_input_in_modes) and not in_place
    return OpMemory(
        op=op,
        saves_input=saves_input,
        saves_output=facts.saves_output or in_place,
        extra_saved_bytes=0 if idle else facts.extra_saved_bytes,
        casts_to=casts_to,
        alias=facts.alias or idle or in_place,
        shares_grad=facts.shares_grad,
        computes_in_autocast=facts.autocast == "compute",
        joins=definition(op).joins,
    )
