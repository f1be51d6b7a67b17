"""A small MobileNetV2 (Sandler et al. 2018) for conformance tests: inverted residual blocks with
depthwise 3x3 convs, ReLU6 and linear bottlenecks, written the way PyTorch code usually writes it
(ReLU6 exports as Clip(0, 6), the classifier's pooling as GlobalAveragePool + Flatten, the classifier as
Gemm). Default: width 0.5, 128x128 input, 100 classes; seeded random weights.
"""

from dataclasses import dataclass

import torch
from torch import nn

import seeding


def make_divisible(value: float, divisor: int = 8) -> int:
    """Round to the nearest multiple of `divisor`, never going below 90% of `value` (the paper's rule)."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


def conv_bn_relu6(cin: int, cout: int, k: int, stride: int = 1, groups: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, groups=groups, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU6(inplace=True),
    )


class InvertedResidual(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int, expand_ratio: int):
        super().__init__()
        hidden = cin * expand_ratio
        self.use_residual = stride == 1 and cin == cout
        layers = []
        if expand_ratio != 1:
            layers.append(conv_bn_relu6(cin, hidden, 1))
        layers += [
            conv_bn_relu6(hidden, hidden, 3, stride=stride, groups=hidden),  # depthwise
            nn.Conv2d(hidden, cout, 1, bias=False),  # linear bottleneck
            nn.BatchNorm2d(cout),
        ]
        self.block = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.block(x) if self.use_residual else self.block(x)


@dataclass(frozen=True)
class MobileNetV2Config:
    width: float = 0.5
    input_size: int = 128
    num_classes: int = 100


# (expansion t, output channels c, repeats n, first stride s), the paper's Table 2.
_SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]


class MobileNetV2(nn.Module):
    def __init__(self, config: MobileNetV2Config = MobileNetV2Config()):
        super().__init__()
        cin = make_divisible(32 * config.width)
        last = make_divisible(1280 * max(1.0, config.width))
        layers = [conv_bn_relu6(3, cin, 3, stride=2)]
        for t, c, n, s in _SETTINGS:
            cout = make_divisible(c * config.width)
            for i in range(n):
                layers.append(InvertedResidual(cin, cout, s if i == 0 else 1, t))
                cin = cout
        layers.append(conv_bn_relu6(cin, last, 1))
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(last, config.num_classes)

    def forward(self, x):
        return self.classifier(torch.flatten(self.pool(self.features(x)), 1))


OUTPUTS = ["logits"]


def build_mobilenet_v2(config: MobileNetV2Config = MobileNetV2Config(), seed: int = 1) -> MobileNetV2:
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    net = MobileNetV2(config)
    seeding.randomize_batch_norm_affine(net, generator)
    seeding.randomize_biases(net, generator)
    calibration = torch.rand((4, 3, config.input_size, config.input_size), generator=generator)
    seeding.calibrate_batch_norm(net, lambda m: m(calibration), generator)
    return net
