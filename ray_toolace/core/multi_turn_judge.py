"""The multi-turn judge: a whole conversation right or wrong, the way BFCL's multi-turn checker
decides it (pure; bfcl_eval.eval_checker.multi_turn_eval.multi_turn_checker).

An entry is right when, after every turn whose ground truth calls something,
1. the model made at least one call in that turn,
2. every simulated API instance holds the same public state (attributes not starting with
   "_") as the instance the ground truth's calls were run on, and
3. every result the ground truth's calls of that turn returned is among the results the
   model's calls returned so far, in any turn, each matched once (an unordered
   sub-multiset: the model may call more, and may have done a step in an earlier turn).
A turn whose ground truth is empty (miss_param, miss_func: the model should ask or decline)
is not checked itself; its calls still run, so the next turns see their effects. A
conversation with fewer turns than the ground truth (given up at the step limit) is wrong.

The calls are replayed here on fresh instances, model and ground truth apart, as BFCL's
checker does: `model` and `truth` are executors (ray_toolace/bfcl_apis.py) that keep their
instances across turns; this module only decides.

>>> class Counter:
...     def __init__(self): self.n = 0
...     def execute(self, calls): self.n += len(calls); return [str(self.n - len(calls) + i + 1) for i in range(len(calls))]
...     def state(self): return {"Counter": {"n": self.n}}
>>> judge([[["inc()"]]], [["inc()"]], Counter(), Counter()).valid
True
>>> judge([[]], [["inc()"]], Counter(), Counter()).error_type
'multi_turn:empty_turn_model_response'
"""

from __future__ import annotations

from typing import Any, Protocol

from ray_toolace.core.multi_turn import TOO_LONG, MultiTurnLoop, decoded_turns
from ray_toolace.core.types import Verdict

FORCE_TERMINATED = "multi_turn:force_terminated"
INFERENCE_ERROR = "multi_turn:inference_error"
EMPTY_TURN = "multi_turn:empty_turn_model_response"
STATE_MISMATCH = "multi_turn:instance_state_mismatch"
RESPONSE_MISMATCH = "multi_turn:execution_response_mismatch"


class Executor(Protocol):
    """Runs call strings on one set of instances that lives across turns."""

    def execute(self, calls: list[str]) -> list[str]: ...

    def state(self) -> dict[str, dict[str, Any]]: ...  # class name -> public attributes


def state_differences(model: dict[str, dict[str, Any]], truth: dict[str, dict[str, Any]]) -> tuple[str, list[str]] | None:
    """The first class whose public state differs from the truth's, with the differing
    attribute names; None when every class matches."""
    for name, attributes in truth.items():
        mine = model.get(name, {})
        differ = [k for k, v in attributes.items() if k not in mine or mine[k] != v]
        if differ:
            return name, differ
    return None


def missing_results(truth: list[str], model: list[str]) -> list[str]:
    """The truth's results the model's do not hold, each model result used once (order free)."""
    pool = list(model)
    missing = []
    for item in truth:
        try:
            pool.remove(item)
        except ValueError:
            missing.append(item)
    return missing


def judge(decoded: list[list[list[str]]], ground_truth: list[list[str]], model: Executor, truth: Executor) -> Verdict:
    """`decoded`: per turn, the model's steps that held calls (core/multi_turn.py's
    `decoded_turns`); `ground_truth`: per turn, the gold call strings."""
    if len(decoded) != len(ground_truth):
        return Verdict.fail(FORCE_TERMINATED, f"the conversation stopped after {len(decoded)} of {len(ground_truth)} turns")
    so_far: list[str] = []  # every result the model's calls returned, all turns
    for turn, (steps, gold) in enumerate(zip(decoded, ground_truth)):
        for step in steps:
            so_far.extend(model.execute(step))
        gold_results = truth.execute(gold)
        if not gold:
            continue  # nothing to achieve here: the model should ask or decline
        if not steps or (len(steps) == 1 and not steps[0]):
            return Verdict.fail(EMPTY_TURN, f"turn {turn}: the model made no call")
        differ = state_differences(model.state(), truth.state())
        if differ is not None:
            return Verdict.fail(STATE_MISMATCH, f"turn {turn}: {differ[0]} differs in {', '.join(differ[1])}")
        missing = missing_results(gold_results, so_far)
        if missing:
            return Verdict.fail(RESPONSE_MISMATCH, f"turn {turn}: {len(missing)} result(s) of the ground truth's calls not returned")
    return Verdict.ok()


def judge_conversation(loop: MultiTurnLoop, model: Executor, truth: Executor) -> Verdict | None:
    """The verdict on a finished core/multi_turn.py loop; None when its first prompt did not
    fit the context (not answered, like a single-turn prompt too long). A conversation that
    outgrew the context later is wrong, as BFCL fails an entry whose inference broke off."""
    if loop.too_long is not None:
        return None
    if loop.stop_reason == TOO_LONG:
        return Verdict.fail(INFERENCE_ERROR, "the conversation outgrew the model's context")
    return judge(decoded_turns(loop.trajectory), loop.entry.ground_truth, model, truth)
