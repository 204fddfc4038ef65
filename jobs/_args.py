"""Command-line arguments every job takes: --config FILE and dotted overrides.

`parse` also makes the console quiet (ray_toolace/logs.py: progress and results on the console,
Ray's and vLLM's own logs under `<run_dir>/logs/`) and connects to Ray, so that workers' output
is routed from the start; `ray_address` None starts or joins Ray as `ray.init()` does
(RAY_ADDRESS, else a local instance). A relative run_dir is resolved once here
(core/run_location.py; `keeps_outputs=False` for a job that writes only its logs there). A
cluster that refuses this shell's credentials (Ray's token authentication) ends the job with what to set (local_cluster.auth_hint), not a traceback.
"""

import argparse
import os
import sys

from ray_toolace.config import Config, ConfigError, load_config
from ray_toolace.core.run_location import RUNS_ROOT_ENV, RunDirError, resolve_run_dir
from ray_toolace.local_cluster import auth_hint, is_auth_error
from ray_toolace.logs import connect_ray, console_error, setup


def parse(description: str, argv=None, ray_address: str | None = None, keeps_outputs: bool = True) -> Config:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--config", default=None, help="a YAML config (see configs/)")
    parser.add_argument("overrides", nargs="*", help="dotted overrides, e.g. sampling.k=8 run_dir=s3://bucket/run")
    args = parser.parse_args(argv)
    try:
        cfg = load_config(args.config, args.overrides)
        # a relative run_dir inside Ray's per-upload code copy is placed below a stable root, or refused
        cfg.run_dir = resolve_run_dir(cfg.run_dir, os.getcwd(), cfg.runs_root or os.environ.get(RUNS_ROOT_ENV), keeps_outputs)
    except (ConfigError, RunDirError) as e:
        print(e, file=sys.stderr)
        sys.exit(2)
    setup(cfg.run_dir)
    try:
        connect_ray(ray_address)
    except Exception as e:
        if not is_auth_error(e):
            raise
        # Ray's own error is a traceback that names neither the cluster nor what to export
        console_error(f"cannot connect to the Ray cluster at {os.environ.get('RAY_ADDRESS') or ray_address}: {auth_hint(e)}")
        sys.exit(2)
    return cfg
