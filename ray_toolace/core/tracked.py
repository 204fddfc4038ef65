"""What an experiment tracker records of a run, read from the run's own records. Pure.

    params(cfg.model_dump(mode="json"))          # {"sampling.k": "4", ...}, secret fields left out
    stage_figures("probe", result)               # {"probe/mean_pass_rate": 0.4, "probe/hist/0.0-0.1": 12, ...}
    eval_figures(item_figures(rows))             # {"eval/generated/simple/first/acc": 0.4, ".../n": 15, ".../se": 0.13}
    step_figures(out)                            # one training step: loss, throughput

ray_toolace/tracking.py sends these to MLflow. Names use MLflow's allowed characters; every
accuracy comes with its sample count and standard error, as in the run report.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ray_toolace.core.probe_table import HISTORY_GROUP
from ray_toolace.core.secrets import is_secret_field

PARAM_VALUE_LIMIT = 6000  # MLflow refuses longer parameter values
_NAME_BAD = re.compile(r"[^A-Za-z0-9_\-. /]")


def name(*parts: Any) -> str:
    """A metric name from parts, '/'-joined, any character MLflow refuses replaced by '_'.

    >>> name("eval", "bfcl", "live:simple", "first", "acc")
    'eval/bfcl/live_simple/first/acc'
    """
    return "/".join(_NAME_BAD.sub("_", str(p)) for p in parts)


def params(config: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """A dumped config as flat dotted parameters, secret fields (core/secrets.py) left out;
    lists and None as JSON, values cut to MLflow's limit."""
    out: dict[str, str] = {}
    for key, value in config.items():
        dotted = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            out.update(params(value, dotted))
        elif not is_secret_field(dotted):
            text = value if isinstance(value, str) else json.dumps(value)
            out[dotted] = text[:PARAM_VALUE_LIMIT]
    return out


def _numbers(prefix: str, values: dict[str, Any] | None) -> dict[str, float]:
    return {name(prefix, k): float(v) for k, v in (values or {}).items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def histogram_figures(prefix: str, counts: list[int]) -> dict[str, float]:
    """Bin counts of pass rates over [0, 1] as one figure per bin.

    >>> histogram_figures("probe/hist", [3, 0, 1, 2])
    {'probe/hist/0.00-0.25': 3.0, 'probe/hist/0.25-0.50': 0.0, 'probe/hist/0.50-0.75': 1.0, 'probe/hist/0.75-1.00': 2.0}
    """
    bins = len(counts)
    return {name(prefix, f"{i / bins:.2f}-{(i + 1) / bins:.2f}"): float(c) for i, c in enumerate(counts)}


def stage_figures(stage: str, result: dict[str, Any]) -> dict[str, float]:
    """One finished stage of a round (its run.json result) as figures."""
    if stage == "probe":
        s = result.get("summary") or {}
        keys = ("mean_pass_rate", "pass_at_k", "answered", "rejects", "prompt_too_long")
        return {**_numbers("probe", {k: s.get(k) for k in keys}), **histogram_figures("probe/hist", s.get("histogram") or [])}
    if stage == "select":
        keys = ("selected", "learning", "replay", "new_selected", "left_selected", "change_share")
        return {**_numbers("select", {k: result.get(k) for k in keys}), **_numbers("select/bucket", result.get("counts"))}
    if stage == "corpus":
        return {**_numbers("corpus", {"records": result.get("records")}), **_numbers("corpus/origin", result.get("counts"))}
    if stage == "train":
        loss = result.get("loss") or []
        keys = ("steps", "records", "real_tokens_per_s", "padded_tokens_per_s", "train_seconds")
        figures = _numbers("train/round", {k: result.get(k) for k in keys})
        if loss:
            figures.update({"train/round/first_loss": float(loss[0]), "train/round/final_loss": float(loss[-1])})
        return figures
    return {}


def _accuracy(prefix: str, acc: dict[str, Any] | None) -> dict[str, float]:
    if not acc:
        return {}
    return {name(prefix, "acc"): float(acc["p"]), name(prefix, "n"): float(acc["n"]), name(prefix, "se"): float(acc["se"])}


def eval_figures(items: dict[str, Any]) -> dict[str, float]:
    """One model's evaluation (run_report's `item_figures`: per source, per category and all
    items pooled) as accuracy, n and standard error, first answer and after refinement, plus
    the unweighted mean of categories with its standard error."""
    out: dict[str, float] = {}
    for source, part in items.items():
        groups = {**part.get("categories", {}), HISTORY_GROUP: part.get(HISTORY_GROUP), "all": part.get("all")}
        for group, cell in groups.items():
            if not cell:
                continue
            out.update(_accuracy(name("eval", source, group, "first"), cell.get("first")))
            out.update(_accuracy(name("eval", source, group, "refined"), cell.get("refined")))
            out[name("eval", source, group, "mean_model_calls")] = float(cell.get("mean_model_calls") or 0.0)
        for answer, mean in (part.get("mean_of_categories") or {}).items():
            if mean:
                out[name("eval", source, "mean_of_categories", answer, "acc")] = float(mean["p"])
                out[name("eval", source, "mean_of_categories", answer, "se")] = float(mean["se"])
    return out


def step_figures(out: dict[str, float]) -> dict[str, float]:
    """One optimizer step (the training core's step result) as figures: loss, gradient norm and
    tokens per second, real and with padding."""
    seconds = float(out.get("seconds") or 0.0)
    figures = {"train/loss": float(out["loss"]), "train/grad_norm": float(out.get("grad_norm") or 0.0)}
    if seconds > 0:
        figures["train/real_tokens_per_s"] = float(out.get("real_tokens") or 0) / seconds
        figures["train/padded_tokens_per_s"] = float(out.get("slot_tokens") or 0) / seconds
    return figures
