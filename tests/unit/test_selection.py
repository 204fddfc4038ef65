"""Model-aware selection (docs/method.md §3): buckets, policies, exclusions, moves between rounds."""

import json
from collections import Counter

import pytest

from ray_toolace.config import SelectConfig
from ray_toolace.core.selection import Decision, bucket_of, select


def row(sid, valid, status="ok"):
    rate = sum(valid) / len(valid) if valid else 0.0
    return {"id": sid, "status": status, "valid": valid, "pass_rate": rate}


ROWS = [
    row("all-right", [True] * 4),
    row("three", [True, True, True, False]),
    row("one", [True, False, False, False]),
    row("none", [False] * 4),
    row("long", [], status="prompt_too_long"),
]


def by_id(selection):
    return {d.id: d for d in selection.decisions}


def test_default_thresholds_need_all_k_right_to_be_mastered():
    s = select(ROWS, SelectConfig(replay_share=0))
    d = by_id(s)
    assert d["all-right"].bucket == "mastered" and not d["all-right"].kept
    assert d["three"].bucket == "learnable" and d["three"].kept  # 3 of 4 is not mastered at hi=1.0
    assert d["one"].bucket == "learnable" and d["one"].kept
    assert d["none"].bucket == "too_hard" and d["none"].kept  # default policy: train on it
    assert s.counts == {"mastered": 1, "learnable": 2, "too_hard": 1, "excluded": 1}
    assert s.selected_ids == {"three", "one", "none"}


def test_rows_the_probe_could_not_answer_are_excluded_with_their_status():
    d = by_id(select(ROWS, SelectConfig(replay_share=0)))["long"]
    assert (d.bucket, d.kept, d.reason) == ("excluded", False, "prompt_too_long")
    assert select(ROWS, SelectConfig(replay_share=0)).summary()["excluded_reasons"] == {"prompt_too_long": 1}


def test_defer_policy_leaves_too_hard_samples_out_of_training_and_refinement():
    s = select(ROWS, SelectConfig(too_hard="defer", replay_share=0))
    d = by_id(s)["none"]
    assert d.bucket == "too_hard" and not d.kept and "deferred" in d.reason
    assert s.selected_ids == {"three", "one"}
    assert s.refine_ids == {"all-right", "three", "one"}  # mastered gives "keep it" examples
    assert select(ROWS, SelectConfig(replay_share=0)).refine_ids == {"all-right", "three", "one", "none"}


def test_custom_thresholds_and_boundaries():
    cfg = SelectConfig(hi=0.75, lo=0.25, replay_share=0)
    d = by_id(select(ROWS, cfg))
    assert d["three"].bucket == "mastered"  # 0.75 >= hi
    assert d["one"].bucket == "too_hard"  # 0.25 <= lo
    assert bucket_of(0.5, hi=0.5, lo=0.5) == "mastered"  # the mastered test comes first
    assert bucket_of(0.0, hi=0.0, lo=0.0) == "mastered"


def test_moves_versus_the_previous_round():
    first = select(ROWS, SelectConfig(replay_share=0))
    assert first.moved == {} and first.new_selected == 3
    improved = [
        row("all-right", [True] * 4),
        row("three", [True] * 4),  # learnable -> mastered
        row("one", [True, False, False, False]),
        row("none", [True, False, False, False]),  # too_hard -> learnable
        row("long", [], status="prompt_too_long"),
        row("fresh", [False] * 4),
    ]
    second = select(improved, SelectConfig(replay_share=0), previous=first.rows())  # plain rows, as read from a file
    assert second.moved == {"learnable->mastered": 1, "too_hard->learnable": 1, "new->too_hard": 1}
    assert second.selected_ids == {"one", "none", "fresh"}
    assert second.new_selected == 1  # only "fresh" was not selected last round
    third = select(improved, SelectConfig(replay_share=0), previous=second.decisions)
    assert third.moved == {} and third.new_selected == 0 and third.change_share == 0.0  # the stop signal
    # "one" left the learning set and "fresh" entered it between the first and second round
    assert (second.new_selected, second.left_selected) == (1, 1) and second.change_share == 2 / 6


def test_decision_rows_round_trip_and_duplicates_keep_the_first():
    s = select(ROWS + [row("three", [False] * 4)], SelectConfig(replay_share=0))
    assert len(s.decisions) == len(ROWS)
    assert by_id(s)["three"].bucket == "learnable"
    assert [Decision.from_row(r) for r in s.rows()] == s.decisions
    assert set(s.rows()[0]) == {"id", "bucket", "pass_rate", "kept", "reason", "replay", "category"}


def test_bad_policy_and_thresholds_are_refused():
    with pytest.raises(ValueError):
        SelectConfig(hi=0.2, lo=0.8)

    class Loose:  # an object built without the config's validation
        hi, lo, too_hard, replay_share, seed = 1.0, 0.0, "skip", 0.0, 0

    with pytest.raises(ValueError, match="too_hard"):
        select(ROWS, Loose())


def probed(sid, category, answers, valid, gold):
    """A probe-table row with its answers and sample, as the probe writes it."""
    sample = {"id": sid, "category": category, "tools": "[]", "messages": "[]", "ground_truth": json.dumps(gold)}
    return {"id": sid, "category": category, "status": "ok", "answers": answers, "valid": valid,
            "pass_rate": sum(valid) / len(valid), "sample": json.dumps(sample)}


GOLD = [{"f": {"a": [1]}}]


def test_a_no_call_sample_is_mastered_only_by_clean_declines():
    echo = '[{"name": "get_weather", "parameters": {"city": "string"}}]'
    rows = [
        probed("declines", "irrelevance", ["No tool here can book a flight."] * 4, [True] * 4, []),
        # BFCL counts all of these as "no call" (valid), selection does not
        probed("echoes", "irrelevance", [echo] * 4, [True] * 4, []),
        probed("garbled", "irrelevance", ["def f(x):\n  return x"] * 2 + ["Sorry, I cannot."] * 2, [True] * 4, []),
        probed("calls", "simple", ["[f(a=1)]"] * 4, [True] * 4, GOLD),
    ]
    d = by_id(select(rows, SelectConfig(replay_share=0)))
    assert d["declines"].bucket == "mastered" and not d["declines"].kept
    assert d["echoes"].bucket == "too_hard" and d["echoes"].kept and "not a clean decline" in d["echoes"].reason
    assert d["garbled"].bucket == "learnable" and d["garbled"].pass_rate == 0.5
    assert d["calls"].bucket == "mastered"  # samples that want a call keep BFCL's verdict
    # without the format the rows' verdicts are used as they are
    assert by_id(select(rows, SelectConfig(replay_share=0), fmt=None))["echoes"].bucket == "mastered"


def test_replay_keeps_a_share_of_mastered_samples_spread_over_categories():
    rows = [row(f"m-simple-{i}", [True] * 4) | {"category": "simple"} for i in range(10)]
    rows += [row(f"m-irr-{i}", [True] * 4) | {"category": "irrelevance"} for i in range(10)]
    rows += [row(f"hard-{i}", [False] * 4) | {"category": "parallel"} for i in range(16)]
    s = select(rows, SelectConfig(replay_share=0.2))
    replayed = [d for d in s.decisions if d.replay]
    assert len(replayed) == 4  # 16 learning samples: 4 replayed make 20% of the 20 trained
    assert Counter(d.category for d in replayed) == {"simple": 2, "irrelevance": 2}
    assert all(d.kept and d.bucket == "mastered" for d in replayed)
    assert s.summary()["replay"] == 4 and s.summary()["learning"] == 16
    assert {d.id for d in replayed} == {d.id for d in select(rows, SelectConfig(replay_share=0.2)).decisions if d.replay}
    assert {d.id for d in replayed} != {d.id for d in select(rows, SelectConfig(replay_share=0.2, seed=3)).decisions if d.replay}
    # replay does not count as change: the same probe again moves nothing
    again = select(rows, SelectConfig(replay_share=0.2, seed=5), previous=s.decisions)
    assert again.change_share == 0.0
    # nothing to learn: nothing replayed either (the loop stops)
    assert not any(d.kept for d in select(rows[:20], SelectConfig(replay_share=0.5)).decisions)


def test_cumulative_policy_keeps_what_earlier_rounds_selected():
    first = select(ROWS, SelectConfig(too_hard="cumulative", replay_share=0))
    assert first.selected_ids == {"three", "one", "none"}
    mastered_now = [row("all-right", [True] * 4), row("three", [True] * 4), row("one", [True] * 4), row("none", [False] * 4)]
    second = select(mastered_now, SelectConfig(too_hard="cumulative", replay_share=0), previous=first.rows())
    d = by_id(second)
    assert d["three"].bucket == "mastered" and d["three"].kept and "cumulative" in d["three"].reason
    assert not d["all-right"].kept  # never selected, so not kept
    assert by_id(select(mastered_now, SelectConfig(replay_share=0), previous=first.rows()))["three"].kept is False
