"""Exports temporal heads other than actdet-tiny's LSTM, at actdet-tiny's size (input 256 per step, T = 16,
batch 1, 16 classes), with seeded random weights, for timing against ONNX Runtime:

    /opt/vigil-venv/bin/python bench/export_heads.py OUT_DIR
    python bench/compare_ort.py --vigil build/vigil --files OUT_DIR/*.onnx --runs 500 --warmup 50 --markdown

- gru_head.onnx: GRU, hidden 128, 2 layers, bidirectional, Linear 256 -> 16, softmax (opset 13).
- transformer_head.onnx: nn.TransformerEncoder, d_model 256, 4 heads, feed-forward 512, GELU, 2 layers,
  Linear, softmax (opset 17: LayerNormalization; GELU as Erf).
Needs PyTorch (Debian's python3-torch is enough).
"""
import os

import torch
import torch.nn as nn

from export_args import out_dir_parser


class GruHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(256, 128, num_layers=2, bidirectional=True)
        self.fc = nn.Linear(256, 16)

    def forward(self, x):  # [T, 1, 256]
        h0 = torch.zeros(4, x.size(1), 128)
        y, _ = self.gru(x, h0)
        return torch.softmax(self.fc(y), -1)


class TransformerHead(nn.Module):
    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(256, 4, 512, dropout=0.0, batch_first=True, activation="gelu")
        self.enc = nn.TransformerEncoder(layer, 2)
        self.fc = nn.Linear(256, 16)

    def forward(self, x):  # [1, T, 256]
        return torch.softmax(self.fc(self.enc(x)), -1)


def main():
    out = out_dir_parser(__doc__).parse_args().out_dir
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    heads = [("gru_head", GruHead(), (16, 1, 256), 13), ("transformer_head", TransformerHead(), (1, 16, 256), 17)]
    for name, model, shape, opset in heads:
        path = os.path.join(out, name + ".onnx")
        # Not under torch.no_grad(): there nn.TransformerEncoderLayer takes its fused fast path, which torch
        # 1.13 cannot export.
        torch.onnx.export(model.eval(), (torch.randn(*shape),), path, opset_version=opset, input_names=["x"],
                          output_names=["y"])
        print(path)


if __name__ == "__main__":
    main()
