"""Model-aware sample selection (METHOD.md §3): which probed samples the next round trains on.

Pure Python, called by the iterate stage on the rows of a probe table::

    selection = select(probe_rows, cfg.select, previous=last_round_decisions)
    selection.selected_ids      # ids the next round trains on (ordinary samples)
    selection.refine_ids        # ids whose answers may become refinement samples
    selection.summary()         # counts per bucket and moves since the previous round

Each sample lands in one bucket by its pass rate c/k:

- ``mastered``  pass_rate >= hi  (with the default hi = 1.0: all k answers right): left out;
- ``too_hard``  pass_rate <= lo  (default lo = 0.0: no answer right): trained on or deferred,
  per ``too_hard`` ("train" | "defer");
- ``learnable`` in between: trained on;
- ``excluded``  the probe could not answer it (status other than "ok", e.g. prompt_too_long).

The mastered test comes first, so with hi == lo a sample at that rate counts as mastered.
Every decision is a record ``{id, bucket, pass_rate, kept, reason}``, kept next to the round's
other files so a later round can report how samples moved (e.g. learnable -> mastered).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:  # only for the annotation: the core stays free of config loading
    from ray_toolace.config import SelectConfig

MASTERED = "mastered"
LEARNABLE = "learnable"
TOO_HARD = "too_hard"
EXCLUDED = "excluded"
BUCKETS = (MASTERED, LEARNABLE, TOO_HARD, EXCLUDED)
NEW = "new"  # the "from" side of a move for a sample the previous round did not see


@dataclass(frozen=True)
class Decision:
    """What selection decided for one sample, and why."""

    id: str
    bucket: str
    pass_rate: float
    kept: bool
    reason: str

    def to_row(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Decision":
        return cls(str(row["id"]), str(row["bucket"]), float(row["pass_rate"]), bool(row["kept"]), str(row["reason"]))


@dataclass
class Selection:
    """One round's decisions plus the figures the iterate loop stops on."""

    decisions: list[Decision]
    counts: dict[str, int]
    moved: dict[str, int] = field(default_factory=dict)  # "learnable->mastered": n
    new_selected: int = 0  # selected now but not by the previous round (all of them in round 0)

    @property
    def selected_ids(self) -> set[str]:
        return {d.id for d in self.decisions if d.kept}

    @property
    def refine_ids(self) -> set[str]:
        """Samples whose sampled answers may seed refinement samples.

        Every answered sample except deferred too-hard ones: mastered samples supply most of
        the right answers ("keep it" examples), which a weak model's learnable set lacks, and
        a deferred sample is meant to stay out of this round's training altogether.
        """
        return {
            d.id for d in self.decisions
            if d.bucket != EXCLUDED and not (d.bucket == TOO_HARD and not d.kept)
        }

    def rows(self) -> list[dict[str, Any]]:
        return [d.to_row() for d in self.decisions]

    def summary(self) -> dict[str, Any]:
        return {
            "counts": dict(self.counts),
            "selected": sum(1 for d in self.decisions if d.kept),
            "moved": dict(self.moved),
            "new_selected": self.new_selected,
            "excluded_reasons": dict(Counter(d.reason for d in self.decisions if d.bucket == EXCLUDED)),
        }


def bucket_of(pass_rate: float, hi: float, lo: float) -> str:
    """The bucket of an answered sample.

    >>> [bucket_of(p, hi=1.0, lo=0.0) for p in (1.0, 0.75, 0.0)]
    ['mastered', 'learnable', 'too_hard']
    """
    if pass_rate >= hi:
        return MASTERED
    if pass_rate <= lo:
        return TOO_HARD
    return LEARNABLE


def decide(row: dict[str, Any], hi: float, lo: float, too_hard: str) -> Decision:
    """The decision for one probe-table row (needs its id, status and pass_rate)."""
    sample_id = str(row["id"])
    status = str(row.get("status") or "ok")
    rate = float(row.get("pass_rate") or 0.0)
    if status != "ok":
        return Decision(sample_id, EXCLUDED, rate, False, status)
    bucket = bucket_of(rate, hi, lo)
    if bucket == MASTERED:
        return Decision(sample_id, bucket, rate, False, f"pass rate {rate:g} >= hi {hi:g}")
    if bucket == LEARNABLE:
        return Decision(sample_id, bucket, rate, True, f"pass rate {rate:g} between lo {lo:g} and hi {hi:g}")
    if too_hard == "defer":
        return Decision(sample_id, bucket, rate, False, f"pass rate {rate:g} <= lo {lo:g}: deferred")
    if too_hard != "train":
        raise ValueError(f"too_hard policy must be 'train' or 'defer', not {too_hard!r}")
    return Decision(sample_id, bucket, rate, True, f"pass rate {rate:g} <= lo {lo:g}: trained")


def _as_decisions(previous: Iterable[Decision | dict[str, Any]] | None) -> dict[str, Decision]:
    out: dict[str, Decision] = {}
    for item in previous or []:
        d = item if isinstance(item, Decision) else Decision.from_row(item)
        out[d.id] = d
    return out


def select(
    rows: Iterable[dict[str, Any]],
    cfg: "SelectConfig",
    previous: Iterable[Decision | dict[str, Any]] | None = None,
) -> Selection:
    """Decide every probed sample; `previous` is the last round's decisions (records or rows).

    `cfg` needs `hi`, `lo` and `too_hard` (the config's `select` section). A sample id seen
    twice keeps its first row: ids key the whole pipeline, so a repeat is an upstream bug
    that must not double a sample's weight.
    """
    if cfg.lo > cfg.hi:
        raise ValueError(f"lo ({cfg.lo}) must not exceed hi ({cfg.hi})")
    decisions: list[Decision] = []
    seen: set[str] = set()
    for row in rows:
        d = decide(row, cfg.hi, cfg.lo, cfg.too_hard)
        if d.id in seen:
            continue
        seen.add(d.id)
        decisions.append(d)

    counts = {b: 0 for b in BUCKETS}
    counts.update(Counter(d.bucket for d in decisions))
    before = _as_decisions(previous)
    moved: Counter[str] = Counter()
    for d in decisions:
        was = before.get(d.id)
        if was is None:
            if before:
                moved[f"{NEW}->{d.bucket}"] += 1
        elif was.bucket != d.bucket:
            moved[f"{was.bucket}->{d.bucket}"] += 1
    prev_selected = {d.id for d in before.values() if d.kept}
    new_selected = sum(1 for d in decisions if d.kept and d.id not in prev_selected)
    return Selection(decisions, counts, dict(sorted(moved.items())), new_selected)
