"""Planning one tool call: pick an ask template, choose which optional parameters the user
mentions, sample their values, and keep the spoken text and the gold arguments together.

A `Plan` is the unit every category is assembled from: `plan.call()` is the gold `ToolCall`
and `plan.ask()` the words that request exactly that call.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from ray_toolace.core.types import ToolCall
from ray_toolace.data.generator.schema import ToolSpec, placeholders, render
from ray_toolace.data.generator.values import Context, sample_value


@dataclass
class Plan:
    """One call being written: the template, and each mentioned parameter's value and words."""

    spec: ToolSpec
    template: str
    values: dict[str, Any] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)

    def call(self, **override: Any) -> ToolCall:
        """The gold call; `override` swaps values (the parallel and follow-up variants)."""
        merged = {**self.values, **override}
        return ToolCall(self.spec.name, {p.name: merged[p.name] for p in self.spec.params if p.name in merged})

    def ask(self, **spoken: str) -> str:
        """The ask as words; `spoken` swaps the words for some parameters."""
        return render(self.template, {**self.texts, **spoken})


def _atoms(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [v for v in value.values() if isinstance(v, str)]
    return [value]


def _slot_key(spec: ToolSpec, name: str) -> Any:
    slot = spec.param(name).slot
    # a list draws from a vocabulary slot: values of both must not repeat each other
    return slot[1] if isinstance(slot, tuple) and slot[0] == "list" else slot


def clashes(spec: ToolSpec, values: dict[str, Any]) -> bool:
    """True when two parameters filled from the same source repeat a value (origin ==
    destination, cc == to): such a request reads as a mistake and its gold is ambiguous."""
    seen: dict[Any, list[Any]] = {}
    for name, value in values.items():
        key = _slot_key(spec, name)
        if key in ("enum", "bool", "object") or (
            isinstance(key, tuple) and key[0] in ("int", "num", "money", "pct", "year")
        ):
            continue
        bucket = seen.setdefault(repr(key), [])
        for atom in _atoms(value):
            if atom in bucket:
                return True
            bucket.append(atom)
    return False


def plan_call(
    spec: ToolSpec, rng: random.Random, ctx: Context, fixed: dict[str, tuple[Any, str]] | None = None
) -> Plan:
    """A random call of `spec`; `fixed` pins (value, words) for some parameters."""
    fixed = fixed or {}
    template = rng.choice(spec.asks)
    names = list(dict.fromkeys(placeholders(template)))
    # an optional parameter is mentioned about half the time; pinned ones always
    chosen = [n for n in names if spec.param(n).required or n in fixed or rng.random() < 0.5]
    for _ in range(50):
        plan = Plan(spec, template)
        for name in chosen:
            plan.values[name], plan.texts[name] = (
                fixed[name] if name in fixed else sample_value(spec.param(name), rng, ctx)
            )
        if not clashes(spec, plan.values):
            return plan
    raise RuntimeError(f"{spec.name}: could not draw distinct values")


def fresh_value(plan: Plan, name: str, taken: list[Any], rng: random.Random, ctx: Context) -> tuple[Any, str]:
    """A new value for one parameter of `plan`, different from `taken` and from its siblings."""
    for _ in range(100):
        value, text = sample_value(plan.spec.param(name), rng, ctx)
        if value not in taken and not clashes(plan.spec, {**plan.values, name: value}):
            return value, text
    raise RuntimeError(f"{plan.spec.name}.{name}: vocabulary too small for distinct values")


def distinct_plans(specs: list[ToolSpec], rng: random.Random, ctx: Context) -> list[Plan]:
    """One plan per entry of `specs`, no two yielding the same call."""
    plans: list[Plan] = []
    seen: set[str] = set()
    for spec in specs:
        for _ in range(100):
            plan = plan_call(spec, rng, ctx)
            key = plan.call().canonical()
            if key not in seen:
                break
        seen.add(key)
        plans.append(plan)
    return plans
