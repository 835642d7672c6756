"""nnU-Net plans (nnU-Net ≥ 2.4's `architecture` entry) for a PlainConvUNet, as the planner writes them."""

from __future__ import annotations

from typing import Any


def plain_conv_unet_plans(
    dataset: str,
    features: list[int],
    kernels: list[list[int]],
    strides: list[list[int]],
    patch_size: list[int],
    batch_size: int,
) -> dict[str, Any]:
    stages = len(features)
    arch_kwargs = {
        "n_stages": stages,
        "features_per_stage": features,
        "conv_op": "torch.nn.modules.conv.Conv3d",
        "kernel_sizes": kernels,
        "strides": strides,
        "n_conv_per_stage": [2] * stages,
        "n_conv_per_stage_decoder": [2] * (stages - 1),
        "conv_bias": True,
        "norm_op": "torch.nn.modules.instancenorm.InstanceNorm3d",
        "norm_op_kwargs": {"eps": 1e-05, "affine": True},
        "dropout_op": None,
        "dropout_op_kwargs": None,
        "nonlin": "torch.nn.LeakyReLU",
        "nonlin_kwargs": {"inplace": True},
    }
    architecture = {
        "network_class_name": "dynamic_network_architectures.architectures.unet.PlainConvUNet",
        "arch_kwargs": arch_kwargs,
        "_kw_requires_import": ["conv_op", "norm_op", "dropout_op", "nonlin"],
    }
    return {
        "dataset_name": dataset,
        "foreground_intensity_properties_per_channel": {"0": {"mean": 1.0}},
        "configurations": {
            "3d_fullres": {"batch_size": batch_size, "patch_size": patch_size, "architecture": architecture}
        },
    }


def legacy_plans(
    dataset: str,
    class_name: str,
    base: int,
    most: int,
    kernels: list[list[int]],
    strides: list[list[int]],
    patch_size: list[int],
    batch_size: int,
) -> dict[str, Any]:
    """Plans as nnU-Net 2.0–2.3 wrote them: no `architecture` entry, the network given by flat keys."""
    stages = len(kernels)
    config = {
        "batch_size": batch_size,
        "patch_size": patch_size,
        "UNet_class_name": class_name,
        "UNet_base_num_features": base,
        "unet_max_num_features": most,
        "n_conv_per_stage_encoder": [2] * stages if class_name == "PlainConvUNet" else [1, 3, 4, 6, 6][:stages],
        "n_conv_per_stage_decoder": [2] * (stages - 1),
        "num_pool_per_axis": [sum(1 for s in strides if s[a] > 1) for a in range(len(kernels[0]))],
        "pool_op_kernel_sizes": strides,
        "conv_kernel_sizes": kernels,
    }
    return {
        "dataset_name": dataset,
        "foreground_intensity_properties_per_channel": {"0": {"mean": 1.0}},
        "configurations": {"3d_fullres": config},
    }
