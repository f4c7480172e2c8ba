#!/usr/bin/env python3
"""PyTorch CPU side by side with `reprokit bench <op>` (docs/benchmarks.md, "Training operations").

Times PyTorch's CPU kernels on the same shapes as the ReproKit benches, with 1 and 2 threads, best of R runs after a
warm-up, and prints one line per case (or --json). It measures PyTorch only: run `reprokit bench <op> --threads T`
in the same session for ReproKit's figures. Not a CI assertion (no PyTorch in CI): Debian's `python3-torch` (1.13)
is what this project's machines have (`apt-get install python3-torch`; run with /usr/bin/python3).

    /usr/bin/python3 scripts/bench_torch_training.py linear [--threads 1,2] [--repeat 5] [--json]
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


OPS = {"linear": linear_cases}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("op", choices=sorted(OPS))
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    results = []
    for t in [int(v) for v in a.threads.split(",")]:
        torch.set_num_threads(t)
        results.append({"op": a.op, "library": f"torch {torch.__version__}", "threads": t,
                        "machine": platform.processor() or platform.machine(),
                        "capability": torch.backends.cpu.get_cpu_capability() if hasattr(torch.backends, "cpu") else "",
                        "cases": OPS[a.op](a.repeat)})
    if a.json:
        print(json.dumps(results, indent=2))
        return
    for r in results:
        print(f"torch {torch.__version__}, {r['threads']} thread(s):")
        for c in r["cases"]:
            extra = f" {c['gflops']:8.1f} GFLOP/s" if "gflops" in c else ""
            print(f"  {c['name']:<36} {c['milliseconds']:10.3f} ms{extra}")


if __name__ == "__main__":
    main()
