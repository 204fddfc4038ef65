"""Value samplers: each returns a gold value and the words a user would say for it.

The spoken form either holds the value verbatim (names, cities, ids), or holds it in a form
the model must convert exactly: miles to km, degrees Fahrenheit to Celsius, pounds to kg
(rounded as the parameter description says), "an hour and a half" to 90 minutes,
"3:30 pm" to "15:30", numbers written as words, and dates ("the day after tomorrow",
"on March 3rd, 2025") resolved against the sample's stated reference date. Dates are spoken as
adverbials ("on March 3rd, 2025", "tomorrow", "in five days"), so templates put no preposition
before them.

Run `python -m ray_toolace.data.generator.values` to print a few samples of every slot.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ray_toolace.data.generator.schema import Param, render, required_outside_segments
from ray_toolace.data.generator.vocab import VOCAB

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ONES = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_QUOTED = ("phrase", "message", "subject_line")  # free text is quoted so its extent is unambiguous


@dataclass
class Context:
    """Per-sample state: the reference date, and whether any spoken value relied on it."""

    today: date
    relative_dates: bool = False


def number_to_words(n: int) -> str:
    """American English words for 0 <= n < 1,000,000.

    >>> number_to_words(25), number_to_words(1450)
    ('twenty-five', 'one thousand four hundred fifty')
    """
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" {number_to_words(rest)}" if rest else "")
    if n < 1_000_000:
        thousands, rest = divmod(n, 1000)
        return f"{number_to_words(thousands)} thousand" + (f" {number_to_words(rest)}" if rest else "")
    raise ValueError(f"{n} is out of range")


def round1(x: Decimal) -> float:
    """Round half up to one decimal, on exact decimals: the rule the schemas state."""
    return float(x.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def miles_to_km(miles: int) -> float:
    return round1(Decimal(miles) * Decimal("1.609344"))


def pounds_to_kg(pounds: int) -> float:
    return round1(Decimal(pounds) * Decimal("0.45359237"))


def ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def spoken_date(d: date, rng: random.Random) -> str:
    """An absolute date in one of several everyday English forms."""
    month = MONTHS[d.month - 1]
    return rng.choice(
        (
            f"{month} {ordinal(d.day)}, {d.year}",
            f"{month} {d.day}, {d.year}",
            f"{d.day} {month} {d.year}",
            f"the {ordinal(d.day)} of {month} {d.year}",
            f"{month[:3]} {d.day}, {d.year}",
            d.isoformat(),
        )
    )


def spoken_today(d: date) -> str:
    return f"{WEEKDAYS[d.weekday()]}, {MONTHS[d.month - 1]} {d.day}, {d.year}"


def _count_words(n: int, rng: random.Random) -> str:
    return number_to_words(n) if rng.random() < 0.4 else str(n)


def _future_date(rng: random.Random, ctx: Context) -> tuple[date, str]:
    if rng.random() < 0.5:
        d = ctx.today + timedelta(days=rng.randint(3, 150))
        return d, "on " + spoken_date(d, rng)
    ctx.relative_dates = True
    kind = rng.randrange(6)
    if kind == 0:
        return ctx.today + timedelta(days=1), "tomorrow"
    if kind == 1:
        return ctx.today + timedelta(days=2), "the day after tomorrow"
    if kind == 2:
        n = rng.randint(3, 20)
        return ctx.today + timedelta(days=n), f"in {_count_words(n, rng)} days"
    if kind == 3:
        weeks = rng.randint(1, 3)
        return ctx.today + timedelta(weeks=weeks), ("a week" if weeks == 1 else f"{_ONES[weeks]} weeks") + " from today"
    # "this coming X" is the first X strictly after today, never today itself
    weekday = rng.randrange(7)
    ahead = (weekday - ctx.today.weekday() - 1) % 7 + 1
    return ctx.today + timedelta(days=ahead), f"this coming {WEEKDAYS[weekday]}"


def _past_date(rng: random.Random, ctx: Context) -> tuple[date, str]:
    if rng.random() < 0.5:
        d = ctx.today - timedelta(days=rng.randint(3, 400))
        return d, "on " + spoken_date(d, rng)
    ctx.relative_dates = True
    if rng.random() < 0.3:
        return ctx.today - timedelta(days=1), "yesterday"
    n = rng.randint(2, 30)
    return ctx.today - timedelta(days=n), f"{_count_words(n, rng)} days ago"


def _time24(rng: random.Random) -> tuple[str, str]:
    hour, minute = rng.randint(7, 21), rng.choice((0, 0, 15, 30, 45))
    value = f"{hour:02d}:{minute:02d}"
    h12, meridiem = (hour - 12 if hour > 12 else hour), ("pm" if hour >= 12 else "am")
    if hour == 12 and minute == 0 and rng.random() < 0.5:
        return value, "noon"
    if minute == 0:
        return value, rng.choice(
            (
                f"{h12} {meridiem}",
                f"{h12}:00 {meridiem}",
                f"{h12} o'clock in the " + ("morning" if hour < 12 else "afternoon" if hour < 18 else "evening"),
            )
        )
    if minute == 30 and rng.random() < 0.3:
        return value, f"half past {h12} " + (
            "in the morning" if hour < 12 else "in the afternoon" if hour < 18 else "in the evening"
        )
    return value, rng.choice((f"{h12}:{minute:02d} {meridiem}", value))


def _duration(rng: random.Random) -> tuple[int, str]:
    minutes = rng.choice((15, 20, 30, 45, 60, 90, 120, 150, 180))
    if minutes == 90 and rng.random() < 0.6:
        return 90, rng.choice(("an hour and a half", "one and a half hours"))
    if minutes % 60 == 0 and rng.random() < 0.7:
        hours = minutes // 60
        return minutes, "an hour" if hours == 1 else f"{_ONES[hours]} hours"
    if minutes == 30 and rng.random() < 0.5:
        return 30, "half an hour"
    return minutes, f"{_count_words(minutes, rng) if minutes <= 60 else minutes} minutes"


def _list_text(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _pattern(pattern: str, rng: random.Random) -> str:
    # '#' is a digit and '@' an uppercase letter; the rest is copied
    return "".join(
        str(rng.randrange(10)) if ch == "#" else chr(65 + rng.randrange(26)) if ch == "@" else ch for ch in pattern
    )


def sample_value(param: Param, rng: random.Random, ctx: Context) -> tuple[Any, str]:
    """(gold value, spoken text) for one parameter."""
    slot = param.slot
    if slot in ("enum", "bool"):
        value = rng.choice(param.enum) if slot == "enum" else rng.random() < 0.5
        return value, rng.choice(param.spoken(value))
    if slot == "object":
        return sample_object(param, rng, ctx)
    if isinstance(slot, str) and slot in VOCAB:
        value = rng.choice(VOCAB[slot])
        return value, f'"{value}"' if slot in _QUOTED else value
    kind, *args = slot if isinstance(slot, tuple) else (slot,)
    if kind == "date":
        d, text = _future_date(rng, ctx)
        return d.isoformat(), text
    if kind == "past_date":
        d, text = _past_date(rng, ctx)
        return d.isoformat(), text
    if kind == "time24":
        return _time24(rng)
    if kind == "duration_min":
        return _duration(rng)
    if kind == "int":
        n = rng.randint(args[0], args[1])
        return n, _count_words(n, rng) if n <= 100 or n % 100 == 0 else str(n)
    if kind == "year":
        n = rng.randint(args[0], args[1])
        return n, str(n)
    if kind == "num":  # (lo, hi, decimals)
        x = round(rng.uniform(args[0], args[1]), args[2])
        return x, f"{x:.{args[2]}f}"
    if kind == "money":
        x = float(rng.randint(args[0], args[1]))
        if x < 100 and rng.random() < 0.3:
            x += rng.choice((0.5, 0.99, 0.25))
        digits = f"{x:,.2f}".removesuffix(".00")
        return x, rng.choice((f"${digits}", f"{digits} dollars"))
    if kind == "pct":
        x = rng.choice((round(rng.uniform(args[0], args[1]), 1), float(rng.randint(int(args[0]) or 1, int(args[1])))))
        digits = f"{x:g}"
        return x, rng.choice((f"{digits}%", f"{digits} percent"))
    if kind == "temp_c":  # (lo, hi) in Celsius; Fahrenheit only at multiples of 5 so that C is whole
        if rng.random() < 0.5:
            c = rng.choice([c for c in range(args[0], args[1] + 1) if c % 5 == 0])
            f = c * 9 // 5 + 32
            return c, rng.choice((f"{f}°F", f"{f} degrees Fahrenheit"))
        c = rng.randint(args[0], args[1])
        return c, rng.choice((f"{c}°C", f"{c} degrees Celsius"))
    if kind == "dist_km":  # (lo, hi) in whole miles or km
        n = rng.randint(args[0], args[1])
        if rng.random() < 0.5:
            return miles_to_km(n), f"{n} miles" if n != 1 else "1 mile"
        return float(n), rng.choice((f"{n} km", f"{n} kilometers"))
    if kind == "weight_kg":  # (lo, hi) in pounds
        if rng.random() < 0.5:
            n = rng.randint(args[0], args[1])
            return pounds_to_kg(n), rng.choice((f"{n} pounds", f"{n} lbs"))
        n = rng.randint(args[0] * 45 // 100, args[1] * 45 // 100)
        return float(n), rng.choice((f"{n} kg", f"{n} kilograms"))
    if kind == "height_cm":  # feet and inches, or centimetres
        if rng.random() < 0.5:
            feet, inches = rng.randint(4, 6), rng.randint(0, 11)
            cm = round1(Decimal(feet * 12 + inches) * Decimal("2.54"))
            return cm, rng.choice((f"{feet} feet {inches} inches", f"{feet}'{inches}\""))
        n = rng.randint(145, 200)
        return float(n), rng.choice((f"{n} cm", f"{n} centimeters"))
    if kind == "id":  # (pattern, noun): the noun tells the user what kind of id it is
        value = _pattern(args[0], rng)
        return value, f"{args[1]} {value}" if len(args) > 1 and args[1] else value
    if kind == "list":  # (vocab slot, min, max)
        chosen = rng.sample(VOCAB[args[0]], rng.randint(args[1], args[2]))
        return chosen, _list_text(chosen)
    raise ValueError(f"{param.name}: unknown slot {slot!r}")


def sample_object(param: Param, rng: random.Random, ctx: Context) -> tuple[dict[str, Any], str]:
    """A nested object: required members always, optional ones when its `say` can speak them."""
    speakable = set(required_outside_segments(param.say)) | {
        name for name in (p.name for p in param.props) if "{" + name + "}" in param.say
    }
    value, texts = {}, {}
    for member in param.props:
        if member.name not in speakable or (not member.required and rng.random() < 0.5):
            continue
        value[member.name], texts[member.name] = sample_value(member, rng, ctx)
    return value, render(param.say, texts)


if __name__ == "__main__":
    demo_rng, demo_ctx = random.Random(0), Context(date(2025, 3, 10))
    for demo_slot in (
        "date",
        "past_date",
        "time24",
        "duration_min",
        ("int", 1, 40),
        ("money", 5, 2000),
        ("pct", 1, 9),
        ("temp_c", -10, 35),
        ("dist_km", 1, 30),
        ("weight_kg", 90, 250),
    ):
        demo = Param("x", "string", "", demo_slot)
        print(demo_slot, [sample_value(demo, demo_rng, demo_ctx) for _ in range(4)])
