"""wolny/pytorch-3dunet's UNet3D, written in its authors' style (GitHub-only: not on PyPI)."""

from functools import partial

import torch
from torch import nn
from torch.nn import functional as F


def create_conv(in_channels, out_channels, kernel_size, order, num_groups, padding):
    modules = []
    for i, char in enumerate(order):
        if char == "r":
            modules.append(("ReLU", nn.ReLU(inplace=True)))
        elif char == "l":
            modules.append(("LeakyReLU", nn.LeakyReLU(inplace=True)))
        elif char == "c":
            bias = not ("g" in order or "b" in order)
            modules.append(("conv", nn.Conv3d(in_channels, out_channels, kernel_size, padding=padding, bias=bias)))
        elif char == "g":
            is_before_conv = i < order.index("c")
            num_channels = in_channels if is_before_conv else out_channels
            if num_channels < num_groups:
                num_groups = 1
            modules.append(("groupnorm", nn.GroupNorm(num_groups=num_groups, num_channels=num_channels)))
        elif char == "b":
            is_before_conv = i < order.index("c")
            modules.append(("batchnorm", nn.BatchNorm3d(in_channels if is_before_conv else out_channels)))
    return modules


class SingleConv(nn.Sequential):
    def __init__(self, in_channels, out_channels, kernel_size=3, order="gcr", num_groups=8, padding=1):
        super().__init__()
        for name, module in create_conv(in_channels, out_channels, kernel_size, order, num_groups, padding):
            self.add_module(name, module)


class DoubleConv(nn.Sequential):
    def __init__(self, in_channels, out_channels, encoder, kernel_size=3, order="gcr", num_groups=8, padding=1):
        super().__init__()
        if encoder:
            conv1_in, conv1_out = in_channels, max(out_channels // 2, in_channels)
            conv2_in, conv2_out = conv1_out, out_channels
        else:
            conv1_in, conv1_out = in_channels, out_channels
            conv2_in, conv2_out = out_channels, out_channels
        self.add_module("SingleConv1", SingleConv(conv1_in, conv1_out, kernel_size, order, num_groups, padding))
        self.add_module("SingleConv2", SingleConv(conv2_in, conv2_out, kernel_size, order, num_groups, padding))


class Encoder(nn.Module):
    def __init__(self, in_channels, out_channels, apply_pooling=True, pool_kernel_size=2, order="gcr", num_groups=8):
        super().__init__()
        self.pooling = nn.MaxPool3d(kernel_size=pool_kernel_size) if apply_pooling else None
        self.basic_module = DoubleConv(in_channels, out_channels, encoder=True, order=order, num_groups=num_groups)

    def forward(self, x):
        if self.pooling is not None:
            x = self.pooling(x)
        return self.basic_module(x)


class InterpolateUpsampling(nn.Module):
    def __init__(self, mode="nearest"):
        super().__init__()
        self.upsample = partial(self._interpolate, mode=mode)

    def forward(self, encoder_features, x):
        output_size = encoder_features.size()[2:]
        return self.upsample(x, output_size)

    @staticmethod
    def _interpolate(x, size, mode):
        return F.interpolate(x, size=size, mode=mode)


class Decoder(nn.Module):
    def __init__(self, in_channels, out_channels, order="gcr", num_groups=8):
        super().__init__()
        self.upsampling = InterpolateUpsampling()
        self.basic_module = DoubleConv(in_channels, out_channels, encoder=False, order=order, num_groups=num_groups)

    def forward(self, encoder_features, x):
        x = self.upsampling(encoder_features=encoder_features, x=x)
        x = torch.cat((encoder_features, x), dim=1)
        return self.basic_module(x)


class UNet3D(nn.Module):
    def __init__(self, in_channels=1, out_channels=2, f_maps=(16, 32, 64, 128), layer_order="gcr", num_groups=8):
        super().__init__()
        self.encoders = nn.ModuleList(
            [
                Encoder(
                    in_channels if i == 0 else f_maps[i - 1],
                    f,
                    apply_pooling=i > 0,
                    order=layer_order,
                    num_groups=num_groups,
                )
                for i, f in enumerate(f_maps)
            ]
        )
        reversed_f = list(reversed(f_maps))
        self.decoders = nn.ModuleList(
            [
                Decoder(reversed_f[i] + reversed_f[i + 1], reversed_f[i + 1], order=layer_order, num_groups=num_groups)
                for i in range(len(reversed_f) - 1)
            ]
        )
        self.final_conv = nn.Conv3d(f_maps[0], out_channels, 1)
        self.final_activation = nn.Sigmoid()
        self.testing = True

    def forward(self, x):
        encoders_features = []
        for encoder in self.encoders:
            x = encoder(x)
            encoders_features.insert(0, x)
        encoders_features = encoders_features[1:]
        for decoder, encoder_features in zip(self.decoders, encoders_features):  # noqa: B905 (the authors wrote it so)
            x = decoder(encoder_features, x)
        x = self.final_conv(x)
        if self.testing:
            x = self.final_activation(x)
        return x
