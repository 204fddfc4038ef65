"""MLflow tracking against a real MLflow tracking server (SQLite backend) on loopback: one run per
run directory with a nested run per round, params without secrets, figures with n and standard
error, per-step training metrics, artifacts, and a resume that continues the same MLflow run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

import pyarrow as pa
import pytest

from mlflow import MlflowClient  # the tracking extra, which cluster/install.sh installs

from conftest import BIN, free_port, job_env, run_job
from ray_toolace import storage
from ray_toolace.config import load_config
from ray_toolace.tracking import PARENT_TAG, StepLogger, Tracker


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory):
    """`mlflow server` with a SQLite backend and proxied artifacts, on a free loopback port."""
    folder = tmp_path_factory.mktemp("mlflow-server")
    port = free_port()
    log = open(folder / "server.log", "w")
    cmd = [str(BIN / "mlflow"), "server", "--backend-store-uri", f"sqlite:///{folder}/mlflow.db",
           "--artifacts-destination", str(folder / "artifacts"), "--host", "127.0.0.1", "--port", str(port),
           "--workers", "1"]
    # its own session: the server's uvicorn and job-runner children are stopped with it
    proc = subprocess.Popen(cmd, cwd=folder, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 240  # its start is slow on a loaded 2-core machine
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=3) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"mlflow server did not start:\n{(folder / 'server.log').read_text()[-3000:]}")
            time.sleep(1)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def _eval_rows(right: int) -> list[dict]:
    return [{"id": f"s{i}", "source": "generated", "category": "simple" if i < 4 else "irrelevance", "status": "ok",
             "valid": [i < right], "refine_valid": [i < right, i < right], "model_calls": 2,
             "prompt_tokens": 10, "completion_tokens": 4} for i in range(6)]


def _done(result: dict, digest: str) -> dict:
    return {"status": "done", "seconds": 1.5, "result": result, "digest": digest}


def _fake_run(run: Path) -> dict:
    """A run directory as the iterate loop leaves it after round 0: run.json's data, the
    evaluation tables, the selection records and the report."""
    for k, right in (("0", 1), ("1", 3)):
        storage.write_parquet(str(run / f"eval-{k}" / "table.parquet"), pa.Table.from_pylist(_eval_rows(right)))
    (run / "round-0").mkdir(parents=True, exist_ok=True)
    (run / "round-0" / "selection.json").write_text(json.dumps({"decisions": []}))
    (run / "report.md").write_text("# run report\n")
    (run / "report.json").write_text("{}")
    (run / "buckets.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    probe = {"table": "t", "summary": {"mean_pass_rate": 0.25, "pass_at_k": 0.5, "histogram": [6, 0, 0, 2],
                                       "answered": 8, "rejects": 0, "prompt_too_long": 0}}
    select = {"uri": str(run / "round-0" / "selection.json"), "counts": {"mastered": 2, "too_hard": 6},
              "selected": 6, "learning": 6, "replay": 0, "new_selected": 6, "left_selected": 0, "change_share": 1.0}
    return {
        "status": "running", "base": {"round": "base", "stages": {"eval": _done({}, "b0")}},
        "evals": {"0": {"metrics": {"generated": {"overall": 0.2}}}},
        "rounds": [{"round": 0, "stages": {"probe": _done(probe, "p0"), "select": _done(select, "s0"),
                                           "corpus": _done({"uri": "c", "counts": {"ordinary": 6}, "records": 9}, "c0")}}],
    }


def test_tracker_nests_rounds_logs_figures_and_resumes(mlflow_server, tmp_path):
    run = tmp_path / "run"
    experiment = f"test-{uuid.uuid4().hex[:8]}"
    cfg = load_config(None, [f"run_dir={run}", "tracking.mlflow=true", f"tracking.uri={mlflow_server}",
                             f"tracking.experiment={experiment}", "serve.api_key=sekrit-42", "sampling.k=3"])
    data = _fake_run(run)
    tracker = Tracker(cfg, str(run))
    tracker.sync(data)
    # the training workers' rank 0 logs each step into the round's run
    step = StepLogger(tracker.train_spec(0))
    for i, loss in enumerate((2.0, 1.5, 1.0), 1):
        step(i, {"loss": loss, "grad_norm": 0.5, "real_tokens": 100 * i, "slot_tokens": 120 * i, "seconds": 1.0})
    data["rounds"][0]["stages"]["train"] = _done({"model_dir": "m", "steps": 3, "loss": [2.0, 1.5, 1.0],
                                                  "real_tokens_per_s": 200.0, "records": 9}, "t0")
    data["rounds"][0]["stages"]["eval"] = _done({}, "e0")
    data["evals"]["1"] = {"metrics": {"generated": {"overall": 0.5}}}
    tracker.sync(data)
    tracker.report(0)
    data["status"] = "done"
    tracker.finish(data)

    client = MlflowClient(mlflow_server)
    exp = client.get_experiment_by_name(experiment)
    runs = client.search_runs([exp.experiment_id])
    assert len(runs) == 2
    parent = next(r for r in runs if PARENT_TAG not in r.data.tags)
    child = next(r for r in runs if PARENT_TAG in r.data.tags)
    assert child.data.tags[PARENT_TAG] == parent.info.run_id and child.info.run_name == "round-0"
    assert parent.info.status == child.info.status == "FINISHED"
    assert parent.data.params["sampling.k"] == "3" and "serve.api_key" not in parent.data.params
    assert not any("sekrit" in v for v in parent.data.params.values())
    # probe summary, buckets, training summary on the round's run
    m = child.data.metrics
    assert m["probe/mean_pass_rate"] == 0.25 and m["probe/hist/0.00-0.25"] == 6 and m["select/bucket/too_hard"] == 6
    assert m["train/round/final_loss"] == 1.0 and m["corpus/records"] == 9
    # the steps rank 0 logged, once each (no backfill on top of them), with throughput
    history = client.get_metric_history(child.info.run_id, "train/loss")
    assert [(h.step, h.value) for h in history] == [(1, 2.0), (2, 1.5), (3, 1.0)]
    assert [h.value for h in client.get_metric_history(child.info.run_id, "train/real_tokens_per_s")] == [100.0, 200.0, 300.0]
    # every evaluation on the parent by model index, with n and standard error
    acc = client.get_metric_history(parent.info.run_id, "eval/generated/simple/first/acc")
    assert sorted((h.step, h.value) for h in acc) == [(0, 0.25), (1, 0.75)]
    assert parent.data.metrics["eval/generated/simple/first/n"] == 4
    assert abs(parent.data.metrics["eval/generated/simple/first/se"] - (0.75 * 0.25 / 4) ** 0.5) < 1e-9
    assert m["eval/generated/all/first/acc"] == 0.5  # model 1 on round 0's run
    assert {f.path for f in client.list_artifacts(child.info.run_id, "report")} >= {"report/report.md", "report/buckets.png"}
    assert [f.path for f in client.list_artifacts(child.info.run_id, "selection")] == ["selection/selection.json"]
    assert "report/report.json" in {f.path for f in client.list_artifacts(parent.info.run_id, "report")}
    # what tracking itself cost: the driver's seconds in its hooks, rank 0's in step logging
    spent = parent.data.metrics["tracking/driver_seconds"]
    saved = json.loads((run / "tracking.json").read_text())[mlflow_server]["seconds"]
    assert 0 < spent <= saved + 1e-3  # tracking.json's figure also holds the metric's own logging
    step_cost = [h.value for h in client.get_metric_history(child.info.run_id, "tracking/step_seconds")]
    assert len(step_cost) == 3 and step_cost[0] == 0 and step_cost == sorted(step_cost) and step_cost[-1] > 0

    # resuming continues the same MLflow run and logs nothing twice
    again = Tracker(cfg, str(run))
    assert again.run_id == parent.info.run_id
    assert client.get_run(parent.info.run_id).info.status == "RUNNING"
    again.sync(data)
    again.finish(data)
    assert len(client.search_runs([exp.experiment_id])) == 2
    assert len(client.get_metric_history(child.info.run_id, "probe/mean_pass_rate")) == 1
    assert client.get_run(parent.info.run_id).data.tags["ray_toolace.resumed"] == "1"
    assert client.get_run(parent.info.run_id).info.status == "FINISHED"


def test_default_store_is_sqlite_under_the_run_directory(tmp_path):
    run = tmp_path / "run"
    cfg = load_config(None, [f"run_dir={run}", "tracking.mlflow=true"])
    tracker = Tracker(cfg, str(run))
    tracker.report()
    tracker.finish({"status": "done"})
    assert (run / "mlflow" / "mlflow.db").is_file()
    client = MlflowClient(f"sqlite:///{run}/mlflow/mlflow.db")
    assert client.get_run(tracker.run_id).info.status == "FINISHED"
    assert json.loads((run / "tracking.json").read_text())[tracker.uri]["run_id"] == tracker.run_id


@pytest.mark.slow
def test_iterate_job_tracked_end_to_end(ray_cluster, tiny_model_dir, mlflow_server, tmp_path):
    """A real iterate job (tiny model, one round) with tracking on, then resumed."""
    from ray_toolace.core.formats import bfcl

    samples = bfcl.read_category("simple", limit=6).samples + bfcl.read_category("irrelevance", limit=2).samples
    data = tmp_path / "pool.jsonl"
    data.write_text("".join(json.dumps(s.to_row()) + "\n" for s in samples))
    run, experiment = tmp_path / "run", f"e2e-{uuid.uuid4().hex[:8]}"
    args = ["jobs/iterate.py", "--config", "configs/iterate.yaml", f"run_dir={run}", f"model.name_or_path={tiny_model_dir}",
            f"data.train=[{data}]", f"data.eval=[{data}]", "sampling.k=2", "sampling.max_tokens=8", "model.max_model_len=1024",
            "probe.shard_size=4", "refine.max_refinements=1", "engine.enforce_eager=true", "train.method=full",
            "train.max_seq_len=512", "train.tokens_per_batch=1024", "iterate.max_rounds=1", "tracking.mlflow=true",
            f"tracking.uri={mlflow_server}", f"tracking.experiment={experiment}"]
    env = job_env(RAY_ADDRESS=ray_cluster[0])
    t0 = time.perf_counter()
    done = run_job(args, env, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    print(f"tracked iterate round: {time.perf_counter() - t0:.0f} s")
    client = MlflowClient(mlflow_server)
    exp = client.get_experiment_by_name(experiment)
    runs = client.search_runs([exp.experiment_id])
    child = next(r for r in runs if PARENT_TAG in r.data.tags)
    parent = next(r for r in runs if PARENT_TAG not in r.data.tags)
    assert len(runs) == 2 and parent.info.status == "FINISHED"
    steps = client.get_metric_history(child.info.run_id, "train/loss")
    rnd = json.loads((run / "run.json").read_text())["rounds"][0]["stages"]["train"]["result"]
    assert [h.step for h in steps] == list(range(1, rnd["steps"] + 1))  # from rank 0, once per step
    assert [h.value for h in steps] == pytest.approx(rnd["loss"])
    assert {h.step for h in client.get_metric_history(parent.info.run_id, "eval/generated/all/first/acc")} == {0, 1} or \
        {h.step for h in client.get_metric_history(parent.info.run_id, "eval/bfcl/all/first/acc")} == {0, 1}
    again = run_job(args, env, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert len(client.search_runs([exp.experiment_id])) == 2
