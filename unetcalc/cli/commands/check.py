"""`unetcalc check`: the command linters and pre-commit run, its output and its exit code.

Exit codes: 0 no errors, 1 error findings (or warnings with --strict), 2 the tool could not run.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from unetcalc.check import CheckResult, InputOptionError, SpecFileError, check_file, parse_input_option
from unetcalc.cli.common import verify_all
from unetcalc.cli.console import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, Line, print_error, text_err, text_out
from unetcalc.sourcelines import is_markdown

if TYPE_CHECKING:
    from unetcalc.findings.config import Config


class CheckFormat(StrEnum):
    text = "text"
    concise = "concise"
    json = "json"
    github = "github"
    sarif = "sarif"


SPECS_HELP = "Spec files, directories (scanned for specs) or globs; - reads stdin."


@dataclass(slots=True)
class CheckRun:
    exit_code: int
    format: CheckFormat
    results: list[CheckResult] = field(default_factory=list)


def run_check(
    specs: list[str],
    output_format: CheckFormat | str | None = None,
    input_text: str | None = None,
    strict: bool = False,
    config_file: str | None = None,
    specs_only: bool = False,
    quiet: bool = False,
    keep_results: bool = False,
) -> CheckRun:
    """Check ``specs``, print the report in ``output_format``, and say which exit code applies.

    The text formats print each file's report as soon as it is checked and keep only what the summary
    needs, so a directory of thousands of specs holds one analysis at a time; ``keep_results`` keeps
    every full result (``--verify`` reads them afterwards).
    """
    from unetcalc.catalogue import rules_by_code
    from unetcalc.cli.files import expand_paths
    from unetcalc.findings.config import ConfigError, discover_config, load_config

    default = CheckFormat.github if os.environ.get("GITHUB_ACTIONS") == "true" else CheckFormat.text
    fmt = CheckFormat(output_format) if output_format else default
    try:
        override = parse_input_option(input_text) if input_text is not None else None
        explicit = load_config(config_file, rules_by_code()) if config_file else None
        files, problems = expand_paths(specs, explicit, specs_only=specs_only)
    except (InputOptionError, ConfigError) as exc:
        print_error(str(exc))
        return CheckRun(EXIT_USAGE, fmt)
    run = CheckRun(EXIT_OK, fmt)
    strict_for: list[bool] = []
    unreadable = bool(problems)
    for problem in problems:
        print_error(problem)
    found: dict[str, Config] = {}  # one discovery per directory, not per file
    summary = len(files) > 1 or len(files) != len(specs)
    stream = not keep_results and fmt in (CheckFormat.text, CheckFormat.concise)
    # The batch-1 memory figures replay each network (~1.5 ms for a small symbolic spec): a run over many
    # files is a lint, and leaves them to `unetcalc memory`. One file shows them.
    memory = len(files) == 1
    for path in files:
        try:
            try:
                folder = str(path.resolve().parent)
            except RuntimeError:  # pathlib's word for a symbolic link loop
                raise SpecFileError(f"{path}: is a symbolic link loop; nothing to read") from None
            if explicit is None and folder not in found:
                found[folder] = discover_config(path, rules_by_code())
            config = explicit or found[folder]
            if is_markdown(str(path)):
                results = _check_note(path, override, config, fmt)
            else:
                results = [check_file(path, override, config)]
        except (SpecFileError, InputOptionError, ConfigError) as exc:
            print_error(str(exc))
            unreadable = True
            continue
        except OSError as exc:  # an unreadable folder's config, a file that vanished: that file only
            print_error(f"{path}: cannot read it ({exc.strerror or exc}); the other files are checked")
            unreadable = True
            continue
        for result in results:
            strict_for.append(strict or config.strict)
            if stream:
                render(fmt, [result], strict_for[-1:], summary=False, quiet=quiet, memory=memory)
                result = _summary_only(result)
            run.results.append(result)
    if stream:
        if summary:
            render_summary_line(run.results)
    else:
        render(fmt, run.results, strict_for, summary=summary, quiet=quiet, memory=memory)
    if unreadable:
        run.exit_code = EXIT_USAGE
    elif any(r.errors or (s and r.warnings) for r, s in zip(run.results, strict_for, strict=True)):
        run.exit_code = EXIT_FINDINGS
    return run


def _check_note(
    path: Path, override: tuple[int | str, ...] | None, config: Config, fmt: CheckFormat
) -> list[CheckResult]:
    """Every layer table of a markdown note, checked; says how many tables it read (text formats)."""
    from unetcalc.check import check_note

    results, skipped = check_note(path, override, config)
    if fmt in (CheckFormat.text, CheckFormat.concise):
        other = f" ({skipped} other table{'s' if skipped != 1 else ''} skipped)" if skipped else ""
        read = f"{len(results)} layer table{'s' if len(results) != 1 else ''}"
        readings = "".join(f"; {reading}" for result in results for reading in result.spec.readings)
        text_out().print(Line(f"{path.as_posix()}: read {read}{other}{readings}", "dim"))
    return results


def _summary_only(result: CheckResult) -> CheckResult:
    """What the summary line and the exit code read of a result already printed: its findings."""
    from unetcalc.spec.model import Spec

    spec = Spec(result.spec.path, result.spec.name, None, [], [])
    return CheckResult(spec, diagnostics=result.diagnostics)


def render_summary_line(results: list[CheckResult]) -> None:
    from unetcalc.report.text import render_summary

    render_summary(text_out(), results)


def render(
    fmt: CheckFormat,
    results: list[CheckResult],
    strict_for: list[bool],
    summary: bool,
    quiet: bool = False,
    memory: bool = True,
) -> None:
    from unetcalc.report.formats import CHECK_FORMATS, RenderOptions

    output = CHECK_FORMATS[fmt.value]
    options = RenderOptions(tuple(strict_for), summary, quiet, memory=memory)
    if not output.lines:
        sys.stdout.write(output.render(results, options))
        return
    console = text_out()
    width, console.width = console.width, 0  # the report wraps its own lines (a terminal's width; 0 in pipes)
    with console.batched() as printer:
        output.print_to(printer, results, options._replace(width=width))


def check(
    specs: Annotated[list[str], typer.Argument(help=SPECS_HELP, show_default=False)],
    output_format: Annotated[
        CheckFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="text (findings with their spec line), concise (one line each), json, github, sarif. "
            "Default: text; github when GITHUB_ACTIONS is set.",
        ),
    ] = None,
    input_text: Annotated[
        str | None,
        typer.Option(
            "--input", "-i", help="Override the spec's input size, e.g. 570x570, 570x570x1 or HxW (symbols allowed)."
        ),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail the check too.")] = False,
    verify: Annotated[
        bool, typer.Option("--verify", help="Also run the real PyTorch model on the meta device (needs torch).")
    ] = False,
    config_file: Annotated[
        str | None,
        typer.Option("--config", help="Configuration file (pyproject.toml or .unetcalc.yaml); default: discovered."),
    ] = None,
    specs_only: Annotated[
        bool,
        typer.Option("--specs-only", help="Skip named YAML files that are not specs (no `layers:`), as pre-commit."),
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Only files with findings, and only their findings (text).")
    ] = False,
) -> int:
    """Infer shapes and report dimension errors with rule code, file:line and a fix.

    Exit codes: 0 no errors, 1 error findings (or warnings with --strict), 2 the tool could not run.
    """
    run = run_check(specs, output_format, input_text, strict, config_file, specs_only, quiet, keep_results=verify)
    if run.exit_code == EXIT_USAGE:
        return EXIT_USAGE
    failed = run.exit_code == EXIT_FINDINGS
    if verify:
        console = text_out() if run.format is CheckFormat.text else text_err()
        failed = not verify_all(console, [r for r in run.results if r.ok]) or failed
    return EXIT_FINDINGS if failed else EXIT_OK


def check_only_app() -> typer.Typer:
    """The same `check` as the full app's, in an app that holds nothing else: what `unetcalc check …` runs
    (cli/entry.py), so that linters and pre-commit do not pay for building the other sixteen commands."""
    from unetcalc.cli.commands import exits

    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command()(exits(check))
    return app
