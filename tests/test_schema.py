"""The JSON Schema of spec v1: shipped equals generated, bundled specs validate, typos are rejected."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from unetcalc.cli.app import app
from unetcalc.spec.schema import schema_text, shipped_schema_text

from conftest import SPECS

jsonschema = pytest.importorskip("jsonschema")
SCHEMA = json.loads(shipped_schema_text())


def test_shipped_schema_is_the_generated_one():
    assert shipped_schema_text() == schema_text(), (
        "run: python -m unetcalc.spec.schema > unetcalc/data/spec-v1.schema.json"
    )


def test_schema_command_prints_it():
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0 and json.loads(result.stdout) == SCHEMA
    jsonschema.Draft7Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("spec", sorted(SPECS.glob("*.yaml")), ids=lambda p: p.name)
def test_bundled_specs_validate_and_point_editors_at_the_schema(spec):
    text = spec.read_text()
    assert text.startswith("# yaml-language-server: $schema=../unetcalc/data/spec-v1.schema.json\n")
    jsonschema.validate(yaml.safe_load(text), SCHEMA)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("layers", 0, "filter"), 64),  # typo'd key
        (("layers", 0, "op"), "convv"),
        (("layers", 0, "kernel"), 0),
        (("input", "chanels"), 1),
        (("layer",), []),
        (("layers", 4, "ceil_mode"), "yes"),
    ],
)
def test_schema_rejects_mistakes(path, value):
    data = yaml.safe_load((SPECS / "unet-2015.yaml").read_text())
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, SCHEMA)
