"""JupyterHub for the nnedu course on one server: `make hub` (a trial), or as the class's hub.

    deploy/.venv-hub/bin/jupyterhub -f deploy/jupyterhub_config.py      (after deploy/setup.sh)

Everything that differs between a trial and a class is an environment variable:

NNEDU_HUB_MODE      trial (default): any name logs in with the shared password NNEDU_HUB_PASSWORD, homes are
                    NNEDU_HUB_STATE/home/NAME, every server runs as the hub's user. Never on a public address.
                    users: students are this server's local users (PAM: their system password), allowed if in
                    group NNEDU_HUB_GROUP (default students); each server runs as that user in their home
                    (the hub runs as root). Admins: NNEDU_HUB_ADMINS (comma-separated names).
NNEDU_HUB_IP, NNEDU_HUB_PORT   public address (default 127.0.0.1 in a trial, all interfaces for users; 8000).
                    The hub's own API listens on 127.0.0.1:PORT+1, the proxy's API on 127.0.0.1:PORT+2.
                    For users, put TLS in front (a reverse proxy), or set c.JupyterHub.ssl_cert/ssl_key.
NNEDU_HUB_STATE     database, cookie secret, trial homes (default deploy/state; made 0700)
NNEDU_HUB_SERVE     what students' servers use, made by deploy/setup.sh: SERVE/course, the released course
                    (`make release`), and SERVE/env, the students' environment (default deploy/serve in a trial,
                    /srv/nnedu for users: outside this repository, which is private then); NNEDU_HUB_PYTHON:
                    the Python that environment is made with (for users, one every user can run)
NNEDU_HUB_MEM, NNEDU_HUB_CPUS   per-student limits (default 2G, 1 core); see nnedu_spawners.py for what enforces them
NNEDU_HUB_ADMIN_TOKEN  a token for the service "nnedu-admin" (REST API: create users, start servers, reach them);
                    used by the load test (deploy/hub_load.py). Unset: no such service.

The hub serves the released course, never this repository: it reaches each home by a copy at spawn time
(nnedu_hub.copy_course: SERVE/course's lectures/ and labs/, file by file, never overwriting), and each server runs
from SERVE/env, which holds no instructor file. On Zero to JupyterHub the same is done with the students'
repository: an image built from it and an nbgitpuller link to it (deploy/z2jh/config.yaml).
"""
import os
import sys
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent
sys.path.insert(0, str(DEPLOY))   # nnedu_hub, nnedu_spawners

c = get_config()  # noqa: F821 (provided by JupyterHub when it loads this file)

env = os.environ.get
mode = env("NNEDU_HUB_MODE", "trial")
if mode not in ("trial", "users"):
    raise ValueError(f"NNEDU_HUB_MODE must be 'trial' or 'users', not {mode!r}")
port = int(env("NNEDU_HUB_PORT", "8000"))
state = Path(env("NNEDU_HUB_STATE", str(DEPLOY / "state"))).resolve()
state.mkdir(parents=True, exist_ok=True)
state.chmod(0o700)   # the hub's database and cookie secret
serve = Path(env("NNEDU_HUB_SERVE", str(DEPLOY / "serve") if mode == "trial" else "/srv/nnedu")).resolve()

# -- addresses and state
c.JupyterHub.bind_url = f"http://{env('NNEDU_HUB_IP', '127.0.0.1' if mode == 'trial' else '')}:{port}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{port + 1}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{port + 2}"
c.ConfigurableHTTPProxy.command = [str(DEPLOY / "node_modules" / ".bin" / "configurable-http-proxy")]
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")
c.JupyterHub.cleanup_servers = True   # stopping the hub stops the students' servers

# -- who logs in
if mode == "trial":
    c.JupyterHub.authenticator_class = "shared-password"
    c.SharedPasswordAuthenticator.user_password = env("NNEDU_HUB_PASSWORD", "nnedu-trial")
    c.Authenticator.allow_all = True
    c.JupyterHub.spawner_class = "nnedu_spawners.TrialSpawner"
    c.TrialSpawner.course_dir = str(serve / "course")
    c.SimpleLocalProcessSpawner.home_dir_template = str(state / "home" / "{username}")
else:
    c.JupyterHub.authenticator_class = "pam"
    c.PAMAuthenticator.allowed_groups = {env("NNEDU_HUB_GROUP", "students")}
    c.JupyterHub.spawner_class = "nnedu_spawners.StudentSpawner"
    c.StudentSpawner.course_dir = str(serve / "course")
c.Authenticator.admin_users = {name for name in env("NNEDU_HUB_ADMINS", "").split(",") if name}

# -- each student's server: JupyterLab in the students' environment, with the course's settings (installed there
# by the course's binder/postBuild), started by the wrapper deploy/setup.sh put there (deploy/singleuser.sh)
students_bin = serve / "env" / "bin"
c.Spawner.cmd = [str(students_bin / "nnedu-singleuser"), str(students_bin / "jupyterhub-singleuser")]
c.Spawner.args = ["--ServerApp.terminals_enabled=True"]
if mode == "trial" and os.geteuid() == 0:
    c.Spawner.args.append("--allow-root")
c.Spawner.default_url = "/lab/tree/lectures"
c.Spawner.notebook_dir = "~"
c.Spawner.environment = {
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "PATH": f"{students_bin}:/usr/local/bin:/usr/bin:/bin",   # a terminal's python and jupyter are the course's
}
c.Spawner.mem_limit = env("NNEDU_HUB_MEM", "2G")
c.Spawner.cpu_limit = float(env("NNEDU_HUB_CPUS", "1"))
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 90

# -- an API token for the instructor's scripts and the load test
token = env("NNEDU_HUB_ADMIN_TOKEN")
if token:
    c.JupyterHub.services = [{"name": "nnedu-admin", "api_token": token}]
    c.JupyterHub.load_roles = [{
        "name": "nnedu-admin",
        "scopes": ["admin:users", "admin:servers", "admin:server_state", "access:servers", "list:users",
                   "read:users"],
        "services": ["nnedu-admin"],
    }]
