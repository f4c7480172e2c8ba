#!/usr/bin/env python3
"""The digits CNN of `reprokit train` trained in PyTorch (CPU), for docs/benchmarks.md. Not a CI assertion.

Shows two things, in one run:

1. PyTorch's result depends on the machine configuration. The same training (same torch.manual_seed) runs in a fresh
   subprocess for every thread count x ATEN_CPU_CAPABILITY value (default: threads 1, 2 x capability unset, avx2,
   avx512: 6 configurations); each prints its test accuracy, its final parameter digest and its training time, and a
   last line counts the distinct digests. ReproKit's run gives one digest for all of them.
2. Speed side by side (with --reprokit PATH): `PATH train --threads T --json` and the PyTorch training, same thread
   counts, best of --repeat runs each, with what every figure includes said under the table.

    /usr/bin/python3 scripts/train_torch_digits.py [--reprokit src/ReproKit.Cli/bin/Release/net10.0/ReproKit.Cli]
        [--epochs 20] [--seed 1] [--threads-list 1,2] [--capabilities default,avx2,avx512] [--repeat 3] [--json]

Needs Debian's `python3-torch` (1.13; `apt-get install python3-torch`) run with /usr/bin/python3: the pyenv python3
first on PATH has no torch. The children run with the same interpreter as the parent.

Capabilities: `default` means ATEN_CPU_CAPABILITY unset (torch picks; 1.13 picks AVX2 on an AVX-512 CPU, AVX-512 is
opt-in); `scalar` sets ATen's own value `default` (no AVX); anything else is passed as is (`avx2`, `avx512`; torch
1.13 warns "ignoring invalid value" for an unknown one and picks as if unset; the effective capability, read from
torch.__config__.show() since 1.13 has no torch.backends.cpu.get_cpu_capability(), is printed for every row).
`avx512` is skipped on a CPU without AVX-512 (torch does not check a forced value). ATEN_CPU_CAPABILITY only selects
ATen's own vectorized kernels; the convolutions (oneDNN) and the linear layers (BLAS) dispatch on their own.

The run matches ReproKit's `DigitsTraining` as closely as PyTorch allows:
- data: data/digits/digits.csv.gz (its SHA-256 checked), pixels / 16 as float32, samples [1, 8, 8]; the script also
  computes ReproKit's LabeledDataset digest of the parsed set and checks it against the recorded one;
- model (DigitsTraining.CreateModel): conv 1->16 3x3 pad 1, ReLU, maxpool 2, conv 16->32 3x3 pad 1, BatchNorm2d(32)
  (eps 1e-5, momentum 0.1), ReLU, maxpool 2, flatten, dropout 0.25, linear 128->64, ReLU, linear 64->10; PyTorch's
  default initialization, which is what ReproKit's layers reproduce (Kaiming uniform a = sqrt(5), bias uniform
  +-1/sqrt(fan_in); BatchNorm weight 1, bias 0, running mean 0, var 1);
- split: validation ceil(0.1 n) = 180, test ceil(0.2 n) = 360 (the last positions of a permutation), training the
  first 1,257; batches of 64, a fresh permutation of the training part each epoch, the last short batch (41) kept:
  20 batches, 400 steps in 20 epochs;
- loss: mean cross-entropy; optimizer: SGD lr 0.05, momentum 0.9 (PyTorch's SGD, which ReproKit follows); after each
  epoch the validation accuracy (whole split in one batch, eval mode) and the digest, at the end the test accuracy.
NOT bit-identical to ReproKit: ReproKit draws the split, the batch order, the initialization and the dropout masks
from Philox streams keyed by the seed; here they come from torch.manual_seed(seed) (initialization, dropout) and a
torch.Generator seeded with seed (split, batch order): same sizes and number of batches, different samples.

Digest: SHA-256 of every parameter as little-endian float32 in model order (conv1 weight, bias, conv2 weight, bias,
BatchNorm weight, bias, linear1 weight, bias, linear2 weight, bias), then every BatchNorm's running mean and running
var: the definition of ReproKit's Sequential.Digest.
"""
import argparse
import gzip
import hashlib
import json
import math
import os
import platform
import re
import struct
import subprocess
import sys
import time

T_START = time.perf_counter()

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIGITS = os.path.join(ROOT, "data", "digits", "digits.csv.gz")
DIGITS_FILE_SHA256 = "46abec6b12486ad9e51943373abcf22bbea1b5a51a1619b361570d8893f1464a"
DIGITS_DATASET_DIGEST = "2a128b5cb0132f92ba0c72e2f13ed5b3cb59039c49a6876a9b11bc8224895d11"
VALIDATION_FRACTION, TEST_FRACTION = 0.1, 0.2
BATCH_SIZE, LR, MOMENTUM = 64, 0.05, 0.9
AVX512_FLAGS = ("avx512f", "avx512bw", "avx512vl", "avx512dq")


# ---------------------------------------------------------------- child: one training run (imports torch)

def load_digits(torch):
    """The shipped digits as (features [n, 1, 8, 8] float32 = pixel / 16, labels int64) and ReproKit's dataset digest."""
    raw = open(DIGITS, "rb").read()
    sha = hashlib.sha256(raw).hexdigest()
    if sha != DIGITS_FILE_SHA256:
        sys.exit(f"{DIGITS} has SHA-256 {sha}, not the recorded {DIGITS_FILE_SHA256}")
    rows = [[int(v) for v in line.split(",")] for line in gzip.decompress(raw).decode().split("\n") if line.strip()]
    pixels = torch.tensor([r[:64] for r in rows], dtype=torch.float32)
    x = (pixels / 16).view(-1, 1, 8, 8)  # exact: 16 is a power of two
    y = torch.tensor([r[64] for r in rows], dtype=torch.int64)
    # ReproKit's LabeledDataset.Digest: count, class count, rank, sample dims (int32 LE), features f32, labels int32.
    h = hashlib.sha256(struct.pack("<6i", len(rows), 10, 3, 1, 8, 8))
    h.update(x.reshape(-1).numpy().astype("<f4").tobytes())
    h.update(y.numpy().astype("<i4").tobytes())
    return x, y, h.hexdigest()


def make_model(nn):
    """DigitsTraining.CreateModel in PyTorch (default initialization from the global generator)."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.25), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))


def model_digest(torch, model):
    """Sequential.Digest: parameters in model order, then each BatchNorm's running mean and var, as LE float32."""
    parts = [p.detach().reshape(-1) for p in model.parameters()]
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            parts += [m.running_mean.reshape(-1), m.running_var.reshape(-1)]
    flat = torch.cat(parts).to(torch.float32)
    flat = torch.where(torch.isnan(flat), torch.tensor(float("nan")), flat)  # one NaN pattern, as ReproKit
    return hashlib.sha256(flat.numpy().astype("<f4").tobytes()).hexdigest()


def child(a):
    t_enter = time.perf_counter()
    import warnings
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    t_imported = time.perf_counter()
    torch.set_num_threads(a.threads)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        config = torch.__config__.show()  # computes ATen's CPU capability (and warns on a bad ATEN_CPU_CAPABILITY)
    m = re.search(r"CPU capability usage: *(.+)", config)
    blas = re.search(r"BLAS_INFO=([^,\s]+)", config)
    x, y, data_digest = load_digits(torch)
    n = len(y)
    test_n, val_n = math.ceil(n * TEST_FRACTION), math.ceil(n * VALIDATION_FRACTION)
    train_n = n - test_n - val_n
    g = torch.Generator().manual_seed(a.seed)
    perm = torch.randperm(n, generator=g)
    train, val, test = perm[:train_n], perm[train_n:train_n + val_n], perm[train_n + val_n:]
    batches = (train_n + BATCH_SIZE - 1) // BATCH_SIZE

    def accuracy(model, part):
        model.eval()
        with torch.no_grad():
            pred = model(x[part]).argmax(1)
        return (pred == y[part]).sum().item() / len(part)

    t0 = time.perf_counter()  # training: init, epochs (with validation and digest), test accuracy
    torch.manual_seed(a.seed)
    model = make_model(nn)
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    epochs = []
    for epoch in range(a.epochs):
        te = time.perf_counter()
        model.train()
        order = train[torch.randperm(train_n, generator=g)]
        loss_sum = 0.0
        for b in range(batches):
            idx = order[b * BATCH_SIZE:(b + 1) * BATCH_SIZE]
            loss = F.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.item()
        epochs.append({"epoch": epoch + 1, "steps": (epoch + 1) * batches, "meanLoss": loss_sum / batches,
                       "validationAccuracy": accuracy(model, val), "digest": model_digest(torch, model),
                       "seconds": time.perf_counter() - te})
    test_acc = accuracy(model, test)
    t1 = time.perf_counter()
    print(json.dumps({
        "threads": a.threads, "torchThreads": torch.get_num_threads(),
        "atenCpuCapabilityEnv": os.environ.get("ATEN_CPU_CAPABILITY"),
        "capabilityUsed": m.group(1).strip() if m else "?", "warnings": [str(w.message) for w in caught],
        "torch": torch.__version__, "blasInfo": blas.group(1) if blas else "?",
        "mkldnn": torch.backends.mkldnn.is_available(),
        "datasetDigest": data_digest, "datasetDigestMatches": data_digest == DIGITS_DATASET_DIGEST,
        "split": [train_n, val_n, test_n], "batchesPerEpoch": batches, "lastBatch": train_n - (batches - 1) * BATCH_SIZE,
        "epochs": epochs, "testAccuracy": test_acc, "digest": model_digest(torch, model),
        "trainSeconds": t1 - t0, "importSeconds": t_imported - t_enter, "startToImportedSeconds": t_imported - T_START}))


# ---------------------------------------------------------------- parent: runs children and reprokit (no torch)

def cpu_info():
    model, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k.strip() == "model name" and model in ("", platform.machine(), platform.processor()):
                    model = v.strip()
                elif k.strip() == "flags" and not flags:
                    flags = set(v.split())
    except OSError:
        pass
    return model, flags


def blas_library():
    for p in ("/etc/alternatives/libblas.so.3-x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu/libblas.so.3"):
        if os.path.exists(p):
            return os.path.realpath(p)
    return "?"


def capability_env(name):
    """(label, value of ATEN_CPU_CAPABILITY or None for unset)."""
    if name == "default":
        return "(unset)", None
    if name == "scalar":
        return "default", "default"
    return name, name


def run_torch(a, threads, cap_value):
    env = dict(os.environ)
    env.pop("ATEN_CPU_CAPABILITY", None)
    if cap_value is not None:
        env["ATEN_CPU_CAPABILITY"] = cap_value
    env["OMP_NUM_THREADS"] = str(threads)  # torch.set_num_threads(T) in the child as well
    cmd = [sys.executable, os.path.abspath(__file__), "--child", "--threads", str(threads),
           "--epochs", str(a.epochs), "--seed", str(a.seed)]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"PyTorch child (threads {threads}, ATEN_CPU_CAPABILITY={cap_value}) failed, rc {p.returncode}:\n{p.stderr}")
    r = json.loads(p.stdout.strip().splitlines()[-1])
    r["processSeconds"] = wall
    return r


def run_reprokit(a, path, threads, json_mode):
    cmd = [path, "train", "--threads", str(threads), "--epochs", str(a.epochs), "--seed", str(a.seed)]
    cmd += ["--json"] if json_mode else []
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if json_mode:
        try:
            r = json.loads(p.stdout)
        except ValueError:
            sys.exit(f"{' '.join(cmd)} failed, rc {p.returncode}:\n{p.stdout[-2000:]}{p.stderr[-2000:]}")
        r["processSeconds"], r["rc"] = wall, p.returncode
        return r
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed, rc {p.returncode}:\n{p.stderr[-2000:]}")
    # Table rows: epoch steps loss "val acc" seconds digest...; the seconds are printed with 2 decimals.
    secs = [float(m.group(1)) for m in re.finditer(r"^\s*\d+\s+\d+\s+\S+\s+\S+\s*%?\s+([0-9.]+)\s+[0-9a-f]{16}", p.stdout, re.M)]
    if len(secs) != a.epochs:
        sys.exit(f"could not read {a.epochs} epoch times from `{' '.join(cmd)}`:\n{p.stdout[-2000:]}")
    return {"epochSeconds": secs, "processSeconds": wall}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads-list", default="1,2", help="thread counts (default 1,2)")
    ap.add_argument("--capabilities", default="default,avx2,avx512",
                    help="ATEN_CPU_CAPABILITY values; default = unset, scalar = ATen's 'default' (no AVX)")
    ap.add_argument("--repeat", type=int, default=3, help="speed: best of R runs (default 3)")
    ap.add_argument("--reprokit", metavar="PATH", help="the reprokit executable: adds the speed comparison")
    ap.add_argument("--json", action="store_true", help="print everything as JSON")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        return child(a)
    if a.epochs < 1 or a.repeat < 1:
        ap.error("--epochs and --repeat must be at least 1")
    threads_list = [int(v) for v in a.threads_list.split(",")]
    caps = [c.strip() for c in a.capabilities.split(",") if c.strip()]
    if a.reprokit and not (os.path.isfile(a.reprokit) and os.access(a.reprokit, os.X_OK)):
        ap.error(f"--reprokit {a.reprokit}: not an executable file")
    cpu, flags = cpu_info()
    has_avx512 = all(f in flags for f in AVX512_FLAGS)
    out = {"machine": {"cpu": cpu, "logicalCpus": os.cpu_count(), "avx512": has_avx512, "blasLibrary": blas_library(),
                       "python": sys.executable, "platform": platform.platform()},
           "settings": {"epochs": a.epochs, "seed": a.seed, "batchSize": BATCH_SIZE, "lr": LR, "momentum": MOMENTUM,
                        "repeat": a.repeat}, "configurations": [], "skipped": []}

    # 1. one run per configuration
    for t in threads_list:
        for c in caps:
            label, value = capability_env(c)
            if value == "avx512" and not has_avx512:
                out["skipped"].append({"threads": t, "capability": label,
                                       "why": "this CPU lacks AVX-512 (" + ", ".join(f for f in AVX512_FLAGS if f not in flags) + ")"})
                continue
            r = run_torch(a, t, value)
            r["capability"] = label
            out["configurations"].append(r)
    if not out["configurations"]:
        sys.exit("no configuration could run")
    first = out["configurations"][0]
    out["torch"] = {"version": first["torch"], "blasInfo": first["blasInfo"], "mkldnn": first["mkldnn"]}
    digests = [r["digest"] for r in out["configurations"]]
    out["distinctDigests"] = len(set(digests))

    # 2. speed
    if a.reprokit:
        speed = []
        for t in threads_list:
            tr = [run_torch(a, t, None) for _ in range(a.repeat)]
            rj = [run_reprokit(a, a.reprokit, t, True) for _ in range(a.repeat)]
            rt = [run_reprokit(a, a.reprokit, t, False) for _ in range(a.repeat)]
            same = [r for r in out["configurations"] if r["threads"] == t and r["atenCpuCapabilityEnv"] is None]
            speed.append({
                "threads": t,
                "torchTrainSeconds": min(r["trainSeconds"] for r in tr),
                "torchProcessSeconds": min(r["processSeconds"] for r in tr),
                "torchImportSeconds": min(r["importSeconds"] for r in tr),
                "torchDigests": sorted({r["digest"] for r in tr}),
                "torchRepeatable": len({r["digest"] for r in tr} | {r["digest"] for r in same}) == 1,
                "reprokitProcessSeconds": min(r["processSeconds"] for r in rj),
                "reprokitEpochSeconds": min(sum(r["epochSeconds"]) for r in rt),
                "reprokitIsa": rj[0]["isa"], "reprokitThreads": rj[0]["threads"],
                "reprokitTestAccuracy": rj[0]["testAccuracy"], "reprokitDigests": sorted({r["digest"] for r in rj}),
                "reprokitMatchesRecorded": rj[0].get("matchesRecorded"),
                "reprokitPerEpoch": rj[0]["perEpoch"]})
        out["speed"] = speed
        out["reprokitDistinctDigests"] = len({d for s in speed for d in s["reprokitDigests"]})

    if a.json:
        print(json.dumps(out, indent=2))
        return
    report(a, out)


def report(a, out):
    m, tv, first = out["machine"], out["torch"], out["configurations"][0]
    print(f"Digits CNN in PyTorch: {a.epochs} epochs, batch {BATCH_SIZE}, SGD lr {LR} momentum {MOMENTUM}, "
          f"torch.manual_seed({a.seed})")
    print(f"Machine: {m['cpu']}, {m['logicalCpus']} logical CPUs, AVX-512 {'yes' if m['avx512'] else 'NO'}; "
          f"torch {tv['version']} ({m['python']}), oneDNN {'on' if tv['mkldnn'] else 'off'}, "
          f"BLAS_INFO={tv['blasInfo']} -> {m['blasLibrary']}")
    tr, va, te = first["split"]
    print(f"Data: dataset digest {first['datasetDigest'][:16]}... "
          f"({'= ReproKit' if first['datasetDigestMatches'] else 'DIFFERS from ReproKit'}), split {tr}/{va}/{te}, "
          f"{first['batchesPerEpoch']} batches per epoch (last {first['lastBatch']})")
    print()
    print(f"{'threads':>7}  {'ATEN_CPU_CAPABILITY':<19}  {'used':<7}  {'test acc':>8}  {'train s':>7}  digest")
    for r in out["configurations"]:
        print(f"{r['threads']:>7}  {r['capability']:<19}  {r['capabilityUsed']:<7}  {r['testAccuracy']:>8.2%}  "
              f"{r['trainSeconds']:>7.2f}  {r['digest']}")
        for w in r["warnings"]:
            print(f"{'':>9}torch warned: {w}")
    for s in out["skipped"]:
        print(f"{s['threads']:>7}  {s['capability']:<19}  skipped: {s['why']}")
    n = len(out["configurations"])
    print(f"{n} configurations, {out['distinctDigests']} distinct digests")
    groups = {}
    for r in out["configurations"]:
        groups.setdefault(r["digest"], []).append(f"{r['threads']}t/{r['capability']}")
    for d, who in groups.items():
        if len(who) > 1:
            print(f"  same digest {d[:16]}...: {', '.join(who)}")

    if "speed" not in out:
        print("\n(speed comparison: pass --reprokit PATH)")
        return
    sp = out["speed"]
    rk_digests = sorted({d for s in sp for d in s["reprokitDigests"]})
    accs = ", ".join(f"{s['reprokitTestAccuracy']:.2%}" for s in sp)
    verdict = {True: " (= recorded)", False: " (DIFFERS from recorded)", None: ""}[sp[0]["reprokitMatchesRecorded"]]
    print(f"\nReproKit ({a.reprokit}, ISA {sp[0]['reprokitIsa']}): threads "
          f"{', '.join(str(s['reprokitThreads']) for s in sp)} -> {len(rk_digests)} distinct digest(s) "
          f"{', '.join(d[:16] + '...' for d in rk_digests)}{verdict}, test accuracy {accs}")
    rep = ", ".join(f"{s['threads']}t " + ("yes" if s["torchRepeatable"] else "NO") for s in sp)
    print(f"PyTorch repeatable run to run (speed runs vs the table's unset-capability run): {rep}")
    print(f"\nSpeed, best of {a.repeat} (seconds; ratio = PyTorch / ReproKit, > 1: PyTorch slower)")
    print(f"{'threads':>7}  {'torch train':>11}  {'rk epochs':>9}  {'ratio':>5}  {'torch process':>13}  "
          f"{'rk process':>10}  {'ratio':>5}")
    for s in sp:
        print(f"{s['threads']:>7}  {s['torchTrainSeconds']:>11.2f}  {s['reprokitEpochSeconds']:>9.2f}  "
              f"{s['torchTrainSeconds'] / s['reprokitEpochSeconds']:>5.2f}  {s['torchProcessSeconds']:>13.2f}  "
              f"{s['reprokitProcessSeconds']:>10.2f}  {s['torchProcessSeconds'] / s['reprokitProcessSeconds']:>5.2f}")
    imp = min(s["torchImportSeconds"] for s in sp)
    print("torch train: in-process model init + all epochs (each with validation accuracy and digest) + test accuracy;")
    print(f"  excludes interpreter start, `import torch` (~{imp:.2f} s) and reading the CSV.")
    print("rk epochs: sum of the per-epoch seconds `reprokit train --threads T` prints (2 decimals each; each epoch")
    print("  includes its validation accuracy and digest); excludes .NET start, data load, init and test accuracy.")
    print("torch process: the whole `python3 train_torch_digits.py --child` process (start, import torch, CSV, training).")
    print("rk process: the whole `reprokit train --threads T --json` process (.NET start, data, training, test, JSON).")


if __name__ == "__main__":
    main()
