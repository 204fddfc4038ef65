"""Model-aware selection (METHOD.md §3): buckets, policies, exclusions, moves between rounds."""

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
    s = select(ROWS, SelectConfig())
    d = by_id(s)
    assert d["all-right"].bucket == "mastered" and not d["all-right"].kept
    assert d["three"].bucket == "learnable" and d["three"].kept  # 3 of 4 is not mastered at hi=1.0
    assert d["one"].bucket == "learnable" and d["one"].kept
    assert d["none"].bucket == "too_hard" and d["none"].kept  # default policy: train on it
    assert s.counts == {"mastered": 1, "learnable": 2, "too_hard": 1, "excluded": 1}
    assert s.selected_ids == {"three", "one", "none"}


def test_rows_the_probe_could_not_answer_are_excluded_with_their_status():
    d = by_id(select(ROWS, SelectConfig()))["long"]
    assert (d.bucket, d.kept, d.reason) == ("excluded", False, "prompt_too_long")
    assert select(ROWS, SelectConfig()).summary()["excluded_reasons"] == {"prompt_too_long": 1}


def test_defer_policy_leaves_too_hard_samples_out_of_training_and_refinement():
    s = select(ROWS, SelectConfig(too_hard="defer"))
    d = by_id(s)["none"]
    assert d.bucket == "too_hard" and not d.kept and "deferred" in d.reason
    assert s.selected_ids == {"three", "one"}
    assert s.refine_ids == {"all-right", "three", "one"}  # mastered gives "keep it" examples
    assert select(ROWS, SelectConfig()).refine_ids == {"all-right", "three", "one", "none"}


def test_custom_thresholds_and_boundaries():
    cfg = SelectConfig(hi=0.75, lo=0.25)
    d = by_id(select(ROWS, cfg))
    assert d["three"].bucket == "mastered"  # 0.75 >= hi
    assert d["one"].bucket == "too_hard"  # 0.25 <= lo
    assert bucket_of(0.5, hi=0.5, lo=0.5) == "mastered"  # the mastered test comes first
    assert bucket_of(0.0, hi=0.0, lo=0.0) == "mastered"


def test_moves_versus_the_previous_round():
    first = select(ROWS, SelectConfig())
    assert first.moved == {} and first.new_selected == 3
    improved = [
        row("all-right", [True] * 4),
        row("three", [True] * 4),  # learnable -> mastered
        row("one", [True, False, False, False]),
        row("none", [True, False, False, False]),  # too_hard -> learnable
        row("long", [], status="prompt_too_long"),
        row("fresh", [False] * 4),
    ]
    second = select(improved, SelectConfig(), previous=first.rows())  # plain rows, as read from a file
    assert second.moved == {"learnable->mastered": 1, "too_hard->learnable": 1, "new->too_hard": 1}
    assert second.selected_ids == {"one", "none", "fresh"}
    assert second.new_selected == 1  # only "fresh" was not selected last round
    third = select(improved, SelectConfig(), previous=second.decisions)
    assert third.moved == {} and third.new_selected == 0  # the stop signal: nothing new to learn


def test_decision_rows_round_trip_and_duplicates_keep_the_first():
    s = select(ROWS + [row("three", [False] * 4)], SelectConfig())
    assert len(s.decisions) == len(ROWS)
    assert by_id(s)["three"].bucket == "learnable"
    assert [Decision.from_row(r) for r in s.rows()] == s.decisions
    assert set(s.rows()[0]) == {"id", "bucket", "pass_rate", "kept", "reason"}


def test_bad_policy_and_thresholds_are_refused():
    with pytest.raises(ValueError):
        SelectConfig(hi=0.2, lo=0.8)

    class Loose:  # an object built without the config's validation
        hi, lo, too_hard = 1.0, 0.0, "skip"

    with pytest.raises(ValueError, match="too_hard"):
        select(ROWS, Loose())
