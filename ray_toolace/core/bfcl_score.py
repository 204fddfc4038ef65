"""BFCL v4's score groups and overall accuracy, from per-category results, as bfcl-eval computes them.

Input: per BFCL category, (correct, total) of the samples run. Category names are this project's
(`simple` is BFCL's `simple_python`, see core/formats/bfcl.py) or BFCL's own; other names are
not BFCL categories and are left out (listed in `V4Score.ignored`).

The groups and how each is computed (bfcl-eval's leaderboard aggregation, version 2026.3.23):

    Non-Live AST Acc       unweighted mean of Non-Live Simple AST, multiple, parallel,
                           parallel_multiple (irrelevance is not in it)
      Non-Live Simple AST  unweighted mean of simple_python, simple_java, simple_javascript
    Live Acc               mean of live_simple, live_multiple, live_parallel, live_parallel_multiple
                           weighted by their test counts
    Irrelevance Detection  unweighted mean of irrelevance and live_irrelevance
    Multi Turn Acc         unweighted mean of multi_turn_base, _miss_func, _miss_param, _long_context
    Agentic Overall Acc    unweighted mean of Web Search Acc and Memory Acc
      Web Search Acc       unweighted mean of web_search_base, web_search_no_snippet
      Memory Acc           unweighted mean of memory_kv, memory_vector, memory_rec_sum
    Relevance Detection    live_relevance alone; reported, but not part of the overall
    Overall Acc            10% non-live + 10% live + 10% irrelevance + 30% multi-turn + 40% agentic

A category not run counts as accuracy 0 everywhere, as in bfcl-eval, which also gives it its
full size as test count (so it weighs in Live Acc as if all its entries had been answered
wrong); `SIZES` holds those sizes. A category run counts with the number of its samples run,
which is what bfcl-eval counts for the results it scored: on a draw of a few samples per
category, Live Acc weighs the live categories by the draw's counts, not by BFCL's file sizes.
bfcl-eval shows "N/A" for a category not run and for most summaries with a category not run
below it (not for the overall, nor the non-live, live, multi-turn and agentic accuracies that
enter it); here every category and group says what of it was not run (`not_run`, `status`).

This project reads Python's simple category only, so simple_java and simple_javascript are not
run: Non-Live Simple AST is then a third of simple_python's accuracy, exactly as bfcl-eval
computes it when those two are missing, and the table marks them not run.

Standard errors: every figure is a fixed linear combination sum_c w_c p_c of category
accuracies (`Part.weights` holds the w_c: 1/3 for each language in Non-Live Simple AST, a
quarter of that again in Non-Live AST, count shares in Live Acc, then the overall's 10/30/40%
weights), and categories hold different samples, so

    se = sqrt(sum_c w_c^2 p_c (1 - p_c) / n_c)

over the categories run; a category not run is a constant 0 and adds nothing.

>>> s = bfcl_v4({"simple": (30, 40), "irrelevance": (10, 20)})
>>> p = s.part("non_live_simple")
>>> round(p.accuracy, 4), p.status, p.not_run
(0.25, 'partial', ('simple_java', 'simple_javascript'))
>>> round(s.overall.accuracy, 5)
0.03125
>>> s.part("multi_turn").status
'not run'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

VERSION = "BFCL_v4"

# How many entries bfcl-eval 2026.3.23 loads per category (memory without its prerequisite
# conversations): the test count it gives a category that was not run.
SIZES: dict[str, int] = {
    "simple_python": 400,
    "simple_java": 100,
    "simple_javascript": 50,
    "multiple": 200,
    "parallel": 200,
    "parallel_multiple": 200,
    "irrelevance": 240,
    "live_simple": 258,
    "live_multiple": 1053,
    "live_parallel": 16,
    "live_parallel_multiple": 24,
    "live_irrelevance": 884,
    "live_relevance": 16,
    "multi_turn_base": 200,
    "multi_turn_miss_func": 200,
    "multi_turn_miss_param": 200,
    "multi_turn_long_context": 200,
    "web_search_base": 100,
    "web_search_no_snippet": 100,
    "memory_kv": 155,
    "memory_vector": 155,
    "memory_rec_sum": 155,
}
CATEGORIES = tuple(SIZES)
# this project's names that differ from BFCL's
_ALIASES = {"simple": "simple_python"}

UNWEIGHTED = "unweighted mean"
BY_COUNT = "weighted by test count"
FIXED = "fixed weights"

# key -> (BFCL's column name, how it combines its parts, its parts, their fixed weights)
_TREE: dict[str, tuple[str, str, tuple[str, ...], tuple[float, ...]]] = {
    "non_live_simple": ("Non-Live Simple AST", UNWEIGHTED, ("simple_python", "simple_java", "simple_javascript"), ()),
    "non_live": ("Non-Live AST Acc", UNWEIGHTED, ("non_live_simple", "multiple", "parallel", "parallel_multiple"), ()),
    "live": ("Live Acc", BY_COUNT, ("live_simple", "live_multiple", "live_parallel", "live_parallel_multiple"), ()),
    "irrelevance_detection": ("Irrelevance Detection", UNWEIGHTED, ("irrelevance", "live_irrelevance"), ()),
    "relevance_detection": ("Relevance Detection", UNWEIGHTED, ("live_relevance",), ()),
    "multi_turn": ("Multi Turn Acc", UNWEIGHTED,
                   ("multi_turn_base", "multi_turn_miss_func", "multi_turn_miss_param", "multi_turn_long_context"), ()),
    "web_search": ("Web Search Acc", UNWEIGHTED, ("web_search_base", "web_search_no_snippet"), ()),
    "memory": ("Memory Acc", UNWEIGHTED, ("memory_kv", "memory_vector", "memory_rec_sum"), ()),
    "agentic": ("Agentic Overall Acc", UNWEIGHTED, ("web_search", "memory"), ()),
    "overall": ("Overall Acc", FIXED, ("non_live", "live", "irrelevance_detection", "multi_turn", "agentic"), (10, 10, 10, 30, 40)),
}
# group keys differ from every category name ("irrelevance" is a category)
GROUPS = ("non_live", "live", "irrelevance_detection", "relevance_detection", "multi_turn", "agentic")
SUBGROUPS = ("non_live_simple", "web_search", "memory")
OVERALL_WEIGHTS: dict[str, float] = dict(zip(_TREE["overall"][2], _TREE["overall"][3]))
# display order: each group followed by the subgroups under it; relevance last (not in the overall)
ROWS: tuple[tuple[str, int], ...] = (
    ("overall", 0), ("non_live", 0), ("non_live_simple", 1), ("live", 0), ("irrelevance_detection", 0),
    ("multi_turn", 0), ("agentic", 0), ("web_search", 1), ("memory", 1), ("relevance_detection", 0),
)

RUN, PARTIAL, NOT_RUN = "run", "partial", "not run"


def bfcl_name(category: str) -> str | None:
    """BFCL's name of a category given by this project's name or BFCL's; None if not BFCL's."""
    name = _ALIASES.get(category, category)
    return name if name in SIZES else None


@dataclass(frozen=True)
class Part:
    """One category or group: its accuracy with categories not run counted as 0, the standard
    error, `n` the samples run in it, `count` bfcl-eval's test count (n plus the full size of
    each category not run), `weights` each category's weight in it, `not_run` its categories
    that were not run."""

    key: str
    label: str
    accuracy: float
    se: float
    n: int
    count: int
    weights: dict[str, float] = field(default_factory=dict)
    not_run: tuple[str, ...] = ()
    correct: int | None = None  # categories only

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(self.weights)

    @property
    def status(self) -> str:
        """"run" (every category in it run), "partial" or "not run" (none)."""
        if not self.not_run:
            return RUN
        return NOT_RUN if len(self.not_run) == len(self.weights) else PARTIAL

    def to_dict(self) -> dict[str, Any]:
        out = {"key": self.key, "label": self.label, "accuracy": self.accuracy, "se": self.se, "n": self.n,
               "count": self.count, "status": self.status, "not_run": list(self.not_run), "weights": dict(self.weights)}
        if self.correct is not None:
            out["correct"] = self.correct
        return out


@dataclass(frozen=True)
class V4Score:
    overall: Part
    groups: dict[str, Part]      # GROUPS, in that order
    subgroups: dict[str, Part]   # SUBGROUPS
    categories: dict[str, Part]  # every BFCL category, by BFCL's name
    ignored: tuple[str, ...] = ()  # input categories that are not BFCL's

    def part(self, key: str) -> Part:
        """A group, subgroup, category (BFCL's name or this project's) or "overall"."""
        if key == "overall":
            return self.overall
        for parts in (self.groups, self.subgroups):
            if key in parts:
                return parts[key]
        name = bfcl_name(key)
        if name is None:
            raise KeyError(key)
        return self.categories[name]

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "overall": self.overall.to_dict(),
            "overall_weights": dict(OVERALL_WEIGHTS),
            "groups": {k: p.to_dict() for k, p in self.groups.items()},
            "subgroups": {k: p.to_dict() for k, p in self.subgroups.items()},
            "categories": {k: p.to_dict() for k, p in self.categories.items()},
            "ignored": list(self.ignored),
        }


def _results(results: Mapping[str, tuple[int, int]] | Iterable[Any]) -> dict[str, tuple[int, int]]:
    if isinstance(results, Mapping):
        return {str(k): (int(v[0]), int(v[1])) for k, v in results.items()}
    out: dict[str, tuple[int, int]] = {}
    for s in results:  # CategoryScore-like: .category, .correct, .total
        if s.category in out:
            raise ValueError(f"category {s.category!r} given twice")
        out[s.category] = (int(s.correct), int(s.total))
    return out


def _combine(key: str, parts: list[Part]) -> Part:
    label, how, _, fixed = _TREE[key]
    if how == UNWEIGHTED:
        shares = [1 / len(parts)] * len(parts)
    elif how == BY_COUNT:
        total = sum(p.count for p in parts)
        shares = [p.count / total if total else 0.0 for p in parts]
    else:
        shares = [w / sum(fixed) for w in fixed]
    weights: dict[str, float] = {}
    for share, p in zip(shares, parts):
        for c, w in p.weights.items():
            weights[c] = weights.get(c, 0.0) + share * w
    return Part(
        key=key,
        label=label,
        accuracy=sum(share * p.accuracy for share, p in zip(shares, parts)),
        se=0.0,  # filled in from the category weights
        n=sum(p.n for p in parts),
        count=sum(p.count for p in parts),
        weights=weights,
        not_run=tuple(c for p in parts for c in p.not_run),
    )


def bfcl_v4(results: Mapping[str, tuple[int, int]] | Iterable[Any]) -> V4Score:
    """BFCL v4's groups and overall from per-category results.

    `results`: category name -> (correct, total), or CategoryScore objects (core/scoring.py).
    A category with no samples (total 0) counts as not run.
    """
    given = _results(results)
    runs: dict[str, tuple[int, int]] = {}
    ignored = []
    for name, (correct, total) in given.items():
        bfcl = bfcl_name(name)
        if bfcl is None:
            ignored.append(name)
            continue
        if bfcl in runs:
            raise ValueError(f"category {bfcl!r} given twice (as {name!r} and under another name)")
        if not 0 <= correct <= total:
            raise ValueError(f"{name}: need 0 <= correct <= total, got {correct} of {total}")
        if total:
            runs[bfcl] = (correct, total)

    categories: dict[str, Part] = {}
    for c in CATEGORIES:
        if c in runs:
            correct, total = runs[c]
            p = correct / total
            categories[c] = Part(c, c, p, math.sqrt(p * (1 - p) / total), total, total, {c: 1.0}, (), correct)
        else:
            categories[c] = Part(c, c, 0.0, 0.0, 0, SIZES[c], {c: 1.0}, (c,), None)

    built: dict[str, Part] = dict(categories)
    for key, (_, _, children, _) in _TREE.items():  # children come before their parents
        part = _combine(key, [built[child] for child in children])
        var = sum(w * w * categories[c].se ** 2 for c, w in part.weights.items())
        built[key] = Part(part.key, part.label, part.accuracy, math.sqrt(var), part.n, part.count,
                          part.weights, part.not_run)
    return V4Score(
        overall=built["overall"],
        groups={k: built[k] for k in GROUPS},
        subgroups={k: built[k] for k in SUBGROUPS},
        categories=categories,
        ignored=tuple(ignored),
    )


def has_bfcl_categories(names: Iterable[str]) -> bool:
    """Whether any of these category names is a BFCL category."""
    return any(bfcl_name(n) is not None for n in names)


def not_run_text(part: Mapping[str, Any]) -> str:
    """What of a part (its dict) was not run, in words; "" when everything was."""
    if part["status"] == RUN:
        return ""
    if part["status"] == NOT_RUN:
        return "not run (counts as 0)"
    missing = part["not_run"]
    if len(missing) > 4:
        return f"partial: {len(missing)} of {len(part['weights'])} categories not run (count as 0)"
    return "partial: not run (as 0): " + ", ".join(missing)


def weight_text(key: str) -> str:
    """A group's weight in the overall: '10%', '100%' for the overall, '-' for relevance, '' for subgroups."""
    if key == "overall":
        return "100%"
    if key in OVERALL_WEIGHTS:
        return f"{100 * OVERALL_WEIGHTS[key] / sum(OVERALL_WEIGHTS.values()):.0f}%"
    return "-" if key in GROUPS else ""


def part_dicts(score: V4Score | Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """key -> part dict for every row of `ROWS`, from a V4Score or its `to_dict()`."""
    d = score.to_dict() if isinstance(score, V4Score) else score
    return {"overall": d["overall"], **d["groups"], **d["subgroups"]}


NOTE = ("Overall = 10% non-live + 10% live + 10% irrelevance + 30% multi-turn + 40% agentic, bfcl-eval's weights; "
        "relevance is not in it.\nCategories not run count as 0, as in bfcl-eval; ± one standard error, in points; "
        "n counts the samples run.")


def format_v4_table(score: V4Score | Mapping[str, Any]) -> str:
    """A fixed-width table: the overall, each group (subgroups indented) with its weight in the
    overall, accuracy, ± se, n and what of it was not run; then a line on how it is computed."""
    parts = part_dicts(score)
    labels = {k: "  " * level + parts[k]["label"] for k, level in ROWS}
    width = max(len(v) for v in labels.values())
    lines = [f"{'group':<{width}}  {'weight':>6}  {'accuracy':>8}  {'± se':>6}  {'n':>6}  not run"]
    for key, _ in ROWS:
        p = parts[key]
        if p["status"] == NOT_RUN:
            acc, se = "N/A", ""
        else:
            acc, se = f"{100 * p['accuracy']:.2f}%", f"{100 * p['se']:.2f}"
        row = f"{labels[key]:<{width}}  {weight_text(key):>6}  {acc:>8}  {se:>6}  {p['n']:>6}  {not_run_text(p)}"
        lines.append(row.rstrip())
    lines += [f"({line})" for line in NOTE.splitlines()]
    return "\n".join(lines)
