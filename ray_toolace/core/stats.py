"""Uncertainty of accuracies and of paired comparisons (pure).

An accuracy is a share of n independent right/wrong verdicts, so it is reported with its
binomial standard error, se = sqrt(p(1 - p) / n), written "p ± se (n=...)" where ± is one
standard error (not a 95% interval).

Two models (or a first answer and its refinement) judged on the same items are compared
item by item: the difference b - a is the mean of per-item differences d_i in {-1, 0, +1}, and
its standard error comes from the discordant pairs alone (items right for one and wrong for the
other): with n10 = right for A only and n01 = right for B only,

    se = sqrt(n10 + n01 - (n10 - n01)^2 / n) / n

which is sqrt(var(d) / n) with the population variance of the d_i. Pairing removes the shared
item difficulty, so this is much tighter than comparing two independent accuracies. The 95%
interval is difference ± 1.96 se (a normal approximation: rough when there are few discordant
pairs, which `PairedDifference.caveat` says).

>>> d = paired_difference([True, True, False, False] * 25, [True, True, True, False] * 25)
>>> (d.n, d.n10, d.n01, round(d.diff, 2), round(d.se, 4))
(100, 0, 25, 0.25, 0.0433)
>>> d.verdict
'B better than A beyond noise'
>>> paired_difference([True, False], [False, True]).verdict
'within noise (the 95% interval contains 0)'
>>> accuracy(105, 250).format()
'42.0% ± 3.1 (n=250)'
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Mapping, Sequence

Z95 = 1.96
# below this many discordant pairs the normal interval is a rough guide only (ours)
FEW_DISCORDANT = 10

B_BETTER = "B better than A beyond noise"
A_BETTER = "A better than B beyond noise"
WITHIN_NOISE = "within noise (the 95% interval contains 0)"


@dataclass(frozen=True)
class Accuracy:
    """correct of n right; p the share, se its binomial standard error (0 when n is 0)."""

    correct: int
    n: int
    p: float
    se: float

    def format(self, digits: int = 1) -> str:
        """Percent ± one standard error in percentage points, with n: '42.0% ± 3.1 (n=250)'."""
        if not self.n:
            return "- (n=0)"
        return f"{100 * self.p:.{digits}f}% ± {100 * self.se:.{digits}f} (n={self.n})"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def accuracy(correct: int, n: int) -> Accuracy:
    """The accuracy of `correct` right verdicts out of `n`, with its standard error."""
    if n < 0 or correct < 0 or correct > n:
        raise ValueError(f"need 0 <= correct <= n, got correct={correct}, n={n}")
    if n == 0:
        return Accuracy(0, 0, 0.0, 0.0)
    p = correct / n
    return Accuracy(correct, n, p, math.sqrt(p * (1 - p) / n))


def accuracy_of(verdicts: Iterable[bool]) -> Accuracy:
    """The accuracy of a list of right/wrong verdicts."""
    vs = [bool(v) for v in verdicts]
    return accuracy(sum(vs), len(vs))


@dataclass(frozen=True)
class PairedDifference:
    """B minus A on the same n items: diff (a share, -1..1), its se, the 95% interval
    [low, high], the discordant counts (n10: A right and B wrong; n01: A wrong and B right),
    both accuracies, the verdict in words and a caveat ("" when none)."""

    n: int
    a: Accuracy
    b: Accuracy
    diff: float
    se: float
    low: float
    high: float
    n10: int
    n01: int
    verdict: str
    caveat: str

    def format(self) -> str:
        """'+4.0 pts, 95% CI [-1.2, +9.2] (n=250; 12 right only for A, 22 only for B)'."""
        return (
            f"{100 * self.diff:+.1f} pts, 95% CI [{100 * self.low:+.1f}, {100 * self.high:+.1f}] "
            f"(n={self.n}; {self.n10} right only for A, {self.n01} only for B)"
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def verdict_of(low: float, high: float) -> str:
    """Plain words for a 95% interval of b - a."""
    if low > 0:
        return B_BETTER
    if high < 0:
        return A_BETTER
    return WITHIN_NOISE


def paired_difference(a: Sequence[bool], b: Sequence[bool]) -> PairedDifference:
    """B minus A on the same items in the same order (pair rows by id first: `pair_by_id`)."""
    if len(a) != len(b):
        raise ValueError(f"paired verdicts need the same items: {len(a)} for A, {len(b)} for B")
    n = len(a)
    n10 = sum(1 for x, y in zip(a, b) if x and not y)
    n01 = sum(1 for x, y in zip(a, b) if y and not x)
    if n:
        diff = (n01 - n10) / n
        # max(): the radicand is >= 0 in exact arithmetic; rounding must not make it negative
        se = math.sqrt(max(0.0, n10 + n01 - (n10 - n01) ** 2 / n)) / n
    else:
        diff = se = 0.0
    low, high = diff - Z95 * se, diff + Z95 * se
    discordant = n10 + n01
    if n == 0:
        caveat = "no items in common"
    elif discordant == 0:
        caveat = "the two agree on every item"
    elif discordant < FEW_DISCORDANT:
        caveat = f"only {discordant} discordant pair(s): the normal interval is a rough guide"
    else:
        caveat = ""
    return PairedDifference(
        n=n, a=accuracy_of(a), b=accuracy_of(b), diff=diff, se=se, low=low, high=high,
        n10=n10, n01=n01, verdict=verdict_of(low, high), caveat=caveat,
    )


def pair_by_id(
    a: Iterable[Mapping[str, Any]], b: Iterable[Mapping[str, Any]], key: str = "id"
) -> list[tuple[Mapping[str, Any], Mapping[str, Any]]]:
    """Rows of A and B with the same id, as (row_a, row_b), sorted by id; ids in only one
    side are dropped. An id twice on one side is an error: its pairing would be a guess."""

    def index(rows: Iterable[Mapping[str, Any]], side: str) -> dict[Any, Mapping[str, Any]]:
        out: dict[Any, Mapping[str, Any]] = {}
        for r in rows:
            if r[key] in out:
                raise ValueError(f"id {r[key]!r} appears twice in {side}")
            out[r[key]] = r
        return out

    ia, ib = index(a, "A"), index(b, "B")
    return [(ia[k], ib[k]) for k in sorted(ia.keys() & ib.keys())]
