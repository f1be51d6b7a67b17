"""Exports models of the families vigil gained in sessions 6 and 8, at realistic sizes, with seeded random weights,
for timing against ONNX Runtime:

    /opt/vigil-venv/bin/python bench/export_other_models.py OUT_DIR
    python bench/compare_ort.py --vigil build/vigil --files OUT_DIR/*.onnx --runs 20 --warmup 3 --markdown

- video_r2plus1d.onnx: an R(2+1)D-style video classifier on a [1, 3, 16, 112, 112] clip: a (1,7,7) stem then
  (3,1,1) temporal convs, four stages of factorised (1,3,3) + (3,1,1) Conv3d + BatchNorm3d + ReLU with
  strided downsampling, AdaptiveAvgPool3d, Linear (opset 13; BatchNorm folded by the exporter).
- centernet_decoder.onnx: a CenterNet-style upsampling decoder on a [1, 256, 16, 16] feature map: three
  ConvTranspose2d(kernel 4, stride 2, padding 1) + BatchNorm2d + ReLU (256 -> 128 -> 64 -> 64 channels, to
  128 x 128), then a 3x3 conv head (opset 13).
- video_x3d_s.onnx: an X3D-S-style efficient video classifier on a [1, 3, 13, 160, 160] clip: a (1,3,3)
  stride-(1,2,2) stem then a channel-wise (5,1,1) conv; four stages (widths 24/48/96/192, depths 3/5/11/7,
  expansion 2.25) of bottlenecks 1x1x1 conv-BN-ReLU -> channel-wise 3x3x3 conv (stride (1,2,2) in each
  stage's first block) -> BN -> squeeze-excitation (every other block: global AvgPool3d, 1x1x1 convs, ReLU,
  Sigmoid, Mul) -> Swish (x * sigmoid(x)) -> 1x1x1 conv-BN, plus the residual (a strided 1x1x1 conv-BN on
  the first block); then a 1x1x1 conv to 432, AvgPool3d over the whole (13,5,5) volume, a 1x1x1 conv to 2048,
  Linear (opset 13). ~2 GFLOP; late stages run 432 channels on 5x5 planes.
- video_x3d_xs.onnx: the same network on a [1, 3, 4, 160, 160] clip (X3D-XS).
Needs PyTorch (Debian's python3-torch is enough).
"""
import os

import torch
import torch.nn as nn

from export_args import out_dir_parser


def conv_bn_relu3d(cin, cout, kernel, stride, padding):
    return nn.Sequential(nn.Conv3d(cin, cout, kernel, stride=stride, padding=padding, bias=False),
                         nn.BatchNorm3d(cout), nn.ReLU(inplace=True))


class R2Plus1D(nn.Module):
    def __init__(self, classes=16):
        super().__init__()
        layers = [conv_bn_relu3d(3, 45, (1, 7, 7), (1, 2, 2), (0, 3, 3)), conv_bn_relu3d(45, 64, (3, 1, 1), 1, (1, 0, 0))]
        cin = 64
        for cout, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
            mid = cout
            layers += [conv_bn_relu3d(cin, mid, (1, 3, 3), (1, stride, stride), (0, 1, 1)),
                       conv_bn_relu3d(mid, cout, (3, 1, 1), (stride, 1, 1), (1, 0, 0))]
            cin = cout
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool3d(1)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        return self.fc(self.pool(self.features(x)).flatten(1))


class CenterNetDecoder(nn.Module):
    def __init__(self):
        super().__init__()
        layers, cin = [], 256
        for cout in (128, 64, 64):
            layers += [nn.ConvTranspose2d(cin, cout, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(cout),
                       nn.ReLU(inplace=True)]
            cin = cout
        self.up = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(64, 80, 1))

    def forward(self, x):
        return self.head(self.up(x))


def round_width(width, multiplier, divisor=8):
    # X3D's channel rounding: to a multiple of `divisor`, never below 90 % of the exact width.
    width *= multiplier
    rounded = max(divisor, int(width + divisor / 2) // divisor * divisor)
    return int(rounded + divisor if rounded < 0.9 * width else rounded)


class Swish(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(x)


class SqueezeExcitation3d(nn.Module):
    def __init__(self, channels, ratio=0.0625):
        super().__init__()
        squeezed = round_width(channels, ratio)
        self.pool = nn.AdaptiveAvgPool3d(1)
        self.fc1 = nn.Conv3d(channels, squeezed, 1)
        self.fc2 = nn.Conv3d(squeezed, channels, 1)

    def forward(self, x):
        return x * torch.sigmoid(self.fc2(torch.relu(self.fc1(self.pool(x)))))


class X3DBottleneck(nn.Module):
    def __init__(self, cin, inner, cout, stride, use_se):
        super().__init__()
        self.a = nn.Sequential(nn.Conv3d(cin, inner, 1, bias=False), nn.BatchNorm3d(inner), nn.ReLU(inplace=True))
        b = [nn.Conv3d(inner, inner, 3, stride=(1, stride, stride), padding=1, groups=inner, bias=False),
             nn.BatchNorm3d(inner)]
        if use_se:
            b.append(SqueezeExcitation3d(inner))
        self.b = nn.Sequential(*b, Swish())
        self.c = nn.Sequential(nn.Conv3d(inner, cout, 1, bias=False), nn.BatchNorm3d(cout))
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv3d(cin, cout, 1, stride=(1, stride, stride), bias=False),
                                          nn.BatchNorm3d(cout))

    def forward(self, x):
        residual = x if self.shortcut is None else self.shortcut(x)
        return torch.relu(self.c(self.b(self.a(x))) + residual)


class X3D(nn.Module):
    def __init__(self, frames, size, classes=400, widths=(24, 48, 96, 192), depths=(3, 5, 11, 7), expansion=2.25):
        super().__init__()
        stem = widths[0]
        self.stem = nn.Sequential(nn.Conv3d(3, stem, (1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1), bias=False),
                                  nn.Conv3d(stem, stem, (5, 1, 1), padding=(2, 0, 0), groups=stem, bias=False),
                                  nn.BatchNorm3d(stem), nn.ReLU(inplace=True))
        blocks, cin = [], stem
        for width, depth in zip(widths, depths):
            inner = int(expansion * width)
            for i in range(depth):
                blocks.append(X3DBottleneck(cin, inner, width, 2 if i == 0 else 1, use_se=(i % 2 == 0)))
                cin = width
        self.stages = nn.Sequential(*blocks)
        head = int(expansion * widths[-1])
        self.conv5 = nn.Sequential(nn.Conv3d(cin, head, 1, bias=False), nn.BatchNorm3d(head), nn.ReLU(inplace=True))
        self.pool = nn.AvgPool3d((frames, size // 32, size // 32), stride=1)
        self.lin5 = nn.Conv3d(head, 2048, 1, bias=False)
        self.fc = nn.Linear(2048, classes)

    def forward(self, x):
        x = self.pool(self.conv5(self.stages(self.stem(x))))
        return self.fc(torch.relu(self.lin5(x)).flatten(1))


def randomise_batch_norm(model):
    # Non-trivial running statistics, so that folding them is not the identity.
    g = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm2d, nn.BatchNorm3d)):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)


def main():
    out = out_dir_parser(__doc__).parse_args().out_dir
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    for name, model, shape in [("video_r2plus1d", R2Plus1D(), (1, 3, 16, 112, 112)),
                               ("centernet_decoder", CenterNetDecoder(), (1, 256, 16, 16)),
                               ("video_x3d_s", X3D(13, 160), (1, 3, 13, 160, 160)),
                               ("video_x3d_xs", X3D(4, 160), (1, 3, 4, 160, 160))]:
        randomise_batch_norm(model)
        path = os.path.join(out, name + ".onnx")
        torch.onnx.export(model.eval(), (torch.randn(*shape),), path, opset_version=13, input_names=["x"],
                          output_names=["y"])
        print(path)


if __name__ == "__main__":
    main()
