"""Assembling one sample per category: which tools are offered, what the user says, the
conversation before it (for multi-turn samples), and the gold calls.

Categories follow BFCL: simple (one tool, one call), multiple (2-5 tools, one call),
parallel (one tool called 2-4 times), parallel_multiple (several tools, several calls) and
irrelevance (no offered tool fits; the gold is no call). A multi-turn sample has one or two
earlier exchanges (user, assistant tool calls, tool results, assistant reply) before the
final user turn, which may stand alone, ask for "the same for X", or refer to an item of an
earlier search result ("book the second hotel in those results").
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ray_toolace.core.answers import exact_to_ground_truth
from ray_toolace.core.render import to_openai_tool_calls
from ray_toolace.core.types import Sample, ToolCall
from ray_toolace.data.generator import phrasing
from ray_toolace.data.generator.calls import Plan, distinct_plans, fresh_value, plan_call
from ray_toolace.data.generator.results import acknowledgement, tool_result
from ray_toolace.data.generator.schema import ToolSpec
from ray_toolace.data.generator.values import Context, sample_value

# Domains whose tools could plausibly serve each other's requests: an irrelevance sample never
# offers a tool from the query's own domain or a related one.
_RELATED = (
    ("finance", "crypto"), ("finance", "real_estate"), ("finance", "news"), ("travel", "maps"),
    ("travel", "weather"), ("calendar", "email"), ("calendar", "education"), ("calendar", "jobs"),
    ("calendar", "sports"), ("calendar", "health"), ("email", "news"), ("recipes", "health"),
    ("recipes", "ecommerce"), ("health", "sports"), ("sports", "news"), ("jobs", "news"),
    ("movies", "music"), ("movies", "books"), ("books", "education"), ("education", "jobs"),
)  # fmt: skip
_REFERENCES = ("the {ord} {noun} in those results", "the {ord} {noun} you found", "the {ord} {noun} on that list")
_ORDINAL_WORDS = ("first", "second", "third")


def related(a: str, b: str) -> bool:
    return a == b or (a, b) in _RELATED or (b, a) in _RELATED


@dataclass(frozen=True)
class Pool:
    """The tools, with the search-then-act pairs (producer, consumer) found among them."""

    tools: tuple[ToolSpec, ...]
    chains: tuple[tuple[ToolSpec, ToolSpec], ...]

    @classmethod
    def of(cls, tools: list[ToolSpec]) -> Pool:
        chains = tuple(
            (producer, consumer)
            for producer in tools
            if producer.gives
            for consumer in tools
            if consumer is not producer
            and consumer.domain == producer.domain
            and any(p.name == producer.gives and p.required for p in consumer.params)
        )
        return cls(tuple(tools), chains)


@dataclass
class Draft:
    """The sample being written: its random stream, reference date and conversation so far."""

    rng: random.Random
    ctx: Context
    pool: Pool
    history: list[dict[str, Any]] = field(default_factory=list)

    def plan(self, spec: ToolSpec, fixed: dict[str, tuple[Any, str]] | None = None) -> Plan:
        return plan_call(spec, self.rng, self.ctx, fixed)

    def call_id(self) -> str:
        return f"call_{self.rng.getrandbits(40):010x}"


def _user_text(d: Draft, asks: list[str], domain: str) -> str:
    return phrasing.with_context(phrasing.join_asks(asks, d.rng), domain, d.rng)


def _exchange(d: Draft, plans: list[Plan], text: str, new_id: Callable[[], str] | None = None) -> list[dict[str, Any]]:
    """Append one finished exchange to the history; returns the tool results."""
    d.history.append({"role": "user", "content": text})
    tool_calls = to_openai_tool_calls([p.call() for p in plans], id_prefix=d.call_id())
    d.history.append({"role": "assistant", "content": None, "tool_calls": tool_calls})
    results = [tool_result(p.spec, p.values, d.rng, new_id) for p in plans]
    for tool_call, result in zip(tool_calls, results, strict=True):
        content = json.dumps(result, ensure_ascii=False)
        d.history.append({"role": "tool", "tool_call_id": tool_call["id"], "content": content})
    gives = plans[0].spec.gives if len(plans) == 1 else ""
    d.history.append({"role": "assistant", "content": acknowledgement(results[0], gives, d.rng)})
    return results


def _prior_turns(d: Draft, offered: list[ToolSpec]) -> None:
    """One or two earlier, independent requests served by the offered tools."""
    for _ in range(2 if d.rng.random() < 0.3 else 1):
        spec = d.rng.choice(offered)
        plan = d.plan(spec)
        _exchange(d, [plan], _user_text(d, [plan.ask()], spec.domain))


def _follow_up(d: Draft, spec: ToolSpec, n_new: int) -> tuple[str, list[ToolCall]]:
    """An earlier call of `spec`, then "what about X (and Y)?": the same call with new values."""
    first = d.plan(spec)
    _exchange(d, [first], _user_text(d, [first.ask()], spec.domain))
    taken, texts = [first.values[spec.vary]], []
    for _ in range(n_new):
        value, text = fresh_value(first, spec.vary, taken, d.rng, d.ctx)
        taken.append(value)
        texts.append(text)
    calls = [first.call(**{spec.vary: v}) for v in taken[1:]]
    return phrasing.follow_up(texts[0] if n_new == 1 else phrasing.spoken_list(texts, d.rng), d.rng), calls


def _chain(d: Draft, producer: ToolSpec, consumer: ToolSpec) -> tuple[str, list[ToolCall]]:
    """A search, its results, then a request about one ranked item of those results."""
    id_param = consumer.param(producer.gives)
    noun = id_param.slot[2] if len(id_param.slot) > 2 and id_param.slot[2] else "one"
    search = d.plan(producer)
    results = _exchange(
        d,
        [search],
        _user_text(d, [search.ask()], producer.domain),
        new_id=lambda: sample_value(id_param, d.rng, d.ctx)[0],
    )
    k = d.rng.randrange(3)
    chosen = results[0]["results"][k][producer.gives]
    words = d.rng.choice(_REFERENCES).format(ord=_ORDINAL_WORDS[k], noun=noun)
    plan = d.plan(consumer, fixed={producer.gives: (chosen, words)})
    return phrasing.frame(plan.ask(), d.rng), [plan.call()]


def _distractors(d: Draft, chosen: list[ToolSpec], k: int) -> list[ToolSpec]:
    """k other tools, about half from the chosen tools' domain when it has spares."""
    names = {s.name for s in chosen}
    same = [s for s in d.pool.tools if s.domain == chosen[0].domain and s.name not in names]
    other = [s for s in d.pool.tools if s.domain != chosen[0].domain]
    picked: list[ToolSpec] = []
    while len(picked) < k:
        source = same if same and d.rng.random() < 0.5 else other
        spec = d.rng.choice(source)
        if spec not in picked and spec.name not in names:
            picked.append(spec)
    return picked


def _vary_tools(d: Draft) -> list[ToolSpec]:
    return [s for s in d.pool.tools if s.vary]


def build_simple(d: Draft, multi_turn: bool) -> tuple[list[ToolSpec], str, list[ToolCall]]:
    if multi_turn and d.rng.random() < 0.5:
        target = d.rng.choice(_vary_tools(d))
        text, calls = _follow_up(d, target, 1)
        return [target], text, calls
    target = d.rng.choice(d.pool.tools)
    if multi_turn:
        _prior_turns(d, [target])
    plan = d.plan(target)
    return [target], _user_text(d, [plan.ask()], target.domain), [plan.call()]


def build_multiple(d: Draft, multi_turn: bool) -> tuple[list[ToolSpec], str, list[ToolCall]]:
    roll = d.rng.random()
    if multi_turn and roll < 0.4:
        producer, consumer = d.rng.choice(d.pool.chains)
        offered = [producer, consumer] + _distractors(d, [producer, consumer], d.rng.randint(0, 2))
        text, calls = _chain(d, producer, consumer)
    elif multi_turn and roll < 0.7:
        target = d.rng.choice(_vary_tools(d))
        offered = [target] + _distractors(d, [target], d.rng.randint(1, 4))
        text, calls = _follow_up(d, target, 1)
    else:
        target = d.rng.choice(d.pool.tools)
        offered = [target] + _distractors(d, [target], d.rng.randint(1, 4))
        if multi_turn:
            _prior_turns(d, offered)
        plan = d.plan(target)
        text, calls = _user_text(d, [plan.ask()], target.domain), [plan.call()]
    d.rng.shuffle(offered)
    return offered, text, calls


def build_parallel(d: Draft, multi_turn: bool) -> tuple[list[ToolSpec], str, list[ToolCall]]:
    if multi_turn and d.rng.random() < 0.5:
        target = d.rng.choice(_vary_tools(d))
        text, calls = _follow_up(d, target, d.rng.randint(2, 3))
        return [target], text, calls
    target = d.rng.choice(d.pool.tools)
    if multi_turn:
        _prior_turns(d, [target])
    k = d.rng.randint(2, 4)
    if target.vary and d.rng.random() < 0.6:
        # one request naming several values: "the forecast for Oslo, Rome and Lima"
        base = d.plan(target)
        taken, texts = [base.values[target.vary]], [base.texts[target.vary]]
        while len(taken) < k:
            value, words = fresh_value(base, target.vary, taken, d.rng, d.ctx)
            taken.append(value)
            texts.append(words)
        text = _user_text(d, [base.ask(**{target.vary: phrasing.spoken_list(texts, d.rng)})], target.domain)
        return [target], text, [base.call(**{target.vary: v}) for v in taken]
    plans = distinct_plans([target] * k, d.rng, d.ctx)
    return [target], _user_text(d, [p.ask() for p in plans], target.domain), [p.call() for p in plans]


def build_parallel_multiple(d: Draft, multi_turn: bool) -> tuple[list[ToolSpec], str, list[ToolCall]]:
    first = d.rng.choice(d.pool.tools)
    chosen = [first] + _distractors(d, [first], d.rng.randint(1, 2))
    specs = chosen + [d.rng.choice(chosen) for _ in range(d.rng.randint(len(chosen), 4) - len(chosen))]
    d.rng.shuffle(specs)
    offered = chosen + _distractors(d, chosen, d.rng.randint(0, 2))
    d.rng.shuffle(offered)
    if multi_turn:
        _prior_turns(d, offered)
    plans = distinct_plans(specs, d.rng, d.ctx)
    return offered, _user_text(d, [p.ask() for p in plans], first.domain), [p.call() for p in plans]


def build_irrelevance(d: Draft, multi_turn: bool) -> tuple[list[ToolSpec], str, list[ToolCall]]:
    k = d.rng.randint(1, 4)
    if d.rng.random() < 0.25:
        offered = d.rng.sample(d.pool.tools, k)
        text = d.rng.choice(phrasing.CHIT_CHAT)
    else:
        wanted = d.rng.choice(d.pool.tools)
        offered = d.rng.sample([s for s in d.pool.tools if not related(s.domain, wanted.domain)], k)
        text = _user_text(d, [d.plan(wanted).ask()], wanted.domain)
    if multi_turn:
        # the earlier turns use the offered tools; the final request still fits none of them
        _prior_turns(d, offered)
    return offered, text, []


BUILDERS = {
    "simple": build_simple,
    "multiple": build_multiple,
    "parallel": build_parallel,
    "parallel_multiple": build_parallel_multiple,
    "irrelevance": build_irrelevance,
}


def build_sample(pool: Pool, rng: random.Random, category: str, multi_turn: bool, sample_id: str) -> Sample:
    """One sample; everything random comes from `rng`."""
    today = date(2024, 1, 1) + timedelta(days=rng.randrange(3 * 365))
    d = Draft(rng, Context(today), pool)
    offered, text, calls = BUILDERS[category](d, multi_turn)
    turns = d.history + [{"role": "user", "content": text}]
    messages: list[dict[str, Any]] = []
    # a relative date ("tomorrow") is only derivable when the conversation states today's date
    date_in_system = d.ctx.relative_dates and rng.random() < 0.75
    system = phrasing.system_text(rng, today if date_in_system else None)
    if system:
        messages.append({"role": "system", "content": system})
    if d.ctx.relative_dates and not date_in_system:
        turns[0] = {**turns[0], "content": phrasing.date_statement(today, rng) + " " + turns[0]["content"]}
    messages.extend(turns)
    tools = [s.schema() for s in offered]
    return Sample(
        id=sample_id,
        category=category,
        tools=tools,
        messages=messages,
        ground_truth=exact_to_ground_truth(calls, tools),
        source="generated",
    )
