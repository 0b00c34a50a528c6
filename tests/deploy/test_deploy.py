"""The class-hub files (deploy/): what can be checked without Docker, Kubernetes or a running hub.

The simulated class runs in `make test-hub`; the hub with real student accounts, and the released course's
binder/postBuild in a fresh venv, in `make test-release` (slow_hub_users.py, slow_course.py)."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from traitlets.config.loader import PyFileConfigLoader

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
sys.path.insert(0, str(DEPLOY))
import nnedu_hub  # noqa: E402 (deploy/ is not a package)


def hub_config(monkeypatch, tmp_path, **env):
    for key in [k for k in os.environ if k.startswith("NNEDU_HUB_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("NNEDU_HUB_STATE", str(tmp_path / "state"))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return PyFileConfigLoader("jupyterhub_config.py", path=str(DEPLOY)).load_config()


def test_trial_config_loads(monkeypatch, tmp_path):
    c = hub_config(monkeypatch, tmp_path, NNEDU_HUB_PORT="8100", NNEDU_HUB_PASSWORD="a-long-one")
    assert c.JupyterHub.bind_url == "http://127.0.0.1:8100"   # a trial never listens on a public address
    assert c.JupyterHub.hub_bind_url == "http://127.0.0.1:8101"
    assert c.JupyterHub.authenticator_class == "shared-password"
    assert c.SharedPasswordAuthenticator.user_password == "a-long-one"
    assert c.JupyterHub.spawner_class == "nnedu_spawners.TrialSpawner"
    assert c.SimpleLocalProcessSpawner.home_dir_template == str(tmp_path / "state" / "home" / "{username}")
    serve = DEPLOY / "serve"   # the released course and the students' environment, never this repository
    assert c.Spawner.cmd == [str(serve / "env/bin/nnedu-singleuser"), str(serve / "env/bin/jupyterhub-singleuser")]
    assert c.TrialSpawner.course_dir == str(serve / "course")
    assert c.Spawner.environment["PATH"].startswith(str(serve / "env/bin") + ":")
    assert "JUPYTER_CONFIG_PATH" not in c.Spawner.environment   # the settings are in the students' environment
    assert (tmp_path / "state").stat().st_mode & 0o077 == 0
    assert c.Spawner.mem_limit == "2G" and c.Spawner.cpu_limit == 1.0
    assert "services" not in c.JupyterHub   # no API token unless asked for
    assert Path(c.ConfigurableHTTPProxy.command[0]).parent.parent.name == "node_modules"


def test_local_users_config_and_admin_token(monkeypatch, tmp_path):
    c = hub_config(monkeypatch, tmp_path, NNEDU_HUB_MODE="users", NNEDU_HUB_ADMINS="ann,ben",
                   NNEDU_HUB_ADMIN_TOKEN="t" * 32, NNEDU_HUB_MEM="3G", NNEDU_HUB_CPUS="2")
    assert c.JupyterHub.authenticator_class == "pam"
    assert c.PAMAuthenticator.allowed_groups == {"students"}
    assert c.Authenticator.admin_users == {"ann", "ben"}
    assert c.JupyterHub.spawner_class == "nnedu_spawners.StudentSpawner"
    assert c.StudentSpawner.course_dir == "/srv/nnedu/course"   # outside the repository, which is private then
    assert c.Spawner.cmd[0] == "/srv/nnedu/env/bin/nnedu-singleuser"
    assert c.JupyterHub.bind_url == "http://:8000"
    assert "--allow-root" not in c.Spawner.args
    assert c.Spawner.mem_limit == "3G" and c.Spawner.cpu_limit == 2.0
    (service,) = c.JupyterHub.services
    (role,) = c.JupyterHub.load_roles
    assert service["api_token"] == "t" * 32 and role["services"] == [service["name"]]
    assert {"admin:users", "admin:servers", "access:servers"} <= set(role["scopes"])


def test_bad_mode_is_refused(monkeypatch, tmp_path):
    with pytest.raises(ValueError, match="NNEDU_HUB_MODE"):
        hub_config(monkeypatch, tmp_path, NNEDU_HUB_MODE="public")


@pytest.mark.skipif(not (DEPLOY / ".venv-hub" / "bin" / "python").exists(),
                    reason="deploy/.venv-hub not made (deploy/setup.sh, make hub): JupyterHub is not in the "
                           "course's environment, so the spawner classes cannot be imported here")
def test_spawner_classes_import_in_the_hub_venv():
    code = ("import sys; sys.path.insert(0, 'deploy'); import nnedu_spawners as s; "
            "from jupyterhub.spawner import LocalProcessSpawner as L; "
            "assert issubclass(s.TrialSpawner, L) and issubclass(s.StudentSpawner, L)")
    subprocess.run([str(DEPLOY / ".venv-hub" / "bin" / "python"), "-c", code], cwd=ROOT, check=True)


def test_copy_course_never_overwrites_and_makes_the_home_private(tmp_path):
    course = tmp_path / "course"   # a released course (only its notebooks matter here)
    for folder in ("lectures", "labs"):
        (course / folder).mkdir(parents=True)
        for p in (ROOT / folder).glob("*.ipynb"):
            (course / folder / p.name).write_text("{}")
    home = tmp_path / "home"
    (home / "labs").mkdir(parents=True)
    home.chmod(0o755)   # as Debian's useradd makes it
    mine = home / "labs" / "lab1_backprop.ipynb"
    mine.write_text("my work")
    (home / "lectures").mkdir()
    (home / "lectures" / "01_neural_networks.ipynb").symlink_to(tmp_path / "nowhere")
    copied = nnedu_hub.copy_course(home, course, uid=os.getuid(), gid=os.getgid())
    names = {p.relative_to(home).as_posix() for p in copied}
    expected = {f"{d}/{p.name}" for d in ("lectures", "labs") for p in (ROOT / d).glob("*.ipynb")}
    assert names == expected - {"labs/lab1_backprop.ipynb", "lectures/01_neural_networks.ipynb"}
    assert mine.read_text() == "my work"
    assert not (home / "solutions").exists()
    assert home.stat().st_mode & 0o777 == 0o700
    assert nnedu_hub.copy_course(home, course) == []   # a restart copies nothing


def test_readable_by_others_names_each_open_instructor_path(tmp_path):
    repo = tmp_path / "repo"
    for folder in ("solutions", "submitted/ann/lab1", "feedback", "deploy/state", ".git", "lectures"):
        (repo / folder).mkdir(parents=True)
    (repo / "grades-lab1.csv").write_text("student,total\n")
    for path in [repo, *[p for p in repo.rglob("*")]]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    open_paths = {line.split(" (")[0] for line in nnedu_hub.readable_by_others(repo)}
    assert open_paths == {str(repo / p) for p in ("", "solutions", "submitted", "feedback", "deploy/state", ".git",
                                                   "grades-lab1.csv")}
    for path in [repo / p for p in ("", "solutions", "submitted", "feedback", "deploy/state", ".git")]:
        path.chmod(0o700)
    (repo / "grades-lab1.csv").chmod(0o600)
    assert nnedu_hub.readable_by_others(repo) == []   # lectures/ may stay open: it is not the instructor's


@pytest.mark.parametrize("version", [1, 2])
def test_cgroup_limits_written(tmp_path, version):
    root = tmp_path / "cgroup"
    if version == 2:
        (root / "nnedu-hub").mkdir(parents=True)
        (root / "cgroup.controllers").write_text("cpu memory")
    else:
        (root / "memory").mkdir(parents=True)
        (root / "cpu").mkdir()
    note = nnedu_hub.cgroup_limit("ann", 4242, mem_bytes=2 * 2**30, cpus=1.5, root=root)
    assert note.startswith(f"cgroup v{version}")
    if version == 2:
        group = root / "nnedu-hub" / "ann"
        assert (group / "memory.max").read_text() == str(2 * 2**30)
        assert (group / "cpu.max").read_text() == "150000 100000"
        assert (group / "cgroup.procs").read_text() == "4242"
    else:
        assert (root / "memory/nnedu-hub/ann/memory.limit_in_bytes").read_text() == str(2 * 2**30)
        assert (root / "cpu/nnedu-hub/ann/cpu.cfs_quota_us").read_text() == "150000"
        assert (root / "cpu/nnedu-hub/ann/cgroup.procs").read_text() == "4242"


def test_no_cgroups_means_none(tmp_path):
    assert nnedu_hub.cgroup_limit("ann", 1, 2**30, 1, root=tmp_path / "absent") is None


def _pins(path):
    return dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$", Path(path).read_text(), re.M))


def test_hub_and_singleuser_agree_and_are_pinned():
    hub, single = _pins(DEPLOY / "requirements-hub.txt"), _pins(DEPLOY / "requirements-singleuser.txt")
    assert hub["jupyterhub"] == single["jupyterhub"]   # the single-user extension must match the hub
    lines = [ln for ln in (DEPLOY / "requirements-hub.txt").read_text().splitlines() if ln and ln[0] != "#"]
    assert all("==" in ln for ln in lines), "every hub requirement is pinned"
    package = json.loads((DEPLOY / "package.json").read_text())
    lock = json.loads((DEPLOY / "package-lock.json").read_text())
    version = package["dependencies"]["configurable-http-proxy"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert lock["packages"]["node_modules/configurable-http-proxy"]["version"] == version


def test_setup_and_config_agree_on_where_students_are_served_from(monkeypatch, tmp_path):
    setup = (DEPLOY / "setup.sh").read_text()
    assert "trial) SERVE=${NNEDU_HUB_SERVE:-$REPO/deploy/serve}" in setup
    assert "users) SERVE=${NNEDU_HUB_SERVE:-/srv/nnedu}" in setup
    c = hub_config(monkeypatch, tmp_path, NNEDU_HUB_SERVE=str(tmp_path / "srv"))
    assert c.TrialSpawner.course_dir == str(tmp_path / "srv" / "course")
    subprocess.run(["sh", "-n", str(DEPLOY / "setup.sh")], check=True)
    subprocess.run(["sh", "-n", str(DEPLOY / "singleuser.sh")], check=True)


def test_z2jh_config():
    config = yaml.safe_load((DEPLOY / "z2jh" / "config.yaml").read_text())
    single = config["singleuser"]
    assert single["image"]["name"] and single["image"]["tag"]
    assert single["memory"]["limit"] == "2G" and single["cpu"]["limit"] == 1   # as on one server
    assert single["extraEnv"]["OMP_NUM_THREADS"] == "1"
    text = (DEPLOY / "z2jh" / "config.yaml").read_text()
    assert "git-pull?repo=" in text and "STUDENT_REPO" in text   # the nbgitpuller link: the students' repository
    assert config["cull"]["enabled"] is True


def test_makefile_keeps_the_hub_out_of_make_test():
    makefile = (ROOT / "Makefile").read_text()
    phony = re.search(r"^\.PHONY:(.*)$", makefile, re.M).group(1).split()
    assert {"hub", "test-hub", "test-release"} <= set(phony)
    test_recipe = re.search(r"^test:.*?(?=^\S)", makefile, re.M | re.S).group(0)
    assert "hub_load" not in test_recipe and "slow_" not in test_recipe
