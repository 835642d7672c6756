"""The shape rules (UC1xx): each one's manual and message templates live here; the op shape functions raise them.

unetcalc/catalogue.py collects them with the other families' rules.
"""

from __future__ import annotations

from unetcalc.findings.diagnostic import Severity
from unetcalc.findings.rules import Rule

# One resampling finding under two rules: UC103 at a concrete size, UC110 when no symbolic size is exact.
INEXACT_SCALE = (
    "{layer} ({what} ×{scales}) on axis {axes}: PyTorch computes floor(n × scale) in binary floating point, which "
    "does not hold this scale exactly; the product is one short of n × scale at some sizes and not at others, so "
    "no input size is exact"
)

SIZE_COLLAPSES = Rule(
    code="UC101",
    name="size-collapses",
    severity=Severity.ERROR,
    summary="A spatial size drops to zero or below.",
    what=(
        "Follows every size through the network and reports the first layer whose output has a size ≤ 0; for "
        "a symbolic input this becomes the minimum input size."
    ),
    why="PyTorch raises `Output size is too small` at run time.",
    fix="Use a larger input, smaller kernels, padding, or fewer pooling levels.",
    messages={"collapses": "{layer} outputs {sizes}: the size collapses on axis {axes}"},
)


KERNEL_LARGER_THAN_INPUT = Rule(
    code="UC102",
    name="kernel-larger-than-input",
    severity=Severity.ERROR,
    summary="A kernel does not fit its (padded) input.",
    what="Compares each conv/pool window (dilated) with the padded input size.",
    why="PyTorch raises `Kernel size can't be greater than actual input size`.",
    fix="Use a larger input or pad the feature map.",
    messages={"window": "the {window} window of {layer} does not fit its {padded}input {sizes}{note}"},
)


ODD_SIZE_BEFORE_DOWNSAMPLING = Rule(
    code="UC103",
    name="odd-size-before-downsampling",
    severity=Severity.ERROR,
    summary="A pooling or strided layer floors a size its stride does not divide, dropping pixels.",
    what=(
        "Checks that every downsampling layer's windows read every row its stride pattern reads (a pool or an "
        "unpadded strided conv whose last window would leave rows out floors them away), and every fractional "
        "resampling is exact; reports the first such layer once per tensor. Layers that round up instead "
        "(ceil_mode pools, strided convs padded to cover every pixel) are not reported here: a later layer that "
        "cannot match their size is (UC104), naming them."
    ),
    why=(
        "PyTorch silently floors (drops the last row and column); the decoder then cannot restore the encoder's"
        " size and the skip concat fails with `Sizes of tensors must match` deep inside training, or a crop"
        " hides the shift."
    ),
    fix="Use one of the nearest valid input sizes named in the hint (568 or 572 here), or pad the input.",
    messages={
        "floors": (
            "{layer} ({what}) receives {sizes}, not divisible by {factors} on axis {axes}: PyTorch floors it and "
            "the decoder cannot restore the size"
        ),
        "floors-restored": (
            "{layer} ({what}) receives {sizes}, not divisible by {factors} on axis {axes}: PyTorch floors it, "
            "dropping the last row; `{restorer}` brings the decoder back to the skip's size, so the network runs "
            "without that row"
        ),
        "inexact-scale": INEXACT_SCALE,
    },
)


SKIP_SIZE_MISMATCH = Rule(
    code="UC104",
    name="skip-size-mismatch",
    severity=Severity.ERROR,
    summary="A skip connection joins tensors of different sizes.",
    what=(
        "Compares the spatial sizes of the tensors a `concat`/`add` joins (after the center crop, if `crop: "
        "center`); a `with` tensor smaller than the input cannot be cropped. The outputs `outputs: {stack: …}` "
        "stacks must have one shape, channels too."
    ),
    why="torch.cat and + require equal spatial sizes.",
    fix="Add `crop: center`, pad, or use `same` padding so both sides have one size.",
    messages={
        # One family: what the layer does to which tensors, then on which axis and why it cannot.
        "sizes-differ": (
            "{layer} joins {sizes} with `{other}` {other_sizes}: sizes differ on axis "
            "{axes}{broadcast}{channels}{rounding}"
        ),
        "skip-smaller": (
            "{layer} joins {sizes} with `{other}` {other_sizes}: `{other}` is smaller on axis {axes}, and a center "
            "crop can only remove pixels{rounding}"
        ),
        "stack": (
            "`outputs: {{stack}}` stacks `{first}` {first_shape} with `{other}` {shape}: torch.stack needs one shape"
        ),
        "pad-to-smaller": (
            "{layer} pads {sizes} to `{other}` {other_sizes}: `{other}` is smaller on axis {axes}, and `F.pad` "
            "with a negative amount crops instead"
        ),
    },
)


ASYMMETRIC_CROP = Rule(
    code="UC105",
    name="asymmetric-crop",
    severity=Severity.WARNING,
    summary="A center crop removes an odd number of pixels.",
    what=(
        "Reports center crops whose size difference is odd: one more pixel comes off the far side (offset "
        "floor(diff/2), as torch-style code does)."
    ),
    why="The skip's features are shifted half a pixel against the decoder's.",
    fix="Choose sizes whose difference is even, or accept the shift.",
    messages={
        "crop": "{layer} crops {sizes} to {target}: it removes an odd number of pixels on axis {axes}",
        "center-crop": (
            "{layer} center-crops `{other}` {other_sizes} to {sizes}: it removes an odd number of pixels on axis {axes}"
        ),
    },
)


CHANNEL_MISMATCH = Rule(
    code="UC106",
    name="channel-mismatch",
    severity=Severity.ERROR,
    summary="Channel counts do not fit together.",
    what=(
        "Checks `add` (equal channels), conv/upconv `groups` (dividing input and output channels) and "
        "`groupnorm` (groups dividing channels)."
    ),
    why="PyTorch raises at construction or in the first forward pass.",
    fix="Add a 1×1 conv to match channels, or change `filters`/`groups`.",
    messages={
        "conv-groups": (
            "{layer} has {groups} groups, which must divide both its {cin} input channels and its {filters} filters"
        ),
        "norm-groups": "{layer} has {groups} groups, which must divide its {channels} channels",
        "add": "{layer} adds {channels} channels to `{other}`'s {other_channels}",
        "multiply": "{layer} multiplies {channels} channels by `{other}`'s {other_channels}",
    },
)


CROP_LARGER_THAN_INPUT = Rule(
    code="UC109",
    name="crop-larger-than-input",
    severity=Severity.ERROR,
    summary="A `crop` asks for a size larger than its input.",
    what="Compares the crop's target size (`to` or `size`) with its input size.",
    why="A crop can only remove pixels.",
    fix="Crop to a size no larger than the input, or `pad` instead.",
    messages={
        "window": "{layer} crops {sizes} to {target}{at}: the window ends outside the input on axis {axes}{rounding}"
    },
)


NO_VALID_INPUT = Rule(
    code="UC110",
    name="no-valid-input",
    severity=Severity.ERROR,
    summary="No input size satisfies every layer.",
    what=(
        "Solves the divisibility and size constraints of a symbolic input and reports when they contradict each other."
    ),
    why="The network cannot run on any input.",
    fix="Make the downsampling and upsampling factors agree.",
    messages={
        "stride": (
            "no input size makes {sizes} divisible by the stride of {layer} on axis {axes} while meeting the "
            "constraints of the layers above"
        ),
        "inexact-scale": INEXACT_SCALE,
    },
)


PADDING_LARGER_THAN_INPUT = Rule(
    code="UC112",
    name="padding-larger-than-input",
    severity=Severity.ERROR,
    summary="A reflect or circular `pad` is wider than the tensor it pads.",
    what=(
        "Checks `pad` layers with `mode: reflect` (padding must be smaller than the size) and "
        "`mode: circular` (at most the size); for a symbolic input this becomes a minimum input size."
    ),
    why="PyTorch raises `Padding size should be less than the corresponding input dimension` at run time.",
    fix="Pad less, pad before the tensor gets that small, or use `mode: replicate` or `constant`.",
    messages={
        "too-wide": (
            "{layer} pads {sizes} by {padding} in `{mode}` mode on axis {axes}: PyTorch needs the padding {limit} "
            "the size"
        ),
    },
)


INPUT_NOT_MULTIPLE = Rule(
    code="UC113",
    name="input-not-multiple",
    severity=Severity.ERROR,
    summary="The input size is not a multiple the spec's `input.multiple_of` requires.",
    what=(
        "Checks a concrete input size against `input.multiple_of` (per axis, or one for all), the requirement a "
        "model enforces itself before running (smp's encoders check `H % 32`); `sizes`, `fit` and the valid line "
        "keep to it too."
    ),
    why="The model raises before it computes anything, although every layer would cope with the size.",
    fix="Use the nearest multiple the hint names, or pad the image to it.",
    messages={"input": "the input {wrong}: the model refuses it before running"},
)


NORM_NEEDS_MORE_VALUES = Rule(
    code="UC111",
    name="norm-needs-more-values",
    severity=Severity.ERROR,
    summary="A normalisation layer has a single value to normalise.",
    what=(
        "Reports instancenorm on a 1-element feature map, and groupnorm whose groups hold one value (one "
        "channel per group on a 1-element map) for a batch of one."
    ),
    why=(
        "PyTorch raises `Expected more than 1 spatial element` / `more than 1 value per channel`; the "
        "normalised value would be 0/0 anyway."
    ),
    fix="Normalise before the last pool, use a larger input, or fewer groups.",
    messages={
        "every-size": "{layer} normalises a 1-element feature map at every input size the layers above allow",
        "one-element": (
            "{layer} normalises a 1-element feature map: PyTorch raises `Expected more than 1 spatial element`"
        ),
        "one-per-group": (
            "{layer} has one value per group (1 channel per group on a 1-element map): PyTorch raises `Expected "
            "more than 1 value per channel` for a batch of one"
        ),
    },
)
