"""The command line: parse options, call the library, pick a renderer, set the exit code."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from unetcalc import __version__
from unetcalc.check import CheckResult, InputOptionError, SpecFileError, check_file, parse_input_option
from unetcalc.cli.check_command import CHECK_OPTIONS, SPECS_HELP, CheckFormat, run_check
from unetcalc.cli.console import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, err, escape, out, print_error, text_out
from unetcalc.findings.rules import all_rules, rules_by_code

if TYPE_CHECKING:
    from rich.console import Console

app = typer.Typer(
    help="Shape inference and linting for U-Net / FCN layer specs written in YAML.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish, PowerShell
    pretty_exceptions_enable=False,
)


class TableFormat(StrEnum):
    rich = "rich"
    markdown = "markdown"
    csv = "csv"


class TableStyle(StrEnum):
    full = "full"
    note = "note"


class MacsConvention(StrEnum):
    true = "true"
    torchinfo = "torchinfo"


_out, _err = out, err


def _fail(message: str) -> typer.Exit:
    print_error(message)
    return typer.Exit(EXIT_USAGE)


def _input_option(text: str | None) -> tuple[int | str, ...] | None:
    if text is None:
        return None
    try:
        return parse_input_option(text)
    except InputOptionError as exc:
        raise _fail(str(exc)) from None


def _load(path: str, input_size: tuple[int | str, ...] | None, documents: bool = False) -> CheckResult:
    try:
        return check_file(path, input_size, documents=documents)
    except (SpecFileError, InputOptionError) as exc:
        raise _fail(str(exc)) from None


InputOption = Annotated[
    str | None,
    typer.Option("--input", "-i", help="Override the spec's input size, e.g. 570x570 or HxW (symbols allowed)."),
]


def _version(value: bool) -> None:
    if value:
        print(f"unetcalc {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", "-V", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """unetcalc infers every tensor shape of a U-Net/FCN spec and flags dimension errors."""


def check(specs: list[str], verify: bool = False, **options: Any) -> None:
    """Infer shapes and report dimension errors with rule code, file:line and a fix.

    Exit codes: 0 no errors, 1 error findings (or warnings with --strict), 2 the tool could not run.
    """
    run = run_check(specs, keep_results=verify, **options)
    failed = run.exit_code == EXIT_FINDINGS
    if verify and run.exit_code != EXIT_USAGE:
        console = _out() if run.format is CheckFormat.text else _err()
        failed = not _verify_all(console, [r for r in run.results if r.ok]) or failed
    raise typer.Exit(run.exit_code if run.exit_code == EXIT_USAGE else EXIT_FINDINGS if failed else EXIT_OK)


def _typer_signature() -> inspect.Signature:
    """check's typer parameters, generated from CHECK_OPTIONS (the one definition of its options)."""
    parameters = [
        inspect.Parameter(
            "specs",
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            annotation=Annotated[list[str], typer.Argument(help=SPECS_HELP, show_default=False)],
        )
    ]
    for option in CHECK_OPTIONS:
        kind: Any = bool
        if option.choices:
            kind = CheckFormat | None
        elif option.takes_value:
            kind = str | None
        parameters.append(
            inspect.Parameter(
                option.dest,
                inspect.Parameter.KEYWORD_ONLY,
                default=None if option.takes_value else False,
                annotation=Annotated[kind, typer.Option(*option.flags, help=option.help)],
            )
        )
    return inspect.Signature(parameters, return_annotation=None)


check.__signature__ = _typer_signature()  # type: ignore[attr-defined]
check.__annotations__ = {p.name: p.annotation for p in check.__signature__.parameters.values()}  # type: ignore[attr-defined]
app.command()(check)


def _require_torch() -> None:
    from unetcalc.torch import TorchMissing, require_torch

    try:
        require_torch()
    except TorchMissing as exc:
        raise _fail(str(exc)) from None


def _verify_all(console: Console, results: list[CheckResult]) -> bool:
    _require_torch()
    from unetcalc.report.build import render_verification
    from unetcalc.torch.verify import verify as verify_result

    ok = True
    for result in results:
        with _err().status(f"verifying {result.path} on the meta device…"):
            checks = verify_result(result)
        ok = render_verification(console, result, checks) and ok
    return ok


@app.command()
def table(
    spec: Annotated[str, typer.Argument(help="Spec file.", show_default=False)],
    output_format: Annotated[TableFormat, typer.Option("--format", "-f", help="Table format.")] = TableFormat.rich,
    input_size: InputOption = None,
    wide: Annotated[
        bool, typer.Option("--wide", help="Every column, however wide (rich: by default it fits the terminal).")
    ] = False,
    style: Annotated[
        TableStyle,
        typer.Option(
            "--style",
            help="markdown only: `note` writes a design note's columns (Layers | Dimensions | Operation | "
            "Filters, input shapes as `252 x 252 x 64`), corrected, to paste back.",
        ),
    ] = TableStyle.full,
    macs: Annotated[
        MacsConvention,
        typer.Option(
            "--macs",
            help="true: multiply-adds as performed (ptflops); torchinfo: parameters × output positions, "
            "torchinfo's convention (4× for a 2D transposed conv), to compare with it.",
        ),
    ] = MacsConvention.true,
) -> None:
    """Print the design table, computed: layer, op, in/out shape (HxWxC), filters, params, declared shapes."""
    from unetcalc.report.table import render_markdown, render_rich, write_csv

    result = _load(spec, _input_option(input_size))
    convention = macs.value if isinstance(macs, MacsConvention) else str(macs)
    if style is TableStyle.note:
        from unetcalc.report.note_table import render_note_table

        if output_format is not TableFormat.markdown:
            raise _fail("--style note writes markdown: add --format markdown")
        sys.stdout.write(render_note_table(result))
    elif output_format is TableFormat.markdown:
        sys.stdout.write(render_markdown(result, convention))
    elif output_format is TableFormat.csv:
        write_csv(sys.stdout, result, convention)
    else:
        render_rich(_out(), result, wide, convention)
    if result.inference is None:
        _print_report(result)
    raise typer.Exit(EXIT_FINDINGS if result.errors else EXIT_OK)


def _print_report(result: CheckResult) -> None:
    """A spec's check report on stderr (why a command stops): plain lines in blocks when not a terminal,
    where rich per line cost ~0.7 ms a finding (a spec with 100k findings took over a minute)."""
    from unetcalc.cli.console import PlainConsole, text_err
    from unetcalc.report.text import render_result

    console = text_err()
    if isinstance(console, PlainConsole):
        with console.batched() as printer:
            render_result(printer, result)
    else:
        render_result(console, result)


def _range_option(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    from unetcalc.spec.shapetext import whole_number

    low_text, sep, high_text = text.partition("..")
    low, high = whole_number(low_text), whole_number(high_text)
    if not sep or low is None or high is None or low > high:
        raise _fail(f"--range {text!r}: write LOW..HIGH in digits, e.g. 100..1000")
    return low, high


class SizesFormat(StrEnum):
    text = "text"
    bioimageio = "bioimageio"


@app.command()
def sizes(
    spec: Annotated[str, typer.Argument(help="Spec file.", show_default=False)],
    near: Annotated[int | None, typer.Option("--near", help="Show the nearest valid sizes below and above N.")] = None,
    span: Annotated[str | None, typer.Option("--range", help="List the valid sizes in LOW..HIGH.")] = None,
    output_format: Annotated[
        SizesFormat,
        typer.Option("--format", "-f", help="text, or bioimageio: the axes for a bioimage.io rdf.yaml (spec 0.5)."),
    ] = SizesFormat.text,
) -> None:
    """Which input sizes are valid, per axis, in closed form: H ≡ r (mod m), H ≥ min, and the output size."""
    from unetcalc.report.sizes import render_sizes

    parsed_range = _range_option(span)
    result = _load(spec, None)
    if result.validity is None or not result.layers_ok():  # sizes of a spec that does not parse mean nothing
        _print_report(result)
        raise typer.Exit(EXIT_FINDINGS)
    if output_format is SizesFormat.bioimageio:
        from unetcalc.report.bioimageio import render_bioimageio

        if not result.ok or any(not a.feasible for a in result.validity.axes):
            _print_report(result)
            raise typer.Exit(EXIT_FINDINGS)
        sys.stdout.write(render_bioimageio(result))
        raise typer.Exit(EXIT_OK)
    render_sizes(_out(), result, near, parsed_range)
    raise typer.Exit(EXIT_FINDINGS if any(not a.feasible for a in result.validity.axes) else EXIT_OK)


@app.command()
def build(
    spec: Annotated[str, typer.Argument(help="Spec file.", show_default=False)],
    verify: Annotated[
        bool, typer.Option("--verify", help="Compare every layer with PyTorch on the meta device.")
    ] = False,
    code: Annotated[str | None, typer.Option("--code", help="Write a standalone PyTorch model.py here.")] = None,
    save: Annotated[str | None, typer.Option("--save", help="Write the initialised state_dict here (.pt).")] = None,
    onnx: Annotated[str | None, typer.Option("--onnx", help="Export to ONNX here (needs the onnx package).")] = None,
    input_size: InputOption = None,
) -> None:
    """Build the real torch.nn.Module (needs torch): summary, --verify, --code model.py, --save, --onnx."""
    targets = [t for t in (code, save, onnx) if t is not None]
    _check_targets(targets, [spec])
    _require_torch()
    from unetcalc.report.build import render_build_summary

    result = _load(spec, _input_option(input_size))
    if not result.ok:
        _print_report(result)
        _err().print("[bold red]error:[/] the spec has errors; nothing was built")
        raise typer.Exit(EXIT_FINDINGS)
    if onnx is not None:
        try:
            import onnx as _onnx  # noqa: F401
        except ImportError:
            raise _fail("--onnx needs the onnx package: pip install onnx onnxscript") from None
    from unetcalc.torch.builder import build_from_result

    console = _out()
    # Weights are only needed to write them (--save, --onnx): otherwise the model is built on the meta
    # device, so `build --verify` of a base-1024 U-Net costs what a small one does (no parameter memory).
    needs_weights = save is not None or onnx is not None
    with _err().status(f"building {result.spec.name}…"):
        if needs_weights:
            model = build_from_result(result)
        else:
            import torch

            with torch.device("meta"):
                model = build_from_result(result)
    render_build_summary(console, result, model)
    ok = True
    if verify:
        ok = _verify_all(console, [result])
    if code is not None:
        from unetcalc.torch.codegen import class_name, generate_code

        source = generate_code(result)
        _write(code, lambda tmp: tmp.write_text(source, encoding="utf-8"))
        console.print(f"wrote {escape(code)} (standalone PyTorch, class {class_name(result.spec.name)})")
    if save is not None:
        from unetcalc.torch.export import save_state_dict

        with _err().status(f"saving {escape(save)}…"):
            _write(save, lambda tmp: save_state_dict(model, tmp))
        console.print(f"wrote {escape(save)} (state_dict, {len(model.state_dict())} tensors)")
    if onnx is not None:
        from unetcalc.torch.export import export_onnx

        with _err().status(f"exporting {escape(onnx)}…"):
            _write(onnx, lambda target: export_onnx(result, model, target))
        console.print(f"wrote {escape(onnx)} (ONNX)")
    raise typer.Exit(EXIT_OK if ok else EXIT_FINDINGS)


def _check_targets(targets: list[str], reads: list[str]) -> None:
    from unetcalc.cli.outputs import OutputError, check_targets

    try:
        check_targets(targets, reads)
    except OutputError as exc:
        raise _fail(str(exc)) from None


def _write(target: str, write: Callable[[Path], object]) -> None:
    """Write one output; a file-system failure is a clear message and exit 2, with nothing left behind."""
    from unetcalc.cli.outputs import OutputError, write_output

    try:
        write_output(target, write)
    except OutputError as exc:
        raise _fail(str(exc)) from None


class Layout(StrEnum):
    u = "u"
    flat = "flat"


class Detail(StrEnum):
    blocks = "blocks"
    layers = "layers"


class DrawStyle(StrEnum):
    boxes = "boxes"
    paper = "paper"


def _width_cm(text: str) -> float:
    import re

    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(cm|mm|in|pt)?\s*", text)
    if match is None:
        raise _fail(f"--width {text!r}: write a length such as 17cm, 85mm or 6.7in")
    value = float(match.group(1)) * {"cm": 1.0, "mm": 0.1, "in": 2.54, "pt": 2.54 / 72, None: 1.0}[match.group(2)]
    if not 2.0 <= value <= 200.0:
        raise _fail(f"--width {text}: between 2 cm and 200 cm")
    return value


def _draw_paper(result: CheckResult, fmt: str, target: str, width: str) -> None:
    """`draw --style paper`: SVG and PDF written directly, PNG through resvg-py."""
    from unetcalc.draw.paper import PT_PER_CM, paper_figure
    from unetcalc.draw.paper_pdf import figure_pdf
    from unetcalc.draw.paper_svg import figure_svg

    if fmt == "dot":
        raise _fail("--style paper writes svg, pdf or png (dot is for the box diagram)")
    wanted = _width_cm(width)
    figure = paper_figure(result, wanted)
    if fmt == "pdf":
        data = figure_pdf(figure)
    else:
        data = figure_svg(figure)
        if fmt == "png":
            try:
                import resvg_py
            except ImportError:
                raise _fail(
                    "PNG of --style paper needs a rasteriser: pip install 'unetcalc[png]' "
                    "(SVG and PDF work as they are)"
                ) from None
            data = bytes(resvg_py.svg_to_bytes(svg_string=data.decode("utf-8"), dpi=300.0, background="white"))
    _write(target, lambda tmp: tmp.write_bytes(data))
    actual = figure.width * figure.scale / PT_PER_CM
    if target != "-":
        note = f"; shrunk to fit: text {figure.text_size:.1f} pt" if figure.scale < 0.999 else ""
        _err().print(
            f"wrote {escape(target)} ({fmt}, paper style, {actual:.1f} × "
            f"{figure.height * figure.scale / PT_PER_CM:.1f} cm{note})"
        )


@app.command()
def draw(
    spec: Annotated[str, typer.Argument(help="Spec file.", show_default=False)],
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Output file (default: <spec name>.svg); - for stdout.")
    ] = None,
    output_format: Annotated[
        str | None, typer.Option("--format", "-f", help="svg, png, pdf or dot (default: from the file extension).")
    ] = None,
    layout: Annotated[Layout, typer.Option("--layout", help="u: the U shape (falls back to flat); flat.")] = Layout.u,
    detail: Annotated[Detail, typer.Option("--detail", help="blocks: one box per level run; layers.")] = Detail.blocks,
    input_size: InputOption = None,
    style: Annotated[
        DrawStyle, typer.Option("--style", help="boxes (Graphviz) or paper: the 2015 paper's bars, no Graphviz.")
    ] = DrawStyle.boxes,
    width: Annotated[
        str, typer.Option("--width", help="--style paper: the figure's width, e.g. 17cm, 8.5cm, 6.7in.")
    ] = "17cm",
) -> None:
    """Draw the architecture with graphviz: encoder down the left, decoder up the right, skips across."""
    from unetcalc.draw.render import FORMATS, RendererMissing, RenderFailed, render, renderer_name

    if output is not None:
        _check_targets([output], [spec])
    fmt = output_format or (Path(output).suffix.lstrip(".").lower() if output and output != "-" else "svg")
    if fmt not in FORMATS:
        raise _fail(f"unknown drawing format {fmt!r}: use one of {', '.join(FORMATS)} (or -f)")
    target = output or f"{'stdin' if spec == '-' else Path(spec).stem}.{fmt}"
    _check_targets([target], [spec])
    result = _load(spec, _input_option(input_size))
    if result.inference is None or result.validity is None or not result.layers_ok():
        _print_report(result)
        _err().print("[bold red]error:[/] the spec cannot be drawn until it parses; nothing was written")
        raise typer.Exit(EXIT_FINDINGS)
    if style is DrawStyle.paper:
        _draw_paper(result, fmt, target, width)
        raise typer.Exit(EXIT_FINDINGS if result.errors else EXIT_OK)
    from unetcalc.draw.dot import to_dot
    from unetcalc.draw.layout import build_diagram

    diagram = build_diagram(result, layout.value, detail.value)
    source = to_dot(result, diagram, detail.value)
    try:
        with _err().status(f"rendering {fmt} with {renderer_name(fmt)}…"):
            data = render(source, fmt)
    except RendererMissing as exc:
        raise _fail(f"cannot write {fmt}: {exc}") from None
    except RenderFailed as exc:
        raise _fail(str(exc)) from None
    _write(target, lambda tmp: tmp.write_bytes(data))
    if target != "-":
        note = "" if diagram.kind == layout.value else " (not U-shaped: drawn flat)"
        _err().print(f"wrote {escape(target)} ({fmt}, {diagram.kind} layout{note}, {len(diagram.blocks)} boxes)")
    raise typer.Exit(EXIT_FINDINGS if result.errors else EXIT_OK)


class Precision(StrEnum):
    fp32 = "fp32"
    bf16 = "bf16"
    fp16 = "fp16"


class Optimizer(StrEnum):
    adam = "adam"
    adamw = "adamw"
    sgd = "sgd"
    sgd_momentum = "sgd-momentum"


class ReportFormat(StrEnum):
    text = "text"
    json = "json"


PrecisionOption = Annotated[
    Precision, typer.Option("--precision", "-p", help="fp32, or bf16/fp16 autocast (float32 weights).")
]
OptimizerOption = Annotated[
    Optimizer, typer.Option("--optimizer", help="Its state counts: Adam/AdamW 2×, momentum 1×.")
]
ReportFormatOption = Annotated[ReportFormat, typer.Option("--format", "-f", help="text or json.")]


def _checked(spec: str, input_size: tuple[int | str, ...] | None, command: str = "memory") -> CheckResult:
    """A spec that checks without errors, or its findings on stderr and exit 1."""
    result = _load(spec, input_size)
    if result.inference is None or not result.ok or not result.layers_ok():
        _print_report(result)
        _err().print(f"[bold red]error:[/] {command} needs a spec that checks without errors")
        raise typer.Exit(EXIT_FINDINGS)
    return result


@app.command()
def memory(
    spec: Annotated[str, typer.Argument(help="Spec file.", show_default=False)],
    batch: Annotated[int, typer.Option("--batch", "-b", min=1, help="Samples per step.")] = 1,
    precision: PrecisionOption = Precision.fp32,
    optimizer: OptimizerOption = Optimizer.adam,
    input_size: InputOption = None,
    output_format: ReportFormatOption = ReportFormat.text,
) -> None:
    """Peak GPU memory of one training step (forward, backward, optimizer step) and of inference.

    The figure torch.cuda.max_memory_allocated() reports, with its breakdown: weights, gradients,
    optimizer state, tensors saved for backward (per layer), gradients and cuDNN workspace at the peak.
    """
    from unetcalc.memory.estimate import estimate_memory
    from unetcalc.report.memory_report import render_memory, render_memory_json

    result = _checked(spec, _input_option(input_size))
    estimate = estimate_memory(result, batch, precision.value, optimizer.value)
    reserved = None
    if not estimate.symbolic:  # the allocator is simulated on a concrete allocation sequence
        from unetcalc.memory.reserved import reserved_peak

        reserved = reserved_peak(result, batch, precision.value, optimizer.value)
    if output_format is ReportFormat.json:
        sys.stdout.write(render_memory_json(result, estimate, reserved))
    else:
        render_memory(_out(), result, estimate, reserved)
    raise typer.Exit(EXIT_OK)


@app.command()
def fit(
    spec: Annotated[str, typer.Argument(help="Spec file.", show_default=False)],
    budget: Annotated[
        str,
        typer.Option("--memory", "-m", help="GPU memory to fit in: 24GiB, 80GB, 11G, 16000MiB.", show_default=False),
    ],
    batch: Annotated[
        int | None,
        typer.Option("--batch", "-b", min=1, help="Fix the batch and find the largest valid input size instead."),
    ] = None,
    size: Annotated[
        str | None, typer.Option("--size", "--input", "-i", help="The input size to find the largest batch at.")
    ] = None,
    grow: Annotated[
        str | None,
        typer.Option(
            "--grow", help="With --batch: grow only this axis (H, W, D or 0, 1, 2); default every axis alike."
        ),
    ] = None,
    reserve: Annotated[
        str, typer.Option("--reserve", help="Keep this much more free (other processes, a safety margin), e.g. 1GiB.")
    ] = "0",
    context: Annotated[
        str, typer.Option("--context", help="The CUDA context, outside PyTorch's allocator (0.3-0.6 GiB measured).")
    ] = "0.5GiB",
    allocated: Annotated[
        bool,
        typer.Option(
            "--allocated",
            help="Compare max_memory_allocated with the budget (the old criterion) instead of the caching "
            "allocator's reserved peak, which is what must fit for the step to run.",
        ),
    ] = False,
    precision: PrecisionOption = Precision.fp32,
    optimizer: OptimizerOption = Optimizer.adam,
    output_format: ReportFormatOption = ReportFormat.text,
) -> None:
    """The largest batch that fits a GPU, or (with --batch) the largest valid input size that fits.

    A step fits when the caching allocator's reserved peak + the CUDA context (--context) + --reserve is
    within --memory; --allocated compares max_memory_allocated instead.
    """
    from unetcalc.memory.fit import Budget, FitError, largest_batch, largest_size, parse_bytes
    from unetcalc.report.memory_report import fit_json, render_fit

    try:
        limit = parse_bytes(budget) - parse_bytes(reserve)
        cuda_context = parse_bytes(context)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    if limit - cuda_context <= 0:
        raise _fail(f"--reserve {reserve} and --context {context} leave nothing of --memory {budget}")
    plan = Budget(limit, cuda_context, "allocated" if allocated else "reserved")
    if batch is not None and size is not None:
        raise _fail("give --batch (find the largest input) or --size (find the largest batch), not both")
    result = _checked(spec, _input_option(size))
    assert result.input is not None and result.validity is not None
    start = result.input.size
    try:
        if batch is None:
            if not all(isinstance(s, int) for s in start):
                raise _fail(
                    f"the input is symbolic ({'x'.join(map(str, start))}): give --size (e.g. 512x512) to find the "
                    "largest batch there, or --batch to find the largest input"
                )
            answer = largest_batch(result.spec, tuple(int(s) for s in start), plan, precision.value, optimizer.value)
            question = "largest batch"
        else:
            axis = _axis_option(grow, result)
            sizes = tuple(s if isinstance(s, int) else 0 for s in start)
            answer = largest_size(
                result.spec, tuple(result.validity.axes), sizes, axis, batch, plan, precision.value, optimizer.value
            )
            question = "largest valid input" + ("" if axis is None else f" growing axis {grow}")
    except FitError as exc:
        raise _fail(f"{spec}: {exc}") from None
    if output_format is ReportFormat.json:
        from unetcalc.textsafe import safe_json

        sys.stdout.write(safe_json(fit_json(result, answer)) + "\n")
    else:
        render_fit(_out(), result, answer, question)
    raise typer.Exit(EXIT_OK)


class Runtime(StrEnum):
    overlap_tile = "overlap-tile"
    monai = "monai"
    nnunet = "nnunet"


MAX_IMAGE_SIDE = 1 << 20  # pixels per axis: a whole-slide image is ~10^5


def _sizes_option(text: str, option: str) -> tuple[int, ...]:
    """``4096x4096``, ``300x512x512`` (x, × or commas between) → sizes in pixels."""
    parts = [p.strip() for p in text.replace("×", "x").replace(",", "x").split("x")]
    if not 1 <= len(parts) <= 3 or not all(p.isascii() and p.isdigit() and len(p) <= 8 for p in parts):
        raise _fail(f"{option} {text[:40]!r}: give 1 to 3 sizes in pixels, e.g. 4096x4096 or 300x512x512")
    sizes = tuple(int(p) for p in parts)
    if not all(1 <= n <= MAX_IMAGE_SIDE for n in sizes):
        raise _fail(f"{option} {text[:40]!r}: each size must be between 1 and {MAX_IMAGE_SIDE:,} pixels")
    return sizes


@app.command()
def rf(
    spec: Annotated[str, typer.Argument(help="Spec file.", show_default=False)],
    input_size: InputOption = None,
    output_format: ReportFormatOption = ReportFormat.text,
) -> None:
    """The exact receptive field: the input window each output position reads, per axis and pooling phase.

    Computed by propagating windows through every layer (skips, pools, transposed convs, resamplings,
    crops, pads), not by the chain formula; the halo a tile needs follows from it.
    """
    from unetcalc.report.receptive_report import field_json, render_field
    from unetcalc.tiling.receptive import receptive_field

    result = _checked(spec, _input_option(input_size), "rf")
    field = receptive_field(result)
    if output_format is ReportFormat.json:
        from unetcalc.textsafe import safe_json

        sys.stdout.write(safe_json(field_json(result, field)) + "\n")
    else:
        render_field(_out(), result, field)
    raise typer.Exit(EXIT_OK)


@app.command()
def tile(
    spec: Annotated[str, typer.Argument(help="Spec file.", show_default=False)],
    image: Annotated[
        str, typer.Option("--image", help="The image or volume to segment: 4096x4096, 300x512x512.", show_default=False)
    ],
    runtime: Annotated[
        Runtime,
        typer.Option("--runtime", help="overlap-tile (exact stitching), monai (sliding_window_inference), nnunet."),
    ] = Runtime.overlap_tile,
    tile_size: Annotated[
        str | None, typer.Option("--tile", help="The tile (network input); default: the largest that fits --memory.")
    ] = None,
    budget: Annotated[
        str | None, typer.Option("--memory", "-m", help="GPU memory to fit in: 8GiB, 24GB, 80G.", show_default=False)
    ] = None,
    reserve: Annotated[str, typer.Option("--reserve", help="Keep this much of --memory free, e.g. 1GiB.")] = "0",
    batch: Annotated[
        int | None, typer.Option("--batch", "-b", min=1, help="Tiles per forward pass (MONAI's sw_batch_size).")
    ] = None,
    overlap: Annotated[
        float | None, typer.Option("--overlap", help="monai: its overlap (default: the smallest that is seamless).")
    ] = None,
    step_size: Annotated[float, typer.Option("--step-size", help="nnunet: its tile_step_size.")] = 0.5,
    no_mirroring: Annotated[bool, typer.Option("--no-mirroring", help="nnunet: without test-time mirroring.")] = False,
    exact: Annotated[
        bool,
        typer.Option(
            "--exact/--no-exact",
            help="overlap-tile: steps on the pooling grid, so the stitched output equals one pass (default); "
            "--no-exact takes the longest steps instead.",
        ),
    ] = True,
    precision: PrecisionOption = Precision.fp32,
    plot: Annotated[
        str | None, typer.Option("--plot", help="Draw the plan: tiles.svg or tiles.png (3D: a slice).")
    ] = None,
    output_format: ReportFormatOption = ReportFormat.text,
) -> None:
    """Plan inference on an image larger than one pass: tile, step, padding, passes, memory, exactness.

    overlap-tile keeps every tile on the network's pooling grid and every kept output row clear of
    padding, so the stitched result equals one pass over the (mirror-)padded image.
    """
    from unetcalc.memory.fit import parse_bytes
    from unetcalc.report.tile_report import render_tile, tile_json
    from unetcalc.tiling.plan import TileError, TileRequest, plan_tiles

    sizes = _sizes_option(image, "--image")
    tile_option = _sizes_option(tile_size, "--tile") if tile_size is not None else None
    limit = None
    if budget is not None:
        try:
            limit = parse_bytes(budget) - parse_bytes(reserve)
        except ValueError as exc:
            raise _fail(str(exc)) from None
        if limit <= 0:
            raise _fail(f"--reserve {reserve} leaves nothing of --memory {budget}")
    if plot is not None:
        if Path(plot).suffix.lower() not in (".svg", ".png"):
            raise _fail(f"--plot {plot}: write a .svg or .png file")
        _check_targets([plot], [spec])
    result = _checked(spec, None, "tile")
    request = TileRequest(
        sizes, runtime.value, tile_option, limit, precision.value, batch, overlap, step_size, not no_mirroring, exact
    )
    try:
        plan = plan_tiles(result, request)
    except TileError as exc:
        raise _fail(f"{spec}: {exc}") from None
    if plot is not None:
        from unetcalc.draw.render import RendererMissing
        from unetcalc.draw.tiles_svg import tiles_image

        try:
            picture = tiles_image(result, plan, Path(plot).suffix.lower().lstrip("."))
        except RendererMissing as exc:
            raise _fail(str(exc)) from None
        _write(plot, lambda path: path.write_bytes(picture))
    if output_format is ReportFormat.json:
        from unetcalc.textsafe import safe_json

        sys.stdout.write(safe_json(tile_json(result, plan)) + "\n")
    else:
        render_tile(_out(), result, plan)
        if plot is not None:
            _err().print(f"wrote {escape(plot)}")
    raise typer.Exit(EXIT_OK)


def _axis_option(grow: str | None, result: CheckResult) -> int | None:
    if grow is None or grow.lower() == "all":
        return None
    assert result.validity is not None
    names = [axis.symbol for axis in result.validity.axes]
    if grow.isdigit() and int(grow) < len(names):
        return int(grow)
    if grow in names:
        return names.index(grow)
    raise _fail(f"--grow {grow}: name an axis of the input ({', '.join(names)}) or its number, or all")


class DiffFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


@app.command()
def diff(
    old: Annotated[str, typer.Argument(help="The old spec.", show_default=False)],
    new: Annotated[str, typer.Argument(help="The new spec.", show_default=False)],
    output_format: Annotated[DiffFormat, typer.Option("--format", "-f", help="Output format.")] = DiffFormat.text,
    show_all: Annotated[
        bool, typer.Option("--all", help="Every changed shape (text: by default the first 8).")
    ] = False,
) -> None:
    """What changed between two versions of a spec: layers, shapes, parameters, output, valid inputs, findings."""
    from unetcalc.diff import diff_results
    from unetcalc.report import diff_report

    changes = diff_results(_load(old, None), _load(new, None))
    if output_format is DiffFormat.markdown:
        sys.stdout.write(diff_report.render_markdown(changes))
    elif output_format is DiffFormat.json:
        sys.stdout.write(diff_report.render_json(changes))
    else:
        diff_report.render_text(text_out(), changes, show_all)  # plain lines when piped: no rich per line
    raise typer.Exit(EXIT_OK)


@app.command()
def expand(spec: Annotated[str, typer.Argument(help="Spec file (v2: blocks, templates).", show_default=False)]) -> None:
    """Print the equivalent flat spec v1: every block use and template expanded to its layers."""
    from unetcalc.spec.emit import flat_yaml

    result = _load(spec, None, documents=True)
    if not result.ok:
        _print_report(result)
        raise typer.Exit(EXIT_FINDINGS)
    sys.stdout.write(flat_yaml(result.spec))


@app.command()
def convert(
    note: Annotated[str, typer.Argument(help="A markdown note with layer tables.", show_default=False)],
    output: Annotated[
        str | None,
        typer.Option("--output", "-o", help="The spec file (a directory when the note has several tables)."),
    ] = None,
) -> None:
    """Write the YAML spec of each layer table in a markdown note (one per table, named after its heading)."""
    import re

    from unetcalc.check import check_note
    from unetcalc.spec.emit import note_yaml

    try:
        results, _ = check_note(note, documents=True)
    except SpecFileError as exc:
        raise _fail(str(exc)) from None
    if not results:
        raise _fail(f"{note}: no layer table (a markdown table with an Operation column)")
    texts = [note_yaml(r.spec) for r in results]
    if output is None:
        sys.stdout.write("---\n".join(texts))
        return
    if len(results) == 1 and not Path(output).is_dir():
        targets = [output]
    else:
        if Path(output).exists() and not Path(output).is_dir():
            raise _fail(f"{output} is a file: {note} has {len(results)} layer tables, so -o names a directory")
        try:
            Path(output).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _fail(f"cannot make the directory {output} ({exc.strerror})") from None
        slugs = [
            re.sub(r"[^a-z0-9]+", "-", r.spec.name.lower()).strip("-") or f"table{i + 1}" for i, r in enumerate(results)
        ]
        targets = [str(Path(output) / f"{slug}.yaml") for slug in slugs]
    _check_targets(targets, [note])
    for target, text in zip(targets, texts, strict=True):

        def write_text(tmp: Path, text: str = text) -> int:
            return tmp.write_text(text, encoding="utf-8")

        _write(target, write_text)
        _out().print(f"wrote {escape(target)}")


@app.command()
def schema() -> None:
    """Print the JSON Schema of spec v1 (for editors: `# yaml-language-server: $schema=...`)."""
    from unetcalc.spec.schema import shipped_schema_text

    sys.stdout.write(shipped_schema_text())


from unetcalc.cli.import_command import import_command  # noqa: E402 (registered in the order help lists)

app.command("import")(import_command)


@app.command("rules")
def list_rules() -> None:
    """List every rule: code, name, severity, summary."""
    from rich.table import Table

    listing = Table()
    for column in ("code", "name", "severity"):
        listing.add_column(column, no_wrap=True)
    listing.add_column("summary")
    for entry in all_rules():
        listing.add_row(entry.code, entry.name, entry.severity.value, entry.summary)
    _out().print(listing)


@app.command()
def lsp() -> None:
    """Run the language server on stdio: shapes at the end of each row, findings while you type, fixes.

    Needs pygls: pip install 'unetcalc[lsp]'. Editor setup: README, "In your editor".
    """
    try:
        from unetcalc.lsp.server import serve
    except ImportError:
        raise _fail("the language server needs pygls: pip install 'unetcalc[lsp]'") from None
    serve()
    raise typer.Exit(EXIT_OK)


@app.command()
def explain(code: Annotated[str, typer.Argument(help="A rule code such as UC103.")]) -> None:
    """Explain one rule: what it does, why it matters, an example and the fix."""
    entry = rules_by_code().get(code.upper())
    if entry is None:
        from unetcalc.findings.suggest import did_you_mean

        suggestion = did_you_mean(code.upper(), rules_by_code())
        raise _fail(f"no rule {code!r}; {suggestion + ' ' if suggestion else ''}see `unetcalc rules`")
    console = _out()
    console.print(f"[bold]{entry.code} {entry.name}[/] ({entry.severity.value})\n{entry.summary}\n")
    for title, text in (
        ("What it does", entry.what),
        ("Why it matters", entry.why),
        ("Example", entry.example),
        ("Fix", entry.fix),
    ):
        console.print(f"[bold]{title}[/]")
        console.print(text, markup=False)
        console.print()
