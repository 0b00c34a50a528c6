"""One grading kernel: started (sandboxed) through jupyter_client's public API, cells run with time limits.

The kernel talks to the grader over Unix sockets (ZeroMQ's ``ipc`` transport) in a folder that only this
kernel's sandbox sees, so a kernel without network can still be driven, and no other kernel can reach it.
"""
import asyncio
import os
import queue
import subprocess
import sys
import time
from dataclasses import dataclass

from jupyter_client.manager import AsyncKernelManager
from traitlets import Any, Integer

from . import sandbox

MAX_OUTPUT_CHARS = 20_000  # per cell: the first ones are kept, and the last TAIL_CHARS; the middle is dropped
TAIL_CHARS = 2_000
# Runs before the kernel: cap the address space, then become the kernel (limits survive exec).
_LIMIT_AS = ("import os, resource, sys; n = int(sys.argv[1]); "
             "resource.setrlimit(resource.RLIMIT_AS, (n, n)); os.execvp(sys.argv[2], sys.argv[2:])")


class CellTimeout(Exception):
    """The cell ran out of time."""


class KernelDied(Exception):
    """The kernel process is gone."""


@dataclass
class Reply:
    """What running one cell gave: ``ok``, the error's name and message, the text it printed."""
    ok: bool
    ename: str = ""
    evalue: str = ""
    stdout: str = ""


class KernelManager(AsyncKernelManager):
    """ipykernel on the grader's own Python, within ``memory_bytes`` (0: any), in a sandbox unless unsafe."""
    memory_bytes = Integer(0)
    folders = Any(None)  # sandbox.make_folders(...) or None (unsafe: no sandbox)

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = [sys.executable, "-m", "ipykernel_launcher", "-f", self.connection_file, *(extra_arguments or [])]
        if self.memory_bytes:
            cmd = [sys.executable, "-c", _LIMIT_AS, str(self.memory_bytes)] + cmd
        return sandbox.kernel_command(cmd, self.folders) if self.folders else cmd

    def write_connection_file(self, **kwargs):
        result = super().write_connection_file(**kwargs)
        os.chmod(self.connection_file, 0o644)  # the sandboxed kernel may run as nobody; the folder is private
        return result


class Kernel:
    """``async with Kernel(folders, work, memory_bytes, unsafe) as k: await k.run(code, seconds)``."""

    def __init__(self, folders, work, memory_bytes=0, unsafe=False):
        comm = folders["comm"]
        self.km = KernelManager(transport="ipc", ip=str(comm / "kernel"), connection_file=str(comm / "kernel.json"),
                                memory_bytes=memory_bytes, folders=None if unsafe else folders)
        self.cwd = str(work) if unsafe else sandbox.WORK
        self.unsafe, self.kc = unsafe, None

    async def __aenter__(self):
        await self.km.start_kernel(env=sandbox.kernel_env(self.unsafe), cwd=self.cwd if self.unsafe else None,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.kc = self.km.client()
        self.kc.start_channels()
        await self.kc.wait_for_ready(timeout=60)
        if not self.unsafe:  # the kernel starts in / of its sandbox
            await self.run(f"import os as _os; _os.chdir({sandbox.WORK!r}); del _os", 30)
        return self

    async def __aexit__(self, *exc):
        if self.kc is not None:
            self.kc.stop_channels()
        await self.km.shutdown_kernel(now=True)  # kills the sandbox's PID 1: the whole process tree dies

    async def run(self, code, seconds):
        """Run ``code``; its Reply. CellTimeout after ``seconds`` (the kernel is interrupted), KernelDied."""
        msg_id = self.kc.execute(code, store_history=True, allow_stdin=False, stop_on_error=False)
        deadline = time.monotonic() + seconds
        out, tail, error, idle = [], "", None, False
        while not idle:
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
            if kind == "stream":
                text = str(content.get("text", ""))
                if sum(map(len, out)) < MAX_OUTPUT_CHARS:
                    out.append(text[:MAX_OUTPUT_CHARS])
                tail = (tail + text[-TAIL_CHARS:])[-TAIL_CHARS:]
            elif kind == "error":
                error = content
            elif kind == "status" and content.get("execution_state") == "idle":
                idle = True
        reply = await self._reply(msg_id, deadline)
        status = reply.get("status") if reply else "error"
        error = error if status != "ok" and error else (reply or {})
        head = "".join(out)
        text = head if head.endswith(tail) else head + "\n...\n" + tail
        return Reply(status == "ok", str(error.get("ename", "")), str(error.get("evalue", "")), text)

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
        except (asyncio.TimeoutError, KernelDied):
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
