"""The README's local cluster sequence, run as written: `make cluster-up` in one shell, the rest in
a new one after `eval "$(... cluster env)"` (a small probe submitted, its status), `make
cluster-down`; and, against the same token-authenticated cluster, a shell without the token
gets what to set from `ray-toolace submit` and from a job, not a traceback."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import BIN, ROOT
from ray_toolace import local_cluster

MARKER = "<!-- run as written by tests/integration/test_local_cluster.py -->"


def readme_block() -> list[str]:
    """The command lines of the README's local cluster block (comments stripped)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert MARKER in text, "the README's local cluster block lost its marker"
    block = re.search(r"```bash\n(.*?)```", text[text.index(MARKER):], re.S)
    assert block, "no bash block after the marker"
    return [line.split("  #")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def fresh_shell_env(state_dir: Path) -> dict[str, str]:
    """A new shell's environment: nothing of Ray's or of this venv, only where the cluster's state
    is kept (so the test's cluster is its own) and the machine's usual settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAY_", "VIRTUAL_ENV"))}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if Path(p).resolve() != BIN.resolve())
    env.update(RAY_TOOLACE_CLUSTER_DIR=str(state_dir), RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0",
               RAY_USAGE_STATS_ENABLED="0", VLLM_CPU_KVCACHE_SPACE="1", VLLM_CPU_NUM_OF_RESERVED_CPU="0")
    return env


def bash(script: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", "set -euo pipefail\n" + script], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_readme_local_cluster_sequence(tmp_path):
    if (ROOT / ".venv" / "bin" / "ray-toolace").resolve() != (BIN / "ray-toolace").resolve():
        pytest.fail("the README's commands use the project's .venv; run the tests from it (make test)")
    lines = readme_block()
    assert lines[0] == "make cluster-up" and lines[-1] == "make cluster-down", lines
    assert any(line.startswith("eval ") for line in lines)
    run_dir = ROOT / "runs" / "local-probe"
    assert "run_dir=runs/local-probe" in " ".join(lines)
    shutil.rmtree(run_dir, ignore_errors=True)
    state_dir = tmp_path / "cluster"
    env = fresh_shell_env(state_dir)
    t0 = time.perf_counter()
    state = None
    try:
        up = bash(lines[0], env)
        assert up.returncode == 0, up.stderr[-3000:]
        state = json.loads((state_dir / "cluster.json").read_text())
        assert "export RAY_AUTH_MODE=token" in up.stdout and f"export RAY_ADDRESS={state['gcs_address']}" in up.stdout
        assert (state_dir / "auth_token").stat().st_mode & 0o077 == 0  # the token is the user's alone
        up_s = time.perf_counter() - t0

        # a shell with the address but not the token: told what to set, no traceback
        bare = {**env, "RAY_ADDRESS": state["gcs_address"]}
        sub = bash(f".venv/bin/ray-toolace submit probe --config configs/probe.yaml --address {state['dashboard_url']} "
                   f"data.limit=1 run_dir={tmp_path}/refused-submit", bare, timeout=180)
        assert sub.returncode == 1
        assert "RAY_AUTH_MODE=token" in sub.stderr and "ray-toolace cluster env" in sub.stderr, sub.stderr[-2000:]
        assert "Traceback" not in sub.stderr
        job = bash(".venv/bin/python jobs/probe.py --config configs/probe.yaml data.limit=1 "
                   f"run_dir={tmp_path}/refused", bare, timeout=180)
        assert job.returncode == 2
        assert "cannot connect to the Ray cluster" in job.stderr and "RAY_AUTH_MODE=token" in job.stderr, job.stderr[-2000:]
        assert "Traceback" not in job.stderr

        # the README's lines after `make cluster-up`, in a new shell, as written
        t1 = time.perf_counter()
        rest = bash("\n".join(lines[1:-1]), env, timeout=600)
        assert rest.returncode == 0, (rest.stdout[-3000:], rest.stderr[-3000:])
        assert "SUCCEEDED" in rest.stderr, rest.stderr[-3000:]
        manifest = json.loads((run_dir / "train" / "manifest.json").read_text())
        assert manifest["status"] == "done" and manifest["summary"]["samples"] == 4
        assert re.search(r"local-probe/train: done, \d+/\d+ shards", rest.stdout), rest.stdout
        sequence_s = time.perf_counter() - t1
    finally:
        down = bash(lines[-1], env)
    assert down.returncode == 0, down.stderr
    assert state is not None
    assert not (state_dir / "cluster.json").exists() and not Path(state["temp_dir"]).exists()
    assert not local_cluster.alive(state)
    print(f"cluster up {up_s:.1f} s; env + submit + status {sequence_s:.1f} s; total {time.perf_counter() - t0:.1f} s")
    shutil.rmtree(run_dir, ignore_errors=True)
