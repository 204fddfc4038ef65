"""The pure core imports no heavy framework: checked in a fresh interpreter."""

import pkgutil
import subprocess
import sys

import ray_toolace.core

HEAVY = ("ray", "torch", "vllm", "transformers", "peft", "numpy", "pyarrow")


def test_core_imports_nothing_heavy():
    modules = [m.name for m in pkgutil.walk_packages(ray_toolace.core.__path__, "ray_toolace.core.")]
    assert len(modules) >= 10
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"print(','.join(h for h in {HEAVY!r} if h in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"heavy modules loaded by the core: {out.stdout}"
