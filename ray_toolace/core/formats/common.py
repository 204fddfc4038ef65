"""Checks and inferences every reader shares: tool schema validation and the sample category."""

from __future__ import annotations

from typing import Any

from ray_toolace.core.types import ToolCall


def validate_tools(tools: list[Any]) -> list[dict[str, Any]]:
    """Tool schemas, checked: a name, and parameters with `properties` and `required` lists.

    Raises ValueError naming the first bad tool. A tool without parameters gets an empty
    object schema, so later stages never have to guess.
    """
    out = []
    for i, tool in enumerate(tools):
        if not isinstance(tool, dict):
            raise ValueError(f"tool {i} is not an object")
        name = tool.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"tool {i} has no name")
        params = tool.get("parameters")
        if params is None:
            params = {"type": "object", "properties": {}, "required": []}
        if not isinstance(params, dict):
            raise ValueError(f"tool {name!r}: parameters is not an object")
        props = params.get("properties", {})
        if not isinstance(props, dict):
            raise ValueError(f"tool {name!r}: parameters.properties is not an object")
        required = params.get("required", [])
        if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
            raise ValueError(f"tool {name!r}: parameters.required is not a list of names")
        out.append({**tool, "parameters": {**params, "properties": props, "required": required}})
    return out


def infer_category(calls: list[ToolCall], n_tools: int) -> str:
    """BFCL's category for an answer: no call, one call among one or several tools, or parallel."""
    if not calls:
        return "irrelevance"
    if len(calls) == 1:
        return "simple" if n_tools <= 1 else "multiple"
    return "parallel" if len({c.name for c in calls}) == 1 and n_tools <= 1 else "parallel_multiple"
