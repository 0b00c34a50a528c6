"""The spawners deploy/jupyterhub_config.py names (they need JupyterHub: only the hub imports this module).

Both are JupyterHub's local-process spawners plus what the course needs: the course copied into the home
before the server starts (never overwriting), and the memory/CPU limits put into a cgroup when the hub may
write cgroups (root, writable /sys/fs/cgroup). Without that the wrapper deploy/singleuser.sh still caps each
process's data size (prlimit --data) and BLAS/OpenMP threads: see docs/deployment.md.
"""
import pwd

from jupyterhub.spawner import LocalProcessSpawner, SimpleLocalProcessSpawner

from nnedu_hub import cgroup_limit, cgroup_remove, copy_course


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


class TrialSpawner(_Course, SimpleLocalProcessSpawner):
    """A trial: students need no system account; each home is STATE/home/NAME, all run as the hub's user."""

    async def start(self):
        copied = copy_course(self.home_dir)
        self.log.info("course into %s: %d notebook(s) copied", self.home_dir, len(copied))
        return await super().start()


class StudentSpawner(_Course, LocalProcessSpawner):
    """Students are the server's local users (PAM login); each server runs as that user in their home."""

    async def start(self):
        user = pwd.getpwnam(self.user.name)
        copied = copy_course(user.pw_dir, uid=user.pw_uid, gid=user.pw_gid)
        self.log.info("course into %s: %d notebook(s) copied", user.pw_dir, len(copied))
        return await super().start()
