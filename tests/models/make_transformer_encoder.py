#!/usr/bin/env python3
"""Exports a small PyTorch transformer encoder to ONNX for the pattern-recognition tests.

Two post-norm encoder layers (d_model 32, 4 heads, feed-forward 64, GELU, batch_first, dropout 0)
in eval mode with a causal float mask, exported with the highest opset torch 1.13 supports (17:
LayerNorm becomes LayerNormalization) and with opset 14 (LayerNorm spelled out as
ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div/Mul/Add), into transformer_encoder[_opset14].onnx.
A fixed input and torch's output are saved as raw little-endian float32 (.bin) with their shapes
in transformer_encoder.json, because writing TensorProto needs the onnx package.

Run with Debian's python3-torch:  /usr/bin/python3 tests/models/make_transformer_encoder.py
"""
import json
import os

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
D_MODEL, HEADS, FF, LAYERS = 32, 4, 64, 2
BATCH, SEQ = 2, 5
OPSETS = {"transformer_encoder.onnx": 17, "transformer_encoder_opset14.onnx": 14}


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(D_MODEL, HEADS, dim_feedforward=FF, dropout=0.0,
                                           activation="gelu", batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False)
        # Causal additive mask (0 on and below the diagonal, -inf above): exercises the mask path.
        self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(SEQ))

    def forward(self, x):
        return self.encoder(x, mask=self.mask)


def main():
    torch.manual_seed(0)
    model = Encoder().eval()
    x = torch.randn(BATCH, SEQ, D_MODEL)
    # In eval mode with gradients off, torch 1.13 takes the fused "fast path"
    # (aten::_transformer_encoder_layer_fwd), which has no ONNX symbolic; exporting with
    # gradients enabled keeps the ordinary decomposed layer.
    with torch.enable_grad():
        y = model(x)
        for name, opset in OPSETS.items():
            torch.onnx.export(model, (x,), os.path.join(HERE, name),
                              opset_version=opset, input_names=["input"], output_names=["output"],
                              do_constant_folding=True)
    x.detach().numpy().astype("<f4").tofile(os.path.join(HERE, "transformer_encoder_input_0.bin"))
    y.detach().numpy().astype("<f4").tofile(os.path.join(HERE, "transformer_encoder_output_0.bin"))
    with open(os.path.join(HERE, "transformer_encoder.json"), "w") as f:
        json.dump({"models": OPSETS, "torch": torch.__version__,
                   "inputs": {"input": list(x.shape)}, "outputs": {"output": list(y.shape)}}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
