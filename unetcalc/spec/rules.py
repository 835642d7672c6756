"""The spec's own rules (UC001–UC006, UC008): what the reader — YAML, the v1 keys, v2's blocks and
templates, design notes — cannot read. Each one's manual and message templates live here; the parts of
the reader raise them, and unetcalc/catalogue.py collects them with the other families' rules.
"""

from __future__ import annotations

from unetcalc.findings.diagnostic import Severity
from unetcalc.findings.rules import Rule

YAML_SYNTAX = Rule(
    code="UC001",
    name="yaml-syntax",
    severity=Severity.ERROR,
    summary="The file is not a readable YAML spec.",
    what=(
        "Reports files that are not UTF-8 text, are not valid YAML, are empty, do not hold a mapping at the "
        "top level, nest too deeply, or expand YAML aliases into too many nodes."
    ),
    why="Nothing else can be checked until the file parses; an alias bomb could otherwise exhaust memory.",
    fix="Fix the YAML at the line shown; the message quotes the parser.",
    messages={
        # ``problem``: what the YAML reader (spec/yamlload.py) could not read, in its words.
        "syntax": "{problem}",
        "top-level": "the top level of a spec must be a mapping, not {kind}",
        "too-large": "the file is larger than {most:,} bytes, the most a spec may be",
        "not-utf8": "the file is not UTF-8 text (bad byte at offset {offset})",
    },
)

UNKNOWN_OP = Rule(
    code="UC002",
    name="unknown-op",
    severity=Severity.ERROR,
    summary="A layer names an operation unetcalc does not know.",
    what="Checks every layer's `op` against spec v1's operations and suggests the closest one.",
    why="An unknown op has no shape rule, so nothing after it can be inferred.",
    fix="Use one of the ops listed by the message (did you mean `conv`?).",
    messages={
        "unknown": "unknown op `{op}`",
        "defaults-op": "unknown op `{op}` in `defaults`",
        "block": "unknown block `{block}`",
        # Design notes (spec/markdown.py): rows whose operation cannot be read.
        "note-no-operation": (
            "this looks like a layer table, but it has no Operation column and its layer names imply no operation "
            "(`conv3_1`, `pool3`, `up2` would)"
        ),
        "note-name": (
            "the layer name `{name}` names no operation this table could imply, and it has no Operation column"
        ),
        # ``problem``: why the Operation cell could not be read (spec/note_ops.py says which words it knows).
        "note-operation": "{problem}",
        "note-rank": "`{cell}` is a {axes}D operation, but the table's input is {rank}D",
        "note-folded": "`{cell}`: an input or a concat must be the last step of a folded cell",
        "note-join": "`{cell}` does not say which tensor it joins",
    },
)

UNKNOWN_KEY = Rule(
    code="UC003",
    name="unknown-key",
    severity=Severity.ERROR,
    summary="A mapping has a key that spec v1 does not define.",
    what="Checks the keys of the top level, `input`, `defaults` and every layer.",
    why=(
        "A misspelt key is silently ignored by hand-written code: `filter: 64` would leave the layer without "
        "its filter count."
    ),
    fix="Rename the key as suggested (`filters`), or remove it.",
    messages={
        "top-level": "unknown top-level key `{key}`",
        "input-key": "unknown key `{key}` in `input`",
        "parameter": "`{key}` is not a parameter of `{op}`",
        "duplicate-key": "the key `{key}` appears twice in one mapping; the last one wins",
        "block-key": "`{key}` is not a key of a block definition",
        "block-parameter": "`{key}` is not a parameter of block `{block}`",
        "block-placeholder": "`${{{name}}}` is not a parameter of this block",
        "unet-key": "`{key}` is not a key of the `unet` template",
        "decoder-key": "`{key}` is not a key of `decoder`",
    },
)

MISSING_PARAMETER = Rule(
    code="UC004",
    name="missing-parameter",
    severity=Severity.ERROR,
    summary="A required parameter is missing.",
    what="Checks that `conv` and `upconv` have `filters`, `concat`/`add` have `with`, and so on.",
    why="The layer cannot be built or inferred without it.",
    fix="Add the parameter, e.g. `filters: 64`.",
    messages={
        "no-input": "the spec has no `input`",
        "no-size": "`input` has no `size`",
        "no-layers": "the spec has no `layers`",
        "no-op": "the layer has no `op`",
        "needs": "`{op}` needs `{key}`",
        "one-of-none": "`{op}` needs exactly one of {keys}",
        "one-of": "`{op}` needs exactly one of {keys} (it has {given})",
        "block-needs": "block `{block}` needs {names}",
    },
)

BAD_PARAMETER = Rule(
    code="UC005",
    name="bad-parameter",
    severity=Severity.ERROR,
    summary="A parameter has the wrong type or an impossible value.",
    what=(
        "Checks types and ranges: positive integer kernels, strides and filters, paddings PyTorch accepts, "
        "known modes, probabilities in [0, 1], finite numbers (no `.inf`/`.nan`), and numbers YAML 1.1 reads "
        "unexpectedly (`010` is octal 8, `1:20` is base-60 80)."
    ),
    why="PyTorch would reject the layer at construction time, far from the spec.",
    fix="Use a value in the range the message gives.",
    messages={
        # ``problem``: what a parameter's own check says (spec/params.py phrases each kind of value once).
        "value": "{problem}",
        # ``problem``: a check between one op's parameters (its definition in unetcalc/ops/ phrases it).
        "between": "{problem}",
        "yaml11-number": "`{written}` is read by YAML 1.1 as {kind} number: {value}",
        "version": "unsupported spec version {version!r}; this unetcalc reads versions 1 and 2",
        "name": "the spec's `name` must be a non-empty string, got {name!r}",
        "outputs": "`outputs` must be a layer name or a list of layer names",
        "outputs-stack": "`outputs` as a mapping is `{{stack: [...]}}` with two or more layer names",
        "input": "`input` must be a mapping with `channels` and `size`",
        "scalar-size": "`input.size` is one number ({size}): a list says how many axes the network has",
        "rank": "`input.size` must list 1 to 3 spatial sizes",
        "size-too-large": "input size {size} is larger than 10,000,000, the largest size unetcalc reads",
        "size-entry": "input size entry {entry!r} is neither a positive size nor a symbol",
        "defaults": "`defaults` must map op names to parameters",
        "defaults-entry": "`defaults.{op}` must be a mapping of parameters",
        "layers": "`layers` must be a non-empty list",
        "too-many-layers": "the spec has {count:,} layers, more than the {most:,} a spec may have",
        "too-many-rows": "the table has {count:,} rows, more than the {most:,} layers a spec may have",
        "layer": "a layer must be a mapping with `op`, or a bare op name",
        "layer-name": "a layer name must be a non-empty string, got {name!r}",
        "run": "`run` is true or false, got {value!r}",
        "from": "`from` must be a layer name, got {source!r}",
        # v2: blocks, the `unet:` template and `decoder: mirror` (spec/desugar.py, expand.py, templates.py).
        "blocks": "`blocks` must be a mapping of block names to definitions",
        "block": "block `{block}` must be a mapping with `layers`",
        "block-params": "a block's `params` must be a mapping (name: default)",
        "block-layers": "block `{block}` needs a non-empty `layers` list",
        "block-all-left-out": "every layer of block `{block}` is left out by `if`",
        "block-output": "block `{block}`'s `output` must name one of its layers, got {output!r}",
        "blocks-too-many": "the blocks expand to more than {most:,} layers",
        "blocks-too-deep": "blocks nest deeper than {most} levels",
        "use-name": "a block use's `name` must be a non-empty string, got {name!r}",
        "repeat": "`repeat` must be a whole number ≥ 1, got {repeat!r}",
        "repeat-too-many": (
            "{repeat:,} × block `{block}` would expand to {count} layers, more than the {most:,} a spec may have"
        ),
        "first": "`first` must be a mapping of parameters",
        "substitution-too-long": "`${{…}}` substitution makes more than {most:,} characters of text",
        "arithmetic": "`{text}` computes on whole numbers only, got {left!r} and {right!r}",
        "divides-by-zero": "`{text}` divides by zero",
        "unet-and-layers": "a spec has either `unet:` (the template) or `layers:`, not both",
        "unet": "`unet` must be a mapping, e.g. `{{levels: 4, filters: 64}}`",
        "unet-input": "`unet.{key}: {value}` disagrees with `input` ({have})",
        "unet-choice": "`unet.{key}` must be one of {choices}; got {value!r}",
        "unet-entry": "`unet.{key}` holds {entry!r}: write whole numbers of at least 1",
        "unet-entry-per-axis": "`unet.{key}` holds {entry!r}: write whole numbers of at least 1 (one, or one per axis)",
        "unet-number": "`unet.{key}` must be a whole number, got {value!r}",
        "unet-least": "`unet.{key}` must be at least {least}, got {value}",
        "unet-entries": "`unet.{key}` has {count} entries for {levels} levels: write {wanted}",
        "unet-levels": (
            "`unet.levels` is {levels:,}: a U-Net of more than {most} levels needs an input larger than 2^{most}"
        ),
        "unet-rows": (
            "`unet` with {levels} levels of {convs:,} convs makes about {rows:,} layers, more than the {most:,} a "
            "spec may have"
        ),
        "mirror-nothing": "`decoder: mirror` found no pooling or strided layer to mirror",
        "classes": "`decoder.classes` must be a whole number ≥ 1, got {classes!r}",
        "decoder": "`decoder` must be `mirror` or `{{mirror: true, classes: N}}`, got {value!r}",
    },
)

DUPLICATE_NAME = Rule(
    code="UC006",
    name="duplicate-name",
    severity=Severity.ERROR,
    summary="Two layers have the same name.",
    what="Checks that layer names (given or defaulted) are unique and not `input`.",
    why="`from`, `with` and `to` refer to layers by name; a duplicate makes them ambiguous.",
    fix="Rename one of them (here the third pool: `MaxPool3`).",
    messages={
        "reserved": "`input` is reserved for the network input",
        "twice": "the name `{name}` is already used by the layer at line {line}",
    },
)

BAD_SHAPE = Rule(
    code="UC008",
    name="bad-shape",
    severity=Severity.ERROR,
    summary="A declared shape cannot be read.",
    what="Parses `in`/`out` shapes (`252x252x64`, `254 x 254`, `?`, mapping form) and the input size.",
    why="A declared shape that cannot be read cannot be checked.",
    fix="Write spatial sizes then channels separated by `x`: `252x252x64`.",
    messages={"unreadable": "cannot read `{key}: {value}`: {problem}"},
)
