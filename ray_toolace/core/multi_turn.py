"""Multi-turn entries (BFCL's multi_turn_* categories) and the loop that answers one (pure).

An entry is a conversation of user turns over stateful tools (a file system, a trading bot,
...). In each turn the model answers, its calls are executed, their results come back as
`tool` messages and the model answers again, until an answer holds no call it can be read
as (plain words, an empty list, or a malformed call: the turn is over) or the step limit is
hit (the whole entry is then given up, as BFCL's harness gives it up). At a miss_func turn the
functions held out so far join the tools and the user says so. This is the shape of BFCL's
own harness (`bfcl_eval.model_handler.base_handler`); executing the calls is not done here:
the loop is given an `execute` function (ray_toolace/bfcl_apis.py runs them on BFCL's
simulated API classes), and it calls no engine, so a batched caller drives it like a
`RefineLoop`:

    loops = [MultiTurnLoop(entry, parser, apis.execute, step_limit=20, holdout_message=...)]
    run_batch(loops, generate)                    # core/refine.py: one engine call per round
    loop.trajectory                               # per turn, per step: text, calls, results
    decoded_turns(loop.trajectory)                # what the judge replays (multi_turn_judge.py)

Calls go to `execute` as BFCL's call strings (`name(param='value', n=2)`): the form BFCL's
decoder produces, its executor runs and its checker replays.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

from ray_toolace.core.generation import Generation, Tally, TooLong
from ray_toolace.core.parsers.base import AnswerParser
from ray_toolace.core.probe_table import STATUS_OK, STATUS_TOO_LONG
from ray_toolace.core.prompts import chat_messages
from ray_toolace.core.refine import Ask
from ray_toolace.core.types import ToolCall, Verdict

SOURCE = "bfcl"
CATEGORIES = ("multi_turn_base", "multi_turn_miss_func", "multi_turn_miss_param", "multi_turn_long_context")

# Our words for what BFCL's prompt says about turns (ours): keep calling until the request is
# done; a turn ends with an answer that calls nothing.
MULTI_TURN_RULE = (
    "At each turn, complete the user's request within that turn: keep calling functions until it "
    "is done. Each call's result comes back to you as a tool message. When no more calls are "
    "needed, answer in plain words; that ends the turn."
)

# how a loop ended
COMPLETED = "completed"  # every turn ran
STEP_LIMIT = "step_limit"  # a turn needed more steps than allowed: the entry is given up
TOO_LONG = "prompt_too_long"  # the conversation outgrew the model's context


def is_multi_turn(category: str) -> bool:
    return category in CATEGORIES


@dataclass
class MultiTurnEntry:
    """One multi-turn test entry, in BFCL's terms."""

    id: str
    category: str
    turns: list[list[dict[str, Any]]]  # each turn's user messages; a miss_func turn may be empty
    tools: list[dict[str, Any]]  # the functions offered from the start
    ground_truth: list[list[str]]  # per turn, BFCL's call strings
    involved_classes: list[str]
    initial_config: dict[str, Any] = field(default_factory=dict)
    holdout: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # turn index -> functions added then
    source: str = SOURCE

    @property
    def long_context(self) -> bool:
        """BFCL loads these scenarios with long contents (its rule: the category's name)."""
        return "long_context" in self.category or "composite" in self.category

    def to_row(self) -> dict[str, Any]:
        return {"kind": "multi_turn", "id": self.id, "category": self.category, "source": self.source,
                "entry": json.dumps({k: getattr(self, k) for k in _FIELDS}, ensure_ascii=False)}

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "MultiTurnEntry":
        data = json.loads(row["entry"]) if isinstance(row["entry"], str) else row["entry"]
        return cls(id=str(row["id"]), category=str(row["category"]), source=str(row.get("source") or SOURCE),
                   **{k: data[k] for k in _FIELDS})


_FIELDS = ("turns", "tools", "ground_truth", "involved_classes", "initial_config", "holdout")


def call_text(call: ToolCall) -> str:
    """A call as BFCL's call string: keyword arguments as Python literals."""
    return f"{call.name}(" + ", ".join(f"{k}={v!r}" for k, v in call.arguments.items()) + ")"


class MultiTurnLoop(Tally):
    """One entry's conversation: `next_ask()` the prompt to answer (None once done), `give()`
    the engine's result for it. Steps per turn are bounded by `step_limit` executed steps; one
    more ends the entry (`stop_reason` STEP_LIMIT), as in BFCL's harness."""

    def __init__(
        self,
        entry: MultiTurnEntry,
        parser: AnswerParser,
        execute: Callable[[list[str]], list[str]],
        *,
        step_limit: int,
        holdout_message: str,
        fmt: str = "pythonic",
    ):
        self.entry, self.parser, self.execute, self.fmt = entry, parser, execute, fmt
        self.step_limit, self.holdout_message = step_limit, holdout_message
        self.tools = list(entry.tools)
        self.history: list[dict[str, Any]] = [{"role": "system", "content": MULTI_TURN_RULE}]
        self.trajectory: list[list[dict[str, Any]]] = []  # per turn: steps {text, calls, results}
        self.generations: list[Generation] = []
        self.stop_reason: str | None = None
        self.too_long: TooLong | None = None  # set when the very first prompt did not fit
        self._turn = -1
        self._steps = 0
        self._next_turn()

    @property
    def done(self) -> bool:
        return self.stop_reason is not None

    def _next_turn(self) -> None:
        self._turn += 1
        self._steps = 0
        if self._turn >= len(self.entry.turns):
            self.stop_reason = COMPLETED
            return
        messages = list(self.entry.turns[self._turn])
        added = self.entry.holdout.get(str(self._turn))
        if added:
            # the held-out functions are offered from here on, and the user says so
            self.tools.extend(added)
            messages = [{"role": "user", "content": self.holdout_message}]
        self.history.extend(messages)
        self.trajectory.append([])

    def next_ask(self) -> Ask | None:
        if self.done:
            return None
        return Ask(chat_messages(self.tools, self.history, self.fmt), 1, 0.0, len(self.generations))

    def give(self, result: Generation | TooLong) -> None:
        if self.done:
            raise RuntimeError("the conversation is over")
        if isinstance(result, TooLong):
            if not self.generations:
                self.too_long = result
            self.stop_reason = TOO_LONG
            return
        self.generations.append(result)
        text = result.text
        parsed = self.parser.parse(text)
        self.history.append({"role": "assistant", "content": text})
        step: dict[str, Any] = {"text": text, "calls": None, "results": []}
        self.trajectory[-1].append(step)
        if parsed.error is not None or not parsed.calls:
            self._next_turn()  # no call to run: the model is done with this turn
            return
        calls = [call_text(c) for c in parsed.calls]
        results = self.execute(calls)
        step.update(calls=calls, results=results)
        # each result as a tool message after the answer, as BFCL's prompting harness adds them
        self.history.extend({"role": "tool", "name": c, "content": r} for c, r in zip(calls, results))
        self._steps += 1
        if self._steps > self.step_limit:
            self.stop_reason = STEP_LIMIT

    def to_dict(self) -> dict[str, Any]:
        return {"turns": self.trajectory, "stop_reason": self.stop_reason, "model_calls": self.model_calls}


def decoded_turns(trajectory: list[list[dict[str, Any]]]) -> list[list[list[str]]]:
    """Per turn, the steps that held calls: what BFCL's checker gets after decoding (it skips
    steps that do not decode or call nothing)."""
    return [[step["calls"] for step in turn if step.get("calls")] for turn in trajectory]


def split_specs(specs: list[str]) -> tuple[list[str], list[str]]:
    """Evaluation inputs -> (the single-turn inputs, the multi-turn categories they name):
    `bfcl:simple,multi_turn_base` is `bfcl:simple` plus multi_turn_base; `bfcl:multi_turn`
    names all four multi-turn categories."""
    single, multi = [], []
    for spec in specs:
        if not spec.startswith("bfcl:"):
            single.append(spec)
            continue
        names = [n.strip() for n in spec[len("bfcl:"):].split(",") if n.strip()]
        rest = []
        for name in names:
            if name == "multi_turn":
                multi.extend(c for c in CATEGORIES if c not in multi)
            elif is_multi_turn(name):
                multi.extend([name] if name not in multi else [])
            else:
                rest.append(name)
        if rest:
            single.append("bfcl:" + ",".join(rest))
    return single, multi


def table_row(entry: MultiTurnEntry, loop: MultiTurnLoop, verdict: Verdict | None, shard: int) -> dict[str, Any]:
    """The evaluation-table row of one answered entry (the probe table's columns: one
    "answer", the whole conversation as JSON, with its verdict); `verdict` None: the first
    prompt did not fit the model's context, the entry is reported, not answered."""
    valid = [verdict.valid] if verdict is not None else []
    return {
        "id": entry.id, "category": entry.category, "source": entry.source, "shard": shard,
        "status": STATUS_OK if verdict is not None else STATUS_TOO_LONG,
        "sample": json.dumps(entry.to_row(), ensure_ascii=False),
        "answers": [json.dumps(loop.to_dict(), ensure_ascii=False)] if verdict is not None else [],
        "valid": valid,
        "error_types": [verdict.error_type or ""] if verdict is not None else [],
        "pass_rate": float(bool(valid and valid[0])),
        "pass_at_k": bool(valid and valid[0]),
        "prompt_tokens": loop.too_long.prompt_tokens if loop.too_long else loop.prompt_tokens,
        "completion_tokens": loop.completion_tokens,
        "refine_valid": [],  # no self-refinement in a multi-turn conversation
        "model_calls": loop.model_calls,
        "stop_reason": loop.stop_reason or "",
        "refine_trace": "",
        "refine_prompt_tokens": 0,
        "refine_completion_tokens": 0,
    }
