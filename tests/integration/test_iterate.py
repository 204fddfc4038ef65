"""The whole loop as one job on a local Ray cluster: rounds, stop rule, resume, report."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import BIN, ROOT, job_env, run_job
from ray_toolace.core.formats import bfcl


def iterate_args(run_dir: Path, model: Path, data: Path) -> list[str]:
    return [
        "jobs/iterate.py", "--config", "configs/iterate.yaml", f"run_dir={run_dir}", f"model.name_or_path={model}",
        f"data.train=[{data}]", f"data.eval=[{data}]", "sampling.k=2", "sampling.max_tokens=8",
        "model.max_model_len=1024", "probe.shard_size=4", "refine.max_refinements=1", "engine.enforce_eager=true",
        "train.method=full", "train.epochs=1", "train.max_seq_len=512", "train.tokens_per_batch=1024",
        "train.checkpoint_every_steps=2", "iterate.max_rounds=2",
    ]


def test_iterate_rounds_stop_resume_and_report(ray_cluster, tiny_model_dir, tmp_path):
    samples = bfcl.read_category("simple", limit=6).samples + bfcl.read_category("irrelevance", limit=2).samples
    data = tmp_path / "pool.jsonl"
    data.write_text("".join(json.dumps(s.to_row()) + "\n" for s in samples))
    run = tmp_path / "run"
    address = ray_cluster[0]

    crashed = run_job(iterate_args(run, tiny_model_dir, data), job_env(RAY_ADDRESS=address, RAY_TOOLACE_CRASH_AFTER_STAGE="round-0/train"))
    assert crashed.returncode == 137, crashed.stderr[-3000:]
    first = json.loads((run / "run.json").read_text())
    stages = first["rounds"][0]["stages"]
    assert [k for k, v in stages.items() if v["status"] == "done"] == ["probe", "select", "corpus", "train"]
    probe_table = run / "round-0" / "probe" / "table.parquet"
    mtime = probe_table.stat().st_mtime_ns

    # the resumed run goes the way users submit rounds: `ray job submit` to the cluster's dashboard
    submit = [str(BIN / "ray"), "job", "submit", "--address", ray_cluster[1], "--working-dir", str(ROOT), "--",
              "python", *iterate_args(run, tiny_model_dir, data)]
    done = subprocess.run(submit, cwd=ROOT, env=job_env(), capture_output=True, text=True, timeout=900)
    assert done.returncode == 0 and "succeeded" in done.stdout, done.stdout[-3000:] + done.stderr[-3000:]
    data_after = json.loads((run / "run.json").read_text())
    assert data_after["resumed"] == 1 and data_after["status"] == "done"
    # finished stages were not redone
    for name in ("probe", "select", "corpus", "train"):
        assert data_after["rounds"][0]["stages"][name]["finished_at"] == stages[name]["finished_at"], name
    assert probe_table.stat().st_mtime_ns == mtime
    # the random tiny model masters nothing, so round 1 selects the same samples: the loop stops there
    assert data_after["stop_reason"].startswith("selected set stopped changing")
    assert data_after["rounds"][1]["stages"]["select"]["result"]["change_share"] == 0.0
    assert len(data_after["rounds"]) == 2 and "train" not in data_after["rounds"][1]["stages"]
    assert set(data_after["evals"]) == {"0", "1"}
    train = data_after["rounds"][0]["stages"]["train"]["result"]
    assert Path(train["model_dir"], "config.json").exists()
    corpus = data_after["rounds"][0]["stages"]["corpus"]["result"]
    # the 6 call samples at least (the irrelevance ones too unless the tiny model declined cleanly)
    selected = data_after["rounds"][0]["stages"]["select"]["result"]["selected"]
    assert corpus["counts"].get("ordinary") == selected >= 6 and corpus["records"] > selected  # + refinement records

    report = (run / "report.md").read_text()
    assert "## Evaluation" in report and "## Rounds" in report
    accuracy_pngs = sorted(p.name for p in run.glob("eval_accuracy_*.png"))  # one per source
    assert accuracy_pngs
    for png in ("pass_rate_hist.png", "buckets.png", "train_loss.png", *accuracy_pngs):
        assert (run / png).read_bytes()[:4] == b"\x89PNG", png
    rep = json.loads((run / "report.json").read_text())
    assert rep["rounds"][0]["buckets"]["too_hard"] >= 6 and rep["rounds"][0]["loss"]
    # item-level figures from both evaluation tables, and model 1 paired against the base
    assert rep["eval_tables_missing"] == [] and set(rep["eval_items"]) == {"0", "1"}
    assert any(d["kind"] == "vs_base" and d["model_b"] == "1" for d in rep["paired"]) and "## Paired comparisons" in report
