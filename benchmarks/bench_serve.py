"""The Serve endpoint under load: adaptive vs fixed refinement cost, and throughput vs clients.

Starts its own local Ray cluster (loopback only), deploys the application, drives it over HTTP
with the OpenAI wire format, then removes everything it started:
  (a) refinement cost: the same BFCL sample answered with `refine_schedule: adaptive` and with
      `fixed` (always max_refinements refinements): mean model calls per request, the ratio
      adaptive/fixed, and accuracy of both (BFCL's AST rules, `ray_toolace.core.checker.check`),
      plus the first answers' accuracy (no refinement) from the trace;
  (b) throughput (requests/s, generated tokens/s) and p50/p99 latency at 1, 8 and 32 concurrent
      clients, the failed-request count, and throughput at 32 clients over 1 client.
Every phase is bounded by a request count and a time budget.

    python benchmarks/bench_serve.py --tiny                      # tiny random model, ~3-5 min
    python benchmarks/bench_serve.py --per-category 4 --requests 24 [--out bench.json]

With N_max refinements the fixed schedule costs 1 + N_max model calls per request; the adaptive
rule needs at least one refinement to see an answer repeat, so its floor is 2 calls: the ratio
can never fall below 2 / (1 + N_max) (50 % at the default N_max = 3).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import tempfile
import time
from typing import Any

import httpx

from ray_toolace.core.checker import check
from ray_toolace.core.formats.bfcl import read_category
from ray_toolace.core.render import from_openai_tool_calls

CATEGORIES = ("simple", "multiple", "parallel", "parallel_multiple", "irrelevance")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bfcl_sample(per_category: int) -> list[Any]:
    return [s for cat in CATEGORIES for s in read_category(cat, limit=per_category).samples]


def request_body(sample: Any, model: str, max_tokens: int, **extra: Any) -> dict[str, Any]:
    return {
        "model": model,
        "messages": sample.messages,
        "tools": [{"type": "function", "function": t} for t in sample.tools],
        "temperature": 0.0,
        "max_tokens": max_tokens,
        **extra,
    }


async def drive(url: str, bodies: list[dict[str, Any]], clients: int, budget_s: float) -> dict[str, Any]:
    """`clients` workers take bodies in turn until all are sent or the budget is spent."""
    queue: asyncio.Queue = asyncio.Queue()
    for i, body in enumerate(bodies):
        queue.put_nowait((i, body))
    results: dict[int, dict[str, Any]] = {}
    latencies: list[float] = []
    failures: list[str] = []
    start = time.perf_counter()

    async def client(http: httpx.AsyncClient) -> None:
        while not queue.empty() and time.perf_counter() - start < budget_s:
            i, body = queue.get_nowait()
            sent = time.perf_counter()
            try:
                r = await http.post(f"{url}/v1/chat/completions", json=body)
            except httpx.HTTPError as e:
                failures.append(type(e).__name__)
                continue
            if r.status_code != 200:
                failures.append(f"HTTP {r.status_code}: {r.text[:200]}")
                continue
            latencies.append(time.perf_counter() - sent)
            results[i] = r.json()

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=600, limits=limits) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    wall = time.perf_counter() - start
    tokens = sum(r["usage"]["completion_tokens"] for r in results.values())
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else float("nan")

    return {
        "clients": clients, "sent": len(results) + len(failures), "ok": len(results), "failed": len(failures),
        "failures": failures[:5], "wall_s": wall, "req_per_s": len(results) / wall, "gen_tok_per_s": tokens / wall,
        "p50_s": pct(0.50), "p99_s": pct(0.99), "mean_s": statistics.fmean(latencies) if latencies else float("nan"),
        "results": results,
    }


def score(samples: list[Any], results: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """Accuracy of the final and of the first answers, and model calls, over answered samples."""
    final = first = 0
    calls = []
    for i, body in results.items():
        s = samples[i]
        message, trace = body["choices"][0]["message"], body["refinement"]
        final_calls = from_openai_tool_calls(message.get("tool_calls") or [])
        first_calls = from_openai_tool_calls([{"function": {"name": c["name"], "arguments": c["arguments"]}}
                                              for c in trace["steps"][0]["calls"]])
        final += check(s.tools, final_calls, s.ground_truth, s.category).valid
        first += check(s.tools, first_calls, s.ground_truth, s.category).valid
        calls.append(trace["model_calls"])
    n = max(len(results), 1)
    return {"answered": len(results), "accuracy": final / n, "first_answer_accuracy": first / n,
            "mean_model_calls": statistics.fmean(calls) if calls else float("nan")}


def schedule_line(name: str, a: dict[str, Any]) -> str:
    return (f"    {name:<10} {a['answered']:>8}  {a['failed']:>6}  {a['mean_model_calls']:>10.2f}  "
            f"{a['accuracy']:>8.3f}  {a['first_answer_accuracy']:>16.3f}")


def load_line(p: dict[str, Any]) -> str:
    line = (f"    {p['clients']:>7} {p['sent']:>5} {p['ok']:>3} {p['failed']:>7} {p['req_per_s']:>6.2f} "
            f"{p['gen_tok_per_s']:>10.1f} {p['p50_s']:>6.2f} {p['p99_s']:>7.2f} {p['wall_s']:>7.1f}")
    return line + (f"\n        failures: {p['failures']}" if p["failures"] else "")


SCHEDULE_HEAD = "(a) schedule   answered  failed  mean calls  accuracy  first-answer acc"
LOAD_HEAD = "(b) clients  sent  ok  failed  req/s   gen tok/s  p50 s   p99 s   wall s"


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Deploy, run both parts (printing each result as it comes), tear everything down."""
    import ray

    from ray_toolace.config import load_config
    from ray_toolace.serve.app import model_ids
    from ray_toolace.serve.deploy import deploy

    scratch = tempfile.mkdtemp(prefix="bench-serve-", dir="/tmp")  # short: Ray's socket paths live here
    overrides = [f"serve.port={free_port()}", f"refine.max_refinements={args.max_refinements}",
                 f"engine.cpu_kvcache_gb={args.kvcache_gb}", "serve.max_ongoing_requests=64", "serve.request_timeout_s=900"]
    if args.tiny:
        from ray_toolace.model.tiny import build_tiny_model

        tiny = build_tiny_model(os.path.join(scratch, "tiny"))
        overrides += [f"model.name_or_path={tiny}", "model.max_model_len=2048"]
    else:
        overrides += [f"model.name_or_path={args.model}"]
    cfg = load_config(None, overrides)
    samples = bfcl_sample(args.per_category)
    model = model_ids(cfg)[0]

    # a new cluster of its own ("local"), never one another program started on this machine
    ray.init(address="local", num_cpus=args.num_cpus, include_dashboard=False, logging_level="ERROR",
             _temp_dir=os.path.join(scratch, "ray"))
    try:
        start = time.perf_counter()
        url = deploy(cfg)
        out: dict[str, Any] = {"model": model, "deploy_s": time.perf_counter() - start, "samples": len(samples),
                               "max_refinements": args.max_refinements, "max_tokens": args.max_tokens}
        print(f"deployed {model} in {out['deploy_s']:.0f} s\n{SCHEDULE_HEAD}", flush=True)
        # (a) the same requests under both schedules
        for schedule in ("adaptive", "fixed"):
            bodies = [request_body(s, model, args.max_tokens, refine_schedule=schedule) for s in samples]
            phase = asyncio.run(drive(url, bodies, args.refine_clients, args.budget_s))
            out[schedule] = {**score(samples, phase["results"]), "failed": phase["failed"], "wall_s": phase["wall_s"]}
            print(schedule_line(schedule, out[schedule]), flush=True)
        out["calls_ratio_adaptive_to_fixed"] = out["adaptive"]["mean_model_calls"] / out["fixed"]["mean_model_calls"]
        # (b) load: the sample cycled to --requests bodies, default (adaptive) refinement
        bodies = [request_body(samples[i % len(samples)], model, args.max_tokens) for i in range(args.requests)]
        out["load"] = []
        print(LOAD_HEAD, flush=True)
        for clients in args.clients:
            phase = asyncio.run(drive(url, bodies, clients, args.budget_s))
            phase.pop("results")
            out["load"].append(phase)
            print(load_line(phase), flush=True)
        by = {p["clients"]: p for p in out["load"]}
        if 1 in by and max(by) > 1:
            out["throughput_ratio"] = by[max(by)]["req_per_s"] / by[1]["req_per_s"]
        return out
    finally:
        from ray import serve

        serve.shutdown()
        ray.shutdown()
        shutil.rmtree(scratch, ignore_errors=True)


def report(out: dict[str, Any]) -> str:
    lines = [f"model {out['model']}  deploy {out['deploy_s']:.0f} s  BFCL sample {out['samples']}  "
             f"N_max {out['max_refinements']}  max_tokens {out['max_tokens']}", SCHEDULE_HEAD]
    lines += [schedule_line(name, out[name]) for name in ("adaptive", "fixed")]
    floor = 2 / (1 + out["max_refinements"]) if out["max_refinements"] else 1.0
    lines.append(f"    adaptive/fixed model calls = {out['calls_ratio_adaptive_to_fixed']:.3f} (floor {floor:.3f})")
    lines += [LOAD_HEAD] + [load_line(p) for p in out["load"]]
    if "throughput_ratio" in out:
        most = max(p["clients"] for p in out["load"])
        lines.append(f"    throughput {most} clients / 1 client = {out['throughput_ratio']:.2f}x")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="a tiny random model: a quick check of the machinery")
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--per-category", type=int, default=None, help="BFCL samples per category (5 categories)")
    parser.add_argument("--requests", type=int, default=None, help="requests per load level")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--refine-clients", type=int, default=8, help="concurrency of phase (a)")
    parser.add_argument("--max-refinements", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=None)
    parser.add_argument("--budget-s", type=float, default=600, help="time budget of each phase")
    parser.add_argument("--num-cpus", type=int, default=2)
    parser.add_argument("--kvcache-gb", type=int, default=2)
    parser.add_argument("--out", default=None, help="write the figures as JSON here")
    args = parser.parse_args()
    # smaller defaults for the tiny model, whose answers are random and short
    args.per_category = args.per_category or (4 if args.tiny else 6)
    args.requests = args.requests or (64 if args.tiny else 48)
    args.max_tokens = args.max_tokens or (16 if args.tiny else 128)
    for key, value in (("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0"), ("RAY_USAGE_STATS_ENABLED", "0"),
                       ("VLLM_CPU_NUM_OF_RESERVED_CPU", "0"), ("TOKENIZERS_PARALLELISM", "false")):
        os.environ.setdefault(key, value)  # loopback-only Ray; both cores to the model
    out = run(args)
    print("\n" + report(out))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
