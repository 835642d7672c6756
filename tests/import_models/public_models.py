"""Constructor arguments of the public networks the import tests and benchmarks/import.py share."""

from __future__ import annotations

from typing import Any

# The MONAI UNet: residual units, five levels.
MONAI_UNET: dict[str, Any] = {
    "spatial_dims": 2,
    "in_channels": 1,
    "out_channels": 2,
    "channels": [16, 32, 64, 128, 256],
    "strides": [2, 2, 2, 2],
    "num_res_units": 2,
}
MONAI_ATTENTION_UNET: dict[str, Any] = {
    "spatial_dims": 2,
    "in_channels": 1,
    "out_channels": 2,
    "channels": [16, 32, 64, 128],
    "strides": [2, 2, 2],
}
