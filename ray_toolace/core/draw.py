"""Seeded draws that keep every category represented (pure).

Evaluation sets are cut to `n` samples per category, not to their first `n` rows: a file's
first rows can hold one category only (the bundled held-out split's first ten rows held no
irrelevance sample). The same draw picks the demo's endpoint questions and the replayed
mastered samples of a round, so "per category, seeded" means the same thing everywhere.

>>> rows = [("a1", "a"), ("a2", "a"), ("a3", "a"), ("b1", "b")]
>>> per_category(rows, 2, seed=0, category=lambda r: r[1])
[('a1', 'a'), ('a2', 'a'), ('b1', 'b')]
>>> [r[0] for r in stratified(rows, 2, seed=0, category=lambda r: r[1])]
['a3', 'b1']
"""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Callable, Iterable, Mapping, TypeVar

T = TypeVar("T")


def _groups(items: Iterable[T], category: Callable[[T], str]) -> dict[str, list[tuple[int, T]]]:
    groups: dict[str, list[tuple[int, T]]] = defaultdict(list)
    for i, item in enumerate(items):
        groups[category(item)].append((i, item))
    return groups


def per_category(items: Iterable[T], n: int | None, seed: int, category: Callable[[T], str]) -> list[T]:
    """At most `n` items of every category, drawn with `seed`, returned in their input order.

    `n` None keeps everything. The draw of one category does not depend on the others, so
    adding a category to an evaluation leaves the samples of the rest unchanged.
    """
    items = list(items)
    if n is None:
        return items
    keep: list[int] = []
    for name, group in sorted(_groups(items, category).items()):
        rng = random.Random(f"{seed}:{name}")
        chosen = group if len(group) <= n else rng.sample(group, n)
        keep.extend(i for i, _ in chosen)
    return [items[i] for i in sorted(keep)]


def stratified(items: Iterable[T], n: int, seed: int, category: Callable[[T], str],
               weights: Mapping[str, float] | None = None) -> list[T]:
    """`n` items spread over the categories as evenly as they allow, each category shuffled
    with `seed`; fewer when there are fewer.

    Items are taken one at a time from the category whose count, plus one, over its weight is
    lowest (ties in name order), so with no `weights` (every category weighs 1) this is round
    robin over the categories; with `weights` ({category: weight}, 1 for one not named) a
    category of weight 2 gets about twice the items of one of weight 1, as long as it has them.

    >>> rows = [(f"a{i}", "a") for i in range(6)] + [(f"b{i}", "b") for i in range(6)]
    >>> sorted(r[1] for r in stratified(rows, 6, seed=0, category=lambda r: r[1], weights={"b": 2}))
    ['a', 'a', 'b', 'b', 'b', 'b']
    """
    weights = weights or {}
    for name, w in weights.items():
        if not w > 0:
            raise ValueError(f"the weight of category {name!r} must be positive, not {w!r}")
    pools: dict[str, list[T]] = {}
    for name, group in sorted(_groups(items, category).items()):
        rng = random.Random(f"{seed}:{name}")
        pool = [item for _, item in group]
        rng.shuffle(pool)
        pools[name] = pool
    taken = dict.fromkeys(pools, 0)
    out: list[T] = []
    while len(out) < n:
        open_ = [c for c in pools if taken[c] < len(pools[c])]
        if not open_:
            break
        c = min(open_, key=lambda c: (taken[c] + 1) / float(weights.get(c, 1.0)))  # first in name order on ties
        out.append(pools[c][taken[c]])
        taken[c] += 1
    return out
