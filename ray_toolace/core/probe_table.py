"""Rows of the probe table, and what a summary says about them (pure).

One row per sample: its k answers, each answer's verdict, the pass rate and pass@k (METHOD.md
§3), and token counts. In evaluation with refinement, a row also holds the verdict after each
refinement step (`refine_valid`, step 0 = the first answer), the model calls and the stop
reason, so accuracy can be reported step by step and per category.

Tokens: `prompt_tokens` / `completion_tokens` count the first call (the k answers share one
prompt), `refine_prompt_tokens` / `refine_completion_tokens` the refinement calls; a sample's
total is their sum (`sample_tokens`).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from functools import lru_cache
from typing import Any, Iterable

from ray_toolace.core.checker import check_answer
from ray_toolace.core.parsers.base import AnswerParser
from ray_toolace.core.refine import RefineLoop
from ray_toolace.core.scoring import category_scores, error_counts, format_table, overall, pass_at_k, pass_rate
from ray_toolace.core.types import Sample, Verdict

STATUS_OK = "ok"
STATUS_TOO_LONG = "prompt_too_long"
HIST_BINS = 10


def verdict_of(sample: Sample, text: str, parser: AnswerParser) -> Verdict:
    return check_answer(sample.tools, text, sample.ground_truth, sample.category, parser)[0]


def probe_row(
    sample: Sample,
    answers: list[str],
    parser: AnswerParser,
    prompt_tokens: int,
    completion_tokens: int,
    shard: int,
    refinement: RefineLoop | None = None,
) -> dict[str, Any]:
    """The table row for one answered sample; `refinement` is the first answer's loop (evaluation)."""
    verdicts = [verdict_of(sample, a, parser) for a in answers]
    valid = [v.valid for v in verdicts]
    row = base_row(sample, shard, STATUS_OK)
    row.update(
        answers=answers,
        valid=valid,
        error_types=[v.error_type or "" for v in verdicts],
        pass_rate=pass_rate(valid),
        pass_at_k=pass_at_k(valid),
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
    )
    if refinement is not None:
        # verdict after each step of the first answer's refinement (a stopped loop keeps its answer)
        r = refinement.refinement
        row.update(
            refine_valid=[verdict_of(sample, s.text, parser).valid for s in r.steps],
            model_calls=refinement.model_calls,
            stop_reason=r.stop_reason or "",
            refine_trace=json.dumps(refinement.trace(), ensure_ascii=False, default=repr),
            refine_prompt_tokens=refinement.refine_prompt_tokens,
            refine_completion_tokens=refinement.refine_completion_tokens,
        )
    return row


def base_row(sample: Sample, shard: int, status: str) -> dict[str, Any]:
    return {
        "id": sample.id,
        "category": sample.category,
        "source": sample.source,
        "shard": shard,
        "status": status,
        "sample": json.dumps(sample.to_row(), ensure_ascii=False),
        "answers": [],
        "valid": [],
        "error_types": [],
        "pass_rate": 0.0,
        "pass_at_k": False,
        "prompt_tokens": 0,
        "completion_tokens": 0,
        "refine_valid": [],
        "model_calls": 0,
        "stop_reason": "",
        "refine_trace": "",
        "refine_prompt_tokens": 0,
        "refine_completion_tokens": 0,
    }


def too_long_row(sample: Sample, shard: int, prompt_tokens: int) -> dict[str, Any]:
    """A sample whose prompt does not fit the model's context: reported, not answered."""
    row = base_row(sample, shard, STATUS_TOO_LONG)
    row["prompt_tokens"] = prompt_tokens
    return row


def histogram(pass_rates: list[float], bins: int = HIST_BINS) -> list[int]:
    """Counts of pass rates in `bins` equal bins over [0, 1]; 1.0 falls in the last bin."""
    counts = [0] * bins
    for p in pass_rates:
        counts[min(int(p * bins), bins - 1)] += 1
    return counts


def summarize(rows: list[dict[str, Any]], rejects: int = 0) -> dict[str, Any]:
    """Per-category pass rate and accuracy, histogram, errors, and refinement figures."""
    answered = [r for r in rows if r["status"] == STATUS_OK]
    by_cat: dict[str, list[float]] = defaultdict(list)
    for r in answered:
        by_cat[r["category"]].append(r["pass_rate"])
    # accuracy of the first answer (greedy in evaluation) per category, BFCL-style overall
    first = category_scores((r["category"], bool(r["valid"][0])) for r in answered if len(r["valid"]))
    summary: dict[str, Any] = {
        "samples": len(rows),
        "answered": len(answered),
        "prompt_too_long": sum(1 for r in rows if r["status"] == STATUS_TOO_LONG),
        "rejects": rejects,
        "mean_pass_rate": sum(r["pass_rate"] for r in answered) / len(answered) if answered else 0.0,
        "pass_at_k": sum(1 for r in answered if r["pass_at_k"]) / len(answered) if answered else 0.0,
        "pass_rate_by_category": {c: sum(v) / len(v) for c, v in sorted(by_cat.items())},
        "accuracy_by_category": {s.category: s.accuracy for s in first},
        "overall": overall(first),
        "histogram": histogram([r["pass_rate"] for r in answered]),
        "errors": error_counts(e for r in answered for e in r["error_types"]),
        "prompt_tokens": sum(r["prompt_tokens"] for r in rows),
        "completion_tokens": sum(r["completion_tokens"] for r in answered),
        "refine_prompt_tokens": sum(r.get("refine_prompt_tokens") or 0 for r in answered),
        "refine_completion_tokens": sum(r.get("refine_completion_tokens") or 0 for r in answered),
        "sources": dict(Counter(r["source"] for r in rows)),
    }
    refined = [r for r in answered if len(r.get("refine_valid") or [])]
    if refined:
        summary["refinement"] = refinement_summary(refined)
    # BFCL and a held-out split share category names: score each source on its own too
    summary["by_source"] = {}
    for source in sorted({r["source"] for r in answered}):
        mine = [r for r in answered if r["source"] == source]
        scores = category_scores((r["category"], bool(r["valid"][0])) for r in mine if len(r["valid"]))
        part: dict[str, Any] = {
            "samples": len(mine),
            "accuracy_by_category": {s.category: s.accuracy for s in scores},
            "overall": overall(scores),
            "mean_pass_rate": sum(r["pass_rate"] for r in mine) / len(mine),
        }
        mine_refined = [r for r in mine if len(r.get("refine_valid") or [])]
        if mine_refined:
            part["refinement"] = refinement_summary(mine_refined)
        summary["by_source"][source] = part
    return summary


def answered_rows(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows the model answered (the prompt fitted and at least one verdict was recorded)."""
    return [r for r in rows if (r.get("status") or STATUS_OK) == STATUS_OK and len(r.get("valid") or [])]


HISTORY_GROUP = "with_tool_results"  # reports' row of multi-turn samples, across categories


@lru_cache(maxsize=65536)
def _sample_has_tool_results(sample_json: str) -> bool:
    return Sample.from_row(json.loads(sample_json)).has_tool_results


def has_tool_results(row: dict[str, Any]) -> bool:
    """Whether a table row's sample is multi-turn (tool results in its history); False for a
    row without a readable sample."""
    raw = row.get("sample")
    if not isinstance(raw, str):
        return False
    try:
        return _sample_has_tool_results(raw)
    except (ValueError, KeyError, TypeError):
        return False


def first_valid(row: dict[str, Any]) -> bool:
    """The verdict on the first answer (greedy in evaluation)."""
    return bool(row["valid"][0])


def refined_valid(row: dict[str, Any]) -> bool | None:
    """The verdict after the last refinement step (a loop that stopped early keeps its last
    answer); None when the row was not refined."""
    steps = row.get("refine_valid") or []
    return bool(steps[-1]) if len(steps) else None


def sample_tokens(row: dict[str, Any]) -> tuple[int, int]:
    """(prompt, generated) tokens of one sample, its refinement calls included."""
    return (int(row.get("prompt_tokens") or 0) + int(row.get("refine_prompt_tokens") or 0),
            int(row.get("completion_tokens") or 0) + int(row.get("refine_completion_tokens") or 0))


def refinement_figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """First answer against the refined one over some refined rows: accuracy, flips, cost."""
    first = [bool(r["valid"][0]) for r in rows]
    final = [bool(r["refine_valid"][-1]) for r in rows]
    tokens = [sample_tokens(r) for r in rows]
    n = len(rows)
    return {
        "n": n,
        "first_accuracy": sum(first) / n,
        "refined_accuracy": sum(final) / n,
        "right_to_wrong": sum(1 for a, b in zip(first, final) if a and not b),
        "wrong_to_right": sum(1 for a, b in zip(first, final) if b and not a),
        "mean_model_calls": sum(r["model_calls"] for r in rows) / n,
        "mean_prompt_tokens": sum(p for p, _ in tokens) / n,
        "mean_completion_tokens": sum(c for _, c in tokens) / n,
    }


def refinement_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Accuracy after each refinement step (per category and overall), mean model calls, stop
    reasons, and per category (`by_category`) and over all rows (`all`) the `refinement_figures`."""
    steps = max(len(r["refine_valid"]) for r in rows)
    per_step = []
    for i in range(steps):
        # a loop that stopped earlier keeps its last answer
        scores = category_scores((r["category"], bool(r["refine_valid"][min(i, len(r["refine_valid"]) - 1)])) for r in rows)
        per_step.append({"step": i, "overall": overall(scores), "by_category": {s.category: s.accuracy for s in scores}})
    return {
        "per_step": per_step,
        "mean_model_calls": sum(r["model_calls"] for r in rows) / len(rows),
        "stop_reasons": dict(Counter(r["stop_reason"] for r in rows)),
        "by_category": {c: refinement_figures([r for r in rows if r["category"] == c])
                        for c in sorted({r["category"] for r in rows})},
        "all": refinement_figures(rows),
    }


def accuracy_table(rows: list[dict[str, Any]]) -> str:
    """First-answer accuracy per category, one table per source (BFCL, generated, ...)."""
    answered = [r for r in rows if r["status"] == STATUS_OK and len(r["valid"])]
    tables = []
    for source in sorted({r["source"] for r in answered}):
        scores = category_scores((r["category"], bool(r["valid"][0])) for r in answered if r["source"] == source)
        tables.append(f"[{source}]\n" + format_table(scores))
    return "\n\n".join(tables)
