"""Scores from verdicts: per-sample pass rate and pass@k, per-category accuracy, BFCL overall.

>>> pass_rate([True, False, True, True])
0.75
>>> pass_at_k([False, False])
False
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable


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


def category_scores(results: Iterable[tuple[str, bool]]) -> list[CategoryScore]:
    """(category, valid) pairs -> one score per category, sorted by category name."""
    correct: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for category, valid in results:
        total[category] += 1
        correct[category] += bool(valid)
    return [CategoryScore(c, correct[c], total[c]) for c in sorted(total)]


def overall(scores: list[CategoryScore]) -> float:
    """BFCL-style overall: the unweighted mean of the category accuracies."""
    return sum(s.accuracy for s in scores) / len(scores) if scores else 0.0


def format_table(scores: list[CategoryScore], title: str = "accuracy") -> str:
    """A fixed-width table with one row per category and the overall last."""
    width = max([len(s.category) for s in scores] + [len("overall (mean)")])
    lines = [f"{'category':<{width}}  {'correct':>7}  {'total':>6}  {title:>8}"]
    for s in scores:
        lines.append(f"{s.category:<{width}}  {s.correct:>7}  {s.total:>6}  {100 * s.accuracy:>7.2f}%")
    n_correct = sum(s.correct for s in scores)
    n_total = sum(s.total for s in scores)
    lines.append(f"{'overall (mean)':<{width}}  {n_correct:>7}  {n_total:>6}  {100 * overall(scores):>7.2f}%")
    return "\n".join(lines)


def error_counts(error_types: Iterable[str | None]) -> dict[str, int]:
    """How often each error type occurred, most frequent first (valid answers not counted)."""
    counts = Counter(e for e in error_types if e)
    return dict(counts.most_common())
