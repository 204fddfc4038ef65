"""The training core: one rank's part of a training round in a torch.distributed process group,
with no Ray in it. Ray Train's worker (`loop.py`) and the GPU benchmark (benchmarks/gpu_train.py)
both run it; so can any launcher that starts the processes (torchrun, torch.multiprocessing).

    dist.init_process_group("gloo")      # or "nccl" on GPUs; a Ray Train worker comes with one
    state = train(cfg, base_model, records, out_dir)    # checkpoints, resume, export, all in out_dir

or piece by piece, as the Ray Train worker drives it (its checkpoints go to Ray Train):

    training = Training(cfg, base_model, records)   # tokenize, pack, load, LoRA/full, FSDP2, AdamW
    training.resume(directory)                      # optional: weights, optimizer and progress
    training.run(on_checkpoint=save_and_report)     # the steps, warm-up + cosine learning rate
    state = training.finish(directory)              # export/ (the HF folder) + trainer_state.json

`cfg` is a `ray_toolace.config.TrainConfig` or any object with its field names: the core only
reads fields, so it also runs where pydantic is not installed. The run uses the default process
group: every rank tokenizes the same records the same way, builds the same micro-batches and
takes its share (`MicroBatches`); gradients are averaged by FSDP2 and the loss is weighted by
answer tokens over all ranks (`StepRunner`). On GPU, FSDP2 computes in bf16 over fp32 master
weights; on CPU, bf16 autocast is used where the CPU computes bf16 natively.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path
from typing import Any, Callable

from ray_toolace.train.checkpoint import (
    STATE_FILE,
    checkpoint_name,
    load_checkpoint,
    new_state,
    read_state,
    save_checkpoint,
)
from ray_toolace.train.export import EXPORT_DIR, export_model
from ray_toolace.train.model import load_model, shard_model, tokenizer_path
from ray_toolace.train.step import MicroBatches, StepRunner, build_optimizer, lr_at, precision
from ray_toolace.train.tokenize import load_tokenizer, tokenize_records

CHECKPOINTS_DIR = "checkpoints"
KEEP_CHECKPOINTS = 2  # the newest is all a resume needs; one more covers a crash mid-write


def default_device(cfg):
    """This rank's device: its current CUDA device when the config asks for a GPU, else the CPU."""
    import torch

    if cfg.use_gpu:
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


class Training:
    """One rank's training run: set up on construction, then `run`, then `finish`."""

    def __init__(self, cfg, base_model: str, records: list[dict[str, Any]], device=None):
        import torch
        import torch.distributed as dist

        if not dist.is_initialized():
            raise RuntimeError("the training core runs in a process group: call torch.distributed.init_process_group first")
        self.cfg, self.base = cfg, base_model
        self.rank, self.world = dist.get_rank(), dist.get_world_size()
        self.device = device if device is not None else default_device(cfg)
        torch.manual_seed(cfg.seed)  # LoRA's initial weights, dropout

        self.tokenizer = load_tokenizer(tokenizer_path(base_model))
        self.seqs, self.dropped = tokenize_records(self.tokenizer, records, cfg.max_seq_len)
        self.micro = MicroBatches(self.seqs, cfg, self.tokenizer.pad_token_id, self.rank, self.world)
        self.total_steps = max(1, math.ceil(cfg.epochs * self.micro.per_epoch) // cfg.grad_accum)
        self.warmup = math.ceil(cfg.warmup_ratio * self.total_steps)

        fsdp_bf16 = self.device.type != "cpu" and precision(cfg, self.device) == "bf16"
        self.model = shard_model(load_model(base_model, cfg).to(self.device), fsdp_bf16)
        self.optimizer = build_optimizer(self.model, cfg)
        self.runner = StepRunner(self.model, self.optimizer, cfg, self.device, self.world)
        self.model.train()
        self.state = new_state()
        self.state["resumed_from"] = [0]  # the step each attempt started at
        self._announced = False

    def resume(self, directory: str) -> None:
        """Continue from a checkpoint written by `save` (by this run or an earlier attempt)."""
        self.state = read_state(directory)
        self.state.setdefault("resumed_from", []).append(self.state["step"])
        load_checkpoint(self.model, self.optimizer, directory)

    def save(self, directory: str) -> None:
        """A checkpoint into `directory`; a collective: every rank calls it with the same folder."""
        save_checkpoint(self.model, self.optimizer, self.state, directory, write_state=self.rank == 0)

    def run(
        self,
        steps: int | None = None,
        on_checkpoint: Callable[["Training", int], None] | None = None,
        on_step: Callable[[int, dict[str, float]], bool | None] | None = None,
    ) -> dict[str, Any]:
        """Train from the current step to the end (or `steps` more). `on_checkpoint(self, step)`
        is called every `checkpoint_every_steps` steps before the last; `on_step(step, out)`
        after every step, and a true answer stops the run there."""
        cfg, state = self.cfg, self.state
        start = state["step"]
        end = self.total_steps if steps is None else min(self.total_steps, start + steps)
        self._announce(start)
        for step in range(start, end):
            lr = lr_at(step, self.total_steps, self.warmup, cfg.lr)
            out = self.runner.step([self.micro[step * cfg.grad_accum + j] for j in range(cfg.grad_accum)], lr)
            done = step + 1
            state["history"].append({"step": done, "loss": out["loss"], "lr": lr, "grad_norm": out["grad_norm"], "seconds": out["seconds"]})
            state["real_tokens"] += out["real_tokens"]
            state["slot_tokens"] += out["slot_tokens"]
            state["train_seconds"] += out["seconds"]
            state["step"] = done
            if self.rank == 0 and (done % cfg.log_every_steps == 0 or done in (1, self.total_steps)):
                print(
                    f"[train] step {done}/{self.total_steps} loss {out['loss']:.4f} lr {lr:.2e} "
                    f"real tok/s {out['real_tokens'] / out['seconds']:.0f} (with padding {out['slot_tokens'] / out['seconds']:.0f})",
                    flush=True,
                )
            if on_checkpoint is not None and done % cfg.checkpoint_every_steps == 0 and done < self.total_steps:
                on_checkpoint(self, done)
            if on_step is not None and on_step(done, out):
                break
        return state

    def finish(self, directory: str) -> dict[str, Any]:
        """Export the trained model to `directory`/export and, from rank 0, the run's state to
        `directory`/trainer_state.json; a collective (every rank gathers the weights)."""
        self.state.update(
            finished=True, total_steps=self.total_steps, sequences=len(self.seqs), dropped_too_long=self.dropped,
            world_size=self.world, micro_batches_per_epoch=self.micro.per_epoch, precision=self.runner.precision,
        )
        export_model(self.model, self.base, self.cfg, os.path.join(directory, EXPORT_DIR), self.tokenizer, is_writer=self.rank == 0)
        if self.rank == 0:
            Path(directory, STATE_FILE).write_text(json.dumps(self.state))
        return self.state

    def _announce(self, start: int) -> None:
        if self.rank != 0 or self._announced:
            return
        self._announced = True
        print(
            f"[train] {len(self.seqs)} sequences ({self.dropped} over {self.cfg.max_seq_len} tokens dropped), "
            f"{self.micro.per_epoch} micro-batches per rank per epoch, {self.total_steps} steps, {self.runner.precision}, "
            f"{'resuming after step ' + str(start) if start else 'from the start'}",
            flush=True,
        )


def latest_checkpoint(root: str | os.PathLike[str]) -> str | None:
    """The newest complete checkpoint folder under `root` (one whose state file was written)."""
    folders = sorted(p for p in Path(root).glob("step-*") if (p / STATE_FILE).is_file()) if Path(root).is_dir() else []
    return str(folders[-1]) if folders else None


def train(cfg, base_model: str, records: list[dict[str, Any]], out_dir: str, device=None) -> dict[str, Any]:
    """A whole round without Ray, on every rank of the default process group; `out_dir` is a
    local folder all ranks share. Checkpoints go to `out_dir`/checkpoints/step-N; a run started
    again with the same `out_dir` resumes from the newest, and a finished one returns its state.
    The trained model is exported to `out_dir`/export; returns the run's state (loss per step...)."""
    import torch.distributed as dist

    final = Path(out_dir, STATE_FILE)
    if final.is_file() and read_state(out_dir).get("finished"):
        return read_state(out_dir)
    root = Path(out_dir, CHECKPOINTS_DIR)
    latest = latest_checkpoint(root)
    dist.barrier()  # every rank has chosen before rank 0 may write or prune anything
    training = Training(cfg, base_model, records, device)
    if latest is not None:
        training.resume(latest)

    def checkpoint(t: Training, step: int) -> None:
        t.save(str(root / checkpoint_name(step)))
        dist.barrier()  # the state file is written: the checkpoint is complete on every rank's view
        if t.rank == 0:
            for old in sorted(root.glob("step-*"))[:-KEEP_CHECKPOINTS]:
                shutil.rmtree(old, ignore_errors=True)

    training.run(on_checkpoint=checkpoint)
    state = training.finish(out_dir)
    dist.barrier()  # the export and the state file exist before any rank returns
    return state
