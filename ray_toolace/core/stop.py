"""When the iterative training loop stops (METHOD.md §3), as one pure function.

>>> stop_reason("selected", 1, new_selected=0, selected=40)
'selected set stopped changing'
>>> stop_reason("evaluated", 0, 40, 40, acc_before=0.20, acc_after=0.20)
'held-out accuracy stopped improving'
"""

from __future__ import annotations


def stop_reason(
    phase: str,
    t: int,
    new_selected: int,
    selected: int,
    acc_before: float | None = None,
    acc_after: float | None = None,
    max_rounds: int = 3,
    min_gain: float | None = 0.0,
) -> str | None:
    """Why round `t` ends the run, or None to go on.

    phase "selected": after selection, decides whether to train at all this round;
    phase "evaluated": after evaluating the round's model, decides whether to start another.
    Without a held-out accuracy (None), or with `min_gain` None, only the other rules apply.
    """
    if phase == "selected":
        if selected == 0:
            return "nothing left to learn"
        if t > 0 and new_selected == 0:
            return "selected set stopped changing"
        return None
    if phase != "evaluated":
        raise ValueError(f"unknown phase {phase!r}")
    if min_gain is not None and acc_before is not None and acc_after is not None and acc_after - acc_before <= min_gain:
        return "held-out accuracy stopped improving"
    if t + 1 >= max_rounds:
        return "max_rounds"
    return None
