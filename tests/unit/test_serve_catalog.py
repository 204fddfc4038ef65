"""serve/catalog.py: which rounds of a run are served, which model a request picks, when the
ingress lists again, which loaded model makes room; and serve/rounds.py's listing of a local run."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ray_toolace.serve.catalog import (
    ListingPolicy,
    LoadedModels,
    ModelsBusy,
    ServedModel,
    UnknownModel,
    adapter_problem,
    catalog,
    choose,
    default_model,
    finished_rounds,
    on_base,
    round_numbers,
    summary_paths,
)

LORA = {"method": "lora", "steps": 3, "loss": [2.0, 1.5]}


def test_round_folders_in_numeric_order_and_nothing_else():
    names = ["round-10", "round-2", "eval-0", "round-x", "round-2", "report.md", "round-1/", "xround-3", "round-03"]
    assert round_numbers(names) == [1, 2, 3, 10]
    assert summary_paths(4) == ["round-4/train/round.json", "round-4/round.json"]


def test_finished_rounds_from_both_layouts_in_round_order():
    rounds = finished_rounds("m", {
        "round-1/round.json": {"method": "full"},       # a lone train_round job's layout
        "round-0/train/round.json": LORA,               # iterate's
        "round-10/train/round.json": LORA,
    })
    assert [(r.id, r.round, r.path, r.kind) for r in rounds] == [
        ("m:round-0", 0, "round-0/train/model", "lora"),
        ("m:round-1", 1, "round-1/model", "full"),
        ("m:round-10", 10, "round-10/train/model", "lora"),
    ]


def test_only_well_formed_rounds_are_served():
    rounds = finished_rounds("m", {
        "round-0/train/round.json": ["not", "an", "object"],
        "round-1/train/round.json": {"method": "dpo"},
        "round-2/probe/round.json": LORA,
        "eval-3/round.json": LORA,
        "round-4/train/model/round.json": LORA,
        "round-5/train/other.json": LORA,
        "round-6/train/round.json": {},  # no method recorded: round.json of a LoRA round
    })
    assert [(r.round, r.kind) for r in rounds] == [(6, "lora")]


def test_iterate_layout_wins_and_a_retrained_round_is_another_version():
    both = finished_rounds("m", {"round-0/round.json": {"method": "full"}, "round-0/train/round.json": LORA})
    assert [(r.path, r.kind) for r in both] == [("round-0/train/model", "lora")]
    (before,) = finished_rounds("m", {"round-0/train/round.json": LORA})
    (same,) = finished_rounds("m", {"round-0/train/round.json": dict(reversed(list(LORA.items())))})
    (after,) = finished_rounds("m", {"round-0/train/round.json": {**LORA, "loss": [2.0, 1.2]}})
    assert before.version == same.version != after.version
    assert before.key != after.key and before.key.startswith("m:round-0@")


def test_adapters_trained_on_other_weights_are_left_out_with_why():
    def trained_on(content):
        return {**LORA, "root_base": {"name_or_path": "/models/x", "content": content}}

    rounds = finished_rounds("m", {
        "round-0/train/round.json": trained_on("aaa"),
        "round-1/train/round.json": trained_on("bbb"),            # another base model
        "round-2/train/round.json": LORA,                         # written before the field existed
        "round-3/round.json": {"method": "full", "root_base": {"content": "bbb"}},  # a whole model
        "round-4/train/round.json": {**LORA, "root_base": "garbage"},
    })
    assert [r.trained_on for r in rounds] == ["aaa", "bbb", None, "bbb", None]
    served, refused = on_base(rounds, "aaa")
    assert [m.round for m in served] == [0, 2, 3, 4]
    assert list(refused) == ["m:round-1"] and "content bbb" in refused["m:round-1"] and "content aaa" in refused["m:round-1"]
    models = catalog("m", served)
    with pytest.raises(UnknownModel, match=r"'m:round-1' is not served here: its adapter was trained on other weights"):
        choose(models, "m:round-1", refused)
    with pytest.raises(UnknownModel, match="served: m, m:round-0"):
        choose(models, "m:round-9", refused)
    assert on_base(rounds, None) == (rounds, {})  # a base that is no local folder: unchecked


def test_catalog_choice_and_default():
    base_only = catalog("m", [])
    assert list(base_only) == ["m"] and default_model(base_only).kind == "base" and base_only["m"].key == "m"
    rounds = finished_rounds("m", {"round-1/train/round.json": LORA, "round-0/train/round.json": LORA})
    models = catalog("m", reversed(rounds))
    assert list(models) == ["m", "m:round-0", "m:round-1"]
    assert choose(models, None).id == choose(models, "").id == "m:round-1"  # the newest round
    assert choose(models, "m").kind == "base" and choose(models, "m:round-0").round == 0
    with pytest.raises(UnknownModel, match=r"'m:round-7' is not served here; served: m, m:round-0, m:round-1"):
        choose(models, "m:round-7")


def test_listing_policy():
    p = ListingPolicy(refresh_s=10, unknown_relist_s=1)
    assert p.stale(0) and p.relist_for(None, True, 0) and p.relist_for("x", False, 0)
    p.listed_at = 100.0
    assert not p.stale(105) and p.stale(110)
    assert not p.relist_for("m", True, 105)           # a known name: no listing
    assert not p.relist_for(None, True, 105) and p.relist_for(None, True, 111)  # the default: when stale
    assert not p.relist_for("new", False, 100.5)      # unknown: at most once per second
    assert p.relist_for("new", False, 101.0)


def test_loaded_models_lru_never_evicts_busy_ones():
    lm = LoadedModels(2)
    assert lm.victims() == []
    lm.add("a")
    lm.add("b")
    assert lm.victims() == ["a"]                      # the least recently used
    lm.acquire("a")                                   # a request on a: b is now the oldest
    assert lm.victims() == ["b"]
    lm.acquire("b")
    with pytest.raises(ModelsBusy, match="2 loaded model slot"):
        lm.victims()
    lm.release("a")
    assert lm.victims() == ["a"] and lm.victims(adding=0) == []
    lm.release("b")
    lm.release("b")                                   # more releases than requests stay at 0
    assert lm.victims(adding=2) == ["a", "b"]
    lm.remove("a")
    assert lm.keys() == ["b"] and "b" in lm and len(lm) == 1
    with pytest.raises(ValueError):
        LoadedModels(0)


def test_adapter_problem():
    assert adapter_problem({"r": 8}, 16) is None and adapter_problem({"r": 16}, 16) is None
    assert "rank 32 exceeds engine.max_lora_rank=16" in adapter_problem({"r": 32}, 16)
    assert "no peft adapter" in adapter_problem(None, 16)
    assert "no valid rank" in adapter_problem({"r": "8"}, 16)


def test_catalog_imports_nothing_heavy():
    code = ("import sys, ray_toolace.serve.catalog\n"
            "print(','.join(m for m in ('ray', 'torch', 'vllm', 'transformers', 'pyarrow') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_list_served_reads_a_local_run(tmp_path):
    from ray_toolace.serve.rounds import list_served, local_model_folder

    def round_dir(rel, summary):
        folder = tmp_path / rel
        (folder / "model").mkdir(parents=True)
        (folder / "round.json").write_text(json.dumps(summary) if isinstance(summary, dict) else summary)

    round_dir("round-0/train", LORA)
    round_dir("round-2", {"method": "full"})
    round_dir("round-3/train", "{broken")
    (tmp_path / "round-1" / "train").mkdir(parents=True)  # still training: no round.json
    (tmp_path / "eval-1").mkdir()
    models, refused = list_served("m", str(tmp_path))
    assert list(models) == ["m", "m:round-0", "m:round-2"] and refused == {}
    assert models["m:round-0"].path == str(tmp_path / "round-0" / "train" / "model")
    assert local_model_folder(models["m:round-2"]) == str(tmp_path / "round-2" / "model")
    assert list(list_served("m", str(tmp_path / "not-yet")).models) == ["m"]  # a run that has not started
    round_dir("round-4/train", {**LORA, "root_base": {"name_or_path": "/elsewhere", "content": "other"}})
    models, refused = list_served("m", str(tmp_path), base_content="mine")
    assert "m:round-4" not in models and "m:round-0" in models and list(refused) == ["m:round-4"]
    with pytest.raises(FileNotFoundError):
        local_model_folder(ServedModel("m:round-9", 9, str(tmp_path / "round-9" / "model"), "lora"))


def test_serve_config_refuses_an_adapter_and_rounds_together(tmp_path):
    from ray_toolace.config import load_config
    from ray_toolace.serve.app import build_app

    cfg = load_config(None, [f"serve.rounds_from={tmp_path}", f"model.lora_adapter={tmp_path}", "engine.use_gpu=false"])
    with pytest.raises(ValueError, match="not both"):
        build_app(cfg)
    assert load_config(None, []).serve.rounds_from is None  # unset: the single-model endpoint
