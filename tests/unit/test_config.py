"""The typed config: YAML, dotted overrides, and errors that name the field."""

from pathlib import Path

import pytest

from ray_toolace.config import Config, ConfigError, dump_config, load_config

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_and_overrides(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("sampling:\n  k: 8\nmodel:\n  name_or_path: /m\n")
    cfg = load_config(path, ["sampling.temperature=0.5", "train.lr=2e-5", "data.train=[a.jsonl, b.jsonl]", "select.too_hard=defer"])
    assert cfg.sampling.k == 8 and cfg.sampling.temperature == 0.5 and cfg.model.name_or_path == "/m"
    assert cfg.train.lr == 2e-5 and cfg.data.train == ["a.jsonl", "b.jsonl"] and cfg.select.too_hard == "defer"
    assert load_config(None, []) == Config()
    assert load_config(None, [f"{k}" for k in []]).run_dir == "runs/default"
    assert "sampling:" in dump_config(cfg)


@pytest.mark.parametrize(
    "override,field",
    [
        ("sampling.k=0", "sampling.k"),
        ("sampling.kk=3", "sampling.kk"),
        ("select.too_hard=maybe", "select.too_hard"),
        ("train.lr=fast", "train.lr"),
        ("select.lo=0.9,select.hi=0.5", "select.lo"),
    ],
)
def test_bad_values_name_the_field(override, field):
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        load_config(None, override.split(","))


def test_bad_files_and_overrides(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("sampling: [1, 2\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="key.path=value"):
        load_config(None, ["sampling.k"])


def test_every_shipped_config_loads():
    configs = sorted((ROOT / "configs").glob("*.yaml"))
    assert configs, "no configs shipped"
    for path in configs:
        head = path.read_text().splitlines()[0]
        assert head.startswith("#") and ("python" in head or "ray" in head or "make" in head), f"{path.name}: header must name its command"
        load_config(path)


def test_k_above_one_needs_sampling():
    with pytest.raises(ConfigError, match="sampling.k > 1 needs"):
        load_config(None, ["sampling.k=4", "sampling.temperature=0"])


def test_engines_run_eager_on_cpu_and_compiled_on_gpu_unless_told():
    from ray_toolace.engine.vllm_engine import engine_kwargs

    def eager(overrides: list[str], use_gpu: bool) -> bool:
        cfg = load_config(None, ["model.dtype=float32", *overrides])
        return engine_kwargs("/m", cfg.model, cfg.engine, None, use_gpu)["enforce_eager"]

    assert eager([], use_gpu=False) is True
    assert eager([], use_gpu=True) is False
    assert eager(["engine.enforce_eager=false"], use_gpu=False) is False
    assert eager(["engine.enforce_eager=true"], use_gpu=True) is True
