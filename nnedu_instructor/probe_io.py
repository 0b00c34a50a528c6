"""The files a probe's inputs and outputs travel in, between the grader and the student's kernel.

The grader writes the inputs (``write_inputs``); the kernel writes its outputs, which are the submission's data:
``read_outputs`` reads them as plain arrays only (no pickles, no records, no links, bounded in size and in
number), so that a crafted file cannot run code in the grader or exhaust its memory or time.

The file is read once, into memory (it is capped), and everything is parsed from that copy: the kernel may
still be writing to it (a thread of its own, a descriptor kept open), but what was checked is what is loaded.
"""
import io
import os
import stat
import struct
import zipfile

import numpy as np

MAX_OUTPUT_BYTES = 256 * 2**20  # a probe's outputs file; larger is a failure, not a grader crash
MAX_OUTPUT_ITEMS = 2**22  # array elements in all (zero-size strings count too: checks loop over elements)
MAX_OUTPUT_ARRAYS = 256  # members of the .npz (each costs the grader a header parse, however small)
_MAX_DIRECTORY = MAX_OUTPUT_ARRAYS * 512  # bytes of the zip's central directory (entry: 46 + name + extra)
ALLOWED_KINDS = "biufcUS"  # bool, integers, floats, complex, strings: never objects or structured records


class ProbeFailed(Exception):
    """The probe's outputs are missing, malformed or wrong; the message says which, in the grader's words."""


def write_inputs(path, inputs):
    """Save the grader's inputs for the kernel (plain arrays only)."""
    arrays = {name: np.asarray(value) for name, value in inputs.items()}
    for name, a in arrays.items():
        if a.dtype.kind not in ALLOWED_KINDS:
            raise TypeError(f"probe input {name!r} has dtype {a.dtype}; use arrays of numbers or strings")
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def read_outputs(path):
    """The kernel's outputs as {name: array}; ProbeFailed when the file is missing, too large, not a plain
    regular file (a link is never followed), or holds anything but arrays of numbers and strings."""
    try:
        # Never follow a link, never block on a FIFO or device the submission put there.
        if not stat.S_ISREG(os.lstat(path).st_mode):
            raise ProbeFailed("the probe's outputs are not a plain file")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        raise ProbeFailed("the probe wrote no outputs") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_OUTPUT_BYTES:
            raise ProbeFailed("the probe's outputs are not a plain file of allowed size")
        data = f.read(MAX_OUTPUT_BYTES + 1)  # the one read: it may have grown since fstat
    if len(data) > MAX_OUTPUT_BYTES:
        raise ProbeFailed("the probe's outputs are not a plain file of allowed size")
    try:
        _check_directory(data)
        return _read_npz(io.BytesIO(data))
    except ProbeFailed:
        raise
    except Exception as e:  # malformed data
        raise ProbeFailed(f"unreadable outputs ({type(e).__name__})") from None


def _check_directory(data):
    """Refuse a zip whose central directory is too large to parse cheaply (millions of empty arrays), found as
    ``zipfile`` finds it: the end record at the very end, else the last one in the final 64 KiB; no zip64."""
    end = len(data) - 22 if data[-22:-18] == b"PK\x05\x06" else data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0:
        raise ProbeFailed("unreadable outputs (not a zip file)")
    entries, size = struct.unpack("<HL", data[end + 10:end + 16])
    if data[max(0, end - 20):end - 16] == b"PK\x06\x07" or entries > MAX_OUTPUT_ARRAYS or size > _MAX_DIRECTORY:
        raise ProbeFailed(f"the probe's outputs hold more than {MAX_OUTPUT_ARRAYS} arrays")


def _read_npz(f):
    """Read an .npz member by member, checking each array's header (dtype, size) before reading its data,
    so that a crafted file (a pickle, a compressed bomb) is refused without loading it."""
    outputs, total, items = {}, 0, 0
    with zipfile.ZipFile(f) as z:
        if len(z.infolist()) > MAX_OUTPUT_ARRAYS:
            raise ProbeFailed(f"the probe's outputs hold more than {MAX_OUTPUT_ARRAYS} arrays")
        for info in z.infolist():
            if not info.filename.endswith(".npy"):
                raise ProbeFailed("unexpected member in the outputs")
            with z.open(info) as member:
                version = np.lib.format.read_magic(member)
                read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                               (2, 0): np.lib.format.read_array_header_2_0}.get(version)
                if read_header is None:
                    raise ProbeFailed("unsupported array format in the outputs")
                shape, _, dtype = read_header(member)
                if dtype.kind not in ALLOWED_KINDS or dtype.fields is not None or dtype.itemsize == 0:
                    raise ProbeFailed(f"output {info.filename[:-4]!r} has dtype {dtype}")
                if any(not isinstance(n, int) or n < 0 for n in shape):
                    raise ProbeFailed(f"output {info.filename[:-4]!r} has shape {shape}")
                n = int(np.prod(shape, dtype=object))
                items, total = items + n, total + n * dtype.itemsize
                if total > MAX_OUTPUT_BYTES or items > MAX_OUTPUT_ITEMS:
                    raise ProbeFailed("the probe's outputs are too large")
            with z.open(info) as member:
                outputs[info.filename[:-4]] = np.lib.format.read_array(member, allow_pickle=False)
    return outputs
