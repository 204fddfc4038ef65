"""Submit ray_toolace jobs to a Ray cluster through the Jobs API, and summarise what runs left.

    ray-toolace submit probe --address http://127.0.0.1:8265 --config configs/probe.yaml [a.b=v ...] [--no-follow]
    ray-toolace status runs/probe              (a probe/eval output, an iterate run, local or s3://)

A job is one of the scripts under jobs/, run with `python SCRIPT --config FILE OVERRIDES` in a
copy of this project (the runtime env's working_dir, with cluster/runtime_env.yaml's excludes and
env vars). `eval` is the probe job on the evaluation sets: one greedy answer per sample, then
adaptive refinement. The config is loaded here first, so a bad field fails before anything is
uploaded. By default Ray runs the driver on the head node; `--driver-cpus` / `--driver-resource`
reserve resources for it instead (and let Ray place it wherever they are).

S3 settings travel to the job only by name: AWS_ENDPOINT_URL, AWS_REGION and
RAY_TOOLACE_RUNS_ROOT when set here, and whatever `--env NAME` names. Keys belong to the nodes
(an instance profile), not to the job: `--env` refuses names that look like credentials
(core/secrets.py), because Ray's runtime-env agent writes a job's environment to its log, unless
`force_env` (`--force-env`) says the risk is understood. A relative run_dir would land in Ray's
per-upload copy of the project, so it is refused here unless a runs root places it
(core/run_location.py). Ctrl-C while following asks whether to stop the job (`on_interrupt`).
Importing this module is cheap (the CLI lists JOBS from it): Ray and pyarrow load when used.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import sys
import time
import uuid
from pathlib import Path
from typing import Any, TextIO

import yaml

ROOT = Path(__file__).resolve().parents[1]
RUNTIME_ENV = Path("cluster") / "runtime_env.yaml"

# job name -> (script in the project, overrides it always gets; the user's come after and win)
JOBS: dict[str, tuple[str, tuple[str, ...]]] = {
    "probe": ("jobs/probe.py", ()),
    "eval": ("jobs/probe.py", ("probe.split=eval", "probe.refine=true", "sampling.k=1", "sampling.temperature=0")),
    "train": ("jobs/train_round.py", ()),
    "iterate": ("jobs/iterate.py", ()),
    "serve": ("jobs/serve.py", ()),
}
# jobs that keep nothing under run_dir but their own logs: a relative run_dir is not refused
LOGS_ONLY = {"serve"}
FORWARDED_ENV = ("AWS_ENDPOINT_URL", "AWS_REGION", "RAY_TOOLACE_RUNS_ROOT")
TERMINAL = {"SUCCEEDED", "FAILED", "STOPPED"}


class SubmitError(Exception):
    """A job that cannot be submitted as asked; the message says why."""


def entrypoint(job: str, config: str | None, overrides: list[str], root: Path = ROOT) -> str:
    """The job's command line, relative to the project root the job runs in."""
    if job not in JOBS:
        raise SubmitError(f"unknown job {job!r}; choose one of {', '.join(JOBS)}")
    script, fixed = JOBS[job]
    if not (root / script).is_file():
        raise SubmitError(f"job {job!r} runs {script}, which does not exist in {root} (submit from a checkout of the project)")
    args = ["python", script]
    if config is not None:
        path = Path(config).resolve()
        try:
            rel = path.relative_to(root.resolve())
        except ValueError:
            raise SubmitError(f"config {config} is outside {root}: the job sees only the project's files") from None
        args += ["--config", rel.as_posix()]
    return shlex.join([*args, *fixed, *overrides])


def check_config(job: str, config: str | None, overrides: list[str], environ: dict[str, str] | None = None) -> None:
    """Load the config as the job will (raises ConfigError naming the bad field), and place its
    run_dir as the job will, in Ray's copy of the project (raises SubmitError when relative with
    no runs root)."""
    from ray_toolace.config import load_config
    from ray_toolace.core.run_location import RUNS_ROOT_ENV, RunDirError, resolve_run_dir

    environ = os.environ if environ is None else environ
    cfg = load_config(config, [*JOBS[job][1], *overrides])
    try:
        resolve_run_dir(cfg.run_dir, "/runtime_resources/working_dir_files/_ray_pkg_", cfg.runs_root or environ.get(RUNS_ROOT_ENV),
                        keeps_outputs=job not in LOGS_ONLY)
    except RunDirError as e:
        raise SubmitError(str(e)) from None


def check_env_names(env_names: tuple[str, ...], force: bool = False) -> None:
    """Refuse `--env` names that look like credentials, saying why and what to do instead."""
    from ray_toolace.core.secrets import credential_reason

    flagged = [(n, r) for n in env_names if (r := credential_reason(n))]
    if flagged and not force:
        listed = ", ".join(f"{n} ({r})" for n, r in flagged)
        raise SubmitError(
            f"--env {listed}: looks like a credential. A job's environment travels in its runtime env, "
            f"which Ray's runtime-env agent writes to its log on every node. Give the nodes their own "
            f"credentials instead (an instance profile or IAM role for S3; RAY_TOOLACE_API_KEY in the "
            f"environment `ray start` runs with, which jobs inherit), or pass --force-env to send it anyway."
        )


def runtime_env(root: Path = ROOT, env_names: tuple[str, ...] = (), environ: dict[str, str] | None = None,
                force_env: bool = False) -> dict[str, Any]:
    environ = os.environ if environ is None else environ
    check_env_names(env_names, force_env)
    path = root / RUNTIME_ENV
    env = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
    env = dict(env or {})
    env.setdefault("working_dir", str(root))
    env_vars = {k: str(v) for k, v in (env.get("env_vars") or {}).items()}
    for name in (*FORWARDED_ENV, *env_names):
        if name in environ:
            env_vars[name] = environ[name]
        elif name in env_names:
            raise SubmitError(f"--env {name}: not set in this environment")
    env["env_vars"] = env_vars
    return env


def submit(
    address: str,
    job: str,
    config: str | None,
    overrides: list[str],
    *,
    env_names: tuple[str, ...] = (),
    force_env: bool = False,
    driver_cpus: float | None = None,
    driver_resources: dict[str, float] | None = None,
    root: Path = ROOT,
    agent_wait_s: float = 60.0,
):
    """Submit; returns (JobSubmissionClient, submission id)."""
    from ray.job_submission import JobSubmissionClient

    command = entrypoint(job, config, overrides, root)
    check_config(job, config, overrides)
    env = runtime_env(root, env_names, force_env=force_env)
    client = JobSubmissionClient(address)
    submission_id = f"ray-toolace-{job}-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
    deadline = time.monotonic() + agent_wait_s
    while True:
        try:
            client.submit_job(
                entrypoint=command,
                submission_id=submission_id,
                runtime_env=env,
                metadata={"job": job, "config": str(config or "")},
                entrypoint_num_cpus=driver_cpus,
                entrypoint_resources=driver_resources or None,
            )
            return client, submission_id
        except RuntimeError as e:
            # a cluster that has just started refuses jobs until its dashboard agent is up
            if "No available agent" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(2)


def follow(client, submission_id: str, out: TextIO = sys.stdout, poll_s: float = 0.5) -> str:
    """Stream the job's logs until it ends; returns its final status (SUCCEEDED, FAILED, STOPPED)."""

    async def tail() -> None:
        async for lines in client.tail_job_logs(submission_id):
            out.write(lines)
            out.flush()

    asyncio.run(tail())
    # the log stream can close a moment before the status turns final
    while (status := str(client.get_job_status(submission_id).value)) not in TERMINAL:
        time.sleep(poll_s)
    return status


def on_interrupt(client, submission_id: str, address: str, ask=input, interactive: bool | None = None,
                 err: TextIO = sys.stderr) -> bool:
    """Ctrl-C while following: ask whether to stop the job (on a terminal; elsewhere leave it
    running), stop it if so. Returns whether it was stopped."""
    interactive = sys.stdin.isatty() if interactive is None else interactive
    stopped = False
    if interactive:
        try:
            answer = ask(f"\nstop job {submission_id} on the cluster too? [y/N] ")
        except (EOFError, KeyboardInterrupt):
            answer = ""
        if answer.strip().lower() in ("y", "yes"):
            stopped = bool(client.stop_job(submission_id))
            print(f"stop requested for {submission_id}" if stopped else f"{submission_id} had already ended", file=err)
    if not stopped:
        # the job belongs to the cluster; leaving the log stream does not stop it, and a second
        # submit with the same run_dir is refused while this one holds the run directory's lease
        print(f"\nstill running; stop it with: ray job stop --address {address} {submission_id}", file=err)
    return stopped


# --- status: what a run directory holds --------------------------------------------------------


def _num(x: Any) -> str:
    return f"{x:.3f}" if isinstance(x, float) else str(x)


def _stage_lines(uri: str, m: dict[str, Any]) -> list[str]:
    done, total = len(m.get("done") or {}), m.get("n_shards", "?")
    head = f"{uri}: {m.get('status', '?')}, {done}/{total} shards"
    if m.get("resumed"):
        head += f", resumed {m['resumed']}x"
    lines = [head]
    s = m.get("summary") or {}
    if s:
        lines.append(
            f"  samples {s.get('samples', '?')} (answered {s.get('answered', '?')}, prompt too long "
            f"{s.get('prompt_too_long', 0)}, rejects {s.get('rejects', 0)})  mean pass rate "
            f"{_num(s.get('mean_pass_rate'))}  pass@k {_num(s.get('pass_at_k'))}  overall {_num(s.get('overall'))}"
        )
        for source, part in sorted((s.get("by_source") or {}).items()):
            line = f"  {source}: overall {_num(part.get('overall'))}"
            steps = (part.get("refinement") or {}).get("per_step") or []
            if steps:
                line += f" -> {_num(steps[-1].get('overall'))} after refinement"
            lines.append(line)
    return lines


def _run_lines(uri: str, r: dict[str, Any]) -> list[str]:
    head = f"{uri}: {r.get('status', '?')}"
    if r.get("stop_reason"):
        head += f" (stop: {r['stop_reason']})"
    if r.get("resumed"):
        head += f", resumed {r['resumed']}x"
    lines = [head]
    evals = r.get("evals") or {}
    for key in sorted(evals, key=lambda k: int(k) if str(k).isdigit() else 0):
        parts = []
        for source, m in sorted(((evals[key] or {}).get("metrics") or {}).items()):
            part = f"{source} {_num(m.get('overall'))}"
            if m.get("refined_overall") is not None:
                part += f" -> {_num(m['refined_overall'])}"
            parts.append(part)
        lines.append(f"  eval-{key}: {', '.join(parts) or 'no metrics yet'}")
    for rnd in r.get("rounds") or []:
        stages = []
        for name, st in (rnd.get("stages") or {}).items():
            text = f"{name} {st.get('status', '?')}"
            res = st.get("result") or {}
            if name == "probe" and "summary" in res:
                text += f" (mean pass rate {_num(res['summary'].get('mean_pass_rate'))})"
            elif name == "select" and "selected" in res:
                text += f" (selected {res['selected']}, new {res.get('new_selected', '?')}"
                if "change_share" in res:
                    text += f", {100 * res['change_share']:.0f}% of the pool moved"
                text += ")"
            elif name == "train" and "loss" in res:
                loss = res["loss"]
                text += f" (loss {_num(loss[-1] if isinstance(loss, list) and loss else loss)})"
            stages.append(text)
        lines.append(f"  round {rnd.get('round', '?')}: {', '.join(stages) or 'not started'}")
    return lines


def _subdirs(uri: str) -> list[str]:
    import pyarrow.fs as pafs

    from ray_toolace import storage

    fs, path = storage.filesystem(uri)
    infos = fs.get_file_info(pafs.FileSelector(path, allow_not_found=True))
    return sorted(storage.join(uri, i.base_name) for i in infos if i.type == pafs.FileType.Directory)


def describe_run(uri: str) -> str:
    """A few lines for the manifest in `uri`, or for each one directly below it (a run_dir that
    holds a probe's `train/` and an evaluation's `eval/`)."""
    from ray_toolace import storage  # pyarrow: only when a run is read, not for `--help`

    def lines(where: str) -> list[str]:
        if storage.exists(storage.join(where, "run.json")):
            return _run_lines(where, storage.read_json(storage.join(where, "run.json")))
        if storage.exists(storage.join(where, "manifest.json")):
            return _stage_lines(where, storage.read_json(storage.join(where, "manifest.json")))
        return []

    found = lines(uri) or [line for sub in _subdirs(uri) for line in lines(sub)]
    if not found:
        raise FileNotFoundError(f"no run.json or manifest.json in {uri} or the folders directly below it")
    return "\n".join(found)
