"""A local Ray cluster on loopback for the cluster path: start it, print a shell's environment, stop it.

    ray-toolace cluster up        (make cluster-up)    start one, print what a shell must export
    eval "$(ray-toolace cluster env)"                  in every new shell that submits to it
    ray-toolace cluster down      (make cluster-down)  stop it (only it: other Ray clusters stay)

The cluster is started the way the integration tests start theirs: `ray start --head` bound to
127.0.0.1, a temp dir of its own (stopping it ends only the processes started with that dir)
and a port of its own for every service, so it starts beside any other Ray on the machine; the
GCS and dashboard take Ray's usual 6379 and 8265 when they are free.

Ray 2.59+ turns token authentication on for clusters it starts, and every client must then
send the same token: a shell that lacks it fails with Ray's `AuthenticationError` ("RAY_AUTH_MODE
is currently 'disabled'"). So the cluster gets a token of its own (a file, mode 0600, beside the
state), started with RAY_AUTH_MODE=token and RAY_AUTH_TOKEN_PATH, and `env` prints exactly those
plus the addresses, for `ray job submit`, `python jobs/*.py` and `ray-toolace submit` alike.
Jobs run in Ray's copy of the project, where a relative run_dir is refused unless a runs root
places it (core/run_location.py): the cluster and the shell both get RAY_TOOLACE_RUNS_ROOT, the
folder `up` ran in, so `run_dir=runs/x` lands in `<that folder>/runs/x` whichever way it ran.

State: `cluster.json` and `auth_token` in `$RAY_TOOLACE_CLUSTER_DIR`, else `<cache>/cluster`
(the cache of model/prepare.py). `auth_hint` words what a client with the wrong settings must set.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

STATE_ENV = "RAY_TOOLACE_CLUSTER_DIR"
STATE_FILE = "cluster.json"
TOKEN_FILE = "auth_token"
DEFAULT_GCS_PORT, DEFAULT_DASHBOARD_PORT = 6379, 8265  # Ray's own defaults, when free
BIN = Path(sys.executable).parent  # the environment this project is installed in

# every process of the cluster (and so every job and replica on it) inherits these
CLUSTER_ENV = {
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",  # with it, Ray listens on 127.0.0.1 only
    "RAY_USAGE_STATS_ENABLED": "0",
}


class ClusterError(RuntimeError):
    """The local cluster cannot be started or found; the message says why."""


def state_dir(explicit: str | os.PathLike | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    if os.environ.get(STATE_ENV):
        return Path(os.environ[STATE_ENV]).expanduser()
    from ray_toolace.model.prepare import cache_root

    return cache_root() / "cluster"


def read_state(directory: Path) -> dict[str, Any] | None:
    path = directory / STATE_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def shell_env(state: dict[str, Any]) -> dict[str, str]:
    """What a shell needs to reach the cluster: the GCS address (drivers: `python jobs/*.py`), the
    dashboard (Jobs API: `ray job submit`, `ray-toolace submit`), the token settings, and this
    environment's bin first on PATH, so `python`, `ray` and `ray-toolace` are the project's."""
    return {
        "RAY_ADDRESS": state["gcs_address"],
        "RAY_API_SERVER_ADDRESS": state["dashboard_url"],
        "RAY_AUTH_MODE": "token",
        "RAY_AUTH_TOKEN_PATH": state["token_path"],
        "RAY_TOOLACE_RUNS_ROOT": state["runs_root"],
        **CLUSTER_ENV,
        "PATH": f"{state['bin']}{os.pathsep}$PATH",
    }


def export_lines(env: dict[str, str]) -> str:
    """`export NAME=value` lines for `eval`; PATH keeps `$PATH` for the shell to expand."""
    lines = []
    for name, value in env.items():
        if name == "PATH":
            head = value[: -len("$PATH")] if value.endswith("$PATH") else value
            lines.append(f'export PATH={shlex.quote(head)}"$PATH"')
        else:
            lines.append(f"export {name}={shlex.quote(value)}")
    return "\n".join(lines)


def _port(preferred: int | None) -> int:
    """`preferred` if nothing listens there on loopback, else a free port."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", preferred or 0))
        except OSError:
            s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def alive(state: dict[str, Any]) -> bool:
    """Whether the recorded cluster's GCS still accepts connections."""
    host, _, port = state["gcs_address"].rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except OSError:
        return False


def up(directory: Path, num_cpus: int | None = None, runs_root: str | None = None,
       extra_env: dict[str, str] | None = None) -> dict[str, Any]:
    """Start the cluster (or find the one already recorded and alive); returns its state.
    `runs_root`: where relative run_dirs land (default: the current folder)."""
    from ray_toolace.core.run_location import RUNS_ROOT_ENV

    directory.mkdir(parents=True, exist_ok=True)
    state = read_state(directory)
    if state and alive(state):
        return {**state, "already_running": True}
    if state:
        down(directory)  # recorded but gone: clear what it left
    token_path = directory / TOKEN_FILE
    token_path.write_text(secrets.token_hex(32), encoding="utf-8")  # 256 bits, as Ray's own
    token_path.chmod(0o600)
    temp = tempfile.mkdtemp(prefix="rt-cluster-")  # short: Ray's socket paths must stay short
    gcs, dash = _port(DEFAULT_GCS_PORT), _port(DEFAULT_DASHBOARD_PORT)
    cmd = [
        str(BIN / "ray"), "start", "--head", "--disable-usage-stats", "--node-ip-address", "127.0.0.1",
        "--port", str(gcs), "--temp-dir", temp, "--include-dashboard", "true",
        "--dashboard-host", "127.0.0.1", "--dashboard-port", str(dash),
        "--dashboard-agent-listen-port", str(_port(None)), "--dashboard-agent-grpc-port", str(_port(None)),
        "--ray-client-server-port", str(_port(None)), "--metrics-export-port", str(_port(None)),
        "--runtime-env-agent-port", str(_port(None)),
    ]
    if num_cpus is not None:
        cmd += ["--num-cpus", str(num_cpus)]
    runs_root = os.path.abspath(runs_root or os.getcwd())
    env = {**os.environ, **CLUSTER_ENV, RUNS_ROOT_ENV: runs_root, **(extra_env or {}), "RAY_AUTH_MODE": "token",
           "RAY_AUTH_TOKEN_PATH": str(token_path), "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("RAY_AUTH_TOKEN", None)  # it would win over the file
    env.pop("RAY_ADDRESS", None)  # `ray start --head` must not join another cluster
    state = {"gcs_address": f"127.0.0.1:{gcs}", "dashboard_url": f"http://127.0.0.1:{dash}",
             "temp_dir": temp, "token_path": str(token_path), "bin": str(BIN), "runs_root": runs_root}
    (directory / STATE_FILE).write_text(json.dumps(state, indent=1), encoding="utf-8")  # first: down() finds it
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        down(directory)
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        raise ClusterError(f"ray start failed (exit {proc.returncode}):\n{tail}")
    return state


def down(directory: Path) -> dict[str, Any] | None:
    """Stop the recorded cluster and remove its temp dir, token and state; None: none recorded."""
    state = read_state(directory)
    if state is None:
        return None
    stop_processes(state["temp_dir"])
    shutil.rmtree(state["temp_dir"], ignore_errors=True)
    for name in (STATE_FILE, TOKEN_FILE):
        (directory / name).unlink(missing_ok=True)
    return state


def stop_processes(temp_dir: str, grace_s: float = 20) -> int:
    """End the processes whose command line names `temp_dir` (a cluster's head processes carry
    it), and their children (workers, vLLM engine processes), so none is left orphaned; returns
    how many. `ray stop` would end every Ray cluster on the machine, anyone's."""
    import psutil

    me = psutil.Process()
    spare = {me.pid, *(p.pid for p in me.parents())}
    procs: dict[int, psutil.Process] = {}
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if proc.pid not in spare and any(temp_dir in part for part in proc.info["cmdline"] or []):
                procs.update({q.pid: q for q in [proc, *proc.children(recursive=True)]})
        except psutil.Error:
            continue
    for proc in procs.values():
        try:
            proc.terminate()
        except psutil.Error:
            pass
    for proc in psutil.wait_procs(list(procs.values()), timeout=grace_s)[1]:
        try:
            proc.kill()
        except psutil.Error:
            pass
    return len(procs)


def auth_hint(error: BaseException | str, environ: dict[str, str] | None = None, directory: Path | None = None) -> str:
    """What to set after Ray refused this client's credentials, in words, instead of a traceback:
    the token mode and token this shell lacks, or a token that differs from the cluster's."""
    environ = os.environ if environ is None else environ
    mode = (environ.get("RAY_AUTH_MODE") or "").lower()
    has_token = bool(environ.get("RAY_AUTH_TOKEN") or environ.get("RAY_AUTH_TOKEN_PATH")
                     or (Path.home() / ".ray" / "auth_token").is_file())
    if mode != "token":
        lines = ["the cluster requires token authentication and this shell does not send a token: "
                 "set RAY_AUTH_MODE=token, and the cluster's token as RAY_AUTH_TOKEN_PATH=<file> (or "
                 "RAY_AUTH_TOKEN=<token>)"]
    elif not has_token:
        lines = ["RAY_AUTH_MODE=token is set but no token was found: set RAY_AUTH_TOKEN_PATH=<file> "
                 "(or RAY_AUTH_TOKEN=<token>) to the token the cluster was started with"]
    else:
        lines = ["the cluster refused this shell's token: RAY_AUTH_TOKEN / RAY_AUTH_TOKEN_PATH must "
                 "hold the token the cluster was started with"]
    try:
        state = read_state(directory or state_dir())
    except (OSError, ValueError):
        state = None
    if state:
        lines.append(f"for the local cluster at {state['gcs_address']} (ray-toolace cluster up), run:\n"
                     f"  eval \"$(ray-toolace cluster env)\"\nwhich sets\n{export_lines(shell_env(state))}")
    else:
        lines.append("for a cluster started with `ray-toolace cluster up`: eval \"$(ray-toolace cluster env)\"")
    inner = error if isinstance(error, str) else _auth_cause(error)
    text = str(inner)
    first = text.strip().splitlines()[0] if text.strip() else type(inner).__name__
    return "\n".join([*lines, f"(Ray said: {first[:300]})"])


def is_auth_error(error: BaseException) -> bool:
    """Whether Ray refused this client's credentials: the Jobs API raises AuthenticationError,
    `ray.init` a ConnectionError caused by one (or quoting the GCS's "Unauthenticated")."""
    seen: BaseException | None = error
    for _ in range(8):  # the cause chain: ConnectionError <- RuntimeError <- AuthenticationError
        if seen is None:
            return False
        text = str(seen)
        if type(seen).__name__ == "AuthenticationError" or "InvalidAuthToken" in text or "Unauthenticated" in text:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _auth_cause(error: BaseException) -> BaseException:
    """The exception in `error`'s cause chain that carries Ray's authentication message."""
    seen: BaseException | None = error
    for _ in range(8):
        if seen is None:
            break
        if type(seen).__name__ == "AuthenticationError":
            return seen
        seen = seen.__cause__ or seen.__context__
    return error
