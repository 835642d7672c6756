"""Normalisation: batch, instance, group and layer norm (over the channels at each position)."""

from __future__ import annotations

import math

from unetcalc.ops.base import Memory, ModuleCall, ModuleFunction, OpDef, Params, param, plain_label
from unetcalc.shapes.rules import CHANNEL_MISMATCH, NORM_NEEDS_MORE_VALUES
from unetcalc.shapes.shape import Shape
from unetcalc.shapes.solver import Outcome
from unetcalc.shapes.step import Step, same_shape
from unetcalc.spec.params import Param


def _check_norm_values(step: Step) -> None:
    """PyTorch's instance/group norm need more than one value per normalised group."""
    one_value_per_group = step.layer.op == "instancenorm" or step.x.channels // step.layer.params["groups"] == 1
    if not step.x.is_concrete:
        # PyTorch needs more than one position: a bound on a product of axes. The per-axis valid set asks
        # each symbolic axis for ≥ 2 unless a fixed axis already has them (exact for isotropic inputs,
        # conservative for a 1×2 map, which PyTorch would run).
        fixed = [n.value for n in step.x.size if n.is_number]
        if not one_value_per_group or any(v >= 2 for v in fixed):
            return
        if any(step.solver.at_least(n, 2) is Outcome.INFEASIBLE for n in step.x.size if not n.is_number):
            step.emit(
                NORM_NEEDS_MORE_VALUES,
                NORM_NEEDS_MORE_VALUES.says("every-size", layer=step.layer.name),
                hint="normalise before the last pool, or use fewer downsampling levels",
            )
        return
    positions = math.prod(s.value for s in step.x.size)
    if step.layer.op == "instancenorm" and positions == 1:
        step.emit(
            NORM_NEEDS_MORE_VALUES,
            NORM_NEEDS_MORE_VALUES.says("one-element", layer=step.layer.name),
            hint="use a larger input or normalise before the last pool",
        )
    if step.layer.op == "groupnorm" and step.x.channels // step.layer.params["groups"] * positions == 1:
        step.emit(
            NORM_NEEDS_MORE_VALUES,
            NORM_NEEDS_MORE_VALUES.says("one-per-group", layer=step.layer.name),
            hint="use fewer groups or a larger input",
            key="groups",
        )


def norm_shape(step: Step) -> Shape | None:
    if step.layer.op in ("instancenorm", "groupnorm"):
        _check_norm_values(step)
    if step.layer.op == "groupnorm" and step.x.channels % step.layer.params["groups"]:
        step.emit(
            CHANNEL_MISMATCH,
            CHANNEL_MISMATCH.says(
                "norm-groups", layer=step.layer.name, groups=step.layer.params["groups"], channels=step.x.channels
            ),
            hint="choose a number of groups that divides the channels",
            key="groups",
        )
    return same_shape(step)


def _affine_weights(p: Params, in_channels: int) -> int:
    return 2 * in_channels if p.get("affine") else 0


# Batch and instance norm keep their input (plus per-channel statistics).
KEEPS_INPUT = Memory(saves_input=True)
# Group and layer norm run in float32 under autocast and keep that input.
KEEPS_FLOAT32_INPUT = Memory(saves_input=True, autocast="float32")


def _norm(
    name: str,
    summary: str,
    params: dict[str, Param],
    memory: Memory,
    module: ModuleFunction,
    note_words: tuple[str, ...] = (),
    spatial_statistics: bool = False,
) -> OpDef:
    """A normalisation: the shape of its input, a weight and a bias per channel when affine."""
    return OpDef(
        name=name,
        family="norm",
        summary=summary,
        params=params,
        shape=norm_shape,
        param_count=_affine_weights,
        macs="none",
        memory=memory,
        module=module,
        label=plain_label,
        keeps_shape=True,
        taps="pointwise",
        note_words=note_words,
        spatial_statistics=spatial_statistics,
    )


BATCHNORM = _norm(
    "batchnorm",
    "Batch normalisation (nn.BatchNormNd), with running statistics.",
    {"eps": param("positive", 1e-5), "momentum": param("probability", 0.1), "affine": param("bool", True)},
    KEEPS_INPUT,
    lambda p, c, rank: ModuleCall(
        f"nn.BatchNorm{rank}d", (c,), (("eps", p["eps"]), ("momentum", p["momentum"]), ("affine", p["affine"]))
    ),
    ("batch norm", "batch normalization", "bn"),
)
INSTANCENORM = _norm(
    "instancenorm",
    "Instance normalisation (nn.InstanceNormNd); PyTorch's defaults: no affine, no running statistics.",
    {"eps": param("positive", 1e-5), "affine": param("bool", False), "track_running_stats": param("bool", False)},
    KEEPS_INPUT,
    lambda p, c, rank: ModuleCall(
        f"nn.InstanceNorm{rank}d",
        (c,),
        (("eps", p["eps"]), ("affine", p["affine"]), ("track_running_stats", p["track_running_stats"])),
    ),
    ("instance norm", "instance normalization"),
    spatial_statistics=True,
)
GROUPNORM = _norm(
    "groupnorm",
    "Group normalisation (nn.GroupNorm) over `groups` groups of channels.",
    {"groups": param("count", required=True), "eps": param("positive", 1e-5), "affine": param("bool", True)},
    KEEPS_FLOAT32_INPUT,
    lambda p, c, rank: ModuleCall("nn.GroupNorm", (p["groups"], c), (("eps", p["eps"]), ("affine", p["affine"]))),
    spatial_statistics=True,
)
LAYERNORM = _norm(
    "layernorm",
    "Layer normalisation over the channels at each position (ConvNeXt's channels-first LayerNorm).",
    {"eps": param("positive", 1e-5), "affine": param("bool", True)},
    KEEPS_FLOAT32_INPUT,
    lambda p, c, rank: ModuleCall("ChannelLayerNorm", (c,), (("eps", p["eps"]), ("affine", p["affine"]))),
    ("layer norm", "layer normalization"),
)

DEFINITIONS = (BATCHNORM, INSTANCENORM, GROUPNORM, LAYERNORM)
