"""The per-worker train loop that `ray.train.torch.TorchTrainer` runs on every worker.

    TorchTrainer(train_loop_per_worker, train_loop_config={"train": cfg.train.model_dump(),
                 "base_model": path, "records": ray.put(records)}, ...)

Each worker tokenizes the corpus (the same way on every rank), builds the same micro-batches
and takes its share; the model is sharded with FSDP2, trained with AdamW under a warm-up +
cosine learning rate, gradient accumulation (token-weighted across ranks and micro-batches)
and optional gradient checkpointing. Every `checkpoint_every_steps` optimizer steps the
sharded model and optimizer state go to a Ray Train checkpoint (torch.distributed.checkpoint,
one file per rank, merged by Ray into one folder); a worker restarted by Ray, or a round
re-submitted under the same run name, resumes from the latest one. The last report carries the
exported Hugging Face folder (see `export.py`) and the run's metrics in `trainer_state.json`.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from ray_toolace.train.export import EXPORT_DIR, export_model
from ray_toolace.train.model import TargetOnlyHead, load_model, shard_model, tokenizer_path
from ray_toolace.train.packing import Batch, make_batches, shard
from ray_toolace.train.tokenize import IGNORE, load_tokenizer, tokenize_records

STATE_FILE = "trainer_state.json"
HOLD_SECONDS = 300  # fault injection: how long workers wait for the driver to be killed


def checkpoint_name(step: int) -> str:
    return f"step-{step:06d}"


def lr_at(step: int, total: int, warmup: int, peak: float) -> float:
    """Linear warm-up over `warmup` steps, then cosine decay towards zero (step is 0-based).

    >>> [round(lr_at(s, 10, 2, 1.0), 3) for s in (0, 1, 2, 9)]
    [0.5, 1.0, 1.0, 0.038]
    """
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return peak * 0.5 * (1.0 + math.cos(math.pi * progress))


class MicroBatches:
    """This rank's micro-batch number m of the whole run, rebuilt the same way after a restart.

    Each epoch reshuffles with seed + epoch. Packing can give a slightly different batch
    count per epoch; every epoch is cut or wrapped to the first one's count so the step plan
    (and a resumed run's position in it) never moves.
    """

    def __init__(self, seqs, cfg, pad_id: int, rank: int, world: int):
        self.seqs, self.cfg, self.pad_id, self.rank, self.world = seqs, cfg, pad_id, rank, world
        self._cache: dict[int, list[Batch]] = {}
        self.per_epoch = len(self._build(0))

    def _build(self, epoch: int) -> list[Batch]:
        c = self.cfg
        batches = make_batches(self.seqs, c.packing, c.tokens_per_batch, c.max_seq_len, self.pad_id, c.seed + epoch)
        return shard(batches, self.rank, self.world)

    def __getitem__(self, m: int) -> Batch:
        epoch, i = divmod(m, self.per_epoch)
        if epoch not in self._cache:
            self._cache = {epoch: self._build(epoch)}  # one epoch in memory at a time
        batches = self._cache[epoch]
        return batches[i % len(batches)]


def _tensors(batch: Batch, device):
    import torch

    ids = torch.tensor(batch.input_ids, device=device)
    labels = torch.tensor(batch.labels, device=device)
    pos = torch.tensor(batch.position_ids, device=device)
    # position i is trained to predict token i+1: the targets are the labels shifted by one
    shifted = torch.cat([labels[:, 1:], torch.full_like(labels[:, :1], IGNORE)], dim=1)
    return ids, pos, shifted


def _save(model, optimizer, state: dict[str, Any], directory: str, write_state: bool) -> None:
    import torch.distributed.checkpoint as dcp
    from torch.distributed.checkpoint.state_dict import StateDictOptions, get_state_dict

    options = StateDictOptions(ignore_frozen_params=True)  # LoRA: the base never changes
    msd, osd = get_state_dict(model, optimizer, options=options)
    dcp.save({"model": msd, "optim": osd}, checkpoint_id=directory)
    if write_state:
        Path(directory, STATE_FILE).write_text(json.dumps(state))


def _load(model, optimizer, directory: str) -> None:
    import torch.distributed.checkpoint as dcp
    from torch.distributed.checkpoint.state_dict import StateDictOptions, get_state_dict, set_state_dict

    # frozen weights were not saved (they are the base's, loaded already): not strict about them
    options = StateDictOptions(ignore_frozen_params=True, strict=False)
    msd, osd = get_state_dict(model, optimizer, options=options)
    state = {"model": msd, "optim": osd}
    dcp.load(state, checkpoint_id=directory)
    set_state_dict(model, optimizer, model_state_dict=state["model"], optim_state_dict=state["optim"], options=options)


def cpu_has_bf16() -> bool:
    """Whether this CPU computes bf16 natively (AVX512-BF16 or AMX)."""
    import torch

    checks = (getattr(torch.cpu, "_is_avx512_bf16_supported", None), getattr(torch.cpu, "_is_amx_tile_supported", None))
    return any(bool(check()) for check in checks if check is not None)


class StepRunner:
    """One optimizer step over a few micro-batches: forward, token-weighted backward, clip, AdamW.

    Used by the Ray Train loop and, in one process, by the packing benchmark. Runs under
    torch.distributed (any world size, FSDP2-sharded model)."""

    def __init__(self, model, optimizer, cfg, device, world: int):
        import torch

        self.model, self.optimizer, self.cfg, self.device, self.world = model, optimizer, cfg, device, world
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.head = TargetOnlyHead(model)
        # on GPU the FSDP mixed-precision policy computes in bf16; on CPU autocast does, but only
        # where the CPU has bf16 instructions: emulated bf16 ran ~20x slower than fp32 (AVX2 only)
        bf16_autocast = device.type == "cpu" and cfg.mixed_precision == "bf16" and cpu_has_bf16()
        self.autocast = torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16_autocast)
        self.precision = "bf16" if bf16_autocast or (device.type != "cpu" and cfg.mixed_precision == "bf16") else "fp32"

    def step(self, batches: list[Batch], lr: float) -> dict[str, float]:
        import torch
        import torch.distributed as dist

        t0 = time.perf_counter()
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        counts = torch.tensor(
            [sum(b.target_tokens for b in batches), sum(b.real_tokens for b in batches), sum(b.slots for b in batches)],
            dtype=torch.float64, device=self.device,
        )
        dist.all_reduce(counts)
        # FSDP averages gradients over ranks; dividing each rank's summed loss by (all target
        # tokens / world) makes the step's gradient the mean over every target token of the step
        norm = counts[0].item() / self.world
        loss_sum = torch.zeros((), dtype=torch.float64, device=self.device)
        for j, batch in enumerate(batches):
            self.model.set_requires_gradient_sync(j == len(batches) - 1)  # reduce once per step
            ids, pos, targets = _tensors(batch, self.device)
            self.head.mask = targets != IGNORE
            with self.autocast:
                logits = self.model(input_ids=ids, position_ids=pos, use_cache=False).logits
            loss = torch.nn.functional.cross_entropy(logits[0].float(), targets[self.head.mask], reduction="sum")
            (loss / norm).backward()
            loss_sum += loss.detach()
        self.head.mask = None
        grad_norm = torch.nn.utils.clip_grad_norm_(self.params, self.cfg.max_grad_norm)
        grad_norm = grad_norm.full_tensor() if hasattr(grad_norm, "full_tensor") else grad_norm
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        dist.all_reduce(loss_sum)
        return {
            "loss": loss_sum.item() / counts[0].item(),
            "grad_norm": float(grad_norm),
            "real_tokens": int(counts[1].item()),
            "slot_tokens": int(counts[2].item()),
            "seconds": time.perf_counter() - t0,
        }


def build_optimizer(model, cfg):
    import torch

    params = [p for p in model.parameters() if p.requires_grad]
    return torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)


def train_loop_per_worker(config: dict[str, Any]) -> None:
    import ray
    import ray.train
    import ray.train.torch
    import torch

    from ray_toolace.config import TrainConfig

    cfg = TrainConfig.model_validate(config["train"])
    base = config["base_model"]
    records = config["records"]
    records = ray.get(records) if isinstance(records, ray.ObjectRef) else records
    ctx = ray.train.get_context()
    rank, world = ctx.get_world_rank(), ctx.get_world_size()
    device = ray.train.torch.get_device() if cfg.use_gpu else torch.device("cpu")
    torch.manual_seed(cfg.seed)

    restored = ray.train.get_checkpoint()
    state: dict[str, Any] = {"step": 0, "history": [], "real_tokens": 0, "slot_tokens": 0, "train_seconds": 0.0}
    if restored is not None:
        with restored.as_directory() as directory:
            state = json.loads(Path(directory, STATE_FILE).read_text())
        if state.get("finished"):
            return  # a round re-submitted after its last report has nothing left to do

    tok = load_tokenizer(tokenizer_path(base))
    seqs, dropped = tokenize_records(tok, records, cfg.max_seq_len)
    micro = MicroBatches(seqs, cfg, tok.pad_token_id, rank, world)
    total_steps = max(1, math.ceil(cfg.epochs * micro.per_epoch) // cfg.grad_accum)
    warmup = math.ceil(cfg.warmup_ratio * total_steps)

    model = shard_model(load_model(base, cfg).to(device), cfg.use_gpu)
    optimizer = build_optimizer(model, cfg)
    runner = StepRunner(model, optimizer, cfg, device, world)
    if restored is not None:
        with restored.as_directory() as directory:
            _load(model, optimizer, directory)
    resumed_from = state["step"]
    state.setdefault("resumed_from", []).append(resumed_from)
    hold_after = config.get("hold_after_step")
    model.train()
    if rank == 0:
        print(
            f"[train] {len(seqs)} sequences ({dropped} over {cfg.max_seq_len} tokens dropped), "
            f"{micro.per_epoch} micro-batches per rank per epoch, {total_steps} steps, {runner.precision}, "
            f"{'resuming after step ' + str(resumed_from) if resumed_from else 'from the start'}",
            flush=True,
        )
    for step in range(resumed_from, total_steps):
        lr = lr_at(step, total_steps, warmup, cfg.lr)
        out = runner.step([micro[step * cfg.grad_accum + j] for j in range(cfg.grad_accum)], lr)
        done = step + 1
        state["history"].append({"step": done, "loss": out["loss"], "lr": lr, "grad_norm": out["grad_norm"], "seconds": out["seconds"]})
        state["real_tokens"] += out["real_tokens"]
        state["slot_tokens"] += out["slot_tokens"]
        state["train_seconds"] += out["seconds"]
        state["step"] = done
        if rank == 0 and (done % cfg.log_every_steps == 0 or done in (1, total_steps)):
            print(
                f"[train] step {done}/{total_steps} loss {out['loss']:.4f} lr {lr:.2e} "
                f"real tok/s {out['real_tokens'] / out['seconds']:.0f} (with padding {out['slot_tokens'] / out['seconds']:.0f})",
                flush=True,
            )
        if done % cfg.checkpoint_every_steps == 0 and done < total_steps:
            with tempfile.TemporaryDirectory() as tmp:
                _save(model, optimizer, state, tmp, write_state=rank == 0)
                ray.train.report(
                    {"step": done, "loss": out["loss"]}, checkpoint=ray.train.Checkpoint.from_directory(tmp),
                    checkpoint_dir_name=checkpoint_name(done),
                )
            if hold_after is not None and done >= hold_after:
                time.sleep(HOLD_SECONDS)  # fault injection: the driver is killed meanwhile
                hold_after = None

    state.update(finished=True, total_steps=total_steps, sequences=len(seqs), dropped_too_long=dropped,
                 world_size=world, micro_batches_per_epoch=micro.per_epoch, precision=runner.precision)
    with tempfile.TemporaryDirectory() as tmp:
        export_model(model, base, cfg, os.path.join(tmp, EXPORT_DIR), tok, is_writer=rank == 0)
        if rank == 0:
            Path(tmp, STATE_FILE).write_text(json.dumps(state))
        last = state["history"][-1]["loss"] if state["history"] else None
        ray.train.report(
            {"step": state["step"], "loss": last, "finished": True},
            checkpoint=ray.train.Checkpoint.from_directory(tmp) if rank == 0 else None,
            checkpoint_dir_name="final",
        )
