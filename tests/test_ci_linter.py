"""unetcalc as a CI linter: output formats, configuration, suppressions, many files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from unetcalc.cli.app import app
from unetcalc.report.github import escape_data, escape_property

from conftest import ROOT, SPECS, UserRun, invoke_as_user, run_in_fresh_interpreter

runner = CliRunner()
SARIF_SCHEMA = ROOT / "tests" / "fixtures" / "sarif-schema-2.1.0.json"  # vendored: see tests/fixtures/README.md


def run(*args: str, env: dict[str, str] | None = None) -> UserRun:
    """`unetcalc ARGS` through the program's entry point, as CI runs it."""
    return invoke_as_user(*args, env=env)


# -- GitHub annotations ---------------------------------------------------------------


def test_github_escaping_follows_the_toolkit():
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"


def test_github_format_for_seed_encoder(golden):
    result = run("check", "specs/seed-encoder.yaml", "--format", "github")
    assert result.exit_code == 1
    golden("check-seed-encoder.github", result.stdout)
    lines = result.stdout.splitlines()
    assert len(lines) == 5 and all(line.startswith("::error file=specs/seed-encoder.yaml,line=") for line in lines)
    assert "title=UC108 (Rel8)::" in lines[-1] and "%0Ahint: " in lines[-1]


def test_github_format_is_chosen_on_github_actions():
    result = run("check", "specs/seed-encoder.yaml", env={"GITHUB_ACTIONS": "true"})
    assert result.stdout.startswith("::error ")
    assert run("check", "specs/seed-encoder.yaml", "-f", "text", env={"GITHUB_ACTIONS": "true"}).stdout.startswith(
        "✗ FAIL"
    )


# -- SARIF -------------------------------------------------------------------------------


def test_sarif_validates_against_the_official_schema():
    jsonschema = pytest.importorskip("jsonschema")
    result = run("check", "specs/seed-encoder.yaml", "specs/unet-2015.yaml", "--format", "sarif")
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text()))
    run_ = log["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} >= {"UC103", "UC107", "UC108"}
    assert all(r["help"]["markdown"] and r["fullDescription"]["text"] for r in rules)
    results = run_["results"]
    assert [r["ruleId"] for r in results] == ["UC107", "UC107", "UC006", "UC107", "UC108"]
    first = results[0]
    assert rules[first["ruleIndex"]]["id"] == "UC107"
    line = next(n for n, t in enumerate((SPECS / "seed-encoder.yaml").read_text().splitlines(), 1) if "Conv4," in t)
    assert first["locations"][0]["physicalLocation"]["region"] == {"startLine": line, "startColumn": 47}
    assert first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "specs/seed-encoder.yaml"


def test_sarif_schema_validation_can_fail():
    jsonschema = pytest.importorskip("jsonschema")
    log = json.loads(run("check", "specs/seed-encoder.yaml", "-f", "sarif").stdout)
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text()))


# -- configuration -------------------------------------------------------------------------


def _copy_spec(tmp_path: Path, name: str = "seed-encoder") -> Path:
    target = tmp_path / "specs" / f"{name}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text((SPECS / f"{name}.yaml").read_text())
    return target


def test_config_ignore_turns_failure_into_success(tmp_path):
    spec = _copy_spec(tmp_path, "unet-2015")
    assert run("check", str(spec), "--input", "570x570").exit_code == 1
    (tmp_path / "pyproject.toml").write_text('[tool.unetcalc]\nignore = ["UC103"]\n')
    result = run("check", str(spec), "--input", "570x570")
    assert result.exit_code == 0 and "UC103" not in result.stdout


def test_yaml_config_select_prefix_and_severity(tmp_path):
    spec = _copy_spec(tmp_path)
    (tmp_path / ".unetcalc.yaml").write_text("select: [UC0]\nseverity: {UC006: warning}\n")
    result = run("check", str(spec))
    assert result.exit_code == 0, result.stdout  # only UC006 is selected, and it is a warning now
    assert "UC006" in result.stdout and "UC107" not in result.stdout
    (tmp_path / ".unetcalc.yaml").write_text("select: [UC0]\nseverity: {UC006: warning}\nstrict: true\n")
    assert run("check", str(spec)).exit_code == 1


def test_unknown_config_key_is_an_error_with_did_you_mean(tmp_path):
    spec = _copy_spec(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.unetcalc]\nignore = ["UC107"]\nignor = ["UC006"]\n')
    result = run("check", str(spec))
    assert result.exit_code == 2
    assert "pyproject.toml:3" in result.output and "did you mean `ignore`" in result.output


@pytest.mark.parametrize("text", ['select = ["UC999"]', "strict = 3", 'severity = {UC103 = "fatal"}'])
def test_bad_config_values_exit_2(tmp_path, text):
    spec = _copy_spec(tmp_path)
    (tmp_path / "pyproject.toml").write_text(f"[tool.unetcalc]\n{text}\n")
    assert run("check", str(spec)).exit_code == 2


def test_explicit_config_overrides_discovery(tmp_path):
    spec = _copy_spec(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.unetcalc]\nignore = ["UC1", "UC0"]\n')
    assert run("check", str(spec)).exit_code == 0
    other = tmp_path / "strict.yaml"
    other.write_text("ignore: []\n")
    assert run("check", str(spec), "--config", str(other)).exit_code == 1


def test_config_cannot_hide_unparseable_specs(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("layers: [")
    (tmp_path / ".unetcalc.yaml").write_text("ignore: [UC0]\n")
    assert run("check", str(bad)).exit_code == 1


# -- inline suppressions ------------------------------------------------------------------


def test_inline_suppression_for_one_line(tmp_path):
    spec = _copy_spec(tmp_path)
    text = spec.read_text().replace(
        "name: MaxPool2, in: 56 x 56 x 512}", "name: MaxPool2, in: 56 x 56 x 512}  # unetcalc: ignore[UC006]"
    )
    spec.write_text(text)
    result = run("check", str(spec), "-f", "json")
    codes = [d["code"] for d in json.loads(result.stdout)["files"][0]["diagnostics"]]
    assert codes == ["UC107", "UC107", "UC107", "UC108"]


def test_inline_suppression_turns_exit_1_into_0(tmp_path):
    spec = _copy_spec(tmp_path, "unet-2015")
    spec.write_text(
        spec.read_text().replace("{op: maxpool, name: pool2}", "{op: maxpool, name: pool2}  # unetcalc: ignore")
    )
    assert run("check", str(spec), "--input", "570x570").exit_code == 0


def test_suppression_on_the_first_line_of_a_block_style_layer(tmp_path):
    spec = tmp_path / "block.yaml"
    spec.write_text(
        "input: {channels: 1, size: [15, 15]}\nlayers:\n  - op: maxpool  # unetcalc: ignore[UC103]\n    kernel: 2\n"
    )
    assert run("check", str(spec)).exit_code == 0


def test_unused_suppression_is_reported(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text("input: {channels: 1, size: [16, 16]}\nlayers:\n  - maxpool  # unetcalc: ignore[UC103]\n")
    result = run("check", str(spec), "-f", "json")
    diagnostics = json.loads(result.stdout)["files"][0]["diagnostics"]
    assert [(d["code"], d["severity"], d["line"]) for d in diagnostics] == [("UC009", "warning", 3)]
    assert result.exit_code == 0 and run("check", str(spec), "--strict").exit_code == 1


# -- many files -------------------------------------------------------------------------------


def test_directory_recursion_sorted_with_summary(tmp_path):
    (tmp_path / "a" / "deep").mkdir(parents=True)
    (tmp_path / "a" / "deep" / "z.yaml").write_text((SPECS / "unet-1d.yaml").read_text())
    (tmp_path / "a" / "b.yml").write_text((SPECS / "seed-encoder.yaml").read_text())
    (tmp_path / "a" / "notes.yaml").write_text("title: not a spec\n")
    (tmp_path / "a" / "warn.yaml").write_text("input: {channels: 1, size: [65]}\nlayers:\n  - {op: crop, size: [64]}\n")
    result = run("check", str(tmp_path / "a"))
    assert result.exit_code == 1
    headers = [line.split()[2] for line in result.stdout.splitlines() if line.startswith(("✓", "✗"))]
    assert headers == sorted(headers) and len(headers) == 3  # notes.yaml is not a spec
    assert result.stdout.strip().splitlines()[-1] == "3 files, 5 errors, 1 warning"


def test_glob_and_empty_matches(tmp_path):
    result = run("check", "specs/unet-*.yaml")
    assert result.exit_code == 0 and result.stdout.strip().splitlines()[-1] == "3 files, 0 errors, 0 warnings"
    assert run("check", str(tmp_path / "*.yaml")).exit_code == 2


def test_config_excludes_files_from_directory_scans(tmp_path):
    _copy_spec(tmp_path)
    _copy_spec(tmp_path, "unet-2015")
    (tmp_path / ".unetcalc.yaml").write_text('exclude: ["specs/seed-*"]\n')
    result = run("check", str(tmp_path))
    assert result.exit_code == 0 and "seed-encoder" not in result.stdout


# -- pre-commit ---------------------------------------------------------------------------------


def test_pre_commit_hook_definition():
    import re
    import subprocess
    import sys

    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "unetcalc")
    assert hook["language"] == "python" and hook["entry"].startswith("unetcalc check")
    assert re.search(hook["files"], "specs/unet-2015.yaml") and re.search(hook["files"], "specs/seed-note.md")
    # Markdown without a layer table (this README) is skipped; a note with one is checked.
    assert run(*hook["entry"].split()[1:], "README.md", "specs/unet-2015.yaml").exit_code == 0
    assert run(*hook["entry"].split()[1:], "README.md", "specs/seed-note.md").exit_code == 1
    # pre-commit hands every changed YAML file to the hook: non-specs are skipped, specs are checked.
    args = [*hook["entry"].split()[1:], ".pre-commit-hooks.yaml", "specs/seed-encoder.yaml"]
    result = run(*args)
    assert result.exit_code == 1 and "seed-encoder" in result.stdout and "pre-commit-hooks" not in result.stdout
    assert run(*hook["entry"].split()[1:], ".pre-commit-hooks.yaml", "specs/unet-2015.yaml").exit_code == 0
    # the hook's environment is the package without extras: no torch among its requirements
    meta = subprocess.run(
        [
            sys.executable,
            "-c",
            "import tomllib; d = tomllib.load(open('pyproject.toml', 'rb'));print(d['project']['dependencies'])",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert "torch" not in meta.stdout


def test_machine_formats_do_not_load_rich():
    code, modules = run_in_fresh_interpreter("check", "specs/seed-encoder.yaml", "--format", "github")
    assert code == 1 and "rich" not in modules


def _readme_block(after: str) -> dict:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("```yaml", text.index(after))
    return yaml.safe_load(text[start + len("```yaml") : text.index("```", start + 7)])


def test_readme_github_actions_job_is_complete():
    job = _readme_block("A GitHub Actions job:")
    assert job["permissions"]["security-events"] == "write"  # upload-sarif fails without it
    steps = job["jobs"]["unetcalc"]["steps"]
    runs = [step["run"] for step in steps if "run" in step]
    assert any(run.startswith('pip install "unetcalc @ $UNETCALC"') for run in runs)
    assert "git+https://" in job["env"]["UNETCALC"]  # installed from the repository, not an index
    checks = [run.split(">")[0].split() for run in runs if run.startswith("unetcalc ")]
    for argv in checks:  # every unetcalc command line in the job parses with today's CLI
        result = CliRunner().invoke(app, [*argv[1:], "--help"])
        assert result.exit_code == 0, argv
    assert any(step.get("uses", "").startswith("github/codeql-action/upload-sarif") for step in steps)


def test_readme_pre_commit_config_names_the_shipped_hook():
    config = _readme_block("pre-commit (checks the spec files")
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    repo = config["repos"][0]
    assert repo["rev"] and repo["repo"].startswith("https://")
    assert {h["id"] for h in repo["hooks"]} <= {h["id"] for h in hooks}
