"""The instructor tools' one notebook reader, one atomic writer, and one safe remover of a submission's folder."""
import ctypes
import json
import os
import secrets
import shutil
import stat
import tempfile
from pathlib import Path

import nbformat


def read_notebook(path, max_bytes=None):
    """The nbformat 4 notebook at ``path``, not validated; ValueError (with a short reason) when unusable.

    Checked: readable UTF-8 JSON, nbformat 4, a list of cells that each have a known type and a string source;
    with ``max_bytes``, a file no larger than that (at most ``max_bytes`` + 1 bytes are read to find out).
    """
    try:
        with open(path, "rb") as f:
            data = f.read(-1 if max_bytes is None else max_bytes + 1)
    except OSError as e:
        raise ValueError(f"not a readable notebook ({type(e).__name__})") from None
    if max_bytes is not None and len(data) > max_bytes:
        raise ValueError(f"the notebook is over the grader's size limit of {max_bytes / 2**20:g} MiB")
    try:
        text = data.decode("utf-8")
        version = json.loads(text).get("nbformat")
        nb = nbformat.v4.reads(text) if version == 4 else nbformat.reads(text, as_version=4)
    except Exception as e:  # unreadable file, not JSON, not a notebook at all
        raise ValueError(f"not a readable notebook ({type(e).__name__})") from None
    if not isinstance(nb, dict) or nb.get("nbformat") != 4 or not isinstance(nb.get("cells"), list):
        raise ValueError("not an nbformat 4 notebook")
    for cell in nb.cells:
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw") \
                or not isinstance(cell.get("source"), str):
            raise ValueError("a cell is malformed")
        cell.setdefault("metadata", nbformat.NotebookNode())
    return nb


def write_atomic(path, data):
    """Write ``data`` (str or bytes) to ``path`` through a temporary file and a rename: never half written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _open_dir(name, dir_fd):
    """A descriptor of the folder ``name`` (in ``dir_fd``), never of what a link names; a folder its owner made
    unreadable or read-only is first made 0700 (``_chmod_dir``)."""
    try:
        fd = os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
        if os.fstat(fd).st_mode & 0o700 == 0o700 or os.geteuid() == 0:
            return fd
        os.close(fd)
    except PermissionError:
        pass
    _chmod_dir(name, dir_fd)
    return os.open(name, _DIR_FLAGS, dir_fd=dir_fd)


def _chmod_dir(name, dir_fd):
    """Make the folder ``name`` (in ``dir_fd``) 0700 through an ``O_PATH`` descriptor of the folder itself:
    its /proc/self/fd link names that folder, never what a symlink points to (a symlink is refused)."""
    path_fd = os.open(name, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
    try:
        os.chmod(f"/proc/self/fd/{path_fd}", 0o700)
    finally:
        os.close(path_fd)


def _is_dir(name, dir_fd):
    """Whether ``name`` (in ``dir_fd``) is a folder (never what a link names); a folder on which a file system is
    mounted (the grader's size-limited tmpfs, ``sandbox.make_folders``) is first detached (``_detach``)."""
    info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    if stat.S_ISDIR(info.st_mode) and info.st_dev != os.fstat(dir_fd).st_dev:
        _detach(name, dir_fd)
    return stat.S_ISDIR(info.st_mode)


def _detach(name, dir_fd):
    """Unmount (lazily, ``MNT_DETACH``, never through a link: ``UMOUNT_NOFOLLOW``) the file system mounted on
    the folder ``name`` in ``dir_fd``: its files go with it, and no removal ever crosses into another file system.
    Only root can (the grader mounts there only as root); otherwise OSError."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.umount2(f"/proc/self/fd/{dir_fd}/{name}".encode(), 2 | 8):  # MNT_DETACH | UMOUNT_NOFOLLOW
        err = ctypes.get_errno()
        raise OSError(err, f"cannot unmount: {os.strerror(err)}")


def remove_tree(path):
    """Remove the folder ``path`` and all it holds; return the problems met (an empty list: all gone). Never raises.

    Made for folders a submission filled: no link is ever followed (every folder is opened ``O_NOFOLLOW``
    relative to its parent's descriptor, nothing is chmod-ed by name), and there is no recursion and no
    descriptor per level, however deep the tree: each sub-folder of a folder being emptied is first moved up
    into ``path`` itself (``renameat``), so at most two folders are open at once. A file system mounted on a
    folder inside (the grader's tmpfs) is unmounted, never emptied.
    """
    if not hasattr(os, "O_PATH"):  # not Linux: the standard library's descriptor-based removal
        problems = []
        shutil.rmtree(path, onerror=lambda *a: problems.append(f"{a[1]}: {a[2][1]}"))
        return problems
    problems, progress = [], True
    try:
        parent = os.open(os.path.dirname(os.path.abspath(path)), _DIR_FLAGS)
        try:
            _is_dir(os.path.basename(os.path.abspath(path)), parent)  # a file system mounted on it: unmounted
        finally:
            os.close(parent)
        top = os.open(path, _DIR_FLAGS)
    except OSError as e:
        return [] if isinstance(e, FileNotFoundError) else [f"{path}: {e}"]
    try:
        while progress:
            progress = False
            for name in os.listdir(top):
                try:
                    if _is_dir(name, top):
                        _flatten(name, top)
                    else:
                        os.unlink(name, dir_fd=top)
                    progress = True
                except OSError as e:
                    problems.append(f"{path}/{name}: {e.strerror}")
        os.close(top)
        os.rmdir(path)
    except OSError as e:
        problems.append(f"{path}: {e}")
    return problems[-20:]


def _flatten(name, top):
    """Empty the folder ``name`` of ``top`` one level deep (its sub-folders moved up into ``top``), remove it."""
    fd = _open_dir(name, top)
    try:
        for entry in os.listdir(fd):
            if _is_dir(entry, fd):
                try:
                    os.rename(entry, f".nnedu-rm-{secrets.token_hex(8)}", src_dir_fd=fd, dst_dir_fd=top)
                except PermissionError:  # moving a folder to a new parent needs write permission on it
                    _chmod_dir(entry, fd)
                    os.rename(entry, f".nnedu-rm-{secrets.token_hex(8)}", src_dir_fd=fd, dst_dir_fd=top)
            else:
                os.unlink(entry, dir_fd=fd)
    finally:
        os.close(fd)
    os.rmdir(name, dir_fd=top)
