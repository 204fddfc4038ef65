"""Where engines run and how they are built there (engine/placement.py): the one rule."""

from ray_toolace.config import load_config
from ray_toolace.engine.placement import actor_resources, eager, engine_dtype, engines_on_gpu, gets_gpus, merges_lora


def test_gpus_when_told_or_when_there_are_any():
    assert gets_gpus(None, True) and not gets_gpus(None, False)
    assert gets_gpus(True, False) and not gets_gpus(False, True)
    assert engines_on_gpu(load_config(None, ["engine.use_gpu=false"])) is False  # told: nothing probed


def test_actor_resources_ask_one_gpu_per_tensor_parallel_rank():
    cfg = load_config(None, ["engine.tensor_parallel_size=2", "engine.cpus_per_engine=3"])
    assert actor_resources(cfg.engine, on_gpu=True) == {"num_cpus": 3.0, "num_gpus": 2.0}
    assert actor_resources(cfg.engine, on_gpu=False) == {"num_cpus": 3.0}


def test_cpu_engines_are_eager_and_merge_lora_unless_told():
    assert eager(None, on_gpu=False) and not eager(None, on_gpu=True)
    assert eager(True, on_gpu=True) and not eager(False, on_gpu=False)
    assert merges_lora(None, on_gpu=False) and not merges_lora(None, on_gpu=True)
    assert not merges_lora(False, on_gpu=False)


def test_cpus_without_bf16_run_float32():
    assert engine_dtype("auto", on_gpu=False, cpu_bf16=lambda: False) == "float32"
    assert engine_dtype("auto", on_gpu=False, cpu_bf16=lambda: True) == "auto"
    assert engine_dtype("auto", on_gpu=True, cpu_bf16=lambda: False) == "auto"  # GPUs: never probed
    assert engine_dtype("bfloat16", on_gpu=False, cpu_bf16=lambda: False) == "bfloat16"  # as told
