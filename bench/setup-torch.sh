#!/bin/sh
# Installs the PyTorch CPU build the training benchmark compares against (Debian's python3-torch)
# and OpenBLAS (pthreads), which takes over libblas.so.3 so torch's BLAS calls are multithreaded
# and optimized. Needs root: run as root, or through sudo when it is available.
set -e
if [ "$(id -u)" -ne 0 ]; then
    exec sudo "$0" "$@"
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq python3-torch libopenblas0-pthread
/usr/bin/python3 -c 'import torch; print("torch", torch.__version__, "threads", torch.get_num_threads())'
