"""The refinement loop every caller drives (core/refine.py): batched and one request at a time."""

import asyncio

import pytest

from ray_toolace.core.generation import Generation, TooLong, fits
from ray_toolace.core.parsers import get_parser
from ray_toolace.core.prompts import REFINE_INSTRUCTION
from ray_toolace.core.refine import RefineLoop, run_batch, run_one
from ray_toolace.core.types import ToolCall

P = get_parser("pythonic")
TOOLS = [{"name": "f", "description": "", "parameters": {"type": "object", "properties": {"a": {"type": "integer"}}}}]


def ask(sid):
    return [{"role": "user", "content": sid}]


class Engine:
    """A scripted batched engine: each sample's answers in order; TOO_LONG where a prompt does not fit."""

    TOO_LONG = object()

    def __init__(self, script, prompt_tokens=100, completion_tokens=10):
        self.script = {sid: list(texts) for sid, texts in script.items()}
        self.calls = []  # (sample ids asked, n, temperature) per engine call
        self.prompt_tokens, self.completion_tokens = prompt_tokens, completion_tokens

    def __call__(self, conversations, n, temperature):
        sids = [c[1]["content"] for c in conversations]  # after our system prompt: the user turn
        self.calls.append((sids, n, temperature))
        out = []
        for sid in sids:
            text = self.script[sid].pop(0)
            if text is self.TOO_LONG:
                out.append(TooLong(2000, 16, 1024))
            else:
                out.append(Generation([text] * n, self.prompt_tokens, self.completion_tokens * n, ["stop"] * n))
        return out


def loop(sid, **kw):
    return RefineLoop(P, TOOLS, ask(sid), **kw)


def test_adaptive_stops_when_the_answer_repeats():
    engine = Engine({"s": ["[f(a=1)]", "[f(a=2)]", "[f( a=2 )]", "[f(a=3)]"]})
    (one,) = loops = [loop("s")]
    assert run_batch(loops, engine) == 3
    r = one.refinement
    assert r.stop_reason == "converged" and one.model_calls == 3 and r.final_calls == [ToolCall("f", {"a": 2})]
    assert engine.script["s"] == ["[f(a=3)]"]  # never asked for a fourth answer


def test_fixed_runs_every_refinement_even_when_nothing_changes():
    engine = Engine({"s": ["[f(a=1)]"] * 5})
    fixed = loop("s", max_refinements=3, schedule="fixed")
    run_batch([fixed], engine)
    assert fixed.refinement.stop_reason == "max_refinements" and fixed.model_calls == 4
    assert [s.changed for s in fixed.refinement.steps] == [True, False, False, False]


def test_a_refinement_that_does_not_fit_stops_the_loop_with_its_last_answer():
    engine = Engine({"s": ["[f(a=1)]", "[f(a=2)]", Engine.TOO_LONG]})
    one = loop("s")
    run_batch([one], engine)
    assert one.refinement.stop_reason == "prompt_too_long" and one.too_long is None
    assert one.refinement.final_calls == [ToolCall("f", {"a": 2})] and one.model_calls == 2
    assert one.prompt_tokens == 200  # the prompt that did not fit cost nothing


def test_a_first_prompt_that_does_not_fit_leaves_no_answer():
    one = loop("s")
    run_batch([one], Engine({"s": [Engine.TOO_LONG]}))
    assert one.done and one.too_long == TooLong(2000, 16, 1024) and one.first is None
    assert one.refinement.steps == [] and one.model_calls == 0 and "2000 tokens" in str(one.too_long)


def test_batched_loops_end_at_different_steps_with_one_engine_call_per_round():
    engine = Engine({
        "a": ["[f(a=1)]", "[f(a=1)]"],  # keeps its answer at once
        "b": ["[f(a=1)]", "[f(a=2)]", "[f(a=2)]"],  # changes once, then keeps it
        "c": ["[f(a=1)]", "[f(a=2)]", "[f(a=3)]", "[f(a=4)]"],  # changes until max_refinements
        "d": [Engine.TOO_LONG],  # never answered
    })
    loops = [loop(sid, first_n=4, first_temperature=0.7) for sid in "abcd"]
    assert run_batch(loops, engine) == 4
    assert engine.calls == [
        (["a", "b", "c", "d"], 4, 0.7),  # the first answers, sampled k times
        (["a", "b", "c"], 1, 0.0),  # refinements are greedy, only for the loops still running
        (["b", "c"], 1, 0.0),
        (["c"], 1, 0.0),
    ]
    a, b, c, d = loops
    assert [x.refinement.stop_reason for x in loops] == ["converged", "converged", "max_refinements", "prompt_too_long"]
    assert [x.model_calls for x in loops] == [2, 3, 4, 0]
    assert len(a.first.texts) == 4 and (a.first.prompt_tokens, a.first.completion_tokens) == (100, 40)
    assert (c.refine_prompt_tokens, c.refine_completion_tokens) == (300, 30)  # the three refinement calls
    assert (c.prompt_tokens, c.completion_tokens) == (400, 70)
    assert d.too_long is not None


def test_refinement_prompts_show_the_last_answer_back():
    one = loop("s")
    first = one.next_ask()
    assert (first.step, first.n, first.messages[-1]) == (0, 1, {"role": "user", "content": "s"})
    one.give(Generation(["[f(a=1)]"], 5, 3, ["stop"]))
    nxt = one.next_ask()
    assert nxt.step == 1 and nxt.messages[-2:] == [
        {"role": "assistant", "content": "[f(a=1)]"}, {"role": "user", "content": REFINE_INSTRUCTION}]


def test_a_given_draft_is_step_zero_and_costs_no_call():
    engine = Engine({"s": ["[f(a=2)]", "[f(a=2)]"]})
    draft = loop("s", draft="[f(a=1)]")
    fresh = loop("t", max_refinements=0)
    engine.script["t"] = ["[f(a=9)]"]
    run_batch([draft, fresh], engine)
    # a refinement and a greedy first answer are the same kind of ask: one engine call
    assert engine.calls == [(["s", "t"], 1, 0.0), (["s"], 1, 0.0)]
    assert draft.first is None and draft.model_calls == 2 and len(draft.refinement.steps) == 3
    assert draft.refine_prompt_tokens == draft.prompt_tokens == 200
    assert fresh.refinement.stop_reason == "disabled" and fresh.refine_prompt_tokens == 0


def test_a_round_groups_asks_by_kind():
    engine = Engine({"s": ["[f(a=2)]", "[f(a=2)]"], "t": ["[f(a=9)]"]})
    loops = [loop("s", draft="[f(a=1)]"), loop("t", max_refinements=0, first_n=2, first_temperature=0.5)]
    run_batch(loops, engine)
    assert engine.calls == [(["s"], 1, 0.0), (["t"], 2, 0.5), (["s"], 1, 0.0)]


def test_an_engine_that_drops_a_result_is_an_error():
    with pytest.raises(ValueError, match="1 results for 2 prompts"):
        run_batch([loop("a"), loop("b")], lambda conversations, n, t: [Generation(["x"], 1, 1, ["stop"])])


def test_one_request_at_a_time_drives_the_same_loop():
    asked = []

    async def generate(messages, temperature):
        asked.append(temperature)
        return Generation(["[f(a=1)]"], 7, 2, ["length"])

    one = loop("s", first_temperature=0.7)
    asyncio.run(run_one(one, generate))
    assert asked == [0.7, 0.0] and one.refinement.stop_reason == "converged"
    assert one.last_finish_reason == "length" and one.trace()["model_calls"] == 2
    with pytest.raises(ValueError, match="one answer per call"):
        asyncio.run(run_one(loop("s", first_n=3), generate))


def test_schedule_is_checked_and_a_stopped_loop_takes_nothing():
    with pytest.raises(ValueError, match="schedule"):
        loop("s", schedule="sometimes")
    one = loop("s", max_refinements=0)
    one.give(Generation(["x"], 1, 1, ["stop"]))
    assert one.next_ask() is None
    with pytest.raises(RuntimeError):
        one.give(Generation(["y"], 1, 1, ["stop"]))


def test_the_one_prompt_too_long_rule():
    assert fits(768, 256, 1024) and not fits(769, 256, 1024)
    assert Generation(["a", "b"], 1, 2, ["length", "stop"]).finish_reason == "length"
