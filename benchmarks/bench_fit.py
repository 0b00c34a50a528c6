"""Speed of a whole training run: ``nnedu.fit`` vs the equivalent PyTorch loop, on the CPU.

    python benchmarks/bench_fit.py [--repeats R] [--dtype float32|float64]

The PyTorch loop does what ``fit`` does: the same shuffled mini-batches (the same permutation per
epoch, drawn from ``np.random.default_rng(seed)``), one SGD step per batch, and after each epoch a
test-mode evaluation of the whole training set (mean loss and accuracy). Both use the thread count
``fit`` picks (``nnedu.threads.blas_threads_for``; torch.set_num_threads for PyTorch). Runs are
interleaved (nnedu, torch, nnedu, torch, ...) and the fastest of ``--repeats`` is reported for each
(other processes only ever add time), so that a loaded machine disturbs both sides alike. The last
line is JSON.
"""
import argparse
import json
import platform
import time

import numpy as np
import torch

import nnedu
from nnedu.threads import blas_threads_for


def spiral():
    return nnedu.data.spiral(100, 3)


def digits():
    X, y = nnedu.data.digits()
    return nnedu.data.Standardizer().fit_transform(X), y


def mnist_like(n=4096, seed=0):
    """Random 784-pixel inputs in [0, 1] with labels from a random linear teacher (no download)."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, 784))
    return X, (X @ rng.standard_normal((784, 10))).argmax(axis=1)


# (name, sizes, batch size, epochs, data)
CASES = [("spiral", [2, 100, 3], 32, 100, spiral), ("digits", [64, 100, 10], 32, 20, digits),
         ("784-256-10", [784, 256, 10], 128, 5, mnist_like)]


def time_nnedu(sizes, batch, epochs, X, y, dtype):
    model = nnedu.MLP(sizes, activation="relu", dtype=dtype, seed=0)
    t0 = time.perf_counter()
    nnedu.fit(model, X, y, epochs=epochs, batch_size=batch, lr=0.05, seed=0, progress=False)
    return time.perf_counter() - t0


def time_torch(sizes, batch, epochs, X, y, dtype, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers += [torch.nn.Linear(a, b)] + ([torch.nn.ReLU()] if i < len(sizes) - 2 else [])
    model = torch.nn.Sequential(*layers).to(getattr(torch, np.dtype(dtype).name))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    Xt, yt = torch.from_numpy(X.astype(dtype)), torch.from_numpy(y)
    n = X.shape[0]
    t0 = time.perf_counter()
    rng = np.random.default_rng(0)
    for _ in range(epochs):
        order = torch.from_numpy(rng.permutation(n))
        model.train()
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            loss = torch.nn.functional.cross_entropy(model(Xt[idx]), yt[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            scores = model(Xt)
            float(torch.nn.functional.cross_entropy(scores, yt)), float((scores.argmax(1) == yt).double().mean())
    return time.perf_counter() - t0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    args = parser.parse_args()
    dtype = np.dtype(args.dtype)
    print(f"# {platform.processor() or platform.machine()}, numpy {np.__version__}, torch {torch.__version__}, "
          f"{args.dtype}, best of {args.repeats} interleaved runs")
    print(f"{'case':>12} {'sizes@batch':>20} {'epochs':>6} {'threads':>7} {'nnedu s':>8} {'torch s':>8} "
          f"{'nnedu/torch':>11}")
    result = {"dtype": args.dtype, "cases": []}
    for name, sizes, batch, epochs, make in CASES:
        X, y = make()
        X = X.astype(dtype)
        threads = blas_threads_for(sizes, batch)
        t_nn, t_pt = [], []
        time_nnedu(sizes, batch, 1, X, y, dtype)                    # warm-up
        time_torch(sizes, batch, 1, X, y, dtype, threads)
        for _ in range(args.repeats):
            t_nn.append(time_nnedu(sizes, batch, epochs, X, y, dtype))
            t_pt.append(time_torch(sizes, batch, epochs, X, y, dtype, threads))
        nn, pt = float(np.min(t_nn)), float(np.min(t_pt))
        print(f"{name:>12} {str(sizes) + '@' + str(batch):>20} {epochs:6d} {threads:7d} {nn:8.3f} {pt:8.3f} "
              f"{nn / pt:11.2f}", flush=True)
        result["cases"].append({"case": name, "sizes": sizes, "batch": batch, "epochs": epochs, "threads": threads,
                                "nnedu_s": round(nn, 4), "torch_s": round(pt, 4), "ratio": round(nn / pt, 3)})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
