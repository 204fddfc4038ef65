"""Scores from verdicts: per-sample pass rate and pass@k, per-category accuracy with its
standard error, and the unweighted mean of the categories run.

The mean of categories is not BFCL's official overall score (v3 and v4 weight and group their
categories their own way); it is a summary of the categories this run evaluated.

>>> pass_rate([True, False, True, True])
0.75
>>> pass_at_k([False, False])
False
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

from ray_toolace.core.stats import Accuracy, accuracy


def pass_rate(valid: list[bool]) -> float:
    """c/k: the share of the k sampled answers that are right."""
    return sum(1 for v in valid if v) / len(valid) if valid else 0.0


def pass_at_k(valid: list[bool]) -> bool:
    """[c > 0]: at least one of the k answers is right."""
    return any(valid)


@dataclass(frozen=True)
class CategoryScore:
    category: str
    correct: int
    total: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def stats(self) -> Accuracy:
        """The accuracy with its standard error (core/stats.py)."""
        return accuracy(self.correct, self.total)


def category_scores(results: Iterable[tuple[str, bool]]) -> list[CategoryScore]:
    """(category, valid) pairs -> one score per category, sorted by category name."""
    correct: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for category, valid in results:
        total[category] += 1
        correct[category] += bool(valid)
    return [CategoryScore(c, correct[c], total[c]) for c in sorted(total)]


def overall(scores: list[CategoryScore]) -> float:
    """The unweighted mean of the accuracies of the categories given (each category counts
    once, whatever its size). Not BFCL v3's or v4's official overall, which group and weight
    categories their own way: a summary of the categories this run evaluated."""
    return sum(s.accuracy for s in scores) / len(scores) if scores else 0.0


def overall_se(scores: list[CategoryScore]) -> float:
    """Standard error of `overall`: categories hold different samples, so their errors add in
    quadrature, sqrt(sum se_c^2) / C."""
    return math.sqrt(sum(s.stats.se ** 2 for s in scores)) / len(scores) if scores else 0.0


MEAN_LABEL = "mean of categories (unweighted)"


def format_table(scores: list[CategoryScore], title: str = "accuracy") -> str:
    """A fixed-width table, one row per category with its accuracy and standard error (± one
    se, percentage points), and last the unweighted mean of the categories with its se."""
    width = max([len(s.category) for s in scores] + [len(MEAN_LABEL)])
    lines = [f"{'category':<{width}}  {'correct':>7}  {'total':>6}  {title:>8}  {'± se':>6}"]
    for s in scores:
        lines.append(f"{s.category:<{width}}  {s.correct:>7}  {s.total:>6}  {100 * s.accuracy:>7.2f}%  {100 * s.stats.se:>6.2f}")
    n_correct = sum(s.correct for s in scores)
    n_total = sum(s.total for s in scores)
    lines.append(
        f"{MEAN_LABEL:<{width}}  {n_correct:>7}  {n_total:>6}  {100 * overall(scores):>7.2f}%  {100 * overall_se(scores):>6.2f}"
    )
    lines.append("(± one standard error, in points; the mean of categories is not BFCL's official overall)")
    return "\n".join(lines)


def error_counts(error_types: Iterable[str | None]) -> dict[str, int]:
    """How often each error type occurred, most frequent first (valid answers not counted)."""
    counts = Counter(e for e in error_types if e)
    return dict(counts.most_common())
