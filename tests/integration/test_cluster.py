"""The cluster definitions and job submission: checked offline, on the local Ray, and (slow) for real.

    pytest tests/integration/test_cluster.py               # offline checks + one submitted job
    pytest tests/integration/test_cluster.py -m slow       # a real `ray up` / job / `ray down` on loopback

Offline: every cluster YAML under cluster/ passes Ray's own preparation and schema (what `ray up`
checks before any cloud call), and every shipped job config's resource requests fit a worker type
of cluster/aws.yaml in GPU mode (ray_toolace.cluster_check reads the numbers from the configs).
The slow test brings cluster/onprem.yaml up with Ray's `local` provider against an sshd on
127.0.0.1 (needs root, sshd and rsync; it installs openssh-server and rsync with apt-get if they
are missing), submits a job with `ray job submit` and takes the cluster down with `ray down`.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from conftest import BIN, ROOT, free_port, job_env, wait_for
from ray_toolace.cluster_check import check_fit, is_cluster_config, load_cluster, prepare_cluster, worker_types
from ray_toolace.config import load_config
from ray_toolace.submit import SubmitError, describe_run, entrypoint, runtime_env

CLUSTER_YAMLS = sorted((ROOT / "cluster").glob("*.yaml"))
CONFIGS = sorted((ROOT / "configs").glob("*.yaml"))


def cluster_files() -> list[Path]:
    return [p for p in CLUSTER_YAMLS if is_cluster_config(load_cluster(p))]


@pytest.fixture(scope="module")
def aws() -> dict:
    return prepare_cluster(load_cluster(ROOT / "cluster" / "aws.yaml"))


def test_every_cluster_yaml_validates_offline():
    files = cluster_files()
    assert {p.name for p in files} >= {"aws.yaml", "onprem.yaml"}
    for path in files:
        prepared = prepare_cluster(load_cluster(path))
        assert prepared["head_node_type"] in prepared["available_node_types"], path
        text = path.read_text()
        header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
        assert f"ray up cluster/{path.name}" in header and f"ray down cluster/{path.name}" in header, path
        assert "cluster/install.sh" in " ".join(prepared["setup_commands"]), path
        assert not re.search(r"(?i)aws_secret|secret_access_key|aws_access_key_id", text), f"{path} holds credentials"


def test_aws_cluster_shape(aws):
    head = aws["available_node_types"][aws["head_node_type"]]
    assert head["resources"].get("GPU", 0) == 0  # no GPU work lands on the head
    workers = worker_types(aws)
    assert workers and all(t.resources.get("GPU", 0) >= 1 and t.max_workers >= 1 for t in workers)
    for name, spec in aws["available_node_types"].items():
        assert spec.get("min_workers", 0) == 0 or name == aws["head_node_type"]  # scale from zero
        assert "IamInstanceProfile" in spec["node_config"], f"{name}: S3 access comes from an instance profile"
    assert aws["idle_timeout_minutes"] > 0


def test_ray_validation_catches_mistakes():
    tree = load_cluster(ROOT / "cluster" / "aws.yaml")
    for broken, why in (
        ({**tree, "worker_nodes_typo": {}}, "'worker_nodes_typo' was unexpected"),
        ({**tree, "head_node_type": "missing"}, "head_node_type` must be one of"),
        ({**tree, "available_node_types": {**tree["available_node_types"], "gpu_1x": {"node_config": {}}}}, "'resources' is a required"),
    ):
        with pytest.raises(Exception, match=why):
            prepare_cluster(broken)


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: p.name)
def test_shipped_config_requests_fit_aws_workers(config, aws):
    assert check_fit(load_config(config), aws, gpu=True) == []


def test_fit_check_refuses_what_no_node_holds(aws):
    biggest = max(t.resources.get("GPU", 0) for t in worker_types(aws))
    all_gpus = sum(t.resources.get("GPU", 0) * t.max_workers for t in worker_types(aws))
    too_wide = load_config(CONFIGS[0], [f"engine.tensor_parallel_size={int(biggest) * 2}"])
    problems = check_fit(too_wide, aws)
    assert any(p.startswith("probe:") and "fits no worker type" in p for p in problems), problems
    too_many = load_config(CONFIGS[0], [f"train.num_workers={int(all_gpus) + 1}"])
    problems = check_fit(too_many, aws)
    assert any(p.startswith("train:") and "max_workers" in p for p in problems), problems


def test_submit_entrypoints_and_runtime_env(tmp_path):
    assert entrypoint("eval", str(ROOT / "configs" / "eval.yaml"), ["data.eval_limit=2"]) == (
        "python jobs/probe.py --config configs/eval.yaml probe.split=eval probe.refine=true "
        "sampling.k=1 sampling.temperature=0 data.eval_limit=2"
    )
    with pytest.raises(SubmitError, match="outside"):
        entrypoint("probe", str(tmp_path / "x.yaml"), [])
    (tmp_path / "jobs").mkdir()
    with pytest.raises(SubmitError, match="jobs/train_round.py, which does not exist"):
        entrypoint("train", None, [], root=tmp_path)
    env = runtime_env(environ={"AWS_ENDPOINT_URL": "http://s3.local:9000", "AWS_SECRET_ACCESS_KEY": "k"})
    assert env["working_dir"] == str(ROOT) and ".venv/" in env["excludes"] and "runs/" in env["excludes"]
    assert env["env_vars"]["AWS_ENDPOINT_URL"] == "http://s3.local:9000"
    assert "AWS_SECRET_ACCESS_KEY" not in env["env_vars"]  # keys only when asked for by name
    with pytest.raises(SubmitError, match="MISSING_VAR"):
        runtime_env(env_names=("MISSING_VAR",), environ={})


def test_status_reads_probe_and_iterate_manifests(tmp_path):
    probe = tmp_path / "probe" / "train"
    probe.mkdir(parents=True)
    (probe / "manifest.json").write_text(json.dumps({
        "status": "done", "n_shards": 3, "done": {"0": {}, "1": {}, "2": {}}, "resumed": 1,
        "summary": {"samples": 10, "answered": 9, "prompt_too_long": 1, "rejects": 2, "mean_pass_rate": 0.25,
                    "pass_at_k": 0.5, "overall": 0.125, "by_source": {"bfcl": {"overall": 0.2, "refinement": {"per_step": [{"overall": 0.3}]}}}},
    }))
    text = describe_run(str(tmp_path / "probe"))
    assert f"{probe}: done, 3/3 shards, resumed 1x" in text
    assert "samples 10 (answered 9, prompt too long 1, rejects 2)" in text and "bfcl: overall 0.200 -> 0.300" in text

    run = tmp_path / "iterate"
    run.mkdir()
    (run / "run.json").write_text(json.dumps({
        "status": "running", "resumed": 0,
        "evals": {"0": {"metrics": {"generated": {"overall": 0.1, "refined_overall": 0.15}}}},
        "rounds": [{"round": 0, "stages": {"probe": {"status": "done", "result": {"summary": {"mean_pass_rate": 0.4}}},
                                            "select": {"status": "done", "result": {"selected": 7, "new_selected": 7}},
                                            "train": {"status": "running"}}}],
    }))
    text = describe_run(str(run))
    assert text.splitlines()[0] == f"{run}: running"
    assert "eval-0: generated 0.100 -> 0.150" in text
    assert "round 0: probe done (mean pass rate 0.400), select done (selected 7, new 7), train running" in text
    with pytest.raises(FileNotFoundError):
        describe_run(str(tmp_path / "empty"))


def test_submitted_job_is_followed_and_its_failure_is_the_exit_status(ray_cluster, tmp_path):
    missing = tmp_path / "missing.jsonl"
    cmd = [
        str(BIN / "ray-toolace"), "submit", "probe", "--address", ray_cluster[1], "--config", "configs/probe.yaml",
        f"data.train=[{missing}]", f"run_dir={tmp_path / 'run'}",
    ]
    proc = subprocess.run(cmd, cwd=ROOT, env=job_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    submission_id = proc.stdout.splitlines()[0]
    assert submission_id.startswith("ray-toolace-probe-")
    assert f"input not found: {missing}" in proc.stdout  # the job's own traceback, followed live
    assert f"job {submission_id} FAILED" in proc.stderr


# --- slow: a real `ray up` with the local provider -----------------------------------------------
#
# The "node" is this machine seen from inside a new PID and mount namespace: `ray stop` (which
# `ray up` and `ray down` run on the head) kills every Ray process it can see, so it must see only
# this cluster's, never another Ray on the machine; and the node's home is a temp dir, so nothing
# `ray up` writes to ~ (the project copy, the token, the bootstrap config) lands in the real one.
# ssh reaches it through `nsenter ... sshd -i` as the proxy command: no port, no system sshd.

NODE_INIT = """
import os, time
# PID 1 of the node: reaps what Ray's daemons leave behind, so the process table shows live ones only
while True:
    try:
        os.wait()
    except ChildProcessError:
        time.sleep(0.2)
"""


def _ensure_sshd() -> str:
    sshd = shutil.which("sshd") or "/usr/sbin/sshd"
    if not (os.path.exists(sshd) and shutil.which("rsync")):
        if not shutil.which("apt-get"):
            pytest.skip("needs openssh-server and rsync, and apt-get is not available to install them")
        install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "openssh-server", "rsync"]
        proc = subprocess.run(install, capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:  # no package lists yet on a fresh machine
            subprocess.run(["apt-get", "update", "-q"], capture_output=True, timeout=600)
            proc = subprocess.run(install, capture_output=True, text=True, timeout=600)
        if proc.returncode != 0 or not os.path.exists(sshd):
            pytest.skip(f"could not install openssh-server/rsync: {proc.stderr[-500:]}")
    return sshd


def _start_node(home: Path, marker: str) -> tuple[subprocess.Popen, int]:
    """A namespace whose /root is `home` (the interpreter under the real home stays reachable)."""
    real_home = Path.home().resolve()
    binds = ""
    prefix = Path(sys.base_prefix).resolve()
    if prefix.is_relative_to(real_home):
        inner = home / prefix.relative_to(real_home)
        binds = f"mkdir -p {inner}\nmount --bind {prefix} {inner}\n"
    script = f"set -e\n{binds}mount --rbind {home} {real_home}\nexec {sys.executable} -c {shlex.quote(NODE_INIT)} {marker}\n"
    log = home.parent / "node.log"
    with open(log, "wb") as out:
        node = subprocess.Popen(["unshare", "--pid", "--fork", "--mount-proc", "--mount", "--propagation", "private",
                                 "bash", "-c", script], stdout=out, stderr=subprocess.STDOUT)

    def init_pid() -> int | None:
        children = Path(f"/proc/{node.pid}/task/{node.pid}/children")
        for pid in children.read_text().split() if children.exists() else []:
            if marker in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
                return int(pid)
        if node.poll() is not None:
            raise RuntimeError(f"the node namespace exited with {node.returncode}: {log.read_text(errors='replace')[-2000:]}")
        return None

    return node, wait_for(init_pid, timeout=30, interval=0.1)


def _in_node(init: int, pattern: str) -> list[str]:
    """Processes of the node whose command line matches `pattern` (the node's PID 1 excluded)."""
    out = subprocess.run(["pgrep", "-a", "--ns", str(init), "--nslist", "pid", "-f", pattern], capture_output=True, text=True)
    return [line for line in out.stdout.splitlines() if not line.startswith(f"{init} ")]


def _test_cluster_config(base: Path, sshd: str, init: int, client_key: Path, token: Path, ports: dict) -> dict:
    """cluster/onprem.yaml as shipped, pointed at the node with free loopback ports and the built venv."""
    config = load_cluster(ROOT / "cluster" / "onprem.yaml")
    config["cluster_name"] = f"rt-{base.name}"
    config["provider"].update(head_ip="127.0.0.1", worker_ips=[])
    proxy = f"nsenter --target {init} --pid --mount {sshd} -i -f {base / 'sshd_config'}"
    config["auth"] = {"ssh_user": "root", "ssh_private_key": str(client_key), "ssh_proxy_command": proxy}
    assert set(config["file_mounts"]) == {"~/ray_toolace", "~/.ray/auth_token"}
    config["file_mounts"] = {"~/ray_toolace": str(ROOT), "~/.ray/auth_token": str(token)}
    # install.sh would fetch ~4 GB from PyPI; the venv these tests run in already holds it all
    install = [c for c in config["setup_commands"] if "cluster/install.sh" in c]
    assert len(install) == 1
    config["setup_commands"] = [f"ln -sfn {BIN.parent} ~/ray_toolace/.venv" if c in install else c for c in config["setup_commands"]]
    loopback = (
        f" --node-ip-address=127.0.0.1 --dashboard-port={ports['dashboard']} --ray-client-server-port={ports['client']}"
        f" --dashboard-agent-listen-port={ports['agent']} --temp-dir={base / 'ray'} --num-cpus=1"
        " --object-store-memory=100000000 --include-dashboard=true"
    )
    head = []
    for cmd in config["head_start_ray_commands"]:
        assert "$HOME/ray_toolace/.venv/bin" in cmd  # the venv first on PATH, as shipped
        if "ray start" in cmd:
            assert "--port=6379" in cmd
            cmd = cmd.replace("--port=6379", f"--port={ports['gcs']}") + loopback
        head.append("export RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0; " + cmd)  # Ray listens on loopback only
    config["head_start_ray_commands"] = head
    return config


@pytest.mark.slow
def test_ray_up_submit_down_with_the_local_provider():
    if os.geteuid() != 0:
        pytest.skip("needs root: the node is a PID + mount namespace and sshd runs in it")
    sshd = _ensure_sshd()
    if subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "--mount", "true"], capture_output=True).returncode != 0:
        pytest.skip("cannot create PID and mount namespaces here (unshare failed)")
    base = Path(tempfile.mkdtemp(prefix="rtup-", dir="/tmp"))  # short: Ray's socket paths
    home = base / "home"
    (home / ".ssh").mkdir(parents=True, mode=0o700)
    (home / ".bashrc").write_text("")
    marker = f"ray-toolace-node-{base.name}"
    node, init = _start_node(home, marker)
    config_path = base / "cluster.yaml"
    env = job_env(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN_PATH=str(base / "auth_token"))
    try:
        host_key, client_key = base / "host_key", base / "client_key"
        for key in (host_key, client_key):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True, capture_output=True)
        shutil.copy(client_key.with_suffix(".pub"), home / ".ssh" / "authorized_keys")
        (base / "sshd_config").write_text(
            f"HostKey {host_key}\nAuthorizedKeysFile .ssh/authorized_keys\nPermitRootLogin prohibit-password\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nPidFile none\n"
            "StrictModes no\nLogLevel ERROR\nSubsystem sftp internal-sftp\n"
        )
        Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege separation directory
        check = subprocess.run([sshd, "-t", "-f", str(base / "sshd_config")], capture_output=True, text=True)
        if check.returncode != 0:
            pytest.skip(f"sshd cannot start here: {check.stderr.strip()}")
        (base / "auth_token").write_text(secrets.token_hex(32))
        ports = {name: free_port() for name in ("gcs", "dashboard", "client", "agent")}
        config = _test_cluster_config(base, sshd, init, client_key, base / "auth_token", ports)
        config_path.write_text(yaml.safe_dump(config, sort_keys=False))
        prepare_cluster(config)

        start = time.monotonic()
        up = subprocess.run([str(BIN / "ray"), "up", "-y", "--no-config-cache", str(config_path)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        up_seconds = time.monotonic() - start
        assert up.returncode == 0, up.stdout[-4000:] + up.stderr[-4000:]
        assert (home / "ray_toolace" / "jobs" / "probe.py").exists() and (home / ".ray" / "auth_token").exists()
        assert _in_node(init, "raylet"), "ray up left no raylet running in the node"

        start = time.monotonic()
        job = subprocess.run(
            [str(BIN / "ray"), "job", "submit", "--address", f"http://127.0.0.1:{ports['dashboard']}",
             "--runtime-env", "cluster/runtime_env.yaml", "--working-dir", ".", "--",
             "python", "-c", "import ray, ray_toolace; ray.init(); "
             "print('node', open('/proc/1/cmdline').read().split(chr(0))[-2], ray.cluster_resources()['CPU'], 'CPUs')"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )
        job_seconds = time.monotonic() - start
        assert job.returncode == 0, job.stdout[-4000:] + job.stderr[-4000:]
        assert f"node {marker} 1.0 CPUs" in job.stdout and "succeeded" in job.stdout  # ran inside the node

        start = time.monotonic()
        down = subprocess.run([str(BIN / "ray"), "down", "-y", str(config_path)],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        down_seconds = time.monotonic() - start
        assert down.returncode == 0, down.stdout[-4000:] + down.stderr[-4000:]
        # `ray down` runs a bare `ray stop` in a login shell on the head: it must find the venv's ray
        try:
            wait_for(lambda: not _in_node(init, "raylet|gcs_server"), timeout=30)
        except TimeoutError:
            pytest.fail(f"ray down left Ray running on the node: {_in_node(init, 'raylet|gcs_server')}")
        print(f"ray up {up_seconds:.1f} s, ray job submit {job_seconds:.1f} s, ray down {down_seconds:.1f} s")
    finally:
        # the node's PID 1 takes every process of the namespace with it
        os.kill(init, 9)
        node.wait(timeout=30)
        _remove_launcher_leftovers(f"rt-{base.name}")
        shutil.rmtree(base, ignore_errors=True)


def _remove_launcher_leftovers(cluster_name: str) -> None:
    """What `ray up` / `ray down` leave in the temp dir for this cluster (and only this one)."""
    tmp = Path(tempfile.gettempdir())
    for leftover in ("state", "lock"):  # the local provider's record of the cluster's nodes
        (tmp / "ray" / f"cluster-{cluster_name}.{leftover}").unlink(missing_ok=True)
    # ssh control sockets, in a folder named as Ray names it
    user_dir = tmp / f"ray_ssh_{hashlib.sha256(getpass.getuser().encode()).hexdigest()[:10]}"
    shutil.rmtree(user_dir / hashlib.sha256(cluster_name.encode()).hexdigest()[:10], ignore_errors=True)
    with contextlib.suppress(OSError):
        user_dir.rmdir()  # only if no other cluster uses it
    for cached in tmp.glob("ray-config-*"):  # `ray down` caches the resolved config
        with contextlib.suppress(OSError):
            if f'"cluster_name": "{cluster_name}"' in cached.read_text():
                cached.unlink()
