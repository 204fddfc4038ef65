"""Where vLLM engines run and what that means for how they are built: the one placement rule.

    on_gpu = engines_on_gpu(cfg)                 # engine.use_gpu, or whether GPUs are there
    actor_resources(cfg.engine, on_gpu)          # what an engine actor asks Ray for
    engine_dtype(cfg.model.dtype, on_gpu)        # float32 on CPUs without avx512_bf16
    eager(cfg.engine.enforce_eager, on_gpu)      # CPU engines eager unless told otherwise
    merges_lora(cfg.engine.merge_lora, on_gpu)   # a round's adapter merged for CPU engines

The probe's actor pool, the Serve deployment and both engines take their decisions from here.
The rules are pure functions of the config and of what was found; the finding (a Ray cluster's
GPUs, CUDA, the CPU's bf16 support) is in the three small probes at the end. Nothing heavy is
imported until a probe runs.
"""

from __future__ import annotations

import logging
from typing import Callable

from ray_toolace.config import Config, EngineConfig


def gets_gpus(use_gpu: bool | None, gpus_present: bool) -> bool:
    """`engine.use_gpu` when set; None: GPUs whenever there are any."""
    return gpus_present if use_gpu is None else use_gpu


def actor_resources(engine: EngineConfig, on_gpu: bool) -> dict[str, float]:
    """Ray resources of one engine actor: its CPUs, and one GPU per tensor-parallel rank."""
    resources = {"num_cpus": float(engine.cpus_per_engine)}
    if on_gpu:
        resources["num_gpus"] = float(engine.tensor_parallel_size)
    return resources


def engine_dtype(dtype: str, on_gpu: bool, cpu_bf16: Callable[[], bool] | None = None) -> str:
    """The dtype vLLM is given. `cpu_bf16` says whether this CPU has avx512_bf16 (probed by default)."""
    # vLLM's CPU build turns "auto" into bf16; on CPUs without avx512_bf16 its compiled bf16 path
    # was seen to produce wrong text, so such CPUs run float32
    if dtype != "auto" or on_gpu:
        return dtype
    return "auto" if (cpu_bf16 or cpu_has_bf16)() else "float32"


def eager(enforce_eager: bool | None, on_gpu: bool) -> bool:
    """Skip torch.compile and CUDA graphs: on CPU by default, where compiling added 60-110 s to
    every engine start and no measurable speed (benchmarks/bench_probe.py)."""
    return (not on_gpu) if enforce_eager is None else enforce_eager


def merges_lora(merge_lora: bool | None, on_gpu: bool) -> bool:
    """Merge a round's adapter into a whole model first: by default on CPU, where vLLM's LoRA path
    is several times slower (model/merge.py); on GPUs the adapter is applied per request."""
    return (not on_gpu) if merge_lora is None else merge_lora


def engines_on_gpu(cfg: Config, connect: bool = True) -> bool:
    """Whether this config's engines get GPUs: `engine.use_gpu`, or (None) whether the Ray cluster
    has any. With no Ray connection, `connect` joins or starts one (the stages do); otherwise this
    machine's CUDA decides (`serve run` builds its application before it connects to Ray)."""
    if cfg.engine.use_gpu is not None:
        return cfg.engine.use_gpu
    import ray

    if not ray.is_initialized() and connect:
        ray.init(logging_level=logging.WARNING)
    if ray.is_initialized():
        return gets_gpus(None, ray.cluster_resources().get("GPU", 0) > 0)
    return gets_gpus(None, cuda_available())


def cuda_available() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except ImportError:
        return False


def cpu_has_bf16() -> bool:
    try:
        import torch

        return bool(torch.cpu._is_avx512_bf16_supported())
    except (ImportError, AttributeError):
        return False
