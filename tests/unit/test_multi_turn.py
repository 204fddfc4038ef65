"""The multi-turn loop (core/multi_turn.py): turns, tool results fed back, the step limit,
held-out functions, prompts too long, and the rows it leaves; with scripted answers and a
recording executor (the real one is BFCL's, tests/unit/test_multi_turn_agreement.py)."""

from __future__ import annotations

import json

from ray_toolace.core.generation import Generation, TooLong
from ray_toolace.core.multi_turn import (
    COMPLETED, MULTI_TURN_RULE, STEP_LIMIT, TOO_LONG, MultiTurnEntry, MultiTurnLoop, call_text, decoded_turns,
    split_specs, table_row,
)
from ray_toolace.core.multi_turn_judge import FORCE_TERMINATED, INFERENCE_ERROR, judge_conversation
from ray_toolace.core.parsers import get_parser
from ray_toolace.core.refine import run_batch
from ray_toolace.core.types import ToolCall

TOOL = {"name": "cd", "description": "change directory", "parameters": {"type": "dict", "properties": {"folder": {"type": "string"}}, "required": ["folder"]}}
EXTRA = {"name": "sort", "description": "sort a file", "parameters": {"type": "dict", "properties": {"file_name": {"type": "string"}}, "required": ["file_name"]}}


def entry(turns=2, holdout=None, truth=None):
    return MultiTurnEntry(
        id="multi_turn_base_7", category="multi_turn_base",
        turns=[[{"role": "user", "content": f"request {i}"}] for i in range(turns)],
        tools=[TOOL], ground_truth=truth or [["cd(folder='a')"]] * turns, involved_classes=["GorillaFileSystem"],
        holdout=holdout or {},
    )


class Recorder:
    def __init__(self):
        self.calls: list[str] = []

    def execute(self, calls):
        self.calls += calls
        return [f"ok {c}" for c in calls]

    def state(self):
        return {"GorillaFileSystem": {"calls": list(self.calls)}}


def gen(text):
    return Generation([text], prompt_tokens=10, completion_tokens=3, finish_reasons=["stop"])


def drive(loop, answers):
    """Feed scripted answers; return the prompts the loop asked."""
    asked = []
    for text in answers:
        ask = loop.next_ask()
        assert ask is not None, "the loop ended before the script did"
        asked.append(ask.messages)
        loop.give(text if isinstance(text, TooLong) else gen(text))
    return asked


def make(e, executor=None, step_limit=20):
    executor = executor or Recorder()
    return MultiTurnLoop(e, get_parser("pythonic"), executor.execute, step_limit=step_limit,
                         holdout_message="More functions now."), executor


def test_calls_run_results_come_back_and_prose_ends_the_turn():
    loop, rec = make(entry())
    asked = drive(loop, ["[cd(folder='a')]", "Done.", "[cd(folder='b'), cd(folder='c')]", "All done."])
    assert loop.done and loop.stop_reason == COMPLETED
    assert rec.calls == ["cd(folder='a')", "cd(folder='b')", "cd(folder='c')"]
    # the second prompt holds the answer and its result as a tool message
    assert asked[1][-2:] == [{"role": "assistant", "content": "[cd(folder='a')]"}, {"role": "tool", "content": "ok cd(folder='a')"}]
    assert MULTI_TURN_RULE in asked[0][0]["content"] and "request 0" in asked[0][-1]["content"]
    assert asked[2][-1] == {"role": "user", "content": "request 1"}
    assert decoded_turns(loop.trajectory) == [[["cd(folder='a')"]], [["cd(folder='b')", "cd(folder='c')"]]]
    assert loop.model_calls == 4 and loop.prompt_tokens == 40


def test_malformed_or_empty_answers_end_the_turn_without_running_anything():
    loop, rec = make(entry())
    drive(loop, ["[cd(folder='a'", "[]"])
    assert loop.done and rec.calls == [] and decoded_turns(loop.trajectory) == [[], []]


def test_step_limit_gives_the_entry_up_as_bfcl_does():
    loop, rec = make(entry(turns=3), step_limit=2)
    drive(loop, ["[cd(folder='a')]"] * 3)  # the third executed step is one more than allowed
    assert loop.done and loop.stop_reason == STEP_LIMIT and len(loop.trajectory) == 1 and len(rec.calls) == 3
    verdict = judge_conversation(loop, Recorder(), Recorder())
    assert (verdict.valid, verdict.error_type) == (False, FORCE_TERMINATED)


def test_held_out_functions_join_the_tools_at_their_turn():
    e = entry(turns=2, holdout={"1": [EXTRA]})
    e.turns[1] = []  # BFCL's miss_func turn has no user message of its own
    loop, _ = make(e)
    asked = drive(loop, ["No call.", "[sort(file_name='x')]", "Sorted."])
    assert '"sort"' not in asked[0][0]["content"] and '"sort"' in asked[1][0]["content"]
    assert asked[1][-1] == {"role": "user", "content": "More functions now."}
    assert loop.stop_reason == COMPLETED


def test_prompt_too_long_first_or_later():
    first, _ = make(entry())
    drive(first, [TooLong(9000, 256, 8192)])
    assert first.done and first.too_long is not None and judge_conversation(first, Recorder(), Recorder()) is None
    assert table_row(first.entry, first, None, 0)["status"] == "prompt_too_long"
    later, _ = make(entry())
    drive(later, ["[cd(folder='a')]", TooLong(9000, 256, 8192)])
    assert later.stop_reason == TOO_LONG and later.too_long is None
    assert judge_conversation(later, Recorder(), Recorder()).error_type == INFERENCE_ERROR


def test_a_right_conversation_is_judged_right_and_becomes_a_row():
    e = entry(turns=2)
    loop, _ = make(e)
    run_batch([loop], lambda convs, n, t: [gen("[cd(folder='a')]" if c[-1]["role"] == "user" else "Done.") for c in convs])
    verdict = judge_conversation(loop, Recorder(), Recorder())
    assert verdict.valid, verdict
    row = table_row(e, loop, verdict, shard=3)
    assert (row["valid"], row["pass_rate"], row["shard"], row["source"], row["category"]) == ([True], 1.0, 3, "bfcl", "multi_turn_base")
    assert json.loads(row["answers"][0])["stop_reason"] == COMPLETED
    assert MultiTurnEntry.from_row(json.loads(row["sample"])) == e


def test_run_batch_reports_each_loop_as_it_ends():
    ended = []
    loops = [make(entry(turns=1))[0], make(entry(turns=2))[0]]
    run_batch(loops, lambda convs, n, t: [gen("Done.") for _ in convs], on_done=ended.append)
    assert ended == loops  # the one-turn entry ends a round earlier


def test_call_text_and_split_specs():
    assert call_text(ToolCall("mv", {"source": "a.txt", "n": 2, "flags": [True]})) == "mv(source='a.txt', n=2, flags=[True])"
    assert split_specs(["bundled:heldout", "bfcl:simple,multi_turn_base", "bfcl:multi_turn"]) == (
        ["bundled:heldout", "bfcl:simple"],
        ["multi_turn_base", "multi_turn_miss_func", "multi_turn_miss_param", "multi_turn_long_context"],
    )
    assert split_specs(["bfcl:multi_turn_miss_param"]) == ([], ["multi_turn_miss_param"])
