"""The pythonic call list: `[f(a=1), mod.g(b="x", c=[1, {"k": None}])]`.

Two modes:
- strict: exactly what BFCL's prompting decoder accepts (strip backticks/newlines/spaces at the
  ends, add missing outer brackets, then Python's own parser). Evaluation uses this, so that
  scores are comparable with BFCL's.
- lenient: also finds the list inside surrounding text or a code fence, and reads function
  names that Python cannot (ToolACE's `Market Trends API(...)`: spaces, hyphens). Reading
  data and serving use this.

Values are read from Python's AST, never evaluated: names become their text (BFCL treats a bare
name as a string variable), calls without keywords become their source text, calls with keywords
become nested `{name: {arg: value}}`, and arithmetic on literal numbers is folded.

Everything stays within the budgets of `ray_toolace.core.parsers.limits`: answers are read from
models and from HTTP requests, and one fold such as `9 ** 9 ** 9` or `"x" * 10 ** 10` would
otherwise stall the process. Each operation that can grow (`**`, `*`, `<<`, `+` and `|` on
sequences and dicts, `%` formatting) has its result's size estimated from its operands before
it is computed; the others cannot outgrow their operands and are checked after.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from typing import Any

from ray_toolace.core.parsers.base import Parsed
from ray_toolace.core.parsers.limits import (
    MAX_INT_BITS,
    MAX_STR_LEN,
    Budget,
    BudgetExceeded,
    check_answer_length,
    check_int_bits,
    check_length,
    check_value_size,
    scalar_size,
)
from ray_toolace.core.render import to_pythonic
from ray_toolace.core.types import ToolCall

_BINOPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    # BFCL's decoder evaluates any binary operation, so bit operations on numbers read too
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
    ast.BitOr: operator.or_,
    ast.BitAnd: operator.and_,
    ast.BitXor: operator.xor,
}
# The opening of a code fence: backticks, an info string, whitespace. The content runs to the
# next three backticks (found with str.find: a lazy pattern after the info string backtracks
# quadratically on an unclosed fence).
_FENCE_OPEN = re.compile(r"```[\w+-]*\s*")
# A call list starts with "[" followed by something name-like and "(".
_LIST_START = re.compile(r"\[\s*[A-Za-z_][\w .\-]*\(")
_SPACED_NAME = re.compile(r"[A-Za-z_][\w .\-]*")
# One printf-style conversion: %[(key)][flags][width][.precision][length]type
_CONVERSION = re.compile(r"%(?:\([^)]*\))?[-+ #0]*(\*|\d+)?(?:\.(\*|\d*))?[hlL]?(.?)", re.S)
_NUMERIC_CONVERSIONS = frozenset("diouxXeEfFgGc")
# The longest text a number within the budgets formats to, width and precision aside: 309 digits
# of an integer or of a float's integer part, plus sign, prefix and exponent.
_NUMBER_CHARS = 400
# How much longer than its size a value's str() or repr() can be: escapes (\U0001f600 is ten
# characters for one), quotes and separators, a float's 24 characters for its size of 2.
_RENDER_FACTOR = 16


class PythonicError(ValueError):
    pass


def _format_bound(fmt: str | bytes, args: Any, args_size: int) -> int:
    """An upper bound on the length of `fmt % args`, from the conversions in `fmt`.

    Each conversion writes at most its width and precision plus either a number's text or the
    text of one argument, itself at most `_RENDER_FACTOR` times the size of all of them."""
    text = fmt if isinstance(fmt, str) else fmt.decode("latin-1")
    star = max((abs(x) for x in (args if isinstance(args, tuple) else (args,)) if isinstance(x, int)), default=0)
    total = len(text)
    for m in _CONVERSION.finditer(text):
        width, precision, kind = m.groups()
        for field in (width, precision):
            if field == "*":
                total += star  # the width comes from an argument
            elif field:
                total += int(field) if len(field) <= 9 else MAX_STR_LEN + 1
        if kind == "%":
            total += 1
        elif kind in _NUMERIC_CONVERSIONS:
            total += _NUMBER_CHARS
        else:
            total += _RENDER_FACTOR * args_size + 64
        if total > MAX_STR_LEN:
            break
    return total


def _fold(op: type, a: Any, a_size: int, b: Any, b_size: int) -> tuple[Any, int]:
    """`a <op> b` and its size, refusing before computing anything past a budget."""
    ints = isinstance(a, int) and isinstance(b, int)  # bools too: Python folds True + 1
    size = None  # set where the estimate is exact enough to stand for the result's size
    if op is ast.Pow and ints and b > 0 and abs(a) > 1:
        # |a| ** b has floor(b * log2|a|) + 1 bits
        check_int_bits(b if b > MAX_INT_BITS else b * math.log2(abs(a)), "**")
    elif op is ast.LShift and ints and a != 0 and b > 0:
        check_int_bits(b if b > MAX_INT_BITS else a.bit_length() + b, "<<")
    elif op is ast.Mult and ints:
        check_int_bits(a.bit_length() + b.bit_length() - 1, "*")
    elif op is ast.Mult and isinstance(a, (str, bytes, list, tuple)) != isinstance(b, (str, bytes, list, tuple)):
        seq, seq_size, n = (a, a_size, b) if isinstance(a, (str, bytes, list, tuple)) else (b, b_size, a)
        if isinstance(n, int):
            n = max(n, 0)
            check_length(type(seq).__name__, len(seq) * n)
            size = check_value_size(seq_size * n)
    elif op is ast.Add and type(a) is type(b) and isinstance(a, (str, bytes, list, tuple)):
        check_length(type(a).__name__, len(a) + len(b))
        size = check_value_size(a_size + b_size)
    elif op is ast.BitOr and isinstance(a, dict) and isinstance(b, dict):
        check_length("dict", len(a) + len(b))
        size = check_value_size(a_size + b_size)
    elif op is ast.Mod and isinstance(a, (str, bytes)):
        check_length(type(a).__name__, _format_bound(a, b, b_size))
    try:
        result = _BINOPS[op](a, b)
    except Exception as e:  # e.g. "a" - 1, 1 / 0, 10.0 ** 400
        raise PythonicError(str(e) or type(e).__name__) from None
    if size is None:
        size = scalar_size(result) if not isinstance(result, (list, tuple, dict)) else a_size + b_size
    return result, check_value_size(size)


class _Reader:
    """Reads argument values from the AST of one source text, spending one parse's budget.

    Returns every value with its size (see `limits`), computed bottom-up as the value is built,
    so that a value sharing one list many times is measured by what it renders to."""

    def __init__(self, source: str, budget: Budget) -> None:
        self.source = source
        self.budget = budget

    def snippet(self, node: ast.AST) -> str:
        # the node's own text: ast.unparse recurses as deep as the node, which may be very deep
        return (ast.get_source_segment(self.source, node) or type(node).__name__)[:80]

    def value(self, node: ast.AST, depth: int) -> tuple[Any, int]:
        budget = self.budget
        budget.visit(depth)
        if isinstance(node, ast.Constant):
            value = "..." if node.value is Ellipsis else node.value
            return value, budget.produce(scalar_size(value))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner, size = self.value(node.operand, depth + 1)
            if isinstance(inner, (int, float)) and not isinstance(inner, bool):
                return (-inner if isinstance(node.op, ast.USub) else inner), size
            raise PythonicError("sign applied to a non-number")
        if isinstance(node, (ast.List, ast.Tuple)):
            check_length("list" if isinstance(node, ast.List) else "tuple", len(node.elts))
            items, size = [], 1
            for elt in node.elts:
                item, item_size = self.value(elt, depth + 1)
                items.append(item)
                size += 1 + item_size
            budget.produce(1 + len(items))
            return (items if isinstance(node, ast.List) else tuple(items)), check_value_size(size)
        if isinstance(node, ast.Dict):
            if any(k is None for k in node.keys):
                raise PythonicError("dict unpacking (**) is not a value")
            check_length("dict", len(node.keys))
            out, size = {}, 1
            for k, v in zip(node.keys, node.values):
                key, key_size = self.value(k, depth + 1)
                val, val_size = self.value(v, depth + 1)
                try:
                    out[key] = val
                except TypeError as e:  # a list or dict as a key: BFCL's decoder fails here too
                    raise PythonicError(f"not a usable dict key: {e}") from None
                size += 1 + key_size + val_size
            budget.produce(1 + len(out))
            return out, check_value_size(size)
        if isinstance(node, ast.Name):
            return node.id, budget.produce(len(node.id))
        if isinstance(node, ast.Call):
            if not node.keywords:
                return self.text(node, depth)
            name = self.func_name(node.func)
            args, size = self.arguments(node, depth)
            budget.produce(2)
            return {name: args}, check_value_size(size + len(name) + 2)
        if isinstance(node, ast.Subscript):
            return self.text(node, depth)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            left, left_size = self.value(node.left, depth + 1)
            right, right_size = self.value(node.right, depth + 1)
            try:
                value, size = _fold(type(node.op), left, left_size, right, right_size)
            except PythonicError as e:
                raise PythonicError(f"cannot fold {self.snippet(node)}: {e}") from None
            return value, budget.produce(size)
        raise PythonicError(f"unsupported value {type(node).__name__}: {self.snippet(node)}")

    def text(self, node: ast.AST, depth: int) -> tuple[str, int]:
        """The normalised source text of `node` (as BFCL reads a call without keywords).

        Its nodes are counted and its numbers checked first, iteratively: unparsing recurses
        once per level and renders every integer in decimal."""
        stack = [(node, depth)]
        while stack:
            n, d = stack.pop()
            self.budget.visit(d)
            if isinstance(n, ast.Constant):
                scalar_size(n.value if n.value is not Ellipsis else "...")
            stack.extend((c, d + 1) for c in ast.iter_child_nodes(n) if not isinstance(c, ast.expr_context))
        text = ast.unparse(node)
        return text, self.budget.produce(scalar_size(text))

    def func_name(self, node: ast.AST) -> str:
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            raise PythonicError(f"not a function name: {self.snippet(node)}")
        parts.append(node.id)
        return ".".join(reversed(parts))

    def arguments(self, node: ast.Call, depth: int) -> tuple[dict[str, Any], int]:
        check_length("dict", len(node.keywords))
        args, size = {}, 1
        for kw in node.keywords:
            if kw.arg is None:
                raise PythonicError("**kwargs is not an argument")
            args[kw.arg], value_size = self.value(kw.value, depth + 1)
            size += 1 + len(kw.arg) + value_size
        # Positional arguments are ignored, as BFCL's decoder ignores them: the checker then
        # reports the parameters they were meant to fill as missing.
        return args, size


def _parse_source(source: str, budget: Budget, what: str) -> ast.AST:
    budget.spend_work(len(source))
    try:
        return ast.parse(source, mode="eval").body
    except SyntaxError as e:
        raise PythonicError(f"{what}: {e.msg}") from None
    except ValueError as e:  # null bytes
        raise PythonicError(f"{what}: {e}") from None
    except (RecursionError, MemoryError) as e:  # Python's parser recurses once per level of nesting
        raise PythonicError(f"{what}: nested too deeply for Python's parser ({type(e).__name__})") from None


def _parse_list_ast(text: str, budget: Budget) -> list[ToolCall]:
    source = text.strip().strip("'")
    body = _parse_source(source, budget, "not a Python call list")
    elts = [body] if isinstance(body, ast.Call) else getattr(body, "elts", None)
    if elts is None:
        raise PythonicError("not a list of calls")
    check_length("list", len(elts))
    reader = _Reader(source, budget)
    calls = []
    for elt in elts:
        if not isinstance(elt, ast.Call):
            # the item's own text: unparsing it again costs more than the whole check
            item = ast.get_source_segment(source, elt) or ""
            raise PythonicError(f"list item is not a call: {item[:80]}")
        budget.visit(1)
        calls.append(ToolCall(reader.func_name(elt.func), reader.arguments(elt, 1)[0]))
    return calls


def _split_top_level(inner: str) -> list[str]:
    """Split the inside of a call list at commas outside brackets and string literals."""
    parts, depth, start, i, quote = [], 0, 0, 0, None
    n = len(inner)
    while i < n:
        ch = inner[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if inner.startswith(quote, i):
                i += len(quote)
                quote = None
                continue
        elif ch in "\"'":
            quote = inner[i : i + 3] if inner.startswith(ch * 3, i) else ch
            i += len(quote)
            continue
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(inner[start:i])
            start = i + 1
        i += 1
    if quote or depth:
        raise PythonicError("unbalanced brackets or quotes")
    parts.append(inner[start:])
    return [p for p in parts if p.strip()]


def _spaced_call(part: str) -> tuple[str, str] | None:
    """(name, argument text) of `name(args)` where the name may hold spaces, dots and hyphens.

    The name is everything before the first "(", the arguments run to the last ")". Plain
    string operations: a lazy name pattern followed by optional whitespace backtracks
    quadratically on a long run of spaces."""
    open_at = part.find("(")
    if open_at < 0:
        return None
    name, rest = part[:open_at].strip(), part[open_at + 1 :].rstrip()
    if not _SPACED_NAME.fullmatch(name) or not rest.endswith(")"):
        return None
    return " ".join(name.split()), rest[:-1]


def _parse_list_spaced(text: str, budget: Budget) -> list[ToolCall]:
    """Read calls whose names Python cannot parse (spaces, hyphens), one call at a time."""
    text = text.strip()
    if not (text.startswith("[") and text.endswith("]")):
        raise PythonicError("not a bracketed call list")
    budget.spend_work(len(text))
    parts = _split_top_level(text[1:-1])
    check_length("list", len(parts))
    calls = []
    for part in parts:
        found = _spaced_call(part)
        if found is None:
            raise PythonicError(f"not a call: {part.strip()[:80]}")
        name, args = found
        source = f"_f({args})"
        node = _parse_source(source, budget, f"bad arguments for {name}")
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_f"):
            raise PythonicError(f"not a call: {part.strip()[:80]}")  # e.g. "a(1) + b(2)"
        budget.visit(1)
        calls.append(ToolCall(name, _Reader(source, budget).arguments(node, 1)[0]))
    return calls


def _fences(text: str):
    """The contents of the ``` code fences in `text`, in order."""
    pos = 0
    while (start := text.find("```", pos)) >= 0:
        content_at = _FENCE_OPEN.match(text, start).end()
        end = text.find("```", content_at)
        if end < 0:
            return
        yield text[content_at:end]
        pos = end + 3


def _matching_bracket(text: str, start: int, budget: Budget) -> int:
    """Index of the "]" closing the "[" at `start`, skipping string literals; -1 if none."""
    depth, i, quote = 0, start, None
    try:
        while i < len(text):
            ch = text[i]
            if quote:
                if ch == "\\":
                    i += 2
                    continue
                if ch == quote:
                    quote = None
            elif ch in "\"'":
                quote = ch
            elif ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth -= 1
                if depth == 0:
                    return i if ch == "]" else -1
            i += 1
        return -1
    finally:
        # each "[name(" scans to its end: many unclosed ones would cost the length squared
        budget.spend_work(min(i, len(text)) - start)


def _bfcl_shape(text: str) -> str:
    text = text.strip("`\n ")
    if not text.startswith("["):
        text = "[" + text
    if not text.endswith("]"):
        text = text + "]"
    return text


class PythonicParser:
    """Reads and writes the pythonic call list; see the module docstring for the modes."""

    def __init__(self, lenient: bool = True) -> None:
        self.lenient = lenient
        self.name = "pythonic" if lenient else "pythonic-strict"

    def render(self, calls: list[ToolCall]) -> str:
        return to_pythonic(calls)

    def parse(self, text: str) -> Parsed:
        if "(" not in text:
            # prose or an empty list: no call, not a malformed one (and no parse to pay for)
            return Parsed()
        budget = Budget()  # one for all the readings tried below
        try:
            return self._parse(text, budget)
        except BudgetExceeded as e:
            return Parsed(error=f"refused: {e}")
        except RecursionError:  # the budgets keep the reader shallow; this is a last guard for a server
            return Parsed(error="refused: nested too deeply to read")

    def _parse(self, text: str, budget: Budget) -> Parsed:
        check_answer_length(text)
        shaped = _bfcl_shape(text)
        try:
            return Parsed(_parse_list_ast(shaped, budget))
        except PythonicError as e:
            first_error = str(e)
        if self.lenient:
            # the same text read the same way fails the same way: each reading once
            tried = {(_parse_list_ast, shaped)}
            for candidate in self._candidates(text, budget):
                for reader in (_parse_list_ast, _parse_list_spaced):
                    if (reader, candidate) in tried:
                        continue
                    tried.add((reader, candidate))
                    try:
                        return Parsed(reader(candidate, budget))
                    except PythonicError:
                        pass
        return Parsed(error=first_error)

    @staticmethod
    def _candidates(text: str, budget: Budget):
        stripped = text.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            yield stripped
        for content in _fences(text):
            yield _bfcl_shape(content)
        for m in _LIST_START.finditer(text):
            end = _matching_bracket(text, m.start(), budget)
            if end > 0:
                yield text[m.start() : end + 1]
