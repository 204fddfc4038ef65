"""BFCL's own FC harness against the endpoint: bfcl-eval's `OpenAICompletionsHandler`, pointed
at the real Serve application (tiny random model, its context from the model) with
`OPENAI_BASE_URL`, the served model id as its model name.

It runs single-turn and multi-turn entries through `/v1/chat/completions` exactly as
`bfcl generate` would (`store: false`, the SDK's assistant message objects put back into the
history); a random model never calls a tool by itself, so the path where the harness appends
`tool` messages with their `tool_call_id` is driven with a real tool-calling answer of the
endpoint (a draft returned as it is) and BFCL's own history methods. Needs bfcl-eval's harness
dependencies (the `bfcl-harness` extra; `pip install -e .[test]` installs them).

Slow (about 5 minutes on 2 busy cores, most of it the deploy): tests/unit/test_bfcl_requests.py
is its short twin, the same handler's requests checked against the endpoint's wire layer.
"""

from __future__ import annotations

import copy
import subprocess

import pytest

from conftest import BIN, ROOT, free_port, job_env, local_cluster

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    from ray_toolace.model import build_tiny_model

    model = build_tiny_model(tmp_path_factory.mktemp("tiny_long"), seed=0, max_position_embeddings=16384)
    run = tmp_path_factory.mktemp("serve_run")  # absolute: a job's relative run_dir is refused in Ray's code copy
    with local_cluster("rtb-") as (_, dashboard, _):
        port = free_port()
        cmd = [str(BIN / "ray"), "job", "submit", "--address", dashboard, "--working-dir", str(ROOT), "--",
               "python", "jobs/serve.py", "--config", "configs/serve.yaml", f"model.name_or_path={model}",
               "engine.cpu_kvcache_gb=1", "engine.enforce_eager=true", "engine.use_gpu=false", "sampling.max_tokens=8",
               "refine.max_refinements=0", f"serve.port={port}", f"run_dir={run}"]
        proc = subprocess.run(cmd, cwd=ROOT, env=job_env(), capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0 and "succeeded" in proc.stdout, proc.stdout[-4000:] + proc.stderr[-2000:]
        yield f"http://127.0.0.1:{port}/v1", model.name
        subprocess.run([str(BIN / "serve"), "shutdown", "-y", "--address", dashboard], env=job_env(), capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def handler(endpoint, monkeypatch_module):
    monkeypatch_module.setenv("OPENAI_BASE_URL", endpoint[0])
    monkeypatch_module.setenv("OPENAI_API_KEY", "none")
    from bfcl_eval.model_handler.api_inference.openai_completion import OpenAICompletionsHandler

    return OpenAICompletionsHandler(model_name=endpoint[1], temperature=0.001, registry_name="ray-toolace-FC", is_fc_model=True)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def entries(category: str, n: int) -> list[dict]:
    from bfcl_eval.utils import load_dataset_entry

    return [copy.deepcopy(e) for e in load_dataset_entry(category)[:n]]


def test_single_turn_entries(handler):
    for entry in entries("simple_python", 3) + entries("live_multiple", 2) + entries("irrelevance", 1):
        result, metadata = handler.inference(entry, include_input_log=False, exclude_state_log=True)
        assert isinstance(result, (str, list)), entry["id"]
        assert metadata["input_token_count"] > 0 and metadata["output_token_count"] >= 1


def test_multi_turn_entries(handler):
    # prompts of 6,000-10,000 tokens: a 4,096-token cap, the old serve default, refused them
    for entry in entries("multi_turn_base", 2) + entries("multi_turn_miss_func", 1):
        turns = len(entry["question"])
        result, metadata = handler.inference(entry, include_input_log=False, exclude_state_log=True)
        assert isinstance(result, list) and len(result) == turns, entry["id"]  # every turn answered, none given up
        assert min(min(t) for t in metadata["input_token_count"]) > 4096


def test_tool_results_go_back_with_their_tool_call_ids(handler, endpoint):
    """A real answer with tool_calls (the SDK's message object) in the history, then BFCL's own
    tool messages after it, queried with BFCL's own request (`store: false`)."""
    entry = entries("multi_turn_base", 1)[0]
    data = handler._compile_tools(handler._pre_query_processing_FC({}, entry), entry)
    data = handler.add_first_turn_message_FC(data, entry["question"][0])
    first = handler.client.chat.completions.create(
        model=endpoint[1], messages=data["message"], tools=data["tools"], store=False,
        extra_body={"previous_answer": "[ls(a=True), pwd()]", "max_refinements": 0})
    parsed = handler._parse_query_response_FC(first)
    assert [list(c) for c in parsed["model_responses"]] == [["ls"], ["pwd"]] and all(parsed["tool_call_ids"])
    data = handler._add_assistant_message_FC(data, parsed)  # the SDK's ChatCompletionMessage itself
    data = handler._add_execution_results_FC(data, ['{"current_directory_content": []}', '{"current_working_directory": "/"}'], parsed)
    assert [m["tool_call_id"] for m in data["message"][-2:]] == parsed["tool_call_ids"]
    response, _ = handler._query_FC(data)
    after = handler._parse_query_response_FC(response)
    assert after["input_token"] > first.usage.prompt_tokens  # the tool results reached the prompt


def test_generate_files_results_where_bfcl_evaluate_reads_them(endpoint, handler, tmp_path):
    """`ray-toolace bfcl generate`'s core: bfcl's own layout and lines, and a second run skips
    what is filed (an interrupted run goes on where it stopped)."""
    from bfcl_eval.utils import load_file

    from ray_toolace import bfcl_harness

    lines: list[str] = []
    files = bfcl_harness.generate(endpoint[1], ["simple_python", "irrelevance"], tmp_path, limit=2, say=lines.append)
    assert files == {
        "simple_python": tmp_path / "result" / "ray-toolace-FC" / "non_live" / "BFCL_v4_simple_python_result.json",
        "irrelevance": tmp_path / "result" / "ray-toolace-FC" / "non_live" / "BFCL_v4_irrelevance_result.json",
    }
    filed = load_file(files["simple_python"])
    assert [e["id"] for e in filed] == ["simple_python_0", "simple_python_1"]
    assert all(isinstance(e["result"], (str, list)) and e["input_token_count"] > 0 for e in filed)
    assert any(line.startswith("simple_python: 2 to run, 0 already in") for line in lines)  # bfcl's order
    lines.clear()
    bfcl_harness.generate(endpoint[1], ["simple_python"], tmp_path, limit=3, say=lines.append)
    assert "1 to run, 2 already in" in lines[0]
    assert [e["id"] for e in load_file(files["simple_python"])] == ["simple_python_0", "simple_python_1", "simple_python_2"]
    with pytest.raises(ValueError, match="must not contain '_'"):
        bfcl_harness.generate(endpoint[1], ["simple_python"], tmp_path, limit=1, registry_name="my_model")
