"""OpenAI-chat rows: `{"messages": [...], "tools": [{"type": "function", "function": {...}}]}`.

Every assistant turn that calls tools is a sample (the turns before it are its context), and so
is an assistant turn that answers a user turn without calling anything (no call is correct
there). The last such turn of a row takes the row's `id` and `category` when the row has them.
"""

from __future__ import annotations

from typing import Any

from ray_toolace.core.answers import exact_to_ground_truth, gold_calls
from ray_toolace.core.formats.common import infer_category, validate_tools
from ray_toolace.core.prompts import answer_text
from ray_toolace.core.render import from_openai_tool_calls, to_openai_tool_calls
from ray_toolace.core.types import Sample

_ROLES = ("system", "user", "assistant", "tool")


def _tool_schemas(row: dict[str, Any]) -> list[dict[str, Any]]:
    tools = row.get("tools") or []
    if not isinstance(tools, list):
        raise ValueError("'tools' is not a list")
    schemas = []
    for i, tool in enumerate(tools):
        fn = tool.get("function") if isinstance(tool, dict) and "function" in tool else tool
        if not isinstance(fn, dict):
            raise ValueError(f"tools[{i}] is not an object")
        schemas.append(fn)
    return validate_tools(schemas)


def read_row(row: dict[str, Any], line: int) -> list[Sample]:
    """Samples from one row; raises ValueError with the reason when the row is unusable."""
    messages = row.get("messages")
    if not isinstance(messages, list) or not messages:
        raise ValueError("'messages' is missing or empty")
    tools = _tool_schemas(row)
    row_id = str(row.get("id") or f"openai-{line}")
    found: list[tuple[int, list]] = []  # (index of the answering turn, its gold calls)
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in _ROLES:
            role = message.get("role") if isinstance(message, dict) else None
            raise ValueError(f"messages[{i}] has unknown role {role!r}")
        if message["role"] != "assistant":
            continue
        if message.get("tool_calls"):
            try:
                calls = from_openai_tool_calls(message["tool_calls"])
            except ValueError as e:
                raise ValueError(f"messages[{i}]: {e}") from None
            found.append((i, calls))
        elif i > 0 and messages[i - 1].get("role") == "user":
            found.append((i, []))
    if not found:
        raise ValueError("no assistant turn to learn from (no tool call and no direct answer)")
    names = {t["name"] for t in tools}
    samples = []
    for n, (index, calls) in enumerate(found):
        unknown = [c.name for c in calls if c.name not in names]
        if unknown:
            raise ValueError(f"messages[{index}] calls {unknown[0]!r}, which is not among the tools")
        last = n == len(found) - 1
        samples.append(
            Sample(
                id=row_id if last else f"{row_id}:turn{index}",
                category=str(row["category"]) if last and row.get("category") else infer_category(calls, len(tools)),
                tools=tools,
                messages=messages[:index],
                ground_truth=exact_to_ground_truth(calls, tools),
                source=str(row.get("source") or "openai"),
            )
        )
    return samples


def write_row(sample: Sample) -> dict[str, Any]:
    """One row holding the sample's conversation and its gold answer as the last turn."""
    calls = gold_calls(sample.ground_truth)
    answer: dict[str, Any] = {"role": "assistant"}
    if calls:
        answer.update(content=None, tool_calls=to_openai_tool_calls(calls))
    else:
        answer["content"] = answer_text([])
    return {
        "id": sample.id,
        "category": sample.category,
        "source": sample.source,
        "messages": list(sample.messages) + [answer],
        "tools": [{"type": "function", "function": t} for t in sample.tools],
    }
