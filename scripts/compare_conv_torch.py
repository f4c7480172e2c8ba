#!/usr/bin/env python3
"""Times PyTorch's CPU conv2d (oneDNN) beside ReproKit's conv2d, in one run, for docs/benchmarks.md.

ReproKit: `reprokit bench conv2d --json` (every forward algorithm that supports each shape, and both backward
passes). PyTorch: torch.nn.functional.conv2d forward, and autograd's input and weight gradients, on the same shapes,
with the same thread count. GFLOP/s use the direct-convolution flop count 2 N K P Q (C/groups) R S for both.

Needs Debian's python3-torch (run with /usr/bin/python3); without it only ReproKit's figures are printed.
Usage: /usr/bin/python3 scripts/compare_conv_torch.py [--threads 2] [--repeat 5]
"""
import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# (name as ReproKit's bench prints it, N, C, H, W, K, kernel, stride, pad, groups)
SHAPES = [
    ("resnet 64x56x56 3x3", 8, 64, 56, 56, 64, 3, 1, 1, 1),
    ("256x14x14 3x3", 8, 256, 14, 14, 256, 3, 1, 1, 1),
    ("stem 7x7/2 3->64 224", 8, 3, 224, 224, 64, 7, 2, 3, 1),
    ("1x1 64->256 56x56", 8, 64, 56, 56, 256, 1, 1, 0, 1),
    ("depthwise 3x3 256 28x28", 8, 256, 28, 28, 256, 3, 1, 1, 256),
]


def best(repeat, fn):
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    cli = ["dotnet", "run", "-c", "Release", "--project", os.path.join(ROOT, "src", "ReproKit.Cli"), "--",
           "bench", "conv2d", "--json", "--threads", str(args.threads), "--repeat", str(args.repeat)]
    print("running:", " ".join(cli), file=sys.stderr)
    ours = json.loads(subprocess.run(cli, check=True, capture_output=True, text=True).stdout)
    ours_gf = {c["name"]: c["gflops"] for c in ours["cases"]}

    try:
        import torch
        import torch.nn.functional as F
        torch.set_num_threads(args.threads)
    except ImportError:
        torch = None
        print("python3-torch is not installed: PyTorch columns are empty (apt-get install python3-torch).", file=sys.stderr)

    print(f"| shape | pass | ReproKit best algorithm | ReproKit GFLOP/s | PyTorch {torch.__version__ if torch else 'n/a'} GFLOP/s |")
    print("|---|---|---|---|---|")
    for name, n, c, h, w, k, r, stride, pad, groups in SHAPES:
        p = (h + 2 * pad - r) // stride + 1
        q = (w + 2 * pad - r) // stride + 1
        flops = 2.0 * n * k * p * q * (c // groups) * r * r
        torch_gf = {}
        if torch is not None:
            x = torch.randn(n, c, h, w, requires_grad=True)
            wt = torch.randn(k, c // groups, r, r, requires_grad=True)
            torch_gf["forward"] = flops / best(args.repeat, lambda: F.conv2d(x, wt, stride=stride, padding=pad, groups=groups)) / 1e9
            y = F.conv2d(x, wt, stride=stride, padding=pad, groups=groups)
            gy = torch.randn_like(y)
            t_dx = best(args.repeat, lambda: torch.autograd.grad(y, x, gy, retain_graph=True))
            t_dw = best(args.repeat, lambda: torch.autograd.grad(y, wt, gy, retain_graph=True))
            torch_gf["backward-data"] = flops / t_dx / 1e9
            torch_gf["backward-weights"] = flops / t_dw / 1e9
        for pass_name in ["forward", "backward-data", "backward-weights"]:
            cases = {key: gf for key, gf in ours_gf.items() if key.startswith(f"{name} {pass_name} ")}
            if not cases:
                continue
            algo_key = max(cases, key=cases.get)
            theirs = f"{torch_gf[pass_name]:.0f}" if pass_name in torch_gf else ""
            print(f"| {name} | {pass_name} | {algo_key[len(name) + len(pass_name) + 2:]} | {cases[algo_key]:.0f} | {theirs} |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
