"""The prompts, as chat messages: the tool-listing system prompt and the refinement prompt.

The system prompt lists the tools as JSON after the sentence ToolACE's data uses, and states the
output format. The refinement prompt (docs/method.md §4-5) shows the model its previous answer and asks
it to check that answer against the query and the tools, repeating it unchanged when it is right.
Chat templates are applied later, by the engine, with the model's own template.
"""

from __future__ import annotations

import json
from typing import Any

from ray_toolace.core.parsers import get_parser
from ray_toolace.core.render import from_openai_tool_calls
from ray_toolace.core.types import ToolCall

TOOLS_MARKER = "Here is a list of functions in JSON format that you can invoke:"

_FORMAT_RULES = {
    "pythonic": (
        "If you call functions, answer with the calls only, as a Python list: "
        "[func_name1(param1=value1, param2=value2), func_name2(param=value)]. "
        "Write nothing else in that case."
    ),
    "json": (
        "If you call functions, answer with one line per call, each "
        '<tool_call>{"name": "func_name", "arguments": {"param": "value"}}</tool_call>. '
        "Write nothing else in that case."
    ),
}

SYSTEM_HEAD = (
    "You are an expert in composing function calls. You are given a question and a set of "
    "functions. Decide which function calls, with which arguments, answer the question. "
    "If none of the functions fits, or required values are missing, say so in plain words "
    "and call nothing."
)

REFINE_INSTRUCTION = (
    "Review your previous answer above. Check it against my request and the function "
    "definitions: the right functions, every required parameter, correct values and types, "
    "and no parameters that do not exist. If none of the functions fits my request, or "
    "required values are missing, the right answer calls nothing and says so in plain words. "
    "If your previous answer is already correct, repeat it exactly. Otherwise give the "
    "corrected answer. Use the same output format."
)


def system_prompt(tools: list[dict[str, Any]], fmt: str = "pythonic") -> str:
    if fmt not in _FORMAT_RULES:
        raise ValueError(f"unknown answer format {fmt!r}")
    listing = json.dumps(tools, ensure_ascii=False)
    return f"{SYSTEM_HEAD}\n{_FORMAT_RULES[fmt]}\n{TOOLS_MARKER}\n{listing}"


def _history_turn(message: dict[str, Any], fmt: str) -> dict[str, Any]:
    """A history turn as plain text, so templates without tool support can render it."""
    role = message.get("role")
    if role == "assistant" and message.get("tool_calls"):
        calls = from_openai_tool_calls(message["tool_calls"])
        return {"role": "assistant", "content": get_parser(fmt).render(calls)}
    content = message.get("content")
    if not isinstance(content, str):
        content = json.dumps(content, ensure_ascii=False) if content is not None else ""
    return {"role": role, "content": content}


def chat_messages(
    tools: list[dict[str, Any]], messages: list[dict[str, Any]], fmt: str = "pythonic"
) -> list[dict[str, Any]]:
    """The messages to send the model: our system prompt (merged with any given), then the turns."""
    head = system_prompt(tools, fmt)
    out: list[dict[str, Any]] = []
    for message in messages:
        turn = _history_turn(message, fmt)
        if turn["role"] == "system":
            head = f"{head}\n\n{turn['content']}" if turn["content"] else head
        else:
            out.append(turn)
    return [{"role": "system", "content": head}] + out


def refine_messages(
    tools: list[dict[str, Any]],
    messages: list[dict[str, Any]],
    previous_answer: str,
    fmt: str = "pythonic",
) -> list[dict[str, Any]]:
    """The conversation, the model's previous answer shown back, and the instruction to check it."""
    return chat_messages(tools, messages, fmt) + [
        {"role": "assistant", "content": previous_answer},
        {"role": "user", "content": REFINE_INSTRUCTION},
    ]


def answer_text(calls: list[ToolCall], fmt: str = "pythonic", no_call_text: str | None = None) -> str:
    """The text a model should produce for `calls` (the training target)."""
    if not calls:
        return no_call_text or "None of the available functions fits this request, so I will not call any."
    return get_parser(fmt).render(calls)
