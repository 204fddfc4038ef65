"""Parsers for model answers, one small module per output format, behind one interface.

`get_parser("pythonic")` (lenient), `get_parser("pythonic", strict=True)` (BFCL's decoder rules),
`get_parser("json")` (`<tool_call>` JSON). Every parser passes the shared conformance suite in
tests/unit/test_parsers.py, and stays within the time and size budgets of `limits` on any input
(tests/unit/test_parser_budgets.py): past one, an answer is a parse error naming the budget.
"""

from __future__ import annotations

from ray_toolace.core.parsers.base import AnswerParser, Parsed
from ray_toolace.core.parsers.json_tags import JsonTagParser
from ray_toolace.core.parsers.pythonic import PythonicParser

FORMATS = ("pythonic", "json")


def get_parser(fmt: str = "pythonic", strict: bool = False) -> AnswerParser:
    if fmt == "pythonic":
        return PythonicParser(lenient=not strict)
    if fmt == "json":
        return JsonTagParser()
    raise ValueError(f"unknown answer format {fmt!r}; choose one of {', '.join(FORMATS)}")


__all__ = ["AnswerParser", "Parsed", "get_parser", "FORMATS", "PythonicParser", "JsonTagParser"]
