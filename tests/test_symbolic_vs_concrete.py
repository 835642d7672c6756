"""Property: the closed-form valid inputs and symbolic shapes agree with concrete inference.

For a random architecture whose symbolic pass has no error, an input size is in
the solved residue class (above the minimum) exactly when the concrete pass
finds no shape error, and then every layer's concrete size equals its symbolic
expression evaluated at that input.
"""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import SHAPE_ERRORS, anisotropic_norm_case

from unetcalc import check_text

from strategies import unet_spec


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(text=unet_spec(v2=True), sizes=st.lists(st.integers(1, 200), min_size=2, max_size=2))
def test_valid_class_matches_concrete_inference(text, sizes):
    symbolic = check_text(text)
    if any(d.code in SHAPE_ERRORS or d.code == "UC106" for d in symbolic.errors):
        return  # structurally broken for every input; nothing to compare
    rank = len(yaml.safe_load(text)["input"]["size"])
    concrete_input = tuple(sizes[:rank])
    concrete = check_text(text, input_size=concrete_input)
    axes = symbolic.validity.axes
    predicted_valid = all(axis.contains(x) for axis, x in zip(axes, concrete_input, strict=True))
    shape_errors = [d for d in concrete.errors if d.code in SHAPE_ERRORS]
    if predicted_valid or shape_errors or not anisotropic_norm_case(concrete, concrete_input):
        assert predicted_valid == (not shape_errors), (concrete_input, [str(a.output) for a in axes], shape_errors)
    # The symbolic pass's expressions hold on each axis's aligned (first) residue class; other classes (sizes a
    # ceil_mode pool or padded strided conv rounds up) have their own, checked through the output.
    if predicted_valid and all(axis.aligned.contains(x) for axis, x in zip(axes, concrete_input, strict=True)):
        for sym_entry, entry in zip(symbolic.inference.layers, concrete.inference.layers, strict=True):
            assert entry.out is not None
            assert sym_entry.out.channels == entry.out.channels
            for expr, value, x in zip(sym_entry.out.size, entry.out.size, concrete_input, strict=True):
                assert expr.at(x) == value.value, (entry.layer.name, str(expr), x)
    if predicted_valid:
        for axis, x in zip(axes, concrete_input, strict=True):
            assert axis.output_at(x) == concrete.inference.output.size[axis.axis].value
