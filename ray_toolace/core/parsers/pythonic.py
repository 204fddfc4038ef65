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
"""

from __future__ import annotations

import ast
import operator
import re
from typing import Any

from ray_toolace.core.parsers.base import Parsed
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
_FENCE = re.compile(r"```[\w+-]*\s*\n?(.*?)```", re.S)
# A call list starts with "[" followed by something name-like and "(".
_LIST_START = re.compile(r"\[\s*[A-Za-z_][\w .\-]*\(")
_SPACED_CALL = re.compile(r"\s*([A-Za-z_][\w .\-]*?)\s*\((.*)\)\s*$", re.S)


class PythonicError(ValueError):
    pass


def _value(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant):
        return "..." if node.value is Ellipsis else node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _value(node.operand)
        if isinstance(inner, (int, float)) and not isinstance(inner, bool):
            return -inner if isinstance(node.op, ast.USub) else inner
        raise PythonicError("sign applied to a non-number")
    if isinstance(node, ast.List):
        return [_value(v) for v in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(_value(v) for v in node.elts)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise PythonicError("dict unpacking (**) is not a value")
        try:
            return {_value(k): _value(v) for k, v in zip(node.keys, node.values)}
        except TypeError as e:  # a list or dict as a key: BFCL's decoder fails here too
            raise PythonicError(f"not a usable dict key: {e}") from None
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):
        return _call(node) if node.keywords else ast.unparse(node)
    if isinstance(node, ast.Subscript):
        return ast.unparse(node)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        left, right = _value(node.left), _value(node.right)
        if isinstance(node.op, (ast.Pow, ast.LShift)) and isinstance(right, (int, float)) and abs(right) > 64:
            raise PythonicError("exponent or shift too large")  # 9 ** 9 ** 9 would hang the checker
        try:
            return _BINOPS[type(node.op)](left, right)
        except Exception as e:  # e.g. "a" - 1, 1 / 0
            raise PythonicError(f"cannot fold {ast.unparse(node)}: {e}") from None
    raise PythonicError(f"unsupported value {type(node).__name__}: {ast.unparse(node)[:80]}")


def _func_name(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        raise PythonicError(f"not a function name: {ast.unparse(node)[:80]}")
    parts.append(node.id)
    return ".".join(reversed(parts))


def _arguments(node: ast.Call) -> dict[str, Any]:
    args = {}
    for kw in node.keywords:
        if kw.arg is None:
            raise PythonicError("**kwargs is not an argument")
        args[kw.arg] = _value(kw.value)
    # Positional arguments are ignored, as BFCL's decoder ignores them: the checker then
    # reports the parameters they were meant to fill as missing.
    return args


def _call(node: ast.Call) -> dict[str, Any]:
    return {_func_name(node.func): _arguments(node)}


def _parse_list_ast(text: str) -> list[ToolCall]:
    try:
        source = text.strip().strip("'")
        body = ast.parse(source, mode="eval").body
    except SyntaxError as e:
        raise PythonicError(f"not a Python call list: {e.msg}") from None
    except (ValueError, RecursionError, MemoryError) as e:  # null bytes, absurd nesting
        raise PythonicError(f"not a Python call list: {e}") from None
    elts = [body] if isinstance(body, ast.Call) else getattr(body, "elts", None)
    if elts is None:
        raise PythonicError("not a list of calls")
    calls = []
    for elt in elts:
        if not isinstance(elt, ast.Call):
            # the item's own text: unparsing it again costs more than the whole check
            item = ast.get_source_segment(source, elt) or ""
            raise PythonicError(f"list item is not a call: {item[:80]}")
        calls.append(ToolCall(_func_name(elt.func), _arguments(elt)))
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


def _parse_list_spaced(text: str) -> list[ToolCall]:
    """Read calls whose names Python cannot parse (spaces, hyphens), one call at a time."""
    text = text.strip()
    if not (text.startswith("[") and text.endswith("]")):
        raise PythonicError("not a bracketed call list")
    calls = []
    for part in _split_top_level(text[1:-1]):
        m = _SPACED_CALL.match(part)
        if not m:
            raise PythonicError(f"not a call: {part.strip()[:80]}")
        name = " ".join(m.group(1).split())
        try:
            node = ast.parse(f"_f({m.group(2)})", mode="eval").body
        except SyntaxError as e:
            raise PythonicError(f"bad arguments for {name}: {e.msg}") from None
        calls.append(ToolCall(name, _arguments(node)))
    return calls


def _matching_bracket(text: str, start: int) -> int:
    """Index of the "]" closing the "[" at `start`, skipping string literals; -1 if none."""
    depth, i, quote = 0, start, None
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
        try:
            return Parsed(_parse_list_ast(_bfcl_shape(text)))
        except PythonicError as e:
            first_error = str(e)
        if self.lenient:
            for candidate in self._candidates(text):
                for reader in (_parse_list_ast, _parse_list_spaced):
                    try:
                        return Parsed(reader(candidate))
                    except PythonicError:
                        pass
        return Parsed(error=first_error)

    @staticmethod
    def _candidates(text: str):
        stripped = text.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            yield stripped
        for m in _FENCE.finditer(text):
            yield _bfcl_shape(m.group(1))
        for m in _LIST_START.finditer(text):
            end = _matching_bracket(text, m.start())
            if end > 0:
                yield text[m.start() : end + 1]
