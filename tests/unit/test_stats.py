"""Accuracy with its standard error, paired differences of two models on the same items, pairing by id."""

import dataclasses
import itertools
import math
import random

import pytest

from ray_toolace.core.stats import (
    A_BETTER, B_BETTER, WITHIN_NOISE, accuracy, accuracy_of, pair_by_id, paired_difference,
)


def test_accuracy_se_and_format():
    a = accuracy(105, 250)
    assert (a.correct, a.n, a.p) == (105, 250, 0.42)
    assert a.se == pytest.approx(math.sqrt(0.42 * 0.58 / 250))
    assert a.format() == "42.0% ± 3.1 (n=250)"
    assert accuracy(0, 0).se == 0 and accuracy(0, 0).format() == "- (n=0)"
    assert accuracy(5, 5).se == 0 and accuracy(0, 5).se == 0  # all right / all wrong: no spread
    assert accuracy_of([True, False, False, True]) == accuracy(2, 4)
    with pytest.raises(ValueError):
        accuracy(3, 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.n = 3  # type: ignore[misc]


def _brute_se(a, b):
    """sqrt(var(d) / n) over the per-item differences d_i = b_i - a_i (population variance)."""
    d = [int(y) - int(x) for x, y in zip(a, b)]
    mean = sum(d) / len(d)
    var = sum((x - mean) ** 2 for x in d) / len(d)
    return mean, math.sqrt(var / len(d))


@pytest.mark.parametrize("seed", range(20))
def test_paired_se_agrees_with_the_variance_of_per_item_differences(seed):
    rng = random.Random(seed)
    n = rng.randint(1, 300)
    pa, pb = rng.random(), rng.random()
    a = [rng.random() < pa for _ in range(n)]
    b = [rng.random() < pb for _ in range(n)]
    d = paired_difference(a, b)
    mean, se = _brute_se(a, b)
    assert d.diff == pytest.approx(mean) and d.se == pytest.approx(se, abs=1e-12)
    assert d.diff == pytest.approx(d.b.p - d.a.p)
    assert (d.low, d.high) == (pytest.approx(mean - 1.96 * se), pytest.approx(mean + 1.96 * se))
    assert d.n10 == sum(x and not y for x, y in zip(a, b)) and d.n01 == sum(y and not x for x, y in zip(a, b))


def test_paired_se_on_every_small_table():
    # every 2x2 table with n = 6: the closed form and the brute force agree, never negative under the root
    for n11, n10, n01 in itertools.product(range(7), repeat=3):
        n00 = 6 - n11 - n10 - n01
        if n00 < 0:
            continue
        a = [True] * n11 + [True] * n10 + [False] * n01 + [False] * n00
        b = [True] * n11 + [False] * n10 + [True] * n01 + [False] * n00
        assert paired_difference(a, b).se == pytest.approx(_brute_se(a, b)[1], abs=1e-12)


def test_verdicts_in_words():
    # 30 items B gets right that A gets wrong, 5 the other way, of 200: +12.5 points
    a = [False] * 30 + [True] * 5 + [True] * 100 + [False] * 65
    b = [True] * 30 + [False] * 5 + [True] * 100 + [False] * 65
    d = paired_difference(a, b)
    assert (d.n, d.n10, d.n01) == (200, 5, 30) and d.diff == pytest.approx(0.125)
    assert d.low > 0 and d.verdict == B_BETTER == "B better than A beyond noise" and d.caveat == ""
    assert paired_difference(b, a).verdict == A_BETTER == "A better than B beyond noise"
    assert paired_difference(b, a).diff == pytest.approx(-0.125)
    # 6 against 4 discordant: the interval contains 0
    a = [True] * 6 + [False] * 4 + [True] * 90
    b = [False] * 6 + [True] * 4 + [True] * 90
    d = paired_difference(a, b)
    assert d.low < 0 < d.high and d.verdict == WITHIN_NOISE == "within noise (the 95% interval contains 0)"
    assert d.caveat == ""  # 10 discordant pairs: enough for the normal interval
    assert d.format().startswith("-2.0 pts, 95% CI [-") and "6 right only for A, 4 only for B" in d.format()


def test_identical_answers_and_few_discordant_pairs():
    same = paired_difference([True, False, True], [True, False, True])
    assert (same.diff, same.se, same.verdict) == (0.0, 0.0, WITHIN_NOISE)
    assert same.caveat == "the two agree on every item"
    # three items all flipped one way: the normal interval collapses; the caveat says so
    few = paired_difference([False] * 3, [True] * 3)
    assert few.se == 0 and few.verdict == B_BETTER and "only 3 discordant" in few.caveat
    empty = paired_difference([], [])
    assert empty.n == 0 and empty.verdict == WITHIN_NOISE and empty.caveat == "no items in common"


def test_different_lengths_are_refused():
    with pytest.raises(ValueError, match="same items"):
        paired_difference([True, False], [True])


def test_pair_by_id_keeps_common_ids_sorted():
    a = [{"id": "c", "v": 1}, {"id": "a", "v": 2}, {"id": "x", "v": 3}]
    b = [{"id": "a", "v": 4}, {"id": "b", "v": 5}, {"id": "c", "v": 6}]
    pairs = pair_by_id(a, b)
    assert [(ra["id"], ra["v"], rb["v"]) for ra, rb in pairs] == [("a", 2, 4), ("c", 1, 6)]
    with pytest.raises(ValueError, match="twice in B"):
        pair_by_id(a, b + [{"id": "a", "v": 7}])
