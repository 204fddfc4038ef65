"""The demo on the embedded default: ToolACE-R rounds and their report, then the endpoint.

    python jobs/demo.py --config configs/demo.yaml      (what `make demo` runs)

1. The iterate loop (stages/iterate.py): the base model is evaluated, then each round probes the
   training pool, selects what the model has not mastered, builds the self-refinement corpus,
   trains on Ray Train and evaluates the new model; the run report (report.md, PNG plots,
   report.json) is rewritten under the run directory after every round.
2. The last round's model is served on Ray Serve (OpenAI-compatible, adaptive
   self-refinement) and asked `demo.questions` held-out questions through the OpenAI SDK, a
   seeded draw spread over the categories (`draw_questions`). Each answer is judged the way the
   evaluation judges one: the tool_calls the endpoint returned are rendered back in the answer
   format and checked with probe_table's `verdict_of` (`score_answer`). How many it got right,
   and each question's refinement trace, are printed; everything is saved as endpoint.json;
   then the application is removed.

The decisions (the draw, the scoring, what is printed) are pure functions, tested in
tests/unit/test_demo_pipeline.py; `serve_and_ask` and `run_demo` are the wiring.

Re-running with the same run_dir resumes the loop where it stopped and skips what finished
under the same configuration (stages/iterate.py); a second driver on the same run_dir is refused
(stages/lease.py).
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ray_toolace import storage
from ray_toolace.config import Config
from ray_toolace.core.draw import stratified
from ray_toolace.core.parsers import AnswerParser, get_parser
from ray_toolace.core.probe_table import verdict_of
from ray_toolace.core.render import from_openai_tool_calls
from ray_toolace.core.scoring import category_scores
from ray_toolace.core.types import Sample, ToolCall

log = logging.getLogger("ray_toolace.demo")


def final_model(run: dict[str, Any]) -> str | None:
    """The model folder the last finished training stage wrote; None: no round trained."""
    for rnd in reversed(run.get("rounds", [])):
        train = rnd["stages"].get("train")
        if train and train.get("status") == "done":
            return train["result"]["model_dir"]
    return None


def draw_questions(samples: list[Sample], n: int, seed: int) -> list[Sample]:
    """The endpoint's questions: `n` held-out samples spread over their categories as evenly as
    they allow (irrelevance included), drawn with `seed`: core/draw.py's stratified draw, the
    one the replay of mastered samples uses. Never filtered on what the model gets right."""
    return stratified(samples, n, seed, category=lambda s: s.category)


def answer_text(message: dict[str, Any], parser: AnswerParser) -> str:
    """The endpoint's answer as the text the evaluation checks: the tool_calls it returned,
    rendered back in the answer format, else its words (no call, or one it could not read)."""
    if message.get("tool_calls"):
        return parser.render(from_openai_tool_calls(message["tool_calls"]))
    return message.get("content") or ""


def step_text(step: dict[str, Any], parser: AnswerParser) -> str:
    """A refinement step of the trace the same way: the calls the endpoint read from it,
    rendered back, else the step's own text."""
    if step.get("calls"):
        return parser.render([ToolCall(c["name"], c.get("arguments") or {}) for c in step["calls"]])
    return step.get("text") or ""


def score_answer(sample: Sample, body: dict[str, Any], parser: AnswerParser) -> dict[str, Any]:
    """The endpoint's final answer to `sample` judged like an evaluation answer (probe_table's
    `verdict_of`: the checker, with the evaluation's parser), and each refinement step too."""
    text = answer_text(body["choices"][0]["message"], parser)
    verdict = verdict_of(sample, text, parser)
    steps = (body.get("refinement") or {}).get("steps") or []
    return {
        "valid": verdict.valid,
        "error_type": verdict.error_type,
        "answer": text,
        "steps_valid": [verdict_of(sample, step_text(step, parser), parser).valid for step in steps],
    }


def endpoint_summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Right answers overall and per category (category order), from scored results."""
    scores = category_scores((r["category"], r["valid"]) for r in results)
    return {
        "right": sum(1 for r in results if r["valid"]),
        "n": len(results),
        "by_category": {s.category: {"right": s.correct, "n": s.total} for s in scores},
    }


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def _shown_step(step: dict[str, Any], parser: AnswerParser) -> str:
    if step.get("calls"):
        return step_text(step, parser)
    if step.get("parse_error"):
        return f"unreadable {' '.join((step.get('text') or '').split())!r}"
    return "no call"


def trace_line(body: dict[str, Any], steps_valid: list[bool], parser: AnswerParser, width: int = 50) -> str:
    """The refinement trace on one line: each step right/wrong with its calls ("same" when it
    repeats the previous one), then the model calls and why the loop stopped."""
    trace = body.get("refinement") or {}
    parts = []
    for i, step in enumerate(trace.get("steps") or []):
        mark = ("right" if steps_valid[i] else "wrong") if i < len(steps_valid) else "?"
        shown = "same" if i and not step.get("changed", True) else _short(_shown_step(step, parser), width)
        parts.append(f"{mark} {shown}")
    calls = trace.get("model_calls")
    tail = f"{calls} model call{'' if calls == 1 else 's'}, stopped: {trace.get('stop_reason')}"
    return " -> ".join(parts + [tail]) if parts else tail


def describe(i: int, result: dict[str, Any], parser: AnswerParser) -> str:
    """Two lines per question: verdict and question, then the refinement trace."""
    verdict = "right" if result["valid"] else f"wrong ({result['error_type']})"
    question = next((m.get("content") or "" for m in reversed(result["messages"]) if m.get("role") == "user"), "")
    head = f"{i:>2}. [{result['category']}] {result['id']}: {verdict}  {_short(question, 80)!r}"
    if result.get("error"):
        return f"{head}\n      {result['error']}"
    return f"{head}\n      {trace_line(result['response'], result['steps_valid'], parser)}"


def summary_line(summary: dict[str, Any]) -> str:
    per = ", ".join(f"{c} {v['right']}/{v['n']}" for c, v in summary["by_category"].items())
    return f"{summary['right']}/{summary['n']} held-out questions answered right ({per})"


def ask(client: Any, model: str, sample: Sample, max_tokens: int) -> dict[str, Any]:
    """One tool-calling request through the OpenAI SDK; the response as a plain dict."""
    response = client.chat.completions.create(
        model=model,
        messages=sample.messages,
        tools=[{"type": "function", "function": t} for t in sample.tools],
        temperature=0.0,
        max_tokens=max_tokens,
    )
    return response.model_dump()


def _ask_all(client: Any, model: str, samples: list[Sample], max_tokens: int, parser: AnswerParser) -> list[dict[str, Any]]:
    """Every question at once (the engine batches them), each scored; an HTTP error answer is
    recorded as that question's result, a connection failure raises."""
    import openai

    def one(sample: Sample) -> dict[str, Any]:
        result: dict[str, Any] = {"id": sample.id, "category": sample.category, "messages": sample.messages,
                                  "gold": sample.ground_truth}
        t0 = time.perf_counter()
        try:
            body = ask(client, model, sample, max_tokens)
        except openai.APIStatusError as e:
            result.update(valid=False, error_type=f"http_{e.status_code}", error=f"HTTP {e.status_code}: {e.message}",
                          steps_valid=[], seconds=time.perf_counter() - t0)
            return result
        result.update(seconds=time.perf_counter() - t0, response=body, **score_answer(sample, body, parser))
        return result

    with ThreadPoolExecutor(max_workers=max(1, min(len(samples), 8))) as pool:
        return list(pool.map(one, samples))


def serve_and_ask(cfg: Config, model_dir: str | None) -> dict[str, Any]:
    """Serve `model_dir` (or the base model), ask the drawn held-out questions, score the
    answers, remove the application; writes endpoint.json."""
    import os

    from openai import OpenAI

    from ray_toolace.serve.app import API_KEY_ENV, model_ids
    from ray_toolace.serve.deploy import deploy, undeploy
    from ray_toolace.stages.inputs import read_inputs
    from ray_toolace.stages.iterate import model_config

    scfg = model_config(cfg, model_dir)
    questions = draw_questions(read_inputs([cfg.demo.input]).samples, cfg.demo.questions, cfg.demo.seed)
    parser = get_parser(cfg.prompt.answer_format, strict=cfg.prompt.strict_parse)
    t0 = time.perf_counter()
    url = deploy(scfg)
    start_s = time.perf_counter() - t0
    base, adapter = model_ids(scfg)
    try:
        client = OpenAI(base_url=f"{url}/v1", api_key=scfg.serve.api_key or os.environ.get(API_KEY_ENV) or "none",
                        timeout=600, max_retries=0)
        t1 = time.perf_counter()
        results = _ask_all(client, adapter or base, questions, scfg.sampling.max_tokens, parser)
        answer_s = time.perf_counter() - t1
    finally:
        # only our application: Serve itself goes with the Ray instance (a local one ends with
        # this process), and serve.shutdown() would also remove other applications of a shared
        # cluster; its controller also kills itself mid-call, which the raylet reports as an error
        undeploy()
    summary = endpoint_summary(results)
    out = {"model": adapter or base, "url": url, "start_seconds": start_s, "answer_seconds": answer_s,
           "draw": {"input": cfg.demo.input, "seed": cfg.demo.seed, "questions": cfg.demo.questions,
                    "ids": [q.id for q in questions]},
           **summary, "questions": results}
    storage.write_json(storage.join(cfg.run_dir, "endpoint.json"), out)
    print(f"\n== the endpoint ({adapter or base}, OpenAI SDK, {url}/v1): {summary_line(summary)} ==")
    for i, result in enumerate(results, 1):
        print(describe(i, result, parser))
    print(f"(every request and answer: {storage.join(cfg.run_dir, 'endpoint.json')})")
    return out


def run_demo(cfg: Config) -> dict[str, Any]:
    from ray_toolace.stages.iterate import run_iterate
    from ray_toolace.stages.lease import run_lease

    t0 = time.perf_counter()
    # one lease over both steps: endpoint.json belongs to the run as much as its rounds do
    with run_lease(cfg.run_dir):
        run = run_iterate(cfg)
        loop_s = time.perf_counter() - t0
        print(f"\n== run report: {storage.join(cfg.run_dir, 'report.md')} ==")
        print(storage.read_text(storage.join(cfg.run_dir, "report.md")))
        endpoint = serve_and_ask(cfg, final_model(run))
    log.info("demo done: loop %.0f s, endpoint up in %.0f s, %d/%d held-out questions right in %.1f s",
             loop_s, endpoint["start_seconds"], endpoint["right"], endpoint["n"], endpoint["answer_seconds"])
    return {"run": run, "endpoint": endpoint}
