#!/usr/bin/env python3
"""Times the standard PyTorch CPU sampling pipeline beside ReproKit's sampler, in one run, for docs/benchmarks.md.

PyTorch pipeline (as Hugging Face's warpers): logits / T -> top-k (mask below the k-th value) -> sort-based top-p
(cumulative softmax, keep the crossing token) -> min-p -> softmax -> torch.multinomial.
ReproKit: `reprokit bench sample --json` with the same vocabulary sizes, batch sizes, parameter sets and threads.

Needs Debian's python3-torch (run with /usr/bin/python3); without it, only ReproKit's figures are printed.
Usage: /usr/bin/python3 scripts/compare_sampling_torch.py [--threads 2] [--repeat 5] [--vocab 32000,128256,262144] [--batch 1,8,32]
"""
import argparse
import json
import os
import subprocess
import sys
import time

PARAMETER_SETS = [("T0.7 k50 p0.9", 0.7, 50, 0.9, 0.0), ("T1 p0.95", 1.0, 0, 0.95, 0.0), ("min_p 0.05", 1.0, 0, 1.0, 0.05)]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def torch_pipeline(torch, logits, temperature, top_k, top_p, min_p, generator):
    scores = logits / temperature
    if top_k > 0:
        kth = torch.topk(scores, top_k, dim=-1).values[..., -1, None]
        scores = scores.masked_fill(scores < kth, float("-inf"))
    if top_p < 1.0:
        sorted_scores, sorted_idx = torch.sort(scores, descending=False, dim=-1)
        cumulative = sorted_scores.softmax(dim=-1).cumsum(dim=-1)
        remove_sorted = cumulative <= (1 - top_p)
        remove_sorted[..., -1:] = False
        remove = remove_sorted.scatter(-1, sorted_idx, remove_sorted)
        scores = scores.masked_fill(remove, float("-inf"))
    if min_p > 0.0:
        probs = scores.softmax(dim=-1)
        top = probs.max(dim=-1, keepdim=True).values
        scores = scores.masked_fill(probs < min_p * top, float("-inf"))
    return torch.multinomial(scores.softmax(dim=-1), 1, generator=generator)


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
    ap.add_argument("--vocab", default="32000,128256,262144")
    ap.add_argument("--batch", default="1,8,32")
    args = ap.parse_args()
    vocabs = [int(v) for v in args.vocab.split(",")]
    batches = [int(b) for b in args.batch.split(",")]

    cli = ["dotnet", "run", "-c", "Release", "--project", os.path.join(ROOT, "src", "ReproKit.Cli"), "--",
           "bench", "sample", "--json", "--threads", str(args.threads), "--repeat", str(args.repeat),
           "--vocab", args.vocab, "--batch", args.batch]
    print("running:", " ".join(cli), file=sys.stderr)
    ours = json.loads(subprocess.run(cli, check=True, capture_output=True, text=True).stdout)
    ours_ms = {(c["vocab"], c["batch"], c["params"]): (c["milliseconds"], c["readLogitsMilliseconds"]) for c in ours["cases"]}

    try:
        import torch
    except ImportError:
        torch = None
        print("python3-torch is not installed: PyTorch columns are empty (apt-get install python3-torch).", file=sys.stderr)
    if torch is not None:
        torch.set_num_threads(args.threads)
        generator = torch.Generator().manual_seed(0)

    print(f"| V | B | parameters | ReproKit ms | PyTorch {torch.__version__ if torch else 'n/a'} ms | speed-up | read logits ms |")
    print("|---|---|---|---|---|---|---|")
    for v in vocabs:
        for b in batches:
            logits = torch.randn(b, v, generator=generator) * 3 if torch else None
            for name, t, k, p, m in PARAMETER_SETS:
                ms, read_ms = ours_ms[(v, b, name)]
                if torch is not None:
                    tms = best(args.repeat, lambda: torch_pipeline(torch, logits, t, k, p, m, generator)) * 1e3
                    print(f"| {v} | {b} | {name} | {ms:.3f} | {tms:.2f} | {tms / ms:.0f}x | {read_ms:.3f} |")
                else:
                    print(f"| {v} | {b} | {name} | {ms:.3f} | | | {read_ms:.3f} |")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
