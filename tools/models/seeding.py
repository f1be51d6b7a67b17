"""Seeded, well-conditioned random weights for the test models (shared by actdet, mobilenet_v2, crnn).

Random weights only prove something if the numbers that flow through the network stay in a sane range:
default PyTorch init followed by 30 layers of BatchNorm with made-up statistics either explodes or
collapses to a constant, and a comparison against ONNX Runtime then checks nothing but zeros or infs.
So the BatchNorm running statistics are first *measured* on a seeded random batch (so every layer sees
roughly unit-variance activations) and then perturbed at random (so they are non-trivial: mean != 0,
var != 1, gamma != 1, beta != 0 and folding them into the conv weights really changes the weights).
"""

import torch
from torch import nn


def randomize_batch_norm_affine(model: nn.Module, generator: torch.Generator) -> None:
    """gamma in [0.5, 1.5), beta ~ N(0, 0.2) for every BatchNorm layer."""
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            with torch.no_grad():
                m.weight.copy_(torch.rand(m.weight.shape, generator=generator) + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=generator) * 0.2)


def calibrate_batch_norm(model: nn.Module, forward, generator: torch.Generator) -> None:
    """Measures every BatchNorm's running statistics with one train-mode pass of `forward(model)`, then
    moves the mean by N(0, 0.1 * std) and scales the variance by a factor in [0.7, 1.4).

    `forward` runs the model on a calibration batch; the model is left in eval mode."""
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    saved_momentum = [m.momentum for m in bns]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative average: one pass sets the statistics of that pass exactly
    model.train()
    with torch.no_grad():
        forward(model)
    model.eval()
    with torch.no_grad():
        for m, momentum in zip(bns, saved_momentum):
            m.momentum = momentum
            std = m.running_var.sqrt()
            m.running_mean.add_(torch.randn(m.running_mean.shape, generator=generator) * 0.1 * std)
            m.running_var.mul_(torch.rand(m.running_var.shape, generator=generator) * 0.7 + 0.7)


def randomize_biases(model: nn.Module, generator: torch.Generator, scale: float = 0.1) -> None:
    """Non-zero biases for every conv / linear / LSTM that has one (default init leaves some tiny)."""
    for name, p in model.named_parameters():
        if name.endswith("bias") or "bias_ih" in name or "bias_hh" in name:
            parent = model.get_submodule(name.rsplit(".", 1)[0]) if "." in name else model
            if isinstance(parent, nn.modules.batchnorm._BatchNorm):
                continue
            with torch.no_grad():
                p.copy_(torch.randn(p.shape, generator=generator) * scale)
