"""BFCL's multi-turn category in the evaluation job: real local Ray cluster, real vLLM (CPU
build), a tiny random model whose context holds BFCL's long tool lists, BFCL's simulated APIs.

The tiny model answers noise, so every turn ends at its first answer and each entry is judged
wrong the way BFCL's checker judges a conversation without calls; what is checked is the
wiring: entries drawn per category with data.eval_limit, every turn asked, rows in the
evaluation table beside the single-turn ones, the report's category and BFCL v4's
multi-turn group filled in with the categories not run named.
"""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from conftest import job_env, run_job
from ray_toolace.bfcl_apis import load_entries
from ray_toolace.core.multi_turn_judge import EMPTY_TURN, INFERENCE_ERROR


@pytest.fixture(scope="module")
def long_tiny_model(tmp_path_factory):
    from ray_toolace.model import build_tiny_model

    # BFCL's multi-turn prompts reach about 10,000 tokens with the tiny tokenizer
    return build_tiny_model(tmp_path_factory.mktemp("tiny_long"), seed=0, max_position_embeddings=16384)


def test_multi_turn_base_in_the_evaluation_job(ray_cluster, long_tiny_model, tmp_path):
    address, _ = ray_cluster
    run = tmp_path / "run"
    done = run_job([
        "jobs/probe.py", "--config", "configs/eval.yaml", f"run_dir={run}", f"model.name_or_path={long_tiny_model}",
        "data.eval=[bfcl:irrelevance, bfcl:multi_turn_base]", "data.eval_limit=2", "sampling.max_tokens=8",
        "refine.max_refinements=0", "probe.refine=false", "engine.enforce_eager=true", "engine.batch_size=8",
    ], job_env(RAY_ADDRESS=address))
    assert done.returncode == 0, done.stderr[-3000:]
    rows = pq.read_table(run / "eval" / "table.parquet").to_pylist()
    multi = [r for r in rows if r["category"] == "multi_turn_base"]
    assert len(multi) == 2 and len([r for r in rows if r["category"] == "irrelevance"]) == 2
    turns_of = {e.id: len(e.turns) for e in load_entries("multi_turn_base")}
    for r in multi:
        assert r["status"] == "ok" and r["source"] == "bfcl" and r["valid"] == [False]
        assert r["error_types"][0] in (EMPTY_TURN, INFERENCE_ERROR)
        conversation = json.loads(r["answers"][0])
        assert conversation["stop_reason"] in ("completed", "prompt_too_long")
        if conversation["stop_reason"] == "completed":
            assert len(conversation["turns"]) == turns_of[r["id"]]  # every turn was asked
        assert r["model_calls"] >= 1 and r["prompt_tokens"] > 4000
    summary = json.loads((run / "eval" / "summary.json").read_text())
    assert "multi_turn_base" in summary["by_source"]["bfcl"]["accuracy_by_category"]
    md = (run / "eval" / "summary.md").read_text()
    assert "| multi_turn_base | 2 |" in md
    # BFCL v4's multi-turn group: base run (n=2), the other three named as not run
    assert "Multi Turn Acc" in md and "multi_turn_miss_func" in md
