"""Stage fingerprints: which fields differ, the refusal naming them, and every stage's use of it.

The comparison is pure (core/fingerprint.py); the stage records are exercised on real files in
a temp folder: run.json's stages (RunManifest), a probe's shard manifest, a training round's
fingerprint.json, and content-keyed merged-adapter folders.
"""

from __future__ import annotations

import json

import pytest

from ray_toolace.config import Config
from ray_toolace.core.fingerprint import differences, digest, fingerprint, mismatch_message
from ray_toolace.stages.manifest import ManifestMismatch, ShardManifest, reuse_or_refuse

A = {"model": {"base": {"name_or_path": "m1", "content": "aa"}}, "sampling": {"k": 2, "temperature": 0.8}, "prompt": {"answer_format": "pythonic"}}


def test_equal_fingerprints_have_no_differences_even_after_a_json_round_trip():
    assert differences(json.loads(json.dumps(A)), A) == []
    assert differences({"x": (1, 2)}, {"x": [1, 2]}) == []
    assert digest(A) == digest(json.loads(json.dumps(A))) and len(digest(A)) == 16


def test_each_changed_field_is_named_with_both_values():
    b = fingerprint(A)
    b["sampling"]["k"] = 4
    b["prompt"]["answer_format"] = "json"
    b["model"]["base"] = {"name_or_path": "m2", "content": "bb"}
    assert differences(A, b) == [
        "model.base.content: \"aa\" -> \"bb\"",
        "model.base.name_or_path: \"m1\" -> \"m2\"",
        "prompt.answer_format: \"pythonic\" -> \"json\"",
        "sampling.k: 2 -> 4",
    ]
    assert digest(A) != digest(b)


def test_added_and_removed_fields_and_a_missing_record_differ():
    assert differences({"a": 1}, {"a": 1, "b": 2}) == ["b: <absent> -> 2"]
    assert differences({"a": 1, "b": 2}, {"a": 1}) == ["b: 2 -> <absent>"]
    (only,) = differences(None, A)  # outputs of a version that recorded no fingerprint: never reused
    assert only.startswith("fingerprint: none recorded")


def test_the_refusal_names_the_fields_and_both_ways_out():
    text = mismatch_message("the stage", "runs/x/train", ["sampling.k: 2 -> 4"])
    assert "runs/x/train" in text and "sampling.k: 2 -> 4" in text
    assert "another run_dir" in text and "resume=restart" in text


def test_reuse_or_refuse_follows_the_resume_switch():
    b = {**A, "sampling": {"k": 4, "temperature": 0.8}}
    assert reuse_or_refuse(A, A, "refuse", "probe", "here") is True
    assert reuse_or_refuse(A, b, "restart", "probe", "here") is False
    with pytest.raises(ManifestMismatch, match=r"sampling\.k: 2 -> 4"):
        reuse_or_refuse(A, b, "refuse", "probe", "here")


def test_shard_manifest_check_refuses_other_fingerprints_and_writes_nothing(tmp_path):
    root = str(tmp_path / "train")
    assert ShardManifest.check(root, A, "refuse") is False  # nothing there yet
    m = ShardManifest.open(root, A, n_shards=2, config=Config(), resume=False)
    assert m.data["fingerprint"] == fingerprint(A) and m.data["digest"] == digest(A)
    assert ShardManifest.check(root, A, "refuse") is True
    before = (tmp_path / "train" / "manifest.json").read_bytes()
    with pytest.raises(ManifestMismatch, match="prompt.answer_format"):
        ShardManifest.check(root, {**A, "prompt": {"answer_format": "json"}}, "refuse")
    assert (tmp_path / "train" / "manifest.json").read_bytes() == before
    # a manifest of the older kind (a bare hash of the ids) is never resumed
    (tmp_path / "train" / "manifest.json").write_text(json.dumps({"fingerprint": "0123abcd", "n_shards": 2, "done": {}}))
    with pytest.raises(ManifestMismatch, match="none recorded"):
        ShardManifest.check(root, A, "refuse")


def test_restarted_shard_manifest_forgets_the_old_shards(tmp_path):
    import pyarrow as pa

    root = str(tmp_path / "train")
    m = ShardManifest.open(root, A, n_shards=1, config=Config(), resume=False)
    m.write_shard(0, pa.table({"id": ["x"]}))
    assert m.is_done(0)
    fresh = ShardManifest.open(root, {**A, "sampling": {"k": 3}}, n_shards=1, config=Config(), resume=False)
    assert not fresh.is_done(0) and fresh.data["fingerprint"]["sampling"] == {"k": 3}


def _manifest(tmp_path, **cfg_changes):
    from ray_toolace.stages.iterate import RunManifest

    cfg = Config.model_validate({"serve": {"api_key": "sekrit-1234"}, **cfg_changes})
    return RunManifest(str(tmp_path), cfg)


def test_run_manifest_skips_refuses_or_redoes_a_stage_by_its_fingerprint(tmp_path):
    calls = []

    def work():
        calls.append(1)
        return {"n": len(calls)}

    m = _manifest(tmp_path)
    rnd = m.round(0)
    assert m.stage(rnd, "select", {"select": {"hi": 1.0}}, work) == {"n": 1}
    assert m.stage(rnd, "select", {"select": {"hi": 1.0}}, work) == {"n": 1} and len(calls) == 1  # skipped

    again = _manifest(tmp_path)  # a re-run reading run.json back
    with pytest.raises(ManifestMismatch, match=r"round 0: select.*\n.*select\.hi: 1\.0 -> 0\.75"):
        again.stage(again.round(0), "select", {"select": {"hi": 0.75}}, work)
    assert len(calls) == 1

    restart = _manifest(tmp_path, resume="restart")
    assert restart.stage(restart.round(0), "select", {"select": {"hi": 0.75}}, work) == {"n": 2}
    stage = json.loads((tmp_path / "run.json").read_text())["rounds"][0]["stages"]["select"]
    assert stage["fingerprint"] == {"select": {"hi": 0.75}} and stage["digest"] == digest({"select": {"hi": 0.75}})


def test_run_json_and_manifest_json_hold_no_secret(tmp_path):
    m = _manifest(tmp_path)
    assert m.data["config"]["serve"]["api_key"] is None
    ShardManifest.open(str(tmp_path / "probe"), A, 1, Config.model_validate({"serve": {"api_key": "sekrit-1234"}}), resume=False)
    for path in tmp_path.rglob("*.json"):
        assert "sekrit-1234" not in path.read_text(), path
    assert Config.model_validate(m.data["config"]).serve.api_key is None  # a recorded config still loads


def test_training_round_fingerprint_guards_both_skip_and_checkpoint_resume(tmp_path):
    from ray_toolace.stages.fingerprints import train_fields
    from ray_toolace.stages.train_round import FINGERPRINT, settle_round

    out = tmp_path / "round"
    cfg = Config()
    records = [{"messages": [{"role": "user", "content": "hi"}], "origin": "ordinary"}]
    fields = train_fields(cfg, "base-model", records)
    assert settle_round(str(out), "round-0", fields, "refuse", 0) is True  # nothing there
    (out / "round-0").mkdir(parents=True)  # checkpoints of a run that recorded no fingerprint
    with pytest.raises(ManifestMismatch, match="none recorded"):
        settle_round(str(out), "round-0", fields, "refuse", 0)
    (out / FINGERPRINT).write_text(json.dumps(fingerprint(fields)))
    assert settle_round(str(out), "round-0", fields, "refuse", 0) is True
    cfg.train.lr = 5e-5
    other = train_fields(cfg, "base-model", records + records)
    with pytest.raises(ManifestMismatch) as e:
        settle_round(str(out), "round-0", other, "refuse", 0)
    assert "train.lr: 0.0001 -> 5e-05" in str(e.value) and "corpus.records: 1 -> 2" in str(e.value)
    assert settle_round(str(out), "round-0", other, "restart", 0) is False
    # paths, logging and retries do not change the model: not in the fingerprint
    cfg.train.output, cfg.train.log_every_steps = "elsewhere", 1
    assert train_fields(cfg, "base-model", records + records) == other


def test_merged_adapter_folders_are_keyed_by_the_adapters_content(tmp_path):
    from ray_toolace.model.merge import merged_path

    base = tmp_path / "base"
    base.mkdir()
    (base / "config.json").write_text("{}")
    adapter = tmp_path / "model"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": str(base)}))
    (adapter / "adapter_model.safetensors").write_bytes(b"weights-1")
    first = merged_path(str(adapter))
    assert first.startswith(str(adapter) + "-merged-") and merged_path(str(adapter)) == first
    (adapter / "adapter_model.safetensors").write_bytes(b"weights-2")  # retrained in place
    assert merged_path(str(adapter)) != first
    second = merged_path(str(adapter))
    (base / "config.json").write_text('{"changed": 1}')  # another base under the same path
    assert merged_path(str(adapter)) not in (first, second)
