"""Response bodies of the Serve endpoint, in OpenAI's wire format plus the refinement trace. Pure.

    chat_completion(result, model_id, request_id, created)   # POST /v1/chat/completions
    stream_events(result, model_id, request_id, created)     # the same answer as SSE lines
    refine_result(result, model_id)                          # POST /v1/refine

The answer is computed whole before anything is sent (refinement needs the complete answer to
decide whether to stop), so a stream is one delta chunk with the content or the tool calls, one
chunk with the finish reason, an optional usage chunk, and `data: [DONE]`: the shape OpenAI's
SDKs reassemble. The trace travels in the extension field `refinement`, which clients ignore.
"""

from __future__ import annotations

import json
from typing import Any

from ray_toolace.core.render import to_openai_tool_calls
from ray_toolace.serve.answer import Answer


def _usage(result: Answer) -> dict[str, int]:
    # summed over every model call of the request: first answer, refinements, forcing
    return {
        "prompt_tokens": result.prompt_tokens,
        "completion_tokens": result.completion_tokens,
        "total_tokens": result.prompt_tokens + result.completion_tokens,
    }


def tool_calls(result: Answer, request_id: str) -> list[dict[str, Any]] | None:
    if not result.calls:
        return None
    return to_openai_tool_calls(result.calls, id_prefix=f"call_{request_id[-12:]}")


def chat_completion(result: Answer, model_id: str, request_id: str, created: int) -> dict[str, Any]:
    return {
        "id": request_id,
        "object": "chat.completion",
        "created": created,
        "model": model_id,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": result.text, "tool_calls": tool_calls(result, request_id)},
                "finish_reason": result.finish_reason,
                "logprobs": None,
            }
        ],
        "usage": _usage(result),
        "refinement": result.trace,
    }


def _sse(payload: dict[str, Any]) -> str:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


def stream_events(result: Answer, model_id: str, request_id: str, created: int, include_usage: bool = False) -> list[str]:
    """The SSE lines of a streamed answer, `data: [DONE]` last."""
    head = {"id": request_id, "object": "chat.completion.chunk", "created": created, "model": model_id}
    calls = tool_calls(result, request_id)
    if calls:
        delta: dict[str, Any] = {"role": "assistant", "content": None,
                                 "tool_calls": [{"index": i, **call} for i, call in enumerate(calls)]}
    else:
        delta = {"role": "assistant", "content": result.text or ""}
    events = [
        _sse({**head, "choices": [{"index": 0, "delta": delta, "finish_reason": None, "logprobs": None}]}),
        _sse({**head, "choices": [{"index": 0, "delta": {}, "finish_reason": result.finish_reason, "logprobs": None}],
              "refinement": result.trace}),
    ]
    if include_usage:
        events.append(_sse({**head, "choices": [], "usage": _usage(result)}))
    events.append("data: [DONE]\n\n")
    return events


def refine_result(result: Answer, model_id: str) -> dict[str, Any]:
    """The native form: the final calls (or words), usage and the whole trace."""
    return {
        "object": "refinement",
        "model": model_id,
        "calls": [{"name": c.name, "arguments": c.arguments} for c in result.calls],
        "content": result.text,
        "finish_reason": result.finish_reason,
        "usage": _usage(result),
        "refinement": result.trace,
    }


def models_list(model_ids: list[str], created: int) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [{"id": m, "object": "model", "created": created, "owned_by": "ray_toolace"} for m in model_ids],
    }
