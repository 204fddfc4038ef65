"""Model-aware sample selection (docs/method.md §3): which probed samples the next round trains on.

Pure Python, called by the iterate stage on the rows of a probe table::

    selection = select(probe_rows, cfg.select, previous=last_round_decisions, fmt="pythonic")
    selection.selected_ids      # ids the next round trains on (ordinary samples, replay included)
    selection.refine_ids        # ids whose answers may become refinement samples
    selection.summary()         # counts per bucket, moves and the change since the previous round

Each sample lands in one bucket by its *mastery rate*, the share of its k answers that master it:

- ``mastered``  rate >= hi  (with the default hi = 1.0: all k answers master it): left out,
  except a replayed share (below);
- ``too_hard``  rate <= lo  (default lo = 0.0: no answer masters it): trained on, deferred or
  accumulated, per ``too_hard`` ("train" | "defer" | "cumulative");
- ``learnable`` in between: trained on;
- ``excluded``  the probe could not answer it (status other than "ok", e.g. prompt_too_long).

An answer masters a sample that wants a call when BFCL's checker accepts it (the probe table's
``valid``). A sample that wants no call (irrelevance) is a different matter: BFCL's rule, right
for scoring, counts prose, an echo of the tool list and an unreadable call attempt all as "no
call", so a base model that cannot call anything would "master" every such sample and they would
all leave the training set. For selection such a sample is mastered only by a *clean decline*
(`clean_decline`: words, no call syntax, no parse error).

Replay *(ours)*: ``replay_share`` of each round's ordinary training set is drawn from the
mastered samples, spread over their categories (``core.draw.stratified``, seeded), so what the
model already does well (declining, among others) stays in the data. Replayed samples keep the
bucket ``mastered`` with ``replay`` set; they are not part of the selected set whose change the
stop rule measures (it would move every round by the draw alone).

Policies for too-hard samples *(the paper leaves this open; "train" is ours)*:
- ``train``: train on them like learnable ones;
- ``defer``: leave them out this round (they are probed again next round);
- ``cumulative``: train on them, and keep every sample selected in an earlier round in the
  training set even once it is mastered (the set only grows; guards against forgetting).

Every decision is a record ``{id, bucket, pass_rate, kept, reason, replay, category}``, kept next
to the round's other files so a later round can report how samples moved.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from ray_toolace.core.draw import stratified
from ray_toolace.core.parsers import get_parser
from ray_toolace.core.parsers.base import AnswerParser

if TYPE_CHECKING:  # only for the annotation: the core stays free of config loading
    from ray_toolace.config import SelectConfig

MASTERED = "mastered"
LEARNABLE = "learnable"
TOO_HARD = "too_hard"
EXCLUDED = "excluded"
BUCKETS = (MASTERED, LEARNABLE, TOO_HARD, EXCLUDED)
NEW = "new"  # the "from" side of a move for a sample the previous round did not see
POLICIES = ("train", "defer", "cumulative")

# brackets, braces, tags or `name(`: what a call attempt (or a pasted tool list) looks like
_CALL_SYNTAX = re.compile(r"[\[\]{}<>]|\w\(")


def clean_decline(text: str, parser: AnswerParser) -> bool:
    """Whether an answer declines in plain words: no call, no parse error, no call syntax.

    >>> p = get_parser("pythonic")
    >>> [clean_decline(t, p) for t in ("None of these tools can book a flight.", '[{"name": "f"}]', "f(x=1)", "")]
    [True, False, False, False]
    """
    if not re.search(r"[A-Za-z]{2}", text or ""):
        return False
    parsed = parser.parse(text)
    return not parsed.calls and parsed.error is None and not _CALL_SYNTAX.search(text)


def wants_no_call(category: str, ground_truth: list[Any]) -> bool:
    """A sample whose right answer is no call (BFCL's irrelevance, or an empty gold answer)."""
    return "irrelevance" in category or not ground_truth


def mastery(row: dict[str, Any], parser: AnswerParser | None) -> list[bool]:
    """Per answer of a probe-table row: does it master the sample (see the module docstring)?

    Rows without their answers or sample (or no parser) fall back to the checker's `valid`.
    """
    valid = [bool(v) for v in row.get("valid") or []]
    answers, raw = row.get("answers"), row.get("sample")
    if parser is None or not answers or not raw:
        return valid
    sample = json.loads(raw) if isinstance(raw, str) else raw
    gold = sample.get("ground_truth")
    gold = json.loads(gold) if isinstance(gold, str) else gold
    if not wants_no_call(str(row.get("category", "")), gold or []):
        return valid
    return [v and clean_decline(a, parser) for v, a in zip(valid, answers)]


@dataclass(frozen=True)
class Decision:
    """What selection decided for one sample, and why."""

    id: str
    bucket: str
    pass_rate: float  # the mastery rate selection used (see `mastery`)
    kept: bool
    reason: str
    replay: bool = False  # a mastered sample kept as replay
    category: str = ""

    def to_row(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Decision":
        return cls(str(row["id"]), str(row["bucket"]), float(row["pass_rate"]), bool(row["kept"]), str(row["reason"]),
                   bool(row.get("replay", False)), str(row.get("category", "")))

    @property
    def learning(self) -> bool:
        """Kept to be learned (not as replay): the set whose change the stop rule measures."""
        return self.kept and not self.replay


@dataclass
class Selection:
    """One round's decisions plus the figures the iterate loop stops on."""

    decisions: list[Decision]
    counts: dict[str, int]
    moved: dict[str, int] = field(default_factory=dict)  # "learnable->mastered": n
    new_selected: int = 0  # learning now but not in the previous round (all of them in round 0)
    left_selected: int = 0  # learning in the previous round, not now
    change_share: float = 1.0  # (entered + left) / pool: 1.0 in round 0

    @property
    def selected_ids(self) -> set[str]:
        return {d.id for d in self.decisions if d.kept}

    @property
    def learning_ids(self) -> set[str]:
        return {d.id for d in self.decisions if d.learning}

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
            "learning": sum(1 for d in self.decisions if d.learning),
            "replay": sum(1 for d in self.decisions if d.replay),
            "moved": dict(self.moved),
            "new_selected": self.new_selected,
            "left_selected": self.left_selected,
            "change_share": self.change_share,
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


def decide(row: dict[str, Any], hi: float, lo: float, too_hard: str, parser: AnswerParser | None = None,
           ever_kept: bool = False) -> Decision:
    """The decision for one probe-table row (needs its id, status and valid or pass_rate)."""
    if too_hard not in POLICIES:
        raise ValueError(f"too_hard policy must be one of {', '.join(POLICIES)}, not {too_hard!r}")
    sample_id, category = str(row["id"]), str(row.get("category") or "")
    status = str(row.get("status") or "ok")
    if status != "ok":
        return Decision(sample_id, EXCLUDED, float(row.get("pass_rate") or 0.0), False, status, category=category)
    marks = mastery(row, parser)
    rate = sum(marks) / len(marks) if marks else float(row.get("pass_rate") or 0.0)
    unclean = sum(1 for v in row.get("valid") or [] if v) - sum(marks)
    note = f" ({unclean} accepted answer(s) not a clean decline)" if unclean > 0 else ""
    bucket = bucket_of(rate, hi, lo)
    if bucket == MASTERED:
        if too_hard == "cumulative" and ever_kept:
            return Decision(sample_id, bucket, rate, True, f"pass rate {rate:g} >= hi {hi:g}: kept (cumulative)", category=category)
        return Decision(sample_id, bucket, rate, False, f"pass rate {rate:g} >= hi {hi:g}", category=category)
    if bucket == LEARNABLE:
        return Decision(sample_id, bucket, rate, True, f"pass rate {rate:g} between lo {lo:g} and hi {hi:g}{note}", category=category)
    if too_hard == "defer":
        return Decision(sample_id, bucket, rate, False, f"pass rate {rate:g} <= lo {lo:g}: deferred{note}", category=category)
    return Decision(sample_id, bucket, rate, True, f"pass rate {rate:g} <= lo {lo:g}: trained{note}", category=category)


def replay_count(learning: int, mastered: int, share: float) -> int:
    """How many mastered samples to replay so they make up `share` of the training set.

    >>> replay_count(80, 50, 0.2), replay_count(80, 5, 0.2), replay_count(0, 50, 0.2), replay_count(80, 50, 0.0)
    (20, 5, 0, 0)
    """
    if learning == 0 or share <= 0:
        return 0
    return min(mastered, round(learning * share / (1.0 - share)))


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
    fmt: str | None = "pythonic",
) -> Selection:
    """Decide every probed sample; `previous` is the last round's decisions (records or rows).

    `cfg` needs `hi`, `lo`, `too_hard`, `replay_share` and `seed` (the config's `select`
    section). `fmt` is the answer format the probe used (None: trust the rows' `valid` as
    they are, with no clean-decline test). A sample id seen twice keeps its first row: ids key
    the whole pipeline, so a repeat is an upstream bug that must not double a sample's weight.
    """
    if cfg.lo > cfg.hi:
        raise ValueError(f"lo ({cfg.lo}) must not exceed hi ({cfg.hi})")
    parser = get_parser(fmt) if fmt else None
    before = _as_decisions(previous)
    decisions: list[Decision] = []
    seen: set[str] = set()
    for row in rows:
        sid = str(row["id"])
        if sid in seen:
            continue
        seen.add(sid)
        was = before.get(sid)
        decisions.append(decide(row, cfg.hi, cfg.lo, cfg.too_hard, parser, ever_kept=bool(was and was.kept and not was.replay)))

    share, seed = getattr(cfg, "replay_share", 0.0), getattr(cfg, "seed", 0)
    learning = sum(1 for d in decisions if d.learning)
    resting = [d for d in decisions if d.bucket == MASTERED and not d.kept]
    chosen = {d.id for d in stratified(resting, replay_count(learning, len(resting), share), seed, lambda d: d.category)}
    decisions = [
        Decision(d.id, d.bucket, d.pass_rate, True, f"{d.reason}: replayed", True, d.category) if d.id in chosen else d
        for d in decisions
    ]

    counts = {b: 0 for b in BUCKETS}
    counts.update(Counter(d.bucket for d in decisions))
    moved: Counter[str] = Counter()
    for d in decisions:
        was = before.get(d.id)
        if was is None:
            if before:
                moved[f"{NEW}->{d.bucket}"] += 1
        elif was.bucket != d.bucket:
            moved[f"{was.bucket}->{d.bucket}"] += 1
    prev_learning = {d.id for d in before.values() if d.learning}
    now_learning = {d.id for d in decisions if d.learning}
    entered, left = len(now_learning - prev_learning), len(prev_learning - now_learning)
    change = (entered + left) / len(decisions) if before and decisions else 1.0
    return Selection(decisions, counts, dict(sorted(moved.items())), entered, left, change)
