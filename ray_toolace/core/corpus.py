"""The self-refinement training corpus (docs/method.md §4), built from the probe's own answers.

Pure Python, called by the iterate stage after selection::

    corpus = build_corpus(probe_rows, selection.selected_ids, cfg.corpus,
                          fmt=cfg.prompt.answer_format, refine_ids=selection.refine_ids)
    corpus.records   # what `train_round` trains on
    corpus.counts    # per origin, with what was available and wanted

Three kinds of record, each ``{id, sample_id, origin, messages, target}`` where `messages` is
the prompt (chat messages, system prompt with the tools first) and `target` the assistant text
the loss is taken on:

- ``ordinary``: a selected sample; prompt ``chat_messages(tools, messages)``, target the gold
  answer ``answer_text(gold_calls(ground_truth, tools))``;
- ``refine_wrong``: a wrong sampled answer A0 shown back with the refinement instruction
  (``refine_messages``); target the gold answer: teaches correction of the model's own errors;
- ``refine_right``: a right sampled answer shown back; target that same answer's calls,
  re-rendered in the standard format: teaches "keep it".

Why a right answer's own calls and not the gold text as the "keep it" target: the refinement
instruction says "if it is already correct, repeat it exactly", and the inference loop stops
when two answers are canonically equal. A right answer may differ from the first allowed gold
value (another allowed value, an optional parameter given), and training it to rewrite a right
answer into the gold spelling would teach the model to change correct answers, so the adaptive
loop would not stop where it should. For a right no-call answer the target is the gold no-call
text (any no-call text is canonically the same answer).

- ``refine_keep_gold``: the gold answer shown back as the draft, target the same: a "keep it"
  lesson for samples where the model has no right answer of its own yet (``keep_from_gold``).

Right and wrong are judged as selection judges them (``selection.mastery``): a no-call answer
is right only as a clean decline, so an echo of the tool list is a mistake to correct, not an
answer to keep.

Balance *(ours)*. A base model that cannot call yet has right answers only on samples that want
no call, and wrong ones only on samples that want a call; drawn blindly, "keep it" would mean
"call nothing" and "correct it" would mean "turn words into a call". So the refinement records
are split over the two groups (samples that want a call, samples that want none) by
``no_call_share`` (None: the groups' share of the eligible samples), and inside each group
wrong:right = wrong_to_right:1; where a group lacks the model's own right answers, gold "keep
it" records fill the gap. When wrong answers are short they are not topped up with right ones,
so the mix never drifts far from the configured ratio; the shortfall shows in `counts` (totals,
and per group under "call" / "no_call"). Mix *(ours)*: refinement = refine_to_ordinary x
ordinary. Refinement candidates come from `refine_ids` (by default every answered sample).
Draws are spread over samples (one distinct answer per sample before any sample gives a second)
and seeded with `cfg.seed`.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from ray_toolace.core.answers import gold_calls
from ray_toolace.core.parsers import get_parser
from ray_toolace.core.prompts import answer_text, chat_messages, refine_messages
from ray_toolace.core.selection import mastery, wants_no_call
from ray_toolace.core.types import Sample

if TYPE_CHECKING:
    from ray_toolace.config import CorpusConfig

ORDINARY = "ordinary"
REFINE_WRONG = "refine_wrong"
REFINE_RIGHT = "refine_right"
REFINE_KEEP_GOLD = "refine_keep_gold"
ORIGINS = (ORDINARY, REFINE_WRONG, REFINE_RIGHT, REFINE_KEEP_GOLD)
CALL, NO_CALL = "call", "no_call"  # the two groups refinement records are balanced over


@dataclass
class Corpus:
    records: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Candidate:
    sample_id: str
    answer_index: int  # which of the k answers; names the record
    answer: str


def _sample_of(row: dict[str, Any]) -> Sample:
    raw = row["sample"]
    return Sample.from_row(json.loads(raw) if isinstance(raw, str) else raw)


def gold_text(sample: Sample, fmt: str) -> str:
    return answer_text(gold_calls(sample.ground_truth, sample.tools), fmt)


def _distinct_answers(row: dict[str, Any], marks: list[bool], want_valid: bool) -> list[_Candidate]:
    """Distinct answer texts of one row that are right (or wrong) by `marks` (selection's
    mastery: a no-call answer is right only as a clean decline): the same wrong answer drawn
    twice would only double one lesson."""
    seen: set[str] = set()
    out = []
    for i, (text, valid) in enumerate(zip(row.get("answers") or [], marks)):
        if bool(valid) == want_valid and text.strip() not in seen:
            seen.add(text.strip())
            out.append(_Candidate(str(row["id"]), i, text))
    return out


def _spread_draw(per_sample: dict[str, list[_Candidate]], n: int, rng: random.Random) -> list[_Candidate]:
    """n candidates, at most one per sample per pass over the (shuffled) samples."""
    ids = sorted(per_sample)
    rng.shuffle(ids)
    pools = {i: list(per_sample[i]) for i in ids}
    for pool in pools.values():
        rng.shuffle(pool)
    out: list[_Candidate] = []
    depth = 0
    while len(out) < n:
        layer = [pools[i][depth] for i in ids if depth < len(pools[i])]
        if not layer:
            break
        out.extend(layer[: n - len(out)])
        depth += 1
    return out


def split_pair(total: int, wrong_to_right: float) -> tuple[int, int]:
    """`total` refinement records as (wrong, right) in the ratio wrong_to_right : 1.

    >>> split_pair(50, 1.0), split_pair(5, 3.0)
    ((25, 25), (4, 1))
    """
    wrong = round(total * wrong_to_right / (wrong_to_right + 1.0))
    return wrong, total - wrong


def split_refinement(n_ordinary: int, refine_to_ordinary: float, wrong_to_right: float) -> tuple[int, int]:
    """How many (wrong, right) refinement records to aim for, over all samples.

    >>> split_refinement(100, 0.5, 1.0)
    (25, 25)
    >>> split_refinement(10, 0.5, 3.0)
    (4, 1)
    """
    return split_pair(round(n_ordinary * refine_to_ordinary), wrong_to_right)


def ordinary_records(samples: Iterable[Sample], fmt: str = "pythonic") -> list[dict[str, Any]]:
    """One ordinary record per sample: the prompt and the gold answer text."""
    return [
        _record(f"{s.id}#{ORDINARY}", s.id, ORDINARY, chat_messages(s.tools, s.messages, fmt), gold_text(s, fmt))
        for s in samples
    ]


def _group(row: dict[str, Any]) -> str:
    sample = _sample_of(row)
    return NO_CALL if wants_no_call(sample.category, sample.ground_truth) else CALL


def build_corpus(
    rows: Iterable[dict[str, Any]],
    selected_ids: Iterable[str],
    cfg: "CorpusConfig",
    fmt: str = "pythonic",
    refine_ids: Iterable[str] | None = None,
) -> Corpus:
    """Training records from probe-table rows (see the module docstring).

    Only rows with status "ok" are used. `refine_ids` None means every answered sample.
    Output order is deterministic for a given input and `cfg.seed`: ordinary records in row
    order, then the refinement records in draw order (the trainer shuffles anyway).
    """
    parser = get_parser(fmt)
    answered = [r for r in rows if (r.get("status") or "ok") == "ok"]
    selected = set(selected_ids)
    allowed = {str(r["id"]) for r in answered} if refine_ids is None else set(refine_ids)
    samples = {str(r["id"]): _sample_of(r) for r in answered if str(r["id"]) in selected | allowed}

    records = ordinary_records([samples[str(r["id"])] for r in answered if str(r["id"]) in selected], fmt)
    n_ordinary = len(records)

    eligible = [r for r in answered if str(r["id"]) in allowed]
    groups = {CALL: [r for r in eligible if _group(r) == CALL], NO_CALL: [r for r in eligible if _group(r) == NO_CALL]}
    total = round(n_ordinary * cfg.refine_to_ordinary)
    share = cfg.no_call_share if cfg.no_call_share is not None else (len(groups[NO_CALL]) / len(eligible) if eligible else 0.0)
    n_no_call = round(total * share) if groups[NO_CALL] else 0
    wanted = {NO_CALL: n_no_call, CALL: total - n_no_call if groups[CALL] else 0}
    rng = random.Random(cfg.seed)
    counts: dict[str, int] = {ORDINARY: n_ordinary, REFINE_WRONG: 0, REFINE_RIGHT: 0, REFINE_KEEP_GOLD: 0,
                              "wanted_wrong": 0, "wanted_right": 0, "available_wrong": 0, "available_right": 0}
    for group in (CALL, NO_CALL):
        marked = [(r, mastery(r, parser)) for r in groups[group]]
        wrong_pool = {str(r["id"]): c for r, m in marked if (c := _distinct_answers(r, m, want_valid=False))}
        right_pool = {str(r["id"]): c for r, m in marked if (c := _distinct_answers(r, m, want_valid=True))}
        want_wrong, want_right = split_pair(wanted[group], cfg.wrong_to_right)
        wrong = _spread_draw(wrong_pool, want_wrong, rng)
        right = _spread_draw(right_pool, want_right, rng)
        for c in wrong:
            s = samples[c.sample_id]
            prompt = refine_messages(s.tools, s.messages, c.answer, fmt)
            records.append(_record(f"{c.sample_id}#{REFINE_WRONG}#{c.answer_index}", c.sample_id, REFINE_WRONG, prompt, gold_text(s, fmt)))
        for c in right:
            s = samples[c.sample_id]
            prompt = refine_messages(s.tools, s.messages, c.answer, fmt)
            calls = parser.parse(c.answer).calls
            target = answer_text(calls, fmt) if calls and s.expects_call else gold_text(s, fmt)
            records.append(_record(f"{c.sample_id}#{REFINE_RIGHT}#{c.answer_index}", c.sample_id, REFINE_RIGHT, prompt, target))
        gold_keep = []
        if cfg.keep_from_gold and len(right) < want_right:
            # the model has too few right answers of its own (a base model that cannot call yet):
            # the gold answer shown back as its draft, to keep; never the only "keep it" lesson
            # left out of a group, or "keep" would come to mean "no call"
            used = {c.sample_id for c in right}
            spare = {str(r["id"]): [_Candidate(str(r["id"]), -1, gold_text(samples[str(r["id"])], fmt))]
                     for r in groups[group] if str(r["id"]) not in used}
            gold_keep = _spread_draw(spare, want_right - len(right), rng)
            for c in gold_keep:
                s = samples[c.sample_id]
                prompt = refine_messages(s.tools, s.messages, c.answer, fmt)
                records.append(_record(f"{c.sample_id}#{REFINE_KEEP_GOLD}", c.sample_id, REFINE_KEEP_GOLD, prompt, c.answer))
        part = {REFINE_WRONG: len(wrong), REFINE_RIGHT: len(right), REFINE_KEEP_GOLD: len(gold_keep),
                "wanted_wrong": want_wrong, "wanted_right": want_right,
                "available_wrong": sum(len(v) for v in wrong_pool.values()),
                "available_right": sum(len(v) for v in right_pool.values())}
        counts[group] = part
        for key, value in part.items():
            counts[key] += value
    return Corpus(records, counts)


def _record(rid: str, sample_id: str, origin: str, messages: list[dict[str, Any]], target: str) -> dict[str, Any]:
    return {"id": rid, "sample_id": sample_id, "origin": origin, "messages": messages, "target": target}


def to_jsonl(records: Iterable[dict[str, Any]]) -> str:
    """Records as JSON lines, the file `train_round` reads."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def from_jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]
