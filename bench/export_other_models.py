"""Exports models of the families vigil gained in session 6, at realistic sizes, with seeded random weights,
for timing against ONNX Runtime:

    /opt/vigil-venv/bin/python bench/export_other_models.py OUT_DIR
    python bench/compare_ort.py --vigil build/vigil --files OUT_DIR/*.onnx --runs 20 --warmup 3 --markdown

- video_r2plus1d.onnx: an R(2+1)D-style video classifier on a [1, 3, 16, 112, 112] clip: a (1,7,7) stem then
  (3,1,1) temporal convs, four stages of factorised (1,3,3) + (3,1,1) Conv3d + BatchNorm3d + ReLU with
  strided downsampling, AdaptiveAvgPool3d, Linear (opset 13; BatchNorm folded by the exporter).
- centernet_decoder.onnx: a CenterNet-style upsampling decoder on a [1, 256, 16, 16] feature map: three
  ConvTranspose2d(kernel 4, stride 2, padding 1) + BatchNorm2d + ReLU (256 -> 128 -> 64 -> 64 channels, to
  128 x 128), then a 3x3 conv head (opset 13).
Needs PyTorch (Debian's python3-torch is enough).
"""
import os
import sys

import torch
import torch.nn as nn


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


def randomise_batch_norm(model):
    # Non-trivial running statistics, so that folding them is not the identity.
    g = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm2d, nn.BatchNorm3d)):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    for name, model, shape in [("video_r2plus1d", R2Plus1D(), (1, 3, 16, 112, 112)),
                               ("centernet_decoder", CenterNetDecoder(), (1, 256, 16, 16))]:
        randomise_batch_norm(model)
        path = os.path.join(out, name + ".onnx")
        torch.onnx.export(model.eval(), (torch.randn(*shape),), path, opset_version=13, input_names=["x"],
                          output_names=["y"])
        print(path)


if __name__ == "__main__":
    main()
