"""ToolACE rows: `{"system": str, "conversations": [{"from": ..., "value": ...}]}`.

The tools are a JSON list inside the system text, after "Here is a list of functions in JSON
format that you can invoke:". Assistant calls are bracket text whose function names may hold
spaces and dots (`[Market Trends API(trend_type="MARKET_INDEXES")]`), read with the lenient
pythonic parser. Tool results are JSON strings in `tool` turns. Each calling assistant turn is a
sample; so is an assistant turn that answers a user turn in words (no call is correct there).
"""

from __future__ import annotations

import json
from typing import Any

from ray_toolace.core.answers import exact_to_ground_truth, gold_calls
from ray_toolace.core.formats.common import infer_category, validate_tools
from ray_toolace.core.parsers import get_parser
from ray_toolace.core.prompts import SYSTEM_HEAD, TOOLS_MARKER, answer_text
from ray_toolace.core.render import from_openai_tool_calls, to_openai_tool_calls, to_pythonic
from ray_toolace.core.types import Sample

_ROLES = {"user": "user", "human": "user", "assistant": "assistant", "gpt": "assistant", "tool": "tool"}
_PARSER = get_parser("pythonic")


def tools_from_system(system: str) -> list[dict[str, Any]]:
    """The JSON tool list embedded in a ToolACE system text."""
    at = system.find(TOOLS_MARKER)
    if at < 0:
        raise ValueError("system text has no tool list marker")
    start = system.find("[", at + len(TOOLS_MARKER))
    if start < 0:
        raise ValueError("no JSON list after the tool list marker")
    try:
        tools, _ = json.JSONDecoder().raw_decode(system, start)
    except json.JSONDecodeError as e:
        raise ValueError(f"tool list is not valid JSON: {e.msg} at char {e.pos}") from None
    if not isinstance(tools, list):
        raise ValueError("tool list is not a JSON list")
    return validate_tools(tools)


def read_row(row: dict[str, Any], line: int) -> list[Sample]:
    """Samples from one row; raises ValueError with the reason when the row is unusable."""
    system = row.get("system")
    turns = row.get("conversations")
    if not isinstance(system, str):
        raise ValueError("'system' is missing or not text")
    if not isinstance(turns, list) or not turns:
        raise ValueError("'conversations' is missing or empty")
    tools = tools_from_system(system)
    names = {t["name"] for t in tools}
    row_id = str(row.get("id") or f"toolace-{line}")
    messages: list[dict[str, Any]] = []
    # Text before our own head is the sample's own system message (our writer puts it there);
    # ToolACE's own instructions are about the output format, which our prompt states anew.
    own = system.find(SYSTEM_HEAD)
    if own > 0 and system[:own].strip():
        messages.append({"role": "system", "content": system[:own].strip()})
    samples: list[Sample] = []
    for i, turn in enumerate(turns):
        if not isinstance(turn, dict) or turn.get("from") not in _ROLES or not isinstance(turn.get("value"), str):
            raise ValueError(f"conversations[{i}] is not a {{from, value}} turn with a known role")
        role, text = _ROLES[turn["from"]], turn["value"]
        if role != "assistant":
            messages.append({"role": role, "content": text})
            continue
        parsed = _PARSER.parse(text) if text.lstrip().startswith("[") else None
        if parsed is not None and parsed.error is not None:
            raise ValueError(f"conversations[{i}]: unreadable call ({parsed.error})")
        calls = parsed.calls if parsed is not None else []
        unknown = [c.name for c in calls if c.name not in names]
        if unknown:
            raise ValueError(f"conversations[{i}] calls {unknown[0]!r}, which is not among the tools")
        if calls or (messages and messages[-1]["role"] == "user"):
            samples.append(
                Sample(
                    id=f"{row_id}:turn{i}",
                    category=infer_category(calls, len(tools)),
                    tools=tools,
                    messages=list(messages),
                    ground_truth=exact_to_ground_truth(calls, tools),
                    source="toolace",
                )
            )
        if calls:
            messages.append({"role": "assistant", "content": None, "tool_calls": to_openai_tool_calls(calls)})
        else:
            messages.append({"role": "assistant", "content": text})
    if not samples:
        raise ValueError("no assistant turn to learn from")
    # the last sample carries the row's own id and category when it has them (our writer's rows)
    last = samples[-1]
    if row.get("id"):
        last.id = row_id
    if row.get("category"):
        last.category = str(row["category"])
    return samples


def write_row(sample: Sample) -> dict[str, Any]:
    """The sample as a ToolACE row; history tool calls become bracket text again."""
    system = f"{SYSTEM_HEAD}\n{TOOLS_MARKER}\n{json.dumps(sample.tools, ensure_ascii=False)}"
    turns = []
    for m in sample.messages:
        if m["role"] == "system":
            system = f"{m['content']}\n\n{system}"
        elif m["role"] == "assistant" and m.get("tool_calls"):
            turns.append({"from": "assistant", "value": to_pythonic(from_openai_tool_calls(m["tool_calls"]))})
        else:
            turns.append({"from": m["role"], "value": m.get("content") or ""})
    turns.append({"from": "assistant", "value": answer_text(gold_calls(sample.ground_truth))})
    return {"id": sample.id, "category": sample.category, "system": system, "conversations": turns}
