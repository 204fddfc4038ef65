"""Resume never mixes configurations: a real probe (tiny model, real vLLM on a local Ray cluster),
then re-runs of its run_dir with another model, another k, another answer format.

Each changed re-run is refused before it writes anything, naming the changed field (the check
runs before Ray or an engine start: BFCL inputs are read without Ray, so those re-runs take
milliseconds in this process); `resume=restart` redoes the stage under the new configuration;
no file of the run holds the configured API key.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from conftest import job_env, run_job
from ray_toolace.config import load_config
from ray_toolace.stages.manifest import ManifestMismatch
from ray_toolace.stages.probe import run_probe

KEY = "sekrit-key-0f9e8d"


def overrides(run_dir: Path, model: Path, *extra: str) -> list[str]:
    return [
        f"run_dir={run_dir}", f"model.name_or_path={model}", "data.train=[bfcl:simple]", "data.limit=4",
        "sampling.k=2", "sampling.temperature=0.8", "sampling.max_tokens=8", "model.max_model_len=1024",
        "probe.shard_size=2", "engine.batch_size=4", "engine.enforce_eager=true", f"serve.api_key={KEY}", *extra,
    ]


@pytest.fixture(scope="module")
def probed(ray_cluster, tiny_model_dir, tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("guard") / "run"
    proc = run_job(["jobs/probe.py", "--config", "configs/probe.yaml", *overrides(run, tiny_model_dir)],
                   job_env(RAY_ADDRESS=ray_cluster[0]))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return run


def snapshot(run: Path) -> dict[str, bytes]:
    return {str(p.relative_to(run)): p.read_bytes() for p in sorted(run.rglob("*")) if p.is_file() and p.name != ".lease"}


@pytest.mark.parametrize("change, named", [
    ("sampling.k=3", "sampling.k: 2 -> 3"),
    ("prompt.answer_format=json", 'prompt.answer_format: "pythonic" -> "json"'),
    ("sampling.max_tokens=16", "sampling.max_tokens: 8 -> 16"),
    ("data.limit=3", "samples.n: 4 -> 3"),
])
def test_a_changed_config_is_refused_naming_the_field(probed, tiny_model_dir, change, named):
    before = snapshot(probed)
    with pytest.raises(ManifestMismatch) as e:
        run_probe(load_config("configs/probe.yaml", overrides(probed, tiny_model_dir, change)))
    assert named in str(e.value) and "resume=restart" in str(e.value)
    assert snapshot(probed) == before  # rejects.jsonl, manifest, shards: nothing rewritten


def test_another_model_is_refused(probed, tiny_model_dir, tmp_path):
    from ray_toolace.model import build_tiny_model

    other = build_tiny_model(tmp_path / "other", seed=1)
    with pytest.raises(ManifestMismatch, match=r"model\.base\.content: .* -> .*\n.*model\.base\.name_or_path"):
        run_probe(load_config("configs/probe.yaml", overrides(probed, other)))
    # an adapter added on the same base is another model too
    before = snapshot(probed)
    with pytest.raises(ManifestMismatch, match="model.lora_adapter|model.adapter"):
        run_probe(load_config("configs/probe.yaml", overrides(probed, tiny_model_dir, f"model.lora_adapter={other}")))
    assert snapshot(probed) == before


def test_no_run_file_holds_the_api_key(probed):
    files = [p for p in probed.rglob("*") if p.is_file()]
    assert any(p.name == "manifest.json" for p in files)
    for p in files:
        assert KEY.encode() not in p.read_bytes(), p
    manifest = json.loads((probed / "train" / "manifest.json").read_text())
    assert manifest["config"]["serve"]["api_key"] is None


def test_restart_redoes_the_stage_with_the_new_config(ray_cluster, probed, tiny_model_dir):
    proc = run_job(["jobs/probe.py", "--config", "configs/probe.yaml", *overrides(probed, tiny_model_dir, "sampling.k=3", "resume=restart")],
                   job_env(RAY_ADDRESS=ray_cluster[0]))
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = pq.read_table(probed / "train" / "table.parquet").to_pylist()
    assert len(rows) == 4 and all(len(r["answers"]) == 3 for r in rows)  # every shard redone with k=3
    manifest = json.loads((probed / "train" / "manifest.json").read_text())
    assert manifest["fingerprint"]["sampling"]["k"] == 3 and manifest["resumed"] == 0 and manifest["status"] == "done"
