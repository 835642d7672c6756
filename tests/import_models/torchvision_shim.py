"""Import torchvision beside the pinned CPU torch of CI and of this project's machines.

PyPI's torchvision is built against PyPI's CUDA torch: next to the CPU build its compiled operators do
not load, and its import fails registering fake kernels for `torchvision::nms` and `qnms`. Its models
(ResNets, FCN, the encoders smp uses through timm) are plain Python. Declaring those two operators
first lets it import; nothing here calls them. Tests and benchmarks only: users have a matching pair.
"""

from __future__ import annotations

import sys
from typing import Any

_LIBRARY: list[Any] = []  # the declared library must stay alive for the process


def torchvision_importable() -> bool:
    try:
        import torchvision

        return True
    except ImportError:
        return False
    except RuntimeError as exc:
        if "torchvision::nms" not in str(exc):
            raise
    import torch

    library = torch.library.Library("torchvision", "DEF")
    library.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    library.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    _LIBRARY.append(library)
    for name in [m for m in sys.modules if m.startswith("torchvision")]:
        del sys.modules[name]
    try:
        import torchvision  # noqa: F401
    except Exception:
        return False
    return True
