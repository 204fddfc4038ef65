"""Command-line arguments every job takes: --config FILE and dotted overrides.

`parse` also makes the console quiet (ray_toolace/logs.py: progress and results on the console,
Ray's and vLLM's own logs under `<run_dir>/logs/`) and connects to Ray, so that workers' output
is routed from the start; `ray_address` None starts or joins Ray as `ray.init()` does
(RAY_ADDRESS, else a local instance).
"""

import argparse
import sys

from ray_toolace.config import Config, ConfigError, load_config
from ray_toolace.logs import connect_ray, setup


def parse(description: str, argv=None, ray_address: str | None = None) -> Config:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--config", default=None, help="a YAML config (see configs/)")
    parser.add_argument("overrides", nargs="*", help="dotted overrides, e.g. sampling.k=8 run_dir=s3://bucket/run")
    args = parser.parse_args(argv)
    try:
        cfg = load_config(args.config, args.overrides)
    except ConfigError as e:
        print(e, file=sys.stderr)
        sys.exit(2)
    setup(cfg.run_dir)
    connect_ray(ray_address)
    return cfg
