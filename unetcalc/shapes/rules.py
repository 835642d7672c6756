"""The shape rules (UC1xx): each one's manual and message live here; the op shape functions raise them.

findings/catalogue.py collects them with the other families' rules.
"""

from __future__ import annotations

from unetcalc.findings.diagnostic import Severity
from unetcalc.findings.rules import Rule

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
)


KERNEL_LARGER_THAN_INPUT = Rule(
    code="UC102",
    name="kernel-larger-than-input",
    severity=Severity.ERROR,
    summary="A kernel does not fit its (padded) input.",
    what="Compares each conv/pool window (dilated) with the padded input size.",
    why="PyTorch raises `Kernel size can't be greater than actual input size`.",
    fix="Use a larger input or pad the feature map.",
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
)


SKIP_SIZE_MISMATCH = Rule(
    code="UC104",
    name="skip-size-mismatch",
    severity=Severity.ERROR,
    summary="A skip connection joins tensors of different sizes.",
    what=(
        "Compares the spatial sizes of the tensors a `concat`/`add` joins (after the center crop, if `crop: "
        "center`); a `with` tensor smaller than the input cannot be cropped."
    ),
    why="torch.cat and + require equal spatial sizes.",
    fix="Add `crop: center`, pad, or use `same` padding so both sides have one size.",
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
)


CROP_LARGER_THAN_INPUT = Rule(
    code="UC109",
    name="crop-larger-than-input",
    severity=Severity.ERROR,
    summary="A `crop` asks for a size larger than its input.",
    what="Compares the crop's target size (`to` or `size`) with its input size.",
    why="A crop can only remove pixels.",
    fix="Crop to a size no larger than the input, or `pad` instead.",
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
)
