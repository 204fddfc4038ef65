"""The method ablation's figures and verdicts (pure): does each of ToolACE-R's three claims hold?

`benchmarks/bench_method.py` trains and evaluates the arms; this module turns their evaluation
tables (rows of `eval-*/table.parquet`) into one table and a verdict per claim:

- (a) **selection**: model-aware selection vs a random subset of the same size, same start,
  same records count: the first-answer accuracy of the two trained models, paired on items;
- (b) **refinement corpus**: training with the self-refinement records vs without: each model's
  refinement gain (accuracy after adaptive refinement minus first answer, paired on items) and
  its flips, and the difference of the two gains, paired on items;
- (c) **adaptive schedule**: the same model refined adaptively vs always N_max times: model
  calls and tokens per sample, and the accuracy after refinement, paired on items ("at equal
  accuracy" means the difference is within noise).

A verdict says "supported", "not supported" or "contradicted", always with the figure it rests
on; a claim that does not hold at this scale is reported as such, never smoothed over.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

from ray_toolace.core.probe_table import answered_rows, first_valid, refined_valid, sample_tokens
from ray_toolace.core.stats import Z95, PairedDifference, accuracy_of, pair_by_id, paired_difference


def answered(rows: Iterable[dict[str, Any]], source: str | None = None) -> list[dict[str, Any]]:
    """Evaluation rows the model answered (prompt fitted), optionally of one source."""
    return [r for r in answered_rows(rows) if source is None or r.get("source") == source]


def refined_ok(row: dict[str, Any]) -> bool:
    """The verdict after refinement; an unrefined row keeps its first answer's."""
    verdict = refined_valid(row)
    return first_valid(row) if verdict is None else verdict


def arm_figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One arm's figures: first-answer and refined accuracy (with se), flips, cost per sample."""
    rows = answered(rows)
    n = len(rows)
    first, refined = accuracy_of(first_valid(r) for r in rows), accuracy_of(refined_ok(r) for r in rows)
    cost = [sample_tokens(r) for r in rows]
    return {
        "n": n,
        "first": first,
        "refined": refined,
        "right_to_wrong": sum(1 for r in rows if first_valid(r) and not refined_ok(r)),
        "wrong_to_right": sum(1 for r in rows if not first_valid(r) and refined_ok(r)),
        "model_calls": sum(int(r.get("model_calls") or 1) for r in rows) / n if n else 0.0,
        "prompt_tokens": sum(p for p, _ in cost) / n if n else 0.0,
        "generated_tokens": sum(g for _, g in cost) / n if n else 0.0,
    }


def compare(a_rows: list[dict[str, Any]], b_rows: list[dict[str, Any]], a_answer: str = "first",
            b_answer: str | None = None, source: str | None = None) -> PairedDifference:
    """B minus A on the items both answered (paired by id); answers "first" or "refined"."""
    pick = {"first": first_valid, "refined": refined_ok}
    fa, fb = pick[a_answer], pick[b_answer or a_answer]
    pairs = pair_by_id(answered(a_rows, source), answered(b_rows, source))
    return paired_difference([fa(a) for a, _ in pairs], [fb(b) for _, b in pairs])


def mean_difference(values: list[float]) -> dict[str, float]:
    """Mean of per-item differences with its standard error and 95% interval."""
    n = len(values)
    if not n:
        return {"n": 0, "diff": 0.0, "se": 0.0, "low": 0.0, "high": 0.0}
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / n
    se = math.sqrt(var / n)
    return {"n": n, "diff": mean, "se": se, "low": mean - Z95 * se, "high": mean + Z95 * se}


def gain_difference(with_rows: list[dict[str, Any]], without_rows: list[dict[str, Any]]) -> dict[str, float]:
    """(refined - first) of one model minus the same of another, per item, paired by id."""
    pairs = pair_by_id(answered(with_rows), answered(without_rows))
    return mean_difference([(refined_ok(a) - first_valid(a)) - (refined_ok(b) - first_valid(b)) for a, b in pairs])


def _verdict(low: float, high: float, better: str, worse: str, noise: str) -> str:
    if low > 0:
        return better
    if high < 0:
        return worse
    return noise


def _pts(x: float) -> str:
    return f"{100 * x:+.1f}"


def _interval(d: PairedDifference | dict[str, float]) -> str:
    low, high = (d.low, d.high) if isinstance(d, PairedDifference) else (d["low"], d["high"])
    return f"[{_pts(low)}, {_pts(high)}]"


def claims(arms: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The three verdicts from the arms' evaluation rows.

    Arms by name: "selected" (selection + refinement corpus, the method), "selected_plain"
    (selection, no refinement records), "random_plain" (a random subset of the same size, no
    refinement records), "selected_fixed" (the method's model, fixed schedule). Missing arms
    give no verdict for their claim.
    """
    out = []
    if "selected_plain" in arms and "random_plain" in arms:
        d = compare(arms["random_plain"], arms["selected_plain"])
        out.append({
            "claim": "(a) model-aware selection beats a random subset of the same size",
            "figure": f"first answer, selected - random: {_pts(d.diff)} pts, 95% interval {_interval(d)} (n={d.n})",
            "verdict": _verdict(d.low, d.high, "supported", "contradicted", "not supported: within noise"),
            "detail": d.to_dict(),
        })
    if "selected" in arms and "selected_plain" in arms:
        gain_with = compare(arms["selected"], arms["selected"], "first", "refined")
        gain_without = compare(arms["selected_plain"], arms["selected_plain"], "first", "refined")
        diff = gain_difference(arms["selected"], arms["selected_plain"])
        fig_with, fig_without = arm_figures(arms["selected"]), arm_figures(arms["selected_plain"])
        out.append({
            "claim": "(b) training on the self-refinement corpus makes refinement gain",
            "figure": (f"refinement gain with the corpus {_pts(gain_with.diff)} pts {_interval(gain_with)} "
                       f"(wrong->right {fig_with['wrong_to_right']}, right->wrong {fig_with['right_to_wrong']}); "
                       f"without {_pts(gain_without.diff)} pts {_interval(gain_without)} "
                       f"(wrong->right {fig_without['wrong_to_right']}, right->wrong {fig_without['right_to_wrong']}); "
                       f"difference of gains {_pts(diff['diff'])} pts {_interval(diff)} (n={diff['n']})"),
            "verdict": _verdict(gain_with.low, gain_with.high, "supported", "contradicted: refinement loses accuracy",
                                "not supported: the gain is within noise"),
            "detail": {"gain_with": gain_with.to_dict(), "gain_without": gain_without.to_dict(), "gain_difference": diff},
        })
    if "selected" in arms and "selected_fixed" in arms:
        adaptive, fixed = arm_figures(arms["selected"]), arm_figures(arms["selected_fixed"])
        d = compare(arms["selected_fixed"], arms["selected"], "refined")
        ratio = adaptive["model_calls"] / fixed["model_calls"] if fixed["model_calls"] else 0.0
        token_ratio = ((adaptive["prompt_tokens"] + adaptive["generated_tokens"])
                       / max(fixed["prompt_tokens"] + fixed["generated_tokens"], 1e-9))
        if d.high < 0:
            verdict = "contradicted: adaptive loses accuracy beyond noise"
        elif ratio < 1.0:
            verdict = "supported"  # cheaper, and accuracy within noise of the fixed schedule (or better)
        else:
            verdict = "not supported: adaptive is not cheaper"
        out.append({
            "claim": "(c) the adaptive schedule costs fewer model calls than the fixed one at equal accuracy",
            "figure": (f"model calls per sample {adaptive['model_calls']:.2f} vs {fixed['model_calls']:.2f} "
                       f"(ratio {ratio:.2f}), tokens per sample ratio {token_ratio:.2f}; accuracy after refinement, "
                       f"adaptive - fixed: {_pts(d.diff)} pts {_interval(d)} (n={d.n})"),
            "verdict": verdict,
            "detail": {"calls_ratio": ratio, "tokens_ratio": token_ratio, "accuracy": d.to_dict()},
        })
    return out
