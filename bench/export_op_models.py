"""Exports single-op models for timing ops whose fast paths are measured on their own (not inside a whole
network), with PyTorch's exporter so the nodes carry the attributes real exports carry:

    /opt/vigil-venv/bin/python bench/export_op_models.py OUT_DIR
    python bench/compare_ort.py --vigil build/vigil --files OUT_DIR/*.onnx --runs 50 --warmup 5 --rounds 5 \\
        --threads 1 2 --markdown [--baseline OLD/vigil]

- resize_cubic_up2.onnx: F.interpolate(scale_factor=2, mode="bicubic") of a [1, 64, 56, 56] feature map.
- resize_cubic_image.onnx: F.interpolate(size=(224, 224), mode="bicubic") of a [1, 3, 480, 640] image (the
  usual classifier preprocessing, a downscale).
- resize_linear_up2.onnx: F.interpolate(scale_factor=2, mode="bilinear") of a [1, 64, 56, 56] feature map.
- pad_reflect.onnx: F.pad(x, (1, 1, 1, 1), mode="reflect") of a [1, 64, 112, 112] map (as before a
  reflect-padded conv in style-transfer / super-resolution nets).
- pad_constant.onnx: F.pad(x, (0, 1, 0, 1)) of a [1, 128, 80, 80] map (the asymmetric pad before a
  stride-2 conv, as TF-ported models carry it).
- deconv_dw_k4s2.onnx: ConvTranspose2d(128, 128, 4, stride 2, padding 1, groups 128) of a [1, 128, 40, 40]
  map (the learned depthwise x2 upsampling of light segmentation / keypoint heads).
- deconv_dw_k3s1.onnx: ConvTranspose2d(64, 64, 3, padding 1, groups 64) of a [1, 64, 56, 56] map.
- maxpool3d_k2.onnx: MaxPool3d(2, stride 2) of a [1, 64, 16, 56, 56] clip (C3D's pools after the first).
- maxpool3d_k3s1.onnx: MaxPool3d(3, stride 1, padding 1) of a [1, 64, 8, 28, 28] clip (I3D-style branch pool).
- avgpool3d_k2.onnx, avgpool3d_k3s1.onnx: the same windows as AvgPool3d (count_include_pad, PyTorch's default).
- lrn_alexnet.onnx: an ONNX LRN node (size 5, alpha 1e-4, beta 0.75, bias 2) on a [1, 96, 55, 55] map
  (AlexNet's first LRN), built with onnx.helper: PyTorch exports LocalResponseNorm as a decomposition
  (Pow, AveragePool, Div...), not as LRN.
"""
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from export_args import out_dir_parser


class Interpolate(nn.Module):
    def __init__(self, **kwargs):
        super().__init__()
        self.kwargs = kwargs

    def forward(self, x):
        return F.interpolate(x, **self.kwargs)


class Pad(nn.Module):
    def __init__(self, pads, mode):
        super().__init__()
        self.pads, self.mode = pads, mode

    def forward(self, x):
        return F.pad(x, self.pads, mode=self.mode)


MODELS = {
    "resize_cubic_up2": (Interpolate(scale_factor=2.0, mode="bicubic", align_corners=False), [1, 64, 56, 56]),
    "resize_cubic_image": (Interpolate(size=(224, 224), mode="bicubic", align_corners=False), [1, 3, 480, 640]),
    "resize_linear_up2": (Interpolate(scale_factor=2.0, mode="bilinear", align_corners=False), [1, 64, 56, 56]),
    "pad_reflect": (Pad((1, 1, 1, 1), "reflect"), [1, 64, 112, 112]),
    "pad_constant": (Pad((0, 1, 0, 1), "constant"), [1, 128, 80, 80]),
    "deconv_dw_k4s2": (nn.ConvTranspose2d(128, 128, 4, stride=2, padding=1, groups=128), [1, 128, 40, 40]),
    "deconv_dw_k3s1": (nn.ConvTranspose2d(64, 64, 3, padding=1, groups=64), [1, 64, 56, 56]),
    "maxpool3d_k2": (nn.MaxPool3d(2, stride=2), [1, 64, 16, 56, 56]),
    "maxpool3d_k3s1": (nn.MaxPool3d(3, stride=1, padding=1), [1, 64, 8, 28, 28]),
    "avgpool3d_k2": (nn.AvgPool3d(2, stride=2), [1, 64, 16, 56, 56]),
    "avgpool3d_k3s1": (nn.AvgPool3d(3, stride=1, padding=1), [1, 64, 8, 28, 28]),
}


def export_lrn(path):
    import onnx
    from onnx import TensorProto, helper
    node = helper.make_node("LRN", ["x"], ["y"], size=5, alpha=1e-4, beta=0.75, bias=2.0)
    graph = helper.make_graph([node], "lrn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 96, 55, 55])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 96, 55, 55])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    onnx.save(model, path)


def main():
    out_dir = out_dir_parser(__doc__).parse_args().out_dir
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(0)
    for name, (model, shape) in MODELS.items():
        path = os.path.join(out_dir, name + ".onnx")
        torch.onnx.export(model.eval(), torch.randn(*shape), path, opset_version=13, input_names=["x"],
                          output_names=["y"])
        print(path)
    path = os.path.join(out_dir, "lrn_alexnet.onnx")
    export_lrn(path)
    print(path)


if __name__ == "__main__":
    main()
