"""`run: false`: a layer whose module exists (parameters, state dict) but forward never runs — nnU-Net's
deep-supervision heads in eval. Counted, built, not run, no warning; nothing may read it."""

from __future__ import annotations

import pytest

from unetcalc import check_text
from unetcalc.memory.estimate import estimate_memory

SPEC = """\
input: {channels: 1, size: [32, 32]}
layers:
  - {op: conv, filters: 8, kernel: 3, padding: same, name: enc}
  - maxpool
  - {op: conv, filters: 8, kernel: 3, padding: same, name: mid}
  - {op: conv, filters: 3, kernel: 1, name: aux, run: %s}
  - {op: upconv, filters: 8, from: mid}
  - {op: concat, with: enc}
  - {op: conv, filters: 3, kernel: 1, name: seg}
"""


def test_an_idle_head_is_counted_but_not_run_and_not_a_warning():
    idle, unused = check_text(SPEC % "false"), check_text(SPEC % "true")
    assert idle.ok and [d.code for d in idle.diagnostics] == []
    assert [d.code for d in unused.diagnostics] == ["UC202"]  # a head that runs and nobody reads: a dead end
    assert idle.inference.params == unused.inference.params  # its parameters are the model's
    assert str(idle.inference.output) == "32x32x3" and idle.graph.output_ids == ["seg"]
    from unetcalc.shapes.cost import compute_costs

    aux_macs = 16 * 16 * (8 * 3 + 3)
    assert compute_costs(unused.inference).macs.value - compute_costs(idle.inference).macs.value == aux_macs
    memory, with_aux = estimate_memory(idle), estimate_memory(unused)
    assert memory.training.weights == with_aux.training.weights
    assert with_aux.training.gradients - memory.training.gradients == (8 * 3 + 3) * 4  # no gradient, no state


def test_nothing_may_read_an_idle_layer():
    reads = check_text(SPEC.replace("filters: 8, from: mid}", "filters: 8, from: aux}") % "false")
    assert [(d.code, d.line) for d in reads.errors] == [("UC007", 7)]
    assert "has `run: false`" in reads.errors[0].message
    listed = check_text((SPEC % "false") + "outputs: [seg, aux]\n")
    assert [d.code for d in listed.errors] == ["UC007"] and "has `run: false`" in listed.errors[0].message
    bad = check_text(SPEC % "maybe")
    assert [(d.code, d.line, d.message) for d in bad.errors] == [("UC005", 6, "`run` is true or false, got 'maybe'")]


def test_the_model_owns_the_idle_head_and_never_calls_it():
    torch = pytest.importorskip("torch")
    from unetcalc import build_module
    from unetcalc.torch.codegen import generate_code
    from unetcalc.torch.verify import verify

    result = check_text(SPEC % "false")
    model = build_module(result).eval()
    assert "aux.weight" in model.state_dict() and "seg.weight" in model.state_dict()
    calls = []
    model.aux.register_forward_hook(lambda *args: calls.append(args))
    with torch.no_grad():
        out = model(torch.randn(1, 1, 32, 32))
    assert tuple(out.shape) == (1, 3, 32, 32) and calls == []
    code = generate_code(result)
    assert "self.aux = " in code and "self.aux(" not in code
    assert all(not check.disagreements and check.torch_error is None for check in verify(result))
