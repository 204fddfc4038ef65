"""The requests BFCL's own FC harness sends are ones the endpoint's wire layer accepts: bfcl-eval's
`OpenAICompletionsHandler` with the real openai SDK runs a single-turn and a multi-turn entry
(BFCL executing the answered calls on its own simulated APIs), and every body it sends parses
with the endpoint's `parse_request` under the shipped serve limits and renders into a prompt.

Only the server is stood in for, by httpx's MockTransport replying with fixed completions, so
this runs in seconds; tests/integration/test_bfcl_harness.py (slow) drives the real endpoint.
Needs the handler's own imports, the `bfcl-harness` extra (the `test` extra pulls it in).
"""

from __future__ import annotations

import copy
import json

import httpx
import pytest

from ray_toolace.config import load_config
from ray_toolace.core.prompts import chat_messages
from ray_toolace.serve.protocol import ChatCompletionRequest, Limits, parse_request

CALL = {"id": "call_ls_0", "type": "function", "function": {"name": "ls", "arguments": json.dumps({"a": True})}}


def completion(message: dict) -> dict:
    return {"id": "chatcmpl-0", "object": "chat.completion", "created": 0, "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", **message},
                         "finish_reason": "tool_calls" if "tool_calls" in message else "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


@pytest.fixture()
def harness(monkeypatch):
    """BFCL's handler whose HTTP goes to a recorder: the first answer calls `ls`, then words."""
    from bfcl_eval.model_handler.api_inference.openai_completion import OpenAICompletionsHandler
    from openai import OpenAI

    bodies: list[bytes] = []

    def reply(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        message = {"content": None, "tool_calls": [CALL]} if len(bodies) == 1 else {"content": "Done."}
        return httpx.Response(200, json=completion(message))

    monkeypatch.setenv("OPENAI_API_KEY", "none")
    handler = OpenAICompletionsHandler(model_name="m", temperature=0.001, registry_name="ray-toolace-FC", is_fc_model=True)
    handler.client = OpenAI(base_url="http://endpoint.invalid/v1", api_key="none",
                            http_client=httpx.Client(transport=httpx.MockTransport(reply)))
    return handler, bodies


def serve_limits() -> Limits:
    cfg = load_config("configs/serve.yaml", [])
    s = cfg.serve
    return Limits(max_tools=s.max_tools, max_messages=s.max_messages, max_refinements=s.max_refinements,
                  max_fixed_refinements=s.max_fixed_refinements, max_tokens=s.max_tokens,
                  max_request_tokens=s.max_request_tokens, force_attempts=s.force_attempts,
                  default_refinements=cfg.refine.max_refinements, default_tokens=cfg.sampling.max_tokens)


def accepted(body: bytes) -> ChatCompletionRequest:
    req = parse_request(body, ChatCompletionRequest, serve_limits())
    assert chat_messages(req.tool_schemas(), req.turns())[0]["role"] == "system"  # renders
    return req


def entry(category: str, i: int = 0) -> dict:
    from bfcl_eval.utils import load_dataset_entry

    return copy.deepcopy(load_dataset_entry(category)[i])


def test_multi_turn_requests_with_tool_results_are_accepted(harness):
    handler, bodies = harness
    e = entry("multi_turn_base")
    assert "GorillaFileSystem" in e["involved_classes"]  # so BFCL can run the `ls` it is given
    result, _ = handler.inference(e, include_input_log=False, exclude_state_log=True)
    assert len(result) == len(e["question"]) and len(bodies) == len(e["question"]) + 1
    requests = [accepted(b) for b in bodies]
    assert all(json.loads(b)["store"] is False for b in bodies)
    second = requests[1].turns()
    # the SDK's assistant message object went back as tool_calls, then BFCL's tool message with its id
    assert second[-2]["role"] == "assistant" and second[-2]["tool_calls"][0]["id"] == CALL["id"]
    assert second[-1]["role"] == "tool" and second[-1]["tool_call_id"] == CALL["id"]
    assert "current_directory_content" in second[-1]["content"]  # BFCL really ran ls on its file system
    assert requests[-1].turns()[-1]["role"] == "user"  # the last turn's question, after the earlier ones


def test_single_turn_requests_are_accepted(harness):
    handler, bodies = harness
    e = entry("simple_python")
    result, _ = handler.inference(e, include_input_log=False, exclude_state_log=True)
    assert len(bodies) == 1 and result == [{"ls": CALL["function"]["arguments"]}]
    req = accepted(bodies[0])
    assert req.tool_schemas()[0]["name"] == e["function"][0]["name"]


def test_generate_files_answers_and_failures_where_bfcl_reads_them(monkeypatch, tmp_path):
    """`ray-toolace bfcl generate` with the server stood in for: answers land in bfcl's own
    layout, a request that fails is filed as an error string (scored wrong, as `bfcl generate`
    files it), and a second run answers only what is not filed yet."""
    from bfcl_eval.utils import load_file
    from openai import OpenAI

    from ray_toolace import bfcl_harness

    asked: list[str] = []

    def reply(request: httpx.Request) -> httpx.Response:
        asked.append(json.loads(request.content)["messages"][-1]["content"])
        if len(asked) == 2:
            return httpx.Response(400, json={"error": {"message": "prompt too long", "type": "invalid_request_error"}})
        return httpx.Response(200, json=completion({"content": None, "tool_calls": [CALL]}))

    def handler():
        h = bfcl_harness.make_handler("m")
        h.client = OpenAI(base_url="http://endpoint.invalid/v1", api_key="none", max_retries=0,
                          http_client=httpx.Client(transport=httpx.MockTransport(reply)))
        return h

    monkeypatch.setenv("OPENAI_API_KEY", "none")
    lines: list[str] = []
    files = bfcl_harness.generate("m", ["simple_python"], tmp_path, limit=3, say=lines.append, handler=handler())
    path = tmp_path / "result" / "ray-toolace-FC" / "non_live" / "BFCL_v4_simple_python_result.json"
    assert files == {"simple_python": path}
    filed = load_file(path)
    assert [e["id"] for e in filed] == ["simple_python_0", "simple_python_1", "simple_python_2"]
    assert filed[0]["result"] == [{"ls": json.dumps({"a": True})}]  # the handler's own form
    assert filed[1]["result"].startswith("Error during inference:") and any("BadRequestError" in l for l in lines)
    assert len(asked) == 3
    bfcl_harness.generate("m", ["simple_python"], tmp_path, limit=4, say=lines.append, handler=handler())
    assert len(asked) == 4 and len(load_file(path)) == 4  # only simple_python_3 was asked
    with pytest.raises(ValueError, match="must not contain '_'"):
        bfcl_harness.make_handler("m", registry_name="my_model")


def test_bfcl_generate_needs_the_endpoint(monkeypatch, tmp_path, capsys):
    from ray_toolace.cli import main

    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.setenv("BFCL_PROJECT_ROOT", str(tmp_path))  # the command exports it: restored after
    assert main(["bfcl", "generate", "--model", "m", "--root", str(tmp_path)]) == 2
    assert "set OPENAI_BASE_URL" in capsys.readouterr().err


def test_evaluate_registers_the_result_folders_of_generate(tmp_path):
    from ray_toolace.bfcl_harness import result_names

    for name in ("ray-toolace-FC", "smollm2-135m-round-1-FC", "gpt-4o-2024-11-20-FC", "openbmb_MiniCPM-SALA-FC"):
        (tmp_path / "result" / name).mkdir(parents=True)
    (tmp_path / "result" / "notes.txt").write_text("")
    registered = {"gpt-4o-2024-11-20-FC", "openbmb/MiniCPM-SALA-FC"}
    assert result_names(tmp_path, registered) == ["ray-toolace-FC", "smollm2-135m-round-1-FC"]
    assert result_names(tmp_path / "nothing", registered) == []
