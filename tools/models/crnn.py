"""A CRNN-style text recogniser (Shi et al. 2015, scaled down) for conformance tests: a VGG-like conv
stack collapses the height of a [N,1,32,W] text line to 1, the width becomes the sequence
([W', N, C] via squeeze + permute), a 2-layer bidirectional LSTM runs over it and a Linear gives
per-step character logits [W', N, classes] (CTC decoding happens outside the model).
The first convs have a bias and no BatchNorm, the later ones BatchNorm (as in the original); pooling
switches to (2,1) windows to keep horizontal resolution. Seeded random weights.
"""

from dataclasses import dataclass

import torch
from torch import nn

import seeding


@dataclass(frozen=True)
class CrnnConfig:
    height: int = 32
    width: int = 128
    num_classes: int = 37  # blank + 26 letters + 10 digits
    hidden: int = 128


def conv_relu(cin: int, cout: int, k: int = 3, padding: int = 1, batch_norm: bool = False) -> list:
    layers = [nn.Conv2d(cin, cout, k, padding=padding, bias=not batch_norm)]
    if batch_norm:
        layers.append(nn.BatchNorm2d(cout))
    layers.append(nn.ReLU(inplace=True))
    return layers


class Crnn(nn.Module):
    def __init__(self, config: CrnnConfig = CrnnConfig()):
        super().__init__()
        if config.height != 32:
            raise ValueError("the conv stack reduces a height of exactly 32 to 1")
        self.features = nn.Sequential(
            *conv_relu(1, 32), nn.MaxPool2d(2, 2),  # 16 x W/2
            *conv_relu(32, 64), nn.MaxPool2d(2, 2),  # 8 x W/4
            *conv_relu(64, 128, batch_norm=True),
            *conv_relu(128, 128), nn.MaxPool2d((2, 1), (2, 1)),  # 4 x W/4
            *conv_relu(128, 256, batch_norm=True),
            *conv_relu(256, 256, batch_norm=True), nn.MaxPool2d((2, 1), (2, 1)),  # 2 x W/4
            *conv_relu(256, 256, k=2, padding=0, batch_norm=True),  # 1 x (W/4 - 1)
        )
        self.lstm = nn.LSTM(256, config.hidden, num_layers=2, bidirectional=True)
        self.classifier = nn.Linear(2 * config.hidden, config.num_classes)

    def forward(self, x):
        f = self.features(x).squeeze(2)  # [N, C, W']
        sequence = f.permute(2, 0, 1)  # [W', N, C]
        y, _ = self.lstm(sequence)
        return self.classifier(y)  # [W', N, classes]


OUTPUTS = ["char_logits"]


def build_crnn(config: CrnnConfig = CrnnConfig(), seed: int = 2) -> Crnn:
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    net = Crnn(config)
    seeding.randomize_batch_norm_affine(net, generator)
    seeding.randomize_biases(net, generator)
    calibration = torch.rand((4, 1, config.height, config.width), generator=generator)
    seeding.calibrate_batch_norm(net, lambda m: m(calibration), generator)
    return net
