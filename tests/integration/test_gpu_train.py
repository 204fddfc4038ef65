"""benchmarks/gpu_train.py: a smoke run on CPU (tiny model, two steps per run) whose printed
figures parse and agree, in an interpreter that is then checked for Ray, vLLM and the typed
config (the GPU machine has none of them); and the real thing on CUDA where a GPU exists.
"""

from __future__ import annotations

import importlib.util
import json
import math

import pytest

from conftest import BIN, ROOT, job_env
from ray_toolace.config import TrainConfig

SCRIPT = ROOT / "benchmarks" / "gpu_train.py"
# runs the benchmark as __main__, then names what it loaded of what the GPU machine lacks
RUNNER = (
    "import runpy, sys\n"
    "sys.argv = [{script!r}, *{args!r}]\n"
    "runpy.run_path({script!r}, run_name='__main__')\n"
    "print('LOADED ' + ','.join(m for m in ('ray', 'vllm', 'ray_toolace.config') if m in sys.modules))\n"
)


def run_benchmark(*args: str, timeout: float = 600) -> tuple[list[dict], list[str]]:
    import subprocess

    code = RUNNER.format(script=str(SCRIPT), args=list(args))
    proc = subprocess.run([str(BIN / "python"), "-c", code], cwd=ROOT, env=job_env(), capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    results = [json.loads(line[len("RESULT "):]) for line in lines if line.startswith("RESULT ")]
    return results, lines


def check_figures(results: list[dict], methods=("lora", "full")) -> dict:
    setup = [r for r in results if r["kind"] == "setup"]
    runs = {(r["run"], r["method"]): r for r in results if r["kind"] == "run"}
    ratios = {r["method"]: r for r in results if r["kind"] == "ratio"}
    assert len(setup) == 1 and setup[0]["params"] > 0
    assert set(runs) == {(run, m) for run in ("core", "plain") for m in methods} and set(ratios) == set(methods)
    for r in runs.values():
        assert r["steps"] >= 1 and r["tokens"] > 0 and r["tokens_per_s"] > 0 and r["mfu"] > 0 and r["peak_mem_gib"] > 0
        assert r["padded_tokens_per_s"] >= r["tokens_per_s"] and all(math.isfinite(x) for x in r["losses"])
    for m in methods:
        core, plain = runs["core", m], runs["plain", m]
        expected = core["tokens_per_s"] / plain["tokens_per_s"]
        assert ratios[m]["core_over_plain_tokens_per_s"] == pytest.approx(expected)
        assert plain["tokens"] == core["tokens"] or plain["steps"] < core["steps"]  # the same batches
    return {"runs": runs, "ratios": ratios}


def test_benchmark_config_names_only_train_config_fields():
    spec = importlib.util.spec_from_file_location("gpu_train", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for method in ("lora", "full"):
        cfg = vars(module.train_config(type("Args", (), {"device": "cpu", "max_seq_len": 1024, "tokens_per_batch": 2048}), method))
        assert set(cfg) <= set(TrainConfig.model_fields), set(cfg) - set(TrainConfig.model_fields)
        TrainConfig.model_validate(cfg)  # and every value is one the typed config accepts


def test_smoke_on_cpu_prints_figures_that_parse():
    results, lines = run_benchmark("--device", "cpu", "--size", "tiny", "--steps", "2", "--time-limit", "300")
    figures = check_figures(results)
    for m in ("lora", "full"):
        core, plain = figures["runs"]["core", m], figures["runs"]["plain", m]
        assert core["steps"] == plain["steps"] == 2  # well inside the time limit: every step taken
        assert core["precision"] in ("bf16", "fp32") and core["resume_loss_diff"] < 1e-6
        # the core and the plain loop compute the same loss on the same batches from the same weights
        assert figures["ratios"][m]["max_loss_diff"] < 1e-3, (core["losses"], plain["losses"])
    assert any("core / plain tokens/s" in line for line in lines)
    assert lines[-1] == "LOADED ", lines[-1]  # neither Ray nor vLLM nor pydantic's config was needed


@pytest.mark.gpu
def test_on_cuda():
    results, _ = run_benchmark("--device", "cuda", "--size", "tiny", "--steps", "5", "--time-limit", "300")
    figures = check_figures(results)
    for m in ("lora", "full"):
        core = figures["runs"]["core", m]
        assert core["precision"] == "bf16" and core["steps"] == 5
        assert core["resume_loss_diff"] < 1e-2  # bf16 kernels need not be bitwise repeatable
