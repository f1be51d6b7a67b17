#!/usr/bin/env python3
"""Exports small PyTorch models the way real projects do (torch.onnx.export, several opsets) and writes each
as an ONNX-node-test-style folder: OUT/test_torch_<name>_opset<N>/model.onnx with test_data_set_0/input_0.pb
and output_<k>.pb (one per model output: float, int64 or bool), the expected outputs computed by onnxruntime
(and checked against PyTorch itself: floats within a tolerance, integers and bools exactly, as the conformance
runner then compares vigil's).

The point is the graph shapes exporters really emit: x.view(x.size(0), -1) becomes Shape/Gather/Unsqueeze/
Concat/Reshape, LSTM initial states built from x.size() become ConstantOfShape/Expand chains, interpolate
becomes Upsample or Resize with computed scales, eval-mode BatchNorm, Identity/Dropout... vigil's
conformance runner (vigil_onnx_conformance OUT) then imports and runs each one.
Usage: export_torch_models.py OUTPUT_DIR
"""
import math
import os
import shutil
import sys
import warnings
import zlib

OPSETS = (9, 11, 13, 17)
# Opsets 7 and 8 (IR 3: every initializer is also listed as a graph input), for the models torch 1.13 can
# still export that far back: old model zoos hold such files.
OLD_OPSETS = (7, 8)


def build_models(torch):
    nn = torch.nn
    F = torch.nn.functional

    class ConvNet(nn.Module):
        """Conv-BN-ReLU, max pool, strided conv, LeakyReLU, flatten via view, Linear, Softmax."""

        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
            self.bn1 = nn.BatchNorm2d(8)
            self.conv2 = nn.Conv2d(8, 6, 3, stride=2, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(6)
            self.drop = nn.Dropout(0.2)
            self.fc = nn.Linear(6 * 4 * 4, 5)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
            x = F.leaky_relu(self.bn2(self.conv2(x)), 0.1)
            x = self.drop(x.view(x.size(0), -1))
            return F.softmax(self.fc(x), dim=1)

    class YoloHead(nn.Module):
        """A YOLO-style head: 1x1 conv, view to (b, anchors, attrs, h, w), permute, sigmoid on a slice,
        nearest upsampling and a route (concat) of two scales."""

        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(4, 8, 3, padding=1)
            self.head = nn.Conv2d(16, 3 * 7, 1)

        def forward(self, x):
            small = F.hardswish(self.conv(F.avg_pool2d(x, 2)))
            up = F.interpolate(small, scale_factor=2.0, mode="nearest")
            route = torch.cat([up, self.conv(x)], dim=1)
            y = self.head(route)
            b, _, h, w = y.shape
            y = y.view(b, 3, 7, h, w).permute(0, 1, 3, 4, 2)
            xy = torch.sigmoid(y[..., 0:2])
            rest = y[..., 2:]
            return torch.cat([xy, rest], dim=-1)

    class BiLstm(nn.Module):
        """A bidirectional LSTM over per-frame features with initial states built from the input's size,
        then a classifier on the last step."""

        def __init__(self, features=6, hidden=5):
            super().__init__()
            self.hidden = hidden
            self.lstm = nn.LSTM(features, hidden, bidirectional=True)
            self.fc = nn.Linear(2 * hidden, 4)

        def forward(self, x):  # x: [T, B, F]
            h0 = torch.zeros(2, x.size(1), self.hidden)
            c0 = torch.zeros(2, x.size(1), self.hidden)
            y, _ = self.lstm(x, (h0, c0))
            return self.fc(y[-1])

    class BiGru(nn.Module):
        """A 2-layer bidirectional GRU (linear_before_reset = 1 in ONNX) with the initial state built from the
        input's size; a classifier reads the last step of Y and the last layer's Y_h."""

        def __init__(self, features=6, hidden=5):
            super().__init__()
            self.hidden = hidden
            self.gru = nn.GRU(features, hidden, num_layers=2, bidirectional=True)
            self.fc = nn.Linear(4 * hidden, 4)

        def forward(self, x):  # x: [T, B, F]
            h0 = torch.zeros(4, x.size(1), self.hidden)
            y, h_n = self.gru(x, h0)
            return self.fc(torch.cat([y[-1], h_n[-2], h_n[-1]], dim=1))

    class GruBatchFirst(nn.Module):
        """A batch_first GRU without an initial state (exported with a transposed input), its whole output."""

        def __init__(self, features=6, hidden=7):
            super().__init__()
            self.gru = nn.GRU(features, hidden, batch_first=True)

        def forward(self, x):  # x: [B, T, F]
            return self.gru(x)[0]

    class SimpleRnn(nn.Module):
        """nn.RNN (ONNX RNN): a 2-layer bidirectional tanh RNN with the initial state built from the input's size,
        or a batch_first relu RNN without one; a classifier reads the last step and the final states."""

        def __init__(self, nonlinearity, bidirectional, features=6, hidden=5):
            super().__init__()
            self.hidden = hidden
            self.layers = 2 if bidirectional else 1
            self.dirs = 2 if bidirectional else 1
            self.rnn = nn.RNN(features, hidden, num_layers=self.layers, nonlinearity=nonlinearity,
                              bidirectional=bidirectional, batch_first=not bidirectional)
            self.fc = nn.Linear(2 * self.dirs * hidden, 4)

        def forward(self, x):
            if self.dirs == 2:  # x: [T, B, F]
                h0 = torch.zeros(self.layers * 2, x.size(1), self.hidden)
                y, h_n = self.rnn(x, h0)
                return self.fc(torch.cat([y[-1], h_n[-2], h_n[-1]], dim=1))
            y, h_n = self.rnn(x)  # x: [B, T, F]
            return self.fc(torch.cat([y[:, -1], h_n[-1]], dim=1))

    class EinsumAttention(nn.Module):
        """Attention written with torch.einsum (ONNX Einsum, opset 12+): scores "bhqd,bhkd->bhqk", the weighted
        sum "bhqk,bhkd->bhqd", and a projection "btc,oc->bto"."""

        def __init__(self, dim=8, heads=2):
            super().__init__()
            self.heads = heads
            self.qkv = nn.Linear(dim, 3 * dim)
            self.out = nn.Parameter(torch.randn(dim, dim) * 0.3)

        def forward(self, x):  # x: [B, T, C]
            b, t, c = x.shape
            q, k, v = self.qkv(x).reshape(b, t, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
            scores = torch.einsum("bhqd,bhkd->bhqk", q, k) / (c // self.heads) ** 0.5
            y = torch.einsum("bhqk,bhkd->bhqd", scores.softmax(dim=-1), v)
            return torch.einsum("btc,oc->bto", y.permute(0, 2, 1, 3).reshape(b, t, c), self.out)

    class IndexOps(nn.Module):
        """Post-processing on scores with constant index tensors: torch.scatter into zeros and scatter_add
        (ScatterElements; Scatter at opset 9; reduction "add" from opset 16), F.one_hot of a run-time argmax
        (OneHot with a constant depth, int64 output), torch.remainder of int64 labels (Mod, fmod 0) and, with
        `masks` (opset 14+), torch.fmod (Mod, fmod 1) and triu/tril masks of the scores (Trilu). Only `masks`
        repeats a column in a row (scatter_add then accumulates; before opset 16 the exporter writes a plain
        ScatterElements, which keeps one of them, so that model is exported at 16+)."""

        def __init__(self, masks):
            super().__init__()
            self.masks = masks
            self.fc = nn.Linear(6, 6)
            repeated, distinct = [[5, 0, 2], [1, 1, 4], [3, 2, 0], [0, 5, 5]], [[5, 0, 2], [1, 3, 4], [3, 2, 0], [0, 4, 5]]
            cols = repeated if masks else distinct
            self.register_buffer("cols", torch.tensor(cols))

        def forward(self, x):  # x: [4, 6]
            y = self.fc(x)
            placed = torch.zeros_like(y).scatter(1, self.cols[:, :2], y[:, :2])
            summed = y.scatter_add(1, self.cols, y[:, 3:])
            labels = y.argmax(dim=1)
            outputs = (placed, summed, F.one_hot(labels, 6), torch.remainder(labels, 4))
            if self.masks:
                outputs += (torch.triu(y, diagonal=1) + torch.tril(y, diagonal=-2), torch.fmod(y, 0.7))
            return outputs

    class Smooth(nn.Module):
        """Bilinear resize (half-pixel), global average pool, Hardsigmoid, SiLU (x * sigmoid(x)), tanh."""

        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3, padding=1, groups=1)
            self.dw = nn.Conv2d(4, 4, 3, padding=1, groups=4)

        def forward(self, x):
            y = F.interpolate(x, size=(10, 14), mode="bilinear", align_corners=False)
            y = F.silu(self.conv(y))
            y = torch.tanh(self.dw(y))
            g = F.hardsigmoid(F.adaptive_avg_pool2d(y, 1))
            return y * g

    class Bicubic(nn.Module):
        """Bicubic resizing as PyTorch exports it (Resize cubic, cubic_coeff_a -0.75): enlarging with
        half-pixel centres, shrinking with align_corners (a super-resolution / segmentation head's resampling)."""

        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3, padding=1)

        def forward(self, x):
            y = F.interpolate(self.conv(x), scale_factor=2.0, mode="bicubic", align_corners=False)
            return F.interpolate(torch.relu(y), size=(9, 11), mode="bicubic", align_corners=True)

    class PadNet(nn.Module):
        """Explicit padding: nn.ZeroPad2d with asymmetric pads in front of a strided conv (TensorFlow-style SAME,
        which vigil folds into the conv's pads), then F.pad in reflect and replicate (edge) modes."""

        def __init__(self):
            super().__init__()
            self.zero_pad = nn.ZeroPad2d((1, 2, 0, 1))  # left, right, top, bottom
            self.conv1 = nn.Conv2d(3, 6, 3, stride=2)
            self.conv2 = nn.Conv2d(6, 4, 3)

        def forward(self, x):
            y = F.relu(self.conv1(self.zero_pad(x)))
            y = self.conv2(F.pad(y, (1, 1, 2, 1), mode="reflect"))
            return F.pad(y, (2, 0, 1, 1), mode="replicate")

    class TemporalTransformer(nn.Module):
        """A transformer encoder as a temporal head (the alternative to an LSTM): 2 layers, 4 heads, ReLU or
        GELU (exported with Erf), LayerNorm, then per-frame log-probabilities. LayerNormalization is one op
        from opset 17; earlier exports spell it out (ReduceMean, Sub, Pow, Sqrt, Div)."""

        def __init__(self, activation):
            super().__init__()
            layer = nn.TransformerEncoderLayer(
                d_model=32, nhead=4, dim_feedforward=64, dropout=0.0, activation=activation, batch_first=True
            )
            self.encoder = nn.TransformerEncoder(layer, num_layers=2)
            self.fc = nn.Linear(32, 5)

        def forward(self, x):  # x: [B, T, 32]
            return F.log_softmax(self.fc(self.encoder(x)), dim=-1)

    class PReluNet(nn.Module):
        """PReLU per channel and shared, and a global max pool."""

        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 6, 3, padding=1)
            self.act1 = nn.PReLU(6)
            self.act2 = nn.PReLU()

        def forward(self, x):
            y = self.act2(self.act1(self.conv(x)) - 0.25)
            return F.adaptive_max_pool2d(y, 1).flatten(1)

    class Decoder(nn.Module):
        """A segmentation/CenterNet-style decoder of transposed convolutions, each followed by BatchNorm and
        ReLU: stride 2 kernel 4 padding 1 (the usual x2 upsampler), kernel 3 stride 2 with output_padding 1,
        and a grouped, dilated one with asymmetric strides."""

        def __init__(self):
            super().__init__()
            self.up1 = nn.ConvTranspose2d(5, 8, 4, stride=2, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(8)
            self.up2 = nn.ConvTranspose2d(8, 6, 3, stride=2, padding=1, output_padding=1)
            self.bn2 = nn.BatchNorm2d(6)
            self.up3 = nn.ConvTranspose2d(6, 9, 3, stride=(1, 2), padding=(2, 1), dilation=2, groups=3)
            self.bn3 = nn.BatchNorm2d(9)

        def forward(self, x):
            x = F.relu(self.bn1(self.up1(x)))
            x = F.relu(self.bn2(self.up2(x)))
            return F.relu(self.bn3(self.up3(x)))

    class Upsample1d(nn.Module):
        """A 1-D transposed convolution (audio/temporal decoders), runs as 2-D with a unit height."""

        def __init__(self):
            super().__init__()
            self.up = nn.ConvTranspose1d(4, 6, 5, stride=3, padding=2, output_padding=2)

        def forward(self, x):
            return torch.tanh(self.up(x))

    class DilatedOutputPadding(nn.Module):
        """output_padding below the dilation but not below the stride: valid for PyTorch and the ONNX spec
        ("less than the corresponding stride/dilation"), refused by onnxruntime, so PyTorch's own output is
        the expected one."""

        def __init__(self):
            super().__init__()
            self.a = nn.ConvTranspose2d(3, 4, 3, stride=1, dilation=2, output_padding=1)
            self.b = nn.ConvTranspose2d(4, 2, 3, stride=(2, 1), dilation=(1, 3), output_padding=(1, 2))

        def forward(self, x):
            return self.b(torch.relu(self.a(x)))

    class VideoNet(nn.Module):
        """A small video classifier in the C3D / R(2+1)D / X3D style: Conv3d-BN-ReLU with strides (1,2,2),
        MaxPool3d, a (1,3,3) spatial conv then a (3,1,1) temporal conv, AvgPool3d (ceil mode), a depthwise
        3x3x3 conv, AdaptiveAvgPool3d(1) and a Linear classifier."""

        def __init__(self):
            super().__init__()
            self.stem = nn.Conv3d(3, 8, 3, stride=(1, 2, 2), padding=1)
            self.bn1 = nn.BatchNorm3d(8)
            self.pool = nn.MaxPool3d((1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1))
            self.spatial = nn.Conv3d(8, 12, (1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1), bias=False)
            self.bn2 = nn.BatchNorm3d(12)
            self.temporal = nn.Conv3d(12, 12, (3, 1, 1), padding=(1, 0, 0), bias=False)
            self.bn3 = nn.BatchNorm3d(12)
            self.avg = nn.AvgPool3d(2, stride=2, ceil_mode=True)
            self.depthwise = nn.Conv3d(12, 12, 3, padding=1, groups=12, bias=False)
            self.bn4 = nn.BatchNorm3d(12)
            self.head = nn.AdaptiveAvgPool3d(1)
            self.fc = nn.Linear(12, 5)

        def forward(self, x):  # x: [B, 3, T, H, W]
            x = self.pool(F.relu(self.bn1(self.stem(x))))
            x = F.relu(self.bn2(self.spatial(x)))
            x = self.avg(F.relu(self.bn3(self.temporal(x))))
            x = F.relu6(self.bn4(self.depthwise(x)))
            return self.fc(self.head(x).flatten(1))

    class X3dMini(nn.Module):
        """An X3D-style efficient video classifier, small: a (1,3,3) stride-(1,2,2) stem then a channel-wise (5,1,1)
        conv, two bottlenecks (1x1x1 conv-BN-ReLU, channel-wise 3x3x3 conv (stride (1,2,2) in the first)-BN,
        squeeze-excitation in the first (global AvgPool3d, 1x1x1 convs, ReLU, Sigmoid, broadcast Mul), Swish
        written as x * sigmoid(x), 1x1x1 conv-BN, residual; the first with a strided 1x1x1 shortcut), an
        I3D-style MaxPool3d(3, stride 1, padding 1), a 1x1x1 conv, AvgPool3d over the whole remaining volume and
        a Linear classifier."""

        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv3d(3, 8, (1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1), bias=False),
                                      nn.Conv3d(8, 8, (5, 1, 1), padding=(2, 0, 0), groups=8, bias=False),
                                      nn.BatchNorm3d(8), nn.ReLU())
            self.blocks = nn.ModuleList()
            for cin, inner, cout, stride, se in [(8, 18, 8, 2, True), (8, 18, 8, 1, False)]:
                block = nn.ModuleDict({
                    "a": nn.Sequential(nn.Conv3d(cin, inner, 1, bias=False), nn.BatchNorm3d(inner), nn.ReLU()),
                    "b": nn.Sequential(nn.Conv3d(inner, inner, 3, stride=(1, stride, stride), padding=1,
                                                 groups=inner, bias=False), nn.BatchNorm3d(inner)),
                    "c": nn.Sequential(nn.Conv3d(inner, cout, 1, bias=False), nn.BatchNorm3d(cout))})
                if se:
                    block["se1"] = nn.Conv3d(inner, 8, 1)
                    block["se2"] = nn.Conv3d(8, inner, 1)
                if stride != 1:
                    block["shortcut"] = nn.Sequential(nn.Conv3d(cin, cout, 1, stride=(1, stride, stride), bias=False),
                                                      nn.BatchNorm3d(cout))
                self.blocks.append(block)
            self.pool = nn.MaxPool3d(3, stride=1, padding=1)
            self.conv5 = nn.Conv3d(8, 16, 1)
            self.avg = nn.AvgPool3d((6, 8, 8), stride=1)
            self.fc = nn.Linear(16, 5)

        def forward(self, x):  # x: [B, 3, 6, 32, 32]
            x = self.stem(x)
            for block in self.blocks:
                y = block["b"](block["a"](x))
                if "se1" in block:
                    y = y * torch.sigmoid(block["se2"](torch.relu(block["se1"](F.adaptive_avg_pool3d(y, 1)))))
                y = block["c"](y * torch.sigmoid(y))
                x = torch.relu(y + (block["shortcut"](x) if "shortcut" in block else x))
            x = self.avg(torch.relu(self.conv5(self.pool(x))))
            return self.fc(x.flatten(1))

    class EluFamily(nn.Module):
        """nn.ELU (alpha 0.7), nn.SELU and nn.CELU (alpha 1.3) between convs: ONNX Elu, Selu, Celu (opset 12+)."""

        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 3, padding=1)
            self.conv2 = nn.Conv2d(6, 4, 1)
            self.elu = nn.ELU(0.7)
            self.selu = nn.SELU()
            self.celu = nn.CELU(1.3)

        def forward(self, x):
            y = self.elu(self.conv1(x) * 2.0)
            return self.celu(self.conv2(self.selu(y - 0.5)) * 3.0)

    class MaxMin(nn.Module):
        """torch.maximum / torch.minimum (ONNX Max, Min) of run-time tensors with broadcasting: against a
        per-channel parameter and a [N,1,H,W] map."""

        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 5, 3, padding=1)
            self.floor = nn.Parameter(torch.randn(5, 1, 1) * 0.3)

        def forward(self, x):
            y = self.conv(x)
            y = torch.maximum(y, self.floor)
            return torch.minimum(y, x.mean(dim=1, keepdim=True) + 0.5)

    class Norms(nn.Module):
        """nn.InstanceNorm2d(affine) (ONNX InstanceNormalization) and nn.GroupNorm, which torch exports (up to
        opset 17) as Reshape + InstanceNormalization + Reshape + Mul + Add. The output is shifted by 4 so that no
        value sits at the cancellation n * weight + bias ~ 0: there every float32 implementation is off by
        ~1e-6 in absolute terms (vigil and onnxruntime both; vigil the closer to float64 in the two cases seen),
        far above the runner's 1e-7 + 1e-3 |expected| for a value of 1e-4, so whether the test passed depended
        on the random input."""

        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 6, 3, padding=1)
            self.inorm = nn.InstanceNorm2d(6, affine=True)
            self.gnorm = nn.GroupNorm(3, 6, eps=1e-3)
            for p in (self.inorm.weight, self.gnorm.weight):
                p.data.uniform_(0.5, 1.5)
            for p in (self.inorm.bias, self.gnorm.bias):
                p.data.uniform_(-0.5, 0.5)

        def forward(self, x):
            y = self.inorm(self.conv(x) + 3.0)
            return self.gnorm(F.relu(y) * 2.0) + 4.0

    class PixelShuffle(nn.Module):
        """nn.PixelUnshuffle(2) then nn.PixelShuffle(2) and (3) around convs: DepthToSpace (CRD) from opset 11,
        Reshape/Transpose chains otherwise."""

        def __init__(self):
            super().__init__()
            self.down = nn.PixelUnshuffle(2)
            self.conv1 = nn.Conv2d(12, 18, 3, padding=1)
            self.up3 = nn.PixelShuffle(3)
            self.conv2 = nn.Conv2d(2, 8, 3, stride=3)
            self.up2 = nn.PixelShuffle(2)

        def forward(self, x):
            y = self.up3(self.conv1(self.down(x)))
            return self.up2(self.conv2(y))

    class WhereMask(nn.Module):
        """torch.where with a constant boolean mask (a buffer: an initializer) between run-time tensors, one of
        them broadcast: ONNX Where with a constant condition."""

        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3, padding=1)
            self.register_buffer("mask", torch.rand(1, 4, 1, 7) > 0.5)

        def forward(self, x):
            y = self.conv(x)
            return torch.where(self.mask, y, x.mean(dim=1, keepdim=True))

    class SegHead(nn.Module):
        """A segmentation head: per-pixel class scores and the label map argmax(dim=1) (an int64 output), as
        semantic segmentation models end."""

        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, padding=1)
            self.cls = nn.Conv2d(8, 5, 1)

        def forward(self, x):
            scores = self.cls(F.relu(self.conv(x)))
            return F.softmax(scores, dim=1), scores.argmax(dim=1)

    class MaskedNet(nn.Module):
        """Masks computed at run time: torch.where(y > 0.5, y, y * 0.1) (Greater + Where), the fraction of
        positive activations per channel as a .float() cast of a comparison, a combined bool mask output
        (And/Not) and a class index with keepdim (ArgMin)."""

        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3, padding=1)

        def forward(self, x):
            y = self.conv(x)
            masked = torch.where(y > 0.5, y, y * 0.1)
            positive = (y > 0).float().mean(dim=(2, 3))
            band = (y >= -0.25) & ~(y > 0.25)
            return masked, positive, band, y.argmin(dim=1, keepdim=True)

    class TopKScores(nn.Module):
        """A classifier's top-3 classes (values and int64 indices) and, with `smallest` (largest=False: opset 11+
        for the exporter), its 2 least likely ones."""

        def __init__(self, smallest):
            super().__init__()
            self.smallest = smallest
            self.fc = nn.Linear(12, 10)

        def forward(self, x):
            p = F.softmax(self.fc(x), dim=-1)
            top = torch.topk(p, 3, dim=-1)
            if not self.smallest:
                return top.values, top.indices
            return top.values, top.indices, torch.topk(p, 2, dim=-1, largest=False).indices

    class SpatialTransformer(nn.Module):
        """A spatial transformer: conv features, a localisation head predicting an affine theta, the sampling grid
        as base grid @ theta^T (a MatMul: torch 1.13 cannot export F.affine_grid), F.grid_sample on the features
        (ONNX GridSample, opset 16+). The grid is computed at run time and reaches outside [-1, 1]. The output is
        shifted by 2: near the image's edge a zeros-padded value can be tiny, and a float-rounding difference in the
        computed position (theta comes from a Gemm) is then more than 1e-3 of it."""

        def __init__(self, mode, padding, align_corners, out_hw):
            super().__init__()
            self.mode, self.padding, self.align_corners, self.out_hw = mode, padding, align_corners, out_hw
            self.conv = nn.Conv2d(3, 6, 3, padding=1)
            self.loc = nn.Linear(6, 6)
            with torch.no_grad():  # near a zoom-out with a shift and a small rotation
                self.loc.weight.mul_(0.3)
                self.loc.bias.copy_(torch.tensor([1.1, 0.2, 0.1, -0.15, 0.9, -0.1]))
            h, w = out_hw
            ys = torch.linspace(-1, 1, h) if align_corners else (torch.arange(h) * 2 + 1) / h - 1
            xs = torch.linspace(-1, 1, w) if align_corners else (torch.arange(w) * 2 + 1) / w - 1
            gy, gx = torch.meshgrid(ys, xs, indexing="ij")
            self.register_buffer("base", torch.stack([gx, gy, torch.ones_like(gx)], dim=-1).reshape(1, h * w, 3))

        def forward(self, x):
            f = F.relu(self.conv(x))
            theta = self.loc(f.mean(dim=(2, 3))).view(-1, 2, 3)
            grid = torch.matmul(self.base, theta.transpose(1, 2)).view(x.size(0), self.out_hw[0], self.out_hw[1], 2)
            return F.grid_sample(f, grid, mode=self.mode, padding_mode=self.padding,
                                 align_corners=self.align_corners) + 2

    class FlowWarp(nn.Module):
        """Optical-flow style warping: a conv predicts a flow field added to the identity grid (built from
        x.shape, so the exporter writes its Expand/Concat arithmetic), then F.grid_sample of the input mapped to
        [0.5, 1.5] (positive values: no output is a near-zero cancellation, which the 1e-3 relative tolerance
        could not judge against onnxruntime's float arithmetic)."""

        def __init__(self, mode, padding, align_corners, reach):
            super().__init__()
            self.mode, self.padding, self.align_corners, self.reach = mode, padding, align_corners, reach
            self.flow = nn.Conv2d(3, 2, 3, padding=1)

        def forward(self, x):
            _, _, h, w = x.shape
            gy, gx = torch.meshgrid(torch.linspace(-1, 1, h), torch.linspace(-1, 1, w), indexing="ij")
            base = torch.stack([gx, gy], dim=-1).unsqueeze(0)
            grid = (base + 0.3 * torch.tanh(self.flow(x)).permute(0, 2, 3, 1)) * self.reach
            image = 0.5 + torch.sigmoid(x)
            return F.grid_sample(image, grid, mode=self.mode, padding_mode=self.padding,
                                 align_corners=self.align_corners)

    class GridSampleSweep(nn.Module):
        """F.grid_sample in every mode x padding_mode x align_corners (18 outputs) of conv features, on a fixed grid
        reaching to +-2.2 (far outside the image: padding and, for bicubic, padded taps) plus a run-time grid
        from the input. Each output is shifted by 2: a bicubic value outside the image can cancel to near zero,
        where onnxruntime's float rounding (of the sample position as well) exceeds the runner's 1e-3 relative
        tolerance; a wrong padding or tap rule still moves values by far more."""

        def __init__(self, out_hw):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3, padding=1)
            self.register_buffer("grid", torch.rand(1, *out_hw, 2) * 4.4 - 2.2)

        def forward(self, x):
            f = 1 + 0.5 * torch.tanh(self.conv(x))
            grid = self.grid + 0.4 * (f[:, 0:2, : self.grid.shape[1], : self.grid.shape[2]].permute(0, 2, 3, 1) - 1)
            return tuple(F.grid_sample(f, grid, mode=mode, padding_mode=padding, align_corners=align) + 2
                         for mode in ("bilinear", "nearest", "bicubic") for padding in ("zeros", "border", "reflection")
                         for align in (False, True))

    class RoiHead(nn.Module):
        """A two-stage detector's box head input: torchvision.ops.roi_align (ONNX RoiAlign, registered by
        torchvision 0.14 for opset 11+ without coordinate_transformation_mode) over conv features, with constant
        rois (boxes partly outside the map) or rois predicted from the features at run time (the exporter then
        slices the batch-index column and casts it to int64 in the graph). The node means output_half_pixel
        (aligned=False) at opsets 10-15 and half_pixel (aligned=True) from 16, so each is exported where its
        meaning matches PyTorch's."""

        def __init__(self, runtime_rois, aligned=False):
            super().__init__()
            self.runtime_rois, self.aligned = runtime_rois, aligned
            self.conv = nn.Conv2d(3, 5, 3, padding=1)
            self.box = nn.Linear(5, 4)
            self.register_buffer("rois", torch.tensor([[0, 1.0, 2.0, 9.0, 7.5], [1, 0.0, 0.0, 15.0, 15.0],
                                                       [0, 4.2, 3.1, 6.0, 12.0], [1, -3.0, 5.0, 4.0, 18.0]]))

        def forward(self, x):
            import torchvision  # registers the RoiAlign export

            f = F.relu(self.conv(x))
            rois = self.rois
            if self.runtime_rois:
                b = torch.sigmoid(self.box(f.mean(dim=(2, 3))))
                corner = b[:, 0:2] * 8.0
                index = torch.arange(x.size(0), dtype=torch.float32).unsqueeze(1)
                rois = torch.cat([index, corner, corner + 1.0 + b[:, 2:4] * 10.0], dim=1)
            return torchvision.ops.roi_align(f, rois, (3, 4), spatial_scale=0.5,
                                             sampling_ratio=-1 if self.runtime_rois else 2, aligned=self.aligned)

    class TokenEncoder(nn.Module):
        """Token ids (int64, fed at run time) through an Embedding (Gather on its table with run-time indices),
        a learned position embedding and a Transformer encoder layer; then the features at each sequence's
        largest id (ArgMax, then Gather along the time axis with run-time indices), as CLIP's text tower picks
        its end-of-text token."""

        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(50, 16)
            self.pos = nn.Parameter(torch.randn(1, 9, 16) * 0.1)
            self.enc = nn.TransformerEncoderLayer(16, 2, 32, batch_first=True)
            self.out = nn.Linear(16, 4)

        def forward(self, ids):
            h = self.enc(self.tok(ids) + self.pos)
            return self.out(torch.index_select(h, 1, ids.argmax(-1)))

    class TopKGather(nn.Module):
        """The k best scores per row and the features at their positions: torch.gather with indices that TopK
        computes at run time (GatherElements with run-time indices)."""

        def forward(self, x):
            values, index = x.topk(3, dim=1)
            return torch.gather(x * 2.0 + 1.0, 1, index) + values

    class MaskedAttention(nn.Module):
        """Self-attention with a key padding mask computed from the input (bools broadcast by a run-time
        Expand, then Where)."""

        def __init__(self):
            super().__init__()
            self.attention = nn.MultiheadAttention(16, 4, batch_first=True)

        def forward(self, x):
            return self.attention(x, x, x, key_padding_mask=x[:, :, 0] > 1.0)[0]

    class PackedLstm(nn.Module):
        """A bidirectional LSTM over pack_padded_sequence(enforce_sorted=False) with lengths counted from the input
        (a mask's sum: ReduceSum of int64), so the exporter's sort (TopK), unsort (ScatterElements of int64) and
        reorder (Gather) all run on indices computed at run time, and LSTM takes run-time sequence_lens."""

        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(4, 6, batch_first=True, bidirectional=True)

        def forward(self, x):
            lengths = (x[:, :, 0] > -1.0).sum(1).clamp(min=1)
            packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            _, (h, _) = self.lstm(packed)
            return torch.cat([h[0], h[1]], 1)

    class TokenPositions(nn.Module):
        """HF-style position ids from the padding mask (an int64 CumSum and Mul at run time) into a position
        embedding, and repeat_interleave, whose exporter splits a constant shape vector (folded at load)."""

        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(20, 8)
            self.pos = nn.Embedding(16, 8)

        def forward(self, ids):
            mask = (ids != 0).long()
            h = self.tok(ids) + self.pos(mask.cumsum(1) * mask)
            return h.repeat_interleave(2, dim=1).mean(1)

    class T5RelativeBias(nn.Module):
        """T5's bucketed relative-position attention bias: arange, Abs of int64, Log, Where and Min over
        positions, all constants once the sequence length is known (folded at load), added to attention
        scores computed from the input."""

        def __init__(self):
            super().__init__()
            self.rel = nn.Embedding(32, 2)

        def forward(self, x):  # x [B, T, C]
            t = x.shape[1]
            relative = torch.arange(t)[None, :] - torch.arange(t)[:, None]
            n = -relative
            buckets = (n < 0).long() * 16
            n = torch.abs(n)
            large = 8 + (torch.log(n.float() / 8 + 1e-6) / math.log(128 / 8) * 8).long()
            large = torch.min(large, torch.full_like(large, 15))
            bias = self.rel(buckets + torch.where(n < 8, n, large)).permute(2, 0, 1).unsqueeze(0)
            scores = x.unsqueeze(1) @ x.unsqueeze(1).transpose(-1, -2)
            return (scores + bias).softmax(-1)

    class ClipPick(nn.Module):
        """CLIP's text-tower pick: x[arange(B), ids.argmax(-1)], which the exporter writes as int64 index
        arithmetic (Mul, Add on the ArgMax) and a Gather of the flattened features, all at run time."""

        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(30, 8)
            self.proj = nn.Linear(8, 4)

        def forward(self, ids):
            x = self.tok(ids)
            return self.proj(x[torch.arange(x.shape[0]), ids.argmax(dim=-1)])

    # name: (model, input shape or a function making the input, opsets[, keep BatchNorm[, expected from PyTorch]]).
    # The input is torch.randn(*shape) unless a function makes it. With keep BatchNorm the export uses
    # training=TrainingMode.PRESERVE without constant folding, so the BatchNormalization nodes reach vigil
    # (whose fold_batch_norm pass is then under test) instead of being folded by the exporter. With expected
    # from PyTorch the model is one onnxruntime refuses, and PyTorch's output is written as the expected one. Half-pixel bilinear resizing needs Resize (opset 11+): Upsample-9
    # cannot express it and PyTorch's opset-9 export of it computes something else.
    video = VideoNet()
    return {
        "convnet": (ConvNet(), (2, 3, 16, 16), OPSETS + OLD_OPSETS),
        "yolo_head": (YoloHead(), (1, 4, 8, 8), OPSETS),
        "bilstm": (BiLstm(), (7, 2, 6), OPSETS),
        "bigru": (BiGru(), (7, 2, 6), OPSETS),
        "gru_batch_first": (GruBatchFirst(), (3, 7, 6), OPSETS),
        "smooth": (Smooth(), (1, 3, 6, 7), tuple(o for o in OPSETS if o >= 11)),
        "bicubic": (Bicubic(), (1, 3, 5, 6), tuple(o for o in OPSETS if o >= 11)),
        "padnet": (PadNet(), (1, 3, 9, 10), OPSETS + OLD_OPSETS),
        "transformer_relu": (TemporalTransformer("relu"), (1, 16, 32), OPSETS + OLD_OPSETS),
        "transformer_gelu": (TemporalTransformer("gelu"), (1, 16, 32), OPSETS),
        "prelu": (PReluNet(), (2, 3, 7, 9), OPSETS + (8,)),  # adaptive max pool: opset 8+
        "decoder": (Decoder(), (2, 5, 6, 7), OPSETS + OLD_OPSETS),
        "decoder_bn_kept": (Decoder(), (1, 5, 5, 4), OPSETS + OLD_OPSETS, True),
        "upsample1d": (Upsample1d(), (2, 4, 9), OPSETS + OLD_OPSETS),
        "deconv_output_padding_dilation": (DilatedOutputPadding(), (1, 3, 5, 6), (13,), False, True),
        # Exported twice: in eval mode (PyTorch folds BatchNorm into the convs) and keeping BatchNorm, for
        # vigil's fold_batch_norm on Conv3d.
        "video_r2plus1d": (video, (1, 3, 8, 56, 56), OPSETS + OLD_OPSETS),
        "video_r2plus1d_bn": (video, (1, 3, 8, 56, 56), OPSETS + OLD_OPSETS, True),
        "video_x3d": (X3dMini(), (1, 3, 6, 32, 32), OPSETS),
        "video_x3d_bn": (X3dMini(), (1, 3, 6, 32, 32), OPSETS, True),
        "max_min": (MaxMin(), (2, 3, 6, 7), OPSETS + (8,)),  # Max-6 has no broadcasting
        "norms": (Norms(), (2, 3, 6, 5), OPSETS + OLD_OPSETS),
        "pixel_shuffle": (PixelShuffle(), (2, 3, 8, 6), OPSETS + OLD_OPSETS),
        "where_mask": (WhereMask(), (2, 3, 5, 7), OPSETS),
        "elu_selu_celu": (EluFamily(), (2, 3, 6, 5), tuple(o for o in OPSETS if o >= 12)),
        "seg_argmax": (SegHead(), (2, 3, 6, 7), OPSETS + OLD_OPSETS),
        "masked": (MaskedNet(), (2, 3, 5, 6), OPSETS),
        "topk": (TopKScores(False), (4, 12), OPSETS + OLD_OPSETS),
        "topk_smallest": (TopKScores(True), (4, 12), tuple(o for o in OPSETS if o >= 11)),
        "birnn_tanh": (SimpleRnn("tanh", True), (7, 2, 6), OPSETS),
        "rnn_relu_batch_first": (SimpleRnn("relu", False), (3, 7, 6), OPSETS),
        "einsum_attention": (EinsumAttention(), (2, 5, 8), tuple(o for o in OPSETS if o >= 12)),
        # GridSample exists from opset 16. torchvision 0.14 writes the same RoiAlign node at every opset, which
        # RoiAlign-16 reads as half_pixel: aligned=False models are exported before 16, aligned=True from 16.
        "stn": (SpatialTransformer("bilinear", "zeros", False, (7, 9)), (2, 3, 10, 12), (16, 17)),
        "stn_nearest_reflection": (SpatialTransformer("nearest", "reflection", True, (6, 5)), (1, 3, 9, 8), (16,)),
        "flow_bicubic_border": (FlowWarp("bicubic", "border", True, 0.9), (1, 3, 8, 11), (16,)),
        "flow_bilinear_reflection": (FlowWarp("bilinear", "reflection", False, 1.3), (2, 3, 7, 6), (16,)),
        "grid_sample_sweep": (GridSampleSweep((5, 6)), (2, 3, 7, 9), (16,)),
        "roi_align_constant_rois": (RoiHead(False), (2, 3, 16, 16), (11, 13)),
        "roi_align_runtime_rois": (RoiHead(True), (2, 3, 16, 16), (11, 13)),
        "roi_align_aligned": (RoiHead(True, aligned=True), (2, 3, 16, 16), (16, 17)),
        # Mod: opset 10+ (int64 remainders before it are Div/Floor on integers); Trilu: 14+.
        "index_ops": (IndexOps(False), (4, 6), tuple(o for o in OPSETS if o >= 11)),
        "index_ops_masks": (IndexOps(True), (4, 6), (16, 17)),
        "token_encoder": (TokenEncoder(), lambda: torch.randint(0, 50, (2, 9)), OPSETS),
        "topk_gather": (TopKGather(), (3, 8), tuple(o for o in OPSETS if o >= 11)),
        "masked_attention": (MaskedAttention(), (2, 6, 16), OPSETS),
        "packed_lstm": (PackedLstm(), (4, 7, 4), tuple(o for o in OPSETS if o >= 11)),  # TopK of int64: 11+
        "token_positions": (TokenPositions(), lambda: torch.randint(0, 20, (3, 9)), tuple(o for o in OPSETS if o >= 11)),
        "clip_pick": (ClipPick(), lambda: torch.randint(0, 30, (3, 7)), tuple(o for o in OPSETS if o >= 11)),  # 9: NonZero
        "t5_relative_bias": (T5RelativeBias(), (2, 10, 4), tuple(o for o in OPSETS if o >= 11)),  # 9: NonZero
    }


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out_root = sys.argv[1]
    warnings.simplefilter("ignore")
    import numpy as np
    import onnx
    import onnxruntime as ort
    import torch
    from onnx import numpy_helper

    torch.manual_seed(0)
    models = build_models(torch)
    if os.path.exists(out_root):
        shutil.rmtree(out_root)
    os.makedirs(out_root)
    written = 0
    for name, (model, shape, opsets, *keep) in models.items():
        # Each model's BatchNorm statistics and input come from its own seed: adding a model (whose weights take
        # numbers from the shared stream) changes no other model's data.
        torch.manual_seed(zlib.crc32(name.encode()))
        keep_batch_norm = bool(keep and keep[0])
        torch_expected = len(keep) > 1 and bool(keep[1])
        model.eval()
        # Non-trivial BatchNorm statistics, so folding them is actually checked.
        for m in model.modules():
            if isinstance(m, (torch.nn.BatchNorm2d, torch.nn.BatchNorm3d)):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.data.uniform_(0.5, 1.5)
                m.bias.data.uniform_(-0.3, 0.3)
        x = shape() if callable(shape) else torch.randn(*shape)
        with torch.no_grad():
            outputs = model(x)
        # Several outputs (TopK's values and indices...) are output_0, output_1, ...; integer and bool ones must
        # match exactly.
        want = [o.numpy() for o in (outputs if isinstance(outputs, tuple) else (outputs,))]
        output_names = ["output"] if len(want) == 1 else [f"output_{k}" for k in range(len(want))]
        for opset in opsets:
            case = os.path.join(out_root, f"test_torch_{name}_opset{opset}")
            os.makedirs(os.path.join(case, "test_data_set_0"))
            path = os.path.join(case, "model.onnx")
            training = torch.onnx.TrainingMode.PRESERVE if keep_batch_norm else torch.onnx.TrainingMode.EVAL
            torch.onnx.export(model, (x,), path, opset_version=opset, input_names=["input"], output_names=output_names,
                              training=training, do_constant_folding=not keep_batch_norm)
            exported = onnx.load(path)
            onnx.checker.check_model(exported)
            if keep_batch_norm and not any(n.op_type == "BatchNormalization" for n in exported.graph.node):
                raise RuntimeError(f"{name} opset {opset}: the PRESERVE export has no BatchNormalization node")
            if torch_expected:
                got = want
            else:
                got = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"input": x.numpy()})
            for k, (g, w) in enumerate(zip(got, want)):
                same = np.allclose(g, w, rtol=1e-4, atol=1e-5) if w.dtype.kind == "f" else np.array_equal(g, w)
                if g.dtype != w.dtype or not same:
                    raise RuntimeError(f"{name} opset {opset}: onnxruntime and PyTorch disagree on output {k}")
            data = os.path.join(case, "test_data_set_0")
            with open(os.path.join(data, "input_0.pb"), "wb") as f:
                f.write(numpy_helper.from_array(x.numpy(), "input").SerializeToString())
            for k, (g, out_name) in enumerate(zip(got, output_names)):
                with open(os.path.join(data, f"output_{k}.pb"), "wb") as f:
                    f.write(numpy_helper.from_array(g, out_name).SerializeToString())
            written += 1
    print(f"wrote {written} exported models (torch {torch.__version__}, onnx {onnx.__version__}) to {out_root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
