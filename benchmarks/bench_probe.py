"""Probing throughput: the Ray Data + vLLM probe job against a sequential Hugging Face loop.

    python benchmarks/bench_probe.py [--samples 200] [--k 4] [--baseline-samples 12] [--compiled]

Both answer the same samples of the bundled training set with the same prompts, k sampled
answers each, on the default model. The job is timed end to end (Ray start, reading, engine
start, generation, writing) and its generation alone; the baseline is `model.generate` one
prompt at a time (k sequences per call), timed over the first `--baseline-samples` of the same
samples because at its speed all of them would take over an hour: the figure compared is generated
tokens per second. Peak memory is the machine's used memory above what it was at the start.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time

import psutil


class PeakMemory:
    """Samples the machine's used memory in the background; `.peak_gb` above the start level."""

    def __init__(self, interval: float = 0.5):
        self.start = psutil.virtual_memory().used
        self.peak = self.start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)
        self._thread.start()

    def _run(self, interval: float) -> None:
        while not self._stop.wait(interval):
            self.peak = max(self.peak, psutil.virtual_memory().used)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return (self.peak - self.start) / 2**30


def run_job(args, run_dir: str) -> dict:
    import ray

    from ray_toolace.config import load_config
    from ray_toolace.stages.probe import run_probe

    cfg = load_config(
        None,
        [
            f"run_dir={run_dir}", f"model.name_or_path={args.model}", "data.train=[bundled:train]",
            f"data.limit={args.samples}", f"sampling.k={args.k}", "sampling.temperature=0.7",
            f"sampling.max_tokens={args.max_tokens}", "probe.shard_size=64", "engine.batch_size=64",
            *(["engine.enforce_eager=false"] if args.compiled else []),
        ],
    )
    mem = PeakMemory()
    t0 = time.perf_counter()
    ray.init(logging_level="WARNING")
    ray_start = time.perf_counter() - t0
    summary = run_probe(cfg)
    wall = time.perf_counter() - t0
    ray.shutdown()
    return {"summary": summary, "wall_seconds": wall, "ray_start_seconds": ray_start, "peak_mem_gb": mem.stop()}


def run_baseline(args) -> dict:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from ray_toolace.core.formats import read_jsonl
    from ray_toolace.core.prompts import chat_messages
    from ray_toolace.model.resolve import resolve_model
    from ray_toolace.stages.inputs import bundled_path

    # the same first samples the job read, in the same order, read without Ray (no cluster here)
    samples = read_jsonl(bundled_path("train")).samples[: args.baseline_samples]
    mem = PeakMemory()  # model load included, as the job's figure includes its engine
    t_load = time.perf_counter()
    path = resolve_model(args.model)
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
    load_seconds = time.perf_counter() - t_load
    torch.manual_seed(0)
    tokens, t0 = 0, time.perf_counter()
    for s in samples:
        ids = tok.apply_chat_template(chat_messages(s.tools, s.messages), add_generation_prompt=True, return_tensors="pt", return_dict=True)
        with torch.no_grad():
            out = model.generate(
                **ids, do_sample=True, temperature=0.7, max_new_tokens=args.max_tokens,
                num_return_sequences=args.k, pad_token_id=tok.eos_token_id,
            )
        # count each answer up to and including its EOS (as vLLM does), not the padding after it
        for row in out[:, ids["input_ids"].shape[1]:].tolist():
            tokens += row.index(tok.eos_token_id) + 1 if tok.eos_token_id in row else len(row)
    seconds = time.perf_counter() - t0
    return {"samples": len(samples), "tokens": tokens, "seconds": seconds, "load_seconds": load_seconds, "tokens_per_second": tokens / seconds, "peak_mem_gb": mem.stop()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--k", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=192)
    parser.add_argument("--baseline-samples", type=int, default=12)
    parser.add_argument("--compiled", action="store_true", help="compile the engine (torch.compile), as on GPUs; CPU engines run eager by default")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as run_dir:
        job = run_job(args, run_dir)
    s, t = job["summary"], job["summary"]["throughput"]
    end_to_end = s["completion_tokens"] / job["wall_seconds"]
    base = run_baseline(args)
    result = {
        "samples": s["answered"], "k": args.k,
        "job_generated_tokens": s["completion_tokens"],
        "job_wall_seconds": round(job["wall_seconds"], 1),
        "job_ray_start_seconds": round(job["ray_start_seconds"], 1),
        "job_engine_start_seconds": round(t["engine_start_seconds"], 1),
        "job_generation_tokens_per_second": round(t["generated_tokens_per_second"], 1),
        "job_end_to_end_tokens_per_second": round(end_to_end, 1),
        "job_peak_mem_gb": round(job["peak_mem_gb"], 2),
        "baseline_samples": base["samples"],
        "baseline_load_seconds": round(base["load_seconds"], 1),
        "baseline_tokens_per_second": round(base["tokens_per_second"], 1),
        "baseline_peak_mem_gb": round(base["peak_mem_gb"], 2),
        "ratio_generation": round(t["generated_tokens_per_second"] / base["tokens_per_second"], 2),
        "ratio_end_to_end": round(end_to_end / base["tokens_per_second"], 2),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
