"""Fixtures for integration tests: a real local Ray cluster on loopback, job environments."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

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


@contextmanager
def local_cluster(prefix: str = "rt-", **env_extra: str) -> Iterator[tuple[str, str, str]]:
    """`ray start --head` on loopback with ports of its own; yields (gcs address, dashboard URL,
    temp dir) and stops only this cluster afterwards. `env_extra` reaches the cluster's
    processes, and so every job and replica on it."""
    temp = tempfile.mkdtemp(prefix=prefix, dir="/tmp")  # Ray's socket paths must stay short
    port, dash = free_port(), free_port()
    cmd = [
        str(BIN / "ray"), "start", "--head", "--num-cpus", "2", "--disable-usage-stats",
        "--node-ip-address", "127.0.0.1", "--port", str(port), "--temp-dir", temp,
        "--dashboard-host", "127.0.0.1", "--dashboard-port", str(dash), "--include-dashboard", "true",
        # every port of its own, so the cluster starts beside any other Ray on the machine
        "--dashboard-agent-listen-port", str(free_port()), "--dashboard-agent-grpc-port", str(free_port()),
        "--ray-client-server-port", str(free_port()), "--metrics-export-port", str(free_port()),
        "--runtime-env-agent-port", str(free_port()),
    ]
    try:
        subprocess.run(cmd, env=job_env(**env_extra), check=True, capture_output=True, timeout=180)
        yield f"127.0.0.1:{port}", f"http://127.0.0.1:{dash}", temp
    finally:
        stop_cluster(temp)
        shutil.rmtree(temp, ignore_errors=True)


@pytest.fixture(scope="session")
def ray_cluster():
    """A local cluster for the session; yields (gcs address, dashboard URL)."""
    with local_cluster() as (address, dashboard, _):
        yield address, dashboard


def stop_cluster(temp_dir: str) -> None:
    """Stop only the cluster whose processes were started with `temp_dir`, and their children
    (`ray stop` would end every Ray cluster on the machine): the one rule `ray-toolace cluster
    down` uses too."""
    from ray_toolace.local_cluster import stop_processes

    stop_processes(temp_dir)


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


# the tiny training round both training test modules run: 48 one-call records of ~260 tokens
TOOL = {
    "name": "get_weather",
    "description": "Weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
CITIES = ["Paris", "Tokyo", "Berlin", "Rome", "Madrid", "Sydney", "Toronto", "Chicago"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    from ray_toolace.core.corpus import ordinary_records, to_jsonl
    from ray_toolace.core.types import Sample

    samples = [
        Sample(f"w{i}", "simple", [TOOL], [{"role": "user", "content": f"Weather in {CITIES[i % 8]}, please ({i})."}],
               [{"get_weather": {"city": [CITIES[i % 8]]}}], "test")
        for i in range(48)
    ]
    path = tmp_path_factory.mktemp("corpus") / "corpus.jsonl"
    path.write_text(to_jsonl(ordinary_records(samples)))
    return path
