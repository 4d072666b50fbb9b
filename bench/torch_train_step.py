#!/usr/bin/python3
"""Times one training step (zero_grad, forward, cross-entropy, backward, Adam step) of the
benchmark's MLP or LeNet-5 in PyTorch CPU at a given thread count; prints one JSON line.
Same architectures, batch and optimizer as bench/Engine.Bench/TrainStepBench.cs."""
import argparse
import json
import statistics
import time

import torch
from torch import nn

p = argparse.ArgumentParser()
p.add_argument("--model", choices=["mlp", "lenet5"], required=True)
p.add_argument("--threads", type=int, required=True)
p.add_argument("--batch", type=int, default=64)
p.add_argument("--warmup", type=int, default=10)
p.add_argument("--steps", type=int, default=50)
a = p.parse_args()

torch.set_num_threads(a.threads)
torch.manual_seed(0)
if a.model == "mlp":
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
else:
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
x = torch.rand(a.batch, 1, 28, 28)
y = torch.randint(0, 10, (a.batch,))


def step():
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()
    return loss.item()


for _ in range(a.warmup):
    step()
times = []
for _ in range(a.steps):
    t0 = time.perf_counter()
    step()
    times.append((time.perf_counter() - t0) * 1e3)
print(json.dumps({"model": a.model, "threads": torch.get_num_threads(), "median_ms": statistics.median(times),
                  "torch": torch.__version__}))
