"""Tool results for the history of multi-turn samples, and the assistant's words after them.

A result is a plausible JSON object: a few fields typical of the tool's domain plus, for a
search tool (`ToolSpec.gives`), a ranked list whose items carry the ids a later call may use.
The gold answer never depends on a result's invented numbers, only on those ids.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from ray_toolace.data.generator.schema import ToolSpec
from ray_toolace.data.generator.values import ordinal
from ray_toolace.data.generator.vocab import VOCAB

Fields = Callable[[random.Random], dict[str, Any]]

_CONDITIONS = ("sunny", "partly cloudy", "overcast", "light rain", "showers", "clear", "windy", "foggy")

# A few invented fields per domain, so that results read like the tool's own output.
DOMAIN_FIELDS: dict[str, Fields] = {
    "weather": lambda r: {
        "temperature_c": r.randint(-5, 34),
        "conditions": r.choice(_CONDITIONS),
        "humidity_percent": r.randint(20, 95),
    },
    "maps": lambda r: {"distance_km": round(r.uniform(0.4, 40), 1), "duration_minutes": r.randint(3, 90)},
    "travel": lambda r: {"confirmation": f"CNF{r.randint(100000, 999999)}", "total_usd": round(r.uniform(80, 1500), 2)},
    "finance": lambda r: {
        "value": round(r.uniform(10, 900), 2),
        "currency": "USD",
        "change_percent": round(r.uniform(-4, 4), 2),
    },
    "crypto": lambda r: {
        "price_usd": round(r.uniform(0.1, 60000), 2),
        "change_24h_percent": round(r.uniform(-9, 9), 2),
    },
    "real_estate": lambda r: {
        "estimate_usd": r.randint(150, 1500) * 1000,
        "confidence": r.choice(("low", "medium", "high")),
    },
    "smart_home": lambda r: {"ok": True, "device_status": r.choice(("on", "off", "idle", "running"))},
    "recipes": lambda r: {
        "calories": r.randint(180, 900),
        "prep_minutes": r.randint(10, 75),
        "servings": r.randint(2, 6),
    },
    "ecommerce": lambda r: {
        "status": r.choice(("processing", "shipped", "in transit", "delivered")),
        "estimated_delivery_days": r.randint(1, 7),
    },
    "health": lambda r: {
        "recorded": True,
        "note": r.choice(("within normal range", "logged successfully", "trend stable")),
    },
    "sports": lambda r: {
        "wins": r.randint(5, 60),
        "losses": r.randint(5, 60),
        "last_result": r.choice(("W", "L", "D")),
    },
    "jobs": lambda r: {"matches": r.randint(3, 120), "median_salary_usd": r.randint(35, 180) * 1000},
    "calendar": lambda r: {"created": True, "event_ref": f"EV-{r.randint(100000, 999999)}"},
    "email": lambda r: {"sent": True, "thread_size": r.randint(1, 9)},
    "education": lambda r: {"courses_found": r.randint(2, 40), "average_rating": round(r.uniform(3.5, 5), 1)},
    "translation": lambda r: {"confidence": round(r.uniform(0.8, 1), 2), "characters": r.randint(10, 400)},
    "music": lambda r: {"now_playing": r.choice(VOCAB["song"]), "queue_length": r.randint(0, 25)},
    "movies": lambda r: {"rating": round(r.uniform(5.5, 9.3), 1), "runtime_minutes": r.randint(85, 170)},
    "news": lambda r: {"articles": r.randint(3, 40), "top_source": r.choice(VOCAB["news_source"])},
    "books": lambda r: {"copies_available": r.randint(0, 6), "wait_weeks": r.randint(0, 8)},
}

# Items of search results, by the id field they carry, from the search's arguments `a`; the
# id itself is added by the caller.
ITEM_FIELDS: dict[str, Callable[[random.Random, dict[str, Any]], dict[str, Any]]] = {
    "flight_id": lambda r, a: {
        "airline": r.choice(("SkyJet", "Aerolinea", "Nordic Air", "Pacific Wings")),
        "departure": f"{r.randint(6, 22):02d}:{r.choice(('00', '15', '30', '45'))}",
        "price_usd": round(r.uniform(90, 1400), 2),
    },
    "hotel_id": lambda r, a: {
        "name": r.choice(("Harbor View", "The Linden", "Casa Sol", "Parkside Inn", "Hotel Meridian")) + " " + a["city"],
        "price_per_night_usd": round(r.uniform(60, 450), 2),
        "rating": round(r.uniform(3.2, 4.9), 1),
    },
    "listing_id": lambda r, a: {
        "bedrooms": r.randint(1, 5),
        "price_usd": r.randint(900, 950000),
        "neighborhood": r.choice(VOCAB["neighborhood"]),
    },
    "recipe_id": lambda r, a: {"title": r.choice(VOCAB["dish"]), "total_minutes": r.randint(15, 90)},
    "product_id": lambda r, a: {
        "title": a.get("brand", "") + (" " if a.get("brand") else "") + a["query"],
        "price_usd": round(r.uniform(9, 700), 2),
        "rating": round(r.uniform(3, 5), 1),
    },
    "doctor_id": lambda r, a: {
        "name": "Dr. " + r.choice(VOCAB["person"]),
        "city": a["city"],
        "next_available": r.choice(("morning", "afternoon")),
    },
    "job_id": lambda r, a: {
        "title": a["title"],
        "company": r.choice(VOCAB["company"]),
        "salary_usd": r.randint(35, 190) * 1000,
    },
    "event_id": lambda r, a: {"title": r.choice(VOCAB["event"]), "start": f"{r.randint(7, 20):02d}:00"},
    "course_id": lambda r, a: {"title": r.choice(VOCAB["course"]), "price_usd": round(r.uniform(0, 300), 2)},
    "showtime_id": lambda r, a: {
        "cinema": r.choice(("Odeon", "Cinema City", "Palace", "Lumiere")),
        "start": f"{r.randint(12, 23):02d}:{r.choice(('00', '30'))}",
    },
    "article_id": lambda r, a: {
        "headline": a["topic"].capitalize() + ": " + r.choice(("what we know", "the latest", "analysis", "explainer")),
        "source": r.choice(VOCAB["news_source"]),
    },
    "message_id": lambda r, a: {"from": r.choice(VOCAB["email"]), "subject": r.choice(VOCAB["subject_line"])},
}

ACKS = (
    "Here's what I found.",
    "Done. Let me know if you need anything else.",
    "All set, here are the results.",
    "I've taken care of that.",
    "Here are the details you asked for.",
    "Got it, the request went through.",
)


def tool_result(
    spec: ToolSpec, args: dict[str, Any], rng: random.Random, new_id: Callable[[], str] | None = None
) -> dict[str, Any]:
    """A JSON-able result of calling `spec` with `args`; search tools return ranked items."""
    if spec.gives and new_id is not None:
        fields = ITEM_FIELDS.get(spec.gives, lambda r, a: {})
        return {"results": [{spec.gives: new_id(), **fields(rng, args)} for _ in range(3)]}
    result = {"status": "success"}
    result.update(DOMAIN_FIELDS.get(spec.domain, lambda r: {})(rng))
    return result


def acknowledgement(result: dict[str, Any], gives: str, rng: random.Random) -> str:
    """What the assistant says after a result; a search result is summarised by its ids."""
    items = result.get("results")
    if gives and isinstance(items, list) and items:
        ids = ", ".join(f"{ordinal(i + 1)}: {item[gives]}" for i, item in enumerate(items))
        return f"I found {len(items)} options ({ids})."
    return rng.choice(ACKS)
