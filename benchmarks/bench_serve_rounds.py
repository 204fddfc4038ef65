"""Serving a run's rounds by name on CPU: what adding a round costs, and what choosing one costs.

Runs serve/engine.py's `ServedEngines` (what each engine replica of a `serve.rounds_from`
deployment runs) in this process, without Ray, on a run directory of its own with two rounds
whose LoRA adapters have random non-zero weights (r=16 on every linear layer, as training makes
them), and measures:
  (a) adding a merged round (the CPU default): the merge (first time; an iterate run's
      evaluation on CPU has usually written it already), then the round's engine start with the
      merge cached, each with the peak and the steady extra resident memory of this process
      and its children (vLLM's engine process);
  (b) the per-request cost of choosing a model: the same greedy request answered by the base
      and by a merged round, alternating (medians of `--requests` each), and the ingress's own
      part (listing the run directory, picking the model), which is pure Python;
  (c) the alternative: one engine applying the round's adapter per request with LoRARequest
      (`engine.merge_lora=false`, the GPU path), base vs each round on the same engine.

    python benchmarks/bench_serve_rounds.py                 # SmolLM2-135M, ~6-10 min on 2 cores
    python benchmarks/bench_serve_rounds.py --tiny          # the tiny random model, ~3 min
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

import psutil

ASK = [{"role": "user", "content": "What is the weather in Paris? Answer in one sentence."}]


def tree_rss() -> int:
    """Resident bytes of this process and all its children (vLLM's engine cores among them)."""
    me = psutil.Process()
    total = 0
    for p in [me, *me.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


class PeakRss:
    """Samples tree_rss every 50 ms while in the block."""

    def __enter__(self):
        self.start = self.peak = tree_rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, tree_rss())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.end = tree_rss()
        self.peak = max(self.peak, self.end)


def make_run(run_dir: Path, base: str, rounds: int, seed: int) -> None:
    """`rounds` finished rounds in iterate's layout, each a random LoRA adapter of `base`."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    for t in range(rounds):
        model = AutoModelForCausalLM.from_pretrained(base)
        peft_model = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, target_modules="all-linear", task_type="CAUSAL_LM"))
        torch.manual_seed(seed + t)
        with torch.no_grad():
            for name, p in peft_model.named_parameters():
                if "lora_B" in name:
                    p.normal_(0, 0.02)  # peft starts B at zero: the adapter would change nothing
        out = run_dir / f"round-{t}" / "train"
        peft_model.save_pretrained(out / "model")
        (out / "round.json").write_text(json.dumps({"round": t, "method": "lora", "model_dir": str(out / "model")}))


async def latencies(engines, model, n: int, max_tokens: int) -> tuple[list[float], str]:
    times, text = [], ""
    for _ in range(n):
        start = time.perf_counter()
        out = await engines.generate(ASK, 0.0, max_tokens, 1.0, False, model)
        times.append(time.perf_counter() - start)
        text = out.texts[0]
    return times, text


async def alternate(engines, models, n: int, max_tokens: int) -> dict[str, tuple[list[float], str]]:
    for m in models:  # warm each (first-use costs are measured elsewhere)
        await engines.generate(ASK, 0.0, max_tokens, 1.0, False, m)
    results = {m.id: ([], "") for m in models}
    for _ in range(n):
        for m in models:
            times, text = await latencies(engines, m, 1, max_tokens)
            results[m.id] = (results[m.id][0] + times, text)
    return results


def med(xs: list[float]) -> float:
    return statistics.median(xs)


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiny", action="store_true", help="the tiny random model instead of SmolLM2-135M")
    ap.add_argument("--requests", type=int, default=12, help="requests per model in (b) and (c)")
    ap.add_argument("--max-tokens", type=int, default=32)
    ap.add_argument("--out", help="write the figures as JSON here")
    args = ap.parse_args()
    os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
    os.environ.setdefault("VLLM_ENGINE_READY_TIMEOUT_S", "1800")  # a busy machine can outlast the 600 s default

    from ray_toolace.config import load_config
    from ray_toolace.model.resolve import resolve_model
    from ray_toolace.serve.catalog import choose
    from ray_toolace.serve.engine import ServedEngines
    from ray_toolace.serve.rounds import list_served

    work = Path(tempfile.mkdtemp(prefix="bench-rounds-"))
    if args.tiny:
        from ray_toolace.model import build_tiny_model

        base = str(build_tiny_model(work / "tiny", seed=0))
    else:
        base = resolve_model("smollm2-135m")
    run_dir = work / "run"
    make_run(run_dir, base, 2, seed=1)
    overrides = [f"model.name_or_path={base}", f"serve.rounds_from={run_dir}", "engine.use_gpu=false",
                 "engine.cpu_kvcache_gb=1", "model.max_model_len=2048", "serve.max_loaded_models=2"]
    figures: dict[str, object] = {"model": "tiny" if args.tiny else "SmolLM2-135M-Instruct", "cores": os.cpu_count()}

    # (a) adding a merged round
    cfg = load_config(None, overrides)
    t0 = time.perf_counter()
    with PeakRss() as mem_base:
        engines = ServedEngines(cfg, base, use_gpu=False)
    figures["base_engine_start_s"] = time.perf_counter() - t0
    figures["base_engine_rss_mib"] = (mem_base.end - mem_base.start) / 2**20
    models = list_served(Path(base).name, str(run_dir)).models
    base_m, r0, r1 = models.values()
    # the merge alone (first time), then adding the round with its merge cached: the usual case,
    # since an iterate run's evaluation on CPU has merged every round already
    with PeakRss() as mem_merge:
        t0 = time.perf_counter()
        folder = await asyncio.to_thread(engines._whole_model_folder, r0)
        figures["merge_s"] = time.perf_counter() - t0
    figures["merge_peak_extra_rss_mib"] = (mem_merge.peak - mem_merge.start) / 2**20
    figures["merged_folder_mib"] = sum(f.stat().st_size for f in Path(folder).rglob("*") if f.is_file()) / 2**20
    t0 = time.perf_counter()
    with PeakRss() as mem:
        await engines.generate(ASK, 0.0, 1, 1.0, False, r0)  # loads (merge cached), then one token
    figures["add_round"] = {"add_s": time.perf_counter() - t0, "peak_extra_rss_mib": (mem.peak - mem.start) / 2**20,
                            "steady_extra_rss_mib": (mem.end - mem.start) / 2**20}
    print(f"(a) merge {figures['merge_s']:.1f} s, add {r0.id}: {figures['add_round']}", flush=True)

    # (b) choosing a model, per request
    lat = await alternate(engines, [base_m, r0], args.requests, args.max_tokens)
    figures["merged"] = {k: {"median_s": med(v[0]), "p90_s": sorted(v[0])[int(0.9 * (len(v[0]) - 1))], "text": v[1]}
                         for k, v in lat.items()}
    t0 = time.perf_counter()
    for _ in range(100):
        listed = list_served(Path(base).name, str(run_dir)).models
    figures["ingress_list_ms"] = (time.perf_counter() - t0) * 10
    t0 = time.perf_counter()
    for _ in range(100_000):
        choose(listed, r1.id)
    figures["ingress_choose_us"] = (time.perf_counter() - t0) * 10
    print(f"(b) merged: {json.dumps(figures['merged'], indent=1)}", flush=True)
    engines.shutdown()
    del engines

    # (c) the adapter applied per request on one engine, for comparison
    lcfg = load_config(None, overrides + ["engine.merge_lora=false", "engine.max_lora_rank=16"])
    t0 = time.perf_counter()
    lora = ServedEngines(lcfg, base, use_gpu=False)
    figures["lora_engine_start_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    await lora.generate(ASK, 0.0, 1, 1.0, False, r0)
    figures["lora_first_use_s"] = time.perf_counter() - t0
    lat = await alternate(lora, [base_m, r0, r1], args.requests, args.max_tokens)
    figures["lora"] = {k: {"median_s": med(v[0]), "text": v[1]} for k, v in lat.items()}
    print(f"(c) lora: {json.dumps(figures['lora'], indent=1)}", flush=True)
    lora.shutdown()

    m, lo = figures["merged"], figures["lora"]
    print("\n=== serving rounds by name, CPU ===")
    print(f"model {figures['model']}, {figures['cores']} cores; base engine start {figures['base_engine_start_s']:.1f} s")
    a = figures["add_round"]
    print(f"merge a round's adapter (first time): {figures['merge_s']:.1f} s, peak +{figures['merge_peak_extra_rss_mib']:.0f} MiB "
          f"RSS, merged folder {figures['merged_folder_mib']:.0f} MiB")
    print(f"add a merged round (merge cached): {a['add_s']:.1f} s, peak +{a['peak_extra_rss_mib']:.0f} MiB, "
          f"steady +{a['steady_extra_rss_mib']:.0f} MiB RSS (base engine alone: {figures['base_engine_rss_mib']:.0f} MiB)")
    b, x = m[base_m.id]["median_s"], m[r0.id]["median_s"]
    print(f"per request ({args.max_tokens} tokens, median of {args.requests}): base {b:.3f} s, merged round {x:.3f} s "
          f"({x / b:.2f}x); ingress list {figures['ingress_list_ms']:.2f} ms, choose {figures['ingress_choose_us']:.2f} us")
    lb, lx = lo[base_m.id]["median_s"], lo[r0.id]["median_s"]
    print(f"LoRARequest on one engine: base {lb:.3f} s, adapter {lx:.3f} s ({lx / lb:.2f}x); first use of an adapter "
          f"{figures['lora_first_use_s']:.2f} s; LoRA-enabled engine start {figures['lora_engine_start_s']:.1f} s")
    print(f"answers: LoRA round-0 vs round-1 differ {lo[r0.id]['text'] != lo[r1.id]['text']}, "
          f"merged round-0 == LoRA round-0 {m[r0.id]['text'] == lo[r0.id]['text']}, "
          f"merged round-0 != base {m[r0.id]['text'] != m[base_m.id]['text']}")
    if args.out:
        Path(args.out).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
