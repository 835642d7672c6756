"""`unetcalc build`: the real torch.nn.Module, its code, weights or ONNX."""

from __future__ import annotations

from typing import Annotated

import typer

from unetcalc.cli.common import (
    InputOption,
    check_targets,
    fail,
    input_option,
    load,
    print_report,
    require_torch,
    verify_all,
    write_output,
)
from unetcalc.cli.console import EXIT_FINDINGS, EXIT_OK, Line, status, text_err, text_out


def build(
    spec: Annotated[str, typer.Argument(help="Spec file.", show_default=False)],
    verify: Annotated[
        bool, typer.Option("--verify", help="Compare every layer with PyTorch on the meta device.")
    ] = False,
    code: Annotated[str | None, typer.Option("--code", help="Write a standalone PyTorch model.py here.")] = None,
    save: Annotated[str | None, typer.Option("--save", help="Write the initialised state_dict here (.pt).")] = None,
    onnx: Annotated[str | None, typer.Option("--onnx", help="Export to ONNX here (needs the onnx package).")] = None,
    input_size: InputOption = None,
) -> int:
    """Build the real torch.nn.Module (needs torch): summary, --verify, --code model.py, --save, --onnx."""
    targets = [t for t in (code, save, onnx) if t is not None]
    check_targets(targets, [spec])
    require_torch()
    from unetcalc.report.build import render_build_summary

    result = load(spec, input_option(input_size))
    if not result.ok:
        print_report(result)
        text_err().print(Line("error:", "bold red") + " the spec has errors; nothing was built")
        return EXIT_FINDINGS
    if onnx is not None:
        try:
            import onnx as _onnx  # noqa: F401
        except ImportError:
            raise fail("--onnx needs the onnx package: pip install onnx onnxscript") from None
    from unetcalc.torch.builder import build_from_result

    console = text_out()
    # Weights are only needed to write them (--save, --onnx): otherwise the model is built on the meta
    # device, so `build --verify` of a base-1024 U-Net costs what a small one does (no parameter memory).
    needs_weights = save is not None or onnx is not None
    with status(f"building {result.spec.name}…"):
        if needs_weights:
            model = build_from_result(result)
        else:
            import torch

            with torch.device("meta"):
                model = build_from_result(result)
    render_build_summary(console, result, model)
    ok = True
    if verify:
        ok = verify_all(console, [result])
    if code is not None:
        from unetcalc.torch.codegen import class_name, generate_code

        source = generate_code(result)
        write_output(code, lambda tmp: tmp.write_text(source, encoding="utf-8"))
        console.print(f"wrote {code} (standalone PyTorch, class {class_name(result.spec.name)})")
    if save is not None:
        from unetcalc.torch.export import save_state_dict

        with status(f"saving {save}…"):
            write_output(save, lambda tmp: save_state_dict(model, tmp))
        console.print(f"wrote {save} (state_dict, {len(model.state_dict())} tensors)")
    if onnx is not None:
        from unetcalc.torch.export import export_onnx

        with status(f"exporting {onnx}…"):
            write_output(onnx, lambda target: export_onnx(result, model, target))
        console.print(f"wrote {onnx} (ONNX)")
    return EXIT_OK if ok else EXIT_FINDINGS
