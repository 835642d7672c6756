"""Every bundled spec checks as its header comment says."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from unetcalc import check_file

from conftest import SPECS, invoke_as_user

runner = CliRunner()


def codes(result) -> list[tuple[str, int]]:
    return [(d.code, d.line) for d in result.diagnostics]


def line_of(path, needle: str) -> int:
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        if needle in text:
            return number
    raise AssertionError(needle)


def test_unet_2015_checks_clean_with_figure_shapes():
    result = check_file(SPECS / "unet-2015.yaml")
    assert result.ok and result.diagnostics == []
    out = result.inference.output
    assert (out.channels, [s.value for s in out.size]) == (2, [388, 388])
    assert result.inference.params == 31_030_658
    for axis in result.validity.axes:
        assert (axis.modulus, axis.residue, axis.min) == (16, 12, 188)
        assert str(axis.output) == f"{axis.symbol} - 184"


def test_unet_2015_at_570_reports_the_odd_pool_once_with_nearest_sizes():
    path = SPECS / "unet-2015.yaml"
    result = check_file(path, (570, 570))
    assert [d.code for d in result.errors] == ["UC103"]
    finding = result.errors[0]
    assert finding.line == line_of(path, "name: pool2}")
    assert finding.layer == "pool2"
    assert "556" in finding.hint and "572" in finding.hint


def test_seed_encoder_reports_each_mistake_once_at_its_line():
    path = SPECS / "seed-encoder.yaml"
    result = check_file(path)
    expected = [
        ("UC107", line_of(path, "name: Conv4,")),
        ("UC107", line_of(path, "name: Conv7,")),
        ("UC006", line_of(path, "name: MaxPool2, in: 56")),
        ("UC107", line_of(path, "name: Conv8,")),
        ("UC108", line_of(path, "name: Rel8,")),
    ]
    assert codes(result) == expected
    # The computed shapes are the real network's, not the table's.
    assert [s.value for s in result.inference.output.size] == [20, 20]


def test_seed_encoder_fixed_is_clean():
    result = check_file(SPECS / "seed-encoder-fixed.yaml")
    assert result.diagnostics == []


@pytest.mark.parametrize(
    ("name", "channels", "size", "modulus"),
    [
        ("unet-same", 3, [256, 256], 16),
        ("unet-1d", 4, [1024], 8),
        ("unet3d", 3, [28, 44, 44], 8),
        ("seed-encoder-fixed", 1024, [20, 20], 8),
    ],
)
def test_other_bundled_specs(name, channels, size, modulus):
    result = check_file(SPECS / f"{name}.yaml")
    assert result.ok, result.diagnostics
    out = result.inference.output
    assert out.channels == channels and [s.value for s in out.size] == size
    assert {a.modulus for a in result.validity.axes} == {modulus}
    for axis, value in zip(result.validity.axes, result.input.size, strict=True):
        assert axis.contains(value)
        assert axis.output_at(value) == out.size[axis.axis].value


@pytest.mark.parametrize("spec", sorted(SPECS.glob("*.yaml")), ids=lambda p: p.name)
def test_json_v1_for_every_bundled_spec(spec):
    result = invoke_as_user("check", str(spec), "--format", "json")
    data = json.loads(result.stdout)
    assert data["version"] == 1 and len(data["files"]) == 1
    entry = data["files"][0]
    assert set(entry) >= {"path", "name", "ok", "input", "output", "valid_input", "params", "layers", "diagnostics"}
    assert entry["ok"] == (result.exit_code == 0)
    assert isinstance(entry["params"], int)
    assert entry["params"] == sum(layer["params"] for layer in entry["layers"])
    for axis in entry["valid_input"]:
        assert set(axis) >= {"axis", "modulus", "residue", "min"}
    for layer in entry["layers"]:
        assert set(layer) >= {"name", "op", "line", "from", "in", "out", "params"}
        assert isinstance(layer["line"], int) and layer["line"] > 0
        assert set(layer["out"]) == {"channels", "size"}
    for d in entry["diagnostics"]:
        assert set(d) >= {"code", "severity", "message", "hint", "line", "column", "layer"}
        assert d["severity"] in ("error", "warning", "info")


@pytest.mark.parametrize("path", sorted((SPECS / "gallery").glob("*.yaml")), ids=lambda p: p.name)
def test_every_gallery_spec_checks_clean_and_expands_to_a_spec_that_checks_the_same(path):
    from unetcalc import check_text
    from unetcalc.spec.emit import flat_yaml

    result = check_file(path)
    assert result.ok and not result.warnings, [d.message for d in result.diagnostics]
    flat = check_text(flat_yaml(result.spec), "flat.yaml")
    assert flat.ok
    assert [str(e.out) for e in flat.inference.layers] == [str(e.out) for e in result.inference.layers]
    assert flat.inference.params == result.inference.params


def test_expand_command_prints_the_flat_spec():
    out = invoke_as_user("expand", str(SPECS / "seed-unet-mirror.yaml"))
    assert out.exit_code == 0
    assert "decoder:" not in out.stdout and "- {op: upconv, filters: 512, kernel: 2}" in out.stdout
