"""Plan → a standalone PyTorch source file (no unetcalc import needed)."""

from __future__ import annotations

import inspect
import keyword
import re

from unetcalc.check import CheckResult
from unetcalc.shapes.shape import format_shape
from unetcalc.textsafe import printable
from unetcalc.torch import modules
from unetcalc.torch.plan import GENERATED_NAMES, Plan, PlanStep, call_source, literal, make_plan

INLINE_OPS = ("concat", "add", "multiply", "crop", "pad", "resize")


def class_name(name: str) -> str:
    """``unet-2015`` → ``Unet2015``: an ASCII identifier that shadows no keyword, import or helper."""
    words = re.split(r"[^0-9A-Za-z]+", name)
    text = "".join(w[:1].upper() + w[1:] for w in words if w)
    if not text or text[0].isdigit() or keyword.iskeyword(text) or text in GENERATED_NAMES:
        text = f"Net{text}"
    return text


def docstring_text(text: str) -> str:
    """User text inside a generated ``\"\"\"docstring\"\"\"``: printable, with every backslash and quote escaped.

    With no raw ``"`` and no raw backslash the text cannot end the string, whatever the spec's name
    or the file's path holds.
    """
    return printable(text).replace("\\", "\\\\").replace('"', '\\"')


def _forward_expression(step: PlanStep, ins: list[str]) -> str:
    """The right-hand side that computes ``step`` from the variables ``ins`` holding its inputs."""
    x, others = ins[0], ins[1:]
    op = step.layer.op
    crop = step.layer.params.get("crop") == "center"
    if op == "concat":
        skips = [f"center_crop({o}, {x}.shape[2:])" if crop else o for o in others]
        return f"torch.cat([{', '.join([x, *skips])}], dim=1)"
    if op in ("add", "multiply"):
        skips = [f"center_crop({o}, {x}.shape[2:])" if crop else o for o in others]
        return f"{(' + ' if op == 'add' else ' * ').join([x, *skips])}"
    if op == "resize":
        kwargs = dict(step.call.kwargs)
        if others:
            target = f"size={others[0]}.shape[2:]"
        elif kwargs["size"] is not None:
            target = f"size={literal(kwargs['size'])}"
        else:
            target = f"scale_factor={literal(kwargs['scale_factor'])}"
        corners = "" if kwargs["align_corners"] is None else f", align_corners={kwargs['align_corners']}"
        return f"F.interpolate({x}, {target}, mode={literal(kwargs['mode'])}{corners})"
    if op == "crop":
        target = f"{others[0]}.shape[2:]" if others else literal(tuple(step.layer.params["size"]))
        offset = step.layer.params.get("offset")
        at = "" if offset is None else f", {literal(tuple(offset))}"
        return f"center_crop({x}, {target}{at})"
    if op == "pad":
        mode = "constant" if step.layer.params["mode"] == "zeros" else step.layer.params["mode"]
        value = f", value={literal(float(step.layer.params['value']))}" if mode == "constant" else ""
        if others:
            return f"pad_to({x}, {others[0]}.shape[2:], mode={literal(mode)}{value})"
        pads = [p for side in reversed(step.layer.params["padding"]) for p in side]
        return f"F.pad({x}, {pads!r}, mode={literal(mode)}{value})"
    return f"{module_expression(step)}({x})"


def forward_lines(plan: Plan, shapes: list[str]) -> list[str]:
    """``forward()`` as a PyTorch engineer writes it: one variable ``x`` along each chain, a name only for
    a tensor read again later (a skip) or returned, deleted after its last reader, so that every tensor
    is freed as soon as it can be (inference of the 2015 U-Net at batch 16 needs a quarter of the memory
    it needs when every intermediate stays a live local)."""
    runs = [step.layer.runs for step in plan.steps]  # `run: false` layers: built in __init__, never called
    steps = [step for step, run in zip(plan.steps, runs, strict=True) if run]
    shapes = [shape for shape, run in zip(shapes, runs, strict=True) if run]
    returned = set(plan.returned)
    readers: dict[str, list[int]] = {}
    for index, step in enumerate(steps):
        for source in step.sources:
            readers.setdefault(source, []).append(index)
    last_use = {tensor: uses[-1] for tensor, uses in readers.items()}

    def chained(tensor: str, index: int) -> bool:  # read once more, by the very next step: it lives in x
        return tensor not in returned and set(readers.get(tensor, [])) == {index + 1}

    input_name = "x" if chained("input", -1) else "input"
    holds = "input" if input_name == "x" else None  # the tensor x holds
    body = []
    for index, step in enumerate(steps):
        ins = ["x" if source == holds else (input_name if source == "input" else source) for source in step.sources]
        expression = _forward_expression(step, ins)
        comment = f"  # {shapes[index]}"
        if index == len(steps) - 1 and plan.returned == (step.key,):
            body.append(f"        return {expression}{comment}")
            break
        following = steps[index + 1].sources[:1] if index + 1 < len(steps) else ()
        stale = holds is not None and last_use.get(holds, -1) <= index and holds not in returned
        if chained(step.key, index):
            target, holds = "x", step.key
        elif step.key in following:  # named (read again later), and the next step goes on from it
            target, holds = f"x = {step.key}", step.key
        else:
            target = step.key
        body.append(f"        {target} = {expression}{comment}")
        done = [
            source
            for source in dict.fromkeys(step.sources)
            if last_use[source] == index
            and source not in returned
            and source != holds
            and not chained(source, index - 1)
        ]
        names = [input_name if source == "input" else source for source in done]
        if stale and holds is not None and not target.startswith("x") and "x" not in names:
            names.append("x")
            holds = None
        if names:
            body.append(f"        del {', '.join(names)}")
    else:
        outputs = plan.returned
        if plan.stacked:
            body.append(f"        return torch.stack([{', '.join(outputs)}], dim=1)")
        else:
            body.append(f"        return {outputs[0] if len(outputs) == 1 else '(' + ', '.join(outputs) + ')'}")
    return ["", f"    def forward(self, {input_name}):", *body, ""]


def module_expression(step: PlanStep) -> str:
    """``self.enc1a``, or ``self.layer3[2].conv1`` for a module inside block instances."""
    path = step.path or (step.key,)
    return "self" + "".join(f"[{part}]" if part.isdigit() else f".{part}" for part in path)


def _container_lines(plan: Plan) -> list[str]:
    """The containers block instances need, outermost first: `nn.Module()`, or `nn.ModuleList` of them
    for repetitions (children 0…n-1), so state_dict keys read `layer3.2.conv1.weight`."""
    children: dict[tuple[str, ...], list[str]] = {}
    for step in plan.steps:
        if step.layer.op in INLINE_OPS:
            continue
        path = step.path or (step.key,)
        for i in range(1, len(path)):
            names = children.setdefault(path[:i], [])
            if path[i] not in names:
                names.append(path[i])
    lines = []
    for prefix, names in children.items():
        if any(part.isdigit() for part in prefix[-1:]) and prefix[:-1] in children and _is_list(children[prefix[:-1]]):
            continue  # created by its parent's ModuleList
        target = "self" + "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in prefix)
        if _is_list(names):
            lines.append(f"        {target} = nn.ModuleList(nn.Module() for _ in range({len(names)}))")
        else:
            lines.append(f"        {target} = nn.Module()")
    return lines


def _is_list(names: list[str]) -> bool:
    return all(n.isdigit() for n in names) and sorted(int(n) for n in names) == list(range(len(names)))


def generate_code(result: CheckResult, plan: Plan | None = None) -> str:
    plan = plan or make_plan(result)
    inference = result.inference
    assert inference is not None
    needed = {step.call.ctor for step in plan.steps if not step.call.ctor.startswith("nn.")}
    needs_crop = any(step.layer.op == "crop" or step.layer.params.get("crop") == "center" for step in plan.steps)
    helpers = []
    if needs_crop:
        helpers.append(inspect.getsource(modules.center_crop))
    needs_pad_to = any(step.layer.op == "pad" and step.layer.params.get("to") is not None for step in plan.steps)
    if needs_pad_to:
        helpers.append(inspect.getsource(modules.pad_to))
    for cls in (modules.ChannelLayerNorm, modules.ChannelLinear):
        if cls.__name__ in needed:
            helpers.append(inspect.getsource(cls))
    name = class_name(plan.name)
    io_text = f"{format_shape(inference.input)} → {format_shape(inference.output)}"
    lines = [
        f'"""{docstring_text(plan.name)}: generated by unetcalc from {docstring_text(result.path)}.',
        "",
        f"Shapes (sizes then channels): {io_text}; {inference.params:,} parameters.",
        "Standalone: needs only torch.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        *(["from collections.abc import Sequence", ""] if needs_crop or needs_pad_to else []),
        "import torch",
        "import torch.nn.functional as F  # noqa: F401",
        "from torch import nn",
        "",
    ]
    for helper in helpers:
        lines += ["", helper.rstrip(), ""]
    lines += [
        "",
        f"class {name}(nn.Module):",
        f'    """{docstring_text(plan.name)}: {io_text}."""',
        "",
        "    def __init__(self):",
        "        super().__init__()",
    ]
    lines += _container_lines(plan)
    for step in plan.steps:
        if step.layer.op not in INLINE_OPS:
            lines.append(f"        {module_expression(step)} = {call_source(step.call)}")
    lines += forward_lines(plan, [format_shape(entry.out) for entry in inference.layers])
    example = ", ".join(str(s) for s in (1, inference.input.channels, *_example_size(result)))
    lines += [
        "",
        'if __name__ == "__main__":',
        f"    model = {name}()",
        f"    out = model(torch.zeros({example}))",
        "    shapes = [tuple(o.shape) for o in out] if isinstance(out, tuple) else tuple(out.shape)",
        '    print(type(model).__name__, shapes, sum(p.numel() for p in model.parameters()), "params")',
        "",
    ]
    return "\n".join(lines)


def _example_size(result: CheckResult) -> tuple[int, ...]:
    assert result.input is not None and result.validity is not None
    return tuple(
        value if isinstance(value, int) else (axis.min or 1)
        for value, axis in zip(result.input.size, result.validity.axes, strict=True)
    )
