"""The self-refinement corpus (docs/method.md §4): record kinds, targets, ratios, determinism."""

import json
from collections import Counter

from ray_toolace.config import CorpusConfig
from ray_toolace.core.corpus import build_corpus, from_jsonl, split_refinement, to_jsonl
from ray_toolace.core.prompts import REFINE_INSTRUCTION, chat_messages
from ray_toolace.core.types import Sample

TOOLS = [
    {
        "name": "get_weather",
        "description": "Weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string", "default": "celsius"}},
            "required": ["city"],
        },
    }
]
GOLD = [{"get_weather": {"city": ["Paris"], "unit": ["", "celsius"]}}]
GOLD_TEXT = '[get_weather(city="Paris")]'  # the renderer's spelling


def probe_row(sid, answers, valid, category="simple", gold=GOLD, status="ok"):
    sample = Sample(sid, category, TOOLS, [{"role": "user", "content": f"Weather please ({sid})"}], gold, "test")
    return {
        "id": sid, "status": status, "sample": json.dumps(sample.to_row()), "answers": answers,
        "valid": valid, "pass_rate": sum(valid) / len(valid) if valid else 0.0,
    }


def pool(n=20):
    """n samples, each with two wrong answers and two right ones (one with an optional param)."""
    rows = []
    for i in range(n):
        answers = [f"[get_weather(city='Rome{i}')]", "I think it is sunny.", GOLD_TEXT, '[get_weather(city="Paris", unit="celsius")]']
        rows.append(probe_row(f"s{i:02d}", answers, [False, False, True, True]))
    return rows


def test_ordinary_records_are_the_selected_samples_with_gold_targets():
    rows = pool(4)
    corpus = build_corpus(rows, {"s01", "s03"}, CorpusConfig(refine_to_ordinary=0))
    assert [r["id"] for r in corpus.records] == ["s01#ordinary", "s03#ordinary"]
    rec = corpus.records[0]
    assert set(rec) == {"id", "sample_id", "origin", "messages", "target"}
    assert rec["origin"] == "ordinary" and rec["sample_id"] == "s01"
    assert rec["target"] == GOLD_TEXT
    assert rec["messages"] == chat_messages(TOOLS, [{"role": "user", "content": "Weather please (s01)"}])
    assert corpus.counts["refine_wrong"] == corpus.counts["refine_right"] == 0


def test_default_mix_is_one_to_one_inside_refinement_and_one_to_two_overall():
    corpus = build_corpus(pool(20), {f"s{i:02d}" for i in range(20)}, CorpusConfig())
    counts = Counter(r["origin"] for r in corpus.records)
    assert counts == {"ordinary": 20, "refine_wrong": 5, "refine_right": 5}
    assert corpus.counts["available_wrong"] == 40 and corpus.counts["available_right"] == 40


def test_refinement_records_show_the_previous_answer_and_the_right_target():
    corpus = build_corpus(pool(20), {f"s{i:02d}" for i in range(20)}, CorpusConfig(refine_to_ordinary=1.0))
    for rec in corpus.records:
        if rec["origin"] == "ordinary":
            continue
        sid, _, index = rec["id"].split("#")
        previous = pool(20)[int(sid[1:])]["answers"][int(index)]
        *head, shown, instruction = rec["messages"]
        assert shown == {"role": "assistant", "content": previous}
        assert instruction == {"role": "user", "content": REFINE_INSTRUCTION}
        assert head[-1]["content"] == f"Weather please ({sid})"
        if rec["origin"] == "refine_wrong":
            assert previous != GOLD_TEXT and rec["target"] == GOLD_TEXT  # correction
        else:
            # "keep it": the right answer's own calls, so a right answer with the optional
            # parameter is repeated with it rather than rewritten into the gold spelling
            assert rec["target"] == previous
    assert any("unit=" in r["target"] for r in corpus.records if r["origin"] == "refine_right")


def test_draws_spread_over_samples_and_follow_the_seed():
    selected = {f"s{i:02d}" for i in range(20)}
    a = build_corpus(pool(20), selected, CorpusConfig(seed=1))
    b = build_corpus(pool(20), selected, CorpusConfig(seed=1))
    c = build_corpus(pool(20), selected, CorpusConfig(seed=2))
    assert a.records == b.records
    assert [r["id"] for r in a.records] != [r["id"] for r in c.records]
    wrong_samples = [r["sample_id"] for r in a.records if r["origin"] == "refine_wrong"]
    assert len(wrong_samples) == len(set(wrong_samples))  # one per sample before any second


def test_short_supply_of_one_kind_is_not_topped_up_with_the_other():
    rows = pool(10)
    rows[0]["valid"] = [False] * 4  # only one sample has wrong answers... and it has no right ones
    for r in rows[1:]:
        r["answers"], r["valid"] = [GOLD_TEXT] * 4, [True] * 4  # duplicates count once
    corpus = build_corpus(rows, {r["id"] for r in rows}, CorpusConfig(refine_to_ordinary=1.0))
    counts = corpus.counts
    assert (counts["wanted_wrong"], counts["wanted_right"]) == (5, 5)
    assert counts["refine_wrong"] == 4  # the four distinct answers of the one wrong sample
    assert counts["refine_right"] == 5 and counts["available_right"] == 9


def test_refinement_candidates_are_limited_to_refine_ids_and_answered_rows():
    rows = pool(6) + [probe_row("long", [], [], status="prompt_too_long")]
    corpus = build_corpus(rows, {"s00", "long"}, CorpusConfig(refine_to_ordinary=2.0), refine_ids={"s00", "s01"})
    assert {r["sample_id"] for r in corpus.records} <= {"s00", "s01"}
    assert corpus.counts["ordinary"] == 1  # an unanswered row never becomes a record


def test_no_call_samples_train_the_no_call_text():
    rows = [probe_row("irr", ["Sorry, I cannot.", "[get_weather(city='Paris')]"], [True, False], category="irrelevance", gold=[])]
    corpus = build_corpus(rows, {"irr"}, CorpusConfig(refine_to_ordinary=2.0))
    targets = {r["origin"]: r["target"] for r in corpus.records}
    assert "(" not in targets["ordinary"] and targets["ordinary"] == targets["refine_wrong"] == targets["refine_right"]


def test_split_and_jsonl_round_trip():
    assert split_refinement(0, 0.5, 1.0) == (0, 0)
    assert split_refinement(7, 1.0, 1.0) == (4, 3)
    records = build_corpus(pool(3), {"s00"}, CorpusConfig(refine_to_ordinary=2.0)).records
    assert from_jsonl(to_jsonl(records)) == records


def round0_pool():
    """A base model's probe: no right call anywhere, clean declines and tool echoes on no-call samples."""
    rows = [probe_row(f"c{i:02d}", ["I think it is sunny.", "def get_weather(city): ..."], [False, False]) for i in range(16)]
    echo = '[{"name": "get_weather"}]'
    rows += [probe_row(f"n{i}", ["Sorry, no tool can do that.", echo], [True, True], category="irrelevance", gold=[]) for i in range(4)]
    return rows


def test_round0_refinement_is_balanced_over_samples_that_want_a_call_and_those_that_do_not():
    rows = round0_pool()
    corpus = build_corpus(rows, {r["id"] for r in rows}, CorpusConfig(refine_to_ordinary=1.0))
    by = Counter((r["origin"], r["sample_id"][0]) for r in corpus.records if r["origin"] != "ordinary")
    # 20 refinement records: 16 from call samples, 4 from no-call samples (their share), each 1:1
    assert by == {("refine_wrong", "c"): 8, ("refine_keep_gold", "c"): 8, ("refine_wrong", "n"): 2, ("refine_right", "n"): 2}
    assert corpus.counts["call"]["refine_right"] == 0 and corpus.counts["call"]["refine_keep_gold"] == 8
    for r in corpus.records:
        *_, shown, _ = r["messages"] if r["origin"] != "ordinary" else [None, None]
        if r["origin"] == "refine_keep_gold":
            assert shown["content"] == r["target"] == GOLD_TEXT  # keep a right call
        if r["origin"] == "refine_wrong" and r["sample_id"].startswith("n"):
            # the echo of the tool list is corrected into a decline, never kept
            assert shown["content"].startswith("[{") and "(" not in r["target"]
    assert {r["sample_id"] for r in corpus.records if r["origin"] == "refine_right"} <= {f"n{i}" for i in range(4)}
    no_gold = build_corpus(rows, {r["id"] for r in rows}, CorpusConfig(refine_to_ordinary=1.0, keep_from_gold=False))
    assert no_gold.counts["refine_keep_gold"] == 0


def test_no_call_share_sets_the_split_between_the_groups():
    rows = round0_pool()
    corpus = build_corpus(rows, {r["id"] for r in rows}, CorpusConfig(refine_to_ordinary=1.0, no_call_share=0.5))
    assert corpus.counts["no_call"]["wanted_wrong"] + corpus.counts["no_call"]["wanted_right"] == 10
