"""One request's answer: the first answer, adaptive self-refinement, tool_choice. Pure.

    plan = Plan(tools, turns, mode="auto", max_refinements=3)
    result = await answer(plan, generate)      # generate(messages, temperature, max_tokens)

`generate` is any coroutine that returns core's `Generation`, or `TooLong` for a prompt that does
not fit (the Serve app passes one that calls the vLLM deployment; unit tests pass a scripted one).
The loop and its stop rule are core's `RefineLoop` (METHOD.md §5), the same code the batched
evaluation drives; this module only decides what to ask the model for each `tool_choice`:

- auto:     first answer over all tools, then refine until the calls stop changing;
- none:     no tools shown, one answer in words, no refinement, calls never returned;
- required: as auto; if the final answer calls nothing, the model is asked again, plainly told
            it must call a function (`force_attempts` times); still nothing: `unmet` is set;
- named:    as required, with only the named function offered.

Each step in the trace is checked against the offered tools' JSON schemas (unknown function,
missing or unknown parameters, wrong types or enum values) and flagged, never silently fixed.
An answer whose calls hold values JSON cannot carry (bytes, complex numbers, non-string dict
keys: the pythonic format can write them) is read as a parse error, not as calls: OpenAI's wire
form sends arguments as JSON, and the refinement prompt then asks the model to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from ray_toolace.core.generation import Generation, TooLong
from ray_toolace.core.parsers import AnswerParser, Parsed, get_parser
from ray_toolace.core.prompts import chat_messages
from ray_toolace.core.refine import RefineLoop, Schedule, run_one
from ray_toolace.core.render import from_openai_tool_calls, json_problem
from ray_toolace.core.schema_check import call_issues
from ray_toolace.core.types import ToolCall
from ray_toolace.serve.protocol import Limits

FORCE_INSTRUCTION = (
    "You must answer with at least one call to one of the functions listed above, in the "
    "required format, with the best arguments the conversation supports. Answer with the calls only."
)


class PromptTooLong(ValueError):
    """The request's first prompt does not fit: there is no answer to give."""

    def __init__(self, too_long: TooLong):
        super().__init__(str(too_long))
        self.too_long = too_long


Generate = Callable[[list[dict[str, Any]], float, int], Awaitable[Generation | TooLong]]


@dataclass
class Plan:
    tools: list[dict[str, Any]]  # function schemas offered to the model (already narrowed)
    messages: list[dict[str, Any]]  # plain turns: role, content, tool_calls
    mode: str = "auto"  # auto | none | required | named
    max_refinements: int = 3
    schedule: Schedule = "adaptive"  # fixed: always run max_refinements (the benchmark's baseline)
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


class JsonCallsParser:
    """An answer parser whose calls always travel as JSON: any other call is a parse error."""

    def __init__(self, parser: AnswerParser):
        self.parser = parser
        self.name = parser.name

    def parse(self, text: str) -> Parsed:
        parsed = self.parser.parse(text)
        for call in parsed.calls:
            problem = json_problem(call.arguments, f"{call.name} arguments")
            if problem:
                return Parsed(error=f"not sendable as JSON: {problem}")
        return parsed

    def render(self, calls: list[ToolCall]) -> str:
        return self.parser.render(calls)


def plan_for(req: Any, limits: Limits, fmt: str = "pythonic") -> Plan:
    """The plan of a validated request (`protocol.parse_request`), with the server's defaults."""
    mode = req.choice_mode()
    tools = req.tool_schemas()
    if mode == "named":
        tools = [t for t in tools if t["name"] == req.tool_choice.function.name]
    previous = req.previous_answer
    return Plan(
        tools=tools,
        messages=req.turns(),
        mode=mode,
        max_refinements=limits.default_refinements if req.max_refinements is None else req.max_refinements,
        schedule=req.refine_schedule,
        temperature=req.temperature or 0.0,
        max_tokens=req.answer_tokens(limits.default_tokens),
        previous_answer=[tc.model_dump() for tc in previous] if isinstance(previous, list) else previous,
        fmt=fmt,
        force_attempts=limits.force_attempts,
    )


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


async def answer(plan: Plan, generate: Generate) -> Answer:
    """Run one request to its final answer. Raises PromptTooLong when the first prompt does not fit."""
    parser = JsonCallsParser(get_parser(plan.fmt))  # lenient: a server should read calls wrapped in prose
    words = plan.mode == "none"
    draft = None if words or plan.previous_answer is None else previous_text(plan.previous_answer, plan.fmt)
    loop = RefineLoop(
        parser, plan.tools, plan.messages, fmt=plan.fmt,
        max_refinements=0 if words else plan.max_refinements, schedule=plan.schedule,
        first_temperature=plan.temperature, draft=draft,
        first_messages=plain_messages(plan.messages, plan.fmt) if words else None,
    )
    await run_one(loop, lambda messages, temperature: generate(messages, temperature, plan.max_tokens))
    if loop.too_long is not None:
        raise PromptTooLong(loop.too_long)
    if words:
        return _finish(plan, loop, [], [], calls=[], text=loop.refinement.last_text)

    calls, text, forced, extra = loop.refinement.final_calls, loop.refinement.last_text, [], []
    if plan.mode in ("required", "named") and not calls:
        for _ in range(plan.force_attempts):
            prompt = chat_messages(plan.tools, plan.messages, plan.fmt) + [
                {"role": "assistant", "content": text},
                {"role": "user", "content": FORCE_INSTRUCTION},
            ]
            g = await generate(prompt, 0.0, plan.max_tokens)
            if isinstance(g, TooLong):
                break
            extra.append(g)
            parsed = parser.parse(g.text)
            forced.append({"text": g.text, "calls": _calls_dict(parsed.calls), "parse_error": parsed.error,
                           "issues": call_issues(parsed.calls, plan.tools)})
            text = g.text
            if parsed.calls:
                calls = parsed.calls
                break
    return _finish(plan, loop, forced, extra, calls=calls, text=text)


def _calls_dict(calls: list[ToolCall]) -> list[dict[str, Any]]:
    return [{"name": c.name, "arguments": c.arguments} for c in calls]


def _finish(plan: Plan, loop: RefineLoop, forced: list[dict[str, Any]], extra: list[Generation],
            calls: list[ToolCall], text: str | None) -> Answer:
    """The answer with usage over every model call: the loop's, then the forced attempts."""
    gens = loop.generations + extra
    trace = loop.trace()
    for step, record in zip(loop.refinement.steps, trace["steps"]):
        record["issues"] = call_issues(step.calls, plan.tools)
    issues = call_issues(calls, plan.tools)
    trace.update(
        model_calls=len(gens),  # a given previous answer is a step, not a call
        schedule=plan.schedule,
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
        finish = gens[-1].finish_reason if gens else "stop"
    return Answer(
        calls=calls, text=None if calls else text, finish_reason=finish,
        prompt_tokens=sum(g.prompt_tokens for g in gens), completion_tokens=sum(g.completion_tokens for g in gens),
        model_calls=len(gens), unmet=unmet, trace=trace,
    )
