"""The trainable actdet: tools/models/actdet.py's network (imported, not copied) plus what training needs.

ActDet.temporal() ends in a softmax (the deployed graph outputs probabilities); training wants the
logits, so clip_logits() runs the same LSTM and Linear without it.
"""

import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models"))
import actdet as actdet_model  # noqa: E402  (tools/models/actdet.py)

import labels  # noqa: E402
import yolo  # noqa: E402

ActDetConfig = actdet_model.ActDetConfig


def demo_config(width: float = 0.25, input_size: int = 128, window: int = 16) -> ActDetConfig:
    return ActDetConfig(
        width=width,
        input_size=input_size,
        num_classes=len(labels.DETECTION_CLASSES),
        num_anchors=3,
        num_actions=labels.NUM_ACTIONS,
        window=window,
    )


def build(config: ActDetConfig, seed: int) -> torch.nn.Module:
    """Freshly initialised network (PyTorch default init, seeded) with YOLO objectness priors."""
    torch.manual_seed(seed)
    net = actdet_model.ActDet(config)
    yolo.init_head_biases(net.h2, net.h7, config.input_size, config.num_classes, config.num_anchors)
    return net


def clip_logits(net, clips):
    """clips [B, T, 3, S, S] -> (head A [B*T, ...], head B [B*T, ...], action logits [B, T, K])."""
    b, t = clips.shape[:2]
    out_a, out_b, embedding = net(clips.flatten(0, 1))
    y, _ = net.lstm(embedding.view(b, t, -1).transpose(0, 1))  # [T, B, 2H]
    return out_a, out_b, net.classifier(y).transpose(0, 1)


def config_to_dict(config: ActDetConfig) -> dict:
    return dict(config.__dict__)


def checkpoint(net, config: ActDetConfig, step: int, **extra) -> dict:
    """The checkpoint layout load_checkpoint reads (weights, config, vocabulary, anchors), plus `extra`
    entries such as train.py's optimizer state and arguments."""
    return {
        "model": net.state_dict(),
        "step": step,
        "config": config_to_dict(config),
        "labels": list(labels.ACTIONS),
        "detection_classes": list(labels.DETECTION_CLASSES),
        "anchors": yolo.anchors_for(config.input_size),
        **extra,
    }


def load_checkpoint(path: str):
    """(net in eval mode, config, checkpoint dict)."""
    ckpt = torch.load(path, map_location="cpu")
    config = ActDetConfig(**ckpt["config"])
    net = actdet_model.ActDet(config)
    net.load_state_dict(ckpt["model"])
    net.eval()
    return net, config, ckpt
