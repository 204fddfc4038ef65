"""Which models the endpoint serves, which one a request picks, and which a replica keeps loaded. Pure.

With `serve.rounds_from: <run_dir>` (local or s3://) the endpoint serves the base model plus one
model per finished training round of that run, named `<base>:round-<t>`:

    rounds = finished_rounds(base_id, {"round-0/train/round.json": {...}, ...})   # round order
    rounds, refused = on_base(rounds, base_content)   # adapters trained on other weights left out
    models = catalog(base_id, rounds)          # {model id: ServedModel}, base first
    chosen = choose(models, request.model, refused)   # ServedModel, or UnknownModel (the 404)

A round is finished when its `round.json` exists: the training stage writes it last
(stages/train_round.py), under `round-<t>/train/` in an iterate run and under `round-<t>/` for
a round trained on its own (jobs/train_round.py); the model folder beside it is `model/`, a peft
adapter (method "lora") or a whole model ("full"). Rounds are numbered by their folder, listed
in numeric order; a folder that is not `round-<number>`, a round whose round.json is not an
object or names another method, is left out. Each round carries a `version` (a digest of its
round.json, which names the round's checkpoint and its losses), so a round retrained in place
is a new model to every cache below, never the old weights under the old name.

An adapter only means something on the weights it was trained on. A round's round.json records
the content digest of the whole model under the run's adapters (`root_base`, model/identity.py);
a LoRA round whose digest differs from the served base's is left out, and a request naming it
gets a 404 saying so (a run trained on another model, or the base folder replaced since). Rounds
trained in full are whole models and always served; a round.json without the field, or a base
whose content is not known (a name, not a folder), is served unchecked.

A request without `model` gets the newest finished round, the base model while there is none
(ours: the run's current model, as the single-adapter endpoint defaults to its adapter).

Listing the run directory costs an S3 LIST and a HEAD per round, so the ingress keeps the
catalog for `serve.rounds_refresh_s` (`ListingPolicy`): `/v1/models` and requests without
`model` list again once it is older; a request naming a model the catalog lacks lists again at
once (a round that has just finished is then servable), but never more than once per
`UNKNOWN_RELIST_S`, so a stream of misspelt names cannot turn into a stream of S3 listings.

`LoadedModels` is the replica's bounded set of round models held in memory (least recently used
first out), for engines that are whole models (merged adapters on CPU); a model with requests
in flight is never evicted.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Iterable, Literal

ROUND_FOLDER = re.compile(r"round-(\d+)")
# where a round's round.json lives, relative to its round-<t>/ folder: iterate, then train_round
ROUND_LAYOUTS = ("train", "")
METHODS = ("lora", "full")
UNKNOWN_RELIST_S = 1.0  # at most one listing per second for names the catalog lacks (ours)


class UnknownModel(LookupError):
    """A request's `model` that this endpoint does not serve (OpenAI's 404 model_not_found)."""


class ModelUnavailable(RuntimeError):
    """A served round's model that could not be loaded (a 503 naming the model and why)."""


class ModelsBusy(RuntimeError):
    """Every slot for a loaded model has requests in flight: nothing can make room (a 503)."""


@dataclass(frozen=True)
class ServedModel:
    """One servable model: the base (round None) or a finished round's model folder."""

    id: str
    round: int | None = None
    path: str | None = None  # the round's model folder (an adapter or a whole model), local or s3://
    kind: Literal["base", "lora", "full"] = "base"
    version: str = ""  # digest of the round's round.json: a retrained round is another model
    trained_on: str | None = None  # content digest of the whole model under it (round.json's root_base)

    @property
    def key(self) -> str:
        """What caches hold it under: the id and the version."""
        return f"{self.id}@{self.version}" if self.version else self.id


def round_number(name: str) -> int | None:
    """t for a folder named `round-<t>`, else None."""
    m = ROUND_FOLDER.fullmatch(name.strip("/"))
    return int(m.group(1)) if m else None


def round_numbers(names: Iterable[str]) -> list[int]:
    """The round folders among a run directory's entries, in numeric order (round-10 after round-9)."""
    return sorted({t for t in (round_number(n) for n in names) if t is not None})


def summary_paths(t: int) -> list[str]:
    """Where round t's round.json may be, relative to the run directory, in the order to look."""
    return ["/".join(p for p in (f"round-{t}", layout, "round.json") if p) for layout in ROUND_LAYOUTS]


def round_id(base_id: str, t: int) -> str:
    return f"{base_id}:round-{t}"


def summary_version(summary: dict[str, Any]) -> str:
    text = json.dumps(summary, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def finished_rounds(base_id: str, summaries: dict[str, Any]) -> list[ServedModel]:
    """The servable rounds from `{round.json path relative to the run dir: its content}`, in round
    order. Each model's `path` is relative too (`round-<t>[/train]/model`); the caller joins it to
    the run directory. A round found under both layouts keeps the first of ROUND_LAYOUTS."""
    found: dict[int, ServedModel] = {}
    for rel, summary in summaries.items():
        parts = rel.strip("/").split("/")
        if parts[-1] != "round.json" or len(parts) not in (2, 3):
            continue
        t = round_number(parts[0])
        if t is None or (len(parts) == 3 and parts[1] != "train") or not isinstance(summary, dict):
            continue
        method = summary.get("method", "lora")
        if method not in METHODS:
            continue
        root = summary.get("root_base")
        trained_on = root.get("content") if isinstance(root, dict) else None
        model = ServedModel(round_id(base_id, t), t, "/".join(parts[:-1] + ["model"]), method, summary_version(summary),
                            trained_on if isinstance(trained_on, str) else None)
        if t not in found or len(parts) == 3:
            found[t] = model
    return [found[t] for t in sorted(found)]


def on_base(rounds: Iterable[ServedModel], base_content: str | None) -> tuple[list[ServedModel], dict[str, str]]:
    """(the rounds servable on a base of content digest `base_content`, {id: why not} for the
    others): LoRA rounds trained on other weights (see the module docstring)."""
    served, refused = [], {}
    for m in rounds:
        if m.kind == "lora" and base_content and m.trained_on and m.trained_on != base_content:
            refused[m.id] = (f"its adapter was trained on other weights (content {m.trained_on}) than the "
                             f"served base model (content {base_content})")
        else:
            served.append(m)
    return served, refused


def catalog(base_id: str, rounds: Iterable[ServedModel]) -> dict[str, ServedModel]:
    """Every served model by id: the base first, then the rounds in round order."""
    models = {base_id: ServedModel(base_id)}
    for m in sorted(rounds, key=lambda m: m.round if m.round is not None else -1):
        models[m.id] = m
    return models


def default_model(models: dict[str, ServedModel]) -> ServedModel:
    """The newest round, or the base model while no round has finished."""
    return list(models.values())[-1]


def choose(models: dict[str, ServedModel], requested: str | None, refused: dict[str, str] | None = None) -> ServedModel:
    """The model a request names (none: the default); raises UnknownModel with what is served,
    or for a round left out (`refused`, from on_base) with why."""
    if not requested:
        return default_model(models)
    if requested in models:
        return models[requested]
    if refused and requested in refused:
        raise UnknownModel(f"model {requested!r} is not served here: {refused[requested]}")
    raise UnknownModel(f"model {requested!r} is not served here; served: {', '.join(models)}")


def adapter_problem(config: Any, max_rank: int) -> str | None:
    """Why a round's adapter cannot be applied per request (its adapter_config.json's content,
    None when there is none), or None when it can: vLLM would fail the request, or its engine."""
    if not isinstance(config, dict):
        return "its folder holds no peft adapter (adapter_config.json)"
    rank = config.get("r")
    if not isinstance(rank, int) or rank < 1:
        return f"its adapter_config.json has no valid rank r ({rank!r})"
    if rank > max_rank:
        return f"its LoRA rank {rank} exceeds engine.max_lora_rank={max_rank}"
    return None


@dataclass
class ListingPolicy:
    """When the ingress lists the run directory again (see the module docstring)."""

    refresh_s: float
    unknown_relist_s: float = UNKNOWN_RELIST_S
    listed_at: float | None = None  # monotonic seconds of the last listing, None: never

    def stale(self, now: float) -> bool:
        return self.listed_at is None or now - self.listed_at >= self.refresh_s

    def relist_for(self, requested: str | None, known: bool, now: float) -> bool:
        """Whether a request naming `requested` (known: in the catalog) should list first."""
        if requested and not known:
            return self.listed_at is None or now - self.listed_at >= self.unknown_relist_s
        return not requested and self.stale(now)


class LoadedModels:
    """The round models a replica holds (by ServedModel.key), least recently used first, with a
    count of requests in flight for each."""

    def __init__(self, capacity: int):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._order: OrderedDict[str, int] = OrderedDict()  # key -> requests in flight

    def __contains__(self, key: str) -> bool:
        return key in self._order

    def __len__(self) -> int:
        return len(self._order)

    def keys(self) -> list[str]:
        return list(self._order)

    def acquire(self, key: str) -> None:
        """A request starts on a loaded model: it becomes the most recently used."""
        self._order[key] = self._order.get(key, 0) + 1
        self._order.move_to_end(key)

    def release(self, key: str) -> None:
        if key in self._order:
            self._order[key] = max(self._order[key] - 1, 0)

    def add(self, key: str) -> None:
        """A model has been loaded (call `victims` first to make room)."""
        self._order.setdefault(key, 0)
        self._order.move_to_end(key)

    def remove(self, key: str) -> None:
        self._order.pop(key, None)

    def victims(self, adding: int = 1) -> list[str]:
        """The idle models to unload, oldest use first, so that `adding` more fit; raises
        ModelsBusy when models with requests in flight leave no room."""
        excess = len(self._order) + adding - self.capacity
        if excess <= 0:
            return []
        idle = [k for k, busy in self._order.items() if busy == 0]
        if len(idle) < excess:
            raise ModelsBusy(f"all {self.capacity} loaded model slot(s) have requests in flight")
        return idle[:excess]
