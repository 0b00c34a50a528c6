"""The spawners deploy/jupyterhub_config.py names (they need JupyterHub: only the hub imports this module).

Both are JupyterHub's local-process spawners plus what the course needs: the released course's notebooks
copied into the home before the server starts (never overwriting; `course_dir`, set by the config), and the
memory/CPU limits put into a cgroup when the hub may write cgroups (root, writable /sys/fs/cgroup). Without that
the wrapper SERVE/env/bin/nnedu-singleuser still caps each process's data size (prlimit --data) and BLAS/OpenMP
threads: see docs/deployment.md. A student's server (users mode) does not start while the instructor's
repository is readable by other users (nnedu_hub.readable_by_others).
"""
import pwd

from jupyterhub.spawner import LocalProcessSpawner, SimpleLocalProcessSpawner
from nnedu_hub import cgroup_limit, cgroup_remove, copy_course, readable_by_others
from traitlets import Unicode


class _Course:
    async def start(self):
        address = await super().start()
        try:
            note = cgroup_limit(self.user.name, self.pid, self.mem_limit or 0, self.cpu_limit or 0)
        except OSError as e:
            note = None
            self.log.warning("cgroup limits for %s failed: %s", self.user.name, e)
        self.log.info("limits for %s: %s", self.user.name,
                      note or "no writable cgroups: per-process prlimit --data and thread counts only")
        return address

    async def stop(self, now=False):
        await super().stop(now=now)
        cgroup_remove(self.user.name)


COURSE_HELP = "the released course (SERVE/course, made by deploy/setup.sh) that homes are filled from"


class TrialSpawner(_Course, SimpleLocalProcessSpawner):
    """A trial: students need no system account; each home is STATE/home/NAME, all run as the hub's user."""

    course_dir = Unicode("", config=True, help=COURSE_HELP)

    async def start(self):
        copied = copy_course(self.home_dir, self.course_dir)
        self.log.info("course into %s: %d notebook(s) copied", self.home_dir, len(copied))
        return await super().start()


class StudentSpawner(_Course, LocalProcessSpawner):
    """Students are the server's local users (PAM login); each server runs as that user in their home."""

    course_dir = Unicode("", config=True, help=COURSE_HELP)

    async def start(self):
        exposed = readable_by_others()
        if exposed:
            raise RuntimeError("the instructor's files are readable by students: " + ", ".join(exposed)
                               + "; run deploy/setup.sh with NNEDU_HUB_MODE=users (make hub does)")
        user = pwd.getpwnam(self.user.name)
        copied = copy_course(user.pw_dir, self.course_dir, uid=user.pw_uid, gid=user.pw_gid)
        self.log.info("course into %s: %d notebook(s) copied", user.pw_dir, len(copied))
        return await super().start()
