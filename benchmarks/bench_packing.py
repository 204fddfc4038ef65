"""Sequence packing vs plain padded batches: real (non-padding) training tokens per second.

    python benchmarks/bench_packing.py                    # SmolLM2-135M, LoRA, 48 bundled records
    python benchmarks/bench_packing.py --tiny             # the tiny random model: a quick run
    python benchmarks/bench_packing.py --records 256 --method full

Both runs train the same corpus records (ordinary records of the bundled training split), once
each, with the same step code the training core runs (`StepRunner`: FSDP2 in a one-process
gloo group, bf16 autocast where the CPU computes bf16 natively, LoRA or full) and the same memory budget per micro-batch
(`tokens_per_batch // max_seq_len` rows of at most `max_seq_len` tokens; gradient
checkpointing on by default, to keep memory low). So both see the same
real tokens; the padded run also computes on the padding. One untimed step per run first warms
up allocator and kernels. Prints real tokens/s of each and their ratio (goal: >= 1.5x).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time


def corpus_records(n: int) -> list[dict]:
    from ray_toolace.core.corpus import ordinary_records
    from ray_toolace.core.formats import read_jsonl
    from ray_toolace.stages.inputs import bundled_path

    return ordinary_records(read_jsonl(bundled_path("train")).samples[:n])


def run_mode(model_path: str, seqs, cfg, pad_id: int) -> dict:
    import torch

    from ray_toolace.train.step import StepRunner, build_optimizer
    from ray_toolace.train.model import load_model, shard_model
    from ray_toolace.train.packing import make_batches

    model = shard_model(load_model(model_path, cfg), bf16=False)
    model.train()
    runner = StepRunner(model, build_optimizer(model, cfg), cfg, torch.device("cpu"), world=1)
    batches = make_batches(seqs, cfg.packing, cfg.tokens_per_batch, cfg.max_seq_len, pad_id, cfg.seed)
    runner.step([batches[0]], cfg.lr)  # warm-up, not timed
    real = slots = 0
    t0 = time.perf_counter()
    for i, batch in enumerate(batches):
        out = runner.step([batch], cfg.lr)
        real += out["real_tokens"]
        slots += out["slot_tokens"]
        if (i + 1) % 10 == 0:
            print(f"  {'packed' if cfg.packing else 'padded'} {i + 1}/{len(batches)} loss {out['loss']:.3f}", flush=True)
    seconds = time.perf_counter() - t0
    return {"batches": len(batches), "real": real, "slots": slots, "seconds": seconds, "real_per_s": real / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="use a tiny random model (quick run)")
    parser.add_argument("--model", default="smollm2-135m", help="model name or folder (see resolve_model)")
    parser.add_argument("--records", type=int, default=48, help="bundled training records to train on")
    parser.add_argument("--method", choices=["lora", "full"], default="lora")
    # the train config's defaults (4 rows of 1024); with gradient checkpointing one process of
    # SmolLM2 stays within a few GB, while 2 x 2048 tokens in fp32 without it outgrew 24 GB
    parser.add_argument("--max-seq-len", type=int, default=1024)
    parser.add_argument("--tokens-per-batch", type=int, default=4096)
    parser.add_argument("--no-grad-checkpointing", dest="grad_checkpointing", action="store_false")
    parser.add_argument("--precision", choices=["bf16", "fp32"], default="bf16")
    args = parser.parse_args()

    import torch.distributed as dist

    from ray_toolace.config import TrainConfig
    from ray_toolace.train.tokenize import load_tokenizer, tokenize_records

    if args.tiny:
        from ray_toolace.model.tiny import build_tiny_model

        model_path = str(build_tiny_model(tempfile.mkdtemp(prefix="bench-tiny-")))
    else:
        from ray_toolace.model.resolve import resolve_model

        model_path = resolve_model(args.model)
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", "29517")
    dist.init_process_group("gloo", rank=0, world_size=1)

    tok = load_tokenizer(model_path)
    seqs, dropped = tokenize_records(tok, corpus_records(args.records), args.max_seq_len)
    lengths = sorted(len(s) for s in seqs)
    from ray_toolace.train.step import cpu_has_bf16

    precision = args.precision if args.precision == "fp32" or cpu_has_bf16() else "fp32 (no native bf16 on this CPU)"
    print(f"model {model_path} ({args.method}, {precision}); {len(seqs)} sequences, {dropped} over "
          f"{args.max_seq_len} dropped; tokens min/median/max {lengths[0]}/{lengths[len(lengths) // 2]}/{lengths[-1]}; "
          f"micro-batch {args.tokens_per_batch // args.max_seq_len} x {args.max_seq_len}", flush=True)
    results = {}
    for packing in (True, False):
        cfg = TrainConfig(method=args.method, packing=packing, max_seq_len=args.max_seq_len,
                          tokens_per_batch=args.tokens_per_batch, mixed_precision=args.precision, lr=1e-5,
                          grad_checkpointing=args.grad_checkpointing)
        results[packing] = run_mode(model_path, seqs, cfg, tok.pad_token_id)
    dist.destroy_process_group()

    print(f"\n{'mode':8} {'batches':>7} {'real tok':>9} {'computed':>9} {'padding':>8} {'seconds':>8} {'real tok/s':>10}")
    for packing, r in results.items():
        print(f"{'packed' if packing else 'padded':8} {r['batches']:>7} {r['real']:>9} {r['slots']:>9} "
              f"{1 - r['real'] / r['slots']:>8.1%} {r['seconds']:>8.1f} {r['real_per_s']:>10.1f}")
    assert results[True]["real"] == results[False]["real"], "both runs must see the same real tokens"
    print(f"packed / padded real tokens/s: {results[True]['real_per_s'] / results[False]['real_per_s']:.2f}x")


if __name__ == "__main__":
    main()
