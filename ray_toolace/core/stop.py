"""When the iterative training loop stops (docs/method.md §3), as one pure function.

>>> stop_reason("selected", 1, learning=40, change_share=0.01, min_change=0.05)
'selected set stopped changing (1.0% of the pool entered or left it, below 5.0%)'
>>> stop_reason("evaluated", 0, 40, acc_before=0.20, acc_after=0.20)
'held-out accuracy stopped improving'
"""

from __future__ import annotations


def stop_reason(
    phase: str,
    t: int,
    learning: int,
    change_share: float = 1.0,
    acc_before: float | None = None,
    acc_after: float | None = None,
    max_rounds: int = 3,
    min_gain: float | None = 0.0,
    min_change: float = 0.05,
) -> str | None:
    """Why round `t` ends the run, or None to go on.

    phase "selected": after selection, decides whether to train at all this round. `learning`
    is the number of samples selected to be learned (replay not counted); `change_share` the
    share of the pool that entered or left that set since the previous round. A set that only
    shrinks is still changing: the rule is on the size of the change, not on new samples.
    phase "evaluated": after evaluating the round's model, decides whether to start another.
    Without a held-out accuracy (None), or with `min_gain` None, only the other rules apply.
    """
    if phase == "selected":
        if learning == 0:
            return "nothing left to learn"
        if t > 0 and change_share < min_change:
            return (f"selected set stopped changing ({100 * change_share:.1f}% of the pool entered or left it, "
                    f"below {100 * min_change:.1f}%)")
        return None
    if phase != "evaluated":
        raise ValueError(f"unknown phase {phase!r}")
    if min_gain is not None and acc_before is not None and acc_after is not None and acc_after - acc_before <= min_gain:
        return "held-out accuracy stopped improving"
    if t + 1 >= max_rounds:
        return "max_rounds"
    return None
