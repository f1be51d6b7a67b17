"""actdet-tiny, the reference action detector of vigil, in PyTorch.

Exactly the model of /work/shared/specs/actdet-tiny.md (layer ids L0..L26, H0..H7, A0..A3 below are the
spec's): a CSPDarknet53-tiny backbone (the first 30 layers of darknet's yolov4-tiny.cfg), the yolov4-tiny
head (two YOLO outputs), an action head producing a per-frame embedding E, and a temporal head (2-layer
bidirectional LSTM + Linear + softmax) over a window of T frames.

Width, input size, class count, action count K and window T are parameters (a smaller demo variant is
trained later); the defaults are the spec's. Three exportable modules share one set of weights:

    frame     [1,3,S,S]  -> A [1,255,S/32,S/32], B [1,255,S/16,S/16], E [1,256]
    temporal  [T,1,256]  -> action probabilities [T,1,K]
    clip      [T,3,S,S]  -> A, B, E for the T frames, and the temporal head over the T embeddings

`build_actdet(config, seed)` returns the network with seeded random weights (BatchNorm with non-trivial
running statistics, final Linear scaled so the probabilities are far from uniform).
"""

from collections import OrderedDict
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

import seeding


@dataclass(frozen=True)
class ActDetConfig:
    width: float = 1.0  # channel multiplier (1.0 = the spec)
    input_size: int = 256  # square input, a multiple of 32
    num_classes: int = 80  # YOLO classes
    num_anchors: int = 3  # anchors per YOLO scale
    num_actions: int = 16  # K
    window: int = 16  # T (frames per temporal window)

    def channels(self, spec_channels: int) -> int:
        """Spec channel count scaled by `width`, a multiple of 8 (and even, for the CSP channel split)."""
        if self.width == 1.0:
            return spec_channels
        return max(8, int(round(spec_channels * self.width / 8)) * 8)

    @property
    def yolo_channels(self) -> int:
        return self.num_anchors * (5 + self.num_classes)

    @property
    def embedding(self) -> int:
        return self.channels(256)

    @property
    def lstm_hidden(self) -> int:
        return self.embedding // 2


def conv(cin: int, cout: int, k: int, stride: int = 1, groups: int = 1) -> nn.Sequential:
    """The spec's "conv": Conv2d(bias=False) + BatchNorm2d + LeakyReLU(0.1), padding k//2."""
    return nn.Sequential(
        OrderedDict(
            conv=nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, groups=groups, bias=False),
            bn=nn.BatchNorm2d(cout),
            act=nn.LeakyReLU(0.1),
        )
    )


class CspStage(nn.Module):
    """One CSP stage of the backbone (L2..L9, L10..L17 or L18..L25), `c` channels in and 2c out:

        full = conv3x3 c->c; half = full[:, c/2:];  a = conv3x3(half); b = conv3x3(a)
        part = conv1x1(concat(b, a)) (c->c);  out = maxpool2x2(concat(full, part))

    Returns (out, part): `part` is the feature map the YOLO head taps (L23 = F16 for the last stage)."""

    def __init__(self, c: int):
        super().__init__()
        self.full = conv(c, c, 3)
        self.a = conv(c // 2, c // 2, 3)
        self.b = conv(c // 2, c // 2, 3)
        self.part = conv(c, c, 1)
        self.pool = nn.MaxPool2d(2, 2)

    def forward(self, x):
        full = self.full(x)
        half = full[:, full.shape[1] // 2 :]  # darknet route groups=2 group_id=1
        a = self.a(half)
        b = self.b(a)
        part = self.part(torch.cat([b, a], dim=1))
        return self.pool(torch.cat([full, part], dim=1)), part


class ActDet(nn.Module):
    """The whole network; forward() is the per-frame part (backbone, YOLO head, action head)."""

    def __init__(self, config: ActDetConfig = ActDetConfig()):
        super().__init__()
        if config.input_size % 32 != 0:
            raise ValueError(f"input_size must be a multiple of 32, got {config.input_size}")
        self.config = config
        c = config.channels
        # Backbone.
        self.l0 = conv(3, c(32), 3, stride=2)
        self.l1 = conv(c(32), c(64), 3, stride=2)
        self.stage1 = CspStage(c(64))  # L2..L9   -> 128 x S/8
        self.stage2 = CspStage(c(128))  # L10..L17 -> 256 x S/16
        self.stage3 = CspStage(c(256))  # L18..L25 -> 512 x S/32, part = F16
        self.l26 = conv(c(512), c(512), 3)  # F8
        # YOLO head.
        self.h0 = conv(c(512), c(256), 1)
        self.h1 = conv(c(256), c(512), 3)
        self.h2 = nn.Conv2d(c(512), config.yolo_channels, 1)  # linear, with bias -> A
        self.h3 = conv(c(256), c(128), 1)
        self.h4 = nn.Upsample(scale_factor=2, mode="nearest")
        self.h6 = conv(c(128) + c(256), c(256), 3)
        self.h7 = nn.Conv2d(c(256), config.yolo_channels, 1)  # linear, with bias -> B
        # Action head.
        self.a0 = conv(c(512), c(256), 3)
        self.a1 = conv(c(256), c(256), 3, groups=c(256))  # depthwise
        self.a2 = conv(c(256), c(256), 1)
        # Temporal head.
        self.lstm = nn.LSTM(config.embedding, config.lstm_hidden, num_layers=2, bidirectional=True)
        self.classifier = nn.Linear(2 * config.lstm_hidden, config.num_actions)

    def forward(self, x):
        """x [N,3,S,S] -> A [N,255,S/32,S/32], B [N,255,S/16,S/16], E [N,256]."""
        x = self.l1(self.l0(x))
        x, _ = self.stage1(x)
        x, _ = self.stage2(x)
        x, f16 = self.stage3(x)
        f8 = self.l26(x)
        h0 = self.h0(f8)
        out_a = self.h2(self.h1(h0))
        h5 = torch.cat([self.h4(self.h3(h0)), f16], dim=1)
        out_b = self.h7(self.h6(h5))
        embedding = self.a2(self.a1(self.a0(f8))).mean(dim=(2, 3))  # A3: global average pool
        return out_a, out_b, embedding

    def temporal(self, embeddings):
        """embeddings [T,N,256] -> per-frame action probabilities [T,N,K]."""
        y, _ = self.lstm(embeddings)
        return F.softmax(self.classifier(y), dim=-1)


class FrameModel(nn.Module):
    def __init__(self, net: ActDet):
        super().__init__()
        self.net = net

    def forward(self, image):
        return self.net(image)


class TemporalModel(nn.Module):
    def __init__(self, net: ActDet):
        super().__init__()
        self.net = net

    def forward(self, embeddings):
        return self.net.temporal(embeddings)


class ClipModel(nn.Module):
    """T frames -> A, B, E of every frame, and the temporal head over the window (batch 1)."""

    def __init__(self, net: ActDet):
        super().__init__()
        self.net = net

    def forward(self, frames):
        out_a, out_b, embedding = self.net(frames)
        return out_a, out_b, embedding, self.net.temporal(embedding.unsqueeze(1))


FRAME_OUTPUTS = ["yolo_coarse", "yolo_fine", "embedding"]  # A, B, E
TEMPORAL_OUTPUTS = ["action_probs"]
CLIP_OUTPUTS = FRAME_OUTPUTS + TEMPORAL_OUTPUTS


def build_actdet(config: ActDetConfig = ActDetConfig(), seed: int = 0) -> ActDet:
    """Seeded random actdet-tiny in eval mode (see seeding.py for why the statistics are measured)."""
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)  # nn.Module default initialisers use the global generator
    net = ActDet(config)
    seeding.randomize_batch_norm_affine(net, generator)
    seeding.randomize_biases(net, generator)
    size = config.input_size
    calibration = torch.rand((2, 3, size, size), generator=generator)
    seeding.calibrate_batch_norm(net, lambda m: m(calibration), generator)
    # Scale the final Linear so that the logits of real embeddings have a standard deviation of 4 across
    # the K actions: softmax outputs are then far from uniform, and an engine that gets the LSTM wrong
    # cannot hide behind probabilities that are all 1/K.
    with torch.no_grad():
        embeddings = net(calibration)[2].unsqueeze(1)
        y, _ = net.lstm(embeddings)
        logits = net.classifier(y)
        centered = logits - logits.mean(dim=-1, keepdim=True)
        net.classifier.weight.mul_(4.0 / centered.std().item())
        net.classifier.bias.mul_(4.0 / centered.std().item())
    return net
