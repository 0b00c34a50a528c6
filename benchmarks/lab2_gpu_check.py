"""Lab 2 on a GPU machine: the lab's own timing code on cuda, and float64 parity with nnedu on cuda.

    cd <repo root> && python3 benchmarks/lab2_gpu_check.py [--sizes 64 256 1024 4096 8192] [--cpu-threads N]
        [--rounds R] [--repeats E]

The functions are taken from the solution notebook itself (solutions/lab2_pytorch_vs_nnedu.ipynb, the cells
with nbgrader grade_ids listed in CELLS), so this runs exactly the code the notebook runs: make_torch_mlp,
copy_params, torch_loss_and_grads, train_torch, seconds_per_epoch, benchmark, print_table.

1. parity: on the device, in float64, the loss and every gradient of the torch twin equal nnedu's
   (rel_error < 1e-10, activations relu and tanh, L2 0.01), and 60 SGD steps give the same loss curve
   (max |difference| < 1e-10); asserted.
2. timing: seconds per epoch of nnedu (CPU), PyTorch CPU and PyTorch cuda for each hidden size, in R interleaved
   rounds; a table (median and range), then one JSON line (every round's milliseconds).
Without a GPU it says so and runs everything on the CPU (no cuda column).
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")
CELLS = ["setup", "make_torch_mlp", "copy_params", "torch_loss_and_grads", "training_helpers", "train_torch",
         "seconds_per_epoch", "timing_setup"]


def load_lab(notebook):
    """Execute the notebook's cells named in CELLS (by nbgrader grade_id) and return their namespace."""
    cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    by_id = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id"): c for c in cells}
    ns = {"__name__": "lab1"}
    for gid in CELLS:
        if gid not in by_id:
            sys.exit(f"error: {notebook} has no cell with grade_id {gid!r}")
        src = by_id[gid]["source"]
        exec(compile("".join(src) if isinstance(src, list) else src, f"{notebook}[{gid}]", "exec"), ns)
    return ns


def parity(lab, device):
    """Worst rel_error of loss/gradients and worst |loss difference| of a short SGD run, float64 on device."""
    np, nnedu, rel_error = lab["np"], lab["nnedu"], lab["rel_error"]
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((256, 784)), rng.integers(0, 10, 256)
    worst = 0.0
    for act in ("relu", "tanh"):
        sizes = [784, 512, 256, 10]
        net = nnedu.MLP(sizes, activation=act, l2=0.01, seed=0)
        twin = lab["copy_params"](net, lab["make_torch_mlp"](sizes, act).to(device))
        assert next(twin.parameters()).device.type == device
        loss, grads = net.loss(X, y)
        t_loss, t_grads = lab["torch_loss_and_grads"](twin, X, y, l2=0.01)
        errors = [abs(t_loss - loss) / abs(loss)] + [rel_error(t_grads[k], grads[k]) for k in grads]
        worst = max(worst, max(errors))
    Xd, yd = lab["X_digits"], lab["y_digits"]
    batches = lab["make_batches"](len(Xd), 32, epochs=1, seed=0)[:60]
    net = nnedu.MLP([64, 64, 10], activation="tanh", seed=0)
    twin = lab["copy_params"](net, lab["make_torch_mlp"]([64, 64, 10], "tanh").to(device))
    curve = float(np.max(np.abs(lab["train_nnedu"](net, Xd, yd, batches, 0.1)
                                - lab["train_torch"](twin, Xd, yd, batches, 0.1))))
    return worst, curve


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notebook", default="solutions/lab2_pytorch_vs_nnedu.ipynb")
    parser.add_argument("--repo", default=".", help="where nnedu is importable from (default: .)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 256, 1024, 4096, 8192])
    parser.add_argument("--cpu-threads", type=int, default=os.cpu_count(),
                        help="thread budget of the CPU columns (default: all cores)")
    parser.add_argument("--repeats", type=int, default=2, help="epochs per measurement (the shortest is kept)")
    parser.add_argument("--rounds", type=int, default=5, help="measurements of every cell (median and range)")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(args.repo).resolve()))

    start = time.perf_counter()
    lab = load_lab(Path(args.repo) / args.notebook if not Path(args.notebook).is_file() else args.notebook)
    torch = lab["torch"]
    device = "cuda" if torch.cuda.is_available() else "cpu"
    gpu = torch.cuda.get_device_name() if device == "cuda" else None
    if device == "cuda":
        print(f"device: cuda ({gpu}), torch {torch.__version__}", flush=True)
    else:
        print(f"device: cpu -- no GPU found (torch {torch.__version__}): running on the CPU only, "
              "no cuda column, parity checked on the CPU", flush=True)

    worst, curve = parity(lab, device)
    print(f"parity on {device}, float64: loss + all gradients rel_error {worst:.2e} (< 1e-10: {worst < 1e-10}); "
          f"60 SGD steps max |loss difference| {curve:.2e} (< 1e-10: {curve < 1e-10})", flush=True)
    assert worst < 1e-10, f"loss/gradients on {device} differ from nnedu: rel_error {worst:.3g}"
    assert curve < 1e-10, f"the SGD loss curve on {device} differs from nnedu's: {curve:.3g}"

    lab["CPU_THREADS"] = args.cpu_threads
    print(f"timing: {lab['N_TIME']} samples x {lab['D_TIME']} features, batch {lab['BATCH_TIME']}, float32, "
          f"relu [784, H, 10], CPU threads up to {args.cpu_threads}, {args.rounds} rounds of best of {args.repeats}",
          flush=True)
    results = lab["benchmark"](args.sizes, device, rounds=args.rounds, repeats=args.repeats)
    lab["print_table"](results)
    print(json.dumps({"device": device, "gpu": gpu, "torch": torch.__version__, "cpu_threads": args.cpu_threads,
                      "n_samples": lab["N_TIME"], "batch_size": lab["BATCH_TIME"], "repeats": args.repeats,
                      "rounds": args.rounds,
                      "parity_rel_error": worst, "parity_curve_max_diff": curve,
                      "ms_per_epoch": {str(H): {k: [round(1e3 * t, 3) for t in v] for k, v in row.items()}
                                       for H, row in results.items()},
                      "seconds_total": round(time.perf_counter() - start, 1)}))


if __name__ == "__main__":
    main()
