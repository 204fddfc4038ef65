"""Tool specs: the JSON schema a model sees, plus what the generator needs to ask for it.

A `ToolSpec` holds the public schema (name, description, typed parameters) and private
knowledge the model never sees: which value sampler fills each parameter (`Param.slot`),
how enum and boolean values are said in words (`Param.phrases`), and the ask templates.

Ask templates are imperative phrases ("get the forecast for {city}[ for {days} days]"):
`{name}` is a parameter's spoken value and `[...]` an optional segment, spoken only when
every parameter inside it was chosen for the call. A call's gold arguments are exactly the
parameters its rendered text mentions, which is what makes every gold answer derivable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_MISSING = object()

PLACEHOLDER = re.compile(r"\{(\w+)\}")
SEGMENT = re.compile(r"\[([^\[\]]*)\]")


@dataclass(frozen=True)
class Param:
    """One parameter: its schema fields and the sampler that fills it in a query."""

    name: str
    type: str  # JSON-schema type: string, integer, number, boolean, array, object
    description: str
    slot: Any  # sampler key understood by values.sample_value, e.g. "city" or ("int", 2, 9)
    required: bool = True
    default: Any = _MISSING
    enum: tuple[str, ...] = ()
    phrases: tuple[tuple[Any, tuple[str, ...]], ...] = ()  # enum/bool value -> spoken forms
    items: str = ""  # item type of an array
    props: tuple[Param, ...] = ()  # members of an object
    say: str = ""  # an object's spoken form, a template over its members

    @property
    def has_default(self) -> bool:
        return self.default is not _MISSING

    def spoken(self, value: Any) -> tuple[str, ...]:
        for key, forms in self.phrases:
            if key == value:
                return forms
        raise KeyError(f"{self.name}: no phrasing for {value!r}")

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "description": self.description}
        if self.enum:
            out["enum"] = list(self.enum)
        if self.type == "array":
            out["items"] = {"type": self.items}
        if self.type == "object":
            out["properties"] = {p.name: p.schema() for p in self.props}
            out["required"] = [p.name for p in self.props if p.required]
        if self.has_default:
            out["default"] = self.default
        return out


@dataclass(frozen=True)
class ToolSpec:
    """A tool of the pool. `vary` names a required parameter that a parallel request may list
    several values of ("Paris, Rome and Berlin"); `gives` names the id field its results carry,
    which a later call in the same domain can consume (multi-turn chains)."""

    name: str
    domain: str
    description: str
    params: tuple[Param, ...]
    asks: tuple[str, ...]
    vary: str = ""
    gives: str = ""

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(f"{self.name} has no parameter {name!r}")

    def schema(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "parameters": {
                "type": "object",
                "properties": {p.name: p.schema() for p in self.params},
                "required": [p.name for p in self.params if p.required],
            },
        }


def _phrases(table: dict[Any, str]) -> tuple[tuple[Any, tuple[str, ...]], ...]:
    # "a|b" keeps the pool files compact: one string lists every way to say a value
    return tuple((value, tuple(text.split("|"))) for value, text in table.items())


def req(name: str, type_: str, description: str, slot: Any) -> Param:
    """A required parameter."""
    return Param(name, type_, description, slot)


def opt(name: str, type_: str, description: str, slot: Any, default: Any = _MISSING) -> Param:
    """An optional parameter, with a schema default when one is given."""
    return Param(name, type_, description, slot, required=False, default=default)


def choice(
    name: str, description: str, table: dict[str, str], default: Any = _MISSING, required: bool = False
) -> Param:
    """A string enum; `table` maps each value to the ways a user says it ("a|b")."""
    return Param(
        name,
        "string",
        description,
        "enum",
        required=required,
        default=default,
        enum=tuple(table),
        phrases=_phrases(table),
    )


def flag(name: str, description: str, yes: str, no: str, default: Any = _MISSING, required: bool = False) -> Param:
    """A boolean; `yes`/`no` are the ways a user asks for True/False ("a|b")."""
    return Param(
        name,
        "boolean",
        description,
        "bool",
        required=required,
        default=default,
        phrases=_phrases({True: yes, False: no}),
    )


def items(name: str, item_type: str, description: str, slot: Any, required: bool = True) -> Param:
    """An array parameter; `slot` samples the whole list, e.g. ("list", "ingredient", 2, 4)."""
    return Param(name, "array", description, slot, required=required, items=item_type)


def obj(name: str, description: str, props: tuple[Param, ...], say: str, required: bool = True) -> Param:
    """A nested object; `say` is how its members are spoken, e.g. "{street}, {city}"."""
    return Param(name, "object", description, "object", required=required, props=props, say=say)


def placeholders(template: str) -> list[str]:
    return PLACEHOLDER.findall(template)


def required_outside_segments(template: str) -> set[str]:
    """Placeholders a template always speaks (those outside every optional segment)."""
    return set(placeholders(SEGMENT.sub("", template)))


def render(template: str, texts: dict[str, str]) -> str:
    """Fill a template: drop each optional segment naming a parameter not in `texts`."""

    def segment(match: re.Match[str]) -> str:
        inner = match.group(1)
        return inner if all(n in texts for n in placeholders(inner)) else ""

    body = SEGMENT.sub(segment, template)
    out, last = [], 0
    for match in PLACEHOLDER.finditer(body):
        out.append(body[last : match.start()])
        text = texts[match.group(1)]
        # the template's "a" before a value may need to become "an" ("an 8-year-old")
        if re.search(r"(^|\s)a $", out[-1]) and wants_an(text):
            out[-1] = out[-1][:-2] + "an "
        out.append(text)
        last = match.end()
    out.append(body[last:])
    return "".join(out)


def wants_an(text: str) -> bool:
    """Whether the indefinite article before `text` is "an" (by sound, as far as it matters here).

    >>> [wants_an(w) for w in ("aisle", "8-year-old", "11%", "university", "hour", "$80", "SUV")]
    [True, True, True, False, True, False, False]
    """
    low = text.lower()
    if re.match(r"(8|11|18)(\D|$)", low) or re.match(r"8", low):
        return True
    if re.match(r"(uni|use|usu|uk\b|us\b|one\b)", low):
        return False
    return bool(re.match(r"(hour|honest|[aeiou])", low))


def check_spec(spec: ToolSpec) -> list[str]:
    """Problems that would make a generated gold answer underivable; [] when the spec is sound."""
    problems = []
    names = {p.name for p in spec.params}
    required = {p.name for p in spec.params if p.required}
    for ask in spec.asks:
        used = set(placeholders(ask))
        if used - names:
            problems.append(f"{spec.name}: ask names unknown params {sorted(used - names)}: {ask!r}")
        if required - required_outside_segments(ask):
            problems.append(
                f"{spec.name}: ask does not always speak {sorted(required - required_outside_segments(ask))}"
            )
        if required_outside_segments(ask) - required:
            problems.append(f"{spec.name}: optional param outside a [segment] in {ask!r}")
        # frames capitalise an ask's first letter: safe on template words and on enum/bool
        # phrasings, never on a verbatim value
        lead = re.match(r"\{(\w+)\}", ask)
        if not (
            ask[:1].islower()
            or (lead and lead.group(1) in names and spec.param(lead.group(1)).slot in ("enum", "bool"))
        ):
            problems.append(f"{spec.name}: ask must start with a lowercase word: {ask!r}")
    for p in spec.params:
        if p.type == "object":
            inner = {q.name for q in p.props if q.required}
            if inner - required_outside_segments(p.say):
                problems.append(f"{spec.name}.{p.name}: say does not speak {sorted(inner)}")
        if p.slot in ("enum", "bool") and not p.phrases:
            problems.append(f"{spec.name}.{p.name}: enum/bool without phrases")
    if spec.vary and (spec.vary not in required or spec.param(spec.vary).slot in ("enum", "bool")):
        problems.append(f"{spec.name}: vary must name a required, free-valued param")
    return problems
