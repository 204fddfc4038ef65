"""Multi-turn entries answered in the evaluation's engine actors: thin wiring.

    rows = answer_entries(rows, worker._generate, parser, fmt)    # called by ProbeWorker

Each entry's conversation is core/multi_turn.py's loop, its calls executed on BFCL's simulated
APIs (ray_toolace/bfcl_apis.py) with BFCL's step limit; the loops of a batch are driven
together by core's `run_batch`, one engine call per round across the conversations still
going. When one ends it is judged by core/multi_turn_judge.py, replayed on fresh instances as
BFCL's checker replays it, and a progress line is printed for it.
"""

from __future__ import annotations

import json
import time
from typing import Any, Callable

from ray_toolace.bfcl_apis import SimulatedApis, harness_limits, read_multi_turn
from ray_toolace.core.multi_turn import MultiTurnEntry, MultiTurnLoop, split_specs, table_row
from ray_toolace.core.multi_turn_judge import judge_conversation
from ray_toolace.core.parsers.base import AnswerParser
from ray_toolace.core.refine import run_batch


def answer_entries(rows: list[dict[str, Any]], generate: Callable[..., Any], parser: AnswerParser, fmt: str) -> list[dict[str, Any]]:
    """The table rows of these entries (Ray Data items with a `sample` entry row and a `shard`)."""
    if not rows:
        return []
    step_limit, holdout_message = harness_limits()
    entries = [MultiTurnEntry.from_row(json.loads(r["sample"])) for r in rows]
    apis = [SimulatedApis(e) for e in entries]
    loops = [MultiTurnLoop(e, parser, a.execute, step_limit=step_limit, holdout_message=holdout_message, fmt=fmt)
             for e, a in zip(entries, apis)]
    index = {id(loop): i for i, loop in enumerate(loops)}
    out: list[dict[str, Any] | None] = [None] * len(rows)
    start = time.perf_counter()

    def finish(loop: MultiTurnLoop) -> None:
        i = index[id(loop)]
        apis[i].close()
        with SimulatedApis(loop.entry) as model, SimulatedApis(loop.entry) as truth:
            verdict = judge_conversation(loop, model, truth)
        out[i] = table_row(loop.entry, loop, verdict, rows[i]["shard"])
        shown = "prompt too long" if verdict is None else ("right" if verdict.valid else f"wrong ({verdict.error_type})")
        done = sum(r is not None for r in out)
        print(f"[multi-turn] {done}/{len(rows)} {loop.entry.id}: {shown}; {len(loop.trajectory)} turns, "
              f"{loop.model_calls} model calls, stopped: {loop.stop_reason}; {time.perf_counter() - start:.1f} s into the batch",
              flush=True)

    for loop in loops:
        if loop.done:  # an entry with no turns
            finish(loop)
    run_batch(loops, generate, on_done=finish)
    per_entry = (time.perf_counter() - start) / len(rows)  # the batch ran together: its time shared out
    done = [r for r in out if r is not None]
    for r in done:
        r["gen_seconds"] = per_entry
    return done


MULTI_TURN = "multi_turn"  # the `kind` of a Ray Data item holding a multi-turn entry


def kind_of(item: Any) -> str:
    return MULTI_TURN if isinstance(item, MultiTurnEntry) else "sample"


def multi_turn_inputs(cfg: Any) -> tuple[Any, list[MultiTurnEntry]]:
    """An evaluation's config without its multi-turn inputs, and their entries (at most
    `data.eval_limit` per category, the evaluation's seeded draw); a probe's config as it is."""
    if cfg.probe.split != "eval":
        return cfg, []
    single, multi = split_specs(cfg.data.eval)
    if not multi:
        return cfg, []
    c = cfg.model_copy(deep=True)
    c.data.eval = single
    return c, read_multi_turn(multi, limit=cfg.data.eval_limit, seed=cfg.data.seed)
