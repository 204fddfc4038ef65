"""The endpoint under overload and hostile input: bounded load at 1x, 2x and 4x its configured
capacity, on loopback, with the tiny random model.

Starts its own local Ray cluster, deploys the application with a small capacity (`--running`
requests admitted at once, `--queued` more waiting; past that 503 + Retry-After), then, per load
level, runs `level x running` closed-loop clients for `--seconds`. Each client sends requests
back to back (honouring Retry-After, capped at 1 s); a share `--hostile` of them are odd or
hostile bodies (NaN, a 5,000-digit integer, arguments nested 5,000 deep, a 2 MB body, a draft
whose values JSON cannot carry, a refinement count above the ceiling), which must get their 4xx
(or a 200 for the draft), never a 5xx. Every request carries the server's deadline; a request
counts as answered in time when its answer came within the deadline plus 1 s of transport.

Per level it prints the share answered 200, refused 503 and failed (any other status, or no
answer), the hostile requests' outcome, p50/p99 latency of the 200s and of the 503s, and the
slowest answer against the deadline. Everything it started is removed at the end.

    python benchmarks/bench_load.py                       # ~4-6 min on 2 cores
    python benchmarks/bench_load.py --seconds 20 --levels 1 2 4 --out load.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import tempfile
import time
from typing import Any

import httpx

WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
ASK = [{"role": "user", "content": "What is the weather in Paris?"}]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ordinary(max_tokens: int) -> bytes:
    # the fixed schedule: every request costs 1 + 2 model calls, so capacity is reached quickly
    return json.dumps({"messages": ASK, "tools": [WEATHER], "max_tokens": max_tokens, "max_refinements": 2,
                       "refine_schedule": "fixed"}).encode()


def hostile_bodies() -> list[tuple[str, bytes, set[int]]]:
    """(name, body, the statuses that are right for it)."""
    head = b'{"messages": [{"role": "user", "content": "hi"}], '
    deep_args = json.dumps({"messages": ASK + [{"role": "assistant", "tool_calls": [{"type": "function", "function": {
        "name": "get_weather", "arguments": "[" * 5000 + "]" * 5000}}]}]}).encode()
    draft = json.dumps({"messages": ASK, "tools": [WEATHER], "max_tokens": 4, "max_refinements": 0,
                        "previous_answer": '[get_weather(city=b"Paris", x={(1, 2): 3}, y=1j)]'}).encode()
    return [
        ("nan", head + b'"temperature": NaN}', {400}),
        ("huge_int", head + b'"max_tokens": ' + b"9" * 5000 + b"}", {400}),
        ("arguments_5000_deep", deep_args, {400}),
        ("body_2mb", head + b'"pad": "' + b"x" * 2_000_000 + b'"}', {413}),
        ("unsendable_draft", draft, {200}),
        ("refinement_ceiling", head + b'"max_refinements": 8}', {400}),
    ]


async def client(http: httpx.AsyncClient, url: str, key: str | None, end: float, body: bytes, hostile: float,
                 rng: random.Random, records: list[dict[str, Any]]) -> None:
    odd = hostile_bodies()
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {key}"} if key else {})}
    while time.monotonic() < end:
        name, payload, want = ("ordinary", body, {200, 503})
        if rng.random() < hostile:
            name, payload, want = rng.choice(odd)
            want = want | {503}  # a hostile request may be refused for load first
        sent = time.monotonic()
        record: dict[str, Any] = {"kind": name}
        try:
            r = await http.post(f"{url}/v1/chat/completions", content=payload, headers=headers)
            record.update(status=r.status_code, retry_after=r.headers.get("retry-after"))
        except httpx.HTTPError as e:
            record.update(status=None, error=type(e).__name__)
        record["seconds"] = time.monotonic() - sent
        record["expected"] = record["status"] in want
        records.append(record)
        if record["status"] == 503:
            await asyncio.sleep(min(float(record.get("retry_after") or 1), 1.0))


def pct(values: list[float], q: float) -> float | None:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else None


def summarise(level: int, clients: int, records: list[dict[str, Any]], deadline_s: float, wall: float) -> dict[str, Any]:
    ordinary_r = [r for r in records if r["kind"] == "ordinary"]
    hostile_r = [r for r in records if r["kind"] != "ordinary"]
    n = len(ordinary_r) or 1
    ok = [r["seconds"] for r in ordinary_r if r["status"] == 200]
    refused = [r["seconds"] for r in ordinary_r if r["status"] == 503]
    failed = [r for r in ordinary_r if r["status"] not in (200, 503)]
    return {
        "level": level, "clients": clients, "sent": len(records), "wall_s": wall,
        "ordinary": len(ordinary_r), "ok_share": len(ok) / n, "refused_share": len(refused) / n, "failed_share": len(failed) / n,
        "answered_per_s": len(ok) / wall,
        "ok_p50_s": pct(ok, 0.5), "ok_p99_s": pct(ok, 0.99), "refused_p50_s": pct(refused, 0.5), "refused_p99_s": pct(refused, 0.99),
        "hostile": len(hostile_r), "hostile_expected": sum(r["expected"] for r in hostile_r),
        "hostile_5xx_other_than_503": sum(1 for r in hostile_r if r["status"] and r["status"] >= 500 and r["status"] != 503),
        "slowest_s": max((r["seconds"] for r in records), default=0.0),
        "all_within_deadline": all(r["status"] is not None and r["seconds"] <= deadline_s + 1 for r in records),
        "retry_after_on_every_503": all(r.get("retry_after") for r in records if r["status"] == 503),
        "failures": [r.get("error") or r["status"] for r in failed][:5],
    }


async def drive(url: str, key: str | None, clients: int, seconds: float, body: bytes, hostile: float, seed: int,
                deadline_s: float) -> tuple[list[dict[str, Any]], float]:
    records: list[dict[str, Any]] = []
    limits = httpx.Limits(max_connections=clients + 4, max_keepalive_connections=clients + 4)
    start = time.monotonic()
    async with httpx.AsyncClient(timeout=deadline_s + 30, limits=limits) as http:
        end = start + seconds
        await asyncio.gather(*(client(http, url, key, end, body, hostile, random.Random(seed * 1000 + i), records)
                               for i in range(clients)))
    return records, time.monotonic() - start


def run(args: argparse.Namespace) -> dict[str, Any]:
    import ray

    from ray_toolace.config import load_config
    from ray_toolace.model.tiny import build_tiny_model
    from ray_toolace.serve.deploy import deploy

    scratch = tempfile.mkdtemp(prefix="bench-load-", dir="/tmp")  # short: Ray's socket paths live here
    tiny = build_tiny_model(os.path.join(scratch, "tiny"))
    cfg = load_config(None, [
        f"model.name_or_path={tiny}", "model.max_model_len=1024", f"engine.cpu_kvcache_gb={args.kvcache_gb}",
        "engine.enforce_eager=true", f"serve.port={free_port()}", f"serve.request_timeout_s={args.deadline_s}",
        f"serve.max_ongoing_requests={args.running}", f"serve.max_queued_requests={args.queued}", "serve.retry_after_s=1",
        "serve.max_body_bytes=1000000", "sampling.max_tokens=16",
    ])
    ray.init(address="local", num_cpus=args.num_cpus, include_dashboard=False, logging_level="ERROR",
             _temp_dir=os.path.join(scratch, "ray"))
    try:
        start = time.perf_counter()
        url = deploy(cfg)
        out: dict[str, Any] = {"deploy_s": time.perf_counter() - start, "running": args.running, "queued": args.queued,
                               "deadline_s": args.deadline_s, "seconds_per_level": args.seconds, "hostile_share": args.hostile,
                               "levels": []}
        print(f"deployed in {out['deploy_s']:.0f} s; capacity {args.running} running + {args.queued} queued, "
              f"deadline {args.deadline_s:g} s", flush=True)
        body = ordinary(args.max_tokens)
        asyncio.run(drive(url, None, 1, 5, body, 0.0, 0, args.deadline_s))  # warm-up, not counted
        for level in args.levels:
            clients = level * args.running
            records, wall = asyncio.run(drive(url, None, clients, args.seconds, body, args.hostile, level, args.deadline_s))
            row = summarise(level, clients, records, args.deadline_s, wall)
            out["levels"].append(row)
            print(line(row), flush=True)
        return out
    finally:
        from ray import serve

        serve.shutdown()
        ray.shutdown()
        shutil.rmtree(scratch, ignore_errors=True)


def _s(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def line(r: dict[str, Any]) -> str:
    return (f"{r['level']}x ({r['clients']} clients): {r['ordinary']} ordinary requests, 200 {r['ok_share']:.0%} / "
            f"503 {r['refused_share']:.0%} / failed {r['failed_share']:.0%}; {r['answered_per_s']:.2f} answered/s; "
            f"200 p50/p99 {_s(r['ok_p50_s'])}/{_s(r['ok_p99_s'])} s, 503 p50/p99 {_s(r['refused_p50_s'])}/{_s(r['refused_p99_s'])} s; "
            f"hostile {r['hostile_expected']}/{r['hostile']} as expected ({r['hostile_5xx_other_than_503']} other 5xx); "
            f"slowest {r['slowest_s']:.1f} s, all within deadline: {r['all_within_deadline']}, "
            f"Retry-After on every 503: {r['retry_after_on_every_503']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--running", type=int, default=4, help="serve.max_ongoing_requests: the capacity")
    parser.add_argument("--queued", type=int, default=4, help="serve.max_queued_requests")
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 2, 4], help="load as multiples of --running")
    parser.add_argument("--seconds", type=float, default=30, help="duration of each level")
    parser.add_argument("--deadline-s", type=float, default=30, help="serve.request_timeout_s")
    parser.add_argument("--hostile", type=float, default=0.1, help="share of hostile request bodies")
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--num-cpus", type=int, default=2)
    parser.add_argument("--kvcache-gb", type=int, default=1)
    parser.add_argument("--out", default=None, help="write the figures as JSON here")
    args = parser.parse_args()
    out = run(args)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
