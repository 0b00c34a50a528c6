"""Saving and loading an MLP: one ``.npz`` file with the weights and the settings as JSON (plain types).

    model.save("model")            # writes model.npz: "W1", "b1", ..., "__config__" (JSON) and, with
                                   # batchnorm, the running statistics "running_mean1", "running_var1", ...
    model = MLP.load("model")      # same settings, weights and dtype
"""
import json
from pathlib import Path

import numpy as np

CONFIG_KEY = "__config__"


def npz_path(path):
    """``path`` with ".npz" appended when it has another suffix or none (what ``np.savez`` writes)."""
    path = Path(path)
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")


def config_json(model):
    """The model's settings (``config()`` plus seed and dtype) as a JSON string of plain types."""
    return json.dumps({**model.config(), "seed": int(model.seed), "dtype": model.dtype.name})


def save_model(model, path, compressed=False, param_dtype=None, extra=None):
    """Write ``model`` to ``path`` (".npz" appended when missing) and return the path written.

    param_dtype: store the weights as this dtype (e.g. float32 to halve the file); extra: more
    string arrays to store (name -> str)."""
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path: expected a file name (str or Path), got {type(path).__name__}")
    path = npz_path(path)
    params = {k: v if param_dtype is None else v.astype(param_dtype) for k, v in model.params.items()}
    strings = {CONFIG_KEY: np.array(config_json(model))}
    strings.update({k: np.array(v) for k, v in (extra or {}).items()})
    (np.savez_compressed if compressed else np.savez)(path, **strings, **params, **model.running_stats())
    return path


def read_config(text, path):
    """Settings stored by ``save_model``: a JSON object."""
    try:
        config = json.loads(text)
    except json.JSONDecodeError:
        config = None
    if not isinstance(config, dict):
        raise ValueError(f"path: {path} has settings that are not a JSON object (not written by MLP.save)")
    return config


def load_model(cls, path, dtype=None):
    """A ``cls`` (MLP) rebuilt from ``path``; "model" also finds "model.npz". dtype None: the saved one."""
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path: expected a file name (str or Path), got {type(path).__name__}")
    if not Path(path).exists() and npz_path(path).exists():
        path = npz_path(path)
    if not Path(path).exists():
        raise FileNotFoundError(f"path: no saved model at {path}")
    with np.load(path, allow_pickle=False) as f:
        if CONFIG_KEY not in f.files:
            raise ValueError(f"path: {path} is not a file written by MLP.save (no {CONFIG_KEY})")
        config = read_config(str(f[CONFIG_KEY]), path)
        saved_dtype = config.pop("dtype", "float64")
        seed = config.pop("seed", 0)
        model = cls(dtype=saved_dtype if dtype is None else dtype, seed=seed, **config)
        model.set_params({k: f[k] for k in f.files if not k.startswith(("__", "running_"))})
        model.set_running_stats({k: f[k] for k in f.files if k.startswith("running_")})
    return model
