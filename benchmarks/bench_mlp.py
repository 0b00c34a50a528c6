"""Speed of one training step (forward, backward, SGD update): nnedu vs PyTorch, float32.

    python benchmarks/bench_mlp.py [--threads N] [--repeats R]

Both run on the CPU with the same batch and the same thread budget (all cores unless --threads):
PyTorch gets ``torch.set_num_threads(N)``; nnedu runs as ``nnedu.fit`` runs it, i.e. under
``nnedu.threads.blas_threads_for`` (one BLAS thread for small networks, N for large ones).
A CUDA column is added when a GPU is present. The last line is JSON with the ratio nnedu / torch per size.
The machine's float32 matrix-multiply rate (numpy's BLAS, N threads, best of two GEMM shapes) is measured
in the same run, and nnedu's achieved rate at each size is given as a fraction of it ("% of peak").
"% matmul" is the time of the step's matrix products alone (same shapes, same threads) over nnedu's
step time: the share of the step that is BLAS work, 100% being the floor for any numpy implementation.
nnedu's step is the one ``fit`` runs per mini-batch (``MLP.loss_and_grads`` then ``SGD.step``, inputs checked
once before the loop); ``nnedu.train.train_step`` adds the input checks of a public entry point.
"""
import argparse
import json
import os
import platform
import time

import numpy as np
import torch

import nnedu
from nnedu.threads import blas_threads, blas_threads_for

CASES = [([64, 128, 10], 64), ([784, 256, 10], 128), ([1024, 1024, 1024, 10], 256)]


def step_flops(sizes, n):
    """Multiply-add FLOPs of one step: forward z@W, backward z^T delta and delta W^T (not for the input)."""
    layers = list(zip(sizes[:-1], sizes[1:]))
    fwd = sum(2 * n * a * b for a, b in layers)
    return fwd + fwd + (fwd - 2 * n * layers[0][0] * layers[0][1])


def best_time(fn, repeats, min_time=0.2):
    """Fastest of ``repeats`` runs of the per-call time, each run long enough to be measured (other
    processes only ever add time, so on a shared machine the minimum is the most faithful figure)."""
    fn()
    start, calls = time.perf_counter(), 0
    while time.perf_counter() - start < 0.05:
        fn()
        calls += 1
    per_run = max(1, int(calls * min_time / 0.05))
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(per_run):
            fn()
        times.append((time.perf_counter() - t0) / per_run)
    return float(np.min(times))


def bench_nnedu(sizes, n, X, y, repeats, threads):
    model = nnedu.MLP(sizes, activation="relu", dtype=np.float32, seed=0)
    opt = nnedu.SGD(lr=1e-3)
    X, y = model.check_data(X, y)
    loss_and_grads = getattr(model, "loss_and_grads", None) or model.backprop   # backprop: nnedu before 2026-12

    def step():
        _, grads = loss_and_grads(X, y)
        opt.step(model.params, grads)
    with blas_threads(blas_threads_for(sizes, n, threads)):
        return best_time(step, repeats)


def bench_torch(sizes, n, X, y, repeats, device):
    torch.manual_seed(0)
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    Xt, yt = torch.from_numpy(X).to(device), torch.from_numpy(y).to(device)
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(Xt), yt)
        loss.backward()
        opt.step()
        sync()
    return best_time(step, repeats)


def matmul_only_time(sizes, n, threads, repeats):
    """Time of just the matrix products of one step (same shapes, same BLAS threads): the floor for nnedu."""
    rng = np.random.default_rng(0)
    Ws = [rng.standard_normal((a, b)).astype(np.float32) for a, b in zip(sizes[:-1], sizes[1:])]
    zs = [rng.standard_normal((n, a)).astype(np.float32) for a in sizes[:-1]]
    ds = [rng.standard_normal((n, b)).astype(np.float32) for b in sizes[1:]]

    def products():
        for l, (W, z, d) in enumerate(zip(Ws, zs, ds)):
            z @ W
            z.T @ d
            if l:
                d @ W.T
    with blas_threads(blas_threads_for(sizes, n, threads)):
        return best_time(products, repeats)


def matmul_rate(threads, repeats):
    """Peak float32 GEMM rate (GFLOP/s) of numpy's BLAS with ``threads`` threads."""
    best = 0.0
    for n in (256, 1024):
        A = np.random.default_rng(0).standard_normal((n, 1024)).astype(np.float32)
        B = np.random.default_rng(1).standard_normal((1024, 1024)).astype(np.float32)
        with blas_threads(threads):
            t = best_time(lambda: A @ B, repeats)
        best = max(best, 2 * n * 1024 * 1024 / t / 1e9)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of (nnedu, matmul, torch) blocks")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    cuda = torch.cuda.is_available()
    peak = matmul_rate(args.threads, args.repeats)
    print(f"# {platform.processor() or platform.machine()}, {args.threads} threads, numpy {np.__version__}, "
          f"torch {torch.__version__}{', CUDA: ' + torch.cuda.get_device_name() if cuda else ''}")
    print(f"# float32 matrix-multiply rate (numpy BLAS): {peak:.1f} GFLOP/s")
    head = (f"{'size':>28} {'nnedu ms':>9} {'torch ms':>9} {'nnedu/torch':>11} {'nnedu GF/s':>10} {'% of peak':>9}"
            f" {'% matmul':>8}")
    print(head + (f" {'cuda ms':>8}" if cuda else ""))
    result = {"threads": args.threads, "matmul_gflops": round(peak, 2), "sizes": []}
    # nnedu first for every size, then PyTorch: PyTorch's OpenMP threads keep spinning for a while after
    # each call and would steal the cores from numpy's BLAS threads if the two were interleaved.
    data = []
    for sizes, n in CASES:
        rng = np.random.default_rng(0)
        data.append((rng.standard_normal((n, sizes[0])).astype(np.float32), rng.integers(0, sizes[-1], n)))
    # The three blocks are repeated ``--rounds`` times and each figure is the fastest over the rounds, so
    # that a burst of load from other processes during one block does not decide a ratio.
    t_nns = t_mms = t_pts = [np.inf] * len(CASES)
    for _ in range(args.rounds):
        t_nns = [min(t, bench_nnedu(sizes, n, X, y, args.repeats, args.threads))
                 for t, (sizes, n), (X, y) in zip(t_nns, CASES, data)]
        t_mms = [min(t, matmul_only_time(sizes, n, args.threads, args.repeats)) for t, (sizes, n) in zip(t_mms, CASES)]
        t_pts = [min(t, bench_torch(sizes, n, X, y, args.repeats, "cpu"))
                 for t, (sizes, n), (X, y) in zip(t_pts, CASES, data)]
    for (sizes, n), (X, y), t_nn, t_mm, t_pt in zip(CASES, data, t_nns, t_mms, t_pts):
        t_cu = bench_torch(sizes, n, X, y, args.repeats, "cuda") if cuda else None
        rate = step_flops(sizes, n) / t_nn / 1e9
        label = f"{sizes}@{n}"
        line = (f"{label:>28} {t_nn * 1e3:9.3f} {t_pt * 1e3:9.3f} {t_nn / t_pt:11.2f} {rate:10.1f} "
                f"{100 * rate / peak:8.0f}% {100 * t_mm / t_nn:7.0f}%")
        print(line + (f" {t_cu * 1e3:8.3f}" if cuda else ""), flush=True)
        result["sizes"].append({"size": label, "nnedu_ms": round(t_nn * 1e3, 4), "torch_ms": round(t_pt * 1e3, 4),
                                "ratio": round(t_nn / t_pt, 3), "nnedu_gflops": round(rate, 2),
                                "matmul_share": round(t_mm / t_nn, 3),
                                "cuda_ms": None if t_cu is None else round(t_cu * 1e3, 4)})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
