"""Build a tiny random Llama model with its own tokenizer, for tests that need a real folder.

The folder is an ordinary Hugging Face one (config.json, model.safetensors, tokenizer.json with
a ChatML chat template that renders `tools` and assistant `tool_calls`, generation_config.json),
so transformers, peft, vLLM and Ray Train load it exactly as they load a real model, in a
fraction of the time. It is built offline in about a second::

    from ray_toolace.model import build_tiny_model
    path = build_tiny_model(tmp_path / "tiny", seed=0)

The tokenizer is a byte-level BPE trained with `tokenizers` on a small built-in corpus of prose,
JSON, brackets and call-like text, so tool-call text encodes to a sensible number of tokens.
A Llama config is used because transformers then loads the custom tokenizer as it was saved
(with a Qwen2 config it rebuilds it as Qwen2Tokenizer and changes the encoding).
"""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path

# Same ids as SmolLM2 for the first three, so code that special-cases ids behaves alike.
SPECIAL_TOKENS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|pad|>")

# vLLM's CPU attention kernels exist only for these head sizes.
VLLM_CPU_HEAD_DIMS = (32, 64, 80, 96, 112, 128, 160, 192, 224, 256, 512)

# ChatML. With `tools`, the schemas go into the system turn (after any system message) with the
# instruction to answer in <tool_call> JSON; assistant `tool_calls` render in that same format,
# accepting OpenAI's {"function": {"name", "arguments"}} with arguments as dict or JSON string.
CHAT_TEMPLATE = """\
{%- if messages and messages[0].role == 'system' -%}
{%- set system = messages[0].content -%}{%- set turns = messages[1:] -%}
{%- else -%}
{%- set system = none -%}{%- set turns = messages -%}
{%- endif -%}
{%- if tools -%}
{{- '<|im_start|>system\\n' -}}
{%- if system -%}{{- system + '\\n\\n' -}}{%- endif -%}
{{- 'You can call these functions:\\n<tools>\\n' -}}
{%- for tool in tools -%}
{{- (tool.function if tool.function is defined else tool) | tojson -}}{{- '\\n' -}}
{%- endfor -%}
{{- '</tools>\\nFor each call, reply with <tool_call>{"name": <name>, "arguments": <object>}</tool_call>.<|im_end|>\\n' -}}
{%- elif system is not none -%}
{{- '<|im_start|>system\\n' + system + '<|im_end|>\\n' -}}
{%- endif -%}
{%- for message in turns -%}
{{- '<|im_start|>' + message.role + '\\n' -}}
{%- if message.content -%}{{- message.content -}}{%- endif -%}
{%- for call in message.tool_calls or [] -%}
{%- set fn = call.function if call.function is defined else call -%}
{%- if not loop.first or message.content -%}{{- '\\n' -}}{%- endif -%}
{{- '<tool_call>{"name": ' + (fn.name | tojson) + ', "arguments": ' -}}
{%- if fn.arguments is string -%}{{- fn.arguments -}}{%- else -%}{{- fn.arguments | tojson -}}{%- endif -%}
{{- '}</tool_call>' -}}
{%- endfor -%}
{{- '<|im_end|>\\n' -}}
{%- endfor -%}
{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}
"""


def build_tiny_model(
    out_dir: str | os.PathLike[str],
    seed: int = 0,
    vocab_size: int = 2048,
    hidden_size: int = 64,
    num_layers: int = 2,
    num_heads: int = 2,
    num_kv_heads: int = 1,
    max_position_embeddings: int = 4096,
    initializer_range: float = 0.3,
) -> Path:
    """Write a random Llama model plus tokenizer into `out_dir` and return its path.

    Same seed, same bytes. `vocab_size` is the BPE target; the model's vocabulary is the size
    the tokenizer actually reached, so it can never emit an id the tokenizer cannot decode.
    The defaults give head_dim 32 (the smallest vLLM's CPU attention runs) and grouped-query
    attention like SmolLM2's.
    """
    if hidden_size % num_heads or num_heads % num_kv_heads:
        raise ValueError("hidden_size must divide by num_heads, and num_heads by num_kv_heads")
    head_dim = hidden_size // num_heads
    if head_dim not in VLLM_CPU_HEAD_DIMS:
        raise ValueError(f"head_dim {head_dim} is not one vLLM's CPU attention supports: {VLLM_CPU_HEAD_DIMS}")

    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    backend = train_tokenizer(vocab_size)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        unk_token="<|endoftext|>",
        bos_token="<|im_start|>",
        eos_token="<|im_end|>",
        pad_token="<|pad|>",
        model_max_length=max_position_embeddings,
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(out)

    ids = {token: backend.token_to_id(token) for token in SPECIAL_TOKENS}
    config = LlamaConfig(
        vocab_size=backend.get_vocab_size(),
        hidden_size=hidden_size,
        intermediate_size=4 * hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        num_key_value_heads=num_kv_heads,
        head_dim=head_dim,
        max_position_embeddings=max_position_embeddings,
        rope_theta=10000.0,
        # 0.3 by default, wider than the usual 0.02: at 0.02 the tied embeddings dominate and greedy
        # decoding just repeats the last prompt token; at 0.3 outputs vary, so tests can tell engines
        # and adapters apart (large models want 0.02). Tied like SmolLM2's, so training code meets
        # the same weight sharing.
        initializer_range=initializer_range,
        tie_word_embeddings=True,
        bos_token_id=ids["<|im_start|>"],
        eos_token_id=ids["<|im_end|>"],
        pad_token_id=ids["<|pad|>"],
        dtype="float32",
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.save_pretrained(out)
    GenerationConfig(
        bos_token_id=config.bos_token_id, eos_token_id=config.eos_token_id, pad_token_id=config.pad_token_id
    ).save_pretrained(out)
    return out


def train_tokenizer(vocab_size: int = 2048):
    """A byte-level BPE `tokenizers.Tokenizer` trained on `tiny_corpus()`; deterministic."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        # Every byte gets a token, so any text (any language, any emoji) still encodes.
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(tiny_corpus(), trainer=trainer)
    return tokenizer


_TOOLS = {
    "get_weather": {"city": ["Paris", "Tokyo", "New York", "Berlin"], "unit": ["celsius", "fahrenheit"]},
    "search_web": {"query": ["latest news", "python tutorial", "best pizza"], "max_results": [3, 5, 10]},
    "calculate_area": {"shape": ["circle", "square", "triangle"], "radius": [1.5, 2, 10]},
    "book_flight": {"origin": ["SFO", "JFK", "LHR"], "destination": ["NRT", "CDG"], "passengers": [1, 2]},
    "send_email": {"to": ["alice@example.com", "bob@example.org"], "subject": ["Hello", "Meeting"]},
    "convert_currency": {"amount": [100, 250.75], "from_currency": ["USD", "EUR"], "to_currency": ["JPY", "GBP"]},
    "get_stock_price": {"symbol": ["AAPL", "GOOG", "MSFT"], "date": ["2024-01-15", "2023-12-31"]},
    "translate_text": {"text": ["good morning", "thank you"], "target_language": ["fr", "de", "es"]},
}

_PROSE = [
    "The quick brown fox jumps over the lazy dog.",
    "What is the weather like in Paris today?",
    "Please find the area of a circle with radius 5.",
    "I need to book a flight for two people next week.",
    "Sure! Here is the information you asked for.",
    "I'm sorry, I cannot help with that request.",
    "You are a helpful assistant that can call functions.",
    "The function returned an error; let me try again with different arguments.",
    "Numbers like 0 1 2 3 4 5 6 7 8 9 10 42 100 3.14 -7 and 1e-3 appear in arguments.",
    "Translate the following sentence into French, German and Spanish.",
    "Convert 100 US dollars to Japanese yen at today's rate.",
    "None of the available tools can answer this question.",
]


# Enough distinct words that the BPE reaches a vocabulary of a few thousand merges.
_WORDS = """
the a an and or but if then else when where what which who whom whose why how all any some no
not only also very more most less least many much few each every other another such same own
I you he she it we they me him her us them my your his its our their this that these those here
there now today tomorrow yesterday week month year day night morning evening hour minute second
be is are was were been being have has had do does did will would shall should can could may
might must get got make made take took give gave find found call called send sent book booked
check show tell ask asked answer reply return returns search look open close start stop run
list add remove update delete create set read write save load convert translate calculate
compute count sum total average price cost rate amount number value name type date time city
country place address location weather temperature forecast rain snow wind sunny cloudy flight
hotel room ticket train bus car trip travel airport station restaurant food pizza coffee tea
water music song movie book author title news article page website email message phone user
customer order product item store shop cart payment card account balance bank money dollar euro
yen pound stock market share company report data file folder image video document record table
function tool parameter argument property required optional default string integer boolean
object array null true false error result status code request response input output format
json python query limit offset page size unit metric imperial celsius fahrenheit kilometer mile
meter second first last next previous new old big small large high low long short fast slow
good bad best better great please thank thanks sorry hello hi yes okay sure help assistant
question problem solution information details available unavailable possible impossible
Paris London Tokyo Berlin Madrid Rome Sydney Toronto Chicago Boston Seattle Denver Mumbai Cairo
Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April June July
August September October November December spring summer autumn winter north south east west
""".split()


def tiny_corpus() -> list[str]:
    """Deterministic training text: prose, JSON schemas, JSON and pythonic calls, ChatML turns."""
    rng = random.Random(1234)  # fixed: the tokenizer must not depend on the model seed
    lines = list(_PROSE)
    for _ in range(400):
        words = rng.sample(_WORDS, rng.randint(6, 14))
        lines.append(" ".join(words).capitalize() + rng.choice([".", "?", "!", ","]))
        lines.append("_".join(words[:3]) + " " + "".join(w.capitalize() for w in words[3:6]))
    for name, params in _TOOLS.items():
        schema = {
            "name": name,
            "description": f"{name.replace('_', ' ').capitalize()} for the given arguments.",
            "parameters": {
                "type": "object",
                "properties": {p: {"type": _json_type(v[0]), "description": f"The {p}."} for p, v in params.items()},
                "required": list(params)[:1],
            },
        }
        lines.append(json.dumps(schema))
        lines.append(json.dumps({"type": "function", "function": schema}, indent=2))
        for values in itertools.islice(itertools.product(*params.values()), 12):
            arguments = dict(zip(params, values))
            pythonic = ", ".join(f"{k}={v!r}" for k, v in arguments.items())
            call = json.dumps({"name": name, "arguments": arguments})
            lines.append(f"<tool_call>{call}</tool_call>")
            lines.append(f"[{name}({pythonic})]")
            lines.append(f"{name}({pythonic})")
            lines.append(f'<|im_start|>assistant\n<tool_call>{call}</tool_call><|im_end|>')
            lines.append(f"<|im_start|>tool\n{json.dumps({'result': rng.randint(0, 999), 'ok': True})}<|im_end|>")
    for _ in range(200):
        a, b = rng.sample(sorted(_TOOLS), 2)
        lines.append(f"[{a}({rng.choice(list(_TOOLS[a]))}={rng.randint(0, 99)}), {b}()]")
        lines.append(f"<|im_start|>user\n{rng.choice(_PROSE)}<|im_end|>\n<|im_start|>assistant\n")
    return lines


def _json_type(value: object) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string"}[type(value)]
