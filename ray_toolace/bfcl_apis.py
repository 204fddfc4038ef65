"""BFCL's multi-turn entries and simulated APIs, from the installed bfcl-eval wheel (not copied).

    entries = load_entries("multi_turn_base")            # BFCL's loader: tools, held-out functions
    apis = SimulatedApis(entry)                          # the entry's API instances, initial state
    apis.execute(["cd(folder='document')", "ls()"])      # results as BFCL's executor returns them
    apis.state()                                         # class -> public attributes
    apis.close()

Entries come from bfcl-eval's own loader (`load_dataset_entry`, `load_ground_truth_entry`), so
the function docs, the functions a miss_func entry holds out and the ground truth are the ones
BFCL's harness uses. Calls run through BFCL's own executor (`execute_multi_turn_func_call`),
on the classes its `func_source_code` package defines, loaded with the entry's initial
config (long-context scenarios for multi_turn_long_context). That executor keeps its instances
in its module's globals under a name built from a model name and the entry id, so every
`SimulatedApis` uses a name of its own (two never share state) and `close` removes them.

One guard of ours: a name that is no method of the entry's classes is answered with the error
BFCL's executor gives an unknown name ("name 'x' is not defined") without being evaluated,
because that executor evaluates the call text, and a model could name a Python builtin.

Light dependencies: the classes import `mpmath` (MathAPI); bfcl-eval's loader `filelock`.
"""

from __future__ import annotations

import inspect
import uuid
from typing import Any

from ray_toolace.core.draw import per_category
from ray_toolace.core.multi_turn import CATEGORIES, MultiTurnEntry


def _utils():
    from bfcl_eval.eval_checker.multi_turn_eval import multi_turn_utils

    return multi_turn_utils


def harness_limits() -> tuple[int, str]:
    """BFCL's step limit per turn and the user message of a miss_func turn (FC style: the
    functions join the tools)."""
    from bfcl_eval.constants.default_prompts import DEFAULT_USER_PROMPT_FOR_ADDITIONAL_FUNCTION_FC, MAXIMUM_STEP_LIMIT

    return MAXIMUM_STEP_LIMIT, DEFAULT_USER_PROMPT_FOR_ADDITIONAL_FUNCTION_FC


def load_entries(category: str) -> list[MultiTurnEntry]:
    """Every entry of one multi-turn category, with its ground truth, in BFCL's order."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown multi-turn category {category!r}; known: {', '.join(CATEGORIES)}")
    from bfcl_eval.utils import load_dataset_entry, load_ground_truth_entry

    truth = {row["id"]: row["ground_truth"] for row in load_ground_truth_entry(category)}
    out = []
    for row in load_dataset_entry(category):
        out.append(MultiTurnEntry(
            id=row["id"], category=category, turns=row["question"], tools=row["function"],
            ground_truth=truth[row["id"]], involved_classes=row["involved_classes"],
            initial_config=row.get("initial_config") or {}, holdout=row.get("missed_function") or {},
        ))
    return out


def read_multi_turn(categories: list[str], limit: int | None = None, seed: int = 0) -> list[MultiTurnEntry]:
    """The entries of these categories, at most `limit` per category (the evaluation's seeded
    per-category draw, core/draw.py)."""
    entries = [e for c in categories for e in load_entries(c)]
    return per_category(entries, limit, seed, lambda e: e.category)


class SimulatedApis:
    """The simulated API instances of one entry, living across the entry's turns."""

    def __init__(self, entry: MultiTurnEntry):
        self.entry = entry
        self._name = f"ray_toolace_{uuid.uuid4().hex}"  # BFCL's executor keys its instances by it
        _, self.instances = self._run([])
        self.methods = {name for inst in self.instances.values()
                        for name, _ in inspect.getmembers(inst, predicate=inspect.ismethod) if not name.startswith("_")}

    def _run(self, calls: list[str]) -> tuple[list[str], dict[str, Any]]:
        e = self.entry
        return _utils().execute_multi_turn_func_call(
            calls, e.initial_config, e.involved_classes, self._name, e.id, long_context=e.long_context)

    def execute(self, calls: list[str]) -> list[str]:
        """Each call's result text, in order."""
        results = []
        for call in calls:
            name = call.split("(", 1)[0].strip()
            if name not in self.methods:
                results.append(f"Error during execution: name '{name}' is not defined")
                continue
            results.extend(self._run([call])[0])
        return results

    def state(self) -> dict[str, dict[str, Any]]:
        return {cls: {k: v for k, v in vars(inst).items() if not k.startswith("_")} for cls, inst in self.instances.items()}

    def close(self) -> None:
        """Drop the instances from BFCL's executor's globals (they would live as long as the process)."""
        space = vars(_utils())
        mine = {id(inst) for inst in self.instances.values()}
        for key in [k for k, v in space.items() if id(v) in mine]:
            del space[key]

    def __enter__(self) -> "SimulatedApis":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
