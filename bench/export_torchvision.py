"""Exports torchvision's standard image classifiers at 224x224, the size people deploy them at, with seeded
random weights, for timing against ONNX Runtime:

    /opt/vigil-venv/bin/python bench/export_torchvision.py OUT_DIR [MODEL ...]
    python bench/compare_ort.py --vigil build/vigil --files OUT_DIR/*.onnx --rounds 3 --threads 1 2 \
        --runs 10 --warmup 3 --markdown

No model hub is reachable, so the weights are torchvision's random initialisation (seed 0). Every
BatchNorm's running statistics are first estimated in training mode from two batches of random images, so
that the activations have realistic scales (with the initial mean 0 / variance 1 they shrink or blow up
layer after layer); then the model is exported in eval mode at opset 13 (BatchNorm folded by the exporter
where it follows a conv; DenseNet's pre-activation BatchNorms stay). Timing does not depend on the values
except through denormals, which these scales avoid. Correctness on the same architectures is checked by
tools/onnx/check_torchvision.py. Needs torch and torchvision (Debian's python3-torch and
python3-torchvision are enough).
"""
import os
import sys
import warnings

from export_args import out_dir_parser


def models(tv):
    m = tv.models
    return {
        "resnet18": m.resnet18,
        "resnet50": m.resnet50,
        "resnext50_32x4d": m.resnext50_32x4d,
        "mobilenet_v2": m.mobilenet_v2,
        "mobilenet_v3_large": m.mobilenet_v3_large,
        "efficientnet_b0": m.efficientnet_b0,
        "mnasnet1_0": m.mnasnet1_0,
        "shufflenet_v2_x1_0": m.shufflenet_v2_x1_0,
        "regnet_y_400mf": m.regnet_y_400mf,
        "squeezenet1_1": m.squeezenet1_1,
        "googlenet": lambda: m.googlenet(aux_logits=False, init_weights=True),
        "densenet121": m.densenet121,
        "convnext_tiny": m.convnext_tiny,
    }


def main():
    parser = out_dir_parser(__doc__)
    parser.add_argument("names", nargs="*", help="models to export (default: all)")
    args = parser.parse_args()
    import torch
    import torchvision

    warnings.filterwarnings("ignore")
    out = args.out_dir
    table = models(torchvision)
    names = args.names or list(table)
    unknown = [n for n in names if n not in table]
    if unknown:
        sys.exit(f"unknown models {unknown}; known: {', '.join(table)}")
    os.makedirs(out, exist_ok=True)
    for name in names:
        torch.manual_seed(0)
        model = table[name]()
        model.train()
        with torch.no_grad():
            for _ in range(2):
                model(torch.rand(4, 3, 224, 224))
        model.eval()
        path = os.path.join(out, name + ".onnx")
        torch.onnx.export(model, torch.rand(1, 3, 224, 224), path, opset_version=13, input_names=["x"],
                          output_names=["y"])
        print(path, flush=True)


if __name__ == "__main__":
    main()
