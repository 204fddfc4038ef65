"""The local cluster's shell environment and the words for an authentication mismatch."""

from __future__ import annotations

import json
import subprocess

from ray_toolace.local_cluster import STATE_FILE, auth_hint, export_lines, is_auth_error, shell_env

STATE = {"gcs_address": "127.0.0.1:6380", "dashboard_url": "http://127.0.0.1:8266", "temp_dir": "/nonexistent/rt",
         "token_path": "/home/u/.cache/ray_toolace/cluster/auth_token", "bin": "/opt/project/.venv/bin",
         "runs_root": "/opt/project"}


class AuthenticationError(Exception):
    """Stands in for ray.exceptions.AuthenticationError (matched by name: no Ray import)."""


def _refused() -> ConnectionError:
    try:
        try:
            raise AuthenticationError("RPC error: InvalidAuthToken: Authentication token is missing or incorrect. Note: more")
        except AuthenticationError as e:
            raise ConnectionError("Failed to connect to Ray cluster at 127.0.0.1:6380") from e
    except ConnectionError as e:
        return e


def test_exports_evaluate_in_a_shell():
    script = export_lines(shell_env(STATE)) + '\nprintf "%s|%s|%s|%s|%s" "$RAY_ADDRESS" "$RAY_API_SERVER_ADDRESS" ' \
        '"$RAY_AUTH_MODE" "$RAY_AUTH_TOKEN_PATH" "$RAY_TOOLACE_RUNS_ROOT"; echo; echo "$PATH"'
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}, check=True).stdout
    first, path = out.splitlines()
    assert first == "127.0.0.1:6380|http://127.0.0.1:8266|token|/home/u/.cache/ray_toolace/cluster/auth_token|/opt/project"
    assert path == "/opt/project/.venv/bin:/usr/bin:/bin"


def test_auth_errors_are_found_through_the_cause_chain():
    assert is_auth_error(_refused())
    assert is_auth_error(AuthenticationError("Authentication failed: Forbidden: Invalid authentication token"))
    assert not is_auth_error(ConnectionError("Failed to connect to Ray cluster at 127.0.0.1:6380"))
    assert not is_auth_error(RuntimeError("No available agent to submit job"))


def test_hint_says_what_to_set(tmp_path):
    (tmp_path / STATE_FILE).write_text(json.dumps(STATE))
    text = auth_hint(_refused(), environ={}, directory=tmp_path)
    assert "set RAY_AUTH_MODE=token" in text and "RAY_AUTH_TOKEN_PATH" in text
    assert 'eval "$(ray-toolace cluster env)"' in text and f"export RAY_AUTH_TOKEN_PATH={STATE['token_path']}" in text
    assert "(Ray said: RPC error: InvalidAuthToken" in text and "more" in text
    # token mode set, token there, still refused: the token itself differs
    wrong = auth_hint(AuthenticationError("Invalid authentication token"),
                      environ={"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": "x"}, directory=tmp_path / "none")
    assert "refused this shell's token" in wrong and "cluster env" in wrong
