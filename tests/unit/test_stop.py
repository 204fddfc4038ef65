"""The stop rule of the iterative loop."""

import pytest

from ray_toolace.core.stop import stop_reason


def test_after_selection():
    assert stop_reason("selected", 0, learning=50) is None
    assert stop_reason("selected", 2, 50, change_share=0.10) is None
    assert stop_reason("selected", 0, 0) == "nothing left to learn"
    assert stop_reason("selected", 1, 50, change_share=0.0).startswith("selected set stopped changing")
    # a set that only shrinks (no new sample) but by a lot keeps the loop going
    assert stop_reason("selected", 1, 50, change_share=0.30, min_change=0.05) is None
    assert stop_reason("selected", 1, 50, change_share=0.04, min_change=0.05) is not None
    # round 0 never stops on change: there is no previous set
    assert stop_reason("selected", 0, 50, change_share=0.0) is None
    # min_change 0: only an empty set stops the loop here
    assert stop_reason("selected", 3, 50, change_share=0.0, min_change=0.0) is None


def test_after_evaluation():
    assert stop_reason("evaluated", 0, 50, 1.0, 0.10, 0.25, max_rounds=3) is None
    assert stop_reason("evaluated", 0, 50, 1.0, 0.25, 0.25, max_rounds=3) == "held-out accuracy stopped improving"
    assert stop_reason("evaluated", 0, 50, 1.0, 0.25, 0.26, max_rounds=3, min_gain=0.02) == "held-out accuracy stopped improving"
    assert stop_reason("evaluated", 2, 50, 1.0, 0.10, 0.25, max_rounds=3) == "max_rounds"
    # without a held-out split the loop runs to max_rounds
    assert stop_reason("evaluated", 0, 50, 1.0, None, None, max_rounds=1) == "max_rounds"
    assert stop_reason("evaluated", 0, 50, 1.0, None, None, max_rounds=2) is None
    # min_gain None: accuracy never stops the loop
    assert stop_reason("evaluated", 0, 50, 1.0, 0.0, 0.0, max_rounds=2, min_gain=None) is None
    assert stop_reason("evaluated", 1, 50, 1.0, 0.3, 0.1, max_rounds=2, min_gain=None) == "max_rounds"


def test_unknown_phase():
    with pytest.raises(ValueError):
        stop_reason("trained", 0, 1)
