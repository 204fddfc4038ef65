"""The training core on one GPU: tokens/s, MFU and peak memory of LoRA and full fine-tuning,
against a plain PyTorch + peft loop on the same batches in the same process.

    python benchmarks/gpu_train.py                                     # one GPU: ~1B random Llama
    python benchmarks/gpu_train.py --steps 30 --time-limit 420 --peak-tflops 989
    python benchmarks/gpu_train.py --device cpu --size tiny --steps 3  # the CPU smoke test

Needs only torch, transformers, peft and tokenizers (no Ray, no vLLM, no pydantic): it uses the
project's training core (`ray_toolace.train.core`), the tiny-model builder scaled up, and the
bundled training records, none of which import more. The model is a randomly initialised
Llama built offline from a config (`--size 1b`: 16 layers of width 2048, ~1.0 B parameters;
`tiny`: the test model). The core runs in a one-rank process group (NCCL on GPU, gloo on CPU)
with FSDP2, packed batches and bf16 (FSDP2's bf16 compute over fp32 master weights on GPU).

For each method the core first takes one untimed warm-up step, then up to `--steps` timed
steps; a checkpoint is saved, one step taken, the checkpoint loaded and that step taken again
(the two losses must agree). The plain loop then trains a fresh copy of the model (transformers
+ peft, bf16 autocast, AdamW, the loss from the model's own `labels=`) on the same micro-batches
with the same learning rates: the baseline. Printed per run: real (non-padding) tokens/s, MFU
= 6 * N * tokens/s over the GPU's bf16 dense peak (`--peak-tflops`, the H200's 989 by
default; N counts every parameter, the LoRA adapters aside), peak GPU memory (on CPU: the
process's peak RSS), first and last loss; then the ratio core / plain. Each figure is also a
`RESULT {json}` line. `--time-limit` bounds the whole run: the remaining time is shared between
the runs still to come, and a run stops early when its share is spent.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import resource
import socket
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the project need not be installed where this runs

# the tiny builder's arguments, scaled: 16 x (attention 10.5 M + MLP 50.3 M) + embeddings = 0.98 B
SIZES = {
    "tiny": {},
    "1b": {"hidden_size": 2048, "num_layers": 16, "num_heads": 16, "num_kv_heads": 4, "initializer_range": 0.02},
}
BUNDLED_TRAIN = ROOT / "ray_toolace" / "data" / "bundled" / "train.jsonl"


def train_config(args, method: str) -> SimpleNamespace:
    """Every TrainConfig field the core reads, with this benchmark's values."""
    return SimpleNamespace(
        use_gpu=args.device == "cuda", method=method, lora_r=16, lora_alpha=32,
        lora_dropout=0.0,  # no dropout: the core and the plain loop then compute the same losses
        lr=1e-4, weight_decay=0.0, max_grad_norm=1.0, seed=0,
        epochs=1000.0, warmup_ratio=0.0,  # a run far longer than the benchmark: the lr stays near its peak
        max_seq_len=args.max_seq_len, tokens_per_batch=args.tokens_per_batch, grad_accum=1, packing=True,
        grad_checkpointing=False, mixed_precision="bf16",
        checkpoint_every_steps=10**9, log_every_steps=10**9,  # checkpoints are taken by hand below
    )


def peak_memory_gib(device) -> float:
    import torch

    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**30
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux


def reset_memory(device) -> None:
    import torch

    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)


def figures(run: str, method: str, steps: list[dict], n_params: int, peak_tflops: float, device) -> dict:
    seconds = sum(s["seconds"] for s in steps) or float("nan")
    real = sum(s["real_tokens"] for s in steps)
    per_s = real / seconds
    return {
        "run": run, "method": method, "steps": len(steps), "tokens": real,
        "tokens_per_s": per_s, "padded_tokens_per_s": sum(s["slot_tokens"] for s in steps) / seconds,
        "mfu": 6 * n_params * per_s / (peak_tflops * 1e12),
        "peak_mem_gib": peak_memory_gib(device),
        "loss_first": steps[0]["loss"] if steps else None, "loss_last": steps[-1]["loss"] if steps else None,
        "losses": [s["loss"] for s in steps],
    }


def run_core(model_dir: str, records, cfg, device, steps: int, budget_s: float, work: str) -> tuple[dict, list, list]:
    """The core: (extra figures, per-step figures, the micro-batches and lrs of every step taken)."""
    from ray_toolace.train.core import Training

    t0 = time.perf_counter()
    training = Training(cfg, model_dir, records, device)
    setup_s = time.perf_counter() - t0
    training.run(steps=1)  # warm-up: allocator, kernels
    timed: list[dict] = []
    start = time.perf_counter()

    def record(done: int, out: dict) -> bool:
        timed.append(out)
        return time.perf_counter() - start > budget_s

    training.run(steps=steps, on_step=record)
    plan = [(training.micro[m], h["lr"]) for m, h in enumerate(training.state["history"])]  # grad_accum 1

    # checkpoint round trip: the step after a save, taken twice, once before and once after the load
    directory = os.path.join(work, f"ckpt-{cfg.method}")
    t1 = time.perf_counter()
    training.save(directory)
    save_s = time.perf_counter() - t1
    before = training.run(steps=1)["history"][-1]["loss"]
    t1 = time.perf_counter()
    training.resume(directory)
    load_s = time.perf_counter() - t1
    after = training.run(steps=1)["history"][-1]["loss"]
    extra = {"setup_s": setup_s, "precision": training.runner.precision, "checkpoint_save_s": save_s,
             "checkpoint_load_s": load_s, "resume_loss_diff": abs(after - before)}
    del training
    return extra, timed, plan


def run_plain(model_dir: str, cfg, device, plan: list, budget_s: float) -> list[dict]:
    """The baseline: transformers + peft and a textbook loop on the same micro-batches and lrs."""
    import torch
    from transformers import AutoModelForCausalLM

    from ray_toolace.train.step import precision

    torch.manual_seed(cfg.seed)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    model.config.use_cache = False
    if cfg.method == "lora":
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(model, LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                                                 target_modules="all-linear", task_type="CAUSAL_LM"))
    model.to(device).train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    bf16 = precision(cfg, device) == "bf16"
    steps = []
    start = None
    for i, (batch, lr) in enumerate(plan):
        if i == 1:
            start = time.perf_counter()  # step 0 is the warm-up, as in the core's run
        elif i > 1 and time.perf_counter() - start > budget_s:
            break
        t0 = time.perf_counter()
        for group in optimizer.param_groups:
            group["lr"] = lr
        ids, labels, pos = (torch.tensor(x, device=device) for x in (batch.input_ids, batch.labels, batch.position_ids))
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            loss = model(input_ids=ids, position_ids=pos, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, cfg.max_grad_norm)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        value = loss.item()  # waits for the GPU: the step's time is complete
        if i > 0:
            steps.append({"loss": value, "seconds": time.perf_counter() - t0,
                          "real_tokens": batch.real_tokens, "slot_tokens": batch.slots})
    del model, optimizer
    return steps


def emit(result: dict) -> None:
    print("RESULT " + json.dumps(result), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    parser.add_argument("--size", choices=sorted(SIZES), default="1b")
    parser.add_argument("--steps", type=int, default=20, help="timed steps per run (after one warm-up step)")
    parser.add_argument("--time-limit", type=float, default=480.0, help="seconds for the whole benchmark")
    parser.add_argument("--methods", default="lora,full", help="comma-separated: lora, full")
    parser.add_argument("--records", type=int, default=None, help="bundled training records (default: enough for the steps)")
    parser.add_argument("--max-seq-len", type=int, default=None, help="default 2048 on cuda, 1024 on cpu")
    parser.add_argument("--tokens-per-batch", type=int, default=None, help="packed tokens per step; default 16384 on cuda, 2048 on cpu")
    parser.add_argument("--peak-tflops", type=float, default=989.0, help="the device's bf16 dense peak (H200: 989)")
    args = parser.parse_args()
    gpu = args.device == "cuda"
    args.max_seq_len = args.max_seq_len or (2048 if gpu else 1024)
    args.tokens_per_batch = args.tokens_per_batch or (16384 if gpu else 2048)
    deadline = time.monotonic() + args.time_limit

    import torch
    import torch.distributed as dist
    from transformers.utils import logging as transformers_logging

    from ray_toolace.core.corpus import ordinary_records
    from ray_toolace.core.formats import read_jsonl
    from ray_toolace.model.tiny import build_tiny_model

    transformers_logging.disable_progress_bar()  # one bar per model load would bury the figures
    if gpu and not torch.cuda.is_available():
        sys.exit("--device cuda: no CUDA device here (use --device cpu for the smoke run)")
    device = torch.device("cuda", 0) if gpu else torch.device("cpu")
    if gpu:
        torch.cuda.set_device(device)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dist.init_process_group("nccl" if gpu else "gloo", init_method=f"tcp://127.0.0.1:{port}", rank=0, world_size=1)

    work = tempfile.mkdtemp(prefix="gpu-train-")
    t0 = time.perf_counter()
    model_dir = str(build_tiny_model(os.path.join(work, "model"), seed=0, **SIZES[args.size]))
    build_s = time.perf_counter() - t0
    from transformers import AutoConfig, AutoModelForCausalLM

    with torch.device("meta"):
        n_params = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(model_dir)).num_parameters()
    # ~4 records per 2048-token row; enough for every step without repeating an epoch
    n_records = args.records or max(32, math.ceil((args.steps + 3) * args.tokens_per_batch / 400))
    records = ordinary_records(read_jsonl(BUNDLED_TRAIN).samples[:n_records])
    print(f"model: {args.size}, {n_params / 1e9:.3f} B parameters, built in {build_s:.1f} s; {len(records)} records; "
          f"{args.tokens_per_batch} tokens per step in rows of {args.max_seq_len}; {device}; torch {torch.__version__}", flush=True)
    emit({"kind": "setup", "size": args.size, "params": n_params, "device": str(device), "build_s": build_s,
          "records": len(records), "tokens_per_batch": args.tokens_per_batch, "peak_tflops": args.peak_tflops,
          "gpu": torch.cuda.get_device_name(device) if gpu else None})

    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    runs_left = 2 * len(methods)
    table = []
    for method in methods:
        cfg = train_config(args, method)
        reset_memory(device)
        budget = max(0.0, (deadline - time.monotonic()) / runs_left * 0.7)  # setup and the checkpoint check take the rest
        extra, core_steps, plan = run_core(model_dir, records, cfg, device, args.steps, budget, work)
        core = dict(figures("core", method, core_steps, n_params, args.peak_tflops, device), **extra)
        emit(dict(kind="run", **core))
        runs_left -= 1
        reset_memory(device)
        budget = max(0.0, (deadline - time.monotonic()) / runs_left * 0.8)
        plain = figures("plain", method, run_plain(model_dir, cfg, device, plan, budget), n_params, args.peak_tflops, device)
        emit(dict(kind="run", **plain))
        runs_left -= 1
        n = min(core["steps"], plain["steps"])
        ratio = {"kind": "ratio", "method": method, "core_over_plain_tokens_per_s": core["tokens_per_s"] / plain["tokens_per_s"],
                 "max_loss_diff": max((abs(a - b) for a, b in zip(core["losses"][:n], plain["losses"][:n])), default=None)}
        emit(ratio)
        table.append((core, plain, ratio))
    dist.destroy_process_group()

    print(f"\n{'run':12} {'steps':>5} {'tok/s':>10} {'MFU':>7} {'peak GiB':>9} {'loss first->last':>18}")
    for core, plain, ratio in table:
        for r in (core, plain):
            print(f"{r['run'] + ' ' + r['method']:12} {r['steps']:>5} {r['tokens_per_s']:>10.0f} {r['mfu']:>7.2%} "
                  f"{r['peak_mem_gib']:>9.2f} {r['loss_first']:>8.4f} -> {r['loss_last']:.4f}")
        print(f"{'':12} core / plain tokens/s {ratio['core_over_plain_tokens_per_s']:.2f}x; "
              f"losses differ by at most {ratio['max_loss_diff']:.2e}; precision {core['precision']}; "
              f"checkpoint save {core['checkpoint_save_s']:.1f} s, load {core['checkpoint_load_s']:.1f} s, "
              f"resumed step's loss differs by {core['resume_loss_diff']:.2e}")


if __name__ == "__main__":
    main()
