"""The wire format of the Serve endpoint: request models, their validation, error bodies. Pure.

    req = parse_request(body_bytes, ChatCompletionRequest, Limits(max_tools=128, max_messages=256))
    # raises RequestError(status, message, param, code) for anything a client got wrong

The body is read as strict JSON (no NaN/Infinity, integers Python can render, bounded nesting:
`core.render.read_json`), so a request that passes here never fails later for its values. The
server's ceilings (`Limits`: refinements, the fixed schedule, tokens per request) are checked
here too, so one request cannot multiply its own cost past what the server allows.

OpenAI's chat-completions request with its tool-calling fields, plus extension fields that
OpenAI clients never send (`max_refinements`, `refine_schedule`, `previous_answer`), and the
native `/v1/refine` request. Every rejection names the field (`param`, in OpenAI's dotted-and-
indexed spelling) so a client can fix it. No Ray, vLLM or web framework is imported here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ray_toolace.core.render import MAX_ARGUMENT_DEPTH, from_openai_tool_calls, read_json
from ray_toolace.core.schema_check import tool_schema_error

MAX_REFINEMENTS = 8  # the schema's bound; the server's own ceiling (Limits) is usually lower
# a request nests a tool call's arguments about 7 levels down (messages[i].tool_calls[j].function
# .arguments), so this leaves the arguments their own depth budget and refuses nothing real
MAX_BODY_DEPTH = MAX_ARGUMENT_DEPTH + 16
# a draft answer longer than this is refused: the lenient call parser's worst case grows
# quadratically with the text (about 1 s at 8,000 characters of nested brackets)
MAX_PREVIOUS_CHARS = 8192


class RequestError(Exception):
    """A request the server refuses; becomes `{"error": {...}}` with this HTTP status."""

    def __init__(self, status: int, message: str, param: str | None = None, code: str | None = None,
                 type: str = "invalid_request_error", extra: dict[str, Any] | None = None,
                 retry_after_s: int | None = None):
        super().__init__(message)
        self.status, self.message, self.param, self.code, self.type = status, message, param, code, type
        self.extra = extra or {}
        self.retry_after_s = retry_after_s  # sent as Retry-After (503: try again later)

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}, **self.extra}


def error_body(message: str, type: str, param: str | None = None, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


@dataclass(frozen=True)
class Limits:
    """What the server accepts per request (from `serve.*` of the config), and the defaults a
    request falls back on, so the ceilings apply to what will actually run."""

    max_tools: int = 128
    max_messages: int = 256
    max_refinements: int = 4  # the most a request may ask for
    max_fixed_refinements: int = 3  # under refine_schedule "fixed", which runs every one; 0: no fixed
    max_tokens: int = 1024  # per model call
    max_request_tokens: int = 4096  # max_tokens times the most model calls one request may make
    force_attempts: int = 1
    default_refinements: int = 3
    default_tokens: int = 256

    def defaults_error(self) -> str | None:
        """Why the server's own defaults break its ceilings (checked when the app is built)."""
        if self.default_refinements > self.max_refinements:
            return f"refine.max_refinements={self.default_refinements} exceeds serve.max_refinements={self.max_refinements}"
        if self.default_tokens > self.max_tokens:
            return f"sampling.max_tokens={self.default_tokens} exceeds serve.max_tokens={self.max_tokens}"
        worst = self.default_tokens * model_calls_at_most(self.default_refinements, "required", self.force_attempts)
        if worst > self.max_request_tokens:
            return (f"the defaults allow {worst} generated tokens per request (sampling.max_tokens x model calls), "
                    f"over serve.max_request_tokens={self.max_request_tokens}")
        return None


def model_calls_at_most(refinements: int, mode: str, force_attempts: int) -> int:
    """The most model calls one request can make: first answer, refinements, forced re-asks."""
    if mode == "none":
        return 1
    return 1 + refinements + (force_attempts if mode in ("required", "named") else 0)


class _Wire(BaseModel):
    # unknown fields are ignored, as OpenAI SDKs send fields (user, seed, logprobs...) we do not use
    model_config = ConfigDict(extra="ignore")


class FunctionCall(_Wire):
    name: str
    arguments: str | dict[str, Any] = "{}"


class ToolCallIn(_Wire):
    id: str | None = None
    type: Literal["function"] = "function"
    function: FunctionCall


class TextPart(_Wire):
    type: Literal["text"]
    text: str


class Message(_Wire):
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[TextPart] | None = None
    name: str | None = None
    tool_calls: list[ToolCallIn] | None = None
    tool_call_id: str | None = None

    @field_validator("content", mode="before")
    @classmethod
    def _text_only(cls, content: Any) -> Any:
        # checked by hand: pydantic's message for a failed union would say "a valid string"
        if content is None or isinstance(content, str):
            return content
        if not isinstance(content, list):
            raise ValueError("must be a string, a list of text parts, or null")
        for part in content:
            kind = part.get("type") if isinstance(part, dict) else type(part).__name__
            if kind != "text" or not isinstance(part.get("text"), str):
                raise ValueError(f"only text content parts are supported (got {kind!r})")
        return content

    def text(self) -> str | None:
        if isinstance(self.content, list):
            return "".join(part.text for part in self.content)
        return self.content

    def to_turn(self) -> dict[str, Any]:
        """The plain-dict turn the prompt builders read; `developer` is OpenAI's newer `system`."""
        turn: dict[str, Any] = {"role": "system" if self.role == "developer" else self.role, "content": self.text()}
        if self.tool_calls:
            turn["tool_calls"] = [tc.model_dump() for tc in self.tool_calls]
        if self.tool_call_id:
            turn["tool_call_id"] = self.tool_call_id
        return turn


class ToolIn(_Wire):
    type: Literal["function"]
    function: dict[str, Any]


class NamedFunction(_Wire):
    name: str


class NamedToolChoice(_Wire):
    type: Literal["function"]
    function: NamedFunction


class StreamOptions(_Wire):
    include_usage: bool = False


class _Common(_Wire):
    model: str | None = None
    messages: list[Message] = Field(min_length=1)
    tools: list[ToolIn] | None = None
    temperature: float | None = Field(None, ge=0, le=2)  # None: greedy, the tool-calling default here
    top_p: float | None = Field(None, gt=0, le=1)
    max_tokens: int | None = Field(None, ge=1)
    max_completion_tokens: int | None = Field(None, ge=1)  # OpenAI's newer name for max_tokens
    # extensions
    max_refinements: int | None = Field(None, ge=0, le=MAX_REFINEMENTS)  # None: the server's default
    refine_schedule: Literal["adaptive", "fixed"] = "adaptive"
    previous_answer: str | list[ToolCallIn] | None = None  # a draft to refine instead of a first answer
    request_timeout_s: float | None = Field(None, gt=0)  # a tighter deadline than the server's

    @field_validator("previous_answer", mode="before")
    @classmethod
    def _bounded_draft(cls, draft: Any) -> Any:
        if isinstance(draft, str) and len(draft) > MAX_PREVIOUS_CHARS:
            raise ValueError(f"at most {MAX_PREVIOUS_CHARS} characters ({len(draft)} given)")
        return draft

    def answer_tokens(self, default: int) -> int:
        return self.max_completion_tokens or self.max_tokens or default

    def turns(self) -> list[dict[str, Any]]:
        return [m.to_turn() for m in self.messages]

    def tool_schemas(self) -> list[dict[str, Any]]:
        return [t.function for t in self.tools or []]


class ChatCompletionRequest(_Common):
    tool_choice: Literal["auto", "none", "required"] | NamedToolChoice | None = None
    n: int = 1
    stream: bool = False
    stream_options: StreamOptions | None = None

    @field_validator("tool_choice", mode="before")
    @classmethod
    def _choice(cls, choice: Any) -> Any:
        if choice is None or choice in ("auto", "none", "required"):
            return choice
        if isinstance(choice, dict) and choice.get("type") == "function":
            name = (choice.get("function") or {}).get("name") if isinstance(choice.get("function"), dict) else None
            if isinstance(name, str) and name:
                return NamedToolChoice.model_validate(choice)
            raise ValueError("a named tool_choice needs function.name")
        named = "{'type': 'function', 'function': {'name': ...}}"
        raise ValueError(f"must be 'auto', 'none', 'required' or {named} (got {choice!r})")

    @field_validator("n")
    @classmethod
    def _one_choice(cls, n: int) -> int:
        # every extra choice would multiply the refinement loop; one answer, refined, is the point
        if n != 1:
            raise ValueError("only n=1 is supported")
        return n

    def choice_mode(self) -> str:
        """auto / none / required / named (named: one function offered, and a call is required)."""
        if isinstance(self.tool_choice, NamedToolChoice):
            return "named"
        if self.tool_choice is None:
            return "auto" if self.tools else "none"
        return self.tool_choice


class RefineRequest(_Common):
    """`POST /v1/refine`: the conversation, the tools, optionally the answer to refine."""

    def choice_mode(self) -> str:
        return "auto"


def _param(loc: tuple[Any, ...]) -> str:
    """pydantic's ('messages', 0, 'role') as OpenAI's `messages[0].role`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not str(part).startswith(("function-", "literal[", "str", "list[", "dict[", "int", "none")):
            out += ("." if out else "") + str(part)
    return out


def _describe(error: ValidationError) -> tuple[str, str]:
    first = error.errors()[0]
    param = _param(first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] in ("literal_error", "enum") and "input" in first:
        message += f" (got {repr(first['input'])[:80]})"  # the input may be a megabyte long
    more = len(error.errors()) - 1
    suffix = f" ({more} more problem{'s' if more > 1 else ''} in this request)" if more else ""
    return f"{param}: {message}{suffix}" if param else message + suffix, param


def parse_request(body: bytes, model: type[_Common], limits: Limits) -> Any:
    """Bytes in, a validated request out; every failure is a RequestError with a 4xx status."""
    try:
        data = read_json(body, MAX_BODY_DEPTH, "body")
    except json.JSONDecodeError as e:
        raise RequestError(400, f"the request body is not valid JSON: {e}", code="invalid_json") from None
    except ValueError as e:  # plain JSON, but not within bounds (or not UTF-8)
        raise RequestError(400, f"the request body is refused: {e}", code="invalid_json") from None
    if not isinstance(data, dict):
        raise RequestError(400, "the request body must be a JSON object", code="invalid_json")
    # cheap size checks before pydantic builds thousands of objects
    for key, limit in (("messages", limits.max_messages), ("tools", limits.max_tools)):
        if isinstance(data.get(key), list) and len(data[key]) > limit:
            raise RequestError(400, f"{key}: {len(data[key])} given, at most {limit} allowed", key, f"too_many_{key}")
    try:
        req = model.model_validate(data)
    except ValidationError as e:
        message, param = _describe(e)
        raise RequestError(400, message, param or None, "invalid_value") from None
    except RecursionError:
        raise RequestError(400, "the request nests too deeply", code="invalid_value") from None
    _check_tools(req)
    _check_history(req)
    _check_cost(req, limits)
    return req


def _check_cost(req: _Common, limits: Limits) -> None:
    """The server's ceilings on what one request may cost."""
    asked = req.max_refinements
    if asked is not None and asked > limits.max_refinements:
        raise RequestError(400, f"max_refinements: {asked} asked, this server allows at most {limits.max_refinements}",
                           "max_refinements", "above_server_limit")
    refinements = limits.default_refinements if asked is None else asked
    if req.refine_schedule == "fixed" and refinements > limits.max_fixed_refinements:
        allowed = (f"at most {limits.max_fixed_refinements} refinements" if limits.max_fixed_refinements
                   else "no fixed schedule")
        raise RequestError(400, f"refine_schedule: 'fixed' runs all {refinements} refinements; this server allows "
                           f"{allowed} (use 'adaptive', or lower max_refinements)", "refine_schedule", "above_server_limit")
    tokens = req.answer_tokens(limits.default_tokens)
    param = "max_completion_tokens" if req.max_completion_tokens else "max_tokens"
    if tokens > limits.max_tokens:
        raise RequestError(400, f"{param}: {tokens} asked, this server allows at most {limits.max_tokens}",
                           param, "above_server_limit")
    mode = req.choice_mode()
    calls = model_calls_at_most(refinements, mode, limits.force_attempts)
    if tokens * calls > limits.max_request_tokens:
        raise RequestError(400, f"{param}: {tokens} tokens for each of up to {calls} model calls is "
                           f"{tokens * calls}; this server allows {limits.max_request_tokens} per request "
                           "(lower max_tokens or max_refinements)", param, "above_server_limit")


def _check_tools(req: _Common) -> None:
    names: set[str] = set()
    for i, tool in enumerate(req.tools or []):
        error = tool_schema_error(tool.function, f"tools[{i}].function")
        if error:
            raise RequestError(400, f"invalid tool schema: {error}", error.split(":")[0], "invalid_tool_schema")
        if tool.function["name"] in names:
            raise RequestError(400, f"tools[{i}].function.name: {tool.function['name']!r} is defined twice",
                               f"tools[{i}].function.name", "duplicate_tool")
        names.add(tool.function["name"])
    choice = getattr(req, "tool_choice", None)
    if isinstance(choice, NamedToolChoice) and choice.function.name not in names:
        raise RequestError(400, f"tool_choice names {choice.function.name!r}, which is not among the tools",
                           "tool_choice", "unknown_tool")
    if choice == "required" and not names:
        raise RequestError(400, "tool_choice 'required' needs at least one tool", "tool_choice", "no_tools")


def _check_history(req: _Common) -> None:
    for i, message in enumerate(req.messages):
        if message.tool_calls and message.role != "assistant":
            raise RequestError(400, f"messages[{i}]: only assistant messages carry tool_calls",
                               f"messages[{i}].tool_calls", "invalid_value")
        if message.tool_calls:
            try:
                from_openai_tool_calls([tc.model_dump() for tc in message.tool_calls])
            except ValueError as e:
                raise RequestError(400, f"messages[{i}].{e}", f"messages[{i}].tool_calls", "invalid_value") from None
    if isinstance(req.previous_answer, list):
        try:
            from_openai_tool_calls([tc.model_dump() for tc in req.previous_answer])
        except ValueError as e:
            raise RequestError(400, f"previous_answer: {e}", "previous_answer", "invalid_value") from None
