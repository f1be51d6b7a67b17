#!/usr/bin/env python3
"""Packages a trained action detector as ONE self-describing .vgl file (issue 5).

    export.py --checkpoint CKPT --vigil build/vigil --out MODEL.vgl [--onnx MODEL.onnx] [--opset 13]

Writes a deploy ONNX with two independent parts over one set of weights,

    image  [1,3,S,S] -> yolo_coarse (head A), yolo_fine (head B), embedding [1,E]    (run per frame)
    window [T,1,E]   -> action_probs [T,1,K] (softmax applied)                       (run per window)

and the metadata JSON (MODEL.json beside the output) that describes it: preprocessing as
tools/actdet/preprocess.py does it (RGB / 255, no letterbox, so mean 0 and std 1), the detection class
names, the YOLO anchors/masks of yolo.py for input size S with scale_x_y 1.05 and inference.run_video's
thresholds (score 0.05, NMS 0.45), the action labels of labels.py with "nobody" as background, the window
T and the names of the two parts' inputs and outputs (docs/FORMAT.md, "Action models"). Then it runs

    vigil convert MODEL.onnx --metadata MODEL.json --yolo-heads yolo_coarse,yolo_fine -o MODEL.vgl

which appends the YOLO decoding (outputs "detections", "detection_count") and checks the metadata against
the graph. A streaming detector runs the two parts as two engines of the one file. With
--hoist-lstm-projection, the first LSTM layer's input projection moves into the frame part
(`embedding/lstm_input_projection` [1, 8H] per frame; window input `window/lstm_input_projection`).
"""

import argparse
import json
import os
import subprocess
import sys
import warnings

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labels  # noqa: E402
import yolo  # noqa: E402
from model import actdet_model, load_checkpoint  # noqa: E402

IMAGE_INPUT, WINDOW_INPUT = "image", "window"
HEAD_OUTPUTS = ["yolo_coarse", "yolo_fine"]  # A (stride 32), B (stride 16): yolo.MASKS order
EMBEDDING_OUTPUT, SCORES_OUTPUT = "embedding", "action_probs"
OUTPUTS = HEAD_OUTPUTS + [EMBEDDING_OUTPUT, SCORES_OUTPUT]

# inference.run_video's defaults: what the evaluation that chose them used.
SCORE_THRESHOLD, NMS_THRESHOLD, MAX_DETECTIONS = 0.05, 0.45, 100


class DeployModel(nn.Module):
    """Both parts in one graph, sharing the network's weights. The window part is the temporal head on
    embeddings the caller collected, so per-frame work is never repeated for overlapping windows. The LSTM
    starts from zero state (nn.LSTM's default when no state is passed), which the export folds away."""

    def __init__(self, net):
        super().__init__()
        self.frame = actdet_model.FrameModel(net)
        self.temporal = actdet_model.TemporalModel(net)

    def forward(self, image, window):
        head_a, head_b, embedding = self.frame(image)
        return head_a, head_b, embedding, self.temporal(window)


def metadata(config) -> dict:
    s = config.input_size
    anchors = [float(v) for wh in yolo.anchors_for(s) for v in wh]
    return {
        "input_size": [s, s],
        "channel_order": "RGB",
        "mean": [0.0, 0.0, 0.0],
        "std": [1.0, 1.0, 1.0],
        "letterbox": 0,
        "class_names": list(labels.DETECTION_CLASSES),
        "yolo_num_classes": config.num_classes,
        "yolo_anchors": anchors,
        "yolo_masks": [i for mask in yolo.MASKS for i in mask],
        "yolo_anchors_per_head": [len(mask) for mask in yolo.MASKS],
        "yolo_scale_x_y": [yolo.SCALE_X_Y] * len(yolo.MASKS),
        "yolo_score_threshold": SCORE_THRESHOLD,
        "yolo_nms_threshold": NMS_THRESHOLD,
        "yolo_max_detections": MAX_DETECTIONS,
        "temporal_window": config.window,
        "action_labels": list(labels.ACTIONS),
        "action_background": labels.NOBODY_ID,
        "action_image_input": IMAGE_INPUT,
        "action_embedding": EMBEDDING_OUTPUT,
        "action_window_input": WINDOW_INPUT,
        "action_scores": SCORES_OUTPUT,
        "producer": "tools/actdet/export.py",
    }


def export_onnx(net, config, path: str, opset: int = 13) -> None:
    if config.num_actions != len(labels.ACTIONS):
        raise ValueError(f"the checkpoint has {config.num_actions} actions, labels.py {len(labels.ACTIONS)}")
    if config.num_classes != len(labels.DETECTION_CLASSES):
        raise ValueError(f"the checkpoint has {config.num_classes} classes, labels.py {len(labels.DETECTION_CLASSES)}")
    deploy = DeployModel(net).eval()
    s, t = config.input_size, config.window
    example = (torch.zeros(1, 3, s, s), torch.zeros(t, 1, config.embedding))
    with warnings.catch_warnings():
        # torch 1.13 warns about LSTMs exported with batch != 1 and its own shape inference; the shapes here
        # are static.
        warnings.filterwarnings("ignore", category=UserWarning, module=r"torch\.")
        torch.onnx.export(deploy, example, path, opset_version=opset, input_names=[IMAGE_INPUT, WINDOW_INPUT],
                          output_names=OUTPUTS, training=torch.onnx.TrainingMode.EVAL, do_constant_folding=True)


def convert(vigil: str, onnx_path: str, json_path: str, out: str, hoist: bool = False) -> str:
    cmd = [vigil, "convert", onnx_path, "--metadata", json_path, "--yolo-heads", ",".join(HEAD_OUTPUTS), "-o", out]
    if hoist:
        cmd.append("--hoist-lstm-projection")
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout.strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True, help="train.py's checkpoint (model weights and config)")
    ap.add_argument("--vigil", required=True, help="the vigil binary that converts the ONNX export")
    ap.add_argument("--out", required=True, help="the .vgl file to write")
    ap.add_argument("--onnx", help="where to keep the deploy ONNX (default: OUT with .onnx)")
    ap.add_argument("--opset", type=int, default=13)
    ap.add_argument("--hoist-lstm-projection", action="store_true",
                    help="the frame part also computes the first LSTM layer's input projection, and the window "
                         "part reads those instead of embeddings (each frame's projection is computed once, not in "
                         "every overlapping window); the action_embedding / action_window_input keys name them")
    ap.add_argument("--save-weights", metavar="PT",
                    help="also write the checkpoint without its optimizer state (a third of the size; what "
                         "load_checkpoint needs to compare the deployed model with PyTorch)")
    args = ap.parse_args()
    if args.save_weights:
        ckpt = torch.load(args.checkpoint, map_location="cpu")
        torch.save({k: v for k, v in ckpt.items() if k != "optimizer"}, args.save_weights)
    stem = os.path.splitext(args.out)[0]
    onnx_path = args.onnx or stem + ".onnx"
    json_path = stem + ".json"
    net, config, _ = load_checkpoint(args.checkpoint)
    export_onnx(net, config, onnx_path, args.opset)
    with open(json_path, "w") as f:
        json.dump(metadata(config), f, indent=1)
        f.write("\n")
    print(convert(args.vigil, onnx_path, json_path, args.out, args.hoist_lstm_projection))


if __name__ == "__main__":
    main()
