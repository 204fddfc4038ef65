"""Shared test fixtures and markers.

- `tiny_model_dir`: a random two-layer Llama with a ChatML tool template, built once per session
  into a temp folder (about a second after imports); use it wherever a real model folder is needed.
- `vllm_cpu_env`: the environment a subprocess running vLLM's CPU build needs.
- `gpu`-marked tests (the markers are declared in pyproject.toml) are skipped without CUDA.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    gpu_items = [item for item in items if item.get_closest_marker("gpu")]
    if not gpu_items:
        return  # spare every CPU-only run the torch import
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in gpu_items:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ray_toolace.model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny_model"), seed=0)


@pytest.fixture(scope="session")
def vllm_cpu_env() -> dict[str, str]:
    """Environment for a subprocess that runs vLLM on CPU."""
    env = dict(os.environ)
    env.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")  # GiB; the default would claim far more
    # vLLM keeps a core for its scheduler by default; on small machines using it is 1.65x faster.
    env.setdefault("VLLM_CPU_NUM_OF_RESERVED_CPU", "0")
    return env
