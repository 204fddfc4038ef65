"""What the tracker records: flat params without secrets, stage, evaluation and step figures."""

from __future__ import annotations

from ray_toolace.config import Config, load_config
from ray_toolace.core.tracked import PARAM_VALUE_LIMIT, eval_figures, name, params, stage_figures, step_figures
from ray_toolace.stages.run_report import item_figures


def test_params_are_flat_and_strip_secrets():
    cfg = load_config(None, ["serve.api_key=sekrit-123", "sampling.k=8", "data.train=[bundled:train, bfcl:simple]"])
    p = params(cfg.model_dump(mode="json"))
    assert p["sampling.k"] == "8" and p["run_dir"] == cfg.run_dir
    assert p["data.train"] == '["bundled:train", "bfcl:simple"]'
    assert p["model.lora_adapter"] == "null" and p["tracking.mlflow"] == "false"
    assert "serve.api_key" not in p and not any("sekrit" in v for v in p.values())
    assert len(p) > 80  # every field of the resolved config, not a chosen few


def test_param_values_are_cut_to_mlflows_limit():
    p = params({"data": {"train": ["x" * 5000, "y" * 5000]}})
    assert len(p["data.train"]) == PARAM_VALUE_LIMIT


def test_names_keep_only_characters_mlflow_accepts():
    assert name("eval", "bfcl", "live:simple*", "first") == "eval/bfcl/live_simple_/first"


def test_probe_and_select_figures():
    probe = {"table": "t", "summary": {"mean_pass_rate": 0.25, "pass_at_k": 0.5, "histogram": [6, 0, 0, 2],
                                       "answered": 8, "rejects": 1, "prompt_too_long": 0}}
    f = stage_figures("probe", probe)
    assert f["probe/mean_pass_rate"] == 0.25 and f["probe/pass_at_k"] == 0.5 and f["probe/rejects"] == 1
    assert f["probe/hist/0.00-0.25"] == 6 and f["probe/hist/0.75-1.00"] == 2
    sel = {"uri": "u", "counts": {"mastered": 2, "learnable": 1, "too_hard": 5, "excluded": 0}, "selected": 6,
           "learning": 6, "replay": 0, "moved": {}, "new_selected": 6, "left_selected": 0, "change_share": 0.75}
    f = stage_figures("select", sel)
    assert f["select/bucket/too_hard"] == 5 and f["select/bucket/mastered"] == 2 and f["select/change_share"] == 0.75
    assert "select/uri" not in f


def test_train_figures_summarise_the_round():
    f = stage_figures("train", {"model_dir": "m", "steps": 3, "loss": [2.0, 1.5, 1.0], "real_tokens_per_s": 111.0,
                                "records": 96, "origins": {"ordinary": 64}})
    assert f == {"train/round/steps": 3.0, "train/round/records": 96.0, "train/round/real_tokens_per_s": 111.0,
                 "train/round/first_loss": 2.0, "train/round/final_loss": 1.0}


def _row(i: int, category: str, first: bool, refined: bool | None) -> dict:
    row = {"id": f"s{i}", "source": "generated", "category": category, "status": "ok", "valid": [first],
           "model_calls": 2, "prompt_tokens": 10, "completion_tokens": 5}
    if refined is not None:
        row["refine_valid"] = [first, refined]
    return row


def test_eval_figures_carry_n_and_standard_error():
    rows = [_row(0, "simple", True, True), _row(1, "simple", False, True), _row(2, "simple", False, False),
            _row(3, "irrelevance", True, True)]
    f = eval_figures(item_figures(rows))
    assert f["eval/generated/simple/first/acc"] == 1 / 3 and f["eval/generated/simple/first/n"] == 3
    assert abs(f["eval/generated/simple/first/se"] - ((1 / 3) * (2 / 3) / 3) ** 0.5) < 1e-12
    assert f["eval/generated/simple/refined/acc"] == 2 / 3
    assert f["eval/generated/all/first/n"] == 4 and f["eval/generated/all/first/acc"] == 0.5
    assert f["eval/generated/irrelevance/first/se"] == 0.0
    assert "eval/generated/mean_of_categories/first/acc" in f and "eval/generated/mean_of_categories/first/se" in f


def test_step_figures_give_throughput():
    f = step_figures({"loss": 1.25, "grad_norm": 0.5, "real_tokens": 300, "slot_tokens": 400, "seconds": 2.0})
    assert f == {"train/loss": 1.25, "train/grad_norm": 0.5, "train/real_tokens_per_s": 150.0, "train/padded_tokens_per_s": 200.0}


def test_tracking_is_off_by_default_and_needs_a_server_for_s3():
    assert Config().tracking.mlflow is False
    import pytest

    from ray_toolace.config import ConfigError

    with pytest.raises(ConfigError, match="tracking.uri"):
        load_config(None, ["tracking.mlflow=true", "run_dir=s3://bucket/run"])
    assert load_config(None, ["tracking.mlflow=true", "run_dir=s3://bucket/run", "tracking.uri=http://h:5000"]).tracking.uri
