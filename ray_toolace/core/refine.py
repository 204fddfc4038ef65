"""Adaptive self-refinement (METHOD.md §5): the stop rule, and the loop every caller drives.

`Refinement` is the stop rule, a small state machine over the answers seen so far. `RefineLoop`
is one conversation's whole loop: it says which prompt (chat messages) it needs answered next,
takes the engine's result back (a `Generation`, or `TooLong` for a prompt that does not fit)
and applies the stop rule. It calls no engine, so a batched caller and an async one drive the
same code:

    # many samples, one engine call per round across the loops still running (the probe)
    loops = [RefineLoop(parser, s.tools, s.messages, max_refinements=3) for s in samples]
    run_batch(loops, lambda conversations, n, temperature: engine.generate(conversations, n, temperature))

    # one request at a time, awaiting each answer (the endpoint)
    loop = RefineLoop(parser, tools, messages, first_temperature=0.7, draft=previous_answer)
    await run_one(loop, lambda messages, temperature: generate(messages, temperature))

    loop.too_long            # TooLong: the first prompt did not fit, there is no answer
    loop.refinement.steps    # every answer, the first one included; final_calls, stop_reason
    loop.first               # the first answer's Generation (all n samples), None for a draft

The loop stops when an answer's canonical calls (sorted keyword arguments, literal values)
equal the previous answer's: the model chose to keep it. With `schedule="fixed"` it always runs
to `max_refinements` (the baseline benchmarks compare to). A refinement prompt that no longer
fits stops the loop with its last answer (stop reason "prompt_too_long").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Literal, Sequence

from ray_toolace.core.generation import Generation, Tally, TooLong
from ray_toolace.core.parsers.base import AnswerParser
from ray_toolace.core.prompts import chat_messages, refine_messages
from ray_toolace.core.render import jsonable
from ray_toolace.core.types import ToolCall, canonical_calls

Schedule = Literal["adaptive", "fixed"]
SCHEDULES: tuple[str, ...] = ("adaptive", "fixed")
STOP_TOO_LONG = "prompt_too_long"


@dataclass(frozen=True)
class RefineStep:
    index: int  # 0 = the first answer, i = the i-th refinement
    text: str
    calls: list[ToolCall]
    parse_error: str | None
    changed: bool  # differs from the previous step (always True for step 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "text": self.text,
            # an answer may hold what JSON cannot (`{(1, 2): 3}`); the trace is stored as JSON
            "calls": [{"name": c.name, "arguments": jsonable(c.arguments)} for c in self.calls],
            "parse_error": self.parse_error,
            "changed": self.changed,
        }


def _canonical(calls: list[ToolCall], error: str | None, text: str) -> str:
    # two unreadable answers are "the same" only if their text is the same
    return f"unparsed:{text.strip()}" if error is not None else canonical_calls(calls)


@dataclass
class Refinement:
    parser: AnswerParser
    max_refinements: int = 3
    adaptive: bool = True
    steps: list[RefineStep] = field(default_factory=list)
    stop_reason: str | None = None  # "converged", "max_refinements", "disabled", "prompt_too_long"

    @property
    def done(self) -> bool:
        return self.stop_reason is not None

    @property
    def last_text(self) -> str:
        return self.steps[-1].text

    @property
    def final_calls(self) -> list[ToolCall]:
        return self.steps[-1].calls if self.steps else []

    @property
    def model_calls(self) -> int:
        return len(self.steps)

    def observe(self, text: str) -> None:
        """Record the model's next answer and decide whether to stop."""
        if self.done:
            raise RuntimeError("refinement already stopped")
        parsed = self.parser.parse(text)
        key = _canonical(parsed.calls, parsed.error, text)
        prev = self.steps[-1] if self.steps else None
        changed = prev is None or key != _canonical(prev.calls, prev.parse_error, prev.text)
        self.steps.append(RefineStep(len(self.steps), text, parsed.calls, parsed.error, changed))
        refinements = len(self.steps) - 1
        if self.max_refinements == 0:
            self.stop_reason = "disabled"
        elif prev is not None and not changed and self.adaptive:
            self.stop_reason = "converged"
        elif refinements >= self.max_refinements:
            self.stop_reason = "max_refinements"

    def stop(self, reason: str) -> None:
        """Stop before the rule does (a prompt that no longer fits); the last answer stands."""
        if self.done:
            raise RuntimeError("refinement already stopped")
        self.stop_reason = reason

    def trace(self) -> dict[str, Any]:
        return {
            "steps": [s.to_dict() for s in self.steps],
            "stop_reason": self.stop_reason,
            "model_calls": self.model_calls,
        }


@dataclass(frozen=True)
class Ask:
    """A prompt a loop needs answered next."""

    messages: list[dict[str, Any]]
    n: int  # answers wanted: the first answer may be sampled n times, a refinement is one
    temperature: float  # refinements are greedy (METHOD.md §5)
    step: int  # 0 = the first answer, i = the i-th refinement


Result = Generation | TooLong


class RefineLoop(Tally):
    """One conversation: its first answer (or a given draft), then refinements until the rule stops.

    `next_ask()` is the prompt to answer, None once the loop is done; `give(result)` takes the
    engine's result for it. A first prompt that does not fit ends the loop with no answer
    (`too_long` is set, the caller reports the sample or the request); a refinement prompt
    that does not fit ends it with the last answer.
    """

    def __init__(
        self,
        parser: AnswerParser,
        tools: list[dict[str, Any]],
        messages: list[dict[str, Any]],
        *,
        fmt: str = "pythonic",
        max_refinements: int = 3,
        schedule: Schedule = "adaptive",
        first_n: int = 1,
        first_temperature: float = 0.0,
        draft: str | None = None,
        first_messages: list[dict[str, Any]] | None = None,
    ):
        if schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {SCHEDULES}, not {schedule!r}")
        self.tools, self.messages, self.fmt, self.schedule = tools, messages, fmt, schedule
        self.first_n, self.first_temperature = first_n, first_temperature
        # the first prompt: the tool-calling prompt unless the caller asks otherwise (tool_choice none)
        self.first_messages = first_messages if first_messages is not None else chat_messages(tools, messages, fmt)
        self.refinement = Refinement(parser, max_refinements, adaptive=schedule == "adaptive")
        self.first: Generation | None = None
        self.too_long: TooLong | None = None
        self.generations: list[Generation] = []  # every model call's result, in order
        if draft is not None:
            self.refinement.observe(draft)  # step 0 given: it costs no model call

    @property
    def done(self) -> bool:
        return self.refinement.done

    def next_ask(self) -> Ask | None:
        r = self.refinement
        if r.done:
            return None
        if not r.steps:
            return Ask(self.first_messages, self.first_n, self.first_temperature, 0)
        return Ask(refine_messages(self.tools, self.messages, r.last_text, self.fmt), 1, 0.0, len(r.steps))

    def give(self, result: Result) -> None:
        """The engine's result for the last `next_ask()`."""
        r = self.refinement
        if r.done:
            raise RuntimeError("refinement already stopped")
        if isinstance(result, TooLong):
            if not r.steps:
                self.too_long = result
            r.stop(STOP_TOO_LONG)
            return
        if not r.steps:
            self.first = result
        self.generations.append(result)
        r.observe(result.text)

    @property
    def refine_generations(self) -> list[Generation]:
        """The refinement calls' results (every call when the first answer was a given draft)."""
        return self.generations[1:] if self.first is not None else self.generations

    @property
    def refine_prompt_tokens(self) -> int:
        return sum(g.prompt_tokens for g in self.refine_generations)

    @property
    def refine_completion_tokens(self) -> int:
        return sum(g.completion_tokens for g in self.refine_generations)

    @property
    def last_finish_reason(self) -> str:
        return self.generations[-1].finish_reason if self.generations else "stop"

    def trace(self) -> dict[str, Any]:
        """The stop rule's trace, counting model calls (a given draft is a step, not a call)."""
        return {**self.refinement.trace(), "model_calls": self.model_calls, "schedule": self.schedule}


def run_batch(loops: Sequence[RefineLoop], generate: Callable[[list[list[dict[str, Any]]], int, float], Sequence[Result]],
              on_done: Callable[[Any], None] | None = None) -> int:
    """Drive every loop to its end; returns the number of rounds.

    Each round asks `generate(conversations, n, temperature)` once per kind of ask (the first
    answers, sampled; the refinements, greedy) across all loops still running, so an engine
    batches them; it must return one result per conversation, in order. Any loop with
    `next_ask()`, `give()` and `done` will do (core/multi_turn.py's too); `on_done(loop)` is called
    as each one ends.
    """
    rounds = 0
    while True:
        waiting = [(loop, ask) for loop in loops if (ask := loop.next_ask()) is not None]
        if not waiting:
            return rounds
        rounds += 1
        kinds: dict[tuple[int, float], list[tuple[RefineLoop, Ask]]] = {}
        for loop, ask in waiting:
            kinds.setdefault((ask.n, ask.temperature), []).append((loop, ask))
        for (n, temperature), group in kinds.items():
            results = generate([ask.messages for _, ask in group], n, temperature)
            if len(results) != len(group):
                raise ValueError(f"generate returned {len(results)} results for {len(group)} prompts")
            for (loop, _), result in zip(group, results):
                loop.give(result)
                if on_done is not None and loop.done:
                    on_done(loop)


async def run_one(loop: RefineLoop, generate: Callable[[list[dict[str, Any]], float], Awaitable[Result]]) -> None:
    """Drive one loop to its end, awaiting `generate(messages, temperature)` for each answer."""
    while (ask := loop.next_ask()) is not None:
        if ask.n != 1:
            raise ValueError("run_one asks for one answer per call; sample n answers with run_batch")
        loop.give(await generate(ask.messages, ask.temperature))
