#!/usr/bin/env python3
"""Exports PyTorch activations that ONNX opset 13 has no single op for (or that torch spells out):
GELU (erf and tanh forms), SiLU and Hardswish (x·HardSigmoid(x; 1/6, ½) below opset 14), summed
so one graph holds all four. The pattern tests check O3 turns them back into Gelu/Swish/HardSwish.

Run with Debian's python3-torch:  /usr/bin/python3 tests/models/make_activations.py
"""
import os

import torch
from torch import nn
from torch.nn import functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


class Activations(nn.Module):
    def forward(self, x):
        return F.gelu(x) + F.gelu(x, approximate="tanh") + F.silu(x) + F.hardswish(x)


def main():
    torch.onnx.export(Activations().eval(), (torch.zeros(2, 8),), os.path.join(HERE, "activations_opset13.onnx"),
                      opset_version=13, input_names=["x"], output_names=["y"])


if __name__ == "__main__":
    main()
