"""No secret in run files or job environments: the field rule, the name rule, `submit --env`."""

from __future__ import annotations

import pytest

from ray_toolace.config import Config
from ray_toolace.core.secrets import credential_reason, is_secret_field, redact_config
from ray_toolace.submit import SubmitError, check_env_names, runtime_env


def test_secret_fields_are_stripped_and_token_counts_are_not():
    dumped = Config.model_validate({"serve": {"api_key": "sekrit"}}).model_dump(mode="json")
    clean = redact_config(dumped)
    assert clean["serve"]["api_key"] is None and dumped["serve"]["api_key"] == "sekrit"  # a copy
    assert clean["sampling"]["max_tokens"] == dumped["sampling"]["max_tokens"]
    assert clean["train"]["tokens_per_batch"] == dumped["train"]["tokens_per_batch"]
    assert is_secret_field("serve.api_key") and is_secret_field("s3.secret_access_key") and is_secret_field("hub.token")
    assert not any(is_secret_field(f) for f in ("sampling.max_tokens", "train.tokens_per_batch", "model.name_or_path"))


@pytest.mark.parametrize("name", ["AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN", "HF_TOKEN",
                                  "RAY_TOOLACE_API_KEY", "DB_PASSWORD", "GOOGLE_APPLICATION_CREDENTIALS", "OPENAI_KEY"])
def test_credential_names_are_recognised(name):
    assert credential_reason(name)


@pytest.mark.parametrize("name", ["AWS_ENDPOINT_URL", "AWS_REGION", "RAY_TOOLACE_RUNS_ROOT", "HF_HOME", "TOKENIZERS_PARALLELISM", "KEYBOARD"])
def test_ordinary_names_pass(name):
    assert credential_reason(name) is None


def test_submit_env_refuses_credentials_unless_forced():
    environ = {"AWS_SECRET_ACCESS_KEY": "k", "HF_HOME": "/h"}
    with pytest.raises(SubmitError) as e:
        runtime_env(env_names=("HF_HOME", "AWS_SECRET_ACCESS_KEY"), environ=environ)
    text = str(e.value)
    assert "AWS_SECRET_ACCESS_KEY (names a secret)" in text and "HF_HOME" not in text.split(":")[0]
    assert "writes to its log" in text and "instance profile" in text and "--force-env" in text
    env = runtime_env(env_names=("HF_HOME", "AWS_SECRET_ACCESS_KEY"), environ=environ, force_env=True)
    assert env["env_vars"]["AWS_SECRET_ACCESS_KEY"] == "k" and env["env_vars"]["HF_HOME"] == "/h"
    check_env_names(("HF_HOME",))  # nothing to refuse


def test_a_key_given_on_the_command_line_is_masked_in_logs():
    from ray_toolace.core.secrets import redact_argv

    argv = ["jobs/probe.py", "--config", "c.yaml", "serve.api_key=sekrit", "sampling.max_tokens=8", "run_dir=/r"]
    assert redact_argv(argv) == ["jobs/probe.py", "--config", "c.yaml", "serve.api_key=***", "sampling.max_tokens=8", "run_dir=/r"]
