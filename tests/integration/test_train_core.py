"""The training core without Ray: `ray_toolace.train.core.train` in gloo process groups of one
and two processes started with torch.multiprocessing, and the same round through Ray Train.

Covers: the core alone trains (the loss falls) and exports at world size 1 and 2; a run started
again from one of its checkpoints repeats the same losses; the core alone and the Ray Train
path (jobs/train_round.py, two workers) give the same losses on the same round. Tiny random
model, 48 short records, full fine-tuning in fp32, one thread per process as Ray Train gives a
worker with one CPU.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from _core_rank import _rank
from conftest import ROOT, free_port, job_env, run_job
from ray_toolace.config import load_config

# 48 records of ~260 tokens: 2 rows of 1024 per micro-batch -> 8 micro-batches an epoch
ROUND = [
    "train.method=full", "train.max_seq_len=1024", "train.tokens_per_batch=2048", "train.grad_accum=1",
    "train.epochs=2", "train.lr=3e-3", "train.warmup_ratio=0.1", "train.log_every_steps=1",
    "train.checkpoint_every_steps=4", "train.mixed_precision=fp32", "train.num_workers=2",
]


def run_core(world: int, corpus: Path, model: Path, out: Path) -> dict:
    """The core alone in `world` processes; returns rank 0's trainer_state.json."""
    import torch.multiprocessing as mp

    cfg = load_config(ROOT / "configs" / "train.yaml", ROUND).train
    records = [json.loads(line) for line in corpus.read_text().splitlines()]
    mp.start_processes(_rank, args=(world, free_port(), cfg.model_dump(), str(model), records, str(out)),
                       nprocs=world, join=True, start_method="spawn")
    return json.loads((out / "trainer_state.json").read_text())


@pytest.fixture(scope="module")
def core_runs(corpus, tiny_model_dir, tmp_path_factory):
    """world size -> (state, out dir) of the core alone, each trained once for the module."""
    runs: dict[int, tuple[dict, Path]] = {}

    def get(world: int) -> tuple[dict, Path]:
        if world not in runs:
            out = tmp_path_factory.mktemp(f"core-{world}")
            runs[world] = (run_core(world, corpus, tiny_model_dir, out), out)
        return runs[world]

    return get


def losses(state: dict) -> list[float]:
    return [h["loss"] for h in state["history"]]


@pytest.mark.parametrize("world", [1, 2])
def test_core_alone_trains_and_exports(core_runs, world):
    state, out = core_runs(world)
    # 8 micro-batches an epoch shared by the ranks, 2 epochs
    assert state["finished"] and state["world_size"] == world and state["step"] == 16 // world
    assert state["resumed_from"] == [0] and state["precision"] == "fp32"
    loss = losses(state)
    assert len(loss) == state["step"] and sum(loss[-2:]) / 2 < sum(loss[:2]) / 2 - 0.5, loss
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= {p.name for p in (out / "export").iterdir()}
    # checkpoints every 4 steps before the last; only the newest 2 are kept, each complete (a
    # state file beside the shards)
    kept = sorted(p.name for p in (out / "checkpoints").iterdir())
    assert kept == [f"step-{s:06d}" for s in range(4, state["step"], 4)][-2:] and all((out / "checkpoints" / k / "trainer_state.json").is_file() for k in kept)


def test_core_resumes_from_its_checkpoint_with_the_same_losses(core_runs, corpus, tiny_model_dir, tmp_path):
    state, out = core_runs(2)
    first = sorted((out / "checkpoints").iterdir())[0]  # step 4 of 8
    resumed_dir = tmp_path / "resumed"
    shutil.copytree(first, resumed_dir / "checkpoints" / first.name)
    resumed = run_core(2, corpus, tiny_model_dir, resumed_dir)
    step = int(first.name.split("-")[1])
    assert resumed["resumed_from"] == [0, step] and resumed["step"] == state["step"]
    assert losses(resumed) == pytest.approx(losses(state), rel=1e-6, abs=1e-7)


def test_core_alone_and_ray_train_give_the_same_losses(ray_cluster, core_runs, corpus, tiny_model_dir, tmp_path):
    out = tmp_path / "ray"
    args = ["jobs/train_round.py", "--config", "configs/train.yaml", f"train.output={out}", f"train.corpus={corpus}",
            f"model.name_or_path={tiny_model_dir}", *ROUND]
    proc = run_job(args, job_env(RAY_ADDRESS=ray_cluster[0]))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = json.loads((out / "round.json").read_text())
    state, _ = core_runs(2)
    assert summary["num_workers"] == state["world_size"] == 2 and summary["steps"] == state["step"]
    core = losses(state)
    worst = max(abs(a - b) for a, b in zip(summary["loss"], core))
    print(f"core alone vs Ray Train, {len(core)} steps: losses {core[0]:.6f} -> {core[-1]:.6f}, largest difference {worst:.2e}")
    assert summary["loss"] == pytest.approx(core, rel=1e-6, abs=1e-7)
