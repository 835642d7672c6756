"""`unetcalc convert`: a markdown note's table as a spec, or back."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from unetcalc.check import SpecFileError
from unetcalc.cli.common import check_targets, fail, write_output
from unetcalc.cli.console import EXIT_OK, text_out


def convert(
    note: Annotated[str, typer.Argument(help="A markdown note with layer tables.", show_default=False)],
    output: Annotated[
        str | None,
        typer.Option("--output", "-o", help="The spec file (a directory when the note has several tables)."),
    ] = None,
) -> int:
    """Write the YAML spec of each layer table in a markdown note (one per table, named after its heading)."""
    import re

    from unetcalc.check import check_note
    from unetcalc.spec.emit import note_yaml

    try:
        results, _ = check_note(note, documents=True)
    except SpecFileError as exc:
        raise fail(str(exc)) from None
    if not results:
        raise fail(f"{note}: no layer table (a markdown table with an Operation column)")
    texts = [note_yaml(r.spec) for r in results]
    if output is None:
        sys.stdout.write("---\n".join(texts))
        return EXIT_OK
    if len(results) == 1 and not Path(output).is_dir():
        targets = [output]
    else:
        if Path(output).exists() and not Path(output).is_dir():
            raise fail(f"{output} is a file: {note} has {len(results)} layer tables, so -o names a directory")
        try:
            Path(output).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise fail(f"cannot make the directory {output} ({exc.strerror})") from None
        slugs = [
            re.sub(r"[^a-z0-9]+", "-", r.spec.name.lower()).strip("-") or f"table{i + 1}" for i, r in enumerate(results)
        ]
        targets = [str(Path(output) / f"{slug}.yaml") for slug in slugs]
    check_targets(targets, [note])
    for target, text in zip(targets, texts, strict=True):

        def write_text(tmp: Path, text: str = text) -> int:
            return tmp.write_text(text, encoding="utf-8")

        write_output(target, write_text)
        text_out().print(f"wrote {target}")
    return EXIT_OK
