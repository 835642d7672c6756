"""The rule catalogue: one entry per stable code, its docs are its manual.

Codes never change meaning. ``UC0xx`` concern the spec itself, ``UC1xx``
shapes, ``UC2xx`` design.
"""

from __future__ import annotations

from dataclasses import dataclass

from unetcalc.findings.diagnostic import Diagnostic, Severity


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    what: str
    why: str
    example: str
    fix: str


E, W = Severity.ERROR, Severity.WARNING

RULES: tuple[Rule, ...] = (
    Rule(
        "UC001",
        "yaml-syntax",
        E,
        "The file is not a readable YAML spec.",
        "Reports files that are not UTF-8 text, are not valid YAML, are empty, do not hold a "
        "mapping at the top level, nest too deeply, or expand YAML aliases into too many nodes.",
        "Nothing else can be checked until the file parses; an alias bomb could otherwise exhaust memory.",
        "layers: [{op: conv, filters: 64}   # unclosed bracket",
        "Fix the YAML at the line shown; the message quotes the parser.",
    ),
    Rule(
        "UC002",
        "unknown-op",
        E,
        "A layer names an operation unetcalc does not know.",
        "Checks every layer's `op` against spec v1's operations and suggests the closest one.",
        "An unknown op has no shape rule, so nothing after it can be inferred.",
        "- {op: convv, filters: 64}",
        "Use one of the ops listed by the message (did you mean `conv`?).",
    ),
    Rule(
        "UC003",
        "unknown-key",
        E,
        "A mapping has a key that spec v1 does not define.",
        "Checks the keys of the top level, `input`, `defaults` and every layer.",
        "A misspelt key is silently ignored by hand-written code: `filter: 64` would leave "
        "the layer without its filter count.",
        "- {op: conv, filter: 64}",
        "Rename the key as suggested (`filters`), or remove it.",
    ),
    Rule(
        "UC004",
        "missing-parameter",
        E,
        "A required parameter is missing.",
        "Checks that `conv` and `upconv` have `filters`, `concat`/`add` have `with`, and so on.",
        "The layer cannot be built or inferred without it.",
        "- {op: conv, kernel: 3}",
        "Add the parameter, e.g. `filters: 64`.",
    ),
    Rule(
        "UC005",
        "bad-parameter",
        E,
        "A parameter has the wrong type or an impossible value.",
        "Checks types and ranges: positive integer kernels, strides and filters, paddings "
        "PyTorch accepts, known modes, probabilities in [0, 1], finite numbers (no `.inf`/`.nan`), and "
        "numbers YAML 1.1 reads unexpectedly (`010` is octal 8, `1:20` is base-60 80).",
        "PyTorch would reject the layer at construction time, far from the spec.",
        "- {op: maxpool, stride: 0}",
        "Use a value in the range the message gives.",
    ),
    Rule(
        "UC006",
        "duplicate-name",
        E,
        "Two layers have the same name.",
        "Checks that layer names (given or defaulted) are unique and not `input`.",
        "`from`, `with` and `to` refer to layers by name; a duplicate makes them ambiguous.",
        "- {op: maxpool, name: MaxPool2}\n...\n- {op: maxpool, name: MaxPool2}",
        "Rename one of them (here the third pool: `MaxPool3`).",
    ),
    Rule(
        "UC007",
        "unknown-reference",
        E,
        "`from`, `with` or `to` names no earlier layer.",
        "Resolves every reference to a layer defined above it, or to `input`.",
        "Layers run in order; a reference to a missing or later layer cannot be computed.",
        "- {op: concat, with: enc5}   # there is no enc5",
        "Use the name of an earlier layer; the message suggests the closest.",
    ),
    Rule(
        "UC008",
        "bad-shape",
        E,
        "A declared shape cannot be read.",
        "Parses `in`/`out` shapes (`252x252x64`, `254 x 254`, `?`, mapping form) and the input size.",
        "A declared shape that cannot be read cannot be checked.",
        "- {op: relu, out: 252 by 252}",
        "Write spatial sizes then channels separated by `x`: `252x252x64`.",
    ),
    Rule(
        "UC009",
        "unused-suppression",
        W,
        "An inline `unetcalc: ignore` suppresses nothing.",
        "Reports `# unetcalc: ignore[...]` comments whose line has no finding they cover.",
        "Stale suppressions hide the next real finding on that line and mislead readers.",
        "- {op: conv, filters: 8}   # unetcalc: ignore[UC103]",
        "Remove the comment, or name the code that is reported on that line.",
    ),
    Rule(
        "UC101",
        "size-collapses",
        E,
        "A spatial size drops to zero or below.",
        "Follows every size through the network and reports the first layer whose output "
        "has a size ≤ 0; for a symbolic input this becomes the minimum input size.",
        "PyTorch raises `Output size is too small` at run time.",
        "input: {size: [16, 16]}\nlayers: [{op: conv, filters: 8, kernel: 17}]",
        "Use a larger input, smaller kernels, padding, or fewer pooling levels.",
    ),
    Rule(
        "UC102",
        "kernel-larger-than-input",
        E,
        "A kernel does not fit its (padded) input.",
        "Compares each conv/pool window (dilated) with the padded input size.",
        "PyTorch raises `Kernel size can't be greater than actual input size`.",
        "a 3×3 conv applied to a 2×2 feature map",
        "Use a larger input or pad the feature map.",
    ),
    Rule(
        "UC103",
        "odd-size-before-downsampling",
        E,
        "A pooling or strided layer receives a size its stride does not divide.",
        "Checks that the input size of every downsampling layer (and every fractional "
        "resampling) is a multiple of its stride, and reports the first such layer.",
        "PyTorch silently floors (drops the last row and column) or, with ceil_mode, invents "
        "one; the decoder then cannot restore the encoder's size and the skip concat fails "
        "with `Sizes of tensors must match` deep inside training.",
        "input: {size: [570, 570]}   # 2015 U-Net: pool2 receives 283×283",
        "Use one of the nearest valid input sizes named in the hint (556 or 572 here), or pad the input.",
    ),
    Rule(
        "UC104",
        "skip-size-mismatch",
        E,
        "A skip connection joins tensors of different sizes.",
        "Compares the spatial sizes of the tensors a `concat`/`add` joins (after the center "
        "crop, if `crop: center`); a `with` tensor smaller than the input cannot be cropped.",
        "torch.cat and + require equal spatial sizes.",
        "- {op: concat, with: enc1}   # 392×392 against 568×568",
        "Add `crop: center`, pad, or use `same` padding so both sides have one size.",
    ),
    Rule(
        "UC105",
        "asymmetric-crop",
        W,
        "A center crop removes an odd number of pixels.",
        "Reports center crops whose size difference is odd: one more pixel comes off the "
        "far side (offset floor(diff/2), as torch-style code does).",
        "The skip's features are shifted half a pixel against the decoder's.",
        "cropping 65×65 to 64×64",
        "Choose sizes whose difference is even, or accept the shift.",
    ),
    Rule(
        "UC106",
        "channel-mismatch",
        E,
        "Channel counts do not fit together.",
        "Checks `add` (equal channels), conv/upconv `groups` (dividing input and output "
        "channels) and `groupnorm` (groups dividing channels).",
        "PyTorch raises at construction or in the first forward pass.",
        "- {op: add, with: enc1}   # 64 channels + 128 channels",
        "Add a 1×1 conv to match channels, or change `filters`/`groups`.",
    ),
    Rule(
        "UC107",
        "declared-shape-mismatch",
        E,
        "A shape written in the spec is not the inferred one.",
        "Compares every `in`/`out` declaration with the inferred shape. Each wrong declaration "
        "is reported once; checking then continues from the declared shape, so one typo does "
        "not make every later row wrong.",
        "Design tables are copied into papers and code; a wrong row misleads everyone who reads it.",
        "- {op: conv, filters: 128, in: 124x124x128}   # the input has 64 channels",
        "Correct the declared shape to the inferred one given in the message.",
    ),
    Rule(
        "UC108",
        "declared-shapes-shifted",
        E,
        "From this row on the declared `in` shapes are the layers' outputs.",
        "Recognises a table whose rows switch from listing each layer's input to listing its "
        "output (each row's shape follows from the previous row's by applying its own "
        "layer) and reports the switch once instead of every row after it.",
        "A table whose column changes meaning half-way is wrong in every row after the switch.",
        "- {op: conv, in: 38x38x1024}\n- {op: relu, in: 38x38x1024}   # the conv's output",
        "Use `out:` for these rows, or shift the shapes one row down.",
    ),
    Rule(
        "UC109",
        "crop-larger-than-input",
        E,
        "A `crop` asks for a size larger than its input.",
        "Compares the crop's target size (`to` or `size`) with its input size.",
        "A crop can only remove pixels.",
        "- {op: crop, size: [600, 600]}   # input is 572×572",
        "Crop to a size no larger than the input, or `pad` instead.",
    ),
    Rule(
        "UC110",
        "no-valid-input",
        E,
        "No input size satisfies every layer.",
        "Solves the divisibility and size constraints of a symbolic input and reports when they contradict each other.",
        "The network cannot run on any input.",
        "a decoder that upsamples by 3 joined to an encoder that pools by 2",
        "Make the downsampling and upsampling factors agree.",
    ),
    Rule(
        "UC111",
        "norm-needs-more-values",
        E,
        "A normalisation layer has a single value to normalise.",
        "Reports instancenorm on a 1-element feature map, and groupnorm whose groups hold one value "
        "(one channel per group on a 1-element map) for a batch of one.",
        "PyTorch raises `Expected more than 1 spatial element` / `more than 1 value per channel`; the "
        "normalised value would be 0/0 anyway.",
        "- {op: instancenorm}   # after the last pool the map is 1×1",
        "Normalise before the last pool, use a larger input, or fewer groups.",
    ),
    Rule(
        "UC201",
        "fully-connected-layer",
        W,
        "The network has a fully connected layer.",
        "Reports `linear` layers.",
        "A fully convolutional network has none; a linear layer fixes the input size.",
        "- {op: linear, features: 10}",
        "Use a 1×1 conv (`{op: conv, kernel: 1, filters: 10}`).",
    ),
    Rule(
        "UC202",
        "unused-tensor",
        W,
        "A layer's output is never used.",
        "Reports layers (other than the last) that no later layer reads.",
        "A dead branch costs parameters and compute and usually means a wrong `from`/`with`.",
        "- {op: conv, filters: 21, name: score4}   # no `add` uses score4",
        "Use it (`with: score4`) or remove it.",
    ),
    Rule(
        "UC203",
        "depth-mismatch",
        W,
        "The decoder does not restore the encoder's resolution.",
        "Compares the total downsampling of the encoder with the total upsampling of the "
        "decoder (the output's scale against the input's) when the network upsamples at all.",
        "A segmentation output at a different scale than its input needs resizing and loses "
        "detail; usually a decoder level is missing.",
        "four pooling layers but three upconvs",
        "Add or remove a decoder level.",
    ),
)

RULES_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}


def rule(code: str) -> Rule:
    return RULES_BY_CODE[code]


def finding(
    code: str,
    message: str,
    *,
    hint: str = "",
    file: str = "",
    line: int = 0,
    column: int = 0,
    layer: str | None = None,
) -> Diagnostic:
    """A Diagnostic for ``code`` with the rule's default severity."""
    return Diagnostic(code, rule(code).severity, message, hint, file, line, column, layer)
