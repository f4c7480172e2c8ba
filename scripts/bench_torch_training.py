#!/usr/bin/env python3
"""PyTorch CPU side by side with `reprokit bench <op>` (docs/benchmarks.md, "Training operations").

Times PyTorch's CPU kernels on the same shapes as the ReproKit benches, with 1 and 2 threads, best of R runs after a
warm-up, and prints one line per case (or --json). It measures PyTorch only: run `reprokit bench <op> --threads T`
in the same session for ReproKit's figures. Not a CI assertion (no PyTorch in CI): Debian's `python3-torch` (1.13)
is what this project's machines have (`apt-get install python3-torch`; run with /usr/bin/python3).

    /usr/bin/python3 scripts/bench_torch_training.py linear|training [--threads 1,2] [--repeat 5] [--count N] [--json]

`training` mirrors `reprokit bench training` case by case (same names, same shapes built from --count values):
activations, GELU's backward, an SGD (Nesterov) and an AdamW step, BatchNorm2d and LayerNorm forward and backward,
cross-entropy over 1000-class rows, 2x2 max pooling; the figure is G values/s of the count input values.
"""
import argparse
import json
import platform
import time

import torch
import torch.nn.functional as F

LINEAR_SHAPES = [("N=256 1024->1024", 256, 1024, 1024), ("N=4096 4096->4096", 4096, 4096, 4096),
                 ("N=1 4096->4096", 1, 4096, 4096), ("N=64 128->64", 64, 128, 64)]


def best_of(repeat, fn):
    fn()  # warm-up
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def linear_cases(repeat):
    """Forward y = x W^T + b, backward data dy W, backward weights dy^T x (and the bias sum), as torch's kernels do."""
    rows = []
    for name, n, k_in, k_out in LINEAR_SHAPES:
        g = torch.Generator().manual_seed(1)
        x = torch.randn(n, k_in, generator=g)
        w = torch.randn(k_out, k_in, generator=g) * 0.05
        b = torch.randn(k_out, generator=g) * 0.1
        dy = torch.randn(n, k_out, generator=g)
        reps = min(repeat, 2) if n * k_in * k_out > 1e10 else repeat
        flops = 2.0 * n * k_in * k_out
        with torch.no_grad():
            for p, fn in (("forward", lambda: F.linear(x, w, b)),
                          ("backward-data", lambda: dy.mm(w)),
                          ("backward-weights", lambda: (dy.t().mm(x), dy.sum(0)))):
                s = best_of(reps, fn)
                rows.append({"name": f"{name} {p}", "milliseconds": s * 1e3, "gflops": flops / s / 1e9})
    return rows


def training_cases(repeat, count=1 << 24):
    """The cases of `reprokit bench training` with PyTorch's CPU kernels (no autograd: the backward kernels directly)."""
    g = torch.Generator().manual_seed(42)
    x = torch.randn(count, generator=g) * 3
    dy = torch.randn(count, generator=g)
    rows = []
    ch = 16 if count % 32 == 0 else 1
    ln_rows = count // 1024 if count % 1024 == 0 else 1
    ce_classes = 1000 if count >= 1000 else count
    ce_rows = max(1, count // 1000)
    targets = torch.arange(ce_rows) * 37 % ce_classes
    xb = x.view(1, ch, 1, count // ch)
    dyb = dy.view(1, ch, 1, count // ch)
    p, m, v = x.clone(), torch.zeros(count), torch.zeros(count)
    sgd = torch.optim.SGD([torch.nn.Parameter(p)], lr=0.01, momentum=0.9, nesterov=True)
    adamw = torch.optim.AdamW([torch.nn.Parameter(x.clone())], lr=1e-3)
    for prm in sgd.param_groups[0]["params"] + adamw.param_groups[0]["params"]:
        prm.grad = dy.clone()
    mean = xb.mean(dim=(0, 2, 3))
    invstd = 1 / (xb.var(dim=(0, 2, 3), unbiased=False) + 1e-5).sqrt()
    lx = x.view(ln_rows, count // ln_rows)
    lmean = lx.mean(1, keepdim=True)
    lrstd = 1 / (lx.var(1, unbiased=False, keepdim=True) + 1e-5).sqrt()
    cases = [
        ("relu", lambda: torch.relu(x)),
        ("gelu", lambda: F.gelu(x)),
        ("gelu-tanh", lambda: F.gelu(x, approximate="tanh")),
        ("gelu-backward", lambda: torch.ops.aten.gelu_backward(dy, x)),
        ("sgd-nesterov", lambda: sgd.step()),
        ("adamw", lambda: adamw.step()),
        ("batchnorm", lambda: F.batch_norm(xb, None, None, training=True)),
        ("batchnorm-bwd", lambda: torch.ops.aten.native_batch_norm_backward(
            dyb, xb, None, None, None, mean, invstd, True, 1e-5, [True, False, False])),
        ("layernorm", lambda: F.layer_norm(lx, (count // ln_rows,))),
        ("layernorm-bwd", lambda: torch.ops.aten.native_layer_norm_backward(
            dy.view_as(lx), lx, (count // ln_rows,), lmean, lrstd, None, None, [True, False, False])),
        ("cross-entropy", lambda: F.cross_entropy(x[:ce_rows * ce_classes].view(ce_rows, ce_classes), targets)),
        ("maxpool2x2", lambda: F.max_pool2d(x.view(1, ch, 2, count // (2 * ch)), 2, return_indices=True)),
    ]
    with torch.no_grad():
        for name, fn in cases:
            s = best_of(repeat, fn)
            rows.append({"name": name, "milliseconds": s * 1e3, "gvalues": count / s / 1e9})
    return rows


OPS = {"linear": linear_cases, "training": training_cases}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("op", choices=sorted(OPS))
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--count", type=int, default=1 << 24, help="training: values per case (default 16777216)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    results = []
    for t in [int(v) for v in a.threads.split(",")]:
        torch.set_num_threads(t)
        results.append({"op": a.op, "library": f"torch {torch.__version__}", "threads": t,
                        "machine": platform.processor() or platform.machine(),
                        "capability": torch.backends.cpu.get_cpu_capability() if hasattr(torch.backends, "cpu") else "",
                        "cases": OPS[a.op](a.repeat) if a.op == "linear" else OPS[a.op](a.repeat, a.count)})
    if a.json:
        print(json.dumps(results, indent=2))
        return
    for r in results:
        print(f"torch {torch.__version__}, {r['threads']} thread(s):")
        for c in r["cases"]:
            extra = f" {c['gflops']:8.1f} GFLOP/s" if "gflops" in c else f" {c['gvalues']:8.3f} G values/s" if "gvalues" in c else ""
            print(f"  {c['name']:<36} {c['milliseconds']:10.3f} ms{extra}")


if __name__ == "__main__":
    main()
