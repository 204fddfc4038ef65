"""A deterministic, seeded generator of ToolACE-style tool-calling samples (pure Python).

    from ray_toolace.data.generator import generate, split_heldout
    samples = generate(3300, seed=0)                       # list[Sample]
    train, heldout = split_heldout(samples, 300 / 3300, seed=0)

The same (n, seed) gives byte-identical samples; every gold answer is exactly derivable from
the conversation (verbatim values, unit/date/number conversions, enum choices) and passes the
project's own checker. `write_bundled` writes the splits shipped in ray_toolace/data/bundled/.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from ray_toolace.core.formats import write_jsonl
from ray_toolace.core.types import CATEGORIES, Sample
from ray_toolace.data.generator.build import Pool, build_sample
from ray_toolace.data.generator.pool_home import ECOMMERCE, RECIPES, SMART_HOME
from ray_toolace.data.generator.pool_media import MOVIES, MUSIC, NEWS
from ray_toolace.data.generator.pool_money import CRYPTO, FINANCE, REAL_ESTATE
from ray_toolace.data.generator.pool_office import CALENDAR, EDUCATION, EMAIL
from ray_toolace.data.generator.pool_outdoors import MAPS, WEATHER
from ray_toolace.data.generator.pool_people import HEALTH, JOBS, SPORTS
from ray_toolace.data.generator.pool_travel import TRAVEL
from ray_toolace.data.generator.pool_words import BOOKS, TRANSLATION
from ray_toolace.data.generator.schema import ToolSpec

POOL: list[ToolSpec] = [
    *WEATHER, *MAPS, *TRAVEL, *FINANCE, *CRYPTO, *REAL_ESTATE, *SMART_HOME, *RECIPES, *ECOMMERCE, *HEALTH,
    *SPORTS, *JOBS, *CALENDAR, *EMAIL, *EDUCATION, *MUSIC, *MOVIES, *NEWS, *TRANSLATION, *BOOKS,
]  # fmt: skip

# Target mix (the issue's): shares of categories, and of samples with earlier turns.
CATEGORY_SHARES = {"simple": 0.35, "multiple": 0.20, "parallel": 0.15, "parallel_multiple": 0.15, "irrelevance": 0.15}
MULTI_TURN_SHARE = 0.20


def apportion(total: int, shares: dict[str, float]) -> dict[str, int]:
    """Whole counts summing to `total`, as close to the shares as possible (largest remainder).

    >>> apportion(10, {"a": 0.34, "b": 0.66})
    {'a': 3, 'b': 7}
    """
    weight = sum(shares.values())
    exact = {key: total * share / weight for key, share in shares.items()}
    counts = {key: int(value) for key, value in exact.items()}
    by_remainder = sorted(shares, key=lambda key: (-(exact[key] - counts[key]), list(shares).index(key)))
    for key in by_remainder[: total - sum(counts.values())]:
        counts[key] += 1
    return counts


def _dedup_key(sample: Sample) -> str:
    # the system text and tool order do not make two requests different
    turns = [m for m in sample.messages if m["role"] != "system"]
    return json.dumps([sorted(t["name"] for t in sample.tools), turns], sort_keys=True, ensure_ascii=False)


def generate(n: int, seed: int) -> list[Sample]:
    """n samples in the target category mix, ids `gen-<seed>-<index>`, no two alike."""
    rng = random.Random(seed)
    pool = Pool.of(POOL)
    counts = apportion(n, CATEGORY_SHARES)
    categories = [c for c in CATEGORY_SHARES for _ in range(counts[c])]
    rng.shuffle(categories)
    multi_turn = set(rng.sample(range(n), round(n * MULTI_TURN_SHARE)))
    samples, seen = [], set()
    for index, category in enumerate(categories):
        for _ in range(100):
            sample = build_sample(pool, rng, category, index in multi_turn, f"gen-{seed}-{index}")
            if _dedup_key(sample) not in seen:
                break
        seen.add(_dedup_key(sample))
        samples.append(sample)
    return samples


def split_heldout(samples: list[Sample], fraction: float, seed: int) -> tuple[list[Sample], list[Sample]]:
    """Deterministic (train, heldout) split, stratified by category, order kept.

    The held-out set has round(fraction * len(samples)) samples, each category represented in
    proportion to its size.
    """
    rng = random.Random(seed)
    by_category: dict[str, list[int]] = {}
    for i, sample in enumerate(samples):
        by_category.setdefault(sample.category, []).append(i)
    sizes = {c: float(len(ix)) for c, ix in by_category.items()}
    quotas = apportion(round(fraction * len(samples)), sizes) if samples else {}
    held: set[int] = set()
    for category in sorted(by_category):
        held.update(rng.sample(by_category[category], quotas[category]))
    train = [s for i, s in enumerate(samples) if i not in held]
    heldout = [s for i, s in enumerate(samples) if i in held]
    return train, heldout


def write_bundled(out_dir: str | Path, n: int = 3300, seed: int = 0, heldout: int = 300) -> dict[str, Path]:
    """Generate n samples, split off `heldout` of them, and write train.jsonl and heldout.jsonl
    as OpenAI-chat rows under `out_dir`; returns the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    train, held = split_heldout(generate(n, seed), heldout / n, seed)
    paths = {"train": out / "train.jsonl", "heldout": out / "heldout.jsonl"}
    write_jsonl(train, paths["train"], fmt="openai")
    write_jsonl(held, paths["heldout"], fmt="openai")
    return paths


__all__ = [
    "CATEGORIES",
    "CATEGORY_SHARES",
    "MULTI_TURN_SHARE",
    "POOL",
    "apportion",
    "generate",
    "split_heldout",
    "write_bundled",
]
