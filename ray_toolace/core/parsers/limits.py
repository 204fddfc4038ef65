"""Budgets on what reading one model answer may cost, shared by the answer parsers.

Answers come from models and from clients of the HTTP endpoint, so a parser must finish quickly
and in little memory on any input. Every budget below is far above what a real tool call needs;
past one, the parser refuses the answer with a parse error naming the budget, and it checks
before doing the work (an operation's result size is estimated from its operands before it is
computed), so nothing big is ever built.

Sizes are counted in units that approximate rendered text: a character of a string or bytes, a
decimal digit of an integer, two per float, four per complex, one for None or a bool, and one per
item of a list, tuple or dict on top of the items' own sizes.
"""

from __future__ import annotations

import math
import sys
from typing import Any

# The whole answer. A model answer is bounded by its context (max_model_len 4,096 tokens in the
# shipped configs, about 16,000 characters); ToolACE's turns are shorter. Three times that refuses
# nothing real.
MAX_ANSWER_CHARS = 50_000
# Characters scanned for brackets or handed to Python's parser over one parse. The lenient reader
# retries substrings of the answer (code fences, each "[name(" it finds), so an answer full of
# unclosed "[a(" would otherwise cost its length squared. A real answer is read in at most about
# three passes, so this is four answers' worth.
MAX_WORK_CHARS = 4 * MAX_ANSWER_CHARS
# Syntax nodes read over one parse (about one per literal, name, operator or item). A
# 4,096-token answer holds fewer than 10,000.
MAX_NODES = 50_000
# Nesting of a value (lists, dicts, calls, operators, each a level). Tool schemas nest a few
# levels; BFCL's answers at most 3. It also keeps the reader's recursion far from Python's limit.
MAX_DEPTH = 64
# Integers, in bits (309 decimal digits at most). Real arguments fit 64 bits. Staying under 640
# digits, the lowest `sys.set_int_max_str_digits` accepts, means rendering a value as text never
# raises ValueError whatever the process has set.
MAX_INT_BITS = 1024
# Floats must be finite: an inf or nan folded from overflow is no value a tool takes, and JSON
# cannot carry it.
MAX_FLOAT_ABS = sys.float_info.max
# Length of one string or bytes value: no longer than an answer we would read at all.
MAX_STR_LEN = MAX_ANSWER_CHARS
# Items of one list, tuple or dict. Real calls pass tens, occasionally hundreds.
MAX_ITEMS = 10_000
# Size of one value with everything inside it, so that sharing cannot hide growth:
# `[[0] * 1000] * 1000` is a small object but renders as a million items.
MAX_VALUE_SIZE = 2 * MAX_ANSWER_CHARS
# Size of all values made over one parse, folded intermediate results included: many arguments
# each just under MAX_VALUE_SIZE must not add up to gigabytes.
MAX_TOTAL_SIZE = 10 * MAX_ANSWER_CHARS

# The most decimal digits an integer within MAX_INT_BITS can have (309): longer digit strings are
# refused before converting them (that conversion is quadratic in the digits).
MAX_INT_DIGITS = len(str(2**MAX_INT_BITS))


class BudgetExceeded(ValueError):
    """An answer needs more than one of the budgets above; the message names the budget."""


def int_size(n: int) -> int:
    """At least the decimal digits of `n`, from its bit length (78/256 > log10 2), without rendering it."""
    return n.bit_length() * 78 // 256 + 1


def check_int(n: int) -> int:
    if n.bit_length() > MAX_INT_BITS:
        raise BudgetExceeded(f"integer of {n.bit_length()} bits exceeds MAX_INT_BITS={MAX_INT_BITS}")
    return int_size(n)


def check_int_bits(bits: float, what: str) -> None:
    """Refuse an operation whose result would have about `bits` bits, before computing it."""
    if bits > MAX_INT_BITS:
        raise BudgetExceeded(f"the result of {what} would exceed MAX_INT_BITS={MAX_INT_BITS}")


def check_float(x: float) -> int:
    if not math.isfinite(x):
        raise BudgetExceeded(f"float {x} is out of range (finite, |x| <= MAX_FLOAT_ABS={MAX_FLOAT_ABS:.4g})")
    return 2


def check_length(kind: str, n: int) -> None:
    """Refuse a str/bytes of more than MAX_STR_LEN characters, a container of more than MAX_ITEMS."""
    if kind in ("str", "bytes"):
        if n > MAX_STR_LEN:
            raise BudgetExceeded(f"{kind} of length {n} exceeds MAX_STR_LEN={MAX_STR_LEN}")
    elif n > MAX_ITEMS:
        raise BudgetExceeded(f"{kind} of {n} items exceeds MAX_ITEMS={MAX_ITEMS}")


def check_value_size(size: int) -> int:
    if size > MAX_VALUE_SIZE:
        raise BudgetExceeded(f"value of size {size} exceeds MAX_VALUE_SIZE={MAX_VALUE_SIZE}")
    return size


def check_answer_length(text: str) -> None:
    if len(text) > MAX_ANSWER_CHARS:
        raise BudgetExceeded(f"answer of {len(text)} characters exceeds MAX_ANSWER_CHARS={MAX_ANSWER_CHARS}")


class Budget:
    """What one parse has spent so far: work characters, syntax nodes, total size of values."""

    def __init__(self) -> None:
        self.work = 0
        self.nodes = 0
        self.size = 0

    def spend_work(self, chars: int) -> None:
        self.work += chars
        if self.work > MAX_WORK_CHARS:
            raise BudgetExceeded(f"reading the answer needs over MAX_WORK_CHARS={MAX_WORK_CHARS} characters of work")

    def visit(self, depth: int) -> None:
        """Count one syntax node (or decoded JSON value) at nesting `depth`."""
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise BudgetExceeded(f"answer has over MAX_NODES={MAX_NODES} syntax nodes")
        if depth > MAX_DEPTH:
            raise BudgetExceeded(f"value nested deeper than MAX_DEPTH={MAX_DEPTH}")

    def produce(self, size: int) -> int:
        """Count a value of `size` made by the parse; returns `size`."""
        self.size += size
        if self.size > MAX_TOTAL_SIZE:
            raise BudgetExceeded(f"values read from the answer exceed MAX_TOTAL_SIZE={MAX_TOTAL_SIZE} in all")
        return size


def scalar_size(value: Any) -> int:
    """The size of a value that holds nothing else, checked against its own budget."""
    if value is None or isinstance(value, bool):
        return 1
    if isinstance(value, int):
        return check_int(value)
    if isinstance(value, float):
        return check_float(value)
    if isinstance(value, complex):
        return check_float(value.real) + check_float(value.imag)
    if isinstance(value, (str, bytes)):
        check_length(type(value).__name__, len(value))
        return len(value)
    raise TypeError(f"not a scalar: {type(value).__name__}")


def check_decoded(value: Any, budget: Budget) -> None:
    """Check a decoded JSON value against the budgets, iteratively (its depth is untrusted)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        budget.visit(depth)
        if isinstance(item, dict):
            check_length("dict", len(item))
            budget.produce(1 + len(item))
            for k, v in item.items():
                stack.append((k, depth + 1))
                stack.append((v, depth + 1))
        elif isinstance(item, list):
            check_length("list", len(item))
            budget.produce(1 + len(item))
            stack.extend((v, depth + 1) for v in item)
        else:
            budget.produce(scalar_size(item))
