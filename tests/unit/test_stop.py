"""The stop rule of the iterative loop."""

import pytest

from ray_toolace.core.stop import stop_reason


def test_after_selection():
    assert stop_reason("selected", 0, new_selected=50, selected=50) is None
    assert stop_reason("selected", 2, 5, 50) is None
    assert stop_reason("selected", 1, 0, 50) == "selected set stopped changing"
    assert stop_reason("selected", 0, 0, 0) == "nothing left to learn"


def test_after_evaluation():
    assert stop_reason("evaluated", 0, 50, 50, 0.10, 0.25, max_rounds=3) is None
    assert stop_reason("evaluated", 0, 50, 50, 0.25, 0.25, max_rounds=3) == "held-out accuracy stopped improving"
    assert stop_reason("evaluated", 0, 50, 50, 0.25, 0.26, max_rounds=3, min_gain=0.02) == "held-out accuracy stopped improving"
    assert stop_reason("evaluated", 2, 50, 50, 0.10, 0.25, max_rounds=3) == "max_rounds"
    # without a held-out split the loop runs to max_rounds
    assert stop_reason("evaluated", 0, 50, 50, None, None, max_rounds=1) == "max_rounds"
    assert stop_reason("evaluated", 0, 50, 50, None, None, max_rounds=2) is None
    # min_gain None: accuracy never stops the loop (held-out sets too small to decide on)
    assert stop_reason("evaluated", 0, 50, 50, 0.0, 0.0, max_rounds=2, min_gain=None) is None
    assert stop_reason("evaluated", 1, 50, 50, 0.3, 0.1, max_rounds=2, min_gain=None) == "max_rounds"


def test_unknown_phase():
    with pytest.raises(ValueError):
        stop_reason("trained", 0, 1, 1)
