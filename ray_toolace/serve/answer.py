"""One request's answer: the first answer, adaptive self-refinement, tool_choice. Pure.

    plan = Plan(tools, turns, mode="auto", max_refinements=3)
    result = await answer(plan, generate)      # generate(messages, temperature, max_tokens)

`generate` is any coroutine that returns a `Generation` (the Serve app passes one that calls the
vLLM deployment; unit tests pass a scripted one). The stop rule is core's `Refinement`
(METHOD.md §5); this module only decides what to ask the model for each `tool_choice`:

- auto:     first answer over all tools, then refine until the calls stop changing;
- none:     no tools shown, one answer in words, no refinement, calls never returned;
- required: as auto; if the final answer calls nothing, the model is asked again, plainly told
            it must call a function (`force_attempts` times); still nothing: `unmet` is set;
- named:    as required, with only the named function offered.

Each step in the trace is checked against the offered tools' JSON schemas (unknown function,
missing or unknown parameters, wrong types or enum values) and flagged, never silently fixed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from ray_toolace.core.parsers import get_parser
from ray_toolace.core.prompts import chat_messages, refine_messages
from ray_toolace.core.refine import Refinement
from ray_toolace.core.render import from_openai_tool_calls
from ray_toolace.core.schema_check import call_issues
from ray_toolace.core.types import ToolCall

FORCE_INSTRUCTION = (
    "You must answer with at least one call to one of the functions listed above, in the "
    "required format, with the best arguments the conversation supports. Answer with the calls only."
)


@dataclass(frozen=True)
class Generation:
    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str = "stop"  # "length" when max_tokens cut the answer


class PromptTooLong(ValueError):
    """Raised by a `generate` whose prompt leaves no room for an answer."""


Generate = Callable[[list[dict[str, Any]], float, int], Awaitable[Generation]]


@dataclass
class Plan:
    tools: list[dict[str, Any]]  # function schemas offered to the model (already narrowed)
    messages: list[dict[str, Any]]  # plain turns: role, content, tool_calls
    mode: str = "auto"  # auto | none | required | named
    max_refinements: int = 3
    adaptive: bool = True  # False: always run max_refinements (the benchmark's baseline)
    temperature: float = 0.0  # first answer; refinements are greedy (METHOD.md §5)
    max_tokens: int = 256
    previous_answer: str | list[dict[str, Any]] | None = None  # text, or OpenAI tool_calls
    fmt: str = "pythonic"
    force_attempts: int = 1


@dataclass
class Answer:
    calls: list[ToolCall]
    text: str | None  # the answer's words when it makes no call
    finish_reason: str  # tool_calls | stop | length
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model_calls: int = 0
    unmet: bool = False  # required/named, yet no call after forcing
    trace: dict[str, Any] = field(default_factory=dict)


def plain_messages(messages: list[dict[str, Any]], fmt: str) -> list[dict[str, Any]]:
    """The conversation as text turns with no tool prompt (tool_choice none)."""
    parser = get_parser(fmt)
    out = []
    for m in messages:
        content = m.get("content") or ""
        if m.get("tool_calls"):
            content = (content + "\n" if content else "") + parser.render(from_openai_tool_calls(m["tool_calls"]))
        out.append({"role": m["role"], "content": content})
    return out


def previous_text(previous: str | list[dict[str, Any]], fmt: str) -> str:
    """A draft answer as the model would have written it."""
    if isinstance(previous, str):
        return previous
    return get_parser(fmt).render(from_openai_tool_calls(previous))


class _Counter:
    """Wraps `generate`, summing token usage over every model call of one request."""

    def __init__(self, generate: Generate, max_tokens: int):
        self.generate, self.max_tokens = generate, max_tokens
        self.calls = self.prompt_tokens = self.completion_tokens = 0
        self.last_finish = "stop"

    async def __call__(self, messages: list[dict[str, Any]], temperature: float) -> Generation:
        g = await self.generate(messages, temperature, self.max_tokens)
        self.calls += 1
        self.prompt_tokens += g.prompt_tokens
        self.completion_tokens += g.completion_tokens
        self.last_finish = g.finish_reason
        return g


async def answer(plan: Plan, generate: Generate) -> Answer:
    """Run one request to its final answer. PromptTooLong from the first answer propagates."""
    model = _Counter(generate, plan.max_tokens)
    parser = get_parser(plan.fmt)  # lenient: a server should read calls wrapped in prose
    if plan.mode == "none":
        g = await model(plain_messages(plan.messages, plan.fmt), plan.temperature)
        loop = Refinement(parser, max_refinements=0)
        loop.observe(g.text)
        return _finish(plan, model, loop, [], calls=[], text=g.text)

    loop = Refinement(parser, max_refinements=plan.max_refinements, adaptive=plan.adaptive)
    if plan.previous_answer is not None:
        loop.observe(previous_text(plan.previous_answer, plan.fmt))  # step 0 costs no model call
    else:
        loop.observe((await model(chat_messages(plan.tools, plan.messages, plan.fmt), plan.temperature)).text)
    while not loop.done:
        try:
            g = await model(refine_messages(plan.tools, plan.messages, loop.last_text, plan.fmt), 0.0)
        except PromptTooLong:
            loop.stop_reason = "prompt_too_long"  # keep the last answer that fitted
            break
        loop.observe(g.text)

    calls, text, forced = loop.final_calls, loop.last_text, []
    if plan.mode in ("required", "named") and not calls:
        for _ in range(plan.force_attempts):
            prompt = chat_messages(plan.tools, plan.messages, plan.fmt) + [
                {"role": "assistant", "content": text},
                {"role": "user", "content": FORCE_INSTRUCTION},
            ]
            try:
                g = await model(prompt, 0.0)
            except PromptTooLong:
                break
            parsed = parser.parse(g.text)
            forced.append({"text": g.text, "calls": _calls_dict(parsed.calls), "parse_error": parsed.error,
                           "issues": call_issues(parsed.calls, plan.tools)})
            text = g.text
            if parsed.calls:
                calls = parsed.calls
                break
    return _finish(plan, model, loop, forced, calls=calls, text=text)


def _calls_dict(calls: list[ToolCall]) -> list[dict[str, Any]]:
    return [{"name": c.name, "arguments": c.arguments} for c in calls]


def _finish(plan: Plan, model: _Counter, loop: Refinement, forced: list[dict[str, Any]],
            calls: list[ToolCall], text: str | None) -> Answer:
    trace = loop.trace()
    for step, record in zip(loop.steps, trace["steps"]):
        record["issues"] = call_issues(step.calls, plan.tools)
    issues = call_issues(calls, plan.tools)
    trace.update(
        model_calls=model.calls,  # the loop counts steps; a given previous answer was not a call
        schedule="adaptive" if plan.adaptive else "fixed",
        max_refinements=plan.max_refinements if plan.mode != "none" else 0,
        tool_choice=plan.mode,
        tools_offered=[t.get("name") for t in plan.tools] if plan.mode != "none" else [],
        previous_answer_given=plan.previous_answer is not None and plan.mode != "none",
        forced=forced,
        final_calls=_calls_dict(calls),
        issues=issues,
        valid=not issues,
    )
    unmet = plan.mode in ("required", "named") and not calls
    if calls:
        finish = "tool_calls"
    else:
        finish = model.last_finish if model.calls else "stop"
    return Answer(
        calls=calls, text=None if calls else text, finish_reason=finish,
        prompt_tokens=model.prompt_tokens, completion_tokens=model.completion_tokens,
        model_calls=model.calls, unmet=unmet, trace=trace,
    )
