"""Small models in their authors' styles, for `unetcalc import` tests (loaded by path, as users do)."""

import torch
import torch.nn.functional as F
from torch import nn


def center_crop(skip, like):
    """The 2015 U-Net's copy-and-crop, as ports write it: slice the skip to the upsampled map's size."""
    dh = (skip.shape[2] - like.shape[2]) // 2
    dw = (skip.shape[3] - like.shape[3]) // 2
    return skip[:, :, dh : dh + like.shape[2], dw : dw + like.shape[3]]


class ValidUNet(nn.Module):
    """Two levels of valid 3x3 convs with a center-cropped skip (the 2015 paper's scheme)."""

    def __init__(self, channels=1, classes=2, width=8):
        super().__init__()
        self.enc = nn.Sequential(
            nn.Conv2d(channels, width, 3), nn.ReLU(inplace=True), nn.Conv2d(width, width, 3), nn.ReLU(inplace=True)
        )
        self.pool = nn.MaxPool2d(2)
        self.mid = nn.Sequential(nn.Conv2d(width, 2 * width, 3), nn.ReLU(inplace=True))
        self.up = nn.ConvTranspose2d(2 * width, width, 2, stride=2)
        self.dec = nn.Sequential(nn.Conv2d(2 * width, width, 3), nn.ReLU(inplace=True))
        self.head = nn.Conv2d(width, classes, 1)

    def forward(self, x):
        skip = self.enc(x)
        y = self.up(self.mid(self.pool(skip)))
        y = torch.cat([center_crop(skip, y), y], dim=1)
        return self.head(self.dec(y))


class Needs32(nn.Module):
    """Checks its input in Python before running, as smp's encoders do."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")

    def forward(self, x):
        h, w = x.shape[-2:]
        if h % 32 or w % 32:
            raise RuntimeError(f"Wrong input shape height={h}, width={w}: must be divisible by 32")
        return self.up(self.pool(self.conv(x)))


class Tokens(nn.Module):
    """Attention over flattened tokens: the spec language has no equivalent."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3, padding=1)
        self.attention = nn.MultiheadAttention(8, 2, batch_first=True)

    def forward(self, x):
        y = self.conv(x)
        n, c, h, w = y.shape
        tokens = y.flatten(2).transpose(1, 2)
        out, _ = self.attention(tokens, tokens, tokens)
        return out.transpose(1, 2).reshape(n, c, h, w)


class PlusOne(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)

    def forward(self, x):
        return self.conv(x) + 1.0


class Interpolated(nn.Module):
    """FCN-style: the head's output resized to the input's size with F.interpolate."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.classifier = nn.Conv2d(8, 5, 1)

    def forward(self, x):
        y = self.classifier(self.features(x))
        return F.interpolate(y, size=x.shape[-2:], mode="bilinear", align_corners=False)


class UpToSkipSize(nn.Module):
    """A transposed conv asked for the skip's size: output padding 0 at even sizes, 1 at odd ones."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.up = nn.ConvTranspose2d(4, 4, 2, stride=2)

    def forward(self, x):
        skip = self.conv(x)
        return torch.cat([skip, self.up(self.pool(skip), output_size=skip.shape[2:])], dim=1)


def valid_unet():
    return ValidUNet()


class StackedHeads(nn.Module):
    """Deep supervision returned as one tensor, as DynUNet does in training: heads resized, stacked on dim 1."""

    def __init__(self):
        super().__init__()
        self.enc = nn.Conv2d(1, 8, 3, padding=1)
        self.down = nn.MaxPool2d(2)
        self.mid = nn.Conv2d(8, 8, 3, padding=1)
        self.head_low = nn.Conv2d(8, 2, 1)
        self.up = nn.ConvTranspose2d(8, 8, 2, stride=2)
        self.head = nn.Conv2d(16, 2, 1)

    def forward(self, x):
        skip = self.enc(x)
        low = self.mid(self.down(skip))
        out = self.head(torch.cat([self.up(low), skip], dim=1))
        low_out = nn.functional.interpolate(self.head_low(low), out.shape[2:])
        return torch.stack([out, low_out], dim=1)


class StackedThenUsed(StackedHeads):
    """A stack along dim 1 that the model goes on computing with: no spec says that."""

    def forward(self, x):
        return torch.relu(super().forward(x))


class StackedBesideAnother(StackedHeads):
    """The stacked heads returned beside another tensor: a tuple holding a stack, which no spec says."""

    def forward(self, x):
        return super().forward(x), x
