"""`ray-toolace`: the command line.

    ray-toolace check --input outputs.jsonl          check model outputs like BFCL's AST checker
    ray-toolace data generate --n 3300 --seed 0 --out FILE [--heldout 300: --out is a directory]
    ray-toolace data stats FILE [--tokenizer PATH]   counts by category, tools, prompt tokens, rejects
    ray-toolace model prepare                        convert the default model once, print its folder
    ray-toolace submit JOB --address URL --config FILE [a.b=v ...]   run a job on a Ray cluster, follow it
    ray-toolace status RUN_DIR                       summarise a run's manifests (local or s3://)
    ray-toolace cluster up|env|down                  a local Ray cluster on loopback; env: what a shell exports
    ray-toolace bfcl generate --model ID --categories C[,C]   BFCL's own handler against $OPENAI_BASE_URL
    ray-toolace bfcl evaluate [bfcl evaluate's options]      BFCL's own scorer on those results

Each subcommand imports what it needs when it runs, so `ray-toolace check` starts in well under
a second (no torch, Ray or vLLM).
"""

from __future__ import annotations

import argparse
import os
import sys


def _check(args: argparse.Namespace) -> int:
    from ray_toolace.core.check_file import check_lines, summary

    stream = sys.stdin if args.input == "-" else open(args.input, encoding="utf-8")
    with stream:
        stats = check_lines(stream, sys.stdout, sys.stderr, fmt=args.format, strict=not args.lenient)
    sys.stdout.flush()
    print(summary(stats), file=sys.stderr)
    return 2 if stats.bad_lines else 0


def _data_generate(args: argparse.Namespace) -> int:
    from ray_toolace.core.formats import write_jsonl
    from ray_toolace.data.generator import generate, write_bundled

    if args.heldout:
        paths = write_bundled(args.out, n=args.n, seed=args.seed, heldout=args.heldout)
        print(f"wrote {', '.join(str(p) for p in paths.values())}", file=sys.stderr)
        return 0
    n = write_jsonl(generate(args.n, args.seed), args.out, fmt=args.format)
    print(f"wrote {n} samples to {args.out}", file=sys.stderr)
    return 0


def _data_stats(args: argparse.Namespace) -> int:
    from ray_toolace.data.stats import file_stats

    print(file_stats(args.file, tokenizer=args.tokenizer, fmt=args.format))
    return 0


def _model_prepare(args: argparse.Namespace) -> int:
    from ray_toolace.model.prepare import prepare_default_model

    print(prepare_default_model(cache_dir=args.cache_dir, force=args.force))
    return 0


def _submit(args: argparse.Namespace) -> int:
    from ray_toolace.config import ConfigError
    from ray_toolace.submit import SubmitError, follow, on_interrupt, submit

    address = args.address or os.environ.get("RAY_API_SERVER_ADDRESS") or os.environ.get("RAY_ADDRESS")
    if not address:
        print("ray-toolace submit: give --address http://HEAD:8265 (or set RAY_API_SERVER_ADDRESS)", file=sys.stderr)
        return 2
    resources = {}
    for item in args.driver_resource:
        name, _, amount = item.partition("=")
        try:
            resources[name] = float(amount)
        except ValueError:
            print(f"ray-toolace submit: --driver-resource {item!r} is not NAME=AMOUNT", file=sys.stderr)
            return 2
    try:
        client, submission_id = submit(
            address, args.job, args.config, args.overrides, env_names=tuple(args.env), force_env=args.force_env,
            driver_cpus=args.driver_cpus, driver_resources=resources,
        )
    except (SubmitError, ConfigError) as e:
        print(f"ray-toolace submit: {e}", file=sys.stderr)
        return 2
    except Exception as e:
        from ray_toolace.local_cluster import auth_hint, is_auth_error

        if is_auth_error(e):  # Ray's AuthenticationError: say what to set, not a traceback
            print(f"ray-toolace submit: {address}: {auth_hint(e)}", file=sys.stderr)
            return 1
        if isinstance(e, (ConnectionError, RuntimeError)):  # the cluster is unreachable or refused the job
            print(f"ray-toolace submit: {address}: {e}", file=sys.stderr)
            return 1
        raise
    print(f"submitted {submission_id} to {address}", file=sys.stderr)
    print(submission_id)
    if args.no_follow:
        return 0
    sys.stdout.flush()
    try:
        status = follow(client, submission_id)
    except KeyboardInterrupt:
        on_interrupt(client, submission_id, address)
        return 130
    info = client.get_job_info(submission_id)
    print(f"job {submission_id} {status}" + (f": {info.message}" if status != "SUCCEEDED" and info.message else ""), file=sys.stderr)
    return 0 if status == "SUCCEEDED" else 1


def _status(args: argparse.Namespace) -> int:
    from ray_toolace.submit import describe_run

    print(describe_run(args.run_dir))
    return 0


def _cluster(args: argparse.Namespace) -> int:
    from ray_toolace import local_cluster as lc

    directory = lc.state_dir(args.state_dir)
    if args.action == "up":
        try:
            state = lc.up(directory, num_cpus=args.num_cpus, runs_root=args.runs_root)
        except lc.ClusterError as e:
            print(f"ray-toolace cluster up: {e}", file=sys.stderr)
            return 1
        word = "already running" if state.get("already_running") else "started"
        print(f"local Ray cluster {word}: GCS {state['gcs_address']}, dashboard {state['dashboard_url']}, "
              f"token in {state['token_path']}", file=sys.stderr)
        print('every shell that submits to it needs this environment: eval "$(ray-toolace cluster env)" '
              "(stop it: ray-toolace cluster down)", file=sys.stderr)
        print(lc.export_lines(lc.shell_env(state)))
        return 0
    state = lc.read_state(directory)
    if args.action == "env":
        if state is None:
            print("ray-toolace cluster env: no local cluster recorded; start one with: ray-toolace cluster up", file=sys.stderr)
            return 1
        print(lc.export_lines(lc.shell_env(state)))
        return 0
    stopped = lc.down(directory)
    print(f"stopped the local Ray cluster at {stopped['gcs_address']}" if stopped else "no local cluster recorded",
          file=sys.stderr)
    return 0


def _bfcl(args: argparse.Namespace) -> int:
    from ray_toolace import bfcl_harness as bh

    root = bh.project_root(args.root)
    if args.bfcl_command == "evaluate":
        return bh.evaluate(["evaluate", *args.bfcl_args], root)
    if args.bfcl_args:
        print(f"ray-toolace: unrecognized arguments: {' '.join(args.bfcl_args)}", file=sys.stderr)
        return 2
    if not os.environ.get("OPENAI_BASE_URL"):
        print("ray-toolace: set OPENAI_BASE_URL to the endpoint's /v1 (e.g. http://127.0.0.1:8000/v1)", file=sys.stderr)
        return 2
    files = bh.generate(args.model, [c.strip() for c in args.categories.split(",") if c.strip()], root,
                        limit=args.limit, registry_name=args.registry_name, overwrite=args.overwrite,
                        say=lambda line: print(line, file=sys.stderr, flush=True))
    # the paths bfcl's own writer filled, rather than this command's guess at its folder naming
    print(f"results for `ray-toolace bfcl evaluate --model {args.registry_name}`: "
          f"{', '.join(str(p) for p in files.values()) or 'none'}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ray-toolace", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check", help="check model outputs against golds, BFCL-style")
    p.add_argument("--input", required=True, help="JSON lines {id, category, functions, ground_truth, output}; - for stdin")
    p.add_argument("--format", default="pythonic", choices=["pythonic", "json"], help="answer format of 'output'")
    p.add_argument("--lenient", action="store_true", help="also find calls inside surrounding text (BFCL does not)")
    p.set_defaults(func=_check)

    data = sub.add_parser("data", help="training and evaluation data").add_subparsers(dest="data_command", required=True)
    p = data.add_parser("generate", help="write generated ToolACE-style samples")
    p.add_argument("--n", type=int, default=3300)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, help="a file; with --heldout, a directory for train.jsonl and heldout.jsonl")
    p.add_argument("--heldout", type=int, default=0, help="also split off this many held-out samples (stratified)")
    p.add_argument("--format", default="openai", choices=["openai", "toolace", "sample"])
    p.set_defaults(func=_data_generate)
    p = data.add_parser("stats", help="counts by category, tools per sample, prompt tokens, rejects")
    p.add_argument("file", help="a JSON-lines file, or bfcl:<category>[,<category>...] / bfcl:all")
    p.add_argument("--tokenizer", default=None, help="a model folder or name whose tokenizer counts tokens")
    p.add_argument("--format", default="pythonic", choices=["pythonic", "json"], help="prompt format to count")
    p.set_defaults(func=_data_stats)

    model = sub.add_parser("model", help="models").add_subparsers(dest="model_command", required=True)
    p = model.add_parser("prepare", help="convert the default model (SmolLM2-135M-Instruct) once")
    p.add_argument("--cache-dir", default=None)
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=_model_prepare)

    from ray_toolace.submit import JOBS  # names only: the module imports Ray when a job is submitted

    p = sub.add_parser("submit", help="run a job on a Ray cluster (Jobs API) and follow its logs")
    p.add_argument("job", choices=list(JOBS), help="eval = probe on the evaluation sets, greedy, with refinement")
    p.add_argument("--address", default=None, help="the cluster's dashboard, e.g. http://127.0.0.1:8265")
    p.add_argument("--config", default=None, help="a config inside the project (it travels with the job)")
    p.add_argument("overrides", nargs="*", help="dotted overrides, e.g. sampling.k=8 run_dir=s3://bucket/run")
    p.add_argument("--no-follow", action="store_true", help="print the submission id and return")
    p.add_argument("--env", action="append", default=[], metavar="NAME", help="pass this environment variable to the job (repeatable; credential-looking names are refused)")
    p.add_argument("--force-env", action="store_true", help="pass credential-looking --env names anyway (Ray logs a job's runtime env)")
    p.add_argument("--driver-cpus", type=float, default=None, help="CPUs reserved for the driver (default: none, driver on the head)")
    p.add_argument("--driver-resource", action="append", default=[], metavar="NAME=AMOUNT", help="a resource reserved for the driver (repeatable)")
    p.set_defaults(func=_submit)

    p = sub.add_parser("cluster", help="a local Ray cluster on loopback with token auth: up, env, down")
    p.add_argument("action", choices=["up", "env", "down"], help="env prints the exports a new shell needs")
    p.add_argument("--num-cpus", type=int, default=None, help="CPUs the cluster offers (default: all)")
    p.add_argument("--runs-root", default=None, help="where relative run_dirs land (default: this folder)")
    p.add_argument("--state-dir", default=None, help="where its address and token are kept (default: "
                   "$RAY_TOOLACE_CLUSTER_DIR, else <cache>/cluster)")
    p.set_defaults(func=_cluster)

    bfcl = sub.add_parser("bfcl", help="BFCL's own harness against the endpoint, and its own scorer")
    bfcl = bfcl.add_subparsers(dest="bfcl_command", required=True)
    p = bfcl.add_parser("generate", help="answer BFCL entries through $OPENAI_BASE_URL with bfcl-eval's FC handler")
    p.add_argument("--model", required=True, help="the served model id (GET /v1/models), e.g. smollm2-135m:round-1")
    p.add_argument("--categories", default="simple_python,multi_turn_base", help="BFCL categories or groups, comma-separated")
    p.add_argument("--limit", type=int, default=None, help="the first N entries of each category (default: all)")
    p.add_argument("--registry-name", default="ray-toolace-FC", help="the result folder, the name to evaluate")
    p.add_argument("--overwrite", action="store_true", help="answer entries already filed again")
    p.add_argument("--root", default=None, help="results and scores (default: $BFCL_PROJECT_ROOT, else ./bfcl)")
    p.set_defaults(func=_bfcl, bfcl_args=[])
    p = bfcl.add_parser("evaluate", add_help=False, help="bfcl evaluate, with the endpoint's name registered")
    p.add_argument("--root", default=None, help="results and scores (default: $BFCL_PROJECT_ROOT, else ./bfcl)")
    p.set_defaults(func=_bfcl, bfcl_args=[], passthrough=True)

    p = sub.add_parser("status", help="summarise a run's manifests: probe/eval outputs, iterate rounds")
    p.add_argument("run_dir", help="a run directory or stage output, local or s3://")
    p.set_defaults(func=_status)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    # argparse takes `submit`'s dotted overrides only right after the job name; they may also
    # follow the options (`submit probe --config F sampling.k=8`)
    if extra and getattr(args, "overrides", None) is not None and not any(e.startswith("-") for e in extra):
        args.overrides += extra
    elif getattr(args, "passthrough", False):  # `bfcl evaluate`: the rest is bfcl's
        args.bfcl_args = extra
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return args.func(args)
    except FileNotFoundError as e:
        print(f"ray-toolace: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
