"""Command-line arguments every job takes: --config FILE and dotted overrides."""

import argparse
import logging
import sys

from ray_toolace.config import Config, ConfigError, load_config


def parse(description: str, argv=None) -> Config:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--config", default=None, help="a YAML config (see configs/)")
    parser.add_argument("overrides", nargs="*", help="dotted overrides, e.g. sampling.k=8 run_dir=s3://bucket/run")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        return load_config(args.config, args.overrides)
    except ConfigError as e:
        print(e, file=sys.stderr)
        sys.exit(2)
