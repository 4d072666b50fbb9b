#!/usr/bin/python3
"""Times one training epoch of LeNet-5 (ReLU, max pooling; the zoo's definition) on Fashion-MNIST's 60,000
training images in PyTorch CPU: shuffled minibatches, cross-entropy, Adam. Same data, batch and optimizer as
bench/Engine.Bench/TrainEpochBench.cs; prints one JSON line with the seconds and the final mean loss."""
import argparse
import gzip
import json
import time

import numpy as np
import torch
from torch import nn

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, required=True)
p.add_argument("--batch", type=int, default=64)
p.add_argument("--dir", default="/usr/share/datasets/fashion-mnist")
a = p.parse_args()


def idx(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


x = torch.from_numpy(idx(f"{a.dir}/train-images-idx3-ubyte.gz", 16).astype(np.float32) / 255).reshape(-1, 1, 28, 28)
y = torch.from_numpy(idx(f"{a.dir}/train-labels-idx1-ubyte.gz", 8).astype(np.int64))
torch.set_num_threads(a.threads)
torch.manual_seed(0)
model = nn.Sequential(
    nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
    nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
steps = len(y) // a.batch
t0 = time.perf_counter()
order = torch.randperm(len(y))
total = 0.0
for s in range(steps):
    i = order[s * a.batch:(s + 1) * a.batch]
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(model(x[i]), y[i])
    loss.backward()
    opt.step()
    total += loss.item()
print(json.dumps({"seconds": time.perf_counter() - t0, "loss": total / steps, "steps": steps}))
