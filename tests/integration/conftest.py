"""Fixtures for integration tests: a real local Ray cluster on loopback, job environments."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def job_env(**extra: str) -> dict[str, str]:
    """The environment jobs run with: the project's venv first on PATH, all traffic on loopback."""
    env = dict(os.environ)
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0",  # makes Ray listen on 127.0.0.1 only
        RAY_USAGE_STATS_ENABLED="0",
        RAY_AUTH_MODE="disabled",  # loopback-only test clusters; real clusters keep Ray's token auth
        VLLM_CPU_KVCACHE_SPACE="1",
        VLLM_CPU_NUM_OF_RESERVED_CPU="0",
        TOKENIZERS_PARALLELISM="false",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def ray_cluster():
    """`ray start --head` on loopback for the session; yields (gcs address, dashboard URL)."""
    temp = tempfile.mkdtemp(prefix="rt-", dir="/tmp")  # Ray's socket paths must stay short
    port, dash = free_port(), free_port()
    env = job_env()
    cmd = [
        str(BIN / "ray"), "start", "--head", "--num-cpus", "2", "--disable-usage-stats",
        "--node-ip-address", "127.0.0.1", "--port", str(port), "--temp-dir", temp,
        "--dashboard-host", "127.0.0.1", "--dashboard-port", str(dash), "--include-dashboard", "true",
        # every port of its own, so the cluster starts beside any other Ray on the machine
        "--dashboard-agent-listen-port", str(free_port()), "--dashboard-agent-grpc-port", str(free_port()),
        "--ray-client-server-port", str(free_port()), "--metrics-export-port", str(free_port()),
        "--runtime-env-agent-port", str(free_port()),
    ]
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=120)
    address = f"127.0.0.1:{port}"
    try:
        yield address, f"http://127.0.0.1:{dash}"
    finally:
        stop_cluster(temp)
        shutil.rmtree(temp, ignore_errors=True)


def stop_cluster(temp_dir: str) -> None:
    """Stop only the cluster whose processes were started with `temp_dir`.

    `ray stop` would end every Ray cluster on the machine, a developer's own included. The
    head's processes carry the temp dir on their command line; workers exit with their raylet.
    """
    import psutil

    me = psutil.Process()
    spare = {me.pid, *(p.pid for p in me.parents())}
    mine = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if proc.pid not in spare and any(temp_dir in part for part in proc.info["cmdline"] or []):
                mine.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    for proc in mine:
        try:
            proc.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(mine, timeout=20)
    for proc in alive:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass


def run_job(args: list[str], env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [str(BIN / "python"), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    return proc


def wait_for(predicate, timeout: float, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError("condition not met in time")


@pytest.fixture(scope="session")
def tiny_lora_dir(tiny_model_dir, tmp_path_factory) -> Path:
    """A LoRA adapter for the tiny model with non-zero weights, so it changes what the model says."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    peft_model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules="all-linear"))
    torch.manual_seed(1)
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.5)  # peft starts B at zero, which would make the adapter a no-op
    out = tmp_path_factory.mktemp("tiny-lora")
    peft_model.save_pretrained(out)
    return out
