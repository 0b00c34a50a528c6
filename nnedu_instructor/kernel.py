"""One grading kernel: started (sandboxed) through jupyter_client's public API, cells run with time limits.

The kernel talks to the grader over Unix sockets (ZeroMQ's ``ipc`` transport) in a folder that only this
kernel's sandbox sees, so a kernel without network can still be driven, and no other kernel can reach it. The
kernel finds the folder at ``sandbox.COMM`` (its own copy of the connection file says so; the grader's copy
stays outside the sandbox), and where the grader's path for it is too long for a Unix socket (a long TMPDIR),
the folder is a short one under ``/tmp`` (``sandbox.socket_folder``).
The grader connects once the kernel has made its five sockets, and never again: the folder is then made
read-only to a kernel running as its own user (root grading), ZeroMQ's reconnects are off (``RECONNECT_IVL``
-1) and there is no heartbeat channel (it reopens its socket), so a kernel that replaces its sockets with
links cannot steer the grader to another socket. A message over ``MAX_MESSAGE_BYTES`` drops the connection
(ZeroMQ's ``MAXMSGSIZE``) instead of filling the grader's memory: the cell then times out. At most
``QUEUED_MESSAGES`` received messages wait to be read (``RCVHWM``), ``run`` holds one at a time and keeps at
most ``MAX_OUTPUT_CHARS`` of a cell's printed text and the outputs formgrader may show within ``outputs``' caps,
so a flood of output costs the grader a few messages' worth of memory, whatever its total; a send never waits
more than 10 s (``SNDTIMEO``) on a kernel that is gone.

Before ipykernel starts, ``_PRE_EXEC`` sets the kernel's rlimits (address space, file size, CPU seconds) and
gives it a new session keyring of its own; the sandbox's control group (``cgroup``) caps all its processes.
"""
import asyncio
import json
import os
import queue
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import zmq
import zmq.asyncio
from jupyter_client.manager import AsyncKernelManager
from traitlets import Any, Integer

from . import cgroup, sandbox
from .files import remove_tree
from .outputs import KINDS, CellOutputs

MAX_OUTPUT_CHARS = 20_000  # per cell: the first ones are kept, and the last TAIL_CHARS; the middle is dropped
TAIL_CHARS = 2_000
MAX_MESSAGE_BYTES = 8 * 2**20  # one message from the kernel (a frame; a figure: ~100 KiB); larger drops the link
QUEUED_MESSAGES = 4  # received but not yet read (ZeroMQ's RCVHWM; default 1000): more wait in the kernel or drop
MAX_FILE_BYTES = 512 * 2**20  # RLIMIT_FSIZE: no file the kernel writes grows past this (a probe's outputs: 256 MiB)
# Runs before the kernel: rlimits (0: unchanged), a new anonymous session keyring (keyctl(JOIN_SESSION_KEYRING,
# NULL); the syscall's number per architecture), then become the kernel (both survive exec).
_PRE_EXEC = """import ctypes, os, platform, resource, sys
for limit, n in zip((resource.RLIMIT_AS, resource.RLIMIT_FSIZE, resource.RLIMIT_CPU), map(int, sys.argv[1:4])):
    if n:
        resource.setrlimit(limit, (n, n))
keyctl = {"x86_64": 250, "aarch64": 219, "ppc64le": 280, "s390x": 280}.get(platform.machine())
if keyctl:  # where keyctl is refused (a seccomp filter), so is add_key: nothing to share
    ctypes.CDLL(None, use_errno=True).syscall(keyctl, 1, None)
os.execvp(sys.argv[4], sys.argv[4:])"""


class CellTimeout(Exception):
    """The cell ran out of time."""


class KernelDied(Exception):
    """The kernel process is gone."""


@dataclass
class Reply:
    """What running one cell gave: ``ok``, the error's name and message, the text it printed, its traceback, and
    its ``outputs`` as formgrader may show them (``outputs.CellOutputs``: cleaned and capped nbformat dicts)."""
    ok: bool
    ename: str = ""
    evalue: str = ""
    stdout: str = ""
    traceback: str = ""
    outputs: list = field(default_factory=list)


class KernelManager(AsyncKernelManager):
    """ipykernel on the grader's own Python, within ``memory_bytes`` (0: any) and ``cpu_seconds`` (0: any), in
    its ``sandbox.Sandbox`` (in the control groups ``cgroups``)."""
    memory_bytes = Integer(0)
    cpu_seconds = Integer(0)
    box = Any(None)  # a sandbox.Sandbox
    cgroups = Any(())

    def format_kernel_cmd(self, extra_arguments=None):
        contained = self.box.contained
        connection = f"{sandbox.COMM}/sandbox.json" if contained else self.connection_file
        cmd = [sys.executable, "-m", "ipykernel_launcher", "-f", connection, *(extra_arguments or [])]
        limits = [str(n) for n in (self.memory_bytes, MAX_FILE_BYTES if contained else 0, self.cpu_seconds)]
        return self.box.wrap([sys.executable, "-c", _PRE_EXEC, *limits] + cmd, self.cgroups)

    def write_connection_file(self, **kwargs):
        """The grader's connection file (outside the sandbox), and in a sandbox, the kernel's copy in its socket
        folder: the same key and ports, the sockets at the folder's path inside the sandbox (``sandbox.COMM``)."""
        result = super().write_connection_file(**kwargs)
        if self.box.contained:
            info = json.loads(Path(self.connection_file).read_text())
            info["ip"] = f"{sandbox.COMM}/kernel"
            copy = self.box.comm / "sandbox.json"
            copy.write_text(json.dumps(info))
            copy.chmod(0o644)  # the sandboxed kernel may run as another user; the folder is its sandbox's only
        return result


class Kernel:
    """``async with Kernel(box, memory_bytes, cpu_seconds) as k: await k.run(code, seconds)``: a kernel in the
    ``sandbox.Sandbox`` ``box``."""

    def __init__(self, box, memory_bytes=0, cpu_seconds=0):
        connection_file = Path(box.comm).parent / "kernel.json"  # out of the kernel's sight
        comm, self.own_comm = sandbox.socket_folder(box.comm)  # a short one where TMPDIR is too long
        box = box.with_comm(comm)
        self.context = zmq.asyncio.Context()
        self.context.setsockopt(zmq.RECONNECT_IVL, -1)
        self.context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        self.context.setsockopt(zmq.RCVHWM, QUEUED_MESSAGES)
        self.context.setsockopt(zmq.SNDTIMEO, 10_000)  # a send to a kernel that is gone fails instead of waiting
        self.cgroups = cgroup.create(memory_bytes) if box.contained else []
        cpu_seconds *= cgroup.CPUS if self.cgroups else os.cpu_count() or 1  # CPU time of all its threads
        self.km = KernelManager(transport="ipc", ip=str(comm / "kernel"), connection_file=str(connection_file),
                                memory_bytes=memory_bytes, cpu_seconds=cpu_seconds, context=self.context,
                                box=box, cgroups=self.cgroups)
        self.box, self.cwd, self.comm = box, box.cwd, comm
        self.kc, self.stopped = None, False

    async def __aenter__(self):
        try:
            await self.km.start_kernel(env=self.box.env(), cwd=None if self.box.contained else self.cwd,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            await self._sockets_made(60)
            self.kc = self.km.client(context=self.context)
            self.kc.start_channels(hb=False)
            await self.kc.wait_for_ready(timeout=60)
            if self.box.contained:  # the kernel starts in / of its sandbox
                await self.run(f"import os as _os; _os.chdir({sandbox.WORK!r}); del _os", 30)
        except BaseException:
            await self.__aexit__()
            raise
        return self

    async def __aexit__(self, *exc):
        try:
            if self.kc is not None:
                self.kc.stop_channels()
            await self.km.shutdown_kernel(now=True)  # kills the sandbox's PID 1: the whole process tree dies
        finally:
            cgroup.remove(self.cgroups)
            self.context.destroy(linger=0)
            if self.own_comm:
                remove_tree(self.comm)

    async def _sockets_made(self, seconds):
        """Wait until the kernel has made its five sockets, then make their folder read-only to the kernel."""
        ports = self.km.shell_port, self.km.iopub_port, self.km.stdin_port, self.km.control_port, self.km.hb_port
        deadline = time.monotonic() + seconds
        while not all(os.path.exists(f"{self.km.ip}-{port}") for port in ports):
            if time.monotonic() > deadline or not await self.km.is_alive():
                raise KernelDied()
            await asyncio.sleep(0.05)
        if self.box.contained and os.geteuid() == 0:  # the kernel runs as its own user: it can no longer write here
            os.chmod(self.comm, 0o755)

    async def run(self, code, seconds):
        """Run ``code``; its Reply. CellTimeout after ``seconds`` (the kernel is interrupted), KernelDied (also
        once a kernel that ignored an interrupt has been stopped)."""
        if self.stopped:
            raise KernelDied()
        try:
            msg_id = self.kc.execute(code, store_history=True, allow_stdin=False, stop_on_error=False)
        except zmq.Again:
            raise KernelDied() from None
        deadline = time.monotonic() + seconds
        out, kept, tail, error, idle, shown = [], 0, "", None, False, CellOutputs()
        while not idle:
            msg = content = None  # nothing of a message outlives its turn: one at a time in memory
            left = deadline - time.monotonic()
            if left <= 0:
                await self._interrupt()
                raise CellTimeout()
            try:
                msg = await self.kc.get_iopub_msg(timeout=min(left, 1.0))
            except queue.Empty:
                if not await self.km.is_alive():
                    raise KernelDied() from None
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind in KINDS:
                shown.add(kind, content)
            if kind == "stream":
                text = str(content.get("text", ""))
                if kept < MAX_OUTPUT_CHARS:
                    out.append(text[:MAX_OUTPUT_CHARS - kept])
                    kept += len(out[-1])
                tail = (tail + text[-TAIL_CHARS:])[-TAIL_CHARS:]
                del text
            elif kind == "error":
                error = content
            elif kind == "status" and content.get("execution_state") == "idle":
                idle = True
        reply = await self._reply(msg_id, deadline)
        status = reply.get("status") if reply else "error"
        error = error if status != "ok" and error else (reply or {})
        head = "".join(out)
        text = head if head.endswith(tail) else head + "\n...\n" + tail
        trace = error.get("traceback")
        trace = "\n".join(map(str, trace))[:MAX_OUTPUT_CHARS] if isinstance(trace, list) else ""
        return Reply(status == "ok", str(error.get("ename", "")), str(error.get("evalue", "")), text, trace,
                     shown.outputs)

    async def _reply(self, msg_id, deadline):
        while time.monotonic() < deadline:  # a kernel that floods unrelated replies cannot outlast it
            try:
                msg = await self.kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                return None
            if msg.get("parent_header", {}).get("msg_id") == msg_id:
                return msg["content"]
        return None

    async def _interrupt(self, grace=5):
        """Interrupt the running cell; kill the kernel if it does not answer within ``grace`` seconds."""
        await self.km.interrupt_kernel()
        try:
            await asyncio.wait_for(self._drain_until_idle(), grace)
        except (asyncio.TimeoutError, KernelDied, zmq.Again):
            self.stopped = True
            await self.km.shutdown_kernel(now=True)

    async def _drain_until_idle(self):
        msg_id = self.kc.execute("pass", store_history=False)
        while True:
            try:
                msg = await self.kc.get_iopub_msg(timeout=1.0)
            except queue.Empty:
                if not await self.km.is_alive():
                    raise KernelDied() from None
                continue
            if msg.get("parent_header", {}).get("msg_id") == msg_id and msg["msg_type"] == "status" \
                    and msg["content"].get("execution_state") == "idle":
                return
