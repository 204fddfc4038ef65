"""The main job on the embedded default model and data (what `make demo` runs).

    python jobs/demo.py --config configs/demo.yaml [data.limit=64 ...]
"""

from _args import parse

from ray_toolace.pipeline import run_demo

if __name__ == "__main__":
    run_demo(parse(__doc__.splitlines()[0]))
