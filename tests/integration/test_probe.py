"""The probe job on a real local Ray cluster with a tiny model through real vLLM (CPU build).

Covers: the per-sample table, rejects, a prompt longer than the context, resume after the
driver dies mid-run, a LoRA adapter applied with LoRARequest, `ray job submit`, and the same
job on CUDA where a GPU exists.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from conftest import BIN, ROOT, job_env, run_job
from ray_toolace.core.formats import bfcl
from ray_toolace.core.types import Sample

K = 2
SHARD = 4


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> tuple[Path, list[Sample]]:
    """14 BFCL samples as sample rows, 3 malformed lines, and one prompt longer than the context."""
    samples = bfcl.read_category("simple", limit=10).samples + bfcl.read_category("irrelevance", limit=4).samples
    huge = Sample("too-long", "simple", samples[0].tools, [{"role": "user", "content": "word " * 3000}], samples[0].ground_truth, "test")
    lines = [json.dumps(s.to_row()) for s in samples[:5]]
    lines += ["{broken json", json.dumps({"messages": [{"role": "wizard", "content": "x"}], "tools": []})]
    lines += [json.dumps(s.to_row()) for s in samples[5:]] + [json.dumps(huge.to_row()), json.dumps({"no": "format"})]
    path = tmp_path_factory.mktemp("probe-in") / "samples.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path, samples + [huge]


def probe_args(run_dir: Path, data: Path, model: Path, *extra: str) -> list[str]:
    return [
        "jobs/probe.py", "--config", "configs/probe.yaml", f"run_dir={run_dir}", f"model.name_or_path={model}",
        f"data.train=[{data}]", f"sampling.k={K}", "sampling.temperature=0.8", "sampling.max_tokens=16",
        "model.max_model_len=1024", f"probe.shard_size={SHARD}", "engine.batch_size=4", "engine.enforce_eager=true", *extra,
    ]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_probe_table_rejects_and_resume(ray_cluster, tiny_model_dir, inputs, tmp_path):
    data, samples = inputs
    address, _ = ray_cluster
    env = job_env(RAY_ADDRESS=address)
    out = tmp_path / "run" / "train"

    # first run: the driver dies (like SIGKILL) right after the second shard is recorded
    crashed = run_job(probe_args(tmp_path / "run", data, tiny_model_dir), job_env(RAY_ADDRESS=address, RAY_TOOLACE_CRASH_AFTER_SHARDS="2"))
    assert crashed.returncode == 137, crashed.stderr[-3000:]
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(manifest["done"]) == ["0", "1"] and manifest["status"] == "running"
    before = {n: digest(out / "shards" / f"shard-0000{n}.parquet") for n in (0, 1)}

    done = run_job(probe_args(tmp_path / "run", data, tiny_model_dir), env)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    n_shards = -(-len(samples) // SHARD)
    assert summary["throughput"]["shards_probed_this_run"] == n_shards - 2  # only what was missing
    assert {n: digest(out / "shards" / f"shard-0000{n}.parquet") for n in (0, 1)} == before  # nothing redone
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "done" and manifest["resumed"] == 1

    rows = pq.read_table(out / "table.parquet").to_pylist()
    assert sorted(r["id"] for r in rows) == sorted(s.id for s in samples)  # each sample exactly once
    by_id = {r["id"]: r for r in rows}
    assert by_id["too-long"]["status"] == "prompt_too_long" and by_id["too-long"]["answers"] == []
    assert by_id["too-long"]["prompt_tokens"] > 1024
    for r in rows:
        if r["id"] == "too-long":
            continue
        assert r["status"] == "ok" and len(r["answers"]) == K and len(r["valid"]) == K and len(r["error_types"]) == K
        assert r["pass_rate"] == sum(r["valid"]) / K and r["pass_at_k"] == any(r["valid"])
        assert all((e == "") == v for e, v in zip(r["error_types"], r["valid"]))
        assert r["prompt_tokens"] > 0 and r["completion_tokens"] > 0
    # a random tiny model calls nothing: irrelevance is right, everything else is wrong
    assert all(by_id[s.id]["pass_rate"] == 1.0 for s in samples if s.category == "irrelevance")
    assert summary["answered"] == len(samples) - 1 and summary["prompt_too_long"] == 1

    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    assert [r["line"] for r in rejects] == [6, 7, 18]
    assert summary["rejects"] == 3
    assert (out / "pass_rate_hist.png").read_bytes()[:4] == b"\x89PNG"
    assert "| simple |" in (out / "summary.md").read_text()


def test_probe_with_lora_adapter(ray_cluster, tiny_model_dir, tiny_lora_dir, inputs, tmp_path):
    data, _ = inputs
    env = job_env(RAY_ADDRESS=ray_cluster[0])
    greedy = ("sampling.k=1", "sampling.temperature=0", "sampling.max_tokens=8")
    base = run_job(probe_args(tmp_path / "base", data, tiny_model_dir, *greedy), env)
    assert base.returncode == 0, base.stderr[-3000:]
    lora = run_job(probe_args(tmp_path / "lora", data, tiny_model_dir, *greedy, f"model.lora_adapter={tiny_lora_dir}"), env)
    assert lora.returncode == 0, lora.stderr[-3000:]
    answers = [
        {r["id"]: r["answers"] for r in pq.read_table(tmp_path / d / "train" / "table.parquet").to_pylist()}
        for d in ("base", "lora")
    ]
    assert answers[0].keys() == answers[1].keys()
    assert answers[0] != answers[1], "the adapter changed no answer: was it applied?"


def test_probe_through_ray_job_submit(ray_cluster, tiny_model_dir, inputs, tmp_path):
    data, samples = inputs
    _, dashboard = ray_cluster
    run_dir = tmp_path / "submitted"
    cmd = [
        str(BIN / "ray"), "job", "submit", "--address", dashboard, "--working-dir", str(ROOT), "--",
        "python", *probe_args(run_dir, data, tiny_model_dir),
    ]
    proc = subprocess.run(cmd, cwd=ROOT, env=job_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "succeeded" in proc.stdout
    rows = pq.read_table(run_dir / "train" / "table.parquet").num_rows
    assert rows == len(samples)


@pytest.mark.gpu
def test_probe_on_cuda(tiny_model_dir, inputs, tmp_path):
    data, samples = inputs
    proc = run_job(probe_args(tmp_path / "gpu", data, tiny_model_dir, "engine.use_gpu=true"), job_env())
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert pq.read_table(tmp_path / "gpu" / "train" / "table.parquet").num_rows == len(samples)
