"""What counts as a secret: config fields never recorded, environment names never forwarded.

    redact_config(cfg.model_dump(mode="json"))   # serve.api_key (and any secret field) -> None
    credential_reason("AWS_SECRET_ACCESS_KEY")   # why this name looks like a credential, or None

Run files (manifest.json, run.json, round.json) record the config they ran with; a key in them
would reach every reader of the run directory, on S3 too. Environment variables given to a Ray
job travel in its runtime env, which Ray's runtime-env agent writes to its log. Pure.
"""

from __future__ import annotations

import re
from typing import Any

# dotted config fields that hold secrets; the name rule below also catches future ones
SECRET_FIELDS = ("serve.api_key",)
# on the leaf name: `api_key`, `*_token`, `*secret*`; not `max_tokens` or `tokens_per_batch`
_SECRET_FIELD_NAME = re.compile(r"((^|_)(key|token|credentials?)$)|secret|passw", re.IGNORECASE)

# credential-looking environment names: AWS_SECRET_ACCESS_KEY, HF_TOKEN, RAY_TOOLACE_API_KEY, ...
_CREDENTIAL_ENV = (
    (re.compile(r"SECRET", re.IGNORECASE), "names a secret"),
    (re.compile(r"PASSWORD|PASSWD", re.IGNORECASE), "names a password"),
    (re.compile(r"CREDENTIAL", re.IGNORECASE), "names credentials"),
    (re.compile(r"(^|_)TOKEN$", re.IGNORECASE), "ends in _TOKEN"),
    (re.compile(r"(^|_)KEY$", re.IGNORECASE), "ends in _KEY"),
    (re.compile(r"^AWS_ACCESS_KEY_ID$", re.IGNORECASE), "is an access key id"),
)


def is_secret_field(dotted: str) -> bool:
    return dotted in SECRET_FIELDS or bool(_SECRET_FIELD_NAME.search(dotted.rsplit(".", 1)[-1]))


def redact_config(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A copy of a dumped config with every secret field set to None: a recorded config still
    loads as a Config (a reader that serves from it takes the key from the environment)."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        dotted = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            out[key] = redact_config(value, dotted)
        elif is_secret_field(dotted):
            out[key] = None
        else:
            out[key] = value
    return out


def credential_reason(name: str) -> str | None:
    """Why an environment variable's name looks like a credential; None when it does not."""
    for pattern, reason in _CREDENTIAL_ENV:
        if pattern.search(name):
            return reason
    return None


def redact_argv(argv: list[str]) -> list[str]:
    """A command line as logs show it: the value of a `field=value` override of a secret field
    (`serve.api_key=...`) replaced by ***."""
    out = []
    for arg in argv:
        key, eq, _ = arg.partition("=")
        out.append(f"{key}=***" if eq and not key.startswith("-") and is_secret_field(key.strip()) else arg)
    return out
