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
from typing import Callable, Iterable, TypeVar

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


def stratified(items: Iterable[T], n: int, seed: int, category: Callable[[T], str]) -> list[T]:
    """`n` items spread over the categories as evenly as they allow (round robin over the
    categories in name order, each shuffled with `seed`); fewer when there are fewer."""
    pools = []
    for name, group in sorted(_groups(items, category).items()):
        rng = random.Random(f"{seed}:{name}")
        group = [item for _, item in group]
        rng.shuffle(group)
        pools.append(group)
    out: list[T] = []
    depth = 0
    while len(out) < n and any(depth < len(p) for p in pools):
        out.extend(p[depth] for p in pools if depth < len(p))
        depth += 1
    return out[:n]
