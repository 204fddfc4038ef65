"""One optimizer step and the plan of steps: learning rate, micro-batch order, precision.

    runner = StepRunner(model, build_optimizer(model, cfg), cfg, device, world)
    out = runner.step([micro[m] for m in range(cfg.grad_accum)], lr_at(0, total, warmup, cfg.lr))

Torch only (no Ray): the training core (`core.py`) and the packing benchmark run these, in any
initialised torch.distributed process group, with an FSDP2-sharded model.
"""

from __future__ import annotations

import math
import time

from ray_toolace.train.model import TargetOnlyHead
from ray_toolace.train.packing import Batch, make_batches, shard
from ray_toolace.train.tokenize import IGNORE


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


def cpu_has_bf16() -> bool:
    """Whether this CPU computes bf16 natively (AVX512-BF16 or AMX)."""
    import torch

    checks = (getattr(torch.cpu, "_is_avx512_bf16_supported", None), getattr(torch.cpu, "_is_amx_tile_supported", None))
    return any(bool(check()) for check in checks if check is not None)


def precision(cfg, device) -> str:
    """How a step computes: "bf16" (FSDP's bf16 policy on GPU, autocast on a CPU with bf16
    instructions) or "fp32". Emulated bf16 ran ~20x slower than fp32 on an AVX2-only CPU, so
    bf16 asked for there falls back to fp32."""
    if cfg.mixed_precision != "bf16":
        return "fp32"
    return "bf16" if device.type != "cpu" or cpu_has_bf16() else "fp32"


def batch_tensors(batch: Batch, device):
    """(input ids, position ids, targets): position i is trained to predict token i+1, so the
    targets are the labels shifted left by one."""
    import torch

    ids = torch.tensor(batch.input_ids, device=device)
    labels = torch.tensor(batch.labels, device=device)
    pos = torch.tensor(batch.position_ids, device=device)
    shifted = torch.cat([labels[:, 1:], torch.full_like(labels[:, :1], IGNORE)], dim=1)
    return ids, pos, shifted


def build_optimizer(model, cfg):
    import torch

    params = [p for p in model.parameters() if p.requires_grad]
    return torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)


class StepRunner:
    """One optimizer step over a few micro-batches: forward, token-weighted backward, clip, AdamW.

    Runs under torch.distributed (any world size, FSDP2-sharded model)."""

    def __init__(self, model, optimizer, cfg, device, world: int):
        import torch

        self.model, self.optimizer, self.cfg, self.device, self.world = model, optimizer, cfg, device, world
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.head = TargetOnlyHead(model)
        self.precision = precision(cfg, device)
        # on GPU the FSDP mixed-precision policy computes in bf16 (see shard_model); on CPU autocast does
        cpu_bf16 = device.type == "cpu" and self.precision == "bf16"
        self.autocast = torch.autocast("cpu", dtype=torch.bfloat16, enabled=cpu_bf16)

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
            ids, pos, targets = batch_tensors(batch, self.device)
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
