"""Ray Train's worker function: the training core (`core.py`) with Ray Train's context,
reporting and checkpoints around it.

    TorchTrainer(train_loop_per_worker, train_loop_config={"train": cfg.train.model_dump(),
                 "base_model": path, "records": ray.put(records)}, ...)

Ray Train starts the process group and hands each worker its device and, after a restart, the
latest checkpoint (a worker restarted by Ray, or a round re-submitted under the same run name,
resumes from it). Every `checkpoint_every_steps` optimizer steps the core writes the sharded
model and optimizer state into a temporary folder (one file per rank) that is reported to Ray
Train, which merges the ranks' files into one checkpoint. The last report carries the exported
Hugging Face folder (see `export.py`) and the run's metrics in `trainer_state.json`.
"""

from __future__ import annotations

import tempfile
import time
from typing import Any

from ray_toolace.train.checkpoint import STATE_FILE, checkpoint_name, read_state
from ray_toolace.train.core import Training

__all__ = ["STATE_FILE", "train_loop_per_worker"]

HOLD_SECONDS = 300  # fault injection: how long workers wait for the driver to be killed


def train_loop_per_worker(config: dict[str, Any]) -> None:
    import ray
    import ray.train
    import ray.train.torch

    from ray_toolace.config import TrainConfig

    cfg = TrainConfig.model_validate(config["train"])
    records = config["records"]
    records = ray.get(records) if isinstance(records, ray.ObjectRef) else records
    restored = ray.train.get_checkpoint()
    if restored is not None:
        with restored.as_directory() as directory:
            if read_state(directory).get("finished"):
                return  # a round re-submitted after its last report has nothing left to do

    training = Training(cfg, config["base_model"], records, ray.train.torch.get_device() if cfg.use_gpu else None)
    if restored is not None:
        with restored.as_directory() as directory:
            training.resume(directory)
    hold_after = config.get("hold_after_step")

    def report_checkpoint(t: Training, step: int) -> None:
        nonlocal hold_after
        with tempfile.TemporaryDirectory() as tmp:
            t.save(tmp)
            ray.train.report(
                {"step": step, "loss": t.state["history"][-1]["loss"]},
                checkpoint=ray.train.Checkpoint.from_directory(tmp), checkpoint_dir_name=checkpoint_name(step),
            )
        if hold_after is not None and step >= hold_after:
            time.sleep(HOLD_SECONDS)  # fault injection: the driver is killed meanwhile
            hold_after = None

    # MLflow tracking (ray_toolace/tracking.py): rank 0 alone logs each step, as Ray Train's guide does
    from ray_toolace.tracking import step_logger

    log_step = step_logger(config.get("tracking")) if training.rank == 0 else None
    training.run(on_checkpoint=report_checkpoint, on_step=log_step)
    with tempfile.TemporaryDirectory() as tmp:
        state = training.finish(tmp)
        last = state["history"][-1]["loss"] if state["history"] else None
        ray.train.report(
            {"step": state["step"], "loss": last, "finished": True},
            checkpoint=ray.train.Checkpoint.from_directory(tmp) if training.rank == 0 else None,
            checkpoint_dir_name="final",
        )
