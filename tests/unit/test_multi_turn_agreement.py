"""The multi-turn judge agrees with BFCL's own multi-turn checker on recorded trajectories.

For entries of every multi-turn category, trajectories are built from the ground truth: the
right one (one step per turn), right ones in other shapes (one step per call, a harmless extra
call, a call to a function that does not exist), and wrong ones of several kinds (a turn's
last call dropped, a string argument changed, a turn's calls reversed, a turn left empty,
every call of a turn repeated, a turn's calls made a turn early, calls in a turn whose ground
truth is empty). Each is judged by `core/multi_turn_judge.judge` on
`ray_toolace.bfcl_apis.SimulatedApis` and by bfcl-eval's `multi_turn_checker`; the verdicts
and error types must be equal. Skipped when bfcl-eval is not installed.
"""

from __future__ import annotations

import importlib.util
import re
import uuid
from collections import Counter

import pytest

from ray_toolace.core.multi_turn import CATEGORIES
from ray_toolace.core.multi_turn_judge import FORCE_TERMINATED, judge

pytestmark = pytest.mark.skipif(importlib.util.find_spec("bfcl_eval") is None, reason="bfcl-eval is not installed")

PER_CATEGORY = 12


def one_step(truth):
    return [[turn] if turn else [] for turn in truth]


def per_call(truth):
    return [[[c] for c in turn] for turn in truth]


def first_busy(truth, start=0):
    return next((i for i, t in enumerate(truth) if t and i >= start), None)


def extra_harmless(truth):
    out = one_step(truth)
    t = first_busy(truth)
    out[t] = [out[t][0] + ["pwd()" if "pwd(" in " ".join(sum(truth, [])) else out[t][0][-1]]]
    return out


def unknown_function(truth):
    out = one_step(truth)
    t = first_busy(truth)
    out[t] = [out[t][0] + ["no_such_function(x=1)"]]
    return out


def drop_last(truth):
    out = one_step(truth)
    t = first_busy(truth)
    out[t] = [out[t][0][:-1]] if len(out[t][0]) > 1 else []
    return out


def change_string(truth):
    out = one_step(truth)
    for t, turn in enumerate(truth):
        for i, call in enumerate(turn):
            changed = re.sub(r"'[^']*'", "'zz_wrong_value'", call, count=1)
            if changed != call:
                steps = list(turn)
                steps[i] = changed
                out[t] = [steps]
                return out
    return out


def reverse_turn(truth):
    out = one_step(truth)
    t = next((i for i, turn in enumerate(truth) if len(turn) > 1), first_busy(truth))
    out[t] = [list(reversed(truth[t]))]
    return out


def empty_turn(truth):
    out = one_step(truth)
    out[first_busy(truth, 1) or first_busy(truth)] = []
    return out


def repeat_calls(truth):
    out = one_step(truth)
    t = first_busy(truth)
    out[t] = [truth[t] + truth[t]]
    return out


def one_turn_early(truth):
    out = one_step(truth)
    t = first_busy(truth, 1)
    if t is None:
        return out
    out[t - 1] = [(out[t - 1][0] if out[t - 1] else []) + truth[t]]
    out[t] = []
    return out


def calls_where_none_wanted(truth):
    out = one_step(truth)
    idle = next((i for i, turn in enumerate(truth) if not turn), None)
    nxt = first_busy(truth, idle) if idle is not None else None
    if nxt is not None:
        out[idle] = [truth[nxt]]
    return out


KINDS = {
    "right": one_step, "right_per_call": per_call, "right_extra_call": extra_harmless,
    "right_unknown_function": unknown_function, "drop_last": drop_last, "change_string": change_string,
    "reverse_turn": reverse_turn, "empty_turn": empty_turn, "repeat_calls": repeat_calls,
    "one_turn_early": one_turn_early, "calls_where_none_wanted": calls_where_none_wanted,
}


@pytest.fixture(scope="module")
def entries():
    from ray_toolace.bfcl_apis import load_entries

    return [e for c in CATEGORIES for e in load_entries(c)[:PER_CATEGORY]]


def bfcl_verdict(entry, decoded):
    from bfcl_eval.eval_checker.multi_turn_eval.multi_turn_checker import multi_turn_checker

    prompt = {"id": entry.id, "initial_config": entry.initial_config, "involved_classes": entry.involved_classes}
    # the checker keeps instances per model name and entry: a fresh name per replay
    out = multi_turn_checker(decoded, entry.ground_truth, prompt, entry.category, f"agree_{uuid.uuid4().hex}")
    return out["valid"], out.get("error_type")


def our_verdict(entry, decoded):
    from ray_toolace.bfcl_apis import SimulatedApis

    with SimulatedApis(entry) as model, SimulatedApis(entry) as truth:
        v = judge(decoded, entry.ground_truth, model, truth)
    return v.valid, v.error_type


def test_judge_agrees_with_bfcl_checker(entries):
    seen: Counter = Counter()
    disagree = []
    for entry in entries:
        for kind, build in KINDS.items():
            decoded = build(entry.ground_truth)
            ours, theirs = our_verdict(entry, decoded), bfcl_verdict(entry, decoded)
            seen[(kind, ours[1])] += 1
            if ours != theirs:
                disagree.append((entry.id, kind, ours, theirs))
    assert not disagree, disagree[:5]
    total = sum(seen.values())
    assert total == len(entries) * len(KINDS) >= 4 * PER_CATEGORY * 10
    # the right trajectories are right, and the wrong kinds reach every failure BFCL names
    assert all(seen[(k, None)] == len(entries) for k in ("right", "right_per_call", "right_unknown_function"))
    errors = {e for (_, e) in seen if e}
    assert {"multi_turn:empty_turn_model_response", "multi_turn:instance_state_mismatch",
            "multi_turn:execution_response_mismatch"} <= errors, seen


def test_fewer_turns_than_the_truth_is_force_terminated(entries):
    # bfcl-eval's eval_runner fails such a conversation before its checker runs
    entry = entries[0]
    valid, error = our_verdict(entry, one_step(entry.ground_truth)[:-1])
    assert (valid, error) == (False, FORCE_TERMINATED)


def test_instances_do_not_leak_between_replays(entries):
    from bfcl_eval.eval_checker.multi_turn_eval import multi_turn_utils

    before = len(vars(multi_turn_utils))
    for _ in range(3):
        our_verdict(entries[0], one_step(entries[0].ground_truth))
    assert len(vars(multi_turn_utils)) == before
