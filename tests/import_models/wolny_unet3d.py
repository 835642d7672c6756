"""wolny/pytorch-3dunet's UNet3D and ResidualUNet3D, written in its authors' style (GitHub-only: not on PyPI).

ResidualUNet3D upsamples with a transposed convolution called with the skip's size (``output_size``) and
joins by summation; its ExtResNetBlock adds the residual in place (``out += residual``)."""

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


class ExtResNetBlock(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size=3, order="cge", num_groups=8, **kwargs):
        super().__init__()
        self.conv1 = SingleConv(in_channels, out_channels, kernel_size=kernel_size, order=order, num_groups=num_groups)
        self.conv2 = SingleConv(out_channels, out_channels, kernel_size=kernel_size, order=order, num_groups=num_groups)
        n_order = order
        for c in "rel":
            n_order = n_order.replace(c, "")
        self.conv3 = SingleConv(
            out_channels, out_channels, kernel_size=kernel_size, order=n_order, num_groups=num_groups
        )
        if "l" in order:
            self.non_linearity = nn.LeakyReLU(negative_slope=0.1, inplace=True)
        elif "e" in order:
            self.non_linearity = nn.ELU(inplace=True)
        else:
            self.non_linearity = nn.ReLU(inplace=True)

    def forward(self, x):
        out = self.conv1(x)
        residual = out
        out = self.conv2(out)
        out = self.conv3(out)
        out += residual
        out = self.non_linearity(out)
        return out


def _double_conv(in_channels, out_channels, encoder, kernel_size=3, order="gcr", num_groups=8, padding=1):
    return DoubleConv(in_channels, out_channels, encoder, kernel_size, order, num_groups, padding)


class Encoder(nn.Module):
    def __init__(
        self,
        in_channels,
        out_channels,
        apply_pooling=True,
        pool_kernel_size=2,
        order="gcr",
        num_groups=8,
        basic_module=_double_conv,
    ):
        super().__init__()
        self.pooling = nn.MaxPool3d(kernel_size=pool_kernel_size) if apply_pooling else None
        self.basic_module = basic_module(in_channels, out_channels, encoder=True, order=order, num_groups=num_groups)

    def forward(self, x):
        if self.pooling is not None:
            x = self.pooling(x)
        return self.basic_module(x)


class Upsampling(nn.Module):
    def __init__(
        self,
        transposed_conv,
        in_channels=None,
        out_channels=None,
        kernel_size=3,
        scale_factor=(2, 2, 2),
        mode="nearest",
    ):
        super().__init__()
        if transposed_conv:
            # the output size reverses the MaxPool3d of the matching encoder (output_size below)
            self.upsample = nn.ConvTranspose3d(
                in_channels, out_channels, kernel_size=kernel_size, stride=scale_factor, padding=1
            )
        else:
            self.upsample = partial(self._interpolate, mode=mode)

    def forward(self, encoder_features, x):
        output_size = encoder_features.size()[2:]
        return self.upsample(x, output_size)

    @staticmethod
    def _interpolate(x, size, mode):
        return F.interpolate(x, size=size, mode=mode)


class Decoder(nn.Module):
    def __init__(self, in_channels, out_channels, order="gcr", num_groups=8, basic_module=_double_conv):
        super().__init__()
        if basic_module is _double_conv:
            self.upsampling = Upsampling(transposed_conv=False)
            self.joining = partial(self._joining, concat=True)
        else:
            self.upsampling = Upsampling(transposed_conv=True, in_channels=in_channels, out_channels=out_channels)
            self.joining = partial(self._joining, concat=False)
            in_channels = out_channels
        self.basic_module = basic_module(in_channels, out_channels, encoder=False, order=order, num_groups=num_groups)

    def forward(self, encoder_features, x):
        x = self.upsampling(encoder_features=encoder_features, x=x)
        x = self.joining(encoder_features, x)
        return self.basic_module(x)

    @staticmethod
    def _joining(encoder_features, x, concat):
        if concat:
            return torch.cat((encoder_features, x), dim=1)
        return encoder_features + x


class Abstract3DUNet(nn.Module):
    def __init__(self, in_channels, out_channels, basic_module, f_maps, layer_order="gcr", num_groups=8):
        super().__init__()
        self.encoders = nn.ModuleList(
            [
                Encoder(
                    in_channels if i == 0 else f_maps[i - 1],
                    f,
                    apply_pooling=i > 0,
                    order=layer_order,
                    num_groups=num_groups,
                    basic_module=basic_module,
                )
                for i, f in enumerate(f_maps)
            ]
        )
        reversed_f = list(reversed(f_maps))
        # concatenation joins both widths; summation (ExtResNetBlock) keeps the upsampled one
        concat = basic_module is _double_conv
        self.decoders = nn.ModuleList(
            [
                Decoder(
                    reversed_f[i] + reversed_f[i + 1] if concat else reversed_f[i],
                    reversed_f[i + 1],
                    order=layer_order,
                    num_groups=num_groups,
                    basic_module=basic_module,
                )
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


class UNet3D(Abstract3DUNet):
    def __init__(self, in_channels=1, out_channels=2, f_maps=(16, 32, 64, 128), layer_order="gcr", num_groups=8):
        super().__init__(in_channels, out_channels, _double_conv, f_maps, layer_order, num_groups)


class ResidualUNet3D(Abstract3DUNet):
    def __init__(self, in_channels=1, out_channels=2, f_maps=(8, 16, 32, 64, 128), layer_order="gcr", num_groups=8):
        super().__init__(in_channels, out_channels, ExtResNetBlock, f_maps, layer_order, num_groups)
