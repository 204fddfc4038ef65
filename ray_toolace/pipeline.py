"""The demo on the embedded default: ToolACE-R rounds and their report, then the endpoint.

    python jobs/demo.py --config configs/demo.yaml      (what `make demo` runs)

1. The iterate loop (stages/iterate.py): the base model is evaluated, then each round probes the
   training pool, selects what the model has not mastered, builds the self-refinement corpus,
   trains on Ray Train and evaluates the new model; the run report (report.md, PNG plots,
   report.json) is rewritten under the run directory after every round.
2. The last round's model is served on Ray Serve (OpenAI-compatible, adaptive
   self-refinement) and asked one tool-calling question from the held-out split through the
   OpenAI SDK; the calls and the refinement trace are printed and saved as endpoint.json, then
   the application is removed.

Re-running with the same run_dir resumes the loop where it stopped and skips what finished.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from ray_toolace import storage
from ray_toolace.config import Config

log = logging.getLogger("ray_toolace.demo")


def final_model(run: dict[str, Any]) -> str | None:
    """The model folder the last finished training stage wrote; None: no round trained."""
    for rnd in reversed(run.get("rounds", [])):
        train = rnd["stages"].get("train")
        if train and train.get("status") == "done":
            return train["result"]["model_dir"]
    return None


def demo_question(cfg: Config):
    """A single-turn, one-call question of the held-out split: the demo's request."""
    from ray_toolace.stages.inputs import read_inputs

    for sample in read_inputs(["bundled:heldout"]).samples:
        if sample.category == "simple" and len(sample.messages) == 1:
            return sample
    raise ValueError("the held-out split has no single-turn simple sample")


def ask(url: str, model: str, sample: Any, api_key: str | None, max_tokens: int = 256) -> dict[str, Any]:
    """One tool-calling request through the OpenAI SDK; the response as a plain dict."""
    from openai import OpenAI

    client = OpenAI(base_url=f"{url}/v1", api_key=api_key or "none", timeout=600, max_retries=0)
    response = client.chat.completions.create(
        model=model,
        messages=sample.messages,
        tools=[{"type": "function", "function": t} for t in sample.tools],
        temperature=0.0,
        max_tokens=max_tokens,
    )
    return response.model_dump()


def describe(sample: Any, body: dict[str, Any]) -> str:
    """The request and the endpoint's answer, as the demo prints them."""
    message = body["choices"][0]["message"]
    trace = body.get("refinement") or {}
    lines = [f"question: {sample.messages[-1]['content']}",
             f"tools offered: {', '.join(t['name'] for t in sample.tools)}"]
    for call in message.get("tool_calls") or []:
        lines.append(f"tool call: {call['function']['name']}({call['function']['arguments']})")
    if not message.get("tool_calls"):
        lines.append(f"no call; content: {message.get('content')!r}")
    for i, step in enumerate(trace.get("steps", [])):
        calls = ", ".join(f"{c['name']}({json.dumps(c['arguments'])})" for c in step.get("calls") or [])
        calls = calls or f"no call: {(step.get('text') or '').strip()[:80]!r}"
        lines.append(f"  step {i}: {calls}   changed={step.get('changed')}")
    lines.append(f"refinement: {trace.get('model_calls')} model calls, stopped because {trace.get('stop_reason')!r}")
    return "\n".join(lines)


def serve_and_ask(cfg: Config, model_dir: str | None) -> dict[str, Any]:
    """Serve `model_dir` (or the base model), ask the demo question, remove the application."""
    import os

    from ray import serve

    from ray_toolace.serve.app import API_KEY_ENV, model_ids
    from ray_toolace.serve.deploy import deploy, undeploy
    from ray_toolace.stages.iterate import model_config

    scfg = model_config(cfg, model_dir)
    sample = demo_question(scfg)
    t0 = time.perf_counter()
    url = deploy(scfg)
    start_s = time.perf_counter() - t0
    try:
        base, adapter = model_ids(scfg)
        t1 = time.perf_counter()
        body = ask(url, adapter or base, sample, scfg.serve.api_key or os.environ.get(API_KEY_ENV), scfg.sampling.max_tokens)
        answer_s = time.perf_counter() - t1
    finally:
        undeploy()
        serve.shutdown()
    out = {"model": adapter or base, "url": url, "start_seconds": start_s, "answer_seconds": answer_s,
           "sample": sample.id, "gold": sample.ground_truth, "response": body}
    storage.write_json(storage.join(cfg.run_dir, "endpoint.json"), out)
    print(f"\n== the endpoint ({adapter or base}, OpenAI SDK, {url}/v1) ==")
    print(describe(sample, body))
    return out


def run_demo(cfg: Config) -> dict[str, Any]:
    from ray_toolace.stages.iterate import run_iterate

    t0 = time.perf_counter()
    run = run_iterate(cfg)
    loop_s = time.perf_counter() - t0
    print(f"\n== run report: {storage.join(cfg.run_dir, 'report.md')} ==")
    print(storage.read_text(storage.join(cfg.run_dir, "report.md")))
    endpoint = serve_and_ask(cfg, final_model(run))
    log.info("demo done: loop %.0f s, endpoint up in %.0f s, answered in %.1f s",
             loop_s, endpoint["start_seconds"], endpoint["answer_seconds"])
    return {"run": run, "endpoint": endpoint}
